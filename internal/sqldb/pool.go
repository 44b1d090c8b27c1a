package sqldb

import (
	"database/sql"
	"time"
)

// The pools' bounds. Every connection holds memory (SQLite: its page
// cache, up to 2 MB, and its prepared statements; PostgreSQL: a backend
// process of several MB on the server), and a two-core machine gains
// nothing from more connections than it can keep busy: a report holds a
// connection only for its transaction (the receipt is stretched before),
// and a page for its reads. Idle connections beyond a couple are closed
// after a minute, so that a flood does not leave its connections behind.
// (The maxima are not lower because a request may hold one connection
// while it waits for another, e.g. a read beside an open transaction.)
const (
	sqliteReaders     = 8
	postgresConns     = 10
	idleConns         = 2
	connIdleTimeLimit = time.Minute
)

// boundSQLite sets the SQLite pools: one writer, kept open (it holds the
// prepared statements of intake), and a few readers.
func boundSQLite(write, read *sql.DB) {
	write.SetMaxOpenConns(1)
	write.SetConnMaxIdleTime(0)
	read.SetMaxOpenConns(sqliteReaders)
	read.SetMaxIdleConns(idleConns)
	read.SetConnMaxIdleTime(connIdleTimeLimit)
}

// boundPostgres sets the PostgreSQL pool (reads and writes share it).
func boundPostgres(p *sql.DB) {
	p.SetMaxOpenConns(postgresConns)
	p.SetMaxIdleConns(idleConns)
	p.SetConnMaxIdleTime(connIdleTimeLimit)
}
