package main

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"whatmatters/flows"
	"whatmatters/prompts"
)

// The demo exists so that someone trying What Matters sees a digest of real
// substance within a minute, instead of an empty one that only fills after
// weeks of use. It loads a fictional team's eight weeks of reflections,
// dated relative to now, so the digest's "this week" and its week-by-week
// trend have something to show whenever it is run.

// demoTeamID is the fictional team the demo loads.
const demoTeamID = "TDEMO"

// demoChannel is the channel every demo reflection is anchored in: a Slack
// channel id no workspace hands out, so nothing is ever posted to it.
const demoChannel = "CDEMO"

// demoCloseAfter is how long after its last answer a demo reflection was
// closed, as when its starter says done a moment after the last reply.
const demoCloseAfter = 2 * time.Minute

// demoData is the fictional team (demodata/team.json). It is embedded so the
// demo works from the single binary, in any directory.
//
//go:embed demodata/team.json
var demoData []byte

// errDemoLoaded says the demo team already has its reflections. The demo
// cannot replace them (the Store has no delete), and loading twice would
// double every theme, so the caller reports it and stops: "The demo team is
// already loaded."
var errDemoLoaded = errors.New("the demo team is already loaded")

// demoRefusal is the error for a database that holds another team's
// reflections. Its message is the whole one-line reply the person sees, so it
// does not carry the "conflict" prefix of the error it wraps; it wraps
// flows.ErrConflict so callers can tell it from a failure.
type demoRefusal struct{}

func (demoRefusal) Error() string {
	return "this database holds real reflections; the demo only loads into an empty database: set DATABASE_URL=sqlite:demo.db"
}

func (demoRefusal) Unwrap() error { return flows.ErrConflict }

// demoReport says what the demo team holds after loading, or what it held
// already when errDemoLoaded is returned.
type demoReport struct {
	Team                                 string
	Members, Cases, Reflections, Answers int
}

// demoFile is the shape of demodata/team.json. Times are not stored in it,
// only offsets, so the data never goes stale.
type demoFile struct {
	Team struct {
		ID       string `json:"id"`
		Name     string `json:"name"`
		Timezone string `json:"timezone"`
	} `json:"team"`
	Members     []demoMember     `json:"members"`
	Cases       []string         `json:"cases"`
	Reflections []demoReflection `json:"reflections"`
	// Outcomes are the outcome records of the cases who died (some of
	// them before the eight weeks of reflections, so that a quarter has
	// one before it to be set beside).
	Outcomes []demoOutcome `json:"outcomes"`
}

// demoOutcome is one case's outcome record: Week is how many weeks before
// now they died (0 the seven days ending now), Facts the record's facts by
// field key, as typed in the console (docs/outcomes.md).
type demoOutcome struct {
	Case  string            `json:"case"`
	Week  int               `json:"week"`
	Facts map[string]string `json:"facts"`
}

// demoOutcomeWeeks bounds how far back a demo death may be: two quarters.
const demoOutcomeWeeks = 2 * flows.OutcomeQuarterWeeks

// demoOutcomeWeek is the ISO week of a demo death weeks weeks back: the
// middle of the seven days ending that many weeks before now.
func demoOutcomeWeek(weeks int, now time.Time, loc *time.Location) string {
	return flows.ISOWeekKey(now.Add(-time.Duration(weeks)*7*24*time.Hour-84*time.Hour), loc)
}

// demoOutcomeRecord is a demo outcome as the record the engine would keep.
func demoOutcomeRecord(teamID string, caseID int64, d demoOutcome, now time.Time, loc *time.Location) (flows.Outcome, error) {
	week := demoOutcomeWeek(d.Week, now, loc)
	o := flows.NewOutcome(teamID, caseID, week)
	keys := make([]string, 0, len(d.Facts))
	for k := range d.Facts {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if err := flows.SetOutcomeValue(&o, k, d.Facts[k], now, loc); err != nil {
			return o, fmt.Errorf("%s: %w", k, err)
		}
	}
	o.DiedWeek = week
	return o, nil
}

// demoMember is one fictional member; the discipline is what the digest
// counts contributions by.
type demoMember struct {
	User       string `json:"user"`
	Name       string `json:"name"`
	Discipline string `json:"discipline"`
}

// demoReflection is one reflection: Week 0 is the current week (Monday
// start), 7 the week eight weeks back; Day and Hour place its start within
// that week, in the team's timezone.
type demoReflection struct {
	Week     int          `json:"week"`
	Day      string       `json:"day"`
	Hour     int          `json:"hour"`
	Template string       `json:"template"`
	Case     string       `json:"case,omitempty"`
	Answers  []demoAnswer `json:"answers"`
}

