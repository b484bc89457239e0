package flows

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"whatmatters/prompts"
)

// maxMentions caps how many people one check-in mentions.
const maxMentions = 40

// lateCheckIn is how late a scheduled check-in may still be posted (after
// downtime, say); later than this it is skipped until next week rather than
// arriving at an odd hour.
const lateCheckIn = 6 * time.Hour

// CheckInsDue posts the weekly check-in of every team whose time has come
// and that has not had it yet, closing the previous week's check-in with
// its summary. Each team's check-in is decided under a lock on the team, so
// several instances running this at once post it once. It returns the posts
// to make.
func (e *Engine) CheckInsDue(ctx context.Context) ([]Reply, error) {
	teams, err := e.checkInsOn(e.store).checkInTeams(ctx)
	if err != nil {
		return nil, err
	}
	var replies []Reply
	for _, listed := range teams {
		err := e.store.InTx(ctx, func(s Store) error {
			more, err := e.checkInTeam(ctx, s, listed.ID)
			replies = append(replies, more...)
			return err
		})
		if err != nil {
			return replies, fmt.Errorf("check-in for team %s: %w", listed.ID, err)
		}
	}
	return replies, nil
}

// checkInTeam posts one team's check-in in s, its transaction, when it is
// due: the check-ins part decides and posts it; the reflections part
// closes, with their summaries, the team's earlier scheduled check-ins
// still open.
func (e *Engine) checkInTeam(ctx context.Context, s Store, teamID string) ([]Reply, error) {
	ci, rf := e.checkInsOn(s), e.reflectionsOn(s)
	team, now, due, ok, err := ci.dueNow(ctx, teamID)
	if err != nil || !ok {
		return nil, err
	}
	open, err := ci.stillOpen(ctx, team)
	if err != nil {
		return nil, err
	}
	var replies []Reply
	for _, id := range open {
		more, err := rf.closeCheckIn(ctx, id)
		if err != nil {
			return nil, err
		}
		replies = append(replies, more...)
	}
	root, err := ci.post(ctx, team, now, due)
	if err != nil {
		return nil, err
	}
	return append(replies, root), nil
}

// checkInTeams lists the teams with a weekly check-in.
func (ci *checkIns) checkInTeams(ctx context.Context) ([]Team, error) {
	teams, err := ci.st.ListTeams(ctx)
	if err != nil {
		return nil, fmt.Errorf("listing teams: %w", err)
	}
	return slices.DeleteFunc(teams, func(t Team) bool { return t.CheckInChannel == "" }), nil
}

// dueNow reads the team, locked, and reports whether its check-in is to
// be posted now (at now, due when it was due): if this week's is not
// posted yet, its time is recorded, and it is posted unless too late.
func (ci *checkIns) dueNow(ctx context.Context, teamID string) (team Team, now, due time.Time, ok bool, err error) {
	team, err = ci.st.GetTeam(ctx, teamID)
	if err != nil {
		return team, now, due, false, fmt.Errorf("loading team: %w", err)
	}
	if team.CheckInChannel == "" {
		return team, now, due, false, nil
	}
	now = ci.clock()
	due, err = PrevWeekly(ci.location(team), team.CheckInDay, team.CheckInTime, now)
	if err != nil {
		ci.log.Warn("team has an unreadable check-in time", "team", team.ID)
		return team, now, due, false, nil
	}
	if !team.LastCheckInAt.Before(due) {
		return team, now, due, false, nil // this week's is posted already
	}
	team.LastCheckInAt = now
	if err := ci.st.UpdateTeam(ctx, team); err != nil {
		return team, now, due, false, fmt.Errorf("saving check-in time: %w", err)
	}
	if now.Sub(due) > lateCheckIn {
		ci.log.Info("skipped a late check-in", "team", team.ID, "due", due)
		return team, now, due, false, nil
	}
	return team, now, due, true, nil
}

// stillOpen lists the team's earlier scheduled check-ins still in
// progress, for the reflections part to close.
func (ci *checkIns) stillOpen(ctx context.Context, team Team) ([]int64, error) {
	rs, err := ci.st.ListReflections(ctx, team.ID)
	if err != nil {
		return nil, fmt.Errorf("listing reflections: %w", err)
	}
	var ids []int64
	for _, r := range rs {
		if r.StartedBy != "" || r.Template != "check_in" || r.Status != StatusInProgress {
			continue
		}
		ids = append(ids, r.ID)
	}
	return ids, nil
}

