package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
)

// pgPipe is a PostgreSQL transaction's link to its connection. Its BEGIN
// and its queued writes (Tx.Queue) wait to travel with the next statement
// that must answer, or with COMMIT, as one pipelined batch: a report's
// dozen statements then cost the server's wake-up and the network three or
// four times instead of a dozen (on a small machine each round trip is
// ~0.3–0.5 ms, more than PostgreSQL's work on the statement).
type pgPipe struct {
	conn    *sql.Conn
	begin   string // the BEGIN statement until it is sent, then ""
	pending []pgStmt
	// reconnect moves the transaction to a new connection before its
	// first batch is replayed (failover.go).
	reconnect func(context.Context) error
}

type pgStmt struct {
	query string
	args  []any
}

// waiting says whether statements wait to be sent (at least BEGIN).
func (p *pgPipe) waiting() bool {
	return p != nil && (p.begin != "" || len(p.pending) > 0)
}

func (p *pgPipe) queue(query string, args []any) {
	p.pending = append(p.pending, pgStmt{query, slices.Clone(args)})
}

// sendBatch sends BEGIN (if not yet sent), the queued statements and then last
// (if its query is not empty) in one batch. last's row is scanned into
// dest when dest is not nil; otherwise its command tag is returned. The
// first error stops the batch: PostgreSQL skips the rest, and the
// transaction can only be rolled back.
func (p *pgPipe) sendBatch(ctx context.Context, last pgStmt, dest []any) (tag pgconn.CommandTag, err error) {
	err = p.conn.Raw(func(dc any) error {
		b := &pgx.Batch{}
		if p.begin != "" {
			b.Queue(p.begin)
			p.begin = ""
		}
		for _, s := range p.pending {
			b.Queue(s.query, s.args...)
		}
		p.pending = p.pending[:0]
		before := b.Len()
		if last.query != "" {
			b.Queue(last.query, last.args...)
		}
		br := dc.(*stdlib.Conn).Conn().SendBatch(ctx, b)
		var err error
		for i := 0; i < before && err == nil; i++ {
			_, err = br.Exec()
		}
		if err == nil && last.query != "" {
			if dest != nil {
				err = br.QueryRow().Scan(dest...)
			} else {
				tag, err = br.Exec()
			}
		}
		if cerr := br.Close(); err == nil {
			err = cerr
		}
		return err
	})
	return tag, err
}

// commit commits what was sent and queued. A transaction that never sent
// a statement has nothing to commit.
func (p *pgPipe) commit(ctx context.Context) error {
	if p.begin != "" && len(p.pending) == 0 {
		return nil
	}
	tag, err := p.send(ctx, pgStmt{query: "commit"}, nil)
	if err == nil && tag.String() != "COMMIT" {
		// PostgreSQL answers COMMIT in a failed transaction with ROLLBACK.
		err = errors.New("PostgreSQL rolled the transaction back")
	}
	return err
}

// rollback ends a transaction that began, even when ctx is done. If that
// fails the connection is left in its transaction, and the driver
// discards such a connection instead of reusing it.
func (p *pgPipe) rollback(ctx context.Context) {
	if p.begin == "" {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		p.conn.ExecContext(ctx, "rollback")
	}
}
