//go:build wmbench

package main

// PostgreSQL: the benchmark makes a database of its own for each start of
// What Matters (wmbench_PID_rROUND), drops it afterwards, and attributes to
// the bot the CPU of the backends connected to that database. It never
// touches a database whose name it did not make in this process.

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

var ourDatabase = regexp.MustCompile(`^wmbench_[0-9]+_r[0-9]+$`)

// pgServer is a PostgreSQL server on this machine, reached through its
// maintenance database (the URL given with -pg).
type pgServer struct {
	admin   *url.URL
	pool    *pgxpool.Pool
	mu      sync.Mutex
	created map[string]bool
}

func openPG(ctx context.Context, raw string) (*pgServer, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return nil, fmt.Errorf("-pg %q: want postgres://USER@127.0.0.1:PORT/DATABASE", raw)
	}
	if !isLoopback(u.Hostname()) {
		return nil, fmt.Errorf("-pg %q: only a server on this machine (127.0.0.1, ::1, localhost)", u.Redacted())
	}
	q := u.Query()
	if q.Get("sslmode") == "" {
		q.Set("sslmode", "disable")
	}
	u.RawQuery = q.Encode()
	cfg, err := pgxpool.ParseConfig(u.String())
	if err != nil {
		return nil, err
	}
	cfg.MaxConns = 2
	cfg.ConnConfig.RuntimeParams["application_name"] = "wmbench"
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("PostgreSQL at %s: %w", u.Redacted(), err)
	}
	return &pgServer{admin: u, pool: pool, created: map[string]bool{}}, nil
}

// create makes database name, which must be one of ours and not exist.
func (s *pgServer) create(ctx context.Context, name string) (string, error) {
	if !ourDatabase.MatchString(name) {
		return "", fmt.Errorf("refusing to make database %q: not a wmbench_ name", name)
	}
	if _, err := s.pool.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		return "", fmt.Errorf("CREATE DATABASE %s: %w", name, err)
	}
	s.mu.Lock()
	s.created[name] = true
	s.mu.Unlock()
	u := *s.admin
	u.Path = "/" + name
	return u.String(), nil
}

// drop drops a database this process made, closing its connections.
func (s *pgServer) drop(name string) error {
	s.mu.Lock()
	ours := s.created[name]
	s.mu.Unlock()
	if !ours || !ourDatabase.MatchString(name) {
		return fmt.Errorf("refusing to drop database %q: this run did not make it", name)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := s.pool.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
		return fmt.Errorf("DROP DATABASE %s: %w", name, err)
	}
	s.mu.Lock()
	delete(s.created, name)
	s.mu.Unlock()
	return nil
}

// close drops whatever this process made and has not dropped yet (after
// an error or an interrupt), then closes the pool.
func (s *pgServer) close() {
	s.mu.Lock()
	var left []string
	for name := range s.created {
		left = append(left, name)
	}
	s.mu.Unlock()
	for _, name := range left {
		if err := s.drop(name); err != nil {
			fmt.Fprintln(os.Stderr, "wmbench:", err)
		}
	}
	s.pool.Close()
}

// backends lists the server processes connected to database name.
func (s *pgServer) backends(ctx context.Context, name string) ([]int, error) {
	rows, err := s.pool.Query(ctx, "SELECT pid FROM pg_stat_activity WHERE datname = $1", name)
	if err != nil {
		return nil, err
	}
	pids, err := pgx.CollectRows(rows, pgx.RowTo[int32])
	out := make([]int, len(pids))
	for i, p := range pids {
		out[i] = int(p)
	}
	return out, err
}

// backendCPU follows the CPU of a database's backends over a stretch of
// time. A backend is listed every interval, so one that connects and
// leaves in between is counted up to its last sample; one already there
// at the start counts from its CPU then, one that comes later from zero.
type backendCPU struct {
	stop  chan struct{}
	done  chan struct{}
	mu    sync.Mutex
	first map[int]time.Duration
	last  map[int]time.Duration
	err   error
}

func (s *pgServer) watchBackends(name string, every time.Duration) *backendCPU {
	w := &backendCPU{stop: make(chan struct{}), done: make(chan struct{}),
		first: map[int]time.Duration{}, last: map[int]time.Duration{}}
	sample := func(initial bool) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		pids, err := s.backends(ctx, name)
		w.mu.Lock()
		defer w.mu.Unlock()
		if err != nil {
			w.err = err
			return
		}
		for _, pid := range pids {
			c, err := cpuTime(pid)
			if err != nil {
				continue
			}
			if _, seen := w.last[pid]; !seen && initial {
				w.first[pid] = c
			}
			w.last[pid] = c
		}
	}
	sample(true)
	go func() {
		defer close(w.done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-w.stop:
				sample(false)
				return
			case <-t.C:
				sample(false)
			}
		}
	}()
	return w
}

// Stop samples once more and returns the CPU the backends used.
func (w *backendCPU) Stop() (time.Duration, error) {
	close(w.stop)
	<-w.done
	w.mu.Lock()
	defer w.mu.Unlock()
	var sum time.Duration
	for pid, c := range w.last {
		sum += c - w.first[pid]
	}
	if sum == 0 && w.err == nil {
		return 0, errors.New("no backend of the database was seen (is the server on this machine?)")
	}
	return sum, w.err
}
