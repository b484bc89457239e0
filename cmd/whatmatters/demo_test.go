package main

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"whatmatters/flows"
	"whatmatters/prompts"
	"whatmatters/scrub"
	"whatmatters/storage"
	"whatmatters/storage/storagetest"
)

// demoFixture parses the embedded data the way loadDemo does.
func demoFixture(t *testing.T) (demoFile, *prompts.Set, *time.Location) {
	t.Helper()
	templates, err := prompts.Load()
	if err != nil {
		t.Fatal(err)
	}
	f, err := parseDemo(demoData, templates)
	if err != nil {
		t.Fatal(err)
	}
	loc, err := time.LoadLocation(f.Team.Timezone)
	if err != nil {
		t.Fatal(err)
	}
	return f, templates, loc
}

func demoScrub(t *testing.T) flows.ScrubFunc {
	t.Helper()
	s, err := scrub.New(scrub.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return scrubFunc(s)
}

// demoSnapshot is everything a team holds, to show that a refused or
// repeated load changed nothing.
type demoSnapshot struct {
	Team        flows.Team
	Members     []flows.Member
	Cases       []flows.Case
	Reflections []flows.Reflection
	Answers     []flows.Answer
}

func snapshotTeam(t *testing.T, s flows.Store, teamID string) demoSnapshot {
	t.Helper()
	ctx := context.Background()
	var snap demoSnapshot
	var err error
	if snap.Team, err = s.GetTeam(ctx, teamID); err != nil {
		t.Fatal(err)
	}
	if snap.Members, err = s.ListMembers(ctx, teamID); err != nil {
		t.Fatal(err)
	}
	if snap.Cases, err = s.ListCases(ctx, teamID); err != nil {
		t.Fatal(err)
	}
	if snap.Reflections, err = s.ListReflections(ctx, teamID); err != nil {
		t.Fatal(err)
	}
	if snap.Answers, err = s.ListTeamAnswers(ctx, teamID); err != nil {
		t.Fatal(err)
	}
	return snap
}

// weekOffset is how many Monday-start weeks before now's week t falls, in loc.
func weekOffset(t, now time.Time, _ *time.Location) int {
	return int(now.Sub(t) / (7 * 24 * time.Hour))
}

func TestDemoLoadsDatedAndOnce(t *testing.T) {
	f, templates, loc := demoFixture(t)
	wantAnswers := 0
	for _, r := range f.Reflections {
		wantAnswers += len(r.Answers)
	}
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		// A team with no reflections, as the console leaves after
		// /reflect discipline, does not stop the demo.
		if _, err := db.EnsureTeam(ctx, flows.Team{ID: "console", Timezone: "Europe/London"}); err != nil {
			t.Fatal(err)
		}
		now := time.Now()
		rep, err := loadDemo(ctx, db, demoScrub(t), now)
		if err != nil {
			t.Fatalf("loadDemo: %v", err)
		}
		want := demoReport{Team: f.Team.Name, Members: len(f.Members), Cases: len(f.Cases), Reflections: len(f.Reflections), Answers: wantAnswers}
		if rep != want {
			t.Fatalf("report = %+v, want %+v", rep, want)
		}

		snap := snapshotTeam(t, db, demoTeamID)
		if snap.Team.Name != f.Team.Name || snap.Team.Timezone != "Europe/London" {
			t.Errorf("team = %+v", snap.Team)
		}
		disciplines := map[string]string{}
		for _, m := range snap.Members {
			disciplines[m.UserID] = m.Discipline
		}
		labels := map[int64]string{}
		for _, c := range snap.Cases {
			labels[c.ID] = c.Label
		}
		answers := map[int64][]flows.Answer{}
		for _, a := range snap.Answers {
			answers[a.ReflectionID] = append(answers[a.ReflectionID], a)
		}
		times := demoClock(f.Reflections, now)
		earliest := now.Add(-demoWeeks * 7 * 24 * time.Hour)
		inRange := func(what string, at time.Time) {
			t.Helper()
			if at.After(now) || !at.After(earliest) {
				t.Errorf("%s at %v: outside the last %d weeks before %v", what, at, demoWeeks, now)
			}
		}

		// ListReflections orders by creation; the data is in that order too.
		if len(snap.Reflections) != len(f.Reflections) {
			t.Fatalf("%d reflections stored", len(snap.Reflections))
		}
		for i, r := range snap.Reflections {
			d := f.Reflections[i]
			what := fmt.Sprintf("reflection %d (%s %s)", i+1, d.Template, d.Case)
			tpl, _ := templates.Get(r.Template)
			if r.Template != d.Template || labels[r.CaseID] != d.Case || r.Status != flows.StatusComplete ||
				r.Channel != demoChannel || r.Thread == "" || r.Stage != "" || r.StartedBy != d.Answers[0].By {
				t.Errorf("%s = %+v", what, r)
			}
			if !r.CreatedAt.Equal(times[i].Created) || !r.ClosedAt.Equal(times[i].Closed) || !r.LastActivityAt.Equal(r.ClosedAt) ||
				r.UpdatedAt.Before(r.ClosedAt) || !r.NudgedAt.IsZero() {
				t.Errorf("%s times: created %v closed %v activity %v updated %v", what, r.CreatedAt, r.ClosedAt, r.LastActivityAt, r.UpdatedAt)
			}
			inRange(what, r.CreatedAt)
			inRange(what+" closing", r.ClosedAt)
			if got := weekOffset(r.CreatedAt, now, loc); got != d.Week {
				t.Errorf("%s falls %d weeks back, want %d", what, got, d.Week)
			}
			as := answers[r.ID]
			if len(as) != len(d.Answers) {
				t.Fatalf("%s has %d answers, want %d", what, len(as), len(d.Answers))
			}
			for j, a := range as {
				da := d.Answers[j]
				if tpl.StageIndex(a.Stage) < 0 {
					t.Errorf("%s answer %d: stage %q is not in template %s", what, j+1, a.Stage, r.Template)
				}
				if a.Stage != da.Stage || a.Author != da.By || a.Discipline != disciplines[da.By] || a.Discipline == "" ||
					a.Text != da.Text || a.FollowUp != da.FollowUp || a.MessageID == "" {
					t.Errorf("%s answer %d = %+v", what, j+1, a)
				}
				if !a.CreatedAt.Equal(times[i].Answers[j]) {
					t.Errorf("%s answer %d stored at %v, given %v", what, j+1, a.CreatedAt, times[i].Answers[j])
				}
				inRange(fmt.Sprintf("%s answer %d", what, j+1), a.CreatedAt)
				if a.CreatedAt.Before(r.CreatedAt) || a.CreatedAt.After(r.ClosedAt) {
					t.Errorf("%s answer %d at %v, outside %v..%v", what, j+1, a.CreatedAt, r.CreatedAt, r.ClosedAt)
				}
			}
		}
		for _, c := range snap.Cases {
			if !demoOutcomeOnly(f, c.Label) {
				inRange("case "+c.Label, c.CreatedAt)
			}
		}

		// A second load says so and changes nothing.
		again, err := loadDemo(ctx, db, demoScrub(t), now.Add(time.Hour))
		if !errors.Is(err, errDemoLoaded) {
			t.Fatalf("second load: %v", err)
		}
		if again != want {
			t.Errorf("second load reports %+v, want %+v", again, want)
		}
		if diff := cmp.Diff(snap, snapshotTeam(t, db, demoTeamID)); diff != "" {
			t.Errorf("second load changed the demo team (-before +after):\n%s", diff)
		}
	})
}