// demoAnswer is one answer, Min minutes after its reflection started.
type demoAnswer struct {
	Stage    string `json:"stage"`
	By       string `json:"by"`
	Min      int    `json:"min"`
	Text     string `json:"text"`
	FollowUp bool   `json:"follow_up,omitempty"`
}

// demoDays maps the data's day names to days after Monday.
var demoDays = map[string]int{"Mon": 0, "Tue": 1, "Wed": 2, "Thu": 3, "Fri": 4, "Sat": 5, "Sun": 6}

// demoWeeks is how many weeks the demo spans.
const demoWeeks = 8

// parseDemo reads and checks the demo data against the templates, so a
// mistake in the data (a stage key that no template has, an answer by
// nobody, a reflection running into the next week) fails the load, and the
// tests, instead of storing reflections the engine could not have made.
func parseDemo(data []byte, templates *prompts.Set) (demoFile, error) {
	var f demoFile
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return f, fmt.Errorf("reading the demo data: %w", err)
	}
	bad := func(format string, args ...any) (demoFile, error) {
		return demoFile{}, fmt.Errorf("demo data: "+format, args...)
	}
	if f.Team.ID != demoTeamID || f.Team.Name == "" {
		return bad("the team must be %s and have a name", demoTeamID)
	}
	if _, err := time.LoadLocation(f.Team.Timezone); err != nil || f.Team.Timezone == "" {
		return bad("timezone %q: %v", f.Team.Timezone, err)
	}
	members := map[string]bool{}
	for _, m := range f.Members {
		if m.User == "" || m.Discipline == "" || members[m.User] {
			return bad("member %q needs a unique id and a discipline", m.User)
		}
		members[m.User] = true
	}
	cases := map[string]bool{}
	for _, c := range f.Cases {
		if c == "" || cases[c] {
			return bad("case %q is empty or repeated", c)
		}
		cases[c] = true
	}
	for i, r := range f.Reflections {
		day, ok := demoDays[r.Day]
		if !ok || r.Week < 0 || r.Week >= demoWeeks || r.Hour < 0 || r.Hour > 23 {
			return bad("reflection %d: week %d, day %q, hour %d", i+1, r.Week, r.Day, r.Hour)
		}
		tpl, ok := templates.Get(r.Template)
		if !ok {
			return bad("reflection %d: no template %q", i+1, r.Template)
		}
		if tpl.NeedsCase != (r.Case != "") || r.Case != "" && !cases[r.Case] {
			return bad("reflection %d: case %q does not fit template %s", i+1, r.Case, r.Template)
		}
		if len(r.Answers) == 0 {
			return bad("reflection %d has no answers", i+1)
		}
		last := 0
		for j, a := range r.Answers {
			if tpl.StageIndex(a.Stage) < 0 || !members[a.By] || a.Min < 1 || a.Min < last || flows.CleanText(a.Text) == "" {
				return bad("reflection %d, answer %d: stage %q, by %q, minute %d", i+1, j+1, a.Stage, a.By, a.Min)
			}
			last = a.Min
		}
		// The whole thread, closing included, stays inside its week, so
		// week offsets are what the digest sees.
		end := time.Duration(day)*24*time.Hour + time.Duration(r.Hour)*time.Hour + time.Duration(last)*time.Minute + demoCloseAfter
		if end >= 7*24*time.Hour {
			return bad("reflection %d runs into the next week", i+1)
		}
	}
	told := map[string]bool{}
	for _, r := range f.Reflections {
		told[r.Case] = true
	}
	recorded := map[string]bool{}
	for i, o := range f.Outcomes {
		if !cases[o.Case] || recorded[o.Case] || o.Week < 0 || o.Week >= demoOutcomeWeeks {
			return bad("outcome %d: case %q, week %d", i+1, o.Case, o.Week)
		}
		// A case with no story died before the demo's weeks of stories.
		if !told[o.Case] && o.Week < demoWeeks {
			return bad("outcome %d: case %q has no reflection but died in week %d, inside the demo's weeks", i+1, o.Case, o.Week)
		}
		recorded[o.Case] = true
		if _, err := demoOutcomeRecord(f.Team.ID, 1, o, time.Now(), time.UTC); err != nil {
			return bad("outcome %d (%s): %v", i+1, o.Case, err)
		}
	}
	return f, nil
}

