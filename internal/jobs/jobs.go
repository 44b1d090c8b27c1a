// Package jobs runs durable jobs: it claims due jobs from the database
// under a lease, runs them on a bounded pool of workers, retries failures
// with backoff, and on shutdown finishes what it can and gives back the
// rest. A running job's lease is renewed (lease.go), so a long job is not
// taken over while its node lives. Several nodes may run it on one
// PostgreSQL database.
package jobs

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"os"
	"sync"
	"time"

	"github.com/spikerperak/spiker"
)

// Queue is the job table (implemented by the store).
type Queue interface {
	ClaimJobs(ctx context.Context, node string, limit int, lease time.Duration) ([]spiker.Job, error)
	CompleteJob(ctx context.Context, node string, id int64) error
	RetryJob(ctx context.Context, node string, id int64, delay time.Duration, msg string, permanent bool) error
	ReleaseJobs(ctx context.Context, node string) error
	// ExtendLease renews node's claim for another lease; false when node
	// no longer holds it.
	ExtendLease(ctx context.Context, node string, id int64, lease time.Duration) (bool, error)
}

// Handler does one job's work. It must be safe to run twice (a node can
// die after the work and before marking it done): handlers check what is
// already done before doing it.
type Handler func(ctx context.Context, j spiker.Job) error

// permanentError marks a failure that retrying cannot fix.
type permanentError struct{ err error }

func (e permanentError) Error() string { return e.err.Error() }
func (e permanentError) Unwrap() error { return e.err }

// Permanent wraps err so the job fails at once instead of being retried.
func Permanent(err error) error { return permanentError{err} }

// retryAfter asks for a retry after a given delay (a server's Retry-After).
type retryAfter struct {
	err   error
	delay time.Duration
}

func (e retryAfter) Error() string { return e.err.Error() }
func (e retryAfter) Unwrap() error { return e.err }

// RetryAfter wraps err so the next attempt waits at least delay.
func RetryAfter(err error, delay time.Duration) error { return retryAfter{err, delay} }

// Runner claims and runs jobs. Set the fields before Run.
type Runner struct {
	Queue   Queue
	Logger  *slog.Logger
	Node    string        // this process's name in claims; default host-pid-random
	Workers int           // jobs at once; default 4
	Lease   time.Duration // how long a claim lasts before another node may take the job; default 2 min
	Poll    time.Duration // how often to look for due jobs; default 1 s
	Grace   time.Duration // how long shutdown waits for running jobs; default 10 s
	// MaxRun is the longest a job of a kind may run (its lease renewed
	// meanwhile) before its context is cancelled; default Lease/2. A
	// ceiling, so that a hung job does not hold its claim for ever.
	MaxRun map[string]time.Duration

	mu       sync.Mutex
	handlers map[string]Handler
	wake     chan struct{}
}

// Handle registers the handler of a job kind.
func (r *Runner) Handle(kind string, h Handler) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.handlers == nil {
		r.handlers = map[string]Handler{}
	}
	r.handlers[kind] = h
}

func (r *Runner) defaults() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.Node == "" {
		r.Node = NodeName()
	}
	if r.Workers <= 0 {
		r.Workers = 4
	}
	if r.Lease <= 0 {
		r.Lease = 2 * time.Minute
	}
	if r.Poll <= 0 {
		r.Poll = time.Second
	}
	if r.Grace <= 0 {
		r.Grace = 10 * time.Second
	}
	if r.Logger == nil {
		r.Logger = slog.New(slog.DiscardHandler)
	}
	if r.wake == nil {
		r.wake = make(chan struct{}, 1)
	}
}

// NodeName names this process in claims and leases: host, process id and
// a random part, so that a restarted process is another node.
func NodeName() string {
	host, _ := os.Hostname()
	b := make([]byte, 4)
	rand.Read(b)
	return fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b))
}

