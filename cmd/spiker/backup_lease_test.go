package main

import (
	"context"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/sqldb"
	"github.com/spikerperak/spiker/internal/store"
)

// TestScheduledBackupLongerThanLease: a scheduled backup that takes four
// leases (a large database on a slow disk) on one of two nodes polling all
// along finishes, is made once and recorded once: its lease is renewed and
// its kind may run for hours, where another job is cut at half a lease.
func TestScheduledBackupLongerThanLease(t *testing.T) {
	const lease = 300 * time.Millisecond
	zone := spiker.TimeZone("35.24")
	clk := &pinnedClock{t: time.Date(2026, 11, 30, 1, 0, 0, 0, zone)}
	dir := filepath.Join(t.TempDir(), "backups")
	m, _, nodes := backupNodes(t, "35.24", clk, dir, 3, "")
	clk.Set(time.Date(2026, 11, 30, 1, 30, 0, 0, zone))
	var runs, cancelled atomic.Int32
	ctx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for _, r := range nodes {
		if r.MaxRun[jobBackup] != longJobMaxRun || r.MaxRun[store.JobRetention] != longJobMaxRun {
			t.Fatalf("the long jobs' limits: %v", r.MaxRun)
		}
		r.Lease, r.Poll = lease, 5*time.Millisecond
		r.Handle(jobBackup, func(ctx context.Context, j spiker.Job) error {
			runs.Add(1)
			select {
			case <-time.After(4 * lease):
			case <-ctx.Done():
				cancelled.Add(1)
				return ctx.Err()
			}
			return m.backupJob(ctx, j)
		})
		wg.Add(1)
		go func() { defer wg.Done(); r.Run(ctx) }()
	}
	done := func() (n int) {
		m.DB.View(context.Background(), func(tx *sqldb.Tx) error {
			return tx.Get(context.Background(), `SELECT COUNT(*) FROM jobs WHERE kind = $1 AND status = 'done'`, []any{jobBackup}, &n)
		})
		return n
	}
	// The program's clock moves with the real time from 01:30, so that
	// leases run out as they would.
	last := time.Now()
	for deadline := last.Add(20 * time.Second); done() == 0 && last.Before(deadline); {
		time.Sleep(5 * time.Millisecond)
		now := time.Now()
		clk.Set(clk.Now().Add(now.Sub(last)))
		last = now
	}
	stop()
	wg.Wait()
	if got := backupFiles(t, dir); len(got) != 1 || !strings.HasPrefix(got[0], "spiker-backup-20261130-0130") || done() != 1 {
		t.Fatalf("copies %v, %d jobs done", got, done())
	}
	if runs.Load() != 1 || cancelled.Load() != 0 {
		t.Fatalf("the backup ran %d times, cancelled %d", runs.Load(), cancelled.Load())
	}
}
