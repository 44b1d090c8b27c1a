package spiker

import "time"

// Job is durable work: a kind, a small JSON payload of ids and categories
// (never protected content), and when it should run. Jobs are enqueued in
// the transaction of the change that causes them, so they run only if it
// commits, and run at least once.
type Job struct {
	ID          int64
	Kind        string
	Payload     string
	Key         string // dedupe key: a second job with the same key is not added
	RunAt       time.Time
	Attempts    int // including the current one
	MaxAttempts int
}
