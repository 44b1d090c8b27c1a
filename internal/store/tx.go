package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// Tx is a transaction. Its methods convert arguments for the dialect and map
// driver errors to domain error codes, so callers write one SQL for both.
type Tx struct {
	tx        *sql.Tx
	db        *DB
	now       time.Time
	committed []func() // run after a successful commit
}

// settled returns a value that never changes once committed, reading it
// with load the first time. The value is remembered only when this
// transaction commits: one read in a transaction that rolls back (and
// perhaps created the row) is never trusted later.
func (tx *Tx) settled(key string, load func() ([]byte, error)) ([]byte, error) {
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

// Exec runs a statement.
func (tx *Tx) Exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	res, err := tx.tx.ExecContext(ctx, query, tx.db.args(args)...)
	return res, mapError(err)
}

// Query runs a query returning rows.
func (tx *Tx) Query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	rows, err := tx.tx.QueryContext(ctx, query, tx.db.args(args)...)
	return rows, mapError(err)
}

// Get runs a query returning one row and scans it into dest. No row is
// sql.ErrNoRows (wrapped), for the caller to turn into a named ENOTFOUND.
func (tx *Tx) Get(ctx context.Context, query string, args []any, dest ...any) error {
	return mapError(tx.tx.QueryRowContext(ctx, query, tx.db.args(args)...).Scan(dest...))
}

// timeLayout stores SQLite times as fixed-width UTC text with microseconds
// (PostgreSQL's precision), so that text order is time order.
const timeLayout = "2006-01-02T15:04:05.000000Z"

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
				out[i] = t.Format(timeLayout)
			} else {
				out[i] = t
			}
		}
	}
	return out
}

// valueRows returns the VALUES list of a multi-row insert of rows rows of
// cols columns: "($1, $2), ($3, $4)".
func valueRows(rows, cols int) string {
	var b strings.Builder
	for r := range rows {
		if r > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('(')
		for c := range cols {
			if c > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "$%d", r*cols+c+1)
		}
		b.WriteByte(')')
	}
	return b.String()
}
