// Package sqldb is the database under Spiker Perak's SQL layer (package
// store): embedded SQLite (the default, modernc.org/sqlite, pure Go) or
// PostgreSQL (pgx), its pools, transactions, migrations, backup and the
// mapping of driver errors to domain error codes. Queries are plain SQL
// with $1-style placeholders, which both drivers accept; the few
// differences between the two are handled here, not in callers. It knows
// nothing of the domain's services.
package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/spikerperak/spiker"
	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// Dialect is the kind of database behind a DB.
type Dialect string

const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// DB is an open database. On SQLite it holds two pools: one connection for
// all writes (SQLite has one writer; queueing in Go beats busy retries) and
// several read-only connections, which WAL lets run beside the writer. On
// PostgreSQL both are the same pool.
type DB struct {
	dialect Dialect
	write   *sql.DB
	read    *sql.DB
	path    string // the SQLite file
	where   string // where the data lives, for messages; never a password

	// Now returns the current time; tests may replace it.
	Now func() time.Time

	// settled keeps values that never change once committed (the receipt
	// salt, holder groups' and the escrow's public keys), so that intake
	// does not read them on every report.
	settled sync.Map

	pgIdle int // PostgreSQL's idle connections kept, for purgeIdle
}

// Open opens the database named by rawURL: "sqlite:PATH" for an SQLite file
// (created if missing) or a "postgres://" / "postgresql://" URL. It checks
// that the database answers but does not migrate it.
func Open(ctx context.Context, rawURL string) (*DB, error) {
	// The real time until Main gives the program's clock.
	db := &DB{Now: (*spiker.Clock)(nil).Now}
	switch {
	case strings.HasPrefix(rawURL, "sqlite:"):
		if err := db.openSQLite(strings.TrimPrefix(rawURL, "sqlite:")); err != nil {
			return nil, err
		}
	case strings.HasPrefix(rawURL, "postgres://"), strings.HasPrefix(rawURL, "postgresql://"):
		if err := db.openPostgres(rawURL); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("database address %q is not understood: leave it empty for the SQLite file in the data directory, or give a postgres:// URL", redact(rawURL))
	}
	// Switching a new SQLite file to WAL needs a moment alone with it: when
	// several processes open it at once, one can get SQLITE_BUSY without the
	// busy handler's help, so retry briefly.
	var err error
	for attempt := 0; attempt < 50; attempt++ {
		if err = db.Ping(ctx); err == nil || db.dialect != SQLite || !strings.Contains(err.Error(), "SQLITE_BUSY") {
			break
		}
		time.Sleep(time.Duration(20+attempt*10) * time.Millisecond)
	}
	if err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

func (db *DB) openSQLite(path string) error {
	if path == "" || strings.ContainsAny(path, "?#") {
		return fmt.Errorf("SQLite path %q is not usable: give a file path without '?' or '#'", path)
	}
	// Create the file ourselves so that only this user can read it; SQLite
	// gives its -wal and -shm files the same mode.
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("cannot open the SQLite file %s: %v", path, err)
	}
	f.Close()
	// synchronous=FULL: a report acknowledged to its reporter must survive a
	// power cut. busy_timeout covers checkpoints and other processes (backup).
	// busy_timeout comes first so that switching to WAL waits for other
	// connections instead of failing. secure_delete overwrites deleted
	// content (purged cases, the erased bootstrap keys) instead of leaving
	// it in free pages.
	common := "_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=secure_delete(1)"
	w, err := sql.Open(cachingDriverName, "file:"+path+"?"+common+"&_txlock=immediate")
	if err != nil {
		return err
	}
	r, err := sql.Open(cachingDriverName, "file:"+path+"?"+common+"&_pragma=query_only(1)")
	if err != nil {
		w.Close()
		return err
	}
	boundSQLite(w, r)
	db.dialect, db.write, db.read, db.where, db.path = SQLite, w, r, "SQLite file "+path, path
	return nil
}

func (db *DB) openPostgres(rawURL string) error {
	cfg, err := pgx.ParseConfig(rawURL)
	if err != nil {
		return fmt.Errorf("PostgreSQL URL is not valid: %v", strings.TrimPrefix(err.Error(), "cannot parse `"+rawURL+"`: "))
	}
	db.usePostgres(cfg)
	return nil
}

