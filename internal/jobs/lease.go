package jobs

import (
	"context"
	"errors"
	"time"

	"github.com/spikerperak/spiker"
)

var (
	// errLeaseLost: the renewal found the claim gone (another node took
	// the job after this node's lease ran out).
	errLeaseLost = errors.New("the job's lease was lost to another node")
	// errLeaseUnconfirmed: no renewal got through while the lease lasted
	// (the database was out of reach), so another node may take the job.
	errLeaseUnconfirmed = errors.New("the job's lease could not be renewed in time")
)

// heartbeat renews j's lease every third of a lease while ctx lasts, so a
// job that runs longer than one lease keeps it and no other node takes it
// over while this one lives. When the claim is found gone, or no renewal
// got through for two thirds of a lease (leaving the handler a third to
// stop before another node may claim), it cancels the job through lose.
// Renewals end with ctx: past the job's longest run a handler that ignores
// its context loses the lease within one lease. stop ends the renewals and
// waits for them.
func (r *Runner) heartbeat(ctx context.Context, j spiker.Job, lose context.CancelCauseFunc) (stop func()) {
	quit, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(r.Lease / 3)
		defer tick.Stop()
		// Started before each renewal is sent, so it fires no later than
		// the lease the database sets from its own clock a moment later.
		expire := time.NewTimer(r.Lease * 2 / 3)
		defer func() { expire.Stop() }()
		for {
			select {
			case <-quit:
				return
			case <-ctx.Done():
				return
			case <-expire.C:
				lose(errLeaseUnconfirmed)
				return
			case <-tick.C:
			}
			next := time.NewTimer(r.Lease * 2 / 3)
			call, cancel := context.WithTimeout(context.WithoutCancel(ctx), r.Lease/6)
			held, err := r.Queue.ExtendLease(call, r.Node, j.ID, r.Lease)
			cancel()
			switch {
			case err != nil:
				next.Stop()
				r.Logger.Warn("renewing a job's lease", "kind", j.Kind, "job", j.ID, "err", err)
			case !held:
				next.Stop()
				lose(errLeaseLost)
				return
			default:
				expire.Stop()
				expire = next
			}
		}
	}()
	return func() {
		close(quit)
		<-done
	}
}
