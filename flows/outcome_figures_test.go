package flows_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"whatmatters/flows"
)

// rec is an outcome record for the figures' tables: wish and place, plan
// and sharing, anticipatory medicines, carer strain, admissions ("" for
// not known in the strings, -1 for the numbers).
func rec(wish, died, plan, shared, jic, strain string, admissions, bedDays int) flows.Outcome {
	o := flows.NewOutcome("T1", 1, "2026-W40")
	o.PreferredPlace, o.DiedAt, o.CarePlan, o.PlanShared, o.JICMeds, o.CarerStrain = wish, died, plan, shared, jic, strain
	o.Admissions, o.BedDays = admissions, bedDays
	for _, p := range []*string{&o.PreferredPlace, &o.DiedAt, &o.CarePlan, &o.PlanShared, &o.JICMeds, &o.CarerStrain} {
		if *p == "" {
			*p = flows.OutcomeNotKnown
		}
	}
	return o
}

func times(n int, o flows.Outcome) []flows.Outcome {
	out := make([]flows.Outcome, n)
	for i := range out {
		out[i] = o
	}
	return out
}

func join(lists ...[]flows.Outcome) []flows.Outcome {
	var out []flows.Outcome
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}

var (
	metHome    = rec("home", "home", "yes", "yes", "yes", "no", 1, 3)
	diedInHosp = rec("home", "hospital", "no", "no", "no", "yes", 2, 9)
	noWish     = rec("", "hospital", "", "", "", "", -1, -1)
)

// TestOutcomeFigureLines: each figure counts what it says over the records
// where it is known, says how many it is not known for, sets the period
// before beside it, and shows every count under 3 as "fewer than 3".
func TestOutcomeFigureLines(t *testing.T) {
	for _, tc := range []struct {
		name      string
		now, prev []flows.Outcome
		key       string
		want      string
	}{
		{"seven of nine, two not known", join(times(7, metHome), times(2, diedInHosp), times(2, noWish)), times(8, metHome), flows.FigureDiedWhereWished,
			"Died where they wished: 7 of 9 where the wish was known (fewer than 3 not known); the 13 weeks before, 8 of 8."},
		{"too few known to show", join(times(2, metHome), times(5, noWish)), nil, flows.FigureDiedWhereWished,
			"Died where they wished: known for fewer than 3, too few to show (5 not known); the 13 weeks before, nothing recorded."},
		{"a count under 3 of enough", join(times(1, metHome), times(4, diedInHosp)), times(2, metHome), flows.FigureDiedWhereWished,
			"Died where they wished: fewer than 3 of 5 where the wish was known; the 13 weeks before, too few to show."},
		{"none of enough is fewer than 3 too", times(4, diedInHosp), times(3, diedInHosp), flows.FigureDiedWhereWished,
			"Died where they wished: fewer than 3 of 4 where the wish was known; the 13 weeks before, fewer than 3 of 3."},
		{"somewhere else cannot be compared", join(times(3, metHome), times(3, rec("other", "other", "", "", "", "", -1, -1))), nil, flows.FigureDiedWhereWished,
			"Died where they wished: 3 of 3 where the wish was known (3 not known); the 13 weeks before, nothing recorded."},
		{"no plan counts as known, a plan not known if shared does not",
			join(times(4, metHome), times(3, diedInHosp), times(2, rec("home", "home", "yes", "", "yes", "no", 0, 0))), nil, flows.FigurePlanShared,
			"A plan in place and shared with out-of-hours before death: 4 of 7 where known (fewer than 3 not known); the 13 weeks before, nothing recorded."},
		{"anticipatory medicines", join(times(5, metHome), times(3, diedInHosp), times(3, noWish)), times(4, metHome), flows.FigureJICMeds,
			"Anticipatory medicines in place before they were needed: 5 of 8 where known (3 not known); the 13 weeks before, 4 of 4."},
		{"carer strain", join(times(3, metHome), times(3, diedInHosp)), times(3, diedInHosp), flows.FigureCarerStrain,
			"A main family carer under strain: 3 of 6 where known; the 13 weeks before, 3 of 3."},
		{"median admissions, an even count", join(times(2, metHome), times(2, diedInHosp), times(1, noWish)), times(3, metHome), flows.FigureAdmissions,
			"Unplanned hospital admissions in the last 90 days: median 1.5, over the 4 for whom it is known, with a median of 6 bed-days (fewer than 3 not known); the 13 weeks before, median 1 over 3."},
		{"too few for a median", join(times(2, metHome), times(4, noWish)), times(2, metHome), flows.FigureAdmissions,
			"Unplanned hospital admissions in the last 90 days: known for fewer than 3, too few for a median (4 not known); the 13 weeks before, too few for a median."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			figs := flows.OutcomeFigures(tc.now, tc.prev, "the 13 weeks before")
			for _, f := range figs {
				if f.Key == tc.key {
					if f.Text != tc.want {
						t.Errorf("got  %s\nwant %s", f.Text, tc.want)
					}
					return
				}
			}
			t.Fatalf("no figure %s", tc.key)
		})
	}
}

