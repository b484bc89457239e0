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
// is not named. The order is the team's: oldest case first.
func (e *Engine) casesShown(ctx context.Context, s Store, teamID string, shows func(channel string) bool) ([]HomeCase, error) {
	cases, err := s.ListCases(ctx, teamID)
	if err != nil {
		return nil, fmt.Errorf("listing cases: %w", err)
	}
	reflections, err := s.ListReflections(ctx, teamID)
	if err != nil {
		return nil, fmt.Errorf("listing reflections: %w", err)
	}
	sessions, err := s.ListSessions(ctx, teamID)
	if err != nil {
		return nil, fmt.Errorf("listing sessions: %w", err)
	}
	type seen struct {
		HomeCase
		here bool
	}
	byID := map[int64]*seen{}
	byLabel := map[string]*seen{}
	out := make([]*seen, len(cases))
	for i, c := range cases {
		out[i] = &seen{HomeCase: HomeCase{Label: c.Label}}
		byID[c.ID] = out[i]
		byLabel[foldLabel(c.Label)] = out[i]
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
	for _, x := range sessions {
		if tpl, ok := e.templates.Get(x.Template); !ok || !tpl.NeedsCase || !shows(x.Channel) {
			continue
		}
		if c := byLabel[foldLabel(x.Subject)]; c != nil {
			c.here = true
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
