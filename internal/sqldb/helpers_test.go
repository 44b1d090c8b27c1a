package sqldb_test

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/sqldb"
	"github.com/spikerperak/spiker/internal/sqldb/sqldbtest"
)

func TestValueRows(t *testing.T) {
	for _, c := range []struct {
		rows, cols int
		want       string
	}{
		{1, 1, "($1)"},
		{1, 3, "($1, $2, $3)"},
		{2, 2, "($1, $2), ($3, $4)"},
	} {
		if got := sqldb.ValueRows(c.rows, c.cols); got != c.want {
			t.Errorf("ValueRows(%d, %d) = %q, want %q", c.rows, c.cols, got, c.want)
		}
	}
}

// Collect and QueryStrings read every row in order, and report a failed
// query or scan instead of a short list.
func TestCollect(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, dbURL string) {
		t.Parallel()
		ctx := context.Background()
		db := sqldbtest.Open(t, dbURL)
		err := db.Update(ctx, func(tx *sqldb.Tx) error {
			_, err := tx.Exec(ctx, `INSERT INTO settings (name, value, updated_at) VALUES `+sqldb.ValueRows(3, 3),
				"b", "2", tx.Now(), "a", "1", tx.Now(), "c", "x", tx.Now())
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		err = db.View(ctx, func(tx *sqldb.Tx) error {
			names, err := sqldb.QueryStrings(ctx, tx, `SELECT name FROM settings WHERE name IN ($1, $2, $3) ORDER BY name`, "a", "b", "c")
			if err != nil || !slices.Equal(names, []string{"a", "b", "c"}) {
				t.Errorf("QueryStrings = %q, %v", names, err)
			}
			none, err := sqldb.QueryStrings(ctx, tx, `SELECT name FROM settings WHERE name = $1`, "none")
			if err != nil || len(none) != 0 {
				t.Errorf("QueryStrings without rows = %q, %v", none, err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		// Failures in transactions of their own: on PostgreSQL a failed
		// statement aborts the rest.
		err = db.View(ctx, func(tx *sqldb.Tx) error {
			_, err := sqldb.QueryStrings(ctx, tx, `SELECT no_such_column FROM settings`)
			return err
		})
		if err == nil {
			t.Error("a failed query gave no error")
		}
		var nums []int
		err = db.View(ctx, func(tx *sqldb.Tx) error {
			rows, err := tx.Query(ctx, `SELECT value FROM settings WHERE name IN ($1, $2, $3) ORDER BY name`, "a", "b", "c")
			nums, err = sqldb.Collect(rows, err, func(rows *sql.Rows) (n int, err error) { return n, rows.Scan(&n) })
			return err
		})
		if err == nil {
			t.Errorf("scanning %q as a number gave no error: %v", "x", nums)
		}
	})
}

// Driver errors become domain codes on both databases; other errors pass
// unchanged.
func TestMapError(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, dbURL string) {
		t.Parallel()
		ctx := context.Background()
		db := sqldbtest.Open(t, dbURL)
		put := `INSERT INTO settings (name, value, updated_at) VALUES ($1, $2, $3)`
		for _, c := range []struct {
			name string
			fn   func(tx *sqldb.Tx) error
			code string
		}{
			{"unique", func(tx *sqldb.Tx) error {
				if _, err := tx.Exec(ctx, put, "u", "1", tx.Now()); err != nil {
					return err
				}
				_, err := tx.Exec(ctx, put, "u", "2", tx.Now())
				return err
			}, spiker.ECONFLICT},
			{"not null", func(tx *sqldb.Tx) error {
				_, err := tx.Exec(ctx, put, "n", nil, tx.Now())
				return err
			}, spiker.EINVALID},
			{"foreign key", func(tx *sqldb.Tx) error {
				_, err := tx.Exec(ctx, `INSERT INTO user_roles (user_id, role) VALUES (999999, 'admin')`)
				return err
			}, spiker.EINVALID},
		} {
			err := db.Update(ctx, c.fn)
			if spiker.ErrorCode(err) != c.code {
				t.Errorf("%s: %v, want %s", c.name, err, c.code)
			}
		}
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		if err := db.View(cctx, func(tx *sqldb.Tx) error {
			var n int
			return tx.Get(cctx, `SELECT count(*) FROM settings`, nil, &n)
		}); spiker.ErrorCode(err) != spiker.EUNAVAILABLE {
			t.Errorf("cancelled: %v, want EUNAVAILABLE", err)
		}
	})
	other := errors.New("other")
	if err := sqldb.MapError(other); err != other {
		t.Errorf("MapError changed an unknown error: %v", err)
	}
	if sqldb.MapError(nil) != nil {
		t.Error("MapError(nil) is not nil")
	}
	if err := sqldb.MapError(sql.ErrNoRows); !errors.Is(err, sql.ErrNoRows) {
		t.Errorf("MapError(sql.ErrNoRows) = %v", err)
	}
}

// Backup copies a serving SQLite database into a new private file, never
// over an existing one; PostgreSQL is refused.
func TestBackup(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, dbURL string) {
		t.Parallel()
		ctx := context.Background()
		db := sqldbtest.Open(t, dbURL)
		out := filepath.Join(t.TempDir(), "copy.db")
		if db.Dialect() == sqldb.Postgres {
			if err := db.Backup(ctx, out); err == nil || !strings.Contains(err.Error(), "pg_dump") {
				t.Fatalf("Backup on PostgreSQL: %v", err)
			}
			return
		}
		if err := db.Update(ctx, func(tx *sqldb.Tx) error {
			_, err := tx.Exec(ctx, `INSERT INTO settings (name, value, updated_at) VALUES ('kept', '1', $1)`, tx.Now())
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if err := db.Backup(ctx, out); err != nil {
			t.Fatal(err)
		}
		if fi, err := os.Stat(out); err != nil || fi.Mode().Perm() != 0o600 {
			t.Fatalf("backup file: %v, %v", fi, err)
		}
		if err := db.Backup(ctx, out); err == nil {
			t.Error("Backup wrote over an existing file")
		}
		cp, err := sqldb.Open(ctx, "sqlite:"+out)
		if err != nil {
			t.Fatal(err)
		}
		defer cp.Close()
		if err := cp.CheckSchema(ctx); err != nil {
			t.Fatal(err)
		}
		var v string
		if err := cp.Get(ctx, `SELECT value FROM settings WHERE name = 'kept'`, nil, &v); err != nil || v != "1" {
			t.Fatalf("the copy has %q, %v", v, err)
		}
	})
}

// A PostgreSQL URL's password never appears in a message.
func TestOpenHidesPassword(t *testing.T) {
	_, err := sqldb.Open(context.Background(), "mysql://root:s3cret@localhost/x")
	if err == nil || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("Open: %v", err)
	}
}
