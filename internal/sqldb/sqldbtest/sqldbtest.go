// Package sqldbtest gives tests fresh databases of both kinds: always a
// real SQLite file, and a real PostgreSQL when SPIKER_TEST_POSTGRES names
// one. Each test gets its own SQLite file or PostgreSQL schema, so tests
// run in parallel.
package sqldbtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	"github.com/spikerperak/spiker/internal/sqldb"
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

// Open opens the database at dbURL, migrated to the latest schema, and closes
// it when the test ends.
func Open(t testing.TB, dbURL string) *sqldb.DB {
	t.Helper()
	db, err := sqldb.Open(context.Background(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	return migrated(t, db)
}

func migrated(t testing.TB, db *sqldb.DB) *sqldb.DB {
	t.Helper()
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return db
}

// RoundTrips counts the client's turns to speak on its connections: every
// write that follows a read (or opens a connection) is one round trip.
type RoundTrips struct{ n atomic.Int64 }

// Count returns the round trips so far.
func (rt *RoundTrips) Count() int64 { return rt.n.Load() }

type countingConn struct {
	net.Conn
	rt *RoundTrips
	// awaits: the last thing done was a read, or nothing yet. pgx may
	// read in a background goroutine while it writes, hence atomic.
	awaits atomic.Bool
}

func (c *countingConn) Write(b []byte) (int, error) {
	if c.awaits.Swap(false) {
		c.rt.n.Add(1)
	}
	return c.Conn.Write(b)
}

func (c *countingConn) Read(b []byte) (int, error) {
	c.awaits.Store(true)
	return c.Conn.Read(b)
}

// CountingPostgres opens a fresh, migrated PostgreSQL schema whose
// connections count their round trips in rt. It skips the test if no
// server is configured.
func CountingPostgres(t testing.TB, rt *RoundTrips) *sqldb.DB {
	t.Helper()
	cfg, err := pgx.ParseConfig(PostgresURL(t))
	if err != nil {
		t.Fatal(err)
	}
	var d net.Dialer
	cfg.DialFunc = func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := d.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		cc := &countingConn{Conn: c, rt: rt}
		cc.awaits.Store(true)
		return cc, nil
	}
	db, err := sqldb.OpenPostgres(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return migrated(t, db)
}