// TestTallyShowsSmallNumbers: in text and in JSON alike, a count under 3 is
// "fewer than 3"; 3 and over are numbers.
func TestTallyShowsSmallNumbers(t *testing.T) {
	for n, want := range map[int][2]string{
		0: {"fewer than 3", `"fewer than 3"`}, 1: {"fewer than 3", `"fewer than 3"`}, 2: {"fewer than 3", `"fewer than 3"`},
		3: {"3", "3"}, 12: {"12", "12"},
	} {
		tl := flows.Tally(n)
		b, err := json.Marshal(tl)
		if err != nil {
			t.Fatal(err)
		}
		if tl.String() != want[0] || string(b) != want[1] {
			t.Errorf("%d: %q and %s; want %q and %s", n, tl.String(), b, want[0], want[1])
		}
		var back flows.Tally
		if err := json.Unmarshal(b, &back); err != nil || (n >= 3 && int(back) != n) || (n < 3 && back != 0) {
			t.Errorf("%d read back as %d, %v", n, back, err)
		}
	}
	// A figure's counts in JSON: nothing under 3 as a number.
	f := flows.OutcomeFigures(join(times(2, metHome), times(4, diedInHosp)), nil, "the 13 weeks before")
	b, _ := json.Marshal(f)
	for _, small := range []string{`"yes":2`, `"yes":1`, `"not_known":2`, `"of":2`, `"of":1`} {
		if strings.Contains(string(b), small) {
			t.Errorf("figures JSON holds %s: %s", small, b)
		}
	}
}

