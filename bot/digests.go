package bot

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/slack-go/slack"

	"whatmatters/inbox"
)

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
