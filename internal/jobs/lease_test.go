package jobs_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/jobs"
	"github.com/spikerperak/spiker/internal/sqldb"
	"github.com/spikerperak/spiker/internal/store"
	"github.com/spikerperak/spiker/internal/store/storetest"
)

// testLease is short so the lease tests take about a second.
const testLease = 300 * time.Millisecond

// dyingQueue is the real store as one node reaches it, until the node
// "dies": from then on nothing it asks of the database gets through (a
// killed process or a cut cable), and it gives nothing back.
type dyingQueue struct {
	*store.Store
	dead atomic.Bool
}

var errDead = errors.New("the node is gone")

func (q *dyingQueue) ClaimJobs(ctx context.Context, node string, limit int, lease time.Duration) ([]spiker.Job, error) {
	if q.dead.Load() {
		return nil, errDead
	}
	return q.Store.ClaimJobs(ctx, node, limit, lease)
}

func (q *dyingQueue) ExtendLease(ctx context.Context, node string, id int64, lease time.Duration) (bool, error) {
	if q.dead.Load() {
		return false, errDead
	}
	return q.Store.ExtendLease(ctx, node, id, lease)
}

func (q *dyingQueue) CompleteJob(ctx context.Context, node string, id int64) error {
	if q.dead.Load() {
		return errDead
	}
	return q.Store.CompleteJob(ctx, node, id)
}

func (q *dyingQueue) RetryJob(ctx context.Context, node string, id int64, delay time.Duration, msg string, permanent bool) error {
	if q.dead.Load() {
		return errDead
	}
	return q.Store.RetryJob(ctx, node, id, delay, msg, permanent)
}

func (q *dyingQueue) ReleaseJobs(ctx context.Context, node string) error {
	if q.dead.Load() {
		return errDead
	}
	return q.Store.ReleaseJobs(ctx, node)
}

// claim reads who holds a job and its status.
func claim(t *testing.T, s *store.Store, key string) (holder, status string) {
	t.Helper()
	err := s.DB.View(context.Background(), func(tx *sqldb.Tx) error {
		return tx.Get(context.Background(), `SELECT COALESCE(claimed_by, ''), status FROM jobs WHERE dedupe_key = $1`,
			[]any{key}, &holder, &status)
	})
	if err != nil {
		t.Fatal(err)
	}
	return holder, status
}

// waitFor polls cond for up to 10 s (a loaded machine).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// runner starts a runner of the "long" kind on node; stop cancels it.
func startRunner(t *testing.T, q jobs.Queue, node string, h jobs.Handler) (stop func()) {
	r := &jobs.Runner{Queue: q, Node: node, Lease: testLease, Poll: 5 * time.Millisecond, Grace: 50 * time.Millisecond,
		MaxRun: map[string]time.Duration{"long": time.Minute}}
	r.Handle("long", h)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); r.Run(ctx) }()
	var once sync.Once
	stop = func() { once.Do(func() { cancel(); <-done }) }
	t.Cleanup(stop)
	return stop
}

// A job that runs for several leases keeps its claim by renewing it: a
// second node polling all along never takes it, and it is done once.
func TestJobLeaseKeptWhileRunning(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		t.Parallel()
		ctx := context.Background()
		s := storetest.New(t, dbURL)
		if err := s.Enqueue(ctx, "long", "backup", s.DB.Now(), nil); err != nil {
			t.Fatal(err)
		}
		var runs, cancelled atomic.Int32
		started, finish := make(chan struct{}, 2), make(chan struct{})
		long := func(ctx context.Context, j spiker.Job) error {
			runs.Add(1)
			started <- struct{}{}
			select {
			case <-finish:
				return nil
			case <-ctx.Done():
				cancelled.Add(1)
				return ctx.Err()
			}
		}
		startRunner(t, s, "a", long)
		<-started
		startRunner(t, s, "b", long)
		time.Sleep(4 * testLease) // b polls every 5 ms all along
		if holder, status := claim(t, s, "backup"); holder != "a" || status != "running" || runs.Load() != 1 {
			t.Fatalf("after four leases: held by %q (%s), %d runs", holder, status, runs.Load())
		}
		close(finish)
		waitFor(t, "the job done", func() bool { return counts(t, s)["done"] == 1 })
		if runs.Load() != 1 || cancelled.Load() != 0 {
			t.Fatalf("%d runs, %d cancelled", runs.Load(), cancelled.Load())
		}
	})
}

