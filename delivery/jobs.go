package delivery

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"
)

// DeliveryArgs is the job that processes one recorded delivery and
// sends its replies.
type DeliveryArgs struct {
	DeliveryID string `json:"delivery_id"`
}

// Kind names the job in River's tables. The name is from when Slack was
// the only platform; jobs already queued keep working under it.
func (DeliveryArgs) Kind() string { return "slack_delivery" }

// InsertOpts makes the job unique by delivery while it waits, runs or is to
// be retried, so a delivery enqueued twice (by a retried request and by the
// sweep) is worked once at a time. Completed and discarded jobs do not
// count: the sweep may enqueue a delivery again that a job gave up on.
func (DeliveryArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{
		Queue: river.QueueDefault,
		UniqueOpts: river.UniqueOpts{
			ByArgs: true,
			ByState: []rivertype.JobState{
				rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning,
				rivertype.JobStateRetryable, rivertype.JobStateScheduled,
			},
		},
	}
}

// SweepArgs is the periodic job that enqueues again every delivery and
// reply left waiting: recorded by an instance that died before its job was
// enqueued or ran, or given up on by a job that ran out of attempts.
type SweepArgs struct{}

// Kind names the job in River's tables.
func (SweepArgs) Kind() string { return "slack_inbox_sweep" }

// JobOptions configures the River client that works deliveries.
type JobOptions struct {
	// Workers is how many deliveries this instance works at once; zero
	// means 8.
	Workers int
	// Runners is how many threads and channels this instance processes
	// at once in the process that recorded their deliveries, without a
	// job each (see runners); zero means as many as Workers, negative
	// none: every delivery then gets a job.
	Runners int
	// FetchPollInterval is how often River looks for new jobs when it is
	// not told of them; zero means River's default.
	FetchPollInterval time.Duration
	// FetchCooldown is the least time between two fetches of jobs, which
	// bounds throughput at Workers jobs per cooldown; zero means 5ms.
	FetchCooldown time.Duration
	// RetryPolicy spaces the retries of failed jobs; nil means River's
	// default (attempt⁴ seconds, about three weeks over 25 attempts).
	RetryPolicy river.ClientRetryPolicy
	// SweepEvery is how often the sweep runs; zero means 15 seconds.
	SweepEvery time.Duration
	// CheckInEvery is how often due weekly check-ins are looked for; zero
	// means every minute, negative never.
	CheckInEvery time.Duration
	// IdleAfter is how long a reflection may stay quiet before it is
	// nudged (and, as long again, closed); zero means never. Quiet
	// reflections are looked for every IdleAfter/8, at least every minute
	// and at most every hour.
	IdleAfter time.Duration
	// Retention is how long story text is kept: a daily job removes older
	// text, keeping anonymous counts. Zero means never.
	Retention time.Duration
	// Coding, when set, codes answers against the codebook: periodically,
	// and after each delivery.
	Coding Coding
	// CodesEvery is how often answers to code are looked for; zero means
	// 30 seconds.
	CodesEvery time.Duration
	// ModelWorkers is how many answers this instance reads with a model at
	// once, in a queue of their own (ModelQueue), apart from every other
	// job; zero means 2.
	ModelWorkers int
	// ModelTimeout bounds one reading of an answer by a model; zero means
	// 20 seconds. RescueAfter is kept longer than it.
	ModelTimeout time.Duration
	// DigestsEvery is how often due weekly digests are looked for; zero
	// means every minute, negative never.
	DigestsEvery time.Duration
	// JobTimeout bounds one run of a job; zero means 15 seconds. Posts
	// never wait inside a job (a job waiting for a platform is snoozed), so
	// runs are short.
	JobTimeout time.Duration
	// RescueAfter is how long a job may be running before it counts as
	// stuck (its instance died) and is run again; zero means 25 seconds,
	// and it is never less than JobTimeout. River looks for stuck jobs
	// when an instance becomes leader and every 30 seconds after, so the
	// work of an instance killed mid-job is done within about a minute.
	RescueAfter time.Duration
	// SessionsEvery is how often learning sessions' timers are looked at
	// (warnings, stages moving on, endings, recurring openings); zero
	// means every 5 seconds, negative never.
	SessionsEvery time.Duration
	// Logger receives River's own logs; nil discards them.
	Logger *slog.Logger
	// TestOnly starts River without the staggered starts it uses in
	// production.
	TestOnly bool
}

