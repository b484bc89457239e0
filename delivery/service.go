package delivery

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync/atomic"
	"time"

	"whatmatters/flows"
	"whatmatters/inbox"
)

// Options configures the delivery machinery.
type Options struct {
	// Store is the database: the inbox, the outbox and what the engine
	// keeps.
	Store Store
	// Engine returns the engine working on the given Store. The machinery
	// calls it with a Store bound to a transaction, so that the step a
	// delivery causes, its replies in the outbox and the mark that it was
	// processed are committed together or not at all.
	Engine func(flows.Store) *flows.Engine
	// Locker, when set, serialises the processing of each ordering key
	// across instances (storage.Locker on PostgreSQL). Within the process
	// the machinery always serialises by key itself.
	Locker Locker
	// Limits keeps the pace of calls to the platforms; nil means the
	// Store's when it keeps them (storage.DB does, for every instance at
	// once), else this process's own.
	Limits Limits
	// RecordConcurrency is how many transactions record deliveries at
	// once; zero means 1, right for SQLite's single writer. PostgreSQL
	// takes several.
	RecordConcurrency int
	// SweepAge is how long a delivery or a reply may wait before the
	// sweep takes it up again; zero means 10 seconds.
	SweepAge time.Duration

	Metrics *Metrics     // nil: a private set, not served
	Log     *slog.Logger // nil: discard
	// Now is the clock; nil means time.Now. AfterFunc, on the same
	// clock, runs a function after a wait (owed replies handed on when
	// due) and returns a function that stops it; nil means time.AfterFunc.
	Now       func() time.Time
	AfterFunc func(d time.Duration, f func()) (stop func() bool)
}

// Locker takes a lock on a key that holds across every instance sharing the
// database. storage.Locker implements it. Hold returns, with the function
// that releases the lock, a context in which the locks of other keys taken
// while it is held (a new thread's, under its channel's) share its
// connection: one connection per holder, however many keys it nests.
type Locker interface {
	Hold(ctx context.Context, key string) (context.Context, func(), error)
}

// JobQueue makes jobs for deliveries: NewJobs gives the Service River's.
type JobQueue interface {
	// Enqueue inserts a job for each delivery and returns how many were
	// new: a delivery whose job is waiting or running already is not
	// enqueued twice.
	Enqueue(ctx context.Context, deliveryIDs ...string) (int, error)
	// Schedule enqueues a delivery's job to run at a time.
	Schedule(ctx context.Context, deliveryID string, at time.Time) error
}

// Service is the delivery machinery, apart from any chat platform: the
// inbox (deliveries recorded before they are acknowledged, in shared
// commits), the runners and jobs that process them in order under each
// key's lock, the outbox (what each step owes, committed with it), the
// wake-ups that hand owed work on when it is due, the pace of calls
// (Pacer), the sweep, and the periodic engine steps. Platforms plug in
// with Register.
type Service struct {
	store    Store
	engineOn func(flows.Store) *flows.Engine
	locker   Locker
	keys     keyLocks
	limits   Limits
	pacer    *Pacer
	commits  *groupCommit
	metrics  *Metrics
	log      *slog.Logger
	now      func() time.Time
	after    afterFunc
	sweepAge time.Duration
	wakes    wakes

	// platforms by delivery id prefix; "" owns every id no other prefix
	// does.
	platforms map[string]Platform

	queue JobQueue
	// runners process new deliveries without jobs; nil when every
	// delivery gets a job.
	runners *runners
	// codesDue, when set by NewJobs, asks for new answers to be coded.
	codesDue func(ctx context.Context) error
	// codesLast is when codesDue was last called, in Unix nanoseconds.
	codesLast atomic.Int64
}

