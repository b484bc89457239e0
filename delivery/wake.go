package delivery

import (
	"context"
	"sync"
	"time"
)

// Owed work (a reply waiting for its channel's slot, a hold after a 429 or
// a failing platform, a thread's order) is handed back to a runner the moment
// it becomes due, by a timer in the process that met the wait: never left
// for the inbox sweep, which stays the safety net for a process that died
// with wake-ups armed.
//
// A wake-up names the deliveries whose rounds must run again: the one whose
// round met the wait, and the one that owes the message that must wait
// (they differ when a thread's first question, owed by a command in the
// channel, holds up the thread). Each is handed to runners as owed work,
// which a later delivery of the same key cannot displace (see keyRun).

// afterFunc runs f after d on the adapter's clock, returning a function
// that stops it.
type afterFunc func(d time.Duration, f func()) (stop func() bool)

// wallAfter is afterFunc on the wall clock.
func wallAfter(d time.Duration, f func()) func() bool { return time.AfterFunc(d, f).Stop }

// wakes are the wake-ups armed in this process: for each delivery, when
// its round is to run again.
type wakes struct {
	mu  sync.Mutex
	due map[string]time.Time
}

// wakeAt hands ds to runners (or, past their number, to jobs) at the given
// time. A delivery with an earlier wake-up armed already keeps it: its
// round, if still too early, arms the next.
func (s *Service) wakeAt(ds []recorded, at time.Time) {
	s.wakes.mu.Lock()
	if s.wakes.due == nil {
		s.wakes.due = map[string]time.Time{}
	}
	var arm []recorded
	for _, d := range ds {
		if t, ok := s.wakes.due[d.id]; ok && !t.After(at) {
			continue
		}
		s.wakes.due[d.id] = at
		d.owed = true
		arm = append(arm, d)
	}
	s.wakes.mu.Unlock()
	if len(arm) == 0 {
		return
	}
	s.metrics.wakes.Add(float64(len(arm)))
	s.after(max(at.Sub(s.now()), 0), func() {
		s.wakes.mu.Lock()
		var due []recorded
		for _, d := range arm {
			// A wake-up armed for sooner since has run, or will.
			if t, ok := s.wakes.due[d.id]; ok && t.Equal(at) {
				delete(s.wakes.due, d.id)
				due = append(due, d)
			}
		}
		s.wakes.mu.Unlock()
		s.handOn(due)
	})
}

// handOn gives owed deliveries to runners, enqueueing a job for those no
// runner can take.
func (s *Service) handOn(ds []recorded) {
	if len(ds) == 0 {
		return
	}
	ids := s.runners.dispatch(ds)
	if len(ids) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := s.queue.Enqueue(ctx, ids...); err != nil {
		s.metrics.enqueue.Add(float64(len(ids)))
		s.log.WarnContext(ctx, "delivery: owed replies not handed on; the sweep will find them", "count", len(ids), "err", err)
	}
}

// wakeFor arms the wake-up a *RetryLater asks for: the delivery whose
// round met the wait (under key), and the one owing the message that
// waits.
func (s *Service) wakeFor(id, key string, later *RetryLater) {
	ds := []recorded{{id: id, key: key}}
	if later.Delivery != "" && later.Delivery != id {
		ds = append(ds, recorded{id: later.Delivery, key: later.Key})
	}
	s.wakeAt(ds, s.now().Add(later.Wait))
}