// post makes the team's check-in, made at now, and returns its post,
// mentioning the members not away or snoozed when it was due.
func (ci *checkIns) post(ctx context.Context, team Team, now, due time.Time) (Reply, error) {
	tpl, err := ci.template("check_in")
	if err != nil {
		return Reply{}, err
	}
	r, err := ci.st.CreateReflection(ctx, Reflection{
		TeamID: team.ID, Template: tpl.Key, Status: StatusInProgress, Channel: team.CheckInChannel,
		Stage: tpl.Stages[0].Key, CreatedAt: now, UpdatedAt: now, LastActivityAt: now,
	})
	if err != nil {
		return Reply{}, fmt.Errorf("creating check-in: %w", err)
	}
	members, err := ci.st.ListMembers(ctx, team.ID)
	if err != nil {
		return Reply{}, fmt.Errorf("listing members: %w", err)
	}
	var mention []string
	for _, m := range members {
		// Compared with the time the check-in was due, not now: a check-in
		// posted late still respects a snooze for that week.
		if m.AwayUntil.After(due) || m.SnoozedUntil.After(due) || len(mention) == maxMentions {
			continue
		}
		mention = append(mention, m.UserID)
	}
	root := Reply{Kind: Post, Channel: r.Channel, Anchor: r.ID, Title: tpl.Name,
		Parts: []Part{{Text: prompts.Fill(tpl.Intro, "")}}}
	if len(mention) > 0 {
		root.Parts = append(root.Parts, Part{Label: "For", Users: mention})
	}
	root.Parts = append(root.Parts, Part{Text: "Away, or not this week? /reflect away until YYYY-MM-DD, or /reflect snooze."})
	return root, nil
}

// closeCheckIn completes one of the team's earlier scheduled check-ins,
// locked, with its summary (posted when the check-in has a thread).
func (rf *reflections) closeCheckIn(ctx context.Context, id int64) ([]Reply, error) {
	r, err := rf.st.GetReflection(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("locking check-in: %w", err)
	}
	tpl, cs, err := rf.context(ctx, r)
	if err != nil {
		return nil, err
	}
	more, err := rf.close(ctx, tpl, cs, &r, StatusComplete, "")
	if err != nil {
		return nil, err
	}
	if r.Thread == "" {
		return nil, nil
	}
	return more, nil
}

// scheduleCheckIn handles /reflect check-in every DAY HH:MM and
// /reflect check-in off.
func (e *Engine) scheduleCheckIn(ctx context.Context, c Command, args string) ([]Reply, error) {
	fields := strings.Fields(strings.ToLower(args))
	usage := "Say, for example, /reflect check-in every thursday 09:30 (24-hour time, in the team's timezone), or /reflect check-in off."
	return e.changeTeamSettings(ctx, c, func(team *Team) ([]Reply, string) {
		switch {
		case len(fields) == 1 && fields[0] == "off":
			team.CheckInChannel = ""
			return []Reply{notice(c.Channel, c.UserID, "The weekly check-in is off.", "Turn it on again with /reflect check-in every DAY HH:MM.")}, "check-in off"
		case len(fields) == 3 && fields[0] == "every":
			day, err := ParseWeekday(fields[1])
			if err != nil {
				return []Reply{notice(c.Channel, c.UserID, "Which day?", usage)}, ""
			}
			h, m, err := ParseClock(fields[2])
			if err != nil {
				return []Reply{notice(c.Channel, c.UserID, "What time?", usage)}, ""
			}
			team.CheckInChannel, team.CheckInDay, team.CheckInTime = c.Channel, day, fmt.Sprintf("%02d:%02d", h, m)
			// Only times from now on count: no check-in for a time already past.
			team.LastCheckInAt = e.clock()
			next, _ := NextWeekly(e.location(*team), day, team.CheckInTime, e.clock())
			return []Reply{notice(c.Channel, c.UserID, "The weekly check-in is set.",
					fmt.Sprintf("Every %s at %s (%s), in this channel. The next one is on %s.", day, team.CheckInTime, e.location(*team), next.In(e.location(*team)).Format("Monday 2 January")))},
				fmt.Sprintf("check-in every %s %s in %s", day, team.CheckInTime, c.Channel)
		}
		return []Reply{notice(c.Channel, c.UserID, "How often should the check-in come?", usage)}, ""
	})
}