// withDefaults fills in the options left zero.
func (o JobOptions) withDefaults() JobOptions {
	if o.Workers == 0 {
		o.Workers = 8
	}
	if o.FetchCooldown == 0 {
		o.FetchCooldown = 5 * time.Millisecond
	}
	if o.FetchPollInterval != 0 && o.FetchPollInterval < o.FetchCooldown {
		o.FetchCooldown = o.FetchPollInterval
	}
	o.SweepEvery = cmp.Or(o.SweepEvery, 15*time.Second)
	o.JobTimeout = cmp.Or(o.JobTimeout, 15*time.Second)
	o.RescueAfter = cmp.Or(o.RescueAfter, 25*time.Second)
	if o.ModelWorkers <= 0 {
		o.ModelWorkers = defaultModelWorkers
	}
	if o.ModelTimeout <= 0 {
		o.ModelTimeout = defaultModelTimeout
	}
	o.RescueAfter = max(o.RescueAfter, o.JobTimeout)
	if o.Coding != nil {
		o.RescueAfter = max(o.RescueAfter, o.ModelTimeout+5*time.Second)
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	o.CheckInEvery = cmp.Or(o.CheckInEvery, time.Minute)
	o.DigestsEvery = cmp.Or(o.DigestsEvery, time.Minute)
	o.SessionsEvery = cmp.Or(o.SessionsEvery, 5*time.Second)
	o.CodesEvery = cmp.Or(o.CodesEvery, 30*time.Second)
	return o
}

// periodicJob is one kind of job River runs every so often (every, when
// positive: zero or less is never), with its worker.
type periodicJob struct {
	id     string
	every  time.Duration
	args   river.JobArgs
	worker func(*river.Workers) error
}

// periodicJobs are the kinds of job run every so often, as o asks.
func periodicJobs(s *Service, o JobOptions) []periodicJob {
	idleEvery := time.Duration(0)
	if o.IdleAfter > 0 {
		idleEvery = min(max(o.IdleAfter/8, time.Minute), time.Hour)
	}
	retentionEvery := time.Duration(0)
	if o.Retention > 0 {
		retentionEvery = 24 * time.Hour
	}
	return []periodicJob{
		{"slack_inbox_sweep", o.SweepEvery, SweepArgs{}, addWorker(&sweepWorker{s: s})},
		{"checkins_due", o.CheckInEvery, CheckInsArgs{}, addWorker(&checkInsWorker{s: s})},
		{"idle_reflections", idleEvery, IdleArgs{}, addWorker(&idleWorker{s: s, idleAfter: o.IdleAfter})},
		{"retention_purge", retentionEvery, PurgeArgs{}, addWorker(&purgeWorker{s: s, retention: o.Retention})},
		{"digests_due", o.DigestsEvery, DigestsArgs{}, addWorker(&digestsWorker{s: s})},
		{"sessions_due", o.SessionsEvery, SessionsArgs{}, addWorker(&sessionsWorker{s: s})},
	}
}

// addWorker registers a worker.
func addWorker[T river.JobArgs](w river.Worker[T]) func(*river.Workers) error {
	return func(ws *river.Workers) error { return river.AddWorkerSafely(ws, w) }
}

// NewJobs returns the River client that works deliveries, and makes s
// enqueue its jobs in it. Start the client before the transports.
func NewJobs[TTx any](driver riverdriver.Driver[TTx], s *Service, o JobOptions) (*river.Client[TTx], error) {
	o = o.withDefaults()
	workers := river.NewWorkers()
	if err := river.AddWorkerSafely(workers, &deliveryWorker{s: s}); err != nil {
		return nil, fmt.Errorf("registering the delivery worker: %w", err)
	}
	var periodic []*river.PeriodicJob
	for _, j := range periodicJobs(s, o) {
		if j.every <= 0 {
			continue
		}
		if err := j.worker(workers); err != nil {
			return nil, fmt.Errorf("registering the %s worker: %w", j.id, err)
		}
		args := j.args
		periodic = append(periodic, river.NewPeriodicJob(river.PeriodicInterval(j.every),
			func() (river.JobArgs, *river.InsertOpts) { return args, nil },
			&river.PeriodicJobOpts{ID: j.id, RunOnStart: true}))
	}
	var codesDue *codesDueWorker
	if o.Coding != nil {
		codesDue = &codesDueWorker{coding: o.Coding}
		if err := river.AddWorkerSafely(workers, codesDue); err != nil {
			return nil, fmt.Errorf("registering the coding worker: %w", err)
		}
		if err := river.AddWorkerSafely(workers, &codeAnswerWorker{coding: o.Coding, now: s.now, timeout: o.ModelTimeout}); err != nil {
			return nil, fmt.Errorf("registering the coding worker: %w", err)
		}
		periodic = append(periodic, river.NewPeriodicJob(river.PeriodicInterval(o.CodesEvery),
			func() (river.JobArgs, *river.InsertOpts) { return CodesDueArgs{}, nil },
			&river.PeriodicJobOpts{ID: "codes_due", RunOnStart: true}))
	}
	queues := map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: o.Workers}}
	if o.Coding != nil {
		queues[ModelQueue] = river.QueueConfig{MaxWorkers: o.ModelWorkers}
	}
	client, err := river.NewClient(driver, &river.Config{
		Queues:               queues,
		Workers:              workers,
		FetchPollInterval:    o.FetchPollInterval,
		FetchCooldown:        o.FetchCooldown,
		RetryPolicy:          o.RetryPolicy,
		JobTimeout:           o.JobTimeout,
		RescueStuckJobsAfter: o.RescueAfter,
		Logger:               o.Logger,
		TestOnly:             o.TestOnly,
		PeriodicJobs:         periodic,
	})
	if err != nil {
		return nil, fmt.Errorf("creating the job queue: %w", err)
	}
	if codesDue != nil {
		codesDue.insert = func(ctx context.Context, ids []int64) error {
			params := make([]river.InsertManyParams, len(ids))
			for i, id := range ids {
				params[i] = river.InsertManyParams{Args: CodeAnswerArgs{AnswerID: id}}
			}
			if _, err := client.InsertMany(ctx, params); err != nil {
				return fmt.Errorf("enqueueing %d answers to code: %w", len(ids), err)
			}
			return nil
		}
		s.codesDue = func(ctx context.Context) error {
			_, err := client.Insert(ctx, CodesDueArgs{}, nil)
			return err
		}
	}
	if o.Runners == 0 {
		o.Runners = o.Workers
	}
	s.UseRunners(o.Runners)
	s.UseQueue(riverQueue[TTx]{client: client, now: s.now})
	return client, nil
}

