// Package storetest runs tests against both databases: always a real SQLite
// file, and a real PostgreSQL when SPIKER_TEST_POSTGRES names one. Each test
// gets its own SQLite file or PostgreSQL schema, so tests run in parallel.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/store"
	"github.com/spikerperak/spiker/internal/vault"
)

// PostgresEnv names the variable that points the tests at a PostgreSQL server.
const PostgresEnv = "SPIKER_TEST_POSTGRES"

const skipMessage = "PostgreSQL tests skipped: set " + PostgresEnv +
	"=postgres://postgres@127.0.0.1:5432/test?sslmode=disable to run them"

// Each runs fn once per database as subtests "sqlite" and "postgres", with
// the URL of a fresh, empty database of that kind.
func Each(t *testing.T, fn func(t *testing.T, dbURL string)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, SQLiteURL(t)) })
	t.Run("postgres", func(t *testing.T) { fn(t, PostgresURL(t)) })
}

// SQLiteURL returns the URL of a new SQLite file in a temporary directory.
func SQLiteURL(t testing.TB) string {
	return "sqlite:" + filepath.Join(t.TempDir(), "spiker.db")
}

// PostgresURL returns the URL of a new, empty schema on the test server,
// dropped when the test ends. It skips the test if no server is configured.
func PostgresURL(t testing.TB) string {
	t.Helper()
	base := os.Getenv(PostgresEnv)
	if base == "" {
		t.Skip(skipMessage)
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("%s: %v", PostgresEnv, err)
	}
	defer admin.Close()
	b := make([]byte, 8)
	rand.Read(b)
	schema := "test_" + hex.EncodeToString(b)
	if _, err := admin.Exec(`CREATE SCHEMA ` + schema); err != nil {
		t.Fatalf("cannot create a test schema on %s: %v", PostgresEnv, err)
	}
	t.Cleanup(func() {
		admin, err := sql.Open("pgx", base)
		if err != nil {
			return
		}
		defer admin.Close()
		if _, err := admin.Exec(`DROP SCHEMA ` + schema + ` CASCADE`); err != nil {
			t.Errorf("dropping test schema: %v", err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("%s: %v", PostgresEnv, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
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
func Open(t testing.TB, dbURL string) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return db
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