// demoTimes are one reflection's times.
type demoTimes struct {
	Created time.Time
	Answers []time.Time
	Closed  time.Time
}

// demoClock dates the reflections relative to now: week offset w is the
// seven days ending w weeks before now, so the last week of a digest made
// now holds exactly the data's week 0, and every week holds its own (a week
// pinned to calendar Mondays would squeeze the current week's stories into
// whatever part of it had passed, and a Monday morning's "last week" would
// hold two weeks of them). Within its week a reflection starts its day and
// hour after the week's start. Times are whole seconds, never rounded up,
// and none is after now (parseDemo keeps every reflection inside its week).
func demoClock(refs []demoReflection, now time.Time) []demoTimes {
	now = now.Truncate(time.Second)
	second := func(t time.Time) time.Time { return t.Truncate(time.Second).UTC() }
	out := make([]demoTimes, len(refs))
	for i, r := range refs {
		weekStart := now.Add(-time.Duration(r.Week+1) * 7 * 24 * time.Hour)
		start := weekStart.Add(time.Duration(demoDays[r.Day])*24*time.Hour + time.Duration(r.Hour)*time.Hour)
		t := demoTimes{Created: second(start), Answers: make([]time.Time, len(r.Answers))}
		for j, a := range r.Answers {
			t.Answers[j] = second(start.Add(time.Duration(a.Min) * time.Minute))
		}
		t.Closed = second(start.Add(demoCloseAfter))
		if n := len(t.Answers); n > 0 {
			t.Closed = second(t.Answers[n-1].Add(demoCloseAfter))
		}
		out[i] = t
	}
	return out
}

// slackTS makes a fake Slack message id from a time and a sequence number,
// unique within the demo's one channel, so the reflections look like the
// ones the bot anchors in threads.
func slackTS(t time.Time, seq int) string {
	return fmt.Sprintf("%d.%06d", t.Unix(), seq)
}

