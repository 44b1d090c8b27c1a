package spiker

import "time"

// The states of a time limit, as pages colour it and the jobs alert on it.
const (
	LimitOK    = "ok"    // running, not yet near
	LimitAmber = "amber" // near: its amber alert has fired
	LimitRed   = "red"   // passed: its breach is recorded
	LimitDone  = "done"  // the work it waited for is done
)

// Deadline is one run of a time limit: from Start, due at Due, and whether
// the work it waits for is done. Pages, the API and the jobs that raise
// the alerts all read its state here, so what a page shows and when an
// alert fires cannot differ.
type Deadline struct {
	Start, Due time.Time
	Done       bool
}

// Amber is when the limit turns amber and its amber alert fires: in its
// last quarter, but at least 15 minutes and at most a day before it is due.
// (A 1-hour first response turns amber 15 minutes before, 6 hours 90
// minutes before, 3 × 24 h and longer a day before.)
func (d Deadline) Amber() time.Time {
	lead := min(max(d.Due.Sub(d.Start)/4, 15*time.Minute), 24*time.Hour)
	return d.Due.Add(-lead)
}

// State returns the limit's state at now: red from the due moment on,
// amber from the amber moment on, as the jobs fire at those moments.
func (d Deadline) State(now time.Time) string {
	switch {
	case d.Done:
		return LimitDone
	case !now.Before(d.Due):
		return LimitRed
	case !now.Before(d.Amber()):
		return LimitAmber
	}
	return LimitOK
}

// DueDateDeadline is the limit of an item due by the end of a local date
// (a referral's, a plan item's), running from when it was set.
func DueDateDeadline(start time.Time, date string, zone *time.Location) (Deadline, bool) {
	due, ok := EndOfDay(date, zone)
	return Deadline{Start: start, Due: due}, ok
}
