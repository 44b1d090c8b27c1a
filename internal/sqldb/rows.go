package sqldb

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// Collect reads every row of a query with scan, closes the rows and
// reports an error from the query, a scan, or the iteration itself
// (rows.Err, which a bare loop forgets: a connection lost mid-result would
// otherwise look like a short list).
func Collect[T any](rows *sql.Rows, err error, scan func(*sql.Rows) (T, error)) ([]T, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// QueryStrings runs a query returning one text column and collects it.
func QueryStrings(ctx context.Context, tx *Tx, query string, args ...any) ([]string, error) {
	rows, err := tx.Query(ctx, query, args...)
	return Collect(rows, err, func(rows *sql.Rows) (v string, err error) { return v, rows.Scan(&v) })
}

// ValueRows returns the VALUES list of a multi-row insert of rows rows of
// cols columns: "($1, $2), ($3, $4)".
func ValueRows(rows, cols int) string {
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
