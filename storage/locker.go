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
// most conns connections (at least one), one for each lock held at once.
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
func (l *Locker) Lock(ctx context.Context, key string) (unlock func(), err error) {
	if l.pool == nil {
		return func() {}, nil
	}
	id := lockID(key)
	conn, err := l.pool.Acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("taking a lock: %w", err)
	}
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, id); err != nil {
		// Whether or not the lock was granted before the failure, ending
		// the session releases it.
		_ = conn.Hijack().Close(context.WithoutCancel(ctx))
		return nil, fmt.Errorf("taking a lock: %w", err)
	}
	return func() {
		uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), lockTimeout)
		defer cancel()
		var released bool
		if err := conn.QueryRow(uctx, `SELECT pg_advisory_unlock($1)`, id).Scan(&released); err != nil || !released {
			_ = conn.Hijack().Close(uctx)
			return
		}
		conn.Release()
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
