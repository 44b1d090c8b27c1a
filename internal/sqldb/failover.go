package sqldb

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/spikerperak/spiker"
)

// PostgreSQL failover. A URL may name several servers
// (postgres://h1:5432,h2:5432/spiker?target_session_attrs=read-write): pgx
// tries them in order and keeps the first that takes writes, so when the
// primary fails and a standby is promoted, new connections find the new
// primary by themselves. What this file adds is what a transaction does
// meanwhile: a connection to the lost server is dropped; a transaction
// that had read nothing yet and certainly did not commit is replayed on a
// new connection (one that had read is not: its caller may have acted on
// what it read, so it gets EUNAVAILABLE and nothing is kept); and one
// whose COMMIT was sent when the server went away is reported as
// "unknown": never as success (no receipt is given for it) and never
// replayed behind the caller's back. Callers whose retries must not
// duplicate (report intake) carry a one-time token: a report sent again
// with its token finds the report its first try made, if that try
// committed after all.

// failoverWait bounds how long a transaction waits for a server that takes
// writes: long enough for a standby's promotion (a second or two once it
// is decided), short enough that a reporter is told to try again rather
// than left waiting when nobody promotes one.
const failoverWait = 8 * time.Second

// connectTimeout is used when the URL gives no connect_timeout: a server
// that has vanished from the network (rather than refusing connections)
// otherwise holds each attempt for the operating system's TCP timeout,
// minutes, before pgx tries the next host.
const connectTimeout = 5 * time.Second

// failoverConfig completes a PostgreSQL configuration for failover.
func failoverConfig(cfg *pgx.ConnConfig) {
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = connectTimeout
	}
}

// pgWhere says which servers and database a configuration names, for
// messages; never a password.
func pgWhere(cfg *pgx.ConnConfig) string {
	hosts := []string{fmt.Sprintf("%s:%d", cfg.Host, cfg.Port)}
	for _, f := range cfg.Fallbacks {
		// sslmode=prefer lists each host twice (with and without TLS).
		if h := fmt.Sprintf("%s:%d", f.Host, f.Port); !slices.Contains(hosts, h) {
			hosts = append(hosts, h)
		}
	}
	return fmt.Sprintf("PostgreSQL at %s database %s", strings.Join(hosts, ", "), cfg.Database)
}

// lostServer reports whether err says that the connection's server is gone
// or no longer takes writes: the signs of a failover. Such a connection is
// not used again.
func lostServer(err error) bool {
	if err == nil {
		return false
	}
	var pe *pgconn.PgError
	hasPE := errors.As(err, &pe)
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) {
		// No server that takes writes could be reached (refused, timed
		// out, or read-only), unless one refused the credentials or the
		// database: that is not a failover.
		return !hasPE || failoverCode(pe.Code)
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	if hasPE {
		return failoverCode(pe.Code)
	}
	var ne net.Error
	return errors.As(err, &ne) || pgconn.SafeToRetry(err) ||
		errors.Is(err, driver.ErrBadConn) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, net.ErrClosed) || errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.EPIPE) || errors.Is(err, pgconn.ErrReadOnlyConnection)
}

// failoverCode reports whether a server's error code says that it is going
// away or takes no writes.
func failoverCode(code string) bool {
	switch {
	case code == "25006": // read_only_sql_transaction: a standby, or a demoted primary
		return true
	case code == "57P01", code == "57P02", code == "57P03": // admin or crash shutdown, cannot connect now
		return true
	case strings.HasPrefix(code, "08"): // connection exception
		return true
	}
	return false
}

