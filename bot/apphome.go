package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"whatmatters/flows"
)

// homeFor gathers what one person's Home tab shows from the store.
//
// This reads the store directly until the engine offers the Home itself;
// titles are the case's pseudonym, as the templates' names are the
// engine's to give.
func homeFor(ctx context.Context, st flows.Store, teamID, userID string) (Home, error) {
	h := Home{UserID: userID}
	m, err := st.GetMember(ctx, teamID, userID)
	switch {
	case err == nil:
		h.Discipline = m.Discipline
	case !errors.Is(err, flows.ErrNotFound):
		return Home{}, fmt.Errorf("loading member: %w", err)
	}
	reflections, err := st.ListReflections(ctx, teamID)
	if err != nil {
		return Home{}, fmt.Errorf("listing reflections: %w", err)
	}
	cases, err := st.ListCases(ctx, teamID)
	if err != nil {
		return Home{}, fmt.Errorf("listing cases: %w", err)
	}
	answers, err := st.ListTeamAnswers(ctx, teamID)
	if err != nil {
		return Home{}, fmt.Errorf("listing answers: %w", err)
	}
	contributed := map[int64]bool{}
	for _, a := range answers {
		if a.Author == userID {
			contributed[a.ReflectionID] = true
		}
	}
	labels := map[int64]string{}
	for _, c := range cases {
		labels[c.ID] = c.Label
	}
	perCase := map[int64]*HomeCase{}
	for i := len(reflections) - 1; i >= 0; i-- { // newest first
		r := reflections[i]
		if r.StartedBy == userID || contributed[r.ID] {
			title := labels[r.CaseID]
			if r.CaseID == 0 {
				title = "Check-in"
			}
			h.Recent = append(h.Recent, HomeReflection{ID: r.ID, Title: title, Status: string(r.Status), When: r.CreatedAt, Channel: r.Channel})
		}
		if r.CaseID != 0 {
			c := perCase[r.CaseID]
			if c == nil {
				c = &HomeCase{LastReflected: r.CreatedAt}
				perCase[r.CaseID] = c
			}
			c.Count++
		}
	}
	for _, c := range cases {
		hc := HomeCase{Label: c.Label}
		if pc := perCase[c.ID]; pc != nil {
			hc.Count, hc.LastReflected = pc.Count, pc.LastReflected
		}
		h.Cases = append(h.Cases, hc)
	}
	return h, nil
}

// homeCall is the views.publish of one person's Home tab.
func (s *Slack) homeCall(ctx context.Context, st flows.Store, teamID, userID string) (call, error) {
	h, err := homeFor(ctx, st, teamID, userID)
	if err != nil {
		return call{}, err
	}
	view, err := json.Marshal(HomeView(h))
	if err != nil {
		return call{}, fmt.Errorf("encoding the Home tab: %w", err)
	}
	return call{Op: opPublish, User: userID, View: view}, nil
}
