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
// The checks run in order and the first to fail names the mistake.
func parseDemo(data []byte, templates *prompts.Set) (demoFile, error) {
	var f demoFile
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return f, fmt.Errorf("reading the demo data: %w", err)
	}
	c := demoChecker{f: &f, templates: templates, members: map[string]bool{}, cases: map[string]bool{}}
	for _, check := range []func() error{c.team, c.memberList, c.caseList, c.reflections, c.outcomes} {
		if err := check(); err != nil {
			return demoFile{}, err
		}
	}
	return f, nil
}

// demoBad is a mistake in the demo data.
func demoBad(format string, args ...any) error {
	return fmt.Errorf("demo data: "+format, args...)
}

// demoChecker checks one demo file; members and cases fill as they are
// checked, for the checks after them.
type demoChecker struct {
	f         *demoFile
	templates *prompts.Set
	members   map[string]bool
	cases     map[string]bool
}

// team checks the team: the demo's id, a name and a known timezone.
func (c *demoChecker) team() error {
	t := c.f.Team
	if t.ID != demoTeamID || t.Name == "" {
		return demoBad("the team must be %s and have a name", demoTeamID)
	}
	if _, err := time.LoadLocation(t.Timezone); err != nil || t.Timezone == "" {
		return demoBad("timezone %q: %v", t.Timezone, err)
	}
	return nil
}

// memberList checks that every member has a unique id and a discipline.
func (c *demoChecker) memberList() error {
	for _, m := range c.f.Members {
		if m.User == "" || m.Discipline == "" || c.members[m.User] {
			return demoBad("member %q needs a unique id and a discipline", m.User)
		}
		c.members[m.User] = true
	}
	return nil
}

// caseList checks that every case label is given once.
func (c *demoChecker) caseList() error {
	for _, label := range c.f.Cases {
		if label == "" || c.cases[label] {
			return demoBad("case %q is empty or repeated", label)
		}
		c.cases[label] = true
	}
	return nil
}

// reflections checks each reflection.
func (c *demoChecker) reflections() error {
	for i, r := range c.f.Reflections {
		if err := c.reflection(i+1, r); err != nil {
			return err
		}
	}
	return nil
}

// reflection checks reflection n (from 1): its week, day and hour, its
// template and case, and its answers; the whole thread, closing included,
// stays inside its week, so week offsets are what the digest sees.
func (c *demoChecker) reflection(n int, r demoReflection) error {
	day, ok := demoDays[r.Day]
	if !ok || r.Week < 0 || r.Week >= demoWeeks || r.Hour < 0 || r.Hour > 23 {
		return demoBad("reflection %d: week %d, day %q, hour %d", n, r.Week, r.Day, r.Hour)
	}
	tpl, ok := c.templates.Get(r.Template)
	if !ok {
		return demoBad("reflection %d: no template %q", n, r.Template)
	}
	if tpl.NeedsCase != (r.Case != "") || r.Case != "" && !c.cases[r.Case] {
		return demoBad("reflection %d: case %q does not fit template %s", n, r.Case, r.Template)
	}
	if len(r.Answers) == 0 {
		return demoBad("reflection %d has no answers", n)
	}
	last, err := c.answers(n, tpl, r.Answers)
	if err != nil {
		return err
	}
	end := time.Duration(day)*24*time.Hour + time.Duration(r.Hour)*time.Hour + time.Duration(last)*time.Minute + demoCloseAfter
	if end >= 7*24*time.Hour {
		return demoBad("reflection %d runs into the next week", n)
	}
	return nil
}

// answers checks the answers of reflection n: each to one of the
// template's stages, by a member, with text, at a minute from 1 on and
// none before the one before it. It returns the last answer's minute.
func (c *demoChecker) answers(n int, tpl prompts.Template, answers []demoAnswer) (last int, err error) {
	for j, a := range answers {
		if tpl.StageIndex(a.Stage) < 0 || !c.members[a.By] || a.Min < 1 || a.Min < last || flows.CleanText(a.Text) == "" {
			return 0, demoBad("reflection %d, answer %d: stage %q, by %q, minute %d", n, j+1, a.Stage, a.By, a.Min)
		}
		last = a.Min
	}
	return last, nil
}

