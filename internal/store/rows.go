package store

import "database/sql"

// collect reads every row of a query with scan, closes the rows and
// reports an error from the query, a scan, or the iteration itself
// (rows.Err, which a bare loop forgets: a connection lost mid-result would
// otherwise look like a short list).
func collect[T any](rows *sql.Rows, err error, scan func(*sql.Rows) (T, error)) ([]T, error) {
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