// OpenPostgres opens PostgreSQL with a parsed configuration, which may
// carry what a URL cannot (tests count round trips through its DialFunc).
// Like Open it checks that the database answers.
func OpenPostgres(ctx context.Context, cfg *pgx.ConnConfig) (*DB, error) {
	db := &DB{Now: (*spiker.Clock)(nil).Now}
	db.usePostgres(cfg)
	if err := db.Ping(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

func (db *DB) usePostgres(cfg *pgx.ConnConfig) {
	failoverConfig(cfg)
	p := stdlib.OpenDB(*cfg)
	boundPostgres(p)
	db.pgIdle = idleConns
	db.dialect, db.write, db.read = Postgres, p, p
	db.where = pgWhere(cfg)
}

// redact removes a password from a URL so that it can appear in a message.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}

// Dialect returns the kind of database.
func (db *DB) Dialect() Dialect { return db.dialect }

// String says where the data lives, without credentials.
func (db *DB) String() string { return db.where }

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.write.PingContext(ctx); err != nil {
		return fmt.Errorf("cannot reach the database (%s): %v", db.where, err)
	}
	if db.read != db.write {
		if err := db.read.PingContext(ctx); err != nil {
			return fmt.Errorf("cannot reach the database (%s): %v", db.where, err)
		}
	}
	return nil
}

// Close closes the pools.
func (db *DB) Close() error {
	err := db.write.Close()
	if db.read != db.write {
		err = errors.Join(err, db.read.Close())
	}
	return err
}

// Update runs fn in a read-write transaction and commits it if fn returns
// nil. On SQLite the transaction starts with BEGIN IMMEDIATE, so it holds the
// write lock from the start and never fails half-way on a lock upgrade.
func (db *DB) Update(ctx context.Context, fn func(*Tx) error) error {
	return db.run(ctx, db.write, nil, fn)
}

// View runs fn in a read-only transaction.
func (db *DB) View(ctx context.Context, fn func(*Tx) error) error {
	opts := &sql.TxOptions{ReadOnly: db.dialect == Postgres}
	return db.run(ctx, db.read, opts, fn)
}

// Get runs a one-row read on its own, outside a transaction: one round
// trip to PostgreSQL, where a View costs two or three.
func (db *DB) Get(ctx context.Context, query string, args []any, dest ...any) error {
	return MapError(retryRead(ctx, func() error {
		return db.read.QueryRowContext(ctx, query, db.args(args)...).Scan(dest...)
	}))
}

func (db *DB) run(ctx context.Context, pool *sql.DB, opts *sql.TxOptions, fn func(*Tx) error) error {
	tx := &Tx{db: db, now: db.Now()}
	if db.dialect == Postgres {
		// The connection, not database/sql's transaction, so that BEGIN and
		// queued writes can travel in one batch with a later statement.
		// While no server takes writes (a failover), wait a little for
		// one; the first batch is replayed on a new connection if its
		// server turns out to be lost (failover.go).
		conn, err := db.acquire(ctx, pool)
		if err != nil {
			return MapError(err)
		}
		tx.sql, tx.pg = conn, &pgPipe{conn: conn, begin: "begin"}
		tx.pg.reconnect = db.reconnect(tx, pool)
		defer func() { tx.pg.conn.Close() }()
		if opts != nil && opts.ReadOnly {
			tx.pg.begin = "begin read only"
		}
	} else {
		stx, err := pool.BeginTx(ctx, opts)
		if err != nil {
			return MapError(err)
		}
		tx.sql = stx
	}
	if err := fn(tx); err != nil {
		tx.rollback(ctx)
		if tx.pg != nil && lostServer(err) {
			db.lost(pool, tx.pg.conn)
		}
		return err
	}
	if err := tx.commit(ctx); err != nil {
		tx.rollback(ctx)
		if tx.pg != nil && lostServer(err) {
			db.lost(pool, tx.pg.conn)
			if !notCommitted(err, true) {
				return errCommitUnknown(err)
			}
		}
		return MapError(err)
	}
	for _, f := range tx.committed {
		f()
	}
	return nil
}