// changeTeamSettings runs change on the team, locked, if the person may
// change its settings (else they get a kind refusal and nothing changes).
// change returns the replies and, when it changed the team, a detail for
// the audit log (never content); an empty detail saves nothing.
func (e *Engine) changeTeamSettings(ctx context.Context, c Command, change func(*Team) ([]Reply, string)) ([]Reply, error) {
	return inTx(ctx, e.store, e.settingsOn, func(se *settings) ([]Reply, error) { return se.changeTeam(ctx, c, change) })
}

// changeTeam is changeTeamSettings' step, the settings part's own.
func (se *settings) changeTeam(ctx context.Context, c Command, change func(*Team) ([]Reply, string)) ([]Reply, error) {
	team, refused, err := se.teamForSettings(ctx, c)
	if err != nil || refused != nil {
		return refused, err
	}
	replies, detail := change(&team)
	if detail == "" {
		return replies, nil
	}
	if err := se.st.UpdateTeam(ctx, team); err != nil {
		return replies, err
	}
	return replies, se.audit(ctx, se.st, AuditEntry{TeamID: c.TeamID, Actor: c.UserID, Action: AuditSettings, Detail: detail})
}

// teamForSettings loads the team, locked, for a settings change by the
// command's author; refused holds the reply when they may not change it.
func (se *settings) teamForSettings(ctx context.Context, c Command) (team Team, refused []Reply, err error) {
	m, err := memberOf(ctx, se.st, c.Actor)
	if err != nil {
		return Team{}, nil, err
	}
	if !se.mayChangeSettings(c.Actor, m) {
		return Team{}, []Reply{settingsRefused(c.Actor, c.Channel)}, nil
	}
	if _, _, err := se.member(ctx, se.st, c.Actor); err != nil { // the team, on its first sight
		return Team{}, nil, err
	}
	team, err = se.st.GetTeam(ctx, c.TeamID)
	if err != nil {
		return Team{}, nil, fmt.Errorf("loading team: %w", err)
	}
	return team, nil, nil
}

// setTimezone handles /reflect timezone ZONE.
func (e *Engine) setTimezone(ctx context.Context, c Command, zone string) ([]Reply, error) {
	loc, err := time.LoadLocation(strings.TrimSpace(zone))
	if err != nil || zone == "" || zone == "Local" {
		return []Reply{notice(c.Channel, c.UserID, "Which timezone?", "Give its IANA name, for example /reflect timezone Europe/London or /reflect timezone America/New_York.")}, nil
	}
	var refused []Reply
	err = e.store.InTx(ctx, func(s Store) error {
		var err error
		refused, err = e.settingsOn(s).setTimezone(ctx, c, loc)
		return err
	})
	if err != nil || refused != nil {
		return refused, err
	}
	return []Reply{notice(c.Channel, c.UserID, "The team's timezone is now "+loc.String()+".", "Check-in times are read in it, and change with its clocks.")}, nil
}

// setTimezone is setTimezone's step, the settings part's own: refused
// holds the reply when the person may not change it.
func (se *settings) setTimezone(ctx context.Context, c Command, loc *time.Location) (refused []Reply, err error) {
	team, refused, err := se.teamForSettings(ctx, c)
	if err != nil || refused != nil {
		return refused, err
	}
	team.Timezone = loc.String()
	if err := se.st.UpdateTeam(ctx, team); err != nil {
		return nil, err
	}
	return nil, se.audit(ctx, se.st, AuditEntry{TeamID: c.TeamID, Actor: c.UserID, Action: AuditSettings, Detail: "timezone " + team.Timezone})
}

// setAway handles /reflect snooze, /reflect away until DATE and /reflect back.
func (e *Engine) setAway(ctx context.Context, c Command, word, args string) ([]Reply, error) {
	var replies []Reply
	err := e.store.InTx(ctx, func(s Store) error {
		var err error
		replies, err = e.settingsOn(s).setAway(ctx, c, word, args)
		return err
	})
	return replies, err
}

