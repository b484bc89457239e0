package flows

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"whatmatters/prompts"
)

// remindBefore is how long before a scheduled session its reminder is
// posted in the channel.
const remindBefore = 24 * time.Hour

// NextSessionAt returns the scheduled time after prev, every weeks weeks
// later on the same weekday at clock in loc. It is computed on the local
// calendar, so the session stays at the same local time across
// daylight-saving changes.
func NextSessionAt(loc *time.Location, prev time.Time, weeks int, clock string) (time.Time, error) {
	h, m, err := ParseClock(clock)
	if err != nil {
		return time.Time{}, err
	}
	d := prev.In(loc).AddDate(0, 0, 7*max(weeks, 1))
	return occurrence(loc, d.Year(), d.Month(), d.Day(), h, m), nil
}

// scheduleDue is when the schedule next has something to do: the
// reminder, unless posted, then the opening.
func scheduleDue(sc SessionSchedule) time.Time {
	if !sc.RemindedFor.Equal(sc.NextAt) {
		return sc.NextAt.Add(-remindBefore)
	}
	return sc.NextAt
}

// scheduleTick does what is due for one schedule, locked: the day-before
// reminder, or opening the session at its time for its facilitator to
// start.
func (sch *schedules) scheduleTick(ctx context.Context, id int64) ([]Reply, error) {
	sc, err := sch.st.GetSessionSchedule(ctx, id)
	if err != nil {
		if isNotFound(err) {
			return nil, nil
		}
		return nil, err
	}
	now := sch.clock()
	if scheduleDue(sc).After(now) {
		return nil, nil // done by another instance meanwhile
	}
	team, err := sch.st.GetTeam(ctx, sc.TeamID)
	if err != nil {
		return nil, fmt.Errorf("loading team: %w", err)
	}
	loc := sch.location(team)
	tpl, err := sch.template(sc.Template)
	if err != nil {
		return nil, err
	}
	var replies []Reply
	if now.Before(sc.NextAt) {
		sc.RemindedFor = sc.NextAt
		r := Reply{Kind: Post, Channel: sc.Channel, Title: "A learning session tomorrow",
			Parts: []Part{{Text: fmt.Sprintf("%s at %s (%s): %s, %d minutes, here in this channel.",
				sc.NextAt.In(loc).Format("Monday 2 January"), sc.NextAt.In(loc).Format("15:04"), loc, tpl.Name, sc.Minutes)}}}
		if sc.Facilitator != "" {
			r.Parts = append(r.Parts, Part{Label: "Facilitator", Users: []string{sc.Facilitator}})
		}
		replies = append(replies, r)
	} else {
		if now.Sub(sc.NextAt) <= lateSession {
			more, err := sch.openScheduled(ctx, sc, tpl, loc, now)
			if err != nil {
				return nil, err
			}
			replies = append(replies, more...)
		} else {
			sch.log.InfoContext(ctx, "skipped a late scheduled session", "schedule", sc.ID, "due", sc.NextAt)
		}
		for !sc.NextAt.After(now) {
			if sc.NextAt, err = NextSessionAt(loc, sc.NextAt, sc.EveryWeeks, sc.Clock); err != nil {
				return nil, err
			}
		}
		if sc.NextAt.Sub(now) < remindBefore {
			sc.RemindedFor = sc.NextAt
		}
	}
	sc.DueAt = scheduleDue(sc)
	if _, err := sch.st.SaveSessionSchedule(ctx, sc); err != nil {
		return nil, fmt.Errorf("saving schedule: %w", err)
	}
	return replies, nil
}

// openScheduled opens a scheduled session, waiting for its facilitator.
func (sch *schedules) openScheduled(ctx context.Context, sc SessionSchedule, tpl prompts.Template, loc *time.Location, now time.Time) ([]Reply, error) {
	if open, err := sch.st.OpenSessionInChannel(ctx, sc.TeamID, sc.Channel); err == nil {
		sch.log.InfoContext(ctx, "scheduled session not opened: one is open in the channel", "schedule", sc.ID, "open", open.ID)
		return nil, nil
	} else if !isNotFound(err) {
		return nil, err
	}
	sess, err := sch.st.CreateSession(ctx, Session{TeamID: sc.TeamID, Channel: sc.Channel, Facilitator: sc.Facilitator,
		Template: sc.Template, Minutes: sc.Minutes, Timed: sc.Timed, Status: SessionWaiting,
		EndsAt: sc.NextAt.Add(time.Duration(sc.Minutes) * time.Minute), ScheduleID: sc.ID,
		CreatedAt: now, UpdatedAt: now}, nil)
	if err != nil {
		return nil, fmt.Errorf("opening scheduled session: %w", err)
	}
	sess.DueAt = sessionDue(sess)
	if err := sch.st.UpdateSession(ctx, sess); err != nil {
		return nil, err
	}
	root := sessionMessage(sess, tpl, loc, sch.clock())
	root.Kind, root.Session = Post, sess.ID
	return []Reply{root}, nil
}

// scheduleUsage is what /reflect session every takes.
const scheduleUsage = "Say, for example, /reflect session every 2 tuesday 13:00 case (every second Tuesday at 13:00, in the team's timezone), with --minutes 45 or --manual if you like; /reflect session every off stops it."

// scheduleSession handles /reflect session every [N] DAY HH:MM [TEMPLATE]
// [--minutes N] [--manual] and /reflect session every off.
func (e *Engine) scheduleSession(ctx context.Context, c Command, args []string) ([]Reply, error) {
	return inTx(ctx, e.store, e.schedulesOn, func(sch *schedules) ([]Reply, error) { return sch.schedule(ctx, c, args) })
}

