package storage

import (
	"database/sql"
	"fmt"
	"log/slog"

	"github.com/jackc/pgx/v5/pgxpool"

	"whatmatters/flows"
)

// DB is an open What Matters database. It implements flows.Store, with the
// delivery machinery's inbox and outbox beside it (delivery.Store; a transaction's
// Store keeps them too), and gives the job queue and the health check what
// they need of the database beneath.
type DB struct {
	*store // flows.Store, outside any transaction

	sql     *sql.DB
	pool    *pgxpool.Pool // nil for SQLite
	dialect Dialect
	path    string // the SQLite file, or ":memory:"
	log     *slog.Logger
}

var _ flows.Store = (*DB)(nil)

// SQL returns the database/sql handle. For SQLite in memory it has a single
// connection, so it must not be used while a transaction of the Store runs
// on the same goroutine.
func (db *DB) SQL() *sql.DB { return db.sql }

// Pool returns the PostgreSQL connection pool, or nil for SQLite.
func (db *DB) Pool() *pgxpool.Pool { return db.pool }

// Dialect returns which database this is.
func (db *DB) Dialect() Dialect { return db.dialect }

// Close releases the database. The Store must not be used afterwards.
func (db *DB) Close() error {
	if db.store != nil && db.store.stmts != nil {
		db.store.stmts.close()
	}
	err := db.sql.Close()
	if db.pool != nil {
		db.pool.Close()
	}
	if err != nil {
		return fmt.Errorf("closing the database: %w", err)
	}
	return nil
}
