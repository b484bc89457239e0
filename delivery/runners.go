package delivery

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"slices"
	"sync"
	"time"
)

// runners processes deliveries in the process that recorded them, as soon
// as their transaction commits, without a job of their own: the inbox row
// is the durable record of the work, and a job is made only when the fast
// path cannot finish it.
//
// Every key (a thread, or a channel's commands) with deliveries in hand has
// at most one runner; deliveries recorded for a key whose runner is busy are
// picked up by it on its next round, so a busy thread's replies are
// processed in batches rather than one job each. What a runner cannot do
// goes to the job queue: a delivery that fails is enqueued for River's
// retries, one whose post must wait for its channel's slot is handed back
// to a runner when the slot opens (wake.go), and deliveries arriving while every runner is busy
// elsewhere are enqueued at once. If the process dies with deliveries in
// hand, the inbox sweep (SweepArgs) finds them unprocessed and takes them
// up again; nothing recorded is lost.
//
// Compared with a job for every delivery, this saves each delivery a job
// row written three times (inserted, fetched, completed) and the waits of
// River's fetch loop; see docs/performance.md.
type runners struct {
	s   *Service
	max int

	mu      sync.Mutex
	keys    map[string]*keyRun
	stopped bool
	wg      sync.WaitGroup
	ctx     context.Context
	cancel  context.CancelFunc
}

// keyRun is one key's runner's work: a delivery recorded for it since its
// last round began, and owed deliveries handed back when their replies
// became due (or found by the sweep). A round processes every
// unprocessed delivery of the key, in order; an owed delivery's round also
// sends what it owes under other keys (a thread's first question), which
// the round of a later delivery would not, so owed ones are kept apart
// rather than replaced by the latest.
type keyRun struct {
	latest string
	owed   []string
	more   bool // work came after the round in progress began
}

// add gives the run a delivery.
func (kr *keyRun) add(d recorded) {
	if !d.owed {
		kr.latest = d.id
		return
	}
	if !slices.Contains(kr.owed, d.id) {
		kr.owed = append(kr.owed, d.id)
	}
}

// newRunners returns runners for s that work at most max keys at once.
func newRunners(s *Service, max int) *runners {
	ctx, cancel := context.WithCancel(context.Background())
	return &runners{s: s, max: max, keys: map[string]*keyRun{}, ctx: ctx, cancel: cancel}
}

// dispatch hands newly recorded deliveries to runners, and returns the ids
// that no runner can take now, for the job queue: all of them when there
// are no runners (r is nil).
func (r *runners) dispatch(ds []recorded) (overflow []string) {
	if r == nil {
		for _, d := range ds {
			overflow = append(overflow, d.id)
		}
		return overflow
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, d := range ds {
		if r.stopped {
			overflow = append(overflow, d.id)
			continue
		}
		if kr := r.keys[d.key]; kr != nil {
			kr.add(d)
			kr.more = true
			continue
		}
		if len(r.keys) >= r.max {
			overflow = append(overflow, d.id)
			continue
		}
		kr := &keyRun{}
		kr.add(d)
		r.keys[d.key] = kr
		r.s.metrics.inHand.Inc()
		r.wg.Add(1)
		go r.run(d.key, kr)
	}
	return overflow
}

// recorded is a delivery just recorded, or owed (handed back when its
// replies became due): its id and ordering key.
type recorded struct {
	id, key string
	owed    bool
}

// run processes a key's deliveries until none is left in hand.
func (r *runners) run(key string, kr *keyRun) {
	defer r.wg.Done()
	for {
		r.mu.Lock()
		id, owed := kr.latest, kr.owed
		kr.latest, kr.owed, kr.more = "", nil, false
		r.mu.Unlock()

		for _, o := range owed {
			if o != id {
				r.process(o, key)
			}
		}
		if id != "" {
			r.process(id, key)
		}

		r.mu.Lock()
		if !kr.more {
			delete(r.keys, key)
			r.s.metrics.inHand.Dec()
			r.mu.Unlock()
			return
		}
		r.mu.Unlock()
	}
}

// process runs Process for a delivery, bounded like a job. What must wait
// (a channel's slot, a hold) is handed back to a runner when it is due;
// what failed otherwise goes to the job queue, for River's retries.
func (r *runners) process(id, key string) {
	ctx, cancel := context.WithTimeout(r.ctx, runTimeout)
	defer cancel()
	err := r.processSafely(ctx, id)
	if err == nil {
		return
	}
	var later *RetryLater
	if errors.As(err, &later) {
		r.s.wakeFor(id, key, later)
		return
	}
	at := r.s.now()
	r.s.log.WarnContext(ctx, "delivery: left to a job after a failure", "delivery", id, "err", err)
	// The job is made outside the run's deadline: a run that timed out
	// must still leave its delivery to a job.
	jctx, jcancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer jcancel()
	if err := r.s.queue.Schedule(jctx, id, at); err != nil {
		// The sweep finds it.
		r.s.metrics.enqueue.Inc()
		r.s.log.WarnContext(jctx, "delivery: not enqueued; the sweep will enqueue it", "delivery", id, "err", err)
	}
}

// processSafely runs a runner's round, turning a panic into an error: a
// bug met by one delivery must not take the process down (and, restarted,
// meet it again from the sweep). River's job then retries the delivery and
// gives up on it in the end, as for any job that panics. Only the panic's
// type is logged: its value may hold text someone wrote.
func (r *runners) processSafely(ctx context.Context, id string) (err error) {
	defer func() {
		if p := recover(); p != nil {
			r.s.log.ErrorContext(ctx, "delivery: a runner panicked; the delivery is left to a job",
				"delivery", id, "panic", fmt.Sprintf("%T", p), "stack", string(debug.Stack()))
			err = fmt.Errorf("a runner panicked (%T)", p)
		}
	}()
	return r.s.process(ctx, id, false, true)
}

// runTimeout bounds one round of a runner, as JobOptions.JobTimeout bounds
// a job.
const runTimeout = 15 * time.Second

// stop takes no more deliveries, waits until ctx ends for the rounds in
// progress to finish, then cancels them; what they leave is in the inbox
// for the sweep.
func (r *runners) stop(ctx context.Context) error {
	r.mu.Lock()
	r.stopped = true
	r.mu.Unlock()
	done := make(chan struct{})
	go func() { r.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		r.cancel()
		<-done
		return ctx.Err()
	}
}

// StopRunners takes no more deliveries into runners (later ones get jobs)
// and waits until ctx ends for those in hand to be processed; past that it
// cancels them, leaving them in the inbox for the sweep. Call it after the
// transports have stopped and before the job queue stops.
func (s *Service) StopRunners(ctx context.Context) error {
	if s.runners == nil {
		return nil
	}
	return s.runners.stop(ctx)
}