// Wake makes the runner look for due jobs now (after a commit that
// enqueued one), instead of at its next poll.
func (r *Runner) Wake() {
	r.defaults()
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// Backoff is the delay before attempt n+1 after n failed attempts: 30 s
// doubling up to an hour, with up to 20 % jitter so that nodes spread out.
func Backoff(n int) time.Duration {
	d := 30 * time.Second
	for i := 1; i < n && d < time.Hour; i++ {
		d *= 2
	}
	d = min(d, time.Hour)
	j, _ := rand.Int(rand.Reader, big.NewInt(int64(d/5)+1))
	return d + time.Duration(j.Int64())
}

// Run claims and runs jobs until ctx ends, then waits up to Grace for the
// running ones and gives back any it could not finish.
func (r *Runner) Run(ctx context.Context) error {
	r.defaults()
	work, cancelWork := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelWork()
	slots := make(chan struct{}, r.Workers)
	var wg sync.WaitGroup
	// The jobs running here: a job whose renewals failed until its lease
	// ran out can come back to this node's own claim while it still runs.
	var runMu sync.Mutex
	running := map[int64]bool{}
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			done := make(chan struct{})
			go func() { wg.Wait(); close(done) }()
			select {
			case <-done:
			case <-time.After(r.Grace):
				cancelWork()
				<-done
			}
			// Whatever is still claimed by this node goes back for others.
			release, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			defer cancel()
			return r.Queue.ReleaseJobs(release, r.Node)
		case <-timer.C:
		case <-r.wake:
		}
		free := r.Workers - len(slots)
		if free > 0 {
			claimed, err := r.Queue.ClaimJobs(ctx, r.Node, free, r.Lease)
			if err != nil && ctx.Err() == nil {
				r.Logger.Error("claiming jobs", "err", err)
			}
			for _, j := range claimed {
				runMu.Lock()
				again := running[j.ID]
				running[j.ID] = true
				runMu.Unlock()
				if again {
					continue // the run under way keeps the new claim
				}
				slots <- struct{}{}
				wg.Add(1)
				go func() {
					defer wg.Done()
					defer func() { <-slots }()
					defer func() { runMu.Lock(); delete(running, j.ID); runMu.Unlock() }()
					r.run(work, j)
				}()
			}
			if len(claimed) == free {
				// There may be more due: look again soon.
				timer.Reset(10 * time.Millisecond)
				continue
			}
		}
		timer.Reset(r.Poll)
	}
}

// RunDue claims and runs every due job once, synchronously: for tests with
// a controlled clock and for one-shot commands.
func (r *Runner) RunDue(ctx context.Context) (int, error) {
	r.defaults()
	n := 0
	for {
		claimed, err := r.Queue.ClaimJobs(ctx, r.Node, r.Workers, r.Lease)
		if err != nil || len(claimed) == 0 {
			return n, err
		}
		for _, j := range claimed {
			r.run(ctx, j)
			n++
		}
	}
}

// run runs one job within its kind's longest run, renewing its lease
// meanwhile, and records the result.
func (r *Runner) run(ctx context.Context, j spiker.Job) {
	r.mu.Lock()
	h := r.handlers[j.Kind]
	r.mu.Unlock()
	limit := r.maxRun(j.Kind)
	jctx, cancel := context.WithTimeoutCause(ctx, limit, fmt.Errorf("the job ran past its limit of %s", limit))
	defer cancel()
	jctx, lose := context.WithCancelCause(jctx)
	defer lose(nil)
	var err error
	if h == nil {
		err = Permanent(fmt.Errorf("no handler for job kind %q", j.Kind))
	} else {
		stop := r.heartbeat(jctx, j, lose)
		err = safely(jctx, h, j)
		stop()
	}
	cause := context.Cause(jctx)
	if errors.Is(cause, errLeaseLost) {
		// Another node holds the job now and runs it: record nothing.
		r.Logger.Warn("job stopped: its lease ran out and another node took it over", "kind", j.Kind, "job", j.ID)
		return
	}
	if err != nil && cause != nil && !errors.Is(err, cause) {
		err = fmt.Errorf("%w: %w", err, cause)
	}
	record := context.WithoutCancel(ctx)
	if err == nil {
		if cerr := r.Queue.CompleteJob(record, r.Node, j.ID); cerr != nil {
			r.Logger.Error("completing a job", "kind", j.Kind, "job", j.ID, "err", cerr)
		}
		return
	}
	if ctx.Err() != nil {
		// Shutting down: the job goes back unfinished (ReleaseJobs).
		return
	}
	var perm permanentError
	permanent := errors.As(err, &perm)
	delay := Backoff(j.Attempts)
	var ra retryAfter
	if errors.As(err, &ra) && ra.delay > delay {
		delay = ra.delay
	}
	last := permanent || j.Attempts >= j.MaxAttempts
	level := slog.LevelWarn
	if last {
		level = slog.LevelError
	}
	r.Logger.Log(ctx, level, "job failed", "kind", j.Kind, "job", j.ID, "attempt", j.Attempts, "final", last, "err", err)
	if rerr := r.Queue.RetryJob(record, r.Node, j.ID, delay, err.Error(), permanent); rerr != nil {
		r.Logger.Error("recording a job failure", "kind", j.Kind, "job", j.ID, "err", rerr)
	}
}

// maxRun is the longest a job of kind may run.
func (r *Runner) maxRun(kind string) time.Duration {
	if d := r.MaxRun[kind]; d > 0 {
		return d
	}
	return r.Lease / 2
}

// safely runs a handler, turning a panic into an error.
func safely(ctx context.Context, h Handler, j spiker.Job) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("job %s panicked: %v", j.Kind, p)
		}
	}()
	return h(ctx, j)
}
