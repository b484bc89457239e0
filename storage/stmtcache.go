package storage

import (
	"context"
	"database/sql"
	"sync"
	"time"
)

// maxCachedStatements bounds the statement cache; the store's queries are
// a fixed set well under it.
const maxCachedStatements = 512

// stmtCache keeps each query prepared once per database, for SQLite:
// modernc's driver otherwise parses and plans every statement on every
// call, a third of the CPU of a thread reply's processing. (pgx caches
// prepared statements by itself on PostgreSQL.)
//
// A statement is prepared on the database, which needs a connection of its
// own: never while a transaction holds one (with a single connection that
// would wait for ever). A query first seen inside a transaction runs as it
// is, and is prepared afterwards, in the background.
type stmtCache struct {
	db *sql.DB

	mu        sync.Mutex
	m         map[string]*sql.Stmt
	pending   map[string]bool
	preparing bool
	closed    bool
}

func newStmtCache(db *sql.DB) *stmtCache {
	return &stmtCache{db: db, m: map[string]*sql.Stmt{}, pending: map[string]bool{}}
}

// lookup returns the prepared statement of query, if there is one.
func (c *stmtCache) lookup(query string) *sql.Stmt {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.m[query]
}

// get returns the prepared statement of query, preparing it now if need
// be; nil if it cannot be (the caller then runs the query as it is). Only
// outside a transaction.
func (c *stmtCache) get(ctx context.Context, query string) *sql.Stmt {
	if st := c.lookup(query); st != nil {
		return st
	}
	c.mu.Lock()
	full := c.closed || len(c.m) >= maxCachedStatements
	c.mu.Unlock()
	if full {
		return nil
	}
	st, err := c.db.PrepareContext(ctx, query)
	if err != nil {
		return nil
	}
	return c.keep(query, st)
}

// keep stores a prepared statement, or closes it if another goroutine
// stored one first or the cache is closed or full.
func (c *stmtCache) keep(query string, st *sql.Stmt) *sql.Stmt {
	c.mu.Lock()
	defer c.mu.Unlock()
	if prior, ok := c.m[query]; ok {
		_ = st.Close()
		return prior
	}
	if c.closed || len(c.m) >= maxCachedStatements {
		_ = st.Close()
		return nil
	}
	c.m[query] = st
	return st
}

// want notes a query met inside a transaction, to be prepared in the
// background once connections are free.
func (c *stmtCache) want(query string) {
	c.mu.Lock()
	if _, ok := c.m[query]; ok || c.closed || c.pending[query] || len(c.m)+len(c.pending) >= maxCachedStatements {
		c.mu.Unlock()
		return
	}
	c.pending[query] = true
	start := !c.preparing
	c.preparing = true
	c.mu.Unlock()
	if start {
		go c.prepareWanted()
	}
}

// prepareWanted prepares the queries noted by want, one at a time.
func (c *stmtCache) prepareWanted() {
	for {
		c.mu.Lock()
		var query string
		for q := range c.pending {
			query = q
			break
		}
		if query == "" || c.closed {
			c.preparing = false
			c.mu.Unlock()
			return
		}
		delete(c.pending, query)
		c.mu.Unlock()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		st, err := c.db.PrepareContext(ctx, query)
		cancel()
		if err == nil {
			c.keep(query, st)
		}
	}
}

// close closes every cached statement; nothing is prepared after.
func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	for q, st := range c.m {
		_ = st.Close()
		delete(c.m, q)
	}
}

// cachedQuerier runs queries through the cache, on the database or within
// a transaction (where database/sql reuses the statement already prepared
// on the transaction's connection).
type cachedQuerier struct {
	cache *stmtCache
	tx    *sql.Tx // nil outside a transaction
}

func (q cachedQuerier) stmt(ctx context.Context, query string) *sql.Stmt {
	if q.tx == nil {
		return q.cache.get(ctx, query)
	}
	st := q.cache.lookup(query)
	if st == nil {
		q.cache.want(query)
		return nil
	}
	// Prepared on the transaction's own connection if it is not yet.
	return q.tx.StmtContext(ctx, st)
}

func (q cachedQuerier) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if st := q.stmt(ctx, query); st != nil {
		return st.ExecContext(ctx, args...)
	}
	if q.tx != nil {
		return q.tx.ExecContext(ctx, query, args...)
	}
	return q.cache.db.ExecContext(ctx, query, args...)
}

func (q cachedQuerier) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := q.stmt(ctx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	if q.tx != nil {
		return q.tx.QueryContext(ctx, query, args...)
	}
	return q.cache.db.QueryContext(ctx, query, args...)
}

func (q cachedQuerier) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if st := q.stmt(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	if q.tx != nil {
		return q.tx.QueryRowContext(ctx, query, args...)
	}
	return q.cache.db.QueryRowContext(ctx, query, args...)
}