func TestDemoRefusesADatabaseWithRealReflections(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		if _, err := db.EnsureTeam(ctx, flows.Team{ID: "T0001", Name: "A real team", Timezone: "Europe/London"}); err != nil {
			t.Fatal(err)
		}
		c, err := db.CreateCase(ctx, flows.Case{TeamID: "T0001", Label: "Kestrel"})
		if err != nil {
			t.Fatal(err)
		}
		r, err := db.CreateReflection(ctx, flows.Reflection{TeamID: "T0001", CaseID: c.ID, Template: "case",
			Status: flows.StatusInProgress, Channel: "C1", StartedBy: "U1", Stage: "what_matters"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.AddAnswer(ctx, flows.Answer{ReflectionID: r.ID, TeamID: "T0001", Stage: "what_matters", Author: "U1", Text: "Her garden."}); err != nil {
			t.Fatal(err)
		}
		before := snapshotTeam(t, db, "T0001")

		rep, err := loadDemo(ctx, db, demoScrub(t), time.Now())
		if !errors.Is(err, flows.ErrConflict) || errors.Is(err, errDemoLoaded) {
			t.Fatalf("loadDemo = %+v, %v; want a refusal", rep, err)
		}
		const msg = "this database holds real reflections; the demo only loads into an empty database: set DATABASE_URL=sqlite:demo.db"
		if err.Error() != msg {
			t.Errorf("refusal reads %q", err.Error())
		}
		if rep != (demoReport{}) {
			t.Errorf("refusal reports %+v", rep)
		}
		if _, err := db.GetTeam(ctx, demoTeamID); !errors.Is(err, flows.ErrNotFound) {
			t.Errorf("demo team after a refusal: %v", err)
		}
		teams, err := db.ListTeams(ctx)
		if err != nil || len(teams) != 1 {
			t.Errorf("teams after a refusal: %+v, %v", teams, err)
		}
		if diff := cmp.Diff(before, snapshotTeam(t, db, "T0001")); diff != "" {
			t.Errorf("the real team changed (-before +after):\n%s", diff)
		}
	})
}

