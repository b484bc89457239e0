package delivery

import (
	"context"
	"sync"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"whatmatters/flows"
)

// DigestsArgs is the periodic job that posts the weekly digests that are
// due, in every team that has one.
type DigestsArgs struct{}

// Kind names the job in River's tables.
func (DigestsArgs) Kind() string { return "digests_due" }

type digestsWorker struct {
	river.WorkerDefaults[DigestsArgs]
	s *Service
}

// Work posts the digests that are due. The engine records each under a
// key for its team and week, so two instances (or a retried job) post one.
func (w *digestsWorker) Work(ctx context.Context, _ *river.Job[DigestsArgs]) error {
	// Built outside the transaction: reading, drawing and asking the platform
	// which channels are private must not hold the database's lock.
	due, err := w.s.engineOn(w.s.store).DueDigests(ctx)
	if err != nil || len(due) == 0 {
		return err
	}
	return w.s.Scheduled(ctx, "digests", func(ctx context.Context, e *flows.Engine) ([]flows.Reply, error) {
		return e.OweDigests(ctx, due)
	})
}

// Coding makes answers' codes against the codebook; themes.Coding
// implements it. The adapter owns this interface so that it needs nothing
// of themes.
type Coding interface {
	// Pending returns the ids of up to limit answers whose codes are
	// missing or stale.
	Pending(ctx context.Context, limit int) ([]int64, error)
	// CodeAnswer codes one answer and stores its codes; lastAttempt lets a
	// failing model give way to the offline coder.
	CodeAnswer(ctx context.Context, id int64, lastAttempt bool) error
	// RetryAfter says how long an error of CodeAnswer asks to wait.
	RetryAfter(err error) (time.Duration, bool)
	// Local reports whether coding needs nothing outside the process (the
	// offline coder): then the pending answers are coded by one job,
	// CodeAll, rather than a job each.
	Local() bool
	// CodeAll codes every pending answer now and returns how many.
	CodeAll(ctx context.Context) (int, error)
}

// CodesDueArgs is the job that enqueues the coding of every answer whose
// codes are missing or stale: periodic, and enqueued after each delivery.
type CodesDueArgs struct{}

// Kind names the job in River's tables.
func (CodesDueArgs) Kind() string { return "codes_due" }

// InsertOpts keeps one such job waiting or running at a time: many
// deliveries in a burst need one look for answers to code. (River insists
// a unique job counts the running state too; an answer saved while one
// runs is found by the next, periodic, look.)
func (CodesDueArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: []rivertype.JobState{
		rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning, rivertype.JobStateScheduled,
	}}}
}

// CodeAnswerArgs is the job that codes one answer with a model. A model
// that fails is retried by the job; within minutes the offline codes stand
// (see codeAnswerWorker).
type CodeAnswerArgs struct {
	AnswerID int64 `json:"answer_id"`
}

// Kind names the job in River's tables.
func (CodeAnswerArgs) Kind() string { return "code_answer" }

// ModelQueue is the River queue of the jobs that call a model: a queue of
// their own, with few workers (JobOptions.ModelWorkers), so a slow or hung
// model can never hold the workers that run deliveries, the sweep, session
// timers and posts.
const ModelQueue = "model"

// InsertOpts puts the job in ModelQueue, makes it unique per answer while
// it waits or retries, and bounds its attempts.
func (CodeAnswerArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: ModelQueue, MaxAttempts: codeAttempts, UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: []rivertype.JobState{
		rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning,
		rivertype.JobStateScheduled, rivertype.JobStateRetryable,
	}}}
}

// codeAttempts is how many times an answer's coding is tried, and
// modelGiveUpAfter how long after its first failure the next attempt is
// its last: whichever comes first, the offline codes then stand if the
// model fails again (or is still held back), so a model that keeps
// refusing or hanging gives way within minutes.
const (
	codeAttempts     = 5
	modelGiveUpAfter = 3 * time.Minute
)

// Defaults of JobOptions.ModelWorkers and ModelTimeout.
const (
	defaultModelWorkers = 2
	defaultModelTimeout = 20 * time.Second
)

type codesDueWorker struct {
	river.WorkerDefaults[CodesDueArgs]
	coding Coding
	// insert enqueues the coding jobs; set once the River client exists.
	insert func(ctx context.Context, ids []int64) error
}

// Work codes the answers to code, when that needs no model; otherwise it
// enqueues a coding job for each, to retry and time out the model's calls
// one answer at a time.
func (w *codesDueWorker) Work(ctx context.Context, _ *river.Job[CodesDueArgs]) error {
	if w.coding.Local() {
		_, err := w.coding.CodeAll(ctx)
		return err
	}
	ids, err := w.coding.Pending(ctx, 1000)
	if err != nil || len(ids) == 0 {
		return err
	}
	return w.insert(ctx, ids)
}