// TestOutcomeMeetings: the cases on one side are set against the others
// only when each side has at least 3; a theme or reading is listed when at
// least 3 of the side carry it and a greater share than the others, the
// widest difference first; never more than three themes and two readings.
func TestOutcomeMeetings(t *testing.T) {
	theme := func(id string) flows.StorySignal {
		return flows.StorySignal{Kind: flows.SignalTheme, ID: id, Label: "Theme " + id}
	}
	reading := func(id string) flows.StorySignal {
		return flows.StorySignal{Kind: flows.SignalReading, ID: id, Label: "reading " + id}
	}
	var records []flows.Outcome
	stories := map[int64][]flows.StorySignal{}
	add := func(id int64, o flows.Outcome, sigs ...flows.StorySignal) {
		o.CaseID = id
		records = append(records, o)
		if sigs != nil {
			stories[id] = sigs
		}
	}
	// Four who did not die where they wished, all with a plan in place.
	unmet := rec("home", "hospital", "yes", "no", "yes", "yes", 1, 1)
	add(1, unmet, theme("carer"), theme("ooh"), reading("away:anticipation"))
	add(2, unmet, theme("carer"), theme("ooh"), reading("away:anticipation"))
	add(3, unmet, theme("carer"), theme("pets"), reading("away:anticipation"))
	add(4, unmet, theme("pets"), theme("ooh"))
	// Five who did, one of them with no plan; and one with no reflection.
	add(5, metHome, theme("carer"))
	add(6, metHome, theme("ooh"), theme("ooh"))
	add(7, metHome, theme("faith"))
	add(8, metHome, theme("faith"), reading("away:anticipation"))
	add(9, rec("home", "home", "no", "no", "yes", "no", 0, 0), theme("faith"))
	add(10, unmet)
	ms := flows.OutcomeMeetings(records, stories)
	if len(ms) != 2 {
		t.Fatalf("%d meetings", len(ms))
	}
	wish, plan := ms[0], ms[1]
	if wish.Key != "wish" || wish.Cases != 4 || wish.Others != 5 {
		t.Fatalf("wish meeting = %+v", wish)
	}
	var got []string
	for _, s := range wish.Signals {
		got = append(got, s.ID)
	}
	// carer: 3/4 against 1/5; ooh: 3/4 against 1/5 (twice in one case is
	// once); away:anticipation 3/4 against 1/5; pets 2/4 is under 3.
	if strings.Join(got, ",") != "carer,ooh,away:anticipation" {
		t.Errorf("wish signals = %v", got)
	}
	// Ten records say whether the wish was met, nine cases have
	// reflections: the meeting says so before its figures, so that "5 of
	// 10" above and "the 4 who did not" here are not read as disagreeing.
	base := "Of the 10 where the wish was known, 9 have reflections here; only they are set side by side."
	want := "Of the 4 who did not die where they wished, the reflections of 3 mention Theme carer; of the 5 who did, fewer than 3."
	if len(wish.Lines) != 4 || wish.Lines[0] != base || wish.Lines[1] != want {
		t.Errorf("wish lines = %q; want first %q, %q", wish.Lines, base, want)
	}
	if !strings.Contains(wish.Lines[3], "the reflections of 3 read as reading away:anticipation") {
		t.Errorf("reading line = %q", wish.Lines[3])
	}
	// One case had no plan: too few on that side.
	if plan.Key != "plan" || plan.Cases != 1 || len(plan.Signals) != 0 || len(plan.Lines) != 2 ||
		plan.Lines[0] != "Of the 10 where it is known whether a plan was in place, 9 have reflections here; only they are set side by side." ||
		plan.Lines[1] != "Of the cases whose reflections are here, fewer than 3 had no plan in place and 8 had one: too few on one side to set their reflections beside the others' without pointing at someone." {
		t.Errorf("plan meeting = %+v", plan)
	}
	// With every case read, there is nothing to say first.
	if ms := flows.OutcomeMeetings(records[:9], stories); ms[0].Lines[0] != want {
		t.Errorf("with every case read, the wish meeting opens %q", ms[0].Lines[0])
	}
	b, _ := json.Marshal(plan)
	if !strings.Contains(string(b), `"cases":"fewer than 3"`) {
		t.Errorf("plan meeting JSON = %s", b)
	}
}

// TestOutcomeWeeks: weeks are ISO weeks; a date is refused, only the week
// is kept; a week to come is refused; exports give the week's month.
func TestOutcomeWeeks(t *testing.T) {
	now := time.Date(2026, 1, 6, 10, 0, 0, 0, time.UTC) // Tuesday of 2026-W02
	london, _ := time.LoadLocation("Europe/London")
	for _, tc := range []struct{ in, want, err string }{
		{"this week", "2026-W02", ""},
		{"last_week", "2026-W01", ""},
		{"3 weeks ago", "2025-W51", ""},
		{"2025-w52", "2025-W52", ""},
		{"2026-W03", "", "not come yet"},
		{"2026-01-05", "", "never a date"},
		{"5/1/2026", "", "never a date"},
		{"2025-W53", "", "never a date"}, // 2025 has 52 weeks
		{"many weeks ago", "", "as a number"},
	} {
		got, err := flows.ParseOutcomeWeek(tc.in, now, london)
		if got != tc.want || (tc.err == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.err)) {
			t.Errorf("%q: %q, %v; want %q, an error saying %q", tc.in, got, err, tc.want, tc.err)
		}
	}
	for key, want := range map[string]string{"2026-W01": "2025-12-29", "2026-W53": "2026-12-28", "2020-W53": "2020-12-28"} {
		mon, ok := flows.ISOWeekStart(key)
		if !ok || mon.Format("2006-01-02") != want {
			t.Errorf("%s starts %v, %v; want %s", key, mon, ok, want)
		}
	}
	if m := flows.ISOWeekMonth("2026-W01"); m != "2026-01" { // its Thursday is 1 January
		t.Errorf("2026-W01's month = %s", m)
	}
	if w := flows.AddISOWeeks("2026-W01", -1); w != "2025-W52" {
		t.Errorf("the week before 2026-W01 = %s", w)
	}
}
