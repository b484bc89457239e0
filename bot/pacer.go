package bot

import (
	"context"
	"strings"

	"whatmatters/delivery"
)

// Limits keeps the pace of the bot's calls (delivery.Limits): at most a
// short burst of posts to a channel, then one a second, as Slack asks; no
// call of a method in a workspace until a 429's Retry-After has passed;
// and, while Slack fails a method, calls of it backed off.
type Limits = delivery.Limits

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

// held returns a *delivery.RetryLater when calls of method in team are
// held back, anywhere: after a 429, or while Slack fails the method and
// another call is the probe. The round waits it out without holding a
// worker.
func (s *Slack) held(ctx context.Context, team, method string) (delivery.Gate, error) {
	return s.pacer.Held(ctx, team, methodScope(method))
}

// answered records that a call of method went through.
func (s *Slack) answered(ctx context.Context, team, method string, g delivery.Gate) {
	s.pacer.Answered(ctx, team, methodScope(method), g)
}

// paced books the channel's next post, or returns a *delivery.RetryLater
// for when its slot opens.
func (s *Slack) paced(ctx context.Context, channel string) error {
	return s.pacer.Paced(ctx, "", paceScope(channel), s.interval, postBurst)
}

// pacedPost is paced for the post of outbox message outboxID, recording
// the attempt in the same commit when the limits can (marked).
func (s *Slack) pacedPost(ctx context.Context, channel string, outboxID int64) (marked bool, err error) {
	return s.pacer.PacedAttempt(ctx, "", paceScope(channel), s.interval, postBurst, outboxID)
}
