package storage

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// connectTimeout bounds each attempt to reach PostgreSQL unless the URL sets
// connect_timeout, so an unreachable database fails at start instead of
// hanging.
const connectTimeout = 10 * time.Second

// sqliteBusyTimeout is how long a SQLite write waits for another writer
// before failing.
const sqliteBusyTimeout = 5 * time.Second

// Open opens the database a DATABASE_URL names (see ParseURL) and checks that
// it answers. It does not migrate; call Migrate. A nil log discards logs.
// Errors are one line and never show a password.
func Open(ctx context.Context, databaseURL string, log *slog.Logger) (*DB, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	dialect, target, err := ParseURL(databaseURL)
	if err != nil {
		return nil, err
	}
	db := &DB{dialect: dialect, log: log}
	if dialect == Postgres {
		db.pool, db.sql, err = openPostgres(ctx, target)
	} else {
		db.path = target
		db.sql, err = openSQLite(ctx, target)
	}
	if err != nil {
		return nil, err
	}
	db.store = &store{db: db.sql, q: db.sql, dialect: dialect, now: time.Now}
	return db, nil
}

// openPostgres opens a pgx pool and exposes it to database/sql, so River can
// use the pool and everything else the *sql.DB.
func openPostgres(ctx context.Context, databaseURL string) (*pgxpool.Pool, *sql.DB, error) {
	cfg, err := pgxpool.ParseConfig(databaseURL)
	if err != nil {
		// pgconn's parse errors redact the password.
		return nil, nil, &openError{msg: "database: invalid postgres URL: " + oneLine(err), err: err}
	}
	if !strings.Contains(databaseURL, "connect_timeout=") {
		cfg.ConnConfig.ConnectTimeout = connectTimeout
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, nil, &openError{msg: "database: cannot connect to " + Redact(databaseURL) + ": " + oneLine(err), err: err}
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, nil, &openError{msg: "database: cannot connect to " + Redact(databaseURL) + ": " + oneLine(err), err: err}
	}
	return pool, stdlib.OpenDBFromPool(pool), nil
}

// openSQLite opens a SQLite file, or a database in memory.
//
// Every pooled connection gets the same settings through the DSN: WAL, so
// readers never wait for the writer; a busy timeout, so a writer waits for
// another rather than failing; foreign keys, which SQLite leaves off; and
// _txlock=immediate, so that a transaction takes the write lock when it
// begins. A transaction that began deferred and read first would fail with
// SQLITE_BUSY at its first write if another had written meanwhile, and the
// busy timeout cannot help it. synchronous stays at its default, FULL, so a
// commit survives a power cut, as the inbox promises.
//
// A database in memory belongs to one connection, so the pool keeps exactly
// one, forever.
func openSQLite(ctx context.Context, path string) (*sql.DB, error) {
	memory := path == memoryPath
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", sqliteBusyTimeout.Milliseconds()))
	q.Add("_pragma", "foreign_keys(1)")
	if !memory {
		q.Add("_pragma", "journal_mode(WAL)")
	}
	q.Set("_txlock", "immediate")
	dsn := memoryPath
	if !memory {
		dsn = "file:" + escapePath(filepath.Clean(path))
	}
	db, err := sql.Open("sqlite", dsn+"?"+q.Encode())
	if err != nil {
		return nil, &openError{msg: fmt.Sprintf("database: cannot open sqlite file %q: %s", path, oneLine(err)), err: err}
	}
	if memory {
		db.SetMaxOpenConns(1)
		db.SetMaxIdleConns(1)
		db.SetConnMaxLifetime(0)
		db.SetConnMaxIdleTime(0)
	} else {
		db.SetMaxIdleConns(4)
	}
	// Ping opens a connection, which runs the pragmas: a missing directory, a
	// file without permission or a file that is not a database fails here.
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		if memory {
			return nil, &openError{msg: "database: cannot open sqlite database in memory: " + oneLine(err), err: err}
		}
		msg := fmt.Sprintf("database: cannot open sqlite file %q: %s", path, oneLine(err))
		// SQLite's "unable to open database file" does not say why.
		if dir := filepath.Dir(path); !isDir(dir) {
			msg += fmt.Sprintf(" (directory %q does not exist)", dir)
		} else if isDir(path) {
			msg += " (it is a directory)"
		}
		return nil, &openError{msg: msg, err: err}
	}
	return db, nil
}

// isDir reports whether path is a directory.
func isDir(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.IsDir()
}

// escapePath makes a file path safe inside a SQLite file: URI, where ? and #
// would end the path and % would begin an escape.
func escapePath(p string) string {
	return strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(p)
}

// openError is a failure to open the database: a one-line message for the
// person starting the program, and the cause beneath it.
type openError struct {
	msg string
	err error
}

func (e *openError) Error() string { return e.msg }
func (e *openError) Unwrap() error { return e.err }

// oneLine flattens an error message that spans lines, as pgx's does when it
// tried several addresses.
func oneLine(err error) string {
	return strings.Join(strings.Fields(err.Error()), " ")
}