// setAway is setAway's step, the settings part's own.
func (se *settings) setAway(ctx context.Context, c Command, word, args string) ([]Reply, error) {
	var replies []Reply
	m, _, err := se.member(ctx, se.st, c.Actor)
	if err != nil {
		return nil, err
	}
	team, err := se.st.GetTeam(ctx, c.TeamID)
	if err != nil {
		return nil, fmt.Errorf("loading team: %w", err)
	}
	loc, now := se.location(team), se.clock()
	switch word {
	case "back":
		m.AwayUntil, m.SnoozedUntil = time.Time{}, time.Time{}
		replies = []Reply{notice(c.Channel, c.UserID, "Welcome back: you'll be in the next check-in.", "")}
	case "snooze":
		until := now.AddDate(0, 0, 7)
		if team.CheckInChannel != "" {
			if next, err := NextWeekly(loc, team.CheckInDay, team.CheckInTime, now); err == nil {
				until = next.Add(time.Minute)
			}
		}
		m.SnoozedUntil = until
		replies = []Reply{notice(c.Channel, c.UserID, "Not this week: noted.",
			"You won't be mentioned in the check-in until after "+until.In(loc).Format("Monday 2 January")+". /reflect back undoes it.")}
	case "away":
		date := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(args), "until"))
		day, err := time.ParseInLocation("2006-01-02", date, loc)
		if err != nil || !day.AddDate(0, 0, 1).After(now) {
			return []Reply{notice(c.Channel, c.UserID, "Away until when?", "Give the last day you're away, for example /reflect away until 2026-12-28.")}, nil
		}
		m.AwayUntil = day.AddDate(0, 0, 1) // the start of the day after
		replies = []Reply{notice(c.Channel, c.UserID, "Noted: away until "+day.Format("Monday 2 January 2006")+".",
			"You won't be mentioned in check-ins until then. /reflect back undoes it.")}
	}
	_, err = se.st.SaveMember(ctx, m)
	return replies, err
}

// grow turns a person's check-in answer into the first answer of a case
// reflection about the person they named, in one step.
func (rf *reflections) grow(ctx context.Context, checkIn Reflection, m Message, label string) ([]Reply, error) {
	if problem := rf.labelProblem(ctx, rf.st, checkIn.TeamID, label); problem != "" || label == "" {
		if label == "" {
			problem = "Say who, with a pseudonym: reflect NAME."
		}
		return []Reply{notice(checkIn.Channel, m.UserID, "Please choose another pseudonym", problem+" Nothing was started.")}, nil
	}
	answers, err := rf.st.ListAnswers(ctx, checkIn.ID)
	if err != nil {
		return nil, fmt.Errorf("listing answers: %w", err)
	}
	var mine *Answer
	for j := len(answers) - 1; j >= 0; j-- {
		if answers[j].Author == m.UserID && answers[j].WithdrawnAt.IsZero() {
			mine = &answers[j]
			break
		}
	}
	if mine == nil {
		return []Reply{notice(checkIn.Channel, m.UserID, "Answer the check-in first.",
			"Reply with who has been on your mind and what matters to them; then reply reflect NAME to make it a case reflection.")}, nil
	}
	tpl, err := rf.template("case")
	if err != nil {
		return nil, err
	}
	now := rf.clock()
	cs, _, err := rf.findOrCreateCase(ctx, rf.st, checkIn.TeamID, label, now)
	if err != nil {
		return nil, err
	}
	r, err := rf.st.CreateReflection(ctx, Reflection{
		TeamID: checkIn.TeamID, CaseID: cs.ID, Template: tpl.Key, Status: StatusInProgress,
		Channel: checkIn.Channel, StartedBy: m.UserID, Stage: tpl.Stages[1].Key,
		CreatedAt: now, UpdatedAt: now, LastActivityAt: now,
	})
	if err != nil {
		return nil, fmt.Errorf("creating reflection: %w", err)
	}
	if _, err := rf.st.AddAnswer(ctx, Answer{ReflectionID: r.ID, TeamID: r.TeamID, Stage: tpl.Stages[0].Key,
		Author: m.UserID, Discipline: mine.Discipline, Text: mine.Text, CreatedAt: now}); err != nil {
		return nil, fmt.Errorf("carrying the check-in answer over: %w", err)
	}
	return []Reply{{Kind: Post, Channel: r.Channel, Anchor: r.ID, Title: reflectionTitle(tpl, cs),
		Parts: []Part{
			{Text: prompts.Fill(tpl.Intro, cs.Label)},
			{Label: tpl.Stages[0].Title + ", from the check-in", Text: mine.Text, Quote: true, By: disciplineOrUnknown(mine.Discipline)},
			{Label: "Started by", Users: []string{m.UserID}},
		}}}, nil
}

// growWord reports whether a reply in a check-in thread asks to grow it
// into a case reflection ("reflect Kestrel"), and about whom.
func growWord(text string) (string, bool) {
	word, rest, _ := strings.Cut(strings.TrimSpace(text), " ")
	word = strings.TrimPrefix(strings.ToLower(word), "/")
	if word != "reflect" {
		return "", false
	}
	return strings.TrimSpace(rest), true
}