// Whatever day and hour it is, nothing is dated in the future and every
// reflection falls in its week: the seven days ending that many weeks
// before now, so a digest of the last week holds week 0 and nothing else.
func TestDemoClockNeverDatesTheFuture(t *testing.T) {
	f, _, loc := demoFixture(t)
	nows := []time.Time{
		time.Date(2026, 3, 2, 0, 0, 0, 0, loc),                             // Monday, the first instant of the week
		time.Date(2026, 3, 2, 0, 0, 30, 0, loc),                            // Monday, half a minute in
		time.Date(2026, 3, 2, 9, 30, 0, 0, loc),                            // Monday morning
		time.Date(2026, 3, 4, 12, 0, 0, 0, loc),                            // Wednesday noon
		time.Date(2026, 3, 8, 23, 59, 59, 999999999, loc),                  // Sunday, the last instant
		time.Date(2026, 3, 30, 10, 0, 0, 0, loc),                           // the Monday after clocks go forward
		time.Date(2026, 10, 28, 16, 45, 0, 0, loc),                         // the week after clocks go back
		time.Date(2026, 1, 1, 8, 0, 0, 0, time.UTC),                        // a now given in another zone
		time.Date(2026, 6, 14, 23, 30, 0, 0, time.FixedZone("X", -8*3600)), // already Monday in London
	}
	for _, now := range nows {
		times := demoClock(f.Reflections, now)
		earliest := now.Add(-demoWeeks * 7 * 24 * time.Hour)
		perWeek := map[int]int{}
		for i, tm := range times {
			all := append([]time.Time{tm.Created}, tm.Answers...)
			all = append(all, tm.Closed)
			for k, at := range all {
				if at.After(now) || !at.After(earliest) {
					t.Fatalf("now %v: reflection %d time %d is %v", now, i+1, k, at)
				}
				if k > 0 && at.Before(all[k-1]) {
					t.Fatalf("now %v: reflection %d times out of order: %v", now, i+1, all)
				}
				if at.Location() != time.UTC {
					t.Fatalf("now %v: reflection %d time %v is not UTC", now, i+1, at)
				}
				if got := weekOffset(at, now, loc); got != f.Reflections[i].Week {
					t.Errorf("now %v: reflection %d time %d falls %d weeks back, want %d", now, i+1, k, got, f.Reflections[i].Week)
				}
			}
			perWeek[f.Reflections[i].Week]++
		}
		if perWeek[0] == 0 || perWeek[0] > 2*perWeek[1]+2 {
			t.Errorf("now %v: %d reflections in the last week against %d the week before", now, perWeek[0], perWeek[1])
		}
	}
}

