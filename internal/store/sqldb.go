package store

import (
	"context"
	"database/sql"

	"github.com/spikerperak/spiker/internal/sqldb"
)

// The database lives in package sqldb. These names keep the services and
// their callers compiling while references move over to sqldb directly.
type (
	DB        = sqldb.DB
	Tx        = sqldb.Tx
	Dialect   = sqldb.Dialect
	Migration = sqldb.Migration
)

const (
	SQLite   = sqldb.SQLite
	Postgres = sqldb.Postgres

	timeLayout = sqldb.TimeLayout
)

var (
	Open       = sqldb.Open
	Migrations = sqldb.Migrations
)

func collect[T any](rows *sql.Rows, err error, scan func(*sql.Rows) (T, error)) ([]T, error) {
	return sqldb.Collect(rows, err, scan)
}

func queryStrings(ctx context.Context, tx *Tx, query string, args ...any) ([]string, error) {
	return sqldb.QueryStrings(ctx, tx, query, args...)
}

func valueRows(rows, cols int) string { return sqldb.ValueRows(rows, cols) }