// riverQueue makes deliveries' jobs in River.
type riverQueue[TTx any] struct {
	client *river.Client[TTx]
	now    func() time.Time
}

func (q riverQueue[TTx]) Schedule(ctx context.Context, id string, at time.Time) error {
	var opts *river.InsertOpts
	if at.After(q.now()) {
		opts = &river.InsertOpts{ScheduledAt: at}
	}
	if _, err := q.client.Insert(ctx, DeliveryArgs{DeliveryID: id}, opts); err != nil {
		return fmt.Errorf("enqueueing delivery %s: %w", id, err)
	}
	return nil
}

func (q riverQueue[TTx]) Enqueue(ctx context.Context, ids ...string) (int, error) {
	params := make([]river.InsertManyParams, len(ids))
	for i, id := range ids {
		params[i] = river.InsertManyParams{Args: DeliveryArgs{DeliveryID: id}}
	}
	res, err := q.client.InsertMany(ctx, params)
	if err != nil {
		return 0, fmt.Errorf("enqueueing %d deliveries: %w", len(ids), err)
	}
	inserted := 0
	for _, r := range res {
		if !r.UniqueSkippedAsDuplicate {
			inserted++
		}
	}
	return inserted, nil
}

// MigrateJobs applies River's own migrations.
func MigrateJobs[TTx any](ctx context.Context, driver riverdriver.Driver[TTx], log *slog.Logger) error {
	m, err := rivermigrate.New(driver, &rivermigrate.Config{Logger: log})
	if err != nil {
		return fmt.Errorf("preparing the job queue's migrations: %w", err)
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("migrating the job queue: %w", err)
	}
	return nil
}

