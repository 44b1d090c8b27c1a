package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/spikerperak/spiker"
)

func runServe(ctx context.Context, cio cmdIO, args []string) error {
	m, err := newMain(cio, "serve", args, true, nil)
	if err != nil {
		return err
	}
	defer m.Close()
	if err := m.Run(ctx); err != nil {
		return err
	}
	if m.Config.StaffAddr == "" {
		fmt.Fprintf(cio.stdout, "Spiker Perak is serving the public portal and the back office at http://%s\n", m.PublicAddr())
	} else {
		fmt.Fprintf(cio.stdout, "Spiker Perak is serving the public portal at http://%s and the back office at http://%s\n", m.PublicAddr(), m.StaffAddr())
	}
	if a := m.MetricsAddr(); a != "" {
		fmt.Fprintf(cio.stdout, "Metrics for Prometheus are at http://%s/metrics\n", a)
	}
	if ok, err := m.Store.EscrowReady(ctx); err == nil && !ok {
		fmt.Fprintf(cio.stdout, "The escrow is not set up: without it, a case whose holders all lose their passwords cannot be recovered.\n"+
			"Set it up before creating users, with the three share holders present:\n"+
			"  spiker escrow init --data %s%s --holders \"Kepala Dinas; Kepala UPTD; Petugas Pelindungan Data\"\n", m.Config.DataDir, dbHint(m.Config))
	}
	if n, err := m.Users.CountUsersWithRole(ctx, spiker.RoleAdmin); err == nil && n == 0 {
		fmt.Fprintf(cio.stdout, "No administrator exists yet. Create the first duty officer, supervisor and administrator\n"+
			"from another terminal (each is asked for a password):\n"+
			"  spiker user add --data %[1]s%[2]s --username konselor1 --role konselor_piket\n"+
			"  spiker user add --data %[1]s%[2]s --username supervisor1 --role supervisor\n"+
			"  spiker user add --data %[1]s%[2]s --username admin --role admin\n"+
			"(or `go run ./cmd/spiker user add ...` from the source tree).\n",
			m.Config.DataDir, dbHint(m.Config))
	}
	select {
	case <-ctx.Done():
		m.Logger.Info("shutting down")
	case err := <-m.Err():
		return err
	}
	if err := m.Close(); err != nil {
		return err
	}
	m.Logger.Info("stopped")
	return nil
}

// dbHint repeats --db in printed commands without showing the URL, which
// may hold a password.
func dbHint(c Config) string {
	if c.DB == "" {
		return ""
	}
	return " --db \"$SPIKER_DB\""
}

// newMain parses a command's flags into a Main with its logger. extra adds
// the command's own flags.
func newMain(cio cmdIO, name string, args []string, serve bool, extra func(*flag.FlagSet)) (*Main, error) {
	m := &Main{Stdout: cio.stdout}
	fs := newFlagSet(name, cio)
	if err := m.Config.bind(fs, cio.env, serve); err != nil {
		return nil, err
	}
	if extra != nil {
		extra(fs)
	}
	if err := parseFlags(fs, args); err != nil {
		return nil, err
	}
	logger, err := newLogger(cio.stderr, m.Config.LogFormat)
	if err != nil {
		return nil, err
	}
	m.Logger = logger
	return m, nil
}
