// Package storetest runs tests against both databases: always a real SQLite
// file, and a real PostgreSQL when SPIKER_TEST_POSTGRES names one. Each test
// gets its own SQLite file or PostgreSQL schema (from sqldbtest), so tests
// run in parallel.
package storetest

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/sqldb"
	"github.com/spikerperak/spiker/internal/sqldb/sqldbtest"
	"github.com/spikerperak/spiker/internal/store"
	"github.com/spikerperak/spiker/internal/vault"
)

// PostgresEnv names the variable that points the tests at a PostgreSQL server.
const PostgresEnv = sqldbtest.PostgresEnv

// Each runs fn once per database as subtests "sqlite" and "postgres", with
// the URL of a fresh, empty database of that kind.
func Each(t *testing.T, fn func(t *testing.T, dbURL string)) {
	t.Helper()
	sqldbtest.Each(t, fn)
}

// SQLiteURL returns the URL of a new SQLite file in a temporary directory.
func SQLiteURL(t testing.TB) string { return sqldbtest.SQLiteURL(t) }

// PostgresURL returns the URL of a new, empty schema on the test server,
// dropped when the test ends. It skips the test if no server is configured.
func PostgresURL(t testing.TB) string {
	t.Helper()
	return sqldbtest.PostgresURL(t)
}

// Cheap Argon2id costs for tests; the defaults are measured by benchmarks.
var Cheap = vault.Argon2Params{Time: 1, Memory: 64, Threads: 1}

// New returns a Store on a migrated, set-up database at dbURL with a fresh
// secret file and cheap Argon2id costs.
func New(t testing.TB, dbURL string) *store.Store {
	t.Helper()
	secrets, _, err := vault.LoadOrCreateSecrets(filepath.Join(t.TempDir(), "secret.json"), spiker.RealTime())
	if err != nil {
		t.Fatal(err)
	}
	s := store.New(Open(t, dbURL), secrets)
	s.PasswordArgon, s.ReceiptArgon = Cheap, Cheap
	if err := s.Setup(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s
}

// Open opens the database at dbURL, migrated to the latest schema, and closes
// it when the test ends.
func Open(t testing.TB, dbURL string) *sqldb.DB {
	t.Helper()
	return sqldbtest.Open(t, dbURL)
}

// Anchors returns the audit anchors a user was sent (their alerts'
// digests), newest first.
func Anchors(t testing.TB, s *store.Store, a *spiker.Actor) []string {
	t.Helper()
	ns, err := store.DutyService{Store: s}.Notifications(context.Background(), a, 100)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, n := range ns {
		if n.Alert.Reason == "audit_anchor" {
			out = append(out, n.Alert.RecordID)
		}
	}
	return out
}
