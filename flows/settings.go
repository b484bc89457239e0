package flows

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Settings is what /reflect settings shows a person: their own discipline
// and, when they may change it, the team's weekly digest.
type Settings struct {
	Discipline string
	// MayChangeTeam is true for the team's leads and workspace admins.
	MayChangeTeam bool
	Team          Team
	// Facilitators are the team's chosen facilitators (not those of
	// WHATMATTERS_FACILITATORS), for those who may change them.
	Facilitators []string
}

// SettingsFor reads the actor's settings without changing anything: a
// person the bot has not met yet has none, and a team not yet known has
// the defaults.
func (e *Engine) SettingsFor(ctx context.Context, a Actor) (Settings, error) {
	return e.settingsOn(e.store).of(ctx, a)
}

// of is SettingsFor, the settings part's own.
func (se *settings) of(ctx context.Context, a Actor) (Settings, error) {
	var s Settings
	m, err := se.st.GetMember(ctx, a.TeamID, a.UserID)
	switch {
	case errors.Is(err, ErrNotFound):
		m = Member{TeamID: a.TeamID, UserID: a.UserID}
	case err != nil:
		return Settings{}, fmt.Errorf("loading member: %w", err)
	}
	s.Discipline = m.Discipline
	s.MayChangeTeam = se.mayChangeSettings(a, m)
	t, err := se.st.GetTeam(ctx, a.TeamID)
	switch {
	case errors.Is(err, ErrNotFound):
		t = Team{ID: a.TeamID, Timezone: se.tz, DigestDay: time.Monday, DigestHour: 9}
	case err != nil:
		return Settings{}, fmt.Errorf("loading team: %w", err)
	}
	s.Team = t
	if s.MayChangeTeam {
		if s.Facilitators, err = se.facilitatorsOf(ctx, a.TeamID); err != nil {
			return Settings{}, err
		}
	}
	return s, nil
}

// SetFacilitators makes the team's chosen facilitators exactly users,
// from the settings form: each one added or removed is recorded in the
// audit log and confirmed in a direct message. Only leads and admins may.
func (e *Engine) SetFacilitators(ctx context.Context, a Actor, users []string) ([]Reply, error) {
	if ok, err := e.settingsOn(e.store).mayChangeTeam(ctx, a); err != nil {
		return nil, err
	} else if !ok {
		// One refusal for the whole list, not one per person.
		return []Reply{facilitatorsRefused(a, "")}, nil
	}
	current, err := e.ListFacilitators(ctx, a.TeamID)
	if err != nil {
		return nil, err
	}
	want := map[string]bool{}
	for _, u := range users {
		if u = strings.TrimSpace(u); u != "" {
			want[u] = true
		}
	}
	var out []Reply
	change := func(u string, on bool) error {
		rs, err := e.ChangeFacilitator(ctx, a, "", u, on)
		out = append(out, rs...)
		return err
	}
	for _, u := range current {
		if !want[u] {
			if err := change(u, false); err != nil {
				return out, err
			}
		}
		delete(want, u)
	}
	added := make([]string, 0, len(want))
	for u := range want {
		added = append(added, u)
	}
	slices.Sort(added)
	for _, u := range added {
		if err := change(u, true); err != nil {
			return out, err
		}
	}
	return out, nil
}

// DigestSchedule is when and where the weekly digest goes out; an empty
// Channel means no weekly digest.
type DigestSchedule struct {
	Channel string
	Day     time.Weekday
	Hour    int
}

// SetDigestSchedule sets the team's weekly digest from the settings form.
// Only leads and admins may; anyone else is refused and nothing changes. A
// schedule the same as the team's changes nothing and records nothing. The
// replies are direct messages, since a form has no channel of its own.
func (e *Engine) SetDigestSchedule(ctx context.Context, a Actor, ds DigestSchedule) ([]Reply, error) {
	if ds.Day < time.Sunday || ds.Day > time.Saturday || ds.Hour < 0 || ds.Hour > 23 {
		return nil, fmt.Errorf("%w: a digest goes out on a day of the week at an hour from 0 to 23", ErrInvalid)
	}
	c := Command{Actor: a}
	replies, err := e.changeTeamSettings(ctx, c, func(team *Team) ([]Reply, string) {
		if ds.Channel == "" {
			if team.DigestChannel == "" {
				return nil, ""
			}
			team.DigestChannel = ""
			return []Reply{direct(a.UserID, "The weekly digest is off.",
				"Turn it on again in /reflect settings or with /reflect digest every DAY HH:00 in a channel; /reflect digest still shows it to you on demand.")}, "digest off"
		}
		if team.DigestChannel == ds.Channel && team.DigestDay == ds.Day && team.DigestHour == ds.Hour {
			return nil, ""
		}
		team.DigestChannel, team.DigestDay, team.DigestHour = ds.Channel, ds.Day, ds.Hour
		r := direct(a.UserID, "The weekly digest is set.", e.digestWhen(*team))
		r.Parts = append(r.Parts, Part{Label: "Posted in", Channels: []string{ds.Channel}})
		return []Reply{r},
			fmt.Sprintf("digest every %s %02d:00 in %s", ds.Day, ds.Hour, ds.Channel)
	})
	// A refusal is a notice for the command's channel, which a form has
	// not: say it directly instead.
	for i, r := range replies {
		if r.Kind == Notice && r.Channel == "" {
			replies[i].Kind, replies[i].Channel = Direct, ""
		}
	}
	return replies, err
}

// digestWhen says when and where a team's weekly digest goes out.
func (k *kernel) digestWhen(team Team) string {
	loc := k.location(team)
	next, _ := NextWeekly(loc, team.DigestDay, fmt.Sprintf("%02d:00", team.DigestHour), k.clock())
	return fmt.Sprintf("Every %s at %02d:00 (%s), covering the week before. The next one is on %s.",
		team.DigestDay, team.DigestHour, loc, next.In(loc).Format("Monday 2 January"))
}

// showSettings answers /reflect settings where no form can open (the
// console): the person's settings and how to change them.
func (e *Engine) showSettings(ctx context.Context, c Command) ([]Reply, error) {
	s, err := e.SettingsFor(ctx, c.Actor)
	if err != nil {
		return nil, err
	}
	var b strings.Builder
	var parts []Part
	if s.Discipline == "" {
		b.WriteString("Your discipline: not set yet (/reflect discipline NAME sets it).")
	} else {
		fmt.Fprintf(&b, "Your discipline: %s (/reflect discipline NAME changes it).", s.Discipline)
	}
	if s.MayChangeTeam {
		fmt.Fprintf(&b, "\nTeam timezone: %s (/reflect timezone ZONE).", e.location(s.Team))
		if s.Team.DigestChannel == "" {
			b.WriteString("\nWeekly digest: off (/reflect digest every DAY HH:00 in a channel turns it on there).")
		} else {
			fmt.Fprintf(&b, "\nWeekly digest: every %s at %02d:00 (/reflect digest every DAY HH:00 in a channel moves it there; /reflect digest off stops it).",
				s.Team.DigestDay, s.Team.DigestHour)
			parts = append(parts, Part{Label: "Digest posted in", Channels: []string{s.Team.DigestChannel}})
		}
	}
	r := notice(c.Channel, c.UserID, "Your settings", b.String())
	r.Parts = append(r.Parts, parts...)
	return []Reply{r}, nil
}

func direct(user, title, text string) Reply {
	r := Reply{Kind: Direct, User: user, Title: title}
	if text != "" {
		r.Parts = []Part{{Text: text}}
	}
	return r
}
