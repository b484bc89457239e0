package flows

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// casesShown lists the team's cases as they may be shown where shows
// allows (access.go): only cases reflected on, or discussed in a learning
// session, in a conversation shows admits, with how often and when last
// they were reflected on there. A case known only in other conversations
// is not named. The order is the team's: oldest case first. It reads
// across two parts: the sessions part says which cases were discussed
// where shows admits, the reflections' lists (reflectionLists) list the
// cases.
func (e *Engine) casesShown(ctx context.Context, s Store, teamID string, shows func(channel string) bool) ([]HomeCase, error) {
	discussed, err := e.sessionsOn(s).casesDiscussed(ctx, teamID, shows)
	if err != nil {
		return nil, err
	}
	return e.listsOn(s).casesShown(ctx, teamID, shows, discussed)
}

// casesDiscussed is the pseudonyms (foldLabel) of the cases reviewed in
// learning sessions in the conversations shows admits.
func (ses *sessions) casesDiscussed(ctx context.Context, teamID string, shows func(channel string) bool) (map[string]bool, error) {
	sessions, err := ses.st.ListSessions(ctx, teamID)
	if err != nil {
		return nil, fmt.Errorf("listing sessions: %w", err)
	}
	discussed := map[string]bool{}
	for _, x := range sessions {
		if tpl, ok := ses.templates.Get(x.Template); !ok || !tpl.NeedsCase || !shows(x.Channel) {
			continue
		}
		discussed[foldLabel(x.Subject)] = true
	}
	return discussed, nil
}

// casesShown is casesShown, the reflections' lists' own: discussed holds
// the cases discussed in sessions where shows admits.
func (rl *reflectionLists) casesShown(ctx context.Context, teamID string, shows func(channel string) bool, discussed map[string]bool) ([]HomeCase, error) {
	cases, err := rl.st.ListCases(ctx, teamID)
	if err != nil {
		return nil, fmt.Errorf("listing cases: %w", err)
	}
	reflections, err := rl.st.ListReflections(ctx, teamID)
	if err != nil {
		return nil, fmt.Errorf("listing reflections: %w", err)
	}
	type seen struct {
		HomeCase
		here bool
	}
	byID := map[int64]*seen{}
	out := make([]*seen, len(cases))
	for i, c := range cases {
		out[i] = &seen{HomeCase: HomeCase{Label: c.Label}, here: discussed[foldLabel(c.Label)]}
		byID[c.ID] = out[i]
	}
	for _, r := range reflections {
		c := byID[r.CaseID]
		if c == nil || !shows(r.Channel) {
			continue
		}
		c.here = true
		c.Reflections++
		if r.CreatedAt.After(c.LastReflected) {
			c.LastReflected = r.CreatedAt
		}
	}
	var shown []HomeCase
	for _, c := range out {
		if c.here {
			shown = append(shown, c.HomeCase)
		}
	}
	return slices.Clip(shown), nil
}

// foldLabel is a pseudonym as cases are told apart: ignoring letter case.
func foldLabel(label string) string { return strings.ToLower(strings.TrimSpace(label)) }