// codeAnswerWorker codes one answer with the model. Every failure counts as
// an attempt, a Retry-After (or the endpoint's pace holding calls back)
// included: the job is retried when the endpoint asked, or after a short
// backoff (5 s, doubling, at most a minute), but never later than
// modelGiveUpAfter after the answer's first failure. Its last attempt is
// the codeAttempts-th or the first one after that time: if the model fails
// (or is held back) then too, the offline codes stand. A model that keeps
// refusing with a Retry-After is therefore asked about each answer at most
// codeAttempts times and gives way within modelGiveUpAfter, never
// "never"; the pace (themes.Coding.Pace) keeps every instance from asking
// while it is held back.
type codeAnswerWorker struct {
	river.WorkerDefaults[CodeAnswerArgs]
	coding  Coding
	now     func() time.Time
	timeout time.Duration

	mu sync.Mutex
	// retryAt is when each failed job is to be tried again, from Work to
	// NextRetry (River calls them one after the other with the same job).
	retryAt map[int64]time.Time
}

// Timeout bounds one reading of an answer (JobOptions.ModelTimeout), kept
// short of the time after which a running job is taken for stuck.
func (w *codeAnswerWorker) Timeout(*river.Job[CodeAnswerArgs]) time.Duration { return w.timeout }

// Work codes the answer; on a failure it notes when to try again.
func (w *codeAnswerWorker) Work(ctx context.Context, job *river.Job[CodeAnswerArgs]) error {
	now := w.now()
	first := firstFailure(job.JobRow)
	last := job.Attempt >= job.MaxAttempts || (!first.IsZero() && now.Sub(first) >= modelGiveUpAfter)
	err := w.coding.CodeAnswer(ctx, job.Args.AnswerID, last)
	if err == nil {
		return nil
	}
	wait, _ := w.coding.RetryAfter(err)
	w.mu.Lock()
	if w.retryAt == nil || len(w.retryAt) > 10_000 {
		w.retryAt = map[int64]time.Time{}
	}
	w.retryAt[job.ID] = nextModelTry(now, job.Attempt, wait, first)
	w.mu.Unlock()
	return err
}

// NextRetry is the time Work noted for the job.
func (w *codeAnswerWorker) NextRetry(job *river.Job[CodeAnswerArgs]) time.Time {
	w.mu.Lock()
	defer w.mu.Unlock()
	at := w.retryAt[job.ID]
	delete(w.retryAt, job.ID)
	return at
}

// firstFailure is when the job's first failed attempt began, or zero.
func firstFailure(job *rivertype.JobRow) time.Time {
	if job == nil || len(job.Errors) == 0 {
		return time.Time{}
	}
	return job.Errors[0].At
}

// nextModelTry is when to try an answer again after its attempt-th attempt
// failed at now: after wait (the endpoint's Retry-After, or what is left of
// its hold), or else after a backoff of 5 s doubling to at most a minute;
// but no later than modelGiveUpAfter after the first failure (now, if this
// is it), and at least a second on.
func nextModelTry(now time.Time, attempt int, wait time.Duration, first time.Time) time.Time {
	if first.IsZero() {
		first = now
	}
	if wait <= 0 {
		wait = min(5*time.Second<<max(attempt-1, 0), time.Minute)
	}
	next := now.Add(wait)
	if deadline := first.Add(modelGiveUpAfter); next.After(deadline) {
		next = deadline
	}
	return later(next, now.Add(time.Second))
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// SessionsArgs is the periodic job that keeps learning sessions' time: the
// one-minute warnings, timed stages moving on, endings with their
// synthesis, and recurring sessions' reminders and openings. The times are
// in the database, so a restart loses none, and each is taken under a row
// lock, so several instances post each once.
type SessionsArgs struct{}

// Kind names the job in River's tables.
func (SessionsArgs) Kind() string { return "sessions_due" }

type sessionsWorker struct {
	river.WorkerDefaults[SessionsArgs]
	s *Service
}

// Work posts what the sessions' clocks say is due.
func (w *sessionsWorker) Work(ctx context.Context, _ *river.Job[SessionsArgs]) error {
	return w.s.Scheduled(ctx, "sessions", func(ctx context.Context, e *flows.Engine) ([]flows.Reply, error) {
		replies, _, err := e.SessionsDue(ctx)
		return replies, err
	})
}
