package sqldb_test

import (
	"context"
	"database/sql"
	"errors"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/sqldb"
	"github.com/spikerperak/spiker/internal/sqldb/sqldbtest"
)

// lostPostgres opens a migrated PostgreSQL test schema whose connections
// carry a name of their own, and returns it with a function that ends
// every one of them on the server (as a primary's failure does), leaving
// other tests' connections alone.
func lostPostgres(t *testing.T) (*sqldb.DB, func()) {
	t.Helper()
	base := sqldbtest.PostgresURL(t)
	u, _ := url.Parse(base)
	q := u.Query()
	name := "lost_" + strings.TrimPrefix(q.Get("search_path"), "test_")
	q.Set("application_name", name)
	u.RawQuery = q.Encode()
	db := sqldbtest.Open(t, u.String())
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close() })
	return db, func() {
		t.Helper()
		if _, err := admin.Exec(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1`, name); err != nil {
			t.Fatal(err)
		}
	}
}

// When the server ends a pool's connections (a failover), a transaction
// that had sent nothing yet is replayed on a new connection and commits;
// one that had already read is refused with EUNAVAILABLE and leaves
// nothing; one whose COMMIT was under way is refused with EUNAVAILABLE
// saying that its fate is unknown. A connection to a server that no
// longer takes writes (a demoted primary) is dropped, and the write goes
// to a new one.
func TestLostConnections(t *testing.T) {
	ctx := context.Background()
	db, lose := lostPostgres(t)
	put := `INSERT INTO settings (name, value, updated_at) VALUES ($1, '1', $2)`

	// Several idle connections, all ended by the server.
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			db.View(ctx, func(tx *sqldb.Tx) error {
				var n int
				return tx.Get(ctx, `SELECT 1 FROM pg_sleep(0.05)`, nil, &n)
			})
		})
	}
	wg.Wait()
	lose()
	errs := make(chan error, 4)
	for i := range 4 {
		wg.Go(func() {
			errs <- db.Update(ctx, func(tx *sqldb.Tx) error {
				return tx.Queue(ctx, put, "replayed"+string(rune('a'+i)), tx.Now())
			})
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("a transaction on a lost connection that had sent nothing: %v", err)
		}
	}
	for i := range 4 {
		if _, ok := setting(t, db, "replayed"+string(rune('a'+i))); !ok {
			t.Errorf("replayed write %d is missing", i)
		}
	}

	// Lost after its first round trip: refused, nothing kept.
	err := db.Update(ctx, func(tx *sqldb.Tx) error {
		if err := tx.Queue(ctx, put, "half", tx.Now()); err != nil {
			return err
		}
		var n int
		if err := tx.Get(ctx, `SELECT 1`, nil, &n); err != nil {
			return err
		}
		lose()
		return tx.Get(ctx, `SELECT 2`, nil, &n)
	})
	if spiker.ErrorCode(err) != spiker.EUNAVAILABLE {
		t.Fatalf("lost in the middle of a transaction: %v (%s), want EUNAVAILABLE", err, spiker.ErrorCode(err))
	}
	if _, ok := setting(t, db, "half"); ok {
		t.Fatal("a transaction lost in the middle left its write")
	}

	// Lost while COMMIT is under way (the session ends itself in the
	// batch that carries COMMIT): refused, and not said to be uncommitted.
	err = db.Update(ctx, func(tx *sqldb.Tx) error {
		var n int
		if err := tx.Get(ctx, `SELECT 1`, nil, &n); err != nil {
			return err
		}
		if err := tx.Queue(ctx, put, "unknown", tx.Now()); err != nil {
			return err
		}
		return tx.Queue(ctx, `SELECT pg_terminate_backend(pg_backend_pid())`)
	})
	if spiker.ErrorCode(err) != spiker.EUNAVAILABLE || !strings.Contains(err.Error(), "may or may not have been saved") {
		t.Fatalf("lost during COMMIT: %v, want EUNAVAILABLE saying the outcome is unknown", err)
	}

	// Connections whose server turned read-only (a demoted primary): each
	// write moves to a new connection, and the read-only ones are dropped.
	for range 4 {
		wg.Go(func() {
			if err := db.View(ctx, func(tx *sqldb.Tx) error {
				_, err := tx.Exec(ctx, `SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY; SELECT pg_sleep(0.05)`)
				return err
			}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	for i := range 6 {
		if err := db.Update(ctx, func(tx *sqldb.Tx) error { return tx.Queue(ctx, put, "moved"+string(rune('a'+i)), tx.Now()) }); err != nil {
			t.Fatalf("a write on a read-only connection was not moved: %v", err)
		}
	}
	if _, ok := setting(t, db, "movedf"); !ok {
		t.Fatal("the moved write is missing")
	}
	if err := db.Update(ctx, func(tx *sqldb.Tx) error { return tx.Queue(ctx, put, "after", tx.Now()) }); err != nil {
		t.Fatal(errors.Join(errors.New("the pool after lost connections"), err))
	}
}
