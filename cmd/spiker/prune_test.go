package main

import (
	"context"
	"testing"
	"time"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/sqldb"
	"github.com/spikerperak/spiker/internal/store"
	"github.com/spikerperak/spiker/internal/store/storetest"
)

// The program schedules the prune of operational data when it starts, the
// job runs when due and schedules the next: an old WhatsApp message id and
// a client's rate-limit row past its window are gone without anyone asking.
func TestPruneInProgram(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		t.Parallel()
		ctx := context.Background()
		clock := clockAt(time.Date(2026, 12, 7, 10, 3, 0, 0, spiker.TimeZone("35.24")))
		m, _ := startMain(t, t.TempDir(), dbURL, func(c *Config) { c.Clock = clock.Now })
		count := func(q string, args ...any) (n int) {
			t.Helper()
			if err := m.DB.View(ctx, func(tx *sqldb.Tx) error { return tx.Get(ctx, q, args, &n) }); err != nil {
				t.Fatal(err)
			}
			return n
		}
		waiting := func() int {
			return count(`SELECT COUNT(*) FROM jobs WHERE kind = $1 AND status = 'ready' AND run_at > $2`, store.JobPrune, clock.Now())
		}
		if n := waiting(); n != 1 {
			t.Fatalf("%d prune jobs waiting after the start, want 1", n)
		}
		if err := m.DB.Update(ctx, func(tx *sqldb.Tx) error {
			if _, err := tx.Exec(ctx, `INSERT INTO whatsapp_seen (source_hash, created_at) VALUES ($1, $2)`,
				[]byte("an old message"), tx.Now().Add(-store.WhatsAppSeenKept-time.Hour)); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `INSERT INTO rate_limits (bucket, tokens, updated_at) VALUES ('report:client:someone', 0, $1)`, tx.Now().Add(-time.Hour))
			return err
		}); err != nil {
			t.Fatal(err)
		}
		left := func() int {
			return count(`SELECT COUNT(*) FROM whatsapp_seen`) + count(`SELECT COUNT(*) FROM rate_limits WHERE bucket LIKE 'report:client:%'`)
		}
		clock.Add(10 * time.Minute)
		m.Jobs.Wake()
		deadline := time.Now().Add(20 * time.Second)
		for left() > 0 && time.Now().Before(deadline) {
			time.Sleep(200 * time.Millisecond)
		}
		if n := left(); n != 0 {
			t.Fatalf("%d operational rows left after the prune was due", n)
		}
		for waiting() == 0 && time.Now().Before(deadline) {
			time.Sleep(100 * time.Millisecond)
		}
		if n := waiting(); n != 1 {
			t.Fatalf("%d prune jobs waiting after a run, want the next one", n)
		}
	})
}
