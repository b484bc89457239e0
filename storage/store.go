package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"time"

	"whatmatters/flows"
)

// querier is what *sql.DB and *sql.Tx share, so one method body serves both.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// store implements flows.Store on the database, or on one transaction of it.
type store struct {
	db      *sql.DB
	q       querier // db, or tx inside a transaction
	tx      *sql.Tx // nil outside a transaction
	depth   int     // how many InTx calls deep within tx
	dialect Dialect
	now     func() time.Time
	stmts   *stmtCache // SQLite only: prepared statements, reused
	// coders holds the coder and version pairs whose due answers this
	// process has worked out (see AnswersToCode).
	coders *sync.Map
}

// InTx runs fn with a Store bound to one transaction, committing when fn
// returns nil and rolling back otherwise (or if fn panics). fn's error is
// returned as it is.
//
// On SQLite the transaction begins IMMEDIATE, holding the database's write
// lock throughout; keep transactions short. A call to InTx on the Store given
// to fn runs in the same transaction, inside a savepoint: if its fn fails,
// only its own writes are undone, and on both dialects the transaction can
// go on. Outside such a nested InTx, a statement the database refuses ends
// the transaction on PostgreSQL, so fn should return that error; the
// conflicts CreateCase and CreateReflection report are found without one. A
// Store bound to a transaction must not be used from several goroutines at
// once, nor after InTx returns.
func (s *store) InTx(ctx context.Context, fn func(flows.Store) error) (err error) {
	if s.tx != nil {
		return s.savepoint(ctx, fn)
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return wrap("beginning a transaction", err)
	}
	committed := false
	defer func() {
		if !committed {
			// Rollback after a failed commit, or of a transaction whose
			// context ended, reports ErrTxDone: nothing is left to undo.
			if rbErr := tx.Rollback(); rbErr != nil && !errors.Is(rbErr, sql.ErrTxDone) && err != nil {
				err = errors.Join(err, fmt.Errorf("rolling back: %w", rbErr))
			}
		}
	}()
	inner := &store{db: s.db, q: tx, tx: tx, dialect: s.dialect, now: s.now, stmts: s.stmts, coders: s.coders}
	if s.stmts != nil {
		inner.q = cachedQuerier{cache: s.stmts, tx: tx}
	}
	if err := fn(inner); err != nil {
		return err
	}
	committed = true
	if err := tx.Commit(); err != nil {
		return wrap("committing a transaction", err)
	}
	return nil
}

// savepoint runs a nested InTx inside a savepoint. PostgreSQL refuses every
// statement after an error until the transaction ends or a savepoint is
// rolled back to; the savepoint makes a failed nested step undo itself on
// both dialects alike.
func (s *store) savepoint(ctx context.Context, fn func(flows.Store) error) (err error) {
	inner := *s
	inner.depth++
	name := fmt.Sprintf("wm_nested_%d", inner.depth)
	if _, err := s.tx.ExecContext(ctx, "SAVEPOINT "+name); err != nil {
		return wrap("starting a nested transaction", err)
	}
	released := false
	defer func() {
		if !released {
			_, rbErr := s.tx.ExecContext(context.WithoutCancel(ctx), "ROLLBACK TO SAVEPOINT "+name)
			if rbErr == nil {
				_, rbErr = s.tx.ExecContext(context.WithoutCancel(ctx), "RELEASE SAVEPOINT "+name)
			}
			if rbErr != nil && err != nil {
				err = errors.Join(err, fmt.Errorf("rolling back a nested transaction: %w", rbErr))
			}
		}
	}()
	if err := fn(&inner); err != nil {
		return err
	}
	released = true
	if _, err := s.tx.ExecContext(ctx, "RELEASE SAVEPOINT "+name); err != nil {
		return wrap("ending a nested transaction", err)
	}
	return nil
}

// Ping reports whether the database answers.
func (s *store) Ping(ctx context.Context) error {
	if s.tx != nil {
		// The transaction holds a connection; asking the pool for another
		// would wait forever on SQLite in memory.
		_, err := s.tx.ExecContext(ctx, "SELECT 1")
		return wrap("pinging the database", err)
	}
	return wrap("pinging the database", s.db.PingContext(ctx))
}

// Close does nothing on a Store bound to a transaction; DB.Close releases the
// database.
func (s *store) Close() error { return nil }

// stamp returns t, or the current time if t is zero.
func (s *store) stamp(t time.Time) time.Time {
	if t.IsZero() {
		return s.now()
	}
	return t
}

// lock is the suffix of a SELECT of a row this transaction will write.
func (s *store) lock() string {
	return s.dialect.lockSuffix(s.tx != nil)
}
