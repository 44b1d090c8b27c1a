package sqldb_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"testing"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/sqldb"
	"github.com/spikerperak/spiker/internal/sqldb/sqldbtest"
)

func setting(t *testing.T, db *sqldb.DB, name string) (string, bool) {
	t.Helper()
	var v string
	err := db.Get(context.Background(), `SELECT value FROM settings WHERE name = $1`, []any{name}, &v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false
	} else if err != nil {
		t.Fatal(err)
	}
	return v, true
}

// Queued writes keep their order with the statements around them, and a
// queued write that fails fails its transaction, wherever the failure is
// reported, leaving nothing behind and the connection fit for the next.
func TestQueuedWrites(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, dbURL string) {
		t.Parallel()
		ctx := context.Background()
		db := sqldbtest.Open(t, dbURL)
		put := `INSERT INTO settings (name, value, updated_at) VALUES ($1, $2, $3)`
		// Several statements without arguments, first in a transaction
		// (as a migration may be).
		err := db.Update(ctx, func(tx *sqldb.Tx) error {
			_, err := tx.Exec(ctx, `INSERT INTO settings (name, value, updated_at) VALUES ('m1', '1', '2026-11-27T00:00:00.000000Z');
				INSERT INTO settings (name, value, updated_at) VALUES ('m2', '1', '2026-11-27T00:00:00.000000Z')`)
			return err
		})
		if _, ok := setting(t, db, "m2"); err != nil || !ok {
			t.Fatalf("two statements in one Exec: %v", err)
		}
		err = db.Update(ctx, func(tx *sqldb.Tx) error {
			if err := tx.Queue(ctx, put, "a", "1", tx.Now()); err != nil {
				return err
			}
			var v string
			if err := tx.Get(ctx, `SELECT value FROM settings WHERE name = 'a'`, nil, &v); err != nil || v != "1" {
				t.Errorf("a queued write is not seen by the next read: %q, %v", v, err)
			}
			if err := tx.Queue(ctx, `UPDATE settings SET value = '2' WHERE name = 'a'`); err != nil {
				return err
			}
			rows, err := tx.Query(ctx, `SELECT value FROM settings WHERE name = 'a'`)
			if err != nil {
				return err
			}
			defer rows.Close()
			if !rows.Next() || rows.Scan(&v) != nil || v != "2" {
				t.Errorf("a queued write is not seen by the next query: %q", v)
			}
			return rows.Err()
		})
		if err != nil {
			t.Fatal(err)
		}

		// Failing at commit: the conflict is queued last.
		err = db.Update(ctx, func(tx *sqldb.Tx) error {
			if err := tx.Queue(ctx, put, "b", "1", tx.Now()); err != nil {
				return err
			}
			return tx.Queue(ctx, put, "a", "again", tx.Now())
		})
		if spiker.ErrorCode(err) != spiker.ECONFLICT {
			t.Fatalf("a queued conflict at commit: %v, want ECONFLICT", err)
		}
		// Failing at a later read, which the caller sees as its error.
		err = db.Update(ctx, func(tx *sqldb.Tx) error {
			if err := tx.Queue(ctx, put, "c", "1", tx.Now()); err != nil {
				return err
			}
			if err := tx.Queue(ctx, put, "a", "again", tx.Now()); err != nil {
				return err // SQLite: at once
			}
			var n int
			return tx.Get(ctx, `SELECT count(*) FROM settings`, nil, &n)
		})
		if spiker.ErrorCode(err) != spiker.ECONFLICT {
			t.Fatalf("a queued conflict at a read: %v, want ECONFLICT", err)
		}
		// A request that ends half-way through its transaction.
		cctx, cancel := context.WithCancel(ctx)
		err = db.Update(cctx, func(tx *sqldb.Tx) error {
			if err := tx.Queue(cctx, put, "e", "1", tx.Now()); err != nil {
				return err
			}
			cancel()
			var n int
			return tx.Get(cctx, `SELECT count(*) FROM settings`, nil, &n)
		})
		if err == nil {
			t.Fatal("a transaction whose context ended was committed")
		}
		for _, n := range []string{"b", "c", "e"} {
			if _, ok := setting(t, db, n); ok {
				t.Errorf("setting %q of a failed transaction was kept", n)
			}
		}
		if v, _ := setting(t, db, "a"); v != "2" {
			t.Errorf("a = %q, want 2", v)
		}
		// Every connection still works, outside any transaction.
		for i := range 30 {
			if err := db.Update(ctx, func(tx *sqldb.Tx) error {
				return tx.Queue(ctx, put, fmt.Sprint("d", i), "1", tx.Now())
			}); err != nil {
				t.Fatal(err)
			}
		}
		var n int
		if err := db.Get(ctx, `SELECT count(*) FROM settings WHERE name LIKE 'd%'`, nil, &n); err != nil || n != 30 {
			t.Errorf("after the failures, %d of 30 later transactions were kept (%v)", n, err)
		}
	})
}
