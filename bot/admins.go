package bot

import (
	"context"
	"sync"
	"time"

	"whatmatters/flows"
)

// adminTTL is how long a person's admin standing is remembered, so a burst
// of commands costs one users.info call.
const adminTTL = 5 * time.Minute

// admins remembers who is a workspace admin or owner.
type admins struct {
	mu   sync.Mutex
	seen map[string]adminEntry
}

type adminEntry struct {
	admin bool
	at    time.Time
}

// actor is the person behind a command or interaction, with Admin set for
// workspace admins and owners (who may change team settings). If Slack
// can't say, they count as not admin: that only ever refuses a settings
// change, which a lead can make instead.
func (s *Slack) actor(ctx context.Context, teamID, userID string) flows.Actor {
	a := flows.Actor{TeamID: teamID, UserID: userID}
	key := teamID + "/" + userID
	now := s.now()
	s.admins.mu.Lock()
	e, ok := s.admins.seen[key]
	s.admins.mu.Unlock()
	if ok && now.Sub(e.at) < adminTTL {
		a.Admin = e.admin
		return a
	}
	u, err := s.api.GetUserInfoContext(ctx, userID)
	if err != nil {
		s.log.WarnContext(ctx, "slack: could not look up whether a person is an admin", "user", userID, "err", err)
		return a
	}
	a.Admin = u.IsAdmin || u.IsOwner || u.IsPrimaryOwner
	s.admins.mu.Lock()
	if s.admins.seen == nil {
		s.admins.seen = map[string]adminEntry{}
	}
	s.admins.seen[key] = adminEntry{admin: a.Admin, at: now}
	s.admins.mu.Unlock()
	return a
}
