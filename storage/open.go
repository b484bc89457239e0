package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
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
// it answers. A SQLite file that does not exist is created. It does not
// migrate; call Migrate. A nil log discards logs. Errors are one line and
// never show a password, whatever the driver put in its own (RedactText).
func Open(ctx context.Context, databaseURL string, log *slog.Logger) (*DB, error) {
	db, err := open(ctx, databaseURL, log, true)
	return db, redactError(databaseURL, err)
}

// redactError returns err with its message passed through RedactText, or
// nil. errors.Is and errors.As still see what it wraps.
func redactError(databaseURL string, err error) error {
	if err == nil {
		return nil
	}
	return &openError{msg: RedactText(databaseURL, err.Error()), err: err}
}

// ErrNoDatabase is wrapped by OpenExisting's error when there is no What
// Matters database where the URL points.
var ErrNoDatabase = errors.New("no What Matters database there")

// OpenExisting opens, as Open does, a database that must already hold What
// Matters data, and creates nothing: a SQLite file that does not exist, a
// database in memory (empty every time) or a database that was never
// migrated is an error wrapping ErrNoDatabase. Pending migrations are not an
// error; call Migrate or Pending.
func OpenExisting(ctx context.Context, databaseURL string, log *slog.Logger) (*DB, error) {
	db, err := openExisting(ctx, databaseURL, log)
	return db, redactError(databaseURL, err)
}

func openExisting(ctx context.Context, databaseURL string, log *slog.Logger) (*DB, error) {
	dialect, target, err := ParseURL(databaseURL)
	if err != nil {
		return nil, err
	}
	where := "the PostgreSQL database " + Redact(databaseURL)
	if dialect == SQLite {
		if target == memoryPath {
			return nil, &openError{msg: "database: sqlite::memory: is a new, empty database every time", err: ErrNoDatabase}
		}
		if _, err := os.Stat(target); errors.Is(err, fs.ErrNotExist) {
			msg := fmt.Sprintf("database: there is no SQLite file %q", target)
			if dir := filepath.Dir(target); !exists(dir) {
				msg += fmt.Sprintf(" (folder %q does not exist)", dir)
			}
			return nil, &openError{msg: msg, err: ErrNoDatabase}
		}
		where = fmt.Sprintf("the SQLite file %q", target)
	}
	db, err := open(ctx, databaseURL, log, false)
	if err != nil {
		return nil, err
	}
	ok, err := db.hasSchema(ctx)
	if err != nil {
		db.Close()
		return nil, &openError{msg: "database: cannot read " + where + ": " + oneLine(err), err: err}
	}
	if !ok {
		db.Close()
		return nil, &openError{msg: "database: " + where + " holds no What Matters tables (it was never migrated)", err: ErrNoDatabase}
	}
	return db, nil
}

// hasSchema reports whether a migration was ever applied to the database.
// Goose's version table alone is not enough: checking for pending
// migrations creates it.
func (db *DB) hasSchema(ctx context.Context) (bool, error) {
	q := `SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'goose_db_version'`
	if db.dialect == Postgres {
		q = `SELECT count(*) FROM (SELECT to_regclass('goose_db_version') AS t) v WHERE t IS NOT NULL`
	}
	var n int
	if err := db.sql.QueryRowContext(ctx, q).Scan(&n); err != nil || n == 0 {
		return false, err
	}
	if err := db.sql.QueryRowContext(ctx, `SELECT count(*) FROM goose_db_version WHERE version_id > 0`).Scan(&n); err != nil {
		return false, err
	}
	return n > 0, nil
}

// open opens the database; create says whether a SQLite file that does not
// exist may be created.
func open(ctx context.Context, databaseURL string, log *slog.Logger, create bool) (*DB, error) {
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
		db.sql, err = openSQLite(ctx, target, create)
	}
	if err != nil {
		return nil, err
	}
	db.store = &store{db: db.sql, q: db.sql, dialect: dialect, now: time.Now, coders: new(sync.Map)}
	if dialect == SQLite {
		db.store.stmts = newStmtCache(db.sql)
		db.store.q = cachedQuerier{cache: db.store.stmts}
	}
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
//
// Unless create is set, a file that does not exist is not created
// (mode=rw).
func openSQLite(ctx context.Context, path string, create bool) (*sql.DB, error) {
	memory := path == memoryPath
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", sqliteBusyTimeout.Milliseconds()))
	q.Add("_pragma", "foreign_keys(1)")
	if !memory {
		q.Add("_pragma", "journal_mode(WAL)")
	}
	q.Set("_txlock", "immediate")
	if !memory && !create {
		q.Set("mode", "rw")
	}
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
		return nil, &openError{msg: sqliteOpenMessage(path, err), err: err}
	}
	if !memory {
		// A file SQLite may only read opens without complaint when it is
		// already in WAL mode, and fails at the first write: say so now.
		if f, err := os.OpenFile(path, os.O_RDWR, 0); errors.Is(err, fs.ErrPermission) {
			db.Close()
			return nil, &openError{msg: sqliteOpenMessage(path, err), err: err}
		} else if err == nil {
			f.Close()
		}
	}
	return db, nil
}

// sqliteOpenMessage is the one-line error for a SQLite file that could not
// be opened or written: why, when the file system can tell (SQLite's "unable
// to open database file" does not say), then SQLite's own words.
func sqliteOpenMessage(path string, err error) string {
	msg := fmt.Sprintf("database: cannot open sqlite file %q: ", path)
	if why := whyNotWritable(path); why != "" {
		return msg + why + " (" + oneLine(err) + ")"
	}
	return msg + oneLine(err)
}

// whyNotWritable says why the SQLite file at path cannot be opened for
// writing, or "" when the file system does not tell: the folder is
// missing, the path is a folder, or permission is denied on the file or on
// the folder, where SQLite also keeps the -wal and -shm files.
func whyNotWritable(path string) string {
	dir := filepath.Dir(path)
	if fi, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		return fmt.Sprintf("folder %q does not exist", dir)
	} else if err != nil {
		return oneLine(err)
	} else if !fi.IsDir() {
		return fmt.Sprintf("%q is not a folder", dir)
	}
	if isDir(path) {
		return "it is a folder, not a file"
	}
	if exists(path) {
		if f, err := os.OpenFile(path, os.O_RDWR, 0); errors.Is(err, fs.ErrPermission) {
			return fmt.Sprintf("permission denied writing %q", path)
		} else if err == nil {
			f.Close()
		}
	}
	f, err := os.CreateTemp(dir, ".whatmatters-write-check-*")
	if err == nil {
		f.Close()
		os.Remove(f.Name())
		return ""
	}
	if errors.Is(err, fs.ErrPermission) {
		if exists(path) {
			return fmt.Sprintf("permission denied creating files in folder %q, where SQLite keeps the database's -wal and -shm files", dir)
		}
		return fmt.Sprintf("permission denied creating %q in folder %q", filepath.Base(path), dir)
	}
	return ""
}

// exists reports whether anything is at path.
func exists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
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
