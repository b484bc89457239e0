// Package testkit holds what the tests of several packages share: a clock
// that moves only when a test moves it, and a bounded wait for a condition.
// It is imported by tests alone.
package testkit

import (
	"slices"
	"sync"
	"testing"
	"time"
)

// HangGuard bounds every wait for a condition. It is no timing assertion: a
// slow or heavily loaded machine (the race detector beside other work)
// only makes a wait longer. Only a hang, or a feature that broke, reaches
// it, and then the test fails saying what it waited for.
const HangGuard = 2 * time.Minute

// Eventually looks at cond until it holds, failing the test after
// HangGuard with what was waited for and the state cond last described.
// The looks grow apart (5 ms doubling to 200 ms), so a long wait costs
// the machine little: each look is often a query.
func Eventually(t testing.TB, what string, cond func() (ok bool, state string)) {
	t.Helper()
	guard := time.NewTimer(HangGuard)
	defer guard.Stop()
	pause := 5 * time.Millisecond
	for {
		ok, state := cond()
		if ok {
			return
		}
		look := time.NewTimer(pause)
		select {
		case <-guard.C:
			look.Stop()
			t.Fatalf("waiting for %s: gave up after %s; %s", what, HangGuard, state)
		case <-look.C:
		}
		pause = min(2*pause, 200*time.Millisecond)
	}
}

// StepClock is a clock that moves only when the test moves it, with timers
// (AfterFunc) that run when it passes their time: what a component given
// Now and AfterFunc waits for happens exactly when the test says.
type StepClock struct {
	mu     sync.Mutex
	now    time.Time
	timers []*stepTimer
	armed  int // timers ever armed
}

type stepTimer struct {
	at      time.Time
	f       func()
	stopped bool
}

// NewStepClock is a clock standing at the current second.
func NewStepClock() *StepClock { return &StepClock{now: time.Now().Truncate(time.Second)} }

// Now is the clock's time.
func (c *StepClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// AfterFunc arms f to run when the clock passes d from now, returning the
// function that stops it (reporting whether it was still armed).
func (c *StepClock) AfterFunc(d time.Duration, f func()) func() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := &stepTimer{at: c.now.Add(d), f: f}
	c.timers = append(c.timers, t)
	c.armed++
	return func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		was := !t.stopped
		t.stopped = true
		return was
	}
}

// Next is the earliest time a timer is armed for.
func (c *StepClock) Next() (time.Time, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var at time.Time
	for _, t := range c.timers {
		if !t.stopped && (at.IsZero() || t.at.Before(at)) {
			at = t.at
		}
	}
	return at, !at.IsZero()
}

// Pending returns how many timers were ever armed, and the waits (from
// now) of those not yet run, soonest first.
func (c *StepClock) Pending() (int, []time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var waits []time.Duration
	for _, t := range c.timers {
		if !t.stopped {
			waits = append(waits, t.at.Sub(c.now))
		}
	}
	slices.Sort(waits)
	return c.armed, waits
}

// Advance moves the clock on by d and runs the timers due by then.
func (c *StepClock) Advance(d time.Duration) { c.Set(c.Now().Add(d)) }

// Set moves the clock to at (never back) and runs the timers due by then,
// outside the clock's lock.
func (c *StepClock) Set(at time.Time) {
	c.mu.Lock()
	if at.After(c.now) {
		c.now = at
	}
	var due []*stepTimer
	c.timers = slices.DeleteFunc(c.timers, func(t *stepTimer) bool {
		if t.stopped {
			return true
		}
		if !t.at.After(c.now) {
			due = append(due, t)
			return true
		}
		return false
	})
	c.mu.Unlock()
	for _, t := range due {
		t.f()
	}
}
