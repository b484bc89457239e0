package bot

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"whatmatters/flows"
	"whatmatters/inbox"
)

// homeOf turns the engine's Home into what the Home tab shows. Dates are
// shown as the UTC day; the tab is only published, never read back.
func homeOf(h flows.Home, now time.Time) Home {
	out := Home{UserID: h.UserID, Discipline: h.Discipline, CheckInSnoozed: h.SnoozedUntil.After(now),
		DigestHeadline: h.DigestHeadline, External: h.External}
	if len(h.DigestThemes) > 0 {
		out.DigestHeadline += "\nRecurring: " + strings.Join(h.DigestThemes, "; ")
	}
	if h.AwayUntil.After(now) {
		out.AwayUntil = h.AwayUntil.UTC().Format("Monday 2 January 2006")
	}
	for _, r := range h.Recent {
		out.Recent = append(out.Recent, HomeReflection{ID: r.ID, Title: r.Title, Status: string(r.Status), When: r.When, Channel: r.Channel})
	}
	for _, c := range h.Cases {
		out.Cases = append(out.Cases, HomeCase{Label: c.Label, LastReflected: c.LastReflected, Count: c.Reflections})
	}
	return out
}

// withActions adds the person's agreed actions to their Home tab.
func withActions(h Home, items []flows.ActionItem) Home {
	for _, a := range items {
		h.Actions = append(h.Actions, HomeAction{ID: a.ID, Text: a.Text, Due: a.Due, Done: !a.DoneAt.IsZero(),
			Session: a.Session, Channel: a.Channel})
	}
	return h
}

// homeCall is the views.publish of one person's Home tab; who they are
// (of the installation's organisation or another) decides what it lists.
func (s *Slack) homeCall(ctx context.Context, eng *flows.Engine, a flows.Actor) (call, error) {
	h, err := eng.Home(ctx, a)
	if err != nil {
		return call{}, fmt.Errorf("gathering the Home tab: %w", err)
	}
	view, err := json.Marshal(HomeView(withActions(homeOf(h, s.now()), h.Actions)))
	if err != nil {
		return call{}, fmt.Errorf("encoding the Home tab: %w", err)
	}
	return call{Op: opPublish, User: a.UserID, View: view}, nil
}

// warmHome asks Slack, before the transaction of a delivery that publishes
// a person's Home tab, which of the team's channels are private, so that
// the engine, which lists only what public channels hold there, finds the
// answers in the cache rather than calling Slack while it holds the
// database.
func (s *Slack) warmHome(ctx context.Context, d inbox.Delivery) {
	if !isUserKey(d.Key) {
		return // only a Home tab opened, or a change made from it or a form, is keyed on the person
	}
	var p struct {
		TeamID string `json:"team_id"`
	}
	if err := json.Unmarshal(d.Payload, &p); err != nil || p.TeamID == "" {
		return
	}
	channels := map[string]bool{}
	rs, err := s.store.ListReflections(ctx, p.TeamID)
	if err != nil {
		s.log.WarnContext(ctx, "slack: could not list channels to check their privacy", "err", err)
		return
	}
	for _, r := range rs {
		channels[r.Channel] = true
	}
	ss, err := s.store.ListSessions(ctx, p.TeamID)
	if err != nil {
		s.log.WarnContext(ctx, "slack: could not list channels to check their privacy", "err", err)
		return
	}
	for _, x := range ss {
		channels[x.Channel] = true
	}
	for ch := range channels {
		if _, err := s.ChannelPrivate(ctx, p.TeamID, ch); err != nil {
			s.log.WarnContext(ctx, "slack: channel privacy unknown", "channel", ch, "err", err)
		}
	}
}
