package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/vault"
)

// roundTrips counts the client's turns to speak on its connections: every
// write that follows a read (or opens a connection) is one round trip.
type roundTrips struct{ n atomic.Int64 }

type countingConn struct {
	net.Conn
	rt *roundTrips
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

// internalDBs opens a fresh, migrated SQLite file and, when
// SPIKER_TEST_POSTGRES is set, a fresh PostgreSQL schema whose connections
// count round trips in rt.
func internalDBs(t *testing.T, rt *roundTrips) map[string]*DB {
	t.Helper()
	ctx := context.Background()
	dbs := map[string]*DB{}
	lite, err := Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "spiker.db"))
	if err != nil {
		t.Fatal(err)
	}
	dbs["sqlite"] = lite
	if base := os.Getenv("SPIKER_TEST_POSTGRES"); base != "" {
		admin, err := sql.Open("pgx", base)
		if err != nil {
			t.Fatal(err)
		}
		b := make([]byte, 8)
		rand.Read(b)
		schema := "test_" + hex.EncodeToString(b)
		if _, err := admin.Exec(`CREATE SCHEMA ` + schema); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			admin.Exec(`DROP SCHEMA ` + schema + ` CASCADE`)
			admin.Close()
		})
		cfg, err := pgx.ParseConfig(base)
		if err != nil {
			t.Fatal(err)
		}
		cfg.RuntimeParams["search_path"] = schema
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
		pg := &DB{Now: func() time.Time { return time.Now().UTC() }}
		pg.usePostgres(cfg)
		dbs["postgres"] = pg
	}
	for _, db := range dbs {
		t.Cleanup(func() { db.Close() })
		if _, err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
	}
	return dbs
}

func setting(t *testing.T, db *DB, name string) (string, bool) {
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
	ctx := context.Background()
	for name, db := range internalDBs(t, &roundTrips{}) {
		t.Run(name, func(t *testing.T) {
			put := `INSERT INTO settings (name, value, updated_at) VALUES ($1, $2, $3)`
			// Several statements without arguments, first in a transaction
			// (as a migration may be).
			err := db.Update(ctx, func(tx *Tx) error {
				_, err := tx.Exec(ctx, `INSERT INTO settings (name, value, updated_at) VALUES ('m1', '1', '2026-11-27T00:00:00.000000Z');
					INSERT INTO settings (name, value, updated_at) VALUES ('m2', '1', '2026-11-27T00:00:00.000000Z')`)
				return err
			})
			if _, ok := setting(t, db, "m2"); err != nil || !ok {
				t.Fatalf("two statements in one Exec: %v", err)
			}
			err = db.Update(ctx, func(tx *Tx) error {
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
			err = db.Update(ctx, func(tx *Tx) error {
				if err := tx.Queue(ctx, put, "b", "1", tx.Now()); err != nil {
					return err
				}
				return tx.Queue(ctx, put, "a", "again", tx.Now())
			})
			if spiker.ErrorCode(err) != spiker.ECONFLICT {
				t.Fatalf("a queued conflict at commit: %v, want ECONFLICT", err)
			}
			// Failing at a later read, which the caller sees as its error.
			err = db.Update(ctx, func(tx *Tx) error {
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
			err = db.Update(cctx, func(tx *Tx) error {
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
				if err := db.Update(ctx, func(tx *Tx) error {
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
}

// A report costs PostgreSQL four round trips: the resubmission check, and
// a transaction whose writes travel with its two reads and its commit.
// Eleven statements one by one took fourteen.
func TestIntakeRoundTrips(t *testing.T) {
	rt := &roundTrips{}
	db, ok := internalDBs(t, rt)["postgres"]
	if !ok {
		t.Skip("PostgreSQL tests skipped: set SPIKER_TEST_POSTGRES")
	}
	ctx := context.Background()
	secrets, _, err := vault.LoadOrCreateSecrets(filepath.Join(t.TempDir(), "secret.json"), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	s := New(db, secrets)
	s.PasswordArgon = vault.Argon2Params{Time: 1, Memory: 64, Threads: 1}
	s.ReceiptArgon = s.PasswordArgon
	if err := s.Setup(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := s.InitEscrow(ctx, []string{"Kepala Dinas", "Kepala UPTD", "Petugas Pelindungan Data"}); err != nil {
		t.Fatal(err)
	}
	report := func(i int) {
		r := &spiker.Report{Channel: spiker.ChannelWeb, RegionCode: "35.24.22.2001", ReporterRole: spiker.ReporterKorban,
			ViolenceTypes: []string{"Fisik"}, IncidentDate: "2026-11-25", VictimSex: "Perempuan", VictimAge: 31,
			Relationship: "Suami/Istri", Consent: true, Content: spiker.ReportContent{Narrative: "Saya dipukul oleh suami saya."}}
		if _, err := (ReportService{s}).CreateReport(ctx, r, fmt.Sprintf("api:pipelined-token-%06d", i)); err != nil {
			t.Fatal(err)
		}
	}
	report(0) // prepares the statements and settles the keys
	report(1)
	before := rt.n.Load()
	report(2)
	if n := rt.n.Load() - before; n > 4 {
		t.Errorf("a report took %d round trips to PostgreSQL, want at most 4", n)
	}
}
