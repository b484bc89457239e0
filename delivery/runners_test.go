package delivery

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"whatmatters/inbox"
	"whatmatters/storage"
)

// TestRunnersOverflowToJobs: with every runner busy, and once stopped,
// deliveries are handed back for jobs; a delivery for a key whose runner is
// busy joins that runner's next round.
func TestRunnersOverflowToJobs(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, db *storage.DB) {
		r := newRunners(newService(t, db), 1)
		// The ids are in no inbox: each round finds nothing to do.
		over := r.dispatch([]recorded{{id: "EvA", key: "T1/C1"}, {id: "EvB", key: "T1/C1"}, {id: "EvC", key: "T1/C2"}})
		if len(over) != 1 || over[0] != "EvC" {
			t.Errorf("overflow = %v; want EvC alone (EvB joins C1's runner)", over)
		}
		if err := r.stop(context.Background()); err != nil {
			t.Fatal(err)
		}
		if over := r.dispatch([]recorded{{id: "EvD", key: "T1/C3"}}); len(over) != 1 {
			t.Errorf("after stop, overflow = %v; want EvD", over)
		}
	})
}

// panickingStore panics when the delivery it is told of is loaded.
type panickingStore struct {
	Store
	id string
}

func (p panickingStore) GetDelivery(ctx context.Context, id string) (inbox.Delivery, error) {
	if id == p.id {
		panic("a bug met by this delivery: " + id)
	}
	return p.Store.GetDelivery(ctx, id)
}

// TestRunnerSurvivesAPanic: a bug that panics on one delivery does not take
// the process down; the delivery is left to a job, and the panic's value
// (which may hold someone's words) is not logged.
func TestRunnerSurvivesAPanic(t *testing.T) {
	t.Parallel()
	db := sqliteDB(t)
	logs := &syncBuffer{}
	s := newService(t, db)
	s = New(Options{Store: panickingStore{db, "EvPanic"}, Engine: s.engineOn, Log: slog.New(slog.NewTextHandler(logs, nil))})
	var mu sync.Mutex
	var scheduled []string
	s.UseQueue(scheduleFunc(func(_ context.Context, id string, _ time.Time) error {
		mu.Lock()
		defer mu.Unlock()
		scheduled = append(scheduled, id)
		return nil
	}))
	r := newRunners(s, 4)
	r.dispatch([]recorded{{id: "EvPanic", key: "T1/C1"}})
	if err := r.stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(scheduled) != 1 || scheduled[0] != "EvPanic" {
		t.Errorf("scheduled %v; want the delivery left to a job", scheduled)
	}
	if l := logs.String(); !strings.Contains(l, "runner panicked") || strings.Contains(l, "a bug met by") {
		t.Errorf("logs:\n%s\nwant the panic noted, without its value", l)
	}
}

// scheduleFunc is a job queue that schedules through a function and
// enqueues nothing.
type scheduleFunc func(ctx context.Context, id string, at time.Time) error

func (f scheduleFunc) Schedule(ctx context.Context, id string, at time.Time) error {
	return f(ctx, id, at)
}
func (f scheduleFunc) Enqueue(context.Context, ...string) (int, error) { return 0, nil }

// syncBuffer is a buffer safe for the log handlers of several goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}
