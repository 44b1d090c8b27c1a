package sqldb_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/spikerperak/spiker/internal/sqldb"
	"github.com/spikerperak/spiker/internal/sqldb/sqldbtest"
)

// A read a staff page makes: a user with its roles, the bar's alert
// count and the notification list, in one read transaction.
const (
	benchUser = `SELECT id, username, region_code, password_hash, totp_sealed, disabled, created_at, public_key, private_wrapped, agency_id,
		full_name, jabatan, nip FROM users WHERE id = $1`
	benchRoles  = `SELECT role FROM user_roles WHERE user_id = $1 ORDER BY role`
	benchAlerts = `SELECT COUNT(*) FROM alerts a CROSS JOIN notifications n WHERE a.acknowledged_at IS NULL AND n.alert_id = a.id AND n.user_id = $1`
	benchList   = `SELECT n.id, n.level, n.created_at, a.id, a.record_kind, a.record_id, a.reason, a.clock, a.urgent, a.level,
			a.region_code, a.link, a.created_at, a.acknowledged_at, COALESCE(u.username, ''), a.escalated_at IS NOT NULL
			FROM notifications n JOIN alerts a ON a.id = n.alert_id LEFT JOIN users u ON u.id = a.acknowledged_by
			WHERE n.user_id = $1 ORDER BY (a.acknowledged_at IS NULL) DESC, n.created_at DESC LIMIT $2`
)

func staffRead(ctx context.Context, db *sqldb.DB) error {
	return db.View(ctx, func(tx *sqldb.Tx) error {
		var n int
		if err := tx.Get(ctx, benchAlerts, []any{1}, &n); err != nil {
			return err
		}
		if _, err := sqldb.QueryStrings(ctx, tx, benchRoles, 1); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, benchList, 1, 20)
		_, err = sqldb.Collect(rows, err, func(*sql.Rows) (int, error) { return 0, nil })
		if err != nil {
			return err
		}
		var id int64
		if err := tx.Get(ctx, benchUser, []any{1}, &id, new(string), new(string), new(string), new([]byte), new(bool), new(any), new([]byte),
			new([]byte), new(sql.NullString), new(string), new(string), new(string)); err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		return nil
	})
}

// BenchmarkStaffRead times one read transaction of four statements a
// staff page makes (on empty tables: the cost is the statements', not the
// data's).
func BenchmarkStaffRead(b *testing.B) {
	ctx := context.Background()
	for _, c := range []struct {
		name string
		url  func(testing.TB) string
	}{{"sqlite", sqldbtest.SQLiteURL}, {"postgres", sqldbtest.PostgresURL}} {
		b.Run(c.name, func(b *testing.B) {
			db := sqldbtest.Open(b, c.url(b))
			for b.Loop() {
				if err := staffRead(ctx, db); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestStatementCache runs the same statement inside the loop over its own
// rows (the cached statement is busy: the inner one gets its own), with
// changing arguments, after an error, and past the cache's bound, and
// checks every answer.
func TestStatementCache(t *testing.T) {
	ctx := context.Background()
	db := sqldbtest.Open(t, sqldbtest.SQLiteURL(t))
	const names = `SELECT name FROM settings WHERE name >= $1 ORDER BY name`
	err := db.Update(ctx, func(tx *sqldb.Tx) error {
		for _, n := range []string{"a", "b", "c"} {
			if _, err := tx.Exec(ctx, `INSERT INTO settings (name, value, updated_at) VALUES ($1, $2, $3)`, n, n+n, tx.Now()); err != nil {
				return err
			}
		}
		// A failing statement leaves its cached copy usable.
		if _, err := tx.Exec(ctx, `INSERT INTO settings (name, value, updated_at) VALUES ($1, $2, $3)`, "a", "x", tx.Now()); err == nil {
			t.Error("a duplicate name was inserted")
		}
		_, err := tx.Exec(ctx, `INSERT INTO settings (name, value, updated_at) VALUES ($1, $2, $3)`, "d", "dd", tx.Now())
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	err = db.View(ctx, func(tx *sqldb.Tx) error {
		rows, err := tx.Query(ctx, names, "b")
		if err != nil {
			return err
		}
		defer rows.Close()
		var got []string
		for rows.Next() {
			var n string
			if err := rows.Scan(&n); err != nil {
				return err
			}
			inner, err := sqldb.QueryStrings(ctx, tx, names, n)
			if err != nil {
				return err
			}
			got = append(got, n+":"+strings.Join(inner, ""))
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if want := "b:bcd c:cd d:d"; strings.Join(got, " ") != want {
			t.Errorf("nested reads of one statement: %q, want %q", strings.Join(got, " "), want)
		}
		// More distinct statements than the cache holds, then the first again.
		for i := range 300 {
			var v string
			if err := tx.Get(ctx, fmt.Sprintf(`SELECT value FROM settings WHERE name = $1 AND %d = %d`, i, i), []any{"c"}, &v); err != nil || v != "cc" {
				t.Fatalf("statement %d: %q, %v", i, v, err)
			}
		}
		all, err := sqldb.QueryStrings(ctx, tx, names, "a")
		if err != nil || strings.Join(all, "") != "abcd" {
			t.Errorf("after the cache filled: %q, %v", all, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