// outcomes checks the outcome records: one at most for each case, within
// demoOutcomeWeeks, a record the engine would accept, and a case with no
// story died before the demo's weeks of stories.
func (c *demoChecker) outcomes() error {
	told := map[string]bool{}
	for _, r := range c.f.Reflections {
		told[r.Case] = true
	}
	recorded := map[string]bool{}
	for i, o := range c.f.Outcomes {
		if !c.cases[o.Case] || recorded[o.Case] || o.Week < 0 || o.Week >= demoOutcomeWeeks {
			return demoBad("outcome %d: case %q, week %d", i+1, o.Case, o.Week)
		}
		if !told[o.Case] && o.Week < demoWeeks {
			return demoBad("outcome %d: case %q has no reflection but died in week %d, inside the demo's weeks", i+1, o.Case, o.Week)
		}
		recorded[o.Case] = true
		if _, err := demoOutcomeRecord(c.f.Team.ID, 1, o, time.Now(), time.UTC); err != nil {
			return demoBad("outcome %d (%s): %v", i+1, o.Case, err)
		}
	}
	return nil
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
	p, err := planDemo(now, scrub)
	if err != nil {
		return demoReport{}, err
	}
	var rep demoReport
	err = s.InTx(ctx, func(s flows.Store) error {
		rep, err = p.load(ctx, s)
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

// demoPlan is the demo data dated for one load.
type demoPlan struct {
	f         demoFile
	scrub     flows.ScrubFunc
	now       time.Time
	loc       *time.Location
	times     []demoTimes          // each reflection's, by index
	first     time.Time            // the earliest reflection, or now: when the team and members were made
	caseStart map[string]time.Time // when each case came to the team
}

// planDemo reads the embedded data and dates it for a load at now.
func planDemo(now time.Time, scrub flows.ScrubFunc) (demoPlan, error) {
	templates, err := prompts.Load()
	if err != nil {
		return demoPlan{}, fmt.Errorf("loading templates: %w", err)
	}
	f, err := parseDemo(demoData, templates)
	if err != nil {
		return demoPlan{}, err
	}
	loc, err := time.LoadLocation(f.Team.Timezone)
	if err != nil {
		return demoPlan{}, fmt.Errorf("demo data: timezone: %w", err)
	}
	p := demoPlan{f: f, scrub: scrub, now: now, loc: loc, times: demoClock(f.Reflections, now)}
	p.first, p.caseStart = p.starts()
	return p, nil
}

// starts returns when the team began (its first reflection, or now) and
// when each case came to the team: its first reflection or, for a case
// known only by its outcome record (a death before the demo's weeks of
// stories), a month before it died.
func (p *demoPlan) starts() (time.Time, map[string]time.Time) {
	first := p.now.UTC().Truncate(time.Second)
	caseStart := map[string]time.Time{}
	for i, r := range p.f.Reflections {
		c := p.times[i].Created
		if c.Before(first) {
			first = c
		}
		if prev, ok := caseStart[r.Case]; r.Case != "" && (!ok || c.Before(prev)) {
			caseStart[r.Case] = c
		}
	}
	for _, o := range p.f.Outcomes {
		if _, ok := caseStart[o.Case]; !ok {
			caseStart[o.Case] = p.now.Add(-time.Duration(o.Week+4) * 7 * 24 * time.Hour).UTC().Truncate(time.Second)
		}
	}
	return first, caseStart
}

// load stores the plan in s, within the load's transaction: it refuses a
// database with real reflections, returns errDemoLoaded if the demo team
// has its reflections already, and otherwise saves the members, cases,
// reflections with their answers, and outcome records.
func (p *demoPlan) load(ctx context.Context, s flows.Store) (demoReport, error) {
	if err := refuseRealReflections(ctx, s); err != nil {
		return demoReport{}, err
	}
	team, loaded, err := p.team(ctx, s)
	if err != nil {
		return demoReport{}, err
	}
	if loaded {
		rep, err := countDemo(ctx, s, team)
		if err != nil {
			return demoReport{}, err
		}
		return rep, errDemoLoaded
	}
	disciplines, err := p.saveMembers(ctx, s, team)
	if err != nil {
		return demoReport{}, err
	}
	caseIDs, err := p.saveCases(ctx, s, team)
	if err != nil {
		return demoReport{}, err
	}
	for i := range p.f.Reflections {
		if err := p.saveReflection(ctx, s, team, i, caseIDs, disciplines); err != nil {
			return demoReport{}, err
		}
	}
	if err := p.saveOutcomes(ctx, s, team, caseIDs); err != nil {
		return demoReport{}, err
	}
	return countDemo(ctx, s, team)
}

// refuseRealReflections returns demoRefusal if any team but the demo's
// has reflections.
func refuseRealReflections(ctx context.Context, s flows.Store) error {
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
	return nil
}

// team makes the demo team if it is not there and locks it, so two loads
// at once load it once; loaded says it has its reflections already.
func (p *demoPlan) team(ctx context.Context, s flows.Store) (team flows.Team, loaded bool, err error) {
	t := p.f.Team
	team, err = s.EnsureTeam(ctx, flows.Team{ID: t.ID, Name: t.Name, Timezone: t.Timezone, CreatedAt: p.first})
	if err != nil {
		return team, false, fmt.Errorf("creating the demo team: %w", err)
	}
	if team, err = s.GetTeam(ctx, team.ID); err != nil {
		return team, false, fmt.Errorf("locking the demo team: %w", err)
	}
	existing, err := s.ListReflections(ctx, team.ID)
	if err != nil {
		return team, false, fmt.Errorf("listing the demo team's reflections: %w", err)
	}
	return team, len(existing) > 0, nil
}

// saveMembers saves the members and returns their disciplines by user id.
func (p *demoPlan) saveMembers(ctx context.Context, s flows.Store, team flows.Team) (map[string]string, error) {
	disciplines := map[string]string{}
	for _, m := range p.f.Members {
		if _, err := s.SaveMember(ctx, flows.Member{TeamID: team.ID, UserID: m.User, Name: m.Name, Discipline: m.Discipline, CreatedAt: p.first}); err != nil {
			return nil, fmt.Errorf("saving demo member %s: %w", m.User, err)
		}
		disciplines[m.User] = m.Discipline
	}
	return disciplines, nil
}

// saveCases makes the cases not there yet and returns every case's id by
// label.
func (p *demoPlan) saveCases(ctx context.Context, s flows.Store, team flows.Team) (map[string]int64, error) {
	caseIDs := map[string]int64{}
	for _, label := range p.f.Cases {
		c, err := s.CaseByLabel(ctx, team.ID, label)
		if errors.Is(err, flows.ErrNotFound) {
			created, ok := p.caseStart[label]
			if !ok {
				created = p.first
			}
			c, err = s.CreateCase(ctx, flows.Case{TeamID: team.ID, Label: label, CreatedAt: created})
		}
		if err != nil {
			return nil, fmt.Errorf("saving demo case %s: %w", label, err)
		}
		caseIDs[label] = c.ID
	}
	return caseIDs, nil
}

// saveReflection saves reflection i, complete, and its answers, each
// through the scrubber.
func (p *demoPlan) saveReflection(ctx context.Context, s flows.Store, team flows.Team, i int, caseIDs map[string]int64, disciplines map[string]string) error {
	r, t := p.f.Reflections[i], p.times[i]
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
		text, _ := p.scrub(flows.CleanText(a.Text), p.f.Cases...)
		if _, err := s.AddAnswer(ctx, flows.Answer{
			ReflectionID: stored.ID, TeamID: team.ID, Stage: a.Stage, Author: a.By,
			Discipline: disciplines[a.By], Text: text, FollowUp: a.FollowUp,
			MessageID: slackTS(t.Answers[j], j+1), CreatedAt: t.Answers[j],
		}); err != nil {
			return fmt.Errorf("saving an answer of demo reflection %d: %w", i+1, err)
		}
	}
	return nil
}

// saveOutcomes saves the outcome records.
func (p *demoPlan) saveOutcomes(ctx context.Context, s flows.Store, team flows.Team, caseIDs map[string]int64) error {
	for i, d := range p.f.Outcomes {
		o, err := demoOutcomeRecord(team.ID, caseIDs[d.Case], d, p.now, p.loc)
		if err == nil {
			_, err = s.SaveOutcome(ctx, o)
		}
		if err != nil {
			return fmt.Errorf("saving demo outcome %d: %w", i+1, err)
		}
	}
	return nil
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