// loadDemo loads the demo team into s, dated so its last week ends at now.
//
// It refuses, with an error wrapping flows.ErrConflict, a database holding
// any other team's reflections: the demo's stories would then sit beside
// real ones, in real exports and digests. When the demo team already has
// reflections it returns what the team holds and errDemoLoaded, changing
// nothing. Everything is loaded in one transaction, so a failed load leaves
// nothing behind. Every answer goes through scrub, as every answer the
// engine stores does; the demo text is written to need none of it.
func loadDemo(ctx context.Context, s flows.Store, scrub flows.ScrubFunc, now time.Time) (demoReport, error) {
	templates, err := prompts.Load()
	if err != nil {
		return demoReport{}, fmt.Errorf("loading templates: %w", err)
	}
	f, err := parseDemo(demoData, templates)
	if err != nil {
		return demoReport{}, err
	}
	loc, err := time.LoadLocation(f.Team.Timezone)
	if err != nil {
		return demoReport{}, fmt.Errorf("demo data: timezone: %w", err)
	}
	times := demoClock(f.Reflections, now)
	first := now.UTC().Truncate(time.Second)
	caseStart := map[string]time.Time{}
	for i, r := range f.Reflections {
		c := times[i].Created
		if c.Before(first) {
			first = c
		}
		if prev, ok := caseStart[r.Case]; r.Case != "" && (!ok || c.Before(prev)) {
			caseStart[r.Case] = c
		}
	}
	for _, o := range f.Outcomes {
		if _, ok := caseStart[o.Case]; !ok {
			// A case known only by its outcome record (a death before the
			// demo's weeks of stories) came to the team a month before.
			caseStart[o.Case] = now.Add(-time.Duration(o.Week+4) * 7 * 24 * time.Hour).UTC().Truncate(time.Second)
		}
	}

	var rep demoReport
	err = s.InTx(ctx, func(s flows.Store) error {
		teams, err := s.ListTeams(ctx)
		if err != nil {
			return fmt.Errorf("listing teams: %w", err)
		}
		for _, t := range teams {
			if t.ID == demoTeamID {
				continue
			}
			rs, err := s.ListReflections(ctx, t.ID)
			if err != nil {
				return fmt.Errorf("listing reflections: %w", err)
			}
			if len(rs) > 0 {
				return demoRefusal{}
			}
		}

		team, err := s.EnsureTeam(ctx, flows.Team{ID: f.Team.ID, Name: f.Team.Name, Timezone: f.Team.Timezone, CreatedAt: first})
		if err != nil {
			return fmt.Errorf("creating the demo team: %w", err)
		}
		// Locks the team, so two loads at once load it once.
		if team, err = s.GetTeam(ctx, team.ID); err != nil {
			return fmt.Errorf("locking the demo team: %w", err)
		}
		existing, err := s.ListReflections(ctx, team.ID)
		if err != nil {
			return fmt.Errorf("listing the demo team's reflections: %w", err)
		}
		if len(existing) > 0 {
			if rep, err = countDemo(ctx, s, team); err != nil {
				return err
			}
			return errDemoLoaded
		}

		disciplines := map[string]string{}
		for _, m := range f.Members {
			if _, err := s.SaveMember(ctx, flows.Member{TeamID: team.ID, UserID: m.User, Name: m.Name, Discipline: m.Discipline, CreatedAt: first}); err != nil {
				return fmt.Errorf("saving demo member %s: %w", m.User, err)
			}
			disciplines[m.User] = m.Discipline
		}
		caseIDs := map[string]int64{}
		for _, label := range f.Cases {
			c, err := s.CaseByLabel(ctx, team.ID, label)
			if errors.Is(err, flows.ErrNotFound) {
				created, ok := caseStart[label]
				if !ok {
					created = first
				}
				c, err = s.CreateCase(ctx, flows.Case{TeamID: team.ID, Label: label, CreatedAt: created})
			}
			if err != nil {
				return fmt.Errorf("saving demo case %s: %w", label, err)
			}
			caseIDs[label] = c.ID
		}

		for i, r := range f.Reflections {
			t := times[i]
			var followUps []string
			for _, a := range r.Answers {
				if a.FollowUp && !slices.Contains(followUps, a.Stage) {
					followUps = append(followUps, a.Stage)
				}
			}
			stored, err := s.CreateReflection(ctx, flows.Reflection{
				TeamID: team.ID, CaseID: caseIDs[r.Case], Template: r.Template, Status: flows.StatusComplete,
				Channel: demoChannel, Thread: slackTS(t.Created, i+1), StartedBy: r.Answers[0].By,
				FollowUps: followUps, CreatedAt: t.Created, UpdatedAt: t.Closed, LastActivityAt: t.Closed, ClosedAt: t.Closed,
			})
			if err != nil {
				return fmt.Errorf("saving demo reflection %d: %w", i+1, err)
			}
			for j, a := range r.Answers {
				text, _ := scrub(flows.CleanText(a.Text), f.Cases...)
				if _, err := s.AddAnswer(ctx, flows.Answer{
					ReflectionID: stored.ID, TeamID: team.ID, Stage: a.Stage, Author: a.By,
					Discipline: disciplines[a.By], Text: text, FollowUp: a.FollowUp,
					MessageID: slackTS(t.Answers[j], j+1), CreatedAt: t.Answers[j],
				}); err != nil {
					return fmt.Errorf("saving an answer of demo reflection %d: %w", i+1, err)
				}
			}
		}
		for i, d := range f.Outcomes {
			o, err := demoOutcomeRecord(team.ID, caseIDs[d.Case], d, now, loc)
			if err == nil {
				_, err = s.SaveOutcome(ctx, o)
			}
			if err != nil {
				return fmt.Errorf("saving demo outcome %d: %w", i+1, err)
			}
		}
		rep, err = countDemo(ctx, s, team)
		return err
	})
	switch {
	case errors.Is(err, errDemoLoaded):
		return rep, errDemoLoaded
	case err != nil:
		return demoReport{}, err
	}
	return rep, nil
}

// countDemo reports what the demo team holds, read back from the store so
// the report says what is there rather than what was meant to be.
func countDemo(ctx context.Context, s flows.Store, team flows.Team) (demoReport, error) {
	members, err := s.ListMembers(ctx, team.ID)
	if err != nil {
		return demoReport{}, fmt.Errorf("counting demo members: %w", err)
	}
	cases, err := s.ListCases(ctx, team.ID)
	if err != nil {
		return demoReport{}, fmt.Errorf("counting demo cases: %w", err)
	}
	refs, err := s.ListReflections(ctx, team.ID)
	if err != nil {
		return demoReport{}, fmt.Errorf("counting demo reflections: %w", err)
	}
	answers, err := s.ListTeamAnswers(ctx, team.ID)
	if err != nil {
		return demoReport{}, fmt.Errorf("counting demo answers: %w", err)
	}
	return demoReport{Team: team.Name, Members: len(members), Cases: len(cases), Reflections: len(refs), Answers: len(answers)}, nil
}
