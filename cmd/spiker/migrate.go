package main

import (
	"context"
	"fmt"
	"runtime"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/sqldb"
)

func runMigrate(ctx context.Context, cio cmdIO, args []string) error {
	m, err := newMain(cio, "migrate", args, false, nil)
	if err != nil {
		return err
	}
	if m.Config.DB == "" {
		if err := prepareDataDir(m.Config.DataDir, m.Logger); err != nil {
			return err
		}
	}
	db, err := sqldb.Open(ctx, m.Config.DatabaseURL())
	if err != nil {
		return err
	}
	defer db.Close()
	applied, err := db.Migrate(ctx)
	if err != nil {
		return err
	}
	for _, mg := range applied {
		fmt.Fprintf(cio.stdout, "applied %04d_%s\n", mg.Version, mg.Name)
	}
	fmt.Fprintf(cio.stdout, "The schema of the %s is at version %d, the one this program needs.\n", db, db.LatestVersion())
	return nil
}

func runVersion(ctx context.Context, cio cmdIO, args []string) error {
	fmt.Fprintf(cio.stdout, "spiker %s (%s, %s/%s)\n", spiker.Version, runtime.Version(), runtime.GOOS, runtime.GOARCH)
	return nil
}