// New returns the machinery, with no platform yet: Register each.
func New(o Options) *Service {
	s := &Service{
		store: o.Store, engineOn: o.Engine, locker: o.Locker,
		metrics: o.Metrics, log: o.Log, now: o.Now, sweepAge: o.SweepAge,
		platforms: map[string]Platform{},
	}
	if s.metrics == nil {
		s.metrics = NewMetrics(nil)
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	s.after = o.AfterFunc
	if s.after == nil {
		s.after = wallAfter
	}
	if s.sweepAge == 0 {
		s.sweepAge = 10 * time.Second
	}
	s.commits = &groupCommit{s: s, max: max(o.RecordConcurrency, 1), lane: make(chan struct{}, 1)}
	s.limits = o.Limits
	if s.limits == nil {
		if l, ok := o.Store.(Limits); ok {
			s.limits = l
		} else {
			s.limits = NewMemLimits()
		}
	}
	s.pacer = &Pacer{limits: s.limits, now: s.now, metrics: s.metrics, log: s.log}
	s.queue = noQueue{}
	return s
}

// Register makes p the platform of the deliveries whose ids begin with
// prefix ("" for every id no other prefix claims). Call it before the
// transports start.
func (s *Service) Register(prefix string, p Platform) { s.platforms[prefix] = p }

// platformFor is the platform owning a delivery id: the longest prefix
// registered that begins it.
func (s *Service) platformFor(deliveryID string) (Platform, string) {
	var best Platform
	bestPrefix := ""
	found := false
	for prefix, p := range s.platforms {
		if strings.HasPrefix(deliveryID, prefix) && (!found || len(prefix) > len(bestPrefix)) {
			best, bestPrefix, found = p, prefix, true
		}
	}
	return best, bestPrefix
}

// UseQueue makes q the job queue behind the runners (NewJobs does).
func (s *Service) UseQueue(q JobQueue) { s.queue = q }

// UseRunners lets n keys at once be processed in the process that recorded
// their deliveries, without a job each (NewJobs does, from JobOptions).
func (s *Service) UseRunners(n int) {
	if n > 0 {
		s.runners = newRunners(s, n)
	}
}

// Store is the database the machinery works on.
func (s *Service) Store() Store { return s.store }

// EngineOn is the engine working on st.
func (s *Service) EngineOn(st flows.Store) *flows.Engine { return s.engineOn(st) }

// Pacer keeps the pace of the platforms' calls.
func (s *Service) Pacer() *Pacer { return s.pacer }

// Metrics are the machinery's metrics.
func (s *Service) Metrics() *Metrics { return s.metrics }

// Busy reports whether deliveries are waiting to be recorded: a platform
// sending many calls at once then makes fewer, leaving the CPU to the
// acknowledgements.
func (s *Service) Busy() bool { return s.commits.busy() }

// noQueue is the job queue before NewJobs.
type noQueue struct{}

var errNoQueue = errors.New("no job queue: call NewJobs before serving")

func (noQueue) Enqueue(context.Context, ...string) (int, error)   { return 0, errNoQueue }
func (noQueue) Schedule(context.Context, string, time.Time) error { return errNoQueue }

// Accept records a delivery and hands it to a runner or a job. A delivery
// seen before is acknowledged without being done again. Only a failure to
// record is an error: once recorded, a delivery whose job could not be
// enqueued is picked up by the sweep.
func (s *Service) Accept(ctx context.Context, d inbox.Delivery) error {
	if d.ReceivedAt.IsZero() {
		d.ReceivedAt = s.now()
	}
	// Recorded in a transaction shared with the deliveries arriving at
	// the same time, and enqueued with them (see groupCommit).
	isNew, err := s.commits.record(ctx, d)
	if err != nil {
		return err
	}
	if !isNew {
		s.metrics.duplicate.WithLabelValues(d.Kind).Inc()
		s.log.InfoContext(ctx, "delivery: duplicate acknowledged", "delivery", d.ID, "kind", d.Kind)
		return nil
	}
	s.metrics.received.WithLabelValues(d.Kind).Inc()
	return nil
}

// RunKey does a runner's round for the key of a delivery, here and now:
// every unprocessed delivery of the key in order, and what the key owes.
// For callers that run rounds themselves (tests, benchmarks, commands).
func (s *Service) RunKey(ctx context.Context, deliveryID string) error {
	return s.process(ctx, deliveryID, false, true)
}

// Limits are the pace and holds of the platforms' calls.
func (s *Service) Limits() Limits { return s.limits }

// InHand is how many keys the runners are processing now.
func (s *Service) InHand() int {
	if s.runners == nil {
		return 0
	}
	s.runners.mu.Lock()
	defer s.runners.mu.Unlock()
	return len(s.runners.keys)
}

// Waiting is how many deliveries are waiting for their commit.
func (s *Service) Waiting() int {
	s.commits.mu.Lock()
	defer s.commits.mu.Unlock()
	return len(s.commits.queue)
}

// Acknowledging makes the machinery behave as while a delivery is being
// recorded (runners take short batches and give way) until the returned
// function is called: for tests and benchmarks of that behaviour.
func (s *Service) Acknowledging() (done func()) {
	s.commits.enter()
	return s.commits.leave
}

// Enqueue makes a job for each delivery in the job queue, returning how
// many were new.
func (s *Service) Enqueue(ctx context.Context, ids ...string) (int, error) {
	return s.queue.Enqueue(ctx, ids...)
}
