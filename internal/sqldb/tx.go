package sqldb

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"time"
)

// Tx is a transaction. Its methods convert arguments for the dialect and map
// driver errors to domain error codes, so callers write one SQL for both.
// On PostgreSQL it begins with its first statement, and writes given to
// Queue travel with the next one (pgtx.go); a transaction that finds
// everything settled costs no round trip at all.
type Tx struct {
	sql       sqlRunner // *sql.Tx on SQLite, *sql.Conn on PostgreSQL
	pg        *pgPipe   // PostgreSQL only
	db        *DB
	now       time.Time
	committed []func() // run after a successful commit
}

// Settled returns a value that never changes once committed (a salt, a
// public key), reading it with load the first time. The value is
// remembered only when this transaction commits: one read in a transaction
// that rolls back (and perhaps created the row) is never trusted later.
func (tx *Tx) Settled(key string, load func() ([]byte, error)) ([]byte, error) {
	if v, ok := tx.db.settled.Load(key); ok {
		return v.([]byte), nil
	}
	v, err := load()
	if err != nil {
		return nil, err
	}
	tx.committed = append(tx.committed, func() { tx.db.settled.Store(key, v) })
	return v, nil
}

// Now returns the time the transaction started: one timestamp for every row
// it writes.
func (tx *Tx) Now() time.Time { return tx.now }

// Dialect returns the database kind, for the rare query that must differ.
func (tx *Tx) Dialect() Dialect { return tx.db.dialect }

// sqlRunner runs statements: a database/sql transaction or connection.
type sqlRunner interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Exec runs a statement.
func (tx *Tx) Exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if tx.pg.waiting() && len(args) == 0 {
		// Without arguments it may be several statements (a migration),
		// which only PostgreSQL's simple protocol takes: send the waiting
		// ones first.
		if _, err := tx.pg.send(ctx, pgStmt{}, nil); err != nil {
			return nil, MapError(err)
		}
	}
	if tx.pg.waiting() {
		tag, err := tx.pg.send(ctx, pgStmt{query, tx.db.args(args)}, nil)
		return driver.RowsAffected(tag.RowsAffected()), MapError(err)
	}
	res, err := tx.sql.ExecContext(ctx, query, tx.db.args(args)...)
	return res, MapError(err)
}

// Queue runs a write whose result nobody reads. On PostgreSQL it is sent
// with the transaction's next statement or its commit, sharing their round
// trip, and an error it causes is returned there; on SQLite it runs at once.
func (tx *Tx) Queue(ctx context.Context, query string, args ...any) error {
	if tx.pg == nil {
		_, err := tx.Exec(ctx, query, args...)
		return err
	}
	tx.pg.queue(query, tx.db.args(args))
	return nil
}

// Query runs a query returning rows.
func (tx *Tx) Query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if tx.pg.waiting() {
		if _, err := tx.pg.send(ctx, pgStmt{}, nil); err != nil {
			return nil, MapError(err)
		}
	}
	rows, err := tx.sql.QueryContext(ctx, query, tx.db.args(args)...)
	return rows, MapError(err)
}

// Get runs a query returning one row and scans it into dest. No row is
// sql.ErrNoRows (wrapped), for the caller to turn into a named ENOTFOUND.
func (tx *Tx) Get(ctx context.Context, query string, args []any, dest ...any) error {
	if tx.pg.waiting() {
		_, err := tx.pg.send(ctx, pgStmt{query, tx.db.args(args)}, dest)
		return MapError(err)
	}
	return MapError(tx.sql.QueryRowContext(ctx, query, tx.db.args(args)...).Scan(dest...))
}

// TimeLayout stores SQLite times as fixed-width UTC text with microseconds
// (PostgreSQL's precision), so that text order is time order.
const TimeLayout = "2006-01-02T15:04:05.000000Z"

// args converts arguments for the dialect: times become UTC with
// microsecond precision on both, and fixed-width text on SQLite.
// The caller's slice is not modified.
func (db *DB) args(args []any) []any {
	out := args
	for i, a := range args {
		if t, ok := a.(time.Time); ok {
			if &out[0] == &args[0] {
				out = append([]any(nil), args...)
			}
			t = t.UTC().Truncate(time.Microsecond)
			if db.dialect == SQLite {
				out[i] = t.Format(TimeLayout)
			} else {
				out[i] = t
			}
		}
	}
	return out
}

func (tx *Tx) commit(ctx context.Context) error {
	if tx.pg != nil {
		return tx.pg.commit(ctx)
	}
	return tx.sql.(*sql.Tx).Commit()
}

func (tx *Tx) rollback(ctx context.Context) {
	if tx.pg != nil {
		tx.pg.rollback(ctx)
		return
	}
	tx.sql.(*sql.Tx).Rollback()
}
