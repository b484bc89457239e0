package bot

import (
	"context"
	"slices"
	"strings"
	"sync"
	"time"

	"whatmatters/flows"
)

// adminTTL is how long what Slack said about a person is remembered, so a
// burst of commands costs one users.info call.
const adminTTL = 5 * time.Minute

// admins remembers what Slack said about people: who is a workspace admin
// or owner, and of which workspace and organisation (seen), and who is a
// member of a channel they chose (members, see members.go).
type admins struct {
	mu      sync.Mutex
	seen    map[string]adminEntry
	members map[string]memberEntry
}

type adminEntry struct {
	admin bool
	// team is the person's own workspace (users.info team_id), org their
	// organisation (enterprise_user.enterprise_id) and teams the
	// organisation's workspaces they belong to.
	team     string
	org      string
	teams    []string
	stranger bool
	at       time.Time
}

// actor is the person behind a command or interaction: Admin as Slack says
// (users.info), and External when they belong to another organisation
// than the installation's. userTeam is the person's own workspace as the
// payload gives it (user.team_id), "" when it gives none. The engine
// decides what these allow (flows/access.go): an external person's admin
// standing at home counts for nothing here.
//
// If Slack can't say who the person is, they count as not admin and as
// external: that only ever refuses something a lead of the team can do
// instead, and hides nothing they took part in from them.
func (s *Slack) actor(ctx context.Context, installation, userID, userTeam string) flows.Actor {
	a := flows.Actor{TeamID: installation, UserID: userID, HomeTeam: homeTeam(userTeam, installation)}
	e, ok := s.person(ctx, installation, userID)
	if !ok {
		a.External = true
		return a
	}
	a.Admin = e.admin
	a.External = outsider(installation, userTeam, e)
	if a.HomeTeam == "" && a.External && e.team != "" && !isOrg(installation) {
		a.HomeTeam = e.team
	}
	return a
}

// person is what users.info says of a person, remembered for adminTTL; ok
// is false when Slack could not say (nothing is remembered then).
func (s *Slack) person(ctx context.Context, installation, userID string) (adminEntry, bool) {
	key := installation + "/" + userID
	now := s.now()
	s.admins.mu.Lock()
	e, ok := s.admins.seen[key]
	s.admins.mu.Unlock()
	if ok && now.Sub(e.at) < adminTTL {
		return e, true
	}
	u, err := s.api.GetUserInfoContext(ctx, userID)
	if err != nil {
		s.log.WarnContext(ctx, "slack: could not look up a person's workspace and admin standing", "user", userID, "err", err)
		return adminEntry{}, false
	}
	e = adminEntry{admin: u.IsAdmin || u.IsOwner || u.IsPrimaryOwner, team: u.TeamID, org: u.Enterprise.EnterpriseID,
		teams: slices.Clone(u.Enterprise.Teams), stranger: u.IsStranger, at: now}
	s.admins.mu.Lock()
	if s.admins.seen == nil {
		s.admins.seen = map[string]adminEntry{}
	}
	s.admins.seen[key] = e
	s.admins.mu.Unlock()
	return e, true
}

// isOrg reports whether an installation is an organisation's (an
// Enterprise Grid org-wide install, E…) rather than a workspace's (T…).
func isOrg(installation string) bool { return strings.HasPrefix(installation, "E") }

// outsideByPayload reports whether a payload's user.team_id (or an event's
// user_team) names another workspace than a workspace installation: Slack
// Connect. For an organisation's installation a workspace id says nothing,
// since every workspace of the organisation is its own.
func outsideByPayload(installation, userTeam string) bool {
	return !isOrg(installation) && userTeam != "" && userTeam != installation
}

// outsider reports whether a person belongs to another organisation than
// the installation's, from the payload's user team and what users.info
// said: a stranger, a workspace other than the installation's (unless the
// person belongs to it too), or, for an organisation's installation,
// another organisation.
func outsider(installation, userTeam string, e adminEntry) bool {
	switch {
	case outsideByPayload(installation, userTeam), e.stranger:
		return true
	case isOrg(installation):
		return e.org != installation
	case e.team == "" || e.team == installation:
		return false
	}
	return !slices.Contains(e.teams, installation)
}
