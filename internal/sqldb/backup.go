package sqldb

import (
	"context"
	"database/sql"
	"fmt"
	"os"
)

// Backup writes a consistent copy of a SQLite database into one file while
// it serves: VACUUM INTO reads a snapshot (other connections keep writing)
// and writes a compact file without the WAL. out must not exist. For
// PostgreSQL, use pg_dump or continuous archiving (README).
func (db *DB) Backup(ctx context.Context, out string) error {
	if db.dialect != SQLite {
		return fmt.Errorf("spiker backup copies the embedded SQLite database; for PostgreSQL use pg_dump or continuous archiving (see the README's operations chapter)")
	}
	if _, err := os.Stat(out); err == nil {
		return fmt.Errorf("%s already exists; choose a new file name", out)
	}
	// Its own connection: the read pool is query-only, and the writer must
	// stay free for reports while the copy is made.
	conn, err := sql.Open("sqlite", "file:"+db.path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `VACUUM INTO ?`, out); err != nil {
		os.Remove(out)
		return fmt.Errorf("backup: %w", MapError(err))
	}
	return os.Chmod(out, 0o600)
}