// A node that dies mid-job stops renewing: its own run is cancelled
// before its lease ends, and another node takes the job after the lease
// and runs it once; the two runs never overlap.
func TestJobLeaseTakenOverWhenNodeDies(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		t.Parallel()
		ctx := context.Background()
		s := storetest.New(t, dbURL)
		if err := s.Enqueue(ctx, "long", "purge", s.DB.Now(), nil); err != nil {
			t.Fatal(err)
		}
		var mu sync.Mutex
		var log []string
		note := func(e string) { mu.Lock(); log = append(log, e); mu.Unlock() }
		var aCause atomic.Value
		aStarted := make(chan struct{})
		a := &dyingQueue{Store: s}
		startRunner(t, a, "a", func(ctx context.Context, j spiker.Job) error {
			note("a start")
			close(aStarted)
			<-ctx.Done()
			aCause.Store(context.Cause(ctx).Error())
			note("a stop")
			return ctx.Err()
		})
		<-aStarted
		time.Sleep(2 * testLease) // renewed a few times
		a.dead.Store(true)
		var bRuns atomic.Int32
		startRunner(t, s, "b", func(ctx context.Context, j spiker.Job) error {
			note("b start")
			bRuns.Add(1)
			return nil
		})
		waitFor(t, "the job done by b", func() bool { return counts(t, s)["done"] == 1 })
		mu.Lock()
		got := strings.Join(log, ", ")
		mu.Unlock()
		if got != "a start, a stop, b start" || bRuns.Load() != 1 {
			t.Fatalf("runs in order: %s; b ran %d times", got, bRuns.Load())
		}
		if c, _ := aCause.Load().(string); !strings.Contains(c, "could not be renewed") {
			t.Fatalf("a's job was cancelled for: %q", c)
		}
	})
}

// A node whose claim was taken over (it stalled past its lease: a paused
// VM, a clock jump) has its job's context cancelled at its next renewal,
// and records nothing: the new holder's result stands.
func TestJobLeaseLostCancelsTheJob(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		t.Parallel()
		ctx := context.Background()
		s, clk := setup(t, dbURL)
		if err := s.Enqueue(ctx, "long", "k", clk.Now(), nil); err != nil {
			t.Fatal(err)
		}
		started := make(chan struct{})
		causes := make(chan string, 1)
		startRunner(t, s, "a", func(ctx context.Context, j spiker.Job) error {
			close(started)
			<-ctx.Done()
			causes <- context.Cause(ctx).Error()
			return ctx.Err()
		})
		<-started
		// a's lease runs out before it renews it (again, if a renewal
		// slipped in between: it renews from the clock's new hour).
		var taken []spiker.Job
		for i := 0; len(taken) == 0; i++ {
			if i == 20 {
				t.Fatal("b never took the job over")
			}
			clk.Add(time.Hour)
			var err error
			if taken, err = s.ClaimJobs(ctx, "b", 10, time.Hour); err != nil {
				t.Fatal(err)
			}
		}
		select {
		case c := <-causes:
			if !strings.Contains(c, "lost to another node") {
				t.Fatalf("cancelled for %q", c)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("a's job was not cancelled")
		}
		time.Sleep(testLease / 3) // what a would record, it would have by now
		if holder, status := claim(t, s, "k"); holder != "b" || status != "running" {
			t.Fatalf("after a stopped: held by %q (%s)", holder, status)
		}
		if err := s.CompleteJob(ctx, "b", taken[0].ID); err != nil {
			t.Fatal(err)
		}
		if c := counts(t, s); c["done"] != 1 {
			t.Fatalf("counts: %v", c)
		}
	})
}

// A job past its kind's longest run is cancelled and retried: by default
// half a lease, whatever the renewals; MaxRun gives a kind longer.
func TestJobMaxRun(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		t.Parallel()
		ctx := context.Background()
		s := storetest.New(t, dbURL)
		s.Enqueue(ctx, "hung", "hung", s.DB.Now(), nil)
		s.Enqueue(ctx, "slow", "slow", s.DB.Now(), nil)
		r := &jobs.Runner{Queue: s, Node: "a", Lease: testLease,
			MaxRun: map[string]time.Duration{"slow": 3 * testLease}}
		var slowTook time.Duration
		r.Handle("hung", func(ctx context.Context, j spiker.Job) error { <-ctx.Done(); return ctx.Err() })
		r.Handle("slow", func(ctx context.Context, j spiker.Job) error {
			start := time.Now()
			select {
			case <-time.After(2 * testLease):
			case <-ctx.Done():
				return ctx.Err()
			}
			slowTook = time.Since(start)
			return nil
		})
		if n, err := r.RunDue(ctx); n != 2 || err != nil {
			t.Fatalf("ran %d: %v", n, err)
		}
		if c := counts(t, s); c["done"] != 1 || c["ready"] != 1 || slowTook < 2*testLease {
			t.Fatalf("counts %v, the slow job took %s", c, slowTook)
		}
		var msg string
		s.DB.View(ctx, func(tx *sqldb.Tx) error {
			return tx.Get(ctx, `SELECT last_error FROM jobs WHERE dedupe_key = 'hung'`, nil, &msg)
		})
		if !strings.Contains(msg, "ran past its limit of 150ms") {
			t.Fatalf("the hung job's error: %q", msg)
		}
	})
}
