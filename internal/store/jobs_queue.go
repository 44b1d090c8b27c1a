package store

import (
	"context"
	"database/sql"

	"github.com/spikerperak/spiker/internal/sqldb"
)

// JobDepth is how many unfinished jobs of a kind are in one state: "due"
// (ready and their time has come: waiting for a worker), "scheduled"
// (ready for later) or "running".
type JobDepth struct {
	Kind, State string
	N           int
}

// JobQueue counts the unfinished jobs by kind and state, for the metrics.
// It reads only unfinished rows (the jobs_ready index), so its cost follows
// the queue, not the history of finished jobs.
func (s *Store) JobQueue(ctx context.Context) ([]JobDepth, error) {
	var out []JobDepth
	err := s.DB.View(ctx, func(tx *sqldb.Tx) error {
		rows, err := tx.Query(ctx, `SELECT kind, CASE WHEN status = 'running' THEN 'running' WHEN run_at <= $1 THEN 'due' ELSE 'scheduled' END AS state,
			COUNT(*) FROM jobs WHERE status IN ('ready', 'running') GROUP BY kind, state`, tx.Now())
		out, err = sqldb.Collect(rows, err, func(rows *sql.Rows) (d JobDepth, err error) { return d, rows.Scan(&d.Kind, &d.State, &d.N) })
		return err
	})
	return out, err
}