// The demo text is written to need no scrubbing: if the scrubber removed
// anything, the stored text would show placeholders to a new user and the
// data should be rewritten instead.
func TestDemoDataPassesTheScrubberUntouched(t *testing.T) {
	f, _, _ := demoFixture(t)
	// The team's case pseudonyms are kept, as the engine keeps them.
	s, err := scrub.New(scrub.Options{Keep: f.Cases})
	if err != nil {
		t.Fatal(err)
	}
	check := func(what, text string) {
		t.Helper()
		if res := s.Scrub(text); res.Text != text || res.Total() != 0 {
			t.Errorf("%s: the scrubber removed %s:\n%s\n%s", what, res.Summary(), text, res.Text)
		}
	}
	check("team name", f.Team.Name)
	// Members' names are their Slack display names, never story text, so
	// only their disciplines go through the scrubber.
	for _, m := range f.Members {
		check("member "+m.User, m.Discipline)
	}
	for _, c := range f.Cases {
		check("case", c)
	}
	for i, r := range f.Reflections {
		for j, a := range r.Answers {
			check(fmt.Sprintf("reflection %d answer %d", i+1, j+1), a.Text)
			if a.Text != flows.CleanText(a.Text) {
				t.Errorf("reflection %d answer %d has surrounding space or control characters", i+1, j+1)
			}
		}
	}
}

// The data looks like a team's real use: threads of 3 to 8 answers by 1 to 4
// people, every discipline contributing, every case and week present.
func TestDemoDataShape(t *testing.T) {
	f, _, _ := demoFixture(t)
	if len(f.Members) < 6 || len(f.Cases) < 10 || len(f.Reflections) < 25 {
		t.Errorf("%d members, %d cases, %d reflections: too few for a digest", len(f.Members), len(f.Cases), len(f.Reflections))
	}
	discipline := map[string]string{}
	for _, m := range f.Members {
		discipline[m.User] = m.Discipline
		if !strings.HasPrefix(m.User, "UDEMO") || m.Name == "" || strings.Contains(m.Name, " ") {
			t.Errorf("member %+v: want a UDEMO id and a first name only", m)
		}
	}
	answered := map[string]int{}
	weeks := map[int]int{}
	templates := map[string]int{}
	caseSeen := map[string]bool{}
	for i, r := range f.Reflections {
		weeks[r.Week]++
		templates[r.Template]++
		caseSeen[r.Case] = true
		if n := len(r.Answers); n < 3 || n > 8 {
			t.Errorf("reflection %d has %d answers, want 3 to 8", i+1, n)
		}
		people := map[string]bool{}
		for _, a := range r.Answers {
			people[a.By] = true
			answered[discipline[a.By]]++
		}
		if len(people) > 4 {
			t.Errorf("reflection %d has %d people, want 1 to 4", i+1, len(people))
		}
	}
	for _, d := range []string{"district nurse", "GP", "palliative care CNS", "social worker", "chaplain", "HCA", "OT", "physiotherapist"} {
		if answered[d] == 0 {
			t.Errorf("no answers by a %s", d)
		}
	}
	for w := range demoWeeks {
		if weeks[w] < 3 {
			t.Errorf("week %d has %d reflections, want at least 3", w, weeks[w])
		}
	}
	for _, tpl := range []string{"case", "after_death", "check_in"} {
		if templates[tpl] == 0 {
			t.Errorf("no %s reflections", tpl)
		}
	}
	if templates["case"] <= templates["after_death"]+templates["check_in"] {
		t.Errorf("templates %v: want mostly case reflections", templates)
	}
	for _, c := range f.Cases {
		if !caseSeen[c] && !demoOutcomeOnly(f, c) {
			t.Errorf("case %s has no reflection", c)
		}
	}
}

