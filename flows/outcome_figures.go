package flows

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// SmallNumber is the smallest count shown as it is: a count of people
// under it is shown as "fewer than 3", in text, charts and JSON alike, so
// that a figure never points at one or two people the team knows.
const SmallNumber = 3

// OutcomeQuarterWeeks is the length of a quarter, in weeks.
const OutcomeQuarterWeeks = 13

// MaxOutcomeQuarters bounds --quarters and /reflect outcomes N.
const MaxOutcomeQuarters = 8

// Tally is a count of people (or their records) as it may be shown: under
// SmallNumber it reads, and encodes in JSON, as "fewer than 3".
type Tally int

// Small reports whether the count is shown as "fewer than 3".
func (t Tally) Small() bool { return t < SmallNumber }

// String is the count as shown.
func (t Tally) String() string {
	if t.Small() {
		return fmt.Sprintf("fewer than %d", SmallNumber)
	}
	return strconv.Itoa(int(t))
}

// MarshalJSON writes the count as a number, or as "fewer than 3".
func (t Tally) MarshalJSON() ([]byte, error) {
	if t.Small() {
		return json.Marshal(t.String())
	}
	return json.Marshal(int(t))
}

// UnmarshalJSON reads what MarshalJSON writes; "fewer than 3" reads as 0.
func (t *Tally) UnmarshalJSON(b []byte) error {
	var n int
	if err := json.Unmarshal(b, &n); err == nil {
		*t = Tally(n)
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	*t = 0
	return nil
}

// The outcome figures, by key.
const (
	FigureDiedWhereWished = "died_where_wished"
	FigurePlanShared      = "plan_shared"
	FigureJICMeds         = "jic_meds"
	FigureAdmissions      = "admissions"
	FigureCarerStrain     = "carer_strain"
)

// OutcomeCount is one figure over one period: how many of how many (Of,
// those for whom it is known), and how many it is not known for. For
// admissions it is the median over Of (and the median of bed-days over
// BedDaysOf).
type OutcomeCount struct {
	Yes      Tally    `json:"yes,omitempty"`
	Of       Tally    `json:"of"`
	NotKnown Tally    `json:"not_known"`
	Median   *float64 `json:"median,omitempty"`
	// BedDaysMedian and BedDaysOf are the median bed-days, for admissions.
	BedDaysMedian *float64 `json:"bed_days_median,omitempty"`
	BedDaysOf     Tally    `json:"bed_days_of,omitempty"`
}

// OutcomeFigure is one figure of the period, beside the period before,
// and how it reads.
type OutcomeFigure struct {
	Key      string       `json:"key"`
	Label    string       `json:"label"`
	Now      OutcomeCount `json:"period"`
	Previous OutcomeCount `json:"previous"`
	// Text is the figure as a line of the digest.
	Text string `json:"text"`
}

// OutcomeMeeting is where stories and outcomes meet for one outcome: the
// cases where it went one way (the wish not met, no plan in place) set
// against the others, and what their reflections carry most. Offered as
// prompts for a learning session, never as causes.
type OutcomeMeeting struct {
	Key string `json:"key"` // "wish" or "plan"
	// Subject names it for a learning session ("Discuss in a session").
	Subject string `json:"subject"`
	// Cases and Others are the cases with reflections on each side.
	Cases  Tally `json:"cases"`
	Others Tally `json:"others"`
	// Signals are what the cases' reflections carry more than the others'.
	Signals []MeetingSignal `json:"signals"`
	// Lines say it in words, one line a signal (or why there is none).
	Lines []string `json:"lines"`
}

// MeetingSignal is one theme or reading and how many cases on each side
// carry it.
type MeetingSignal struct {
	StorySignal
	Cases  Tally `json:"cases"`
	Others Tally `json:"others"`
}

// OutcomeReport is a team's outcome figures for a period of quarters,
// beside the period before, and where they meet the stories.
type OutcomeReport struct {
	TeamID   string `json:"team_id"`
	Timezone string `json:"timezone"`
	Quarters int    `json:"quarters"`
	// Weeks are ISO weeks, both ends included.
	FromWeek     string `json:"from_week"`
	ToWeek       string `json:"to_week"`
	PrevFromWeek string `json:"previous_from_week"`
	PrevToWeek   string `json:"previous_to_week"`
	// Until is when the report was made for: its last week ends then.
	Until time.Time `json:"until"`
	// Records and PrevRecords count the deaths recorded in each period.
	Records     Tally           `json:"records"`
	PrevRecords Tally           `json:"previous_records"`
	Figures     []OutcomeFigure `json:"figures"`
	// Directions is how the period's answers read on the four
	// directions, beside the period before: the stories beside the
	// outcomes (empty when the stories could not be read).
	Directions []DirectionReading `json:"directions"`
	Meetings   []OutcomeMeeting   `json:"where_stories_meet"`
	// Note says what the figures are and are not.
	Note string `json:"note"`
}

// Empty reports whether there is nothing recorded in either period.
func (r OutcomeReport) Empty() bool { return r.Records == 0 && r.PrevRecords == 0 }

// Period describes the report's weeks: "the 13 weeks from Mon 25 Aug to
// Sun 23 Nov 2026".
func (r OutcomeReport) Period() string {
	from, ok1 := ISOWeekStart(r.FromWeek)
	to, ok2 := ISOWeekStart(r.ToWeek)
	if !ok1 || !ok2 {
		return "the period"
	}
	end := to.AddDate(0, 0, 6)
	if !r.Until.IsZero() {
		loc, err := time.LoadLocation(r.Timezone)
		if err != nil {
			loc = time.UTC
		}
		y, m, d := r.Until.Add(-time.Nanosecond).In(loc).Date()
		if last := time.Date(y, m, d, 0, 0, 0, 0, time.UTC); last.Before(end) {
			end = last
		}
	}
	return fmt.Sprintf("the %d weeks from %s to %s", r.Quarters*OutcomeQuarterWeeks,
		from.Format("Mon 2 Jan"), end.Format("Mon 2 Jan 2006"))
}

// previousWords names the period before: "the 13 weeks before".
func (r OutcomeReport) previousWords() string {
	return fmt.Sprintf("the %d weeks before", r.Quarters*OutcomeQuarterWeeks)
}

// StoryReader reads a team's stories beside its outcomes: what each
// case's reflections carry (catalogue themes and codebook readings), and
// how a period's answers read on the four directions. The themes package
// provides one (themes.Digester); flows owns the interface so that it
// needs nothing of themes. An engine's DigestMaker that is also a
// StoryReader is used for outcome reports.
type StoryReader interface {
	ReadStories(ctx context.Context, s AnswerLister, req StoryRequest) (Stories, error)
}

// StoryRequest says which stories to read: every answer of the cases
// named, whenever given, and the team's answers in [PrevFrom, From) and
// [From, To) for the directions, from the channels Shown allows (nil:
// all).
type StoryRequest struct {
	TeamID             string
	CaseIDs            []int64
	PrevFrom, From, To time.Time
	Shown              func(channel string) bool
}

// Stories is what a StoryReader read.
type Stories struct {
	// Cases holds, for each case with at least one answer read, what its
	// reflections carry, each signal once.
	Cases map[int64][]StorySignal
	// Directions is how the period's answers read, beside the period
	// before.
	Directions []DirectionReading
}

// StorySignal is a catalogue theme ("theme": ID is the theme's id) or a
// codebook reading ("reading": ID is "toward:DIRECTION" or
// "away:DIRECTION") that a case's reflections carry, with its label.
type StorySignal struct {
	Kind  string `json:"kind"`
	ID    string `json:"id"`
	Label string `json:"label"`
}

// The kinds of story signal.
const (
	SignalTheme   = "theme"
	SignalReading = "reading"
)

// outcomePeriods are the weeks of a report of quarters quarters ending
// with the week of to (to itself excluded): the period and the one before.
func outcomePeriods(to time.Time, loc *time.Location, quarters int) (from, last, prevFrom, prevLast string) {
	last = ISOWeekKey(to.Add(-time.Nanosecond), loc)
	n := quarters * OutcomeQuarterWeeks
	from = AddISOWeeks(last, -(n - 1))
	prevLast = AddISOWeeks(from, -1)
	prevFrom = AddISOWeeks(from, -n)
	return from, last, prevFrom, prevLast
}

func inWeeks(week, from, last string) bool { return week >= from && week <= last }

// isPlace reports whether v names a place, not "not known".
func isPlace(v string) bool { return v != "" && v != OutcomeNotKnown }

// wishKnown reports whether a record says both where they wished to die
// and where they died, so that the two can be compared. A wish of
// "somewhere else" cannot be compared with a death "somewhere else".
func wishKnown(o Outcome) bool {
	return isPlace(o.PreferredPlace) && o.PreferredPlace != "other" && isPlace(o.DiedAt)
}

func wishMet(o Outcome) bool { return wishKnown(o) && o.PreferredPlace == o.DiedAt }

// planKnown reports whether it is known if a plan was in place and shared
// with out-of-hours services: no plan, or a plan and whether it was
// shared.
func planKnown(o Outcome) bool {
	return o.CarePlan == "no" || o.CarePlan == "yes" && (o.PlanShared == "yes" || o.PlanShared == "no")
}

func planShared(o Outcome) bool { return o.CarePlan == "yes" && o.PlanShared == "yes" }

// countOutcomes is one figure over records.
func countOutcomes(key string, records []Outcome) OutcomeCount {
	var c OutcomeCount
	switch key {
	case FigureAdmissions:
		var adm, beds []float64
		for _, o := range records {
			if o.Admissions >= 0 {
				adm = append(adm, float64(o.Admissions))
			}
			if o.BedDays >= 0 {
				beds = append(beds, float64(o.BedDays))
			}
		}
		c.Of, c.NotKnown, c.BedDaysOf = Tally(len(adm)), Tally(len(records)-len(adm)), Tally(len(beds))
		if len(adm) >= SmallNumber {
			m := median(adm)
			c.Median = &m
		}
		if len(beds) >= SmallNumber {
			m := median(beds)
			c.BedDaysMedian = &m
		}
		return c
	}
	known, yes := 0, 0
	for _, o := range records {
		var k, y bool
		switch key {
		case FigureDiedWhereWished:
			k, y = wishKnown(o), wishMet(o)
		case FigurePlanShared:
			k, y = planKnown(o), planShared(o)
		case FigureJICMeds:
			k, y = o.JICMeds == "yes" || o.JICMeds == "no", o.JICMeds == "yes"
		case FigureCarerStrain:
			k, y = o.CarerStrain == "yes" || o.CarerStrain == "no", o.CarerStrain == "yes"
		}
		if k {
			known++
			if y {
				yes++
			}
		}
	}
	c.Yes, c.Of, c.NotKnown = Tally(yes), Tally(known), Tally(len(records)-known)
	return c
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// outcomeFigureLabels say each figure in people's words, and what "where
// known" means for it.
var outcomeFigureLabels = []struct{ key, label, known string }{
	{FigureDiedWhereWished, "Died where they wished", "where the wish was known"},
	{FigurePlanShared, "A plan in place and shared with out-of-hours before death", "where known"},
	{FigureJICMeds, "Anticipatory medicines in place before they were needed", "where known"},
	{FigureAdmissions, "Unplanned hospital admissions in the last 90 days", ""},
	{FigureCarerStrain, "A main family carer under strain", "where known"},
}

// OutcomeFigures computes the figures of a period's records beside the
// period before's, each with its line. previous names the period before
// ("the 13 weeks before").
func OutcomeFigures(now, prev []Outcome, previous string) []OutcomeFigure {
	out := make([]OutcomeFigure, 0, len(outcomeFigureLabels))
	for _, l := range outcomeFigureLabels {
		f := OutcomeFigure{Key: l.key, Label: l.label, Now: countOutcomes(l.key, now), Previous: countOutcomes(l.key, prev)}
		f.Text = figureLine(f, l.known, previous, len(prev))
		out = append(out, f)
	}
	return out
}

// figureLine says a figure: "Died where they wished: 7 of 9 where the
// wish was known (fewer than 3 not known); the 13 weeks before, 5 of 8."
func figureLine(f OutcomeFigure, known, previous string, prevRecords int) string {
	c, p := f.Now, f.Previous
	var b strings.Builder
	b.WriteString(f.Label + ": ")
	if f.Key == FigureAdmissions {
		b.WriteString(medianText(c, true))
	} else if c.Of.Small() {
		fmt.Fprintf(&b, "known for %s, too few to show", c.Of)
	} else {
		fmt.Fprintf(&b, "%s of %s %s", c.Yes, c.Of, known)
	}
	if c.NotKnown > 0 {
		fmt.Fprintf(&b, " (%s not known)", c.NotKnown)
	}
	b.WriteString("; " + previous + ", ")
	switch {
	case prevRecords == 0:
		b.WriteString("nothing recorded")
	case f.Key == FigureAdmissions:
		b.WriteString(medianText(p, false))
	case p.Of.Small():
		b.WriteString("too few to show")
	default:
		fmt.Fprintf(&b, "%s of %s", p.Yes, p.Of)
	}
	b.WriteString(".")
	return b.String()
}

// medianText says the median admissions (and bed-days) over those known.
func medianText(c OutcomeCount, long bool) string {
	if c.Median == nil {
		if long {
			return fmt.Sprintf("known for %s, too few for a median", c.Of)
		}
		return "too few for a median"
	}
	s := fmt.Sprintf("median %s over %s", number(*c.Median), c.Of)
	if long {
		s = fmt.Sprintf("median %s, over the %s for whom it is known", number(*c.Median), c.Of)
		if c.BedDaysMedian != nil {
			s += fmt.Sprintf(", with a median of %s bed-days", number(*c.BedDaysMedian))
		}
	}
	return s
}

func number(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// outcomeNote is what every outcome report says of itself.
const outcomeNote = "What happened, read beside the stories: prompts for a learning session, never causes, and never a measure of any one person's work. Numbers under 3 are shown as \"fewer than 3\"."

// OutcomeRequest says which outcome report to build: the team's, for the
// Quarters quarters ending with the week of To, drawing the stories from
// the channels Shown allows (nil: all).
type OutcomeRequest struct {
	TeamID   string
	Quarters int
	To       time.Time
	Shown    func(channel string) bool
}

// OutcomeReport builds the team's outcome report. It returns ErrNotFound
// for an unknown team; a team with no records gets an empty report.
func (e *Engine) OutcomeReport(ctx context.Context, req OutcomeRequest) (OutcomeReport, error) {
	return e.outcomesOn(e.store).reports().outcomeReport(ctx, req)
}

// outcomeReport is OutcomeReport, over only what a report reads.
func (oc *outcomeReports) outcomeReport(ctx context.Context, req OutcomeRequest) (OutcomeReport, error) {
	if req.Quarters < 1 {
		req.Quarters = 1
	}
	team, err := oc.st.GetTeam(ctx, req.TeamID)
	if err != nil {
		return OutcomeReport{}, fmt.Errorf("loading team: %w", err)
	}
	loc := oc.location(team)
	rep, now, err := outcomeFiguresReport(ctx, oc.st, team.ID, loc, req.To, req.Quarters)
	if err != nil {
		return rep, err
	}
	from, last, prevFrom := rep.FromWeek, rep.ToWeek, rep.PrevFromWeek
	reader, ok := oc.digests.(StoryReader)
	if !ok || rep.Empty() {
		return rep, nil
	}
	var ids []int64
	for _, o := range now {
		if o.CaseID != 0 {
			ids = append(ids, o.CaseID)
		}
	}
	start := func(week string) time.Time {
		mon, _ := ISOWeekStart(week)
		return time.Date(mon.Year(), mon.Month(), mon.Day(), 0, 0, 0, 0, loc).UTC()
	}
	stories, err := reader.ReadStories(ctx, oc.st, StoryRequest{TeamID: team.ID, CaseIDs: ids,
		PrevFrom: start(prevFrom), From: start(from), To: start(AddISOWeeks(last, 1)), Shown: req.Shown})
	if err != nil {
		return rep, fmt.Errorf("reading the stories: %w", err)
	}
	rep.Directions = stories.Directions
	rep.Meetings = OutcomeMeetings(now, stories.Cases)
	return rep, nil
}

// outcomeFiguresReport is the team's report of quarters quarters ending
// with the week of to, in loc, with its figures only (no stories), and the
// records of the period.
func outcomeFiguresReport(ctx context.Context, s outcomeLister, teamID string, loc *time.Location, to time.Time, quarters int) (OutcomeReport, []Outcome, error) {
	from, last, prevFrom, prevLast := outcomePeriods(to, loc, quarters)
	rep := OutcomeReport{TeamID: teamID, Timezone: loc.String(), Quarters: quarters, Until: to.UTC(),
		FromWeek: from, ToWeek: last, PrevFromWeek: prevFrom, PrevToWeek: prevLast, Note: outcomeNote,
		Figures: []OutcomeFigure{}, Directions: []DirectionReading{}, Meetings: []OutcomeMeeting{}}
	all, err := s.ListOutcomes(ctx, teamID)
	if err != nil {
		return rep, nil, fmt.Errorf("listing outcome records: %w", err)
	}
	var now, prev []Outcome
	for _, o := range all {
		switch w := o.Week(); {
		case inWeeks(w, from, last):
			now = append(now, o)
		case inWeeks(w, prevFrom, prevLast):
			prev = append(prev, o)
		}
	}
	rep.Records, rep.PrevRecords = Tally(len(now)), Tally(len(prev))
	rep.Figures = OutcomeFigures(now, prev, rep.previousWords())
	return rep, now, nil
}

// The meetings of stories and outcomes: which cases go on which side.
var outcomeSides = []struct {
	key, subject string
	side         func(Outcome) (known, one bool)
	// The cases and the others, as in "of the 4 who did not die where
	// they wished … of the 7 who did", and as in "fewer than 3 did not
	// die where they wished and 7 did".
	casesWord, other   string
	oneVerb, otherVerb string
	// known says which records are on one side or the other, as in "of
	// the 9 where the wish was known".
	known string
}{
	{"wish", "dying where they wished",
		func(o Outcome) (bool, bool) { return wishKnown(o), wishKnown(o) && !wishMet(o) },
		"who did not die where they wished", "who did", "did not die where they wished", "did",
		"where the wish was known"},
	{"plan", "plans in place before death",
		func(o Outcome) (bool, bool) { return o.CarePlan == "yes" || o.CarePlan == "no", o.CarePlan == "no" },
		"with no plan in place", "with one", "had no plan in place", "had one",
		"where it is known whether a plan was in place"},
}

// maxMeetingThemes and maxMeetingReadings bound how many themes and
// readings a meeting lists.
const (
	maxMeetingThemes   = 3
	maxMeetingReadings = 2
)

// OutcomeMeetings sets, for each outcome, the cases on one side (the wish
// not met; no plan in place) against the others, over the cases whose
// reflections were read (stories), and lists the themes and readings the
// first side's reflections carry more often than the others', most first.
// A side of fewer than 3 cases is not compared: their reflections would
// point at people the team knows.
func OutcomeMeetings(records []Outcome, stories map[int64][]StorySignal) []OutcomeMeeting {
	out := make([]OutcomeMeeting, 0, len(outcomeSides))
	for _, side := range outcomeSides {
		var cases, others [][]StorySignal
		allKnown := 0
		for _, o := range records {
			sigs, read := stories[o.CaseID]
			known, one := side.side(o)
			if known {
				allKnown++
			}
			if o.CaseID == 0 || !read || !known {
				continue
			}
			if one {
				cases = append(cases, sigs)
			} else {
				others = append(others, sigs)
			}
		}
		m := OutcomeMeeting{Key: side.key, Subject: side.subject, Cases: Tally(len(cases)), Others: Tally(len(others)),
			Signals: []MeetingSignal{}}
		// The figures above count every record; the meeting only the cases
		// whose reflections were read. Where the two differ, it says so
		// first, so that "5 of 9" and "the 3 who did not" are not read as
		// disagreeing.
		var base []string
		if read := len(cases) + len(others); read < allKnown {
			base = []string{fmt.Sprintf("Of the %s %s, %s have reflections here; only they are set side by side.",
				Tally(allKnown), side.known, Tally(read))}
		}
		if m.Cases.Small() || m.Others.Small() {
			m.Lines = append(base, fmt.Sprintf("Of the cases whose reflections are here, %s %s and %s %s: too few on one side to set their reflections beside the others' without pointing at someone.",
				m.Cases, side.oneVerb, m.Others, side.otherVerb))
			out = append(out, m)
			continue
		}
		m.Signals = meetingSignals(cases, others)
		m.Lines = base
		for _, sg := range m.Signals {
			verb := "mention"
			if sg.Kind == SignalReading {
				verb = "read as"
			}
			of := sg.Cases.String()
			if sg.Cases == m.Cases {
				of = "all " + of
			}
			m.Lines = append(m.Lines, fmt.Sprintf("Of the %s %s, the reflections of %s %s %s; of the %s %s, %s.",
				m.Cases, side.casesWord, of, verb, sg.Label, m.Others, side.other, sg.Others))
		}
		if len(m.Signals) == 0 {
			m.Lines = append(base, fmt.Sprintf("The reflections of the %s %s carry nothing the %s %s do not carry as often.",
				m.Cases, side.casesWord, m.Others, side.other))
		}
		out = append(out, m)
	}
	return out
}

// meetingSignals are the signals cases carry in a greater share than
// others, carried by at least SmallNumber cases (fewer would be shown as
// "fewer than 3", saying nothing): themes then readings, each by the
// difference in share, then by how many cases, then by label.
func meetingSignals(cases, others [][]StorySignal) []MeetingSignal {
	type tally struct {
		sig  StorySignal
		a, b int
	}
	by := map[string]*tally{}
	var order []string
	add := func(groups [][]StorySignal, first bool) {
		for _, sigs := range groups {
			seen := map[string]bool{}
			for _, sg := range sigs {
				k := sg.Kind + ":" + sg.ID
				if seen[k] {
					continue
				}
				seen[k] = true
				t := by[k]
				if t == nil {
					t = &tally{sig: sg}
					by[k] = t
					order = append(order, k)
				}
				if first {
					t.a++
				} else {
					t.b++
				}
			}
		}
	}
	add(cases, true)
	add(others, false)
	na, nb := float64(len(cases)), float64(len(others))
	var themes, readings []*tally
	for _, k := range order {
		t := by[k]
		if t.a < SmallNumber || float64(t.a)/na <= float64(t.b)/nb {
			continue
		}
		if t.sig.Kind == SignalTheme {
			themes = append(themes, t)
		} else {
			readings = append(readings, t)
		}
	}
	rank := func(ts []*tally) {
		slices.SortStableFunc(ts, func(x, y *tally) int {
			dx := float64(x.a)/na - float64(x.b)/nb
			dy := float64(y.a)/na - float64(y.b)/nb
			return cmp.Or(cmp.Compare(dy, dx), cmp.Compare(y.a, x.a), cmp.Compare(x.sig.Label, y.sig.Label))
		})
	}
	rank(themes)
	rank(readings)
	var out []MeetingSignal
	for i, t := range themes {
		if i == maxMeetingThemes {
			break
		}
		out = append(out, MeetingSignal{StorySignal: t.sig, Cases: Tally(t.a), Others: Tally(t.b)})
	}
	for i, t := range readings {
		if i == maxMeetingReadings {
			break
		}
		out = append(out, MeetingSignal{StorySignal: t.sig, Cases: Tally(t.a), Others: Tally(t.b)})
	}
	return out
}
