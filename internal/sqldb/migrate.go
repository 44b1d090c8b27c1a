package sqldb

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"strconv"
	"strings"

	"github.com/spikerperak/spiker"
)

//go:embed migrations
var migrationFiles embed.FS

// Migration is one numbered schema change, e.g. 0001_users.sql.
type Migration struct {
	Version int
	Name    string
	SQL     string
}

// Migrations returns the dialect's migrations in order. Numbers start at 1
// and have no gaps; both dialects have the same numbers and names (a test
// checks it).
func Migrations(d Dialect) ([]Migration, error) {
	dir := path.Join("migrations", string(d))
	entries, err := fs.ReadDir(migrationFiles, dir)
	if err != nil {
		return nil, err
	}
	var out []Migration
	for _, e := range entries {
		num, name, ok := strings.Cut(strings.TrimSuffix(e.Name(), ".sql"), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || !strings.HasSuffix(e.Name(), ".sql") {
			return nil, fmt.Errorf("migration file %s is not named NNNN_name.sql", e.Name())
		}
		if v != len(out)+1 {
			return nil, fmt.Errorf("migration %s: expected number %d", e.Name(), len(out)+1)
		}
		b, err := migrationFiles.ReadFile(path.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		out = append(out, Migration{Version: v, Name: name, SQL: string(b)})
	}
	return out, nil
}

// LatestVersion is the schema version this program needs.
func (db *DB) LatestVersion() int {
	ms, _ := Migrations(db.dialect)
	return len(ms)
}

var versionTable = map[Dialect]string{
	SQLite: `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMP NOT NULL)`,
	Postgres: `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL)`,
}

// SchemaVersion returns the version of the newest applied migration; 0 for
// an empty database.
func (db *DB) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	err := db.View(ctx, func(tx *Tx) error {
		var exists bool
		q := `SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations')`
		if db.dialect == Postgres {
			q = `SELECT to_regclass('schema_migrations') IS NOT NULL`
		}
		if err := tx.Get(ctx, q, nil, &exists); err != nil || !exists {
			return err
		}
		return tx.Get(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`, nil, &v)
	})
	if err != nil {
		return 0, fmt.Errorf("cannot read the schema version: %w", err)
	}
	return v, nil
}

// Migrate applies every pending migration, each in its own transaction
// together with its record in schema_migrations. On PostgreSQL an advisory
// lock makes nodes that start together apply each migration once.
func (db *DB) Migrate(ctx context.Context) ([]Migration, error) {
	return db.MigrateTo(ctx, db.LatestVersion())
}

// MigrateTo applies pending migrations up to and including version target.
func (db *DB) MigrateTo(ctx context.Context, target int) ([]Migration, error) {
	ms, err := Migrations(db.dialect)
	if err != nil {
		return nil, err
	}
	var applied []Migration
	for _, m := range ms[:min(target, len(ms))] {
		done := false
		err := db.Update(ctx, func(tx *Tx) error {
			if db.dialect == Postgres {
				// The key is arbitrary but fixed: 0x7370696b6572, "spiker" in ASCII.
				if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(126926642177394)`); err != nil {
					return err
				}
			}
			if _, err := tx.Exec(ctx, versionTable[db.dialect]); err != nil {
				return err
			}
			var current int
			if err := tx.Get(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`, nil, &current); err != nil {
				return err
			}
			if current >= m.Version {
				return nil
			}
			if _, err := tx.Exec(ctx, m.SQL); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)`,
				m.Version, m.Name, tx.Now())
			done = true
			return err
		})
		if err != nil {
			return applied, fmt.Errorf("migration %04d_%s failed, nothing of it was applied: %w", m.Version, m.Name, err)
		}
		if done {
			applied = append(applied, m)
		}
	}
	return applied, nil
}

// CheckSchema returns EUNAVAILABLE unless the schema is exactly the version
// this program needs. The server refuses to serve on any other schema.
func (db *DB) CheckSchema(ctx context.Context) error {
	v, err := db.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	switch latest := db.LatestVersion(); {
	case v < latest:
		return spiker.Errorf(spiker.EUNAVAILABLE, "the database schema is at version %d but this program needs version %d: run `spiker migrate` first", v, latest)
	case v > latest:
		return spiker.Errorf(spiker.EUNAVAILABLE, "the database schema is at version %d, newer than this program's version %d: run a newer spiker", v, latest)
	}
	return nil
}