// notCommitted reports whether a batch that failed with err certainly
// did not commit: it held no COMMIT, nothing of it reached the server (or
// only the preparation of its statements), or
// the server refused a write in it (PostgreSQL skips the rest of a failed
// batch, COMMIT included). A lost connection after COMMIT was sent, or an
// administrator's shutdown while COMMIT waited for the synchronous standby
// (PostgreSQL's "the transaction has already committed locally"), leaves
// it unknown.
func notCommitted(err error, withCommit bool) bool {
	var pe *pgconn.PgError
	var pre pgx.ErrPreprocessingBatch // preparing its statements, before the batch is sent
	return !withCommit || pgconn.SafeToRetry(err) || errors.As(err, &pre) || errors.As(err, &pe) && pe.Code == "25006"
}

// acquire takes a connection from the pool, waiting up to failoverWait
// while no server takes writes (between a primary's failure and a
// standby's promotion).
func (db *DB) acquire(ctx context.Context, pool *sql.DB) (conn *sql.Conn, err error) {
	err = waitForServer(ctx, func() error {
		conn, err = pool.Conn(ctx)
		return err
	})
	return conn, err
}

// waitForServer runs try until it succeeds, fails for another reason than
// a lost server, or failoverWait has passed in pauses. try must be safe
// to repeat.
func waitForServer(ctx context.Context, try func() error) error {
	var waited time.Duration
	for pause := 50 * time.Millisecond; ; pause = min(2*pause, time.Second) {
		err := try()
		if err == nil || !lostServer(err) || waited >= failoverWait {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(pause):
			waited += pause
		}
	}
}

// lost drops a connection whose server was lost and the pool's idle
// connections with it: they all lead to that server, and each would
// otherwise fail one more transaction.
func (db *DB) lost(pool *sql.DB, conn *sql.Conn) {
	drop(conn)
	pool.SetMaxIdleConns(0)
	pool.SetMaxIdleConns(db.pgIdle)
}

// drop closes a connection for good, so that the pool opens a new one
// (to whichever server takes writes now) instead of reusing it.
func drop(conn *sql.Conn) {
	conn.Raw(func(dc any) error {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		return dc.(*stdlib.Conn).Conn().Close(ctx)
	})
	conn.Close()
}

// send sends a transaction's next batch (sendBatch). Its first batch,
// which carries BEGIN, is replayed on a new connection when the server was
// lost and the batch certainly did not commit: nothing of the transaction
// has been read yet, so the caller cannot tell the difference.
func (p *pgPipe) send(ctx context.Context, last pgStmt, dest []any) (pgconn.CommandTag, error) {
	if p.begin == "" || p.reconnect == nil {
		return p.sendBatch(ctx, last, dest)
	}
	begin, pending := p.begin, slices.Clone(p.pending)
	tag, err := p.sendBatch(ctx, last, dest)
	for try := 0; try < 3 && lostServer(err) && notCommitted(err, last.query == "commit"); try++ {
		if rerr := p.reconnect(ctx); rerr != nil {
			return tag, err
		}
		p.begin, p.pending = begin, slices.Clone(pending)
		tag, err = p.sendBatch(ctx, last, dest)
	}
	return tag, err
}

// reconnect moves a transaction that has not sent anything yet to a new
// connection.
func (db *DB) reconnect(tx *Tx, pool *sql.DB) func(context.Context) error {
	return func(ctx context.Context) error {
		db.lost(pool, tx.pg.conn)
		conn, err := db.acquire(ctx, pool)
		if err != nil {
			return err
		}
		tx.pg.conn, tx.sql = conn, conn
		return nil
	}
}

// errCommitUnknown is the answer for a transaction whose COMMIT was sent
// when its server was lost: it may or may not have committed.
func errCommitUnknown(err error) error {
	return fmt.Errorf("%w (%v)", spiker.Errorf(spiker.EUNAVAILABLE,
		"the database was lost while saving: the change may or may not have been saved; please try again"), err)
}

// retryRead runs a read outside a transaction again while the server is
// lost (waitForServer): reads are safe to repeat, and the pool drops a
// dead connection when it fails.
func retryRead(ctx context.Context, read func() error) error {
	return waitForServer(ctx, read)
}