// schedule is scheduleSession, the schedules part's own.
func (sch *schedules) schedule(ctx context.Context, c Command, args []string) ([]Reply, error) {
	var replies []Reply
	m, err := memberOf(ctx, sch.st, c.Actor)
	if err != nil {
		return replies, err
	}
	if !sch.mayFacilitate(c.Actor, m) {
		replies = []Reply{facilitateRefused(c.Channel, c.UserID)}
		return replies, nil
	}
	if _, _, err := sch.member(ctx, sch.st, c.Actor); err != nil {
		return replies, err
	}
	if len(args) == 1 && strings.EqualFold(args[0], "off") {
		replies, err = sch.unscheduleSession(ctx, c)
		return replies, err
	}
	want, problem := sch.parseSchedule(c, args)
	if problem != nil {
		replies = []Reply{*problem}
		return replies, nil
	}
	replies, err = sch.saveSchedule(ctx, c, want)
	return replies, err
}

// unscheduleSession stops the recurring session in the command's channel.
func (sch *schedules) unscheduleSession(ctx context.Context, c Command) ([]Reply, error) {
	sc, err := sch.st.ScheduleInChannel(ctx, c.TeamID, c.Channel)
	if isNotFound(err) {
		return []Reply{notice(c.Channel, c.UserID, "No session is scheduled in this channel.", "")}, nil
	}
	if err != nil {
		return nil, err
	}
	if err := sch.st.DeleteSessionSchedule(ctx, sc.ID); err != nil {
		return nil, err
	}
	return []Reply{notice(c.Channel, c.UserID, "The recurring session in this channel is off.", "")},
		sch.audit(ctx, sch.st, AuditEntry{TeamID: c.TeamID, Actor: c.UserID, Action: AuditSettings, Detail: "session schedule off in " + c.Channel})
}

// scheduleWish is a recurring session as asked for.
type scheduleWish struct {
	weeks, minutes int
	manual         bool
	day            time.Weekday
	clock          string // HH:MM
	tpl            prompts.Template
}

// parseSchedule reads /reflect session every's words, or says what is
// wrong with them.
func (sch *schedules) parseSchedule(c Command, args []string) (scheduleWish, *Reply) {
	w := scheduleWish{weeks: 1, minutes: DefaultSessionMinutes}
	problem := func(title string) (scheduleWish, *Reply) {
		r := notice(c.Channel, c.UserID, title, scheduleUsage)
		return w, &r
	}
	var rest []string
	for i := 0; i < len(args); i++ {
		switch a := strings.ToLower(args[i]); {
		case a == "--manual":
			w.manual = true
		case a == "--minutes" && i+1 < len(args):
			n, err := strconv.Atoi(args[i+1])
			if err != nil {
				return problem("How many minutes?")
			}
			w.minutes = n
			i++
		default:
			rest = append(rest, a)
		}
	}
	if len(rest) > 0 {
		if n, err := strconv.Atoi(rest[0]); err == nil {
			w.weeks, rest = n, rest[1:]
		}
	}
	if len(rest) < 2 || w.weeks < 1 || w.weeks > 12 || w.minutes < MinSessionMinutes || w.minutes > MaxSessionMinutes {
		return problem("When should the session come?")
	}
	day, err := ParseWeekday(rest[0])
	if err != nil {
		return problem("Which day?")
	}
	h, mi, err := ParseClock(rest[1])
	if err != nil {
		return problem("What time?")
	}
	w.day, w.clock = day, fmt.Sprintf("%02d:%02d", h, mi)
	key := "theme"
	if len(rest) > 2 {
		key = strings.ReplaceAll(rest[2], "-", "_")
	}
	tpl, err := sch.template(key)
	if err != nil || tpl.NeedsCase {
		r := notice(c.Channel, c.UserID, "Which template?",
			"A recurring session uses a template not tied to one person, such as theme (a theme to discuss), or the default. "+scheduleUsage)
		return w, &r
	}
	w.tpl = tpl
	return w, nil
}

// saveSchedule saves the recurring session, says when it comes, and
// audits it.
func (sch *schedules) saveSchedule(ctx context.Context, c Command, w scheduleWish) ([]Reply, error) {
	team, err := sch.st.GetTeam(ctx, c.TeamID)
	if err != nil {
		return nil, err
	}
	loc, now := sch.location(team), sch.clock()
	next, err := NextWeekly(loc, w.day, w.clock, now)
	if err != nil {
		return nil, err
	}
	sc := SessionSchedule{TeamID: c.TeamID, Channel: c.Channel, Facilitator: c.UserID, Template: w.tpl.Key,
		EveryWeeks: w.weeks, Weekday: w.day, Clock: w.clock, Minutes: w.minutes, Timed: !w.manual, NextAt: next, CreatedAt: now}
	if next.Sub(now) < remindBefore {
		sc.RemindedFor = next
	}
	sc.DueAt = scheduleDue(sc)
	if _, err := sch.st.SaveSessionSchedule(ctx, sc); err != nil {
		return nil, err
	}
	every := "Every " + w.day.String()
	if w.weeks > 1 {
		every = fmt.Sprintf("Every %d weeks on %s", w.weeks, w.day)
	}
	replies := []Reply{notice(c.Channel, c.UserID, "The learning session is scheduled.",
		fmt.Sprintf("%s at %s (%s), %s, %d minutes, in this channel, with you as facilitator. A reminder comes the day before; at its time the session opens for you to start. The first is on %s.",
			every, w.clock, loc, w.tpl.Name, w.minutes, next.In(loc).Format("Monday 2 January")))}
	return replies, sch.audit(ctx, sch.st, AuditEntry{TeamID: c.TeamID, Actor: c.UserID, Action: AuditSettings,
		Detail: fmt.Sprintf("session every %d weeks %s %s in %s", w.weeks, w.day, w.clock, c.Channel)})
}
