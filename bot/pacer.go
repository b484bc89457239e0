package bot

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"
)

// Limits keeps the pace of the bot's calls to Slack: at most a short burst
// of posts to a channel, then one a second, as Slack asks; and no call of a
// method in a workspace until a 429's Retry-After has passed. The database
// (storage.DB) keeps them for every instance at once; without one, a
// process keeps its own.
type Limits interface {
	// TakeSlot books a call of scope in team if its pace allows one now,
	// returning zero; otherwise it books nothing and returns how long
	// until one may go.
	TakeSlot(ctx context.Context, team, scope string, now time.Time, interval time.Duration, burst int) (time.Duration, error)
	// Hold keeps every call of scope in team back until the given time.
	Hold(ctx context.Context, team, scope string, until time.Time) error
	// HeldUntil returns until when scope in team is held back.
	HeldUntil(ctx context.Context, team, scope string) (time.Time, error)
}

// postBurst is how many posts may go to one channel at once before the
// one-a-second pace applies: a reflection's root post and its first
// question go out together.
const postBurst = 3

// paceScope and methodScope name what a limit applies to. Channel ids are
// unique across workspaces, so a channel's pace is kept under no team.
func paceScope(channel string) string  { return "channel:" + channel }
func methodScope(method string) string { return "method:" + method }

// teamOf is the workspace an outbox key belongs to: keys begin with the
// team id, except those of scheduled steps, which span teams.
func teamOf(key string) string {
	team, _, _ := strings.Cut(key, "/")
	if team == "scheduled" {
		return ""
	}
	return team
}

// memLimits keeps limits in one process.
type memLimits struct {
	mu   sync.Mutex
	next map[[2]string]time.Time
}

func newMemLimits() *memLimits { return &memLimits{next: map[[2]string]time.Time{}} }

func (m *memLimits) TakeSlot(_ context.Context, team, scope string, now time.Time, interval time.Duration, burst int) (time.Duration, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	k := [2]string{team, scope}
	allowance := time.Duration(max(burst-1, 0)) * interval
	next := m.next[k]
	if ahead := next.Sub(now); ahead > allowance {
		return ahead - allowance, nil
	}
	if next.Before(now) {
		next = now
	}
	m.next[k] = next.Add(interval)
	if len(m.next) > 10_000 {
		for k, at := range m.next {
			if at.Before(now) {
				delete(m.next, k)
			}
		}
	}
	return 0, nil
}

func (m *memLimits) Hold(_ context.Context, team, scope string, until time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	k := [2]string{team, scope}
	if until.After(m.next[k]) {
		m.next[k] = until
	}
	return nil
}

func (m *memLimits) HeldUntil(_ context.Context, team, scope string) (time.Time, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.next[[2]string{team, scope}], nil
}

// held returns a *retryLater when calls of method in team are held back
// after a 429, anywhere: the job waits it out without holding a worker.
func (s *Slack) held(ctx context.Context, team, method string) error {
	until, err := s.limits.HeldUntil(ctx, team, methodScope(method))
	if err != nil {
		return fmt.Errorf("reading Slack's rate limits: %w", err)
	}
	if wait := until.Sub(s.now()); wait > 0 {
		s.metrics.rateWaits.WithLabelValues("rate_limited").Inc()
		return &retryLater{wait: wait, err: fmt.Errorf("%s held back by an earlier 429", method)}
	}
	return nil
}

// paced books the channel's next post, or returns a *retryLater for when
// its slot opens: the job is snoozed rather than a worker held, so a busy
// channel never delays a quiet one.
func (s *Slack) paced(ctx context.Context, channel string) error {
	if s.interval <= 0 {
		return nil
	}
	wait, err := s.limits.TakeSlot(ctx, "", paceScope(channel), s.now(), s.interval, postBurst)
	if err != nil {
		return fmt.Errorf("booking a post: %w", err)
	}
	if wait > 0 {
		s.metrics.rateWaits.WithLabelValues("pace").Inc()
		s.metrics.waited.Add(wait.Seconds())
		return &retryLater{wait: wait, err: fmt.Errorf("channel's next post is due in %s", wait)}
	}
	return nil
}
