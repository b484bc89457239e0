package bot

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"github.com/slack-go/slack"

	"whatmatters/flows"
	"whatmatters/inbox"
)

// DigestsArgs is the periodic job that posts the weekly digests that are
// due, in every team that has one.
type DigestsArgs struct{}

// Kind names the job in River's tables.
func (DigestsArgs) Kind() string { return "digests_due" }

type digestsWorker struct {
	river.WorkerDefaults[DigestsArgs]
	s *Slack
}

// Work posts the digests that are due. The engine records each under a
// key for its team and week, so two instances (or a retried job) post one.
func (w *digestsWorker) Work(ctx context.Context, _ *river.Job[DigestsArgs]) error {
	// Built outside the transaction: reading, drawing and asking Slack
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

// CodeAnswerArgs is the job that codes one answer. A model that fails is
// retried by the job; on the last attempt the offline codes stand.
type CodeAnswerArgs struct {
	AnswerID int64 `json:"answer_id"`
}

// Kind names the job in River's tables.
func (CodeAnswerArgs) Kind() string { return "code_answer" }

// InsertOpts makes the job unique per answer while it waits or retries,
// and bounds its attempts: a model down for an hour leaves the offline
// codes in place rather than retrying for weeks.
func (CodeAnswerArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: codeAttempts, UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: []rivertype.JobState{
		rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning,
		rivertype.JobStateScheduled, rivertype.JobStateRetryable,
	}}}
}

// codeAttempts is how many times an answer's coding is tried.
const codeAttempts = 6

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

type codeAnswerWorker struct {
	river.WorkerDefaults[CodeAnswerArgs]
	coding Coding
}

// Work codes the answer; a model's 429 snoozes the job for its Retry-After.
// Timeout gives a model's reading of one answer 20 seconds, longer than
// other jobs' 15 and still short of the 25 after which a running job is
// taken for stuck and run again; a slower model is retried, then the
// offline codes stand.
func (w *codeAnswerWorker) Timeout(*river.Job[CodeAnswerArgs]) time.Duration { return 20 * time.Second }

func (w *codeAnswerWorker) Work(ctx context.Context, job *river.Job[CodeAnswerArgs]) error {
	err := w.coding.CodeAnswer(ctx, job.Args.AnswerID, job.Attempt >= job.MaxAttempts)
	if wait, ok := w.coding.RetryAfter(err); ok && err != nil {
		return river.JobSnooze(wait)
	}
	return err
}

// privacyCache remembers which channels are private: a digest asks about
// each channel its quotes came from, and channels rarely change.
type privacyCache struct {
	mu sync.Mutex
	m  map[string]privacyEntry
}

type privacyEntry struct {
	private bool
	at      time.Time
	ttl     time.Duration
}

// privacyTTL is how long a channel's privacy is remembered, and
// privacyFailedTTL how long a channel Slack would not describe is taken as
// private before asking again.
const (
	privacyTTL       = time.Hour
	privacyFailedTTL = time.Minute
)

// ChannelPrivate reports whether a channel is private (conversations.info).
// An error leaves the answer unknown; the engine then treats the channel
// as private.
func (s *Slack) ChannelPrivate(ctx context.Context, teamID, channel string) (bool, error) {
	key := teamID + "/" + channel
	s.privacy.mu.Lock()
	e, ok := s.privacy.m[key]
	s.privacy.mu.Unlock()
	if ok && s.now().Sub(e.at) < e.ttl {
		return e.private, nil
	}
	ch, err := s.api.GetConversationInfoContext(ctx, &slack.GetConversationInfoInput{ChannelID: channel})
	if err != nil {
		// Remembered briefly as private, so a digest built inside a
		// transaction does not ask Slack again for a channel it just
		// could not read.
		s.privacy.mu.Lock()
		if s.privacy.m == nil {
			s.privacy.m = map[string]privacyEntry{}
		}
		s.privacy.m[key] = privacyEntry{private: true, at: s.now(), ttl: privacyFailedTTL}
		s.privacy.mu.Unlock()
		return true, fmt.Errorf("conversations.info: %w", err)
	}
	private := ch.IsPrivate || ch.IsGroup || ch.IsIM || ch.IsMpIM
	s.privacy.mu.Lock()
	if s.privacy.m == nil {
		s.privacy.m = map[string]privacyEntry{}
	}
	s.privacy.m[key] = privacyEntry{private: private, at: s.now(), ttl: privacyTTL}
	s.privacy.mu.Unlock()
	return private, nil
}

// warmPrivacy asks Slack, before a /reflect digest command's transaction
// starts, whether each channel the team has reflected in is private, so
// that the digest built inside the transaction finds every answer in the
// cache and no database lock is held across a call to Slack.
func (s *Slack) warmPrivacy(ctx context.Context, d inbox.Delivery) {
	if d.Kind != kindCommand {
		return
	}
	var p commandPayload
	if err := json.Unmarshal(d.Payload, &p); err != nil {
		return
	}
	word, _, _ := strings.Cut(strings.TrimSpace(p.Text), " ")
	if !strings.EqualFold(word, "digest") {
		return
	}
	rs, err := s.store.ListReflections(ctx, p.TeamID)
	if err != nil {
		s.log.WarnContext(ctx, "slack: could not list channels to check their privacy", "err", err)
		return
	}
	seen := map[string]bool{p.ChannelID: true}
	for _, r := range rs {
		if seen[r.Channel] {
			continue
		}
		seen[r.Channel] = true
		if _, err := s.ChannelPrivate(ctx, p.TeamID, r.Channel); err != nil {
			// Not cached: the engine will ask again, and treat the
			// channel as private if Slack still cannot say.
			s.log.WarnContext(ctx, "slack: channel privacy unknown", "channel", r.Channel, "err", err)
		}
	}
}
