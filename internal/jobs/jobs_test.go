package jobs_test

import (
	"context"
	"errors"
	"fmt"
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

// clock is a controllable clock shared by the database and the test.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func setup(t *testing.T, dbURL string) (*store.Store, *clock) {
	s := storetest.New(t, dbURL)
	c := &clock{t: time.Date(2026, 11, 27, 2, 0, 0, 0, time.UTC)}
	s.DB.Now = c.Now
	return s, c
}

func counts(t *testing.T, s *store.Store) map[string]int {
	t.Helper()
	n, err := s.JobCounts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestJobsRunOnTimeOnceAndRetry(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		t.Parallel()
		ctx := context.Background()
		s, clk := setup(t, dbURL)
		ran := map[string]int{}
		fail := 1
		r := &jobs.Runner{Queue: s, Node: "a"}
		r.Handle("count", func(ctx context.Context, j spiker.Job) error {
			ran[j.Key]++
			return nil
		})
		r.Handle("flaky", func(ctx context.Context, j spiker.Job) error {
			ran[j.Key]++
			if fail > 0 {
				fail--
				return errors.New("smtp 451 try later")
			}
			return nil
		})
		r.Handle("broken", func(ctx context.Context, j spiker.Job) error {
			ran[j.Key]++
			return jobs.Permanent(errors.New("no such chat"))
		})

		// A job enqueued in a transaction that rolls back never exists.
		s.DB.Update(ctx, func(tx *sqldb.Tx) error {
			store.EnqueueIn(ctx, tx, "count", "rolled-back", clk.Now(), nil)
			return errors.New("the change failed")
		})
		// The same key twice is one job.
		for range 2 {
			if err := s.Enqueue(ctx, "count", "later", clk.Now().Add(10*time.Minute), map[string]string{"report": "r1"}); err != nil {
				t.Fatal(err)
			}
		}
		s.Enqueue(ctx, "flaky", "flaky", clk.Now(), nil)
		s.Enqueue(ctx, "broken", "broken", clk.Now(), nil)
		s.Enqueue(ctx, "nobody-handles", "orphan", clk.Now(), nil)

		if n, err := r.RunDue(ctx); err != nil || n != 3 {
			t.Fatalf("first pass ran %d jobs: %v", n, err)
		}
		if ran["later"] != 0 || ran["rolled-back"] != 0 {
			t.Fatalf("ran early or rolled back: %v", ran)
		}
		if c := counts(t, s); c["failed"] != 2 || c["ready"] != 2 {
			t.Fatalf("after the first pass: %v", c)
		}
		clk.Add(10 * time.Minute)
		if n, _ := r.RunDue(ctx); n != 2 {
			t.Fatalf("second pass ran %d jobs, want the due one and the retried one", n)
		}
		if ran["later"] != 1 || ran["flaky"] != 2 || ran["broken"] != 1 {
			t.Fatalf("runs: %v", ran)
		}
		clk.Add(24 * time.Hour)
		if n, _ := r.RunDue(ctx); n != 0 {
			t.Fatalf("done jobs ran again: %d", n)
		}
		if c := counts(t, s); c["done"] != 2 || c["failed"] != 2 {
			t.Fatalf("final: %v", c)
		}
	})
}

// A node that dies holding a job loses it when its lease runs out, and
// another node runs it once; a graceful shutdown gives jobs back at once.
func TestJobsSurviveADeadNodeAndShutdown(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		t.Parallel()
		ctx := context.Background()
		s, clk := setup(t, dbURL)
		s.Enqueue(ctx, "count", "k1", clk.Now(), nil)
		claimed, err := s.ClaimJobs(ctx, "dead-node", 10, time.Minute)
		if err != nil || len(claimed) != 1 {
			t.Fatalf("claim: %v %v", err, claimed)
		}
		var runs atomic.Int32
		b := &jobs.Runner{Queue: s, Node: "b", Lease: time.Minute}
		b.Handle("count", func(ctx context.Context, j spiker.Job) error { runs.Add(1); return nil })
		if n, _ := b.RunDue(ctx); n != 0 {
			t.Fatal("a job was taken while its lease held")
		}
		clk.Add(time.Minute)
		if n, _ := b.RunDue(ctx); n != 1 || runs.Load() != 1 {
			t.Fatalf("after the lease: ran %d", n)
		}
		// The dead node's late completion changes nothing.
		s.CompleteJob(ctx, "dead-node", claimed[0].ID)
		if c := counts(t, s); c["done"] != 1 {
			t.Fatalf("counts: %v", c)
		}

		// Shutdown while a job runs: it is cancelled after the grace and
		// released without counting the attempt.
		s.Enqueue(ctx, "slow", "k2", clk.Now(), nil)
		started := make(chan struct{})
		c := &jobs.Runner{Queue: s, Node: "c", Poll: 5 * time.Millisecond, Grace: 50 * time.Millisecond}
		c.Handle("slow", func(ctx context.Context, j spiker.Job) error {
			close(started)
			<-ctx.Done()
			return ctx.Err()
		})
		runCtx, stop := context.WithCancel(ctx)
		done := make(chan error)
		go func() { done <- c.Run(runCtx) }()
		<-started
		stop()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if got := counts(t, s); got["ready"] != 1 || got["running"] != 0 {
			t.Fatalf("after shutdown: %v", got)
		}
		again, _ := s.ClaimJobs(ctx, "d", 10, time.Minute)
		if len(again) != 1 || again[0].Attempts != 1 {
			t.Fatalf("the released job: %+v", again)
		}
	})
}

// Two nodes running at once share the work: every job runs exactly once.
func TestJobsTwoNodes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		t.Parallel()
		ctx := context.Background()
		s := storetest.New(t, dbURL)
		const n = 200
		for i := range n {
			if err := s.Enqueue(ctx, "count", fmt.Sprint("job-", i), time.Now().Add(-time.Second), nil); err != nil {
				t.Fatal(err)
			}
		}
		var mu sync.Mutex
		ran := map[int64]string{}
		var twice atomic.Int32
		runCtx, stop := context.WithCancel(ctx)
		defer stop()
		var wg sync.WaitGroup
		for _, node := range []string{"node-1", "node-2"} {
			r := &jobs.Runner{Queue: s, Node: node, Poll: 5 * time.Millisecond, Workers: 3}
			r.Handle("count", func(ctx context.Context, j spiker.Job) error {
				mu.Lock()
				defer mu.Unlock()
				if _, ok := ran[j.ID]; ok {
					twice.Add(1)
				}
				ran[j.ID] = node
				return nil
			})
			wg.Add(1)
			go func() { defer wg.Done(); r.Run(runCtx) }()
		}
		deadline := time.Now().Add(30 * time.Second)
		for counts(t, s)["done"] < n && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		stop()
		wg.Wait()
		byNode := map[string]int{}
		for _, node := range ran {
			byNode[node]++
		}
		if len(ran) != n || twice.Load() != 0 {
			t.Fatalf("%d of %d jobs ran, %d twice", len(ran), n, twice.Load())
		}
		t.Logf("jobs per node: %v", byNode)
	})
}