type deliveryWorker struct {
	river.WorkerDefaults[DeliveryArgs]
	s *Service
}

// Work processes the delivery. What must wait (a channel's slot, a 429's
// Retry-After, a failing platform's backoff) is handed to a runner when it is
// due, by a wake-up in this process, and the job ends: a job snoozed or
// scheduled for later waits for River's next fetch, or for its scheduler
// (every 5 s, on the leader), after it is due. If this process dies first,
// the sweep finds the delivery.
func (w *deliveryWorker) Work(ctx context.Context, job *river.Job[DeliveryArgs]) error {
	return w.s.Work(ctx, job.Args.DeliveryID, job.Attempt >= job.MaxAttempts)
}

// Work is a delivery job's work: Process, and what must wait is handed to
// a runner when it is due, by a wake-up in this process, and the job ends
// (nil). lastAttempt says this is the job's last try.
func (s *Service) Work(ctx context.Context, deliveryID string, lastAttempt bool) error {
	err := s.Process(ctx, deliveryID, lastAttempt)
	var later *RetryLater
	if errors.As(err, &later) {
		s.wakeFor(deliveryID, "outbox:"+deliveryID, later)
		return nil
	}
	return err
}

type sweepWorker struct {
	river.WorkerDefaults[SweepArgs]
	s *Service
}

// Work runs the sweep.
func (w *sweepWorker) Work(ctx context.Context, _ *river.Job[SweepArgs]) error {
	_, err := w.s.RequeueWaiting(ctx)
	return err
}

// RequeueWaiting hands to runners, or enqueues again, every delivery not
// processed, and every delivery with replies not sent, that has waited
// longer than the sweep age, and returns how many. The periodic inbox sweep
// (SweepArgs) runs it. Keys' locks and River's unique jobs make this
// harmless for deliveries whose runner or job is only slow.
func (s *Service) RequeueWaiting(ctx context.Context) (int, error) {
	return s.requeue(ctx, s.now().Add(-s.sweepAge))
}

// RequeueAllWaiting is RequeueWaiting whatever the deliveries' age: for a
// process starting on a database no other instance uses (SQLite), where
// everything left waiting was left by a process that is gone.
func (s *Service) RequeueAllWaiting(ctx context.Context) (int, error) {
	return s.requeue(ctx, s.now().Add(time.Second))
}

func (s *Service) requeue(ctx context.Context, before time.Time) (int, error) {
	pending, err := s.store.PendingDeliveries(ctx, 1000)
	if err != nil {
		return 0, fmt.Errorf("sweeping the inbox: %w", err)
	}
	var found []recorded
	for _, d := range pending {
		if d.ReceivedAt.Before(before) {
			found = append(found, recorded{id: d.ID, key: d.Key})
		}
	}
	unsent, err := s.store.StaleOutbox(ctx, before, 1000)
	if err != nil {
		return 0, fmt.Errorf("sweeping the outbox: %w", err)
	}
	for _, id := range unsent {
		if !slices.ContainsFunc(found, func(r recorded) bool { return r.id == id }) {
			// A runner's round of a delivery sends what it owes under
			// every key; the key here only groups rounds.
			found = append(found, recorded{id: id, key: "outbox:" + id, owed: true})
		}
	}
	if len(found) == 0 {
		return 0, nil
	}
	// Runners first: a job of a killed instance may still count as
	// running, which keeps River from enqueueing its delivery again until
	// the stuck job is rescued (up to a minute); a runner takes the key's
	// lock and does the work now. Whatever no runner can take is enqueued.
	ids := s.runners.dispatch(found)
	inserted := 0
	if len(ids) > 0 {
		if inserted, err = s.queue.Enqueue(ctx, ids...); err != nil {
			return 0, err
		}
	}
	taken := len(found) - len(ids) + inserted
	s.metrics.swept.Add(float64(taken))
	s.log.InfoContext(ctx, "delivery: sweep found waiting deliveries", "waiting", len(found),
		"to_runners", len(found)-len(ids), "enqueued", inserted)
	return taken, nil
}
