package sqldb_test

import (
	"context"
	"testing"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/sqldb"
	"github.com/spikerperak/spiker/internal/sqldb/sqldbtest"
)

func TestMigrationsMatchAcrossDialects(t *testing.T) {
	lite, err := sqldb.Migrations(sqldb.SQLite)
	if err != nil {
		t.Fatal(err)
	}
	pg, err := sqldb.Migrations(sqldb.Postgres)
	if err != nil {
		t.Fatal(err)
	}
	if len(lite) == 0 || len(lite) != len(pg) {
		t.Fatalf("sqlite has %d migrations, postgres %d", len(lite), len(pg))
	}
	for i := range lite {
		if lite[i].Version != pg[i].Version || lite[i].Name != pg[i].Name {
			t.Errorf("migration %d: sqlite %04d_%s, postgres %04d_%s", i, lite[i].Version, lite[i].Name, pg[i].Version, pg[i].Name)
		}
	}
}

func TestMigrateFromEmpty(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, dbURL string) {
		t.Parallel()
		ctx := context.Background()
		db, err := sqldb.Open(ctx, dbURL)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if v, err := db.SchemaVersion(ctx); err != nil || v != 0 {
			t.Fatalf("empty database: version %d, %v", v, err)
		}
		if err := db.CheckSchema(ctx); spiker.ErrorCode(err) != spiker.EUNAVAILABLE {
			t.Fatalf("CheckSchema on empty database = %v, want EUNAVAILABLE", err)
		}
		applied, err := db.Migrate(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(applied) != db.LatestVersion() {
			t.Fatalf("applied %d migrations, want %d", len(applied), db.LatestVersion())
		}
		if v, _ := db.SchemaVersion(ctx); v != db.LatestVersion() {
			t.Fatalf("version after migrate = %d", v)
		}
		if err := db.CheckSchema(ctx); err != nil {
			t.Fatal(err)
		}
		again, err := db.Migrate(ctx)
		if err != nil || len(again) != 0 {
			t.Fatalf("second migrate applied %v, %v", again, err)
		}
		// The tables of the latest schema exist.
		err = db.View(ctx, func(tx *sqldb.Tx) error {
			var n int
			return tx.Get(ctx, `SELECT COUNT(*) FROM users`, nil, &n)
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

func TestSchemaAheadIsRefused(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, dbURL string) {
		t.Parallel()
		ctx := context.Background()
		db := sqldbtest.Open(t, dbURL)
		err := db.Update(ctx, func(tx *sqldb.Tx) error {
			_, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, 'future', $2)`,
				db.LatestVersion()+1, tx.Now())
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := db.CheckSchema(ctx); spiker.ErrorCode(err) != spiker.EUNAVAILABLE {
			t.Fatalf("CheckSchema on a newer schema = %v, want EUNAVAILABLE", err)
		}
	})
}

func TestConcurrentMigrate(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, dbURL string) {
		t.Parallel()
		ctx := context.Background()
		errs := make(chan error, 3)
		for range 3 {
			go func() {
				db, err := sqldb.Open(ctx, dbURL)
				if err != nil {
					errs <- err
					return
				}
				defer db.Close()
				_, err = db.Migrate(ctx)
				errs <- err
			}()
		}
		for range 3 {
			if err := <-errs; err != nil {
				t.Fatal(err)
			}
		}
	})
}

func TestOpenRejectsUnknownURL(t *testing.T) {
	for _, u := range []string{"mysql://root@localhost/x", "spiker.db", "sqlite:", "sqlite:/tmp/x.db?mode=ro"} {
		if _, err := sqldb.Open(context.Background(), u); err == nil {
			t.Errorf("Open(%q) succeeded", u)
		}
	}
}