// demoOutcomeOnly reports whether a demo case is known only by its outcome
// record: a death before the demo's weeks of stories, there so that the
// outcomes' quarter has a quarter before it.
func demoOutcomeOnly(f demoFile, label string) bool {
	for _, r := range f.Reflections {
		if r.Case == label {
			return false
		}
	}
	for _, o := range f.Outcomes {
		if o.Case == label {
			return o.Week >= demoWeeks
		}
	}
	return false
}

// demoTopics are the themes the demo is written to make recur.
var demoTopics = map[string]*regexp.Regexp{
	"JIC meds and OOH":         regexp.MustCompile(`(?i)\bjic\b`),
	"dying at home":            regexp.MustCompile(`(?i)\b(ppc home|at home|die at home|stay home)\b`),
	"faith community":          regexp.MustCompile(`(?i)\b(church|choir|gurdwara|priest|mass|faith)\b`),
	"carer exhaustion, nights": regexp.MustCompile(`(?i)(night sitting|exhausted|shattered|on (his|her) knees|not sleeping|slept)`),
	"garden and allotment":     regexp.MustCompile(`(?i)\b(allotment|garden)\b`),
	"a pet":                    regexp.MustCompile(`(?i)\b(cat|dog|budgie)\b`),
}

// Recurring themes are the point of a digest: each topic shows in several
// cases and several weeks, and a few themes belong to one case only.
func TestDemoDataRecurringTopics(t *testing.T) {
	f, _, _ := demoFixture(t)
	recurring := 0
	for name, re := range demoTopics {
		cases, weeks := map[string]bool{}, map[int]bool{}
		for _, r := range f.Reflections {
			for _, a := range r.Answers {
				if re.MatchString(a.Text) {
					weeks[r.Week] = true
					if r.Case != "" {
						cases[r.Case] = true
					}
				}
			}
		}
		t.Logf("%s: %d cases, %d weeks", name, len(cases), len(weeks))
		if len(cases) >= 3 && len(weeks) >= 3 {
			recurring++
		} else {
			t.Errorf("%s: in %d cases and %d weeks, want 3 of each", name, len(cases), len(weeks))
		}
	}
	if recurring < 3 {
		t.Errorf("%d recurring topics, want at least 3", recurring)
	}
	for topic, only := range map[string]string{"memory box": "Linnet", "harbour": "Plover", "letter": "Curlew"} {
		for _, r := range f.Reflections {
			for _, a := range r.Answers {
				if strings.Contains(strings.ToLower(a.Text), topic) && r.Case != "" && r.Case != only {
					t.Errorf("%q, meant as %s's alone, shows in %s", topic, only, r.Case)
				}
			}
		}
	}
}

// The team's story is a shift: early weeks read like the record (facts,
// services, reacting), later weeks tell stories in people's own words and
// plan ahead. The markers are rough, but the shift must be plain in them.
func TestDemoDataShiftsFromRecordToStory(t *testing.T) {
	f, _, _ := demoFixture(t)
	story := regexp.MustCompile(`(?i)(\bsaid\b|\btold me\b|\basked\b|'[A-Za-z])`)
	record := regexp.MustCompile(`(?i)\b(referral|assessment|review|reviewed|monitor|mets|ca|x2|2x|oedema|diuretics|pu|hf|copd|sob|prn|mst)\b`)
	share := func(re *regexp.Regexp, weeks ...int) float64 {
		n, hit := 0, 0
		for _, r := range f.Reflections {
			for _, w := range weeks {
				if r.Week != w {
					continue
				}
				for _, a := range r.Answers {
					n++
					if re.MatchString(a.Text) {
						hit++
					}
				}
			}
		}
		return float64(hit) / float64(n)
	}
	early, late := []int{7, 6, 5}, []int{2, 1, 0}
	if e, l := share(story, early...), share(story, late...); l < 2*e {
		t.Errorf("answers telling a story: %.2f early, %.2f late; want late at least twice early", e, l)
	}
	if e, l := share(record, early...), share(record, late...); e < 2*l {
		t.Errorf("answers in record register: %.2f early, %.2f late; want early at least twice late", e, l)
	}
}
