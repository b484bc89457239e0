package storage

import (
	"context"
	"fmt"
	"hash/fnv"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// Locker serialises work on one key across every instance that shares the
// database: the Slack adapter takes a key's lock while it processes that
// key's deliveries, so that the messages of one thread are handled in order
// however many workers and instances there are.
//
// On PostgreSQL a lock is a session advisory lock, held on a connection of
// the Locker's own small pool for as long as the lock is: a job holding a
// lock can then always get a connection from the main pool for its work, and
// a crashed instance's locks go with its connections. SQLite serves a single
// instance, so its Locker takes no lock: callers serialise within their
// process.
type Locker struct {
	pool *pgxpool.Pool // nil on SQLite
}

// lockTimeout bounds the release of a lock: past it, the connection is
// closed, which releases the lock as surely.
const lockTimeout = 5 * time.Second

// NewLocker returns a Locker over db. On PostgreSQL it opens a pool of at
// most conns connections (at least one), one for each holder at once: the
// locks nested in a holder's (Hold) share its connection.
func NewLocker(ctx context.Context, db *DB, conns int) (*Locker, error) {
	if db.pool == nil {
		return &Locker{}, nil
	}
	cfg := db.pool.Config()
	cfg.MaxConns = int32(max(conns, 1))
	cfg.MinConns = 0
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("opening the lock pool: %s", oneLine(err))
	}
	return &Locker{pool: pool}, nil
}

// Lock waits until it holds the lock on key, or until ctx ends, and returns
// the function that releases it. The function must be called exactly once.
// Within a context Hold returned, it takes the lock on that holder's
// connection (see Hold).
func (l *Locker) Lock(ctx context.Context, key string) (unlock func(), err error) {
	_, unlock, err = l.Hold(ctx, key)
	return unlock, err
}

// Hold is Lock, and also returns a context in which the locks of other
// keys, taken while this one is held (a thread's, under its channel's),
// are taken on this lock's own connection rather than another from the
// pool. A session holds any number of advisory locks, so a holder that
// needs a second key waits for it without a second connection: the pool
// needs one connection per holder, not two, and holders waiting for their
// second key can never use it up. The context's connection must not be
// used by two goroutines at once: pass it only down the holder's own
// calls. A nested lock is released before the lock it is nested in.
func (l *Locker) Hold(ctx context.Context, key string) (context.Context, func(), error) {
	if l.pool == nil {
		return ctx, func() {}, nil
	}
	id := lockID(key)
	if h, ok := ctx.Value(holdingKey{}).(*holding); ok && h.l == l {
		unlock, err := h.nested(ctx, id)
		return ctx, unlock, err
	}
	conn, err := l.pool.Acquire(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("taking a lock: %w", err)
	}
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, id); err != nil {
		// Whether or not the lock was granted before the failure, ending
		// the session releases it.
		_ = conn.Hijack().Close(context.WithoutCancel(ctx))
		return nil, nil, fmt.Errorf("taking a lock: %w", err)
	}
	h := &holding{l: l, conn: conn}
	return context.WithValue(ctx, holdingKey{}, h), func() {
		uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), lockTimeout)
		defer cancel()
		var released bool
		if h.broken || conn.QueryRow(uctx, `SELECT pg_advisory_unlock($1)`, id).Scan(&released) != nil || !released {
			// Closing the session releases every lock it may still hold.
			_ = conn.Hijack().Close(uctx)
			return
		}
		conn.Release()
	}, nil
}

// holding is a lock held on a connection of the Locker's, which locks
// nested in it share (Hold).
type holding struct {
	l    *Locker
	conn *pgxpool.Conn
	// broken says a nested lock may not have been released: the
	// connection is closed rather than returned to the pool.
	broken bool
}

type holdingKey struct{}

// nested takes the lock id on the holder's connection.
func (h *holding) nested(ctx context.Context, id int64) (func(), error) {
	if _, err := h.conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, id); err != nil {
		h.broken = true
		return nil, fmt.Errorf("taking a lock: %w", err)
	}
	return func() {
		uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), lockTimeout)
		defer cancel()
		var released bool
		if err := h.conn.QueryRow(uctx, `SELECT pg_advisory_unlock($1)`, id).Scan(&released); err != nil || !released {
			h.broken = true
		}
	}, nil
}

// Close releases the Locker's connections, and with them any lock still
// held.
func (l *Locker) Close() {
	if l.pool != nil {
		l.pool.Close()
	}
}

// lockID maps a key to an advisory lock number. Two keys that collide only
// wait for each other; the prefix keeps clear of other users of advisory
// locks, such as River and goose.
func lockID(key string) int64 {
	h := fnv.New64a()
	h.Write([]byte("whatmatters/inbox\x00"))
	h.Write([]byte(key))
	return int64(h.Sum64())
}
