package sqldb

import (
	"context"
	"errors"
	"fmt"
	"syscall"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/spikerperak/spiker"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// MapError turns driver errors into domain errors: a unique violation is
// ECONFLICT, other constraint violations EINVALID, lock timeouts and a
// cancelled request EUNAVAILABLE. The driver's text stays in the chain for
// the log; users see only the domain message.
func MapError(err error) error {
	if err == nil {
		return nil
	}
	code := ""
	var se *sqlite.Error
	var pe *pgconn.PgError
	switch {
	case errors.As(err, &se):
		switch se.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			code = spiker.ECONFLICT
		case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY, sqlite3.SQLITE_CONSTRAINT_CHECK, sqlite3.SQLITE_CONSTRAINT_NOTNULL:
			code = spiker.EINVALID
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_FULL:
			code = spiker.EUNAVAILABLE
		}
	case errors.As(err, &pe):
		switch pe.Code {
		case "23505": // unique_violation
			code = spiker.ECONFLICT
		case "23503", "23514", "23502": // foreign_key, check, not_null
			code = spiker.EINVALID
		case "40001", "40P01", "55P03", "53100": // serialization, deadlock, lock_not_available, disk_full
			code = spiker.EUNAVAILABLE
		}
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded), errors.Is(err, syscall.ENOSPC):
		// A full disk is a store that cannot serve right now: the form
		// that asked comes back with its answers kept.
		code = spiker.EUNAVAILABLE
	}
	if code == "" && lostServer(err) {
		// A failover: the server is gone or no longer takes writes. The
		// driver's error stays in the chain so that the transaction that
		// sees it drops the connection (failover.go).
		return fmt.Errorf("%w (%w)", spiker.Errorf(spiker.EUNAVAILABLE, "%s", messages[spiker.EUNAVAILABLE]), err)
	}
	if code == "" {
		return err
	}
	return fmt.Errorf("%w (%v)", spiker.Errorf(code, "%s", messages[code]), err)
}

var messages = map[string]string{
	spiker.ECONFLICT:    "this record already exists",
	spiker.EINVALID:     "the data breaks a rule of the database",
	spiker.EUNAVAILABLE: "the database is busy; please try again",
}
