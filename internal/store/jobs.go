package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/sqldb"
)

// defaultMaxAttempts bounds retries of a job: with the runner's backoff
// (30 s doubling to an hour) that is about a day of trying.
const defaultMaxAttempts = 12

// EnqueueIn adds a job in tx, to run at runAt; a job with the same non-empty
// key is not added twice.
func EnqueueIn(ctx context.Context, tx *sqldb.Tx, kind, key string, runAt time.Time, payload any) error {
	return enqueueAll(ctx, tx, newJob{kind, key, runAt, payload})
}

// newJob is a job to add.
type newJob struct {
	kind, key string
	runAt     time.Time
	payload   any
}

// enqueueAll adds jobs in tx in one statement, as EnqueueIn does each.
func enqueueAll(ctx context.Context, tx *sqldb.Tx, jobs ...newJob) error {
	var args []any
	for _, j := range jobs {
		b, err := json.Marshal(j.payload)
		if err != nil {
			return err
		}
		args = append(args, j.kind, string(b), nullString(j.key), j.runAt, "ready", defaultMaxAttempts, tx.Now())
	}
	return tx.Queue(ctx, `INSERT INTO jobs (kind, payload, dedupe_key, run_at, status, max_attempts, created_at)
		VALUES `+sqldb.ValueRows(len(jobs), 7)+` ON CONFLICT (dedupe_key) DO NOTHING`, args...)
}

// Enqueue adds a job in its own transaction.
func (s *Store) Enqueue(ctx context.Context, kind, key string, runAt time.Time, payload any) error {
	return s.DB.Update(ctx, func(tx *sqldb.Tx) error { return EnqueueIn(ctx, tx, kind, key, runAt, payload) })
}

// ClaimJobs claims up to limit due jobs for node under a lease: ready jobs
// whose time has come, and running jobs whose lease ran out (their node
// died). On PostgreSQL, SKIP LOCKED lets several nodes claim at once
// without waiting on each other or taking the same job.
func (s *Store) ClaimJobs(ctx context.Context, node string, limit int, lease time.Duration) ([]spiker.Job, error) {
	var out []spiker.Job
	err := s.DB.Update(ctx, func(tx *sqldb.Tx) error {
		lock := ""
		if tx.Dialect() == sqldb.Postgres {
			lock = " FOR UPDATE SKIP LOCKED"
		}
		rows, err := tx.Query(ctx, `UPDATE jobs SET status = 'running', claimed_by = $1, lease_until = $2, attempts = attempts + 1
			WHERE id IN (SELECT id FROM jobs WHERE (status = 'ready' AND run_at <= $3) OR (status = 'running' AND lease_until <= $3)
			             ORDER BY run_at, id LIMIT $4`+lock+`)
			RETURNING id, kind, payload, COALESCE(dedupe_key, ''), run_at, attempts, max_attempts`,
			node, tx.Now().Add(lease), tx.Now(), limit)
		out, err = sqldb.Collect(rows, err, func(rows *sql.Rows) (j spiker.Job, err error) {
			err = rows.Scan(&j.ID, &j.Kind, &j.Payload, &j.Key, &j.RunAt, &j.Attempts, &j.MaxAttempts)
			j.RunAt = j.RunAt.UTC()
			return j, err
		})
		return err
	})
	return out, err
}

// ExtendLease renews node's claim on a running job for another lease from
// now (the program's clock, as ClaimJobs sets it): the heartbeat of a job
// that runs longer than one lease. It reports false when node no longer
// holds the claim (its lease ran out and another node took the job, or the
// job is finished), so the caller stops. An expired lease that nobody took
// is still node's to renew: no other node runs the job.
func (s *Store) ExtendLease(ctx context.Context, node string, id int64, lease time.Duration) (bool, error) {
	held := false
	err := s.DB.Update(ctx, func(tx *sqldb.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE jobs SET lease_until = $1 WHERE id = $2 AND claimed_by = $3 AND status = 'running'`,
			tx.Now().Add(lease), id, node)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		held = n == 1
		return err
	})
	return held && err == nil, err
}

// CompleteJob marks a job done, if node still holds it.
func (s *Store) CompleteJob(ctx context.Context, node string, id int64) error {
	return s.DB.Update(ctx, func(tx *sqldb.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE jobs SET status = 'done', finished_at = $1, claimed_by = NULL, lease_until = NULL
			WHERE id = $2 AND claimed_by = $3 AND status = 'running'`, tx.Now(), id, node)
		return err
	})
}

// RetryJob puts a failed job back to run after delay, or marks it failed
// for good when it has used its attempts (or permanent is set). The error
// text is kept for operators; it never holds protected content.
func (s *Store) RetryJob(ctx context.Context, node string, id int64, delay time.Duration, msg string, permanent bool) error {
	if len(msg) > 500 {
		msg = msg[:500]
	}
	return s.DB.Update(ctx, func(tx *sqldb.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE jobs SET status = 'ready', run_at = $1, last_error = $2, claimed_by = NULL, lease_until = NULL
			WHERE id = $3 AND claimed_by = $4 AND status = 'running'`, tx.Now().Add(delay), msg, id, node)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil // another node took it over
		}
		final := ` AND attempts >= max_attempts`
		if permanent {
			final = ""
		}
		_, err = tx.Exec(ctx, `UPDATE jobs SET status = 'failed', finished_at = $1 WHERE id = $2`+final, tx.Now(), id)
		return err
	})
}

// ReleaseJobs gives back the jobs node still holds (a graceful shutdown):
// they run again at once on any node, and the attempt does not count.
func (s *Store) ReleaseJobs(ctx context.Context, node string) error {
	return s.DB.Update(ctx, func(tx *sqldb.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE jobs SET status = 'ready', claimed_by = NULL, lease_until = NULL, attempts = attempts - 1
			WHERE status = 'running' AND claimed_by = $1`, node)
		return err
	})
}

// JobCounts returns how many jobs are in each status, for tests and probes.
func (s *Store) JobCounts(ctx context.Context) (map[string]int, error) {
	out := map[string]int{}
	err := s.DB.View(ctx, func(tx *sqldb.Tx) error {
		type count struct {
			status string
			n      int
		}
		rows, err := tx.Query(ctx, `SELECT status, COUNT(*) FROM jobs GROUP BY status`)
		counts, err := sqldb.Collect(rows, err, func(rows *sql.Rows) (c count, err error) { return c, rows.Scan(&c.status, &c.n) })
		for _, c := range counts {
			out[c.status] = c.n
		}
		return err
	})
	return out, err
}
