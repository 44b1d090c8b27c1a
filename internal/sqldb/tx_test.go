package sqldb_test

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/sqldb"
	"github.com/spikerperak/spiker/internal/sqldb/sqldbtest"
)

// A failed transaction leaves nothing behind: a user whose role insert fails
// is not stored at all.
func TestUpdateRollsBack(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, dbURL string) {
		t.Parallel()
		ctx := context.Background()
		db := sqldbtest.Open(t, dbURL)
		err := db.Update(ctx, func(tx *sqldb.Tx) error {
			if _, err := tx.Exec(ctx, `INSERT INTO users (username, region_code, password_hash, created_at) VALUES ('a.b', '35.24', 'x', $1)`, tx.Now()); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `INSERT INTO user_roles (user_id, role) VALUES (999999, 'admin')`)
			return err
		})
		if spiker.ErrorCode(err) != spiker.EINVALID {
			t.Fatalf("foreign key violation: %v, want EINVALID", err)
		}
		var n int
		db.View(ctx, func(tx *sqldb.Tx) error { return tx.Get(ctx, `SELECT COUNT(*) FROM users`, nil, &n) })
		if n != 0 {
			t.Fatalf("%d users after a rolled-back transaction", n)
		}
	})
}

// Times keep their order on both databases, whatever their fraction.
func TestTimeOrder(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, dbURL string) {
		t.Parallel()
		ctx := context.Background()
		db := sqldbtest.Open(t, dbURL)
		base := time.Date(2026, 11, 26, 2, 0, 0, 0, time.FixedZone("WIB", 7*3600))
		offsets := []time.Duration{500 * time.Millisecond, 0, 530 * time.Millisecond, 1234567 * time.Nanosecond}
		err := db.Update(ctx, func(tx *sqldb.Tx) error {
			for i, off := range offsets {
				if _, err := tx.Exec(ctx, `INSERT INTO users (username, region_code, password_hash, created_at) VALUES ($1, '35.24', 'x', $2)`,
					string(rune('a'+i))+"bc", base.Add(off)); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		var got []time.Time
		err = db.View(ctx, func(tx *sqldb.Tx) error {
			rows, err := tx.Query(ctx, `SELECT created_at FROM users ORDER BY created_at`)
			got, err = sqldb.Collect(rows, err, func(rows *sql.Rows) (ts time.Time, err error) { return ts, rows.Scan(&ts) })
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		want := []time.Duration{0, 1234 * time.Microsecond, 500 * time.Millisecond, 530 * time.Millisecond}
		for i, w := range want {
			if !got[i].Equal(base.Add(w)) {
				t.Errorf("row %d: %v, want %v", i, got[i], base.Add(w))
			}
		}
	})
}
