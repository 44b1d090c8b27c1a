package sqldb_test

import (
	"context"
	"errors"
	"testing"

	"github.com/spikerperak/spiker/internal/sqldb"
	"github.com/spikerperak/spiker/internal/sqldb/sqldbtest"
)

// TestSettledOnlyAfterCommit: a settled value read in a transaction that
// rolls back is not remembered; one read in a committed one is, and is not
// read again.
func TestSettledOnlyAfterCommit(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, dbURL string) {
		t.Parallel()
		ctx := context.Background()
		db, err := sqldb.Open(ctx, dbURL)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		value := func(v string) func() ([]byte, error) { return func() ([]byte, error) { return []byte(v), nil } }
		rollback := errors.New("roll back")
		err = db.Update(ctx, func(tx *sqldb.Tx) error {
			if v, _ := tx.Settled("k", value("created, then rolled back")); string(v) != "created, then rolled back" {
				t.Fatalf("first read: %q", v)
			}
			return rollback
		})
		if err != rollback {
			t.Fatal(err)
		}
		err = db.View(ctx, func(tx *sqldb.Tx) error {
			v, err := tx.Settled("k", value("committed"))
			if string(v) != "committed" {
				t.Errorf("after a rollback: %q, want the committed read", v)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		err = db.View(ctx, func(tx *sqldb.Tx) error {
			v, err := tx.Settled("k", value("read again"))
			if string(v) != "committed" {
				t.Errorf("a settled value was read again: %q", v)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}
