package themes

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"slices"
	"testing"
	"time"

	"whatmatters/flows"
	"whatmatters/storage/storagetest"
)

// outcomeTestReport is a report whose period has enough people for every
// share to be drawn, or (small) too few for any.
func outcomeTestReport(small bool) flows.OutcomeReport {
	o := flows.NewOutcome("T1", 1, "2026-W40")
	o.PreferredPlace, o.DiedAt, o.CarePlan, o.PlanShared, o.JICMeds, o.CarerStrain = "home", "home", "yes", "yes", "yes", "yes"
	n := 6
	if small {
		n = 2
	}
	now := make([]flows.Outcome, n)
	for i := range now {
		now[i] = o
	}
	return flows.OutcomeReport{TeamID: "T1", Timezone: "Europe/London", Quarters: 1, FromWeek: "2026-W36", ToWeek: "2026-W48",
		Figures: flows.OutcomeFigures(now, now[:1], "the 13 weeks before"),
		Directions: []flows.DirectionReading{
			{Key: flows.DirRelationships, Toward: 8, Of: 10, PrevToward: 5, PrevOf: 10},
			{Key: flows.DirStories, Toward: 2, Of: 9, PrevToward: 4, PrevOf: 8},
			{Key: flows.DirCommunity, Toward: 0, Of: 0},
			{Key: flows.DirAnticipation, Toward: 6, Of: 12, PrevToward: 6, PrevOf: 6},
		}}
}

// pixelsIn counts the pixels of img inside r that are exactly c.
func pixelsIn(img image.Image, r image.Rectangle, c [3]byte) int {
	n := 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			cr, cg, cb, ca := img.At(x, y).RGBA()
			if [3]byte{byte(cr >> 8), byte(cg >> 8), byte(cb >> 8)} == c && ca == 0xffff {
				n++
			}
		}
	}
	return n
}

// TestOutcomesChart: the outcome chart is a PNG of the digest chart's size,
// the same report always the same bytes; this period's bars are drawn
// where they rest on 3 people or more, and not at all on fewer; a report
// with nothing in it still draws.
func TestOutcomesChart(t *testing.T) {
	draw := func(rep flows.OutcomeReport) ([]byte, image.Image) {
		t.Helper()
		b, err := OutcomesChart(rep)
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		if got := img.Bounds(); got.Dx() != ChartWidth || got.Dy() != ChartHeight {
			t.Fatalf("chart is %d×%d", got.Dx(), got.Dy())
		}
		return b, img
	}
	blue := [3]byte{0, 114, 178}
	// Above the panels' baseline (a share of 0 may leave a hairline on it).
	left := image.Rect(0, 80, ChartWidth/2, ChartHeight-60)
	right := image.Rect(ChartWidth/2, 80, ChartWidth, ChartHeight-60)

	b1, img := draw(outcomeTestReport(false))
	b2, _ := draw(outcomeTestReport(false))
	if !bytes.Equal(b1, b2) {
		t.Error("the same report gave different bytes")
	}
	if pixelsIn(img, left, blue) < 1000 || pixelsIn(img, right, blue) < 1000 {
		t.Errorf("enough people: %d blue pixels left, %d right; want bars on both sides", pixelsIn(img, left, blue), pixelsIn(img, right, blue))
	}
	_, img = draw(outcomeTestReport(true))
	if n := pixelsIn(img, left, blue); n > 0 {
		t.Errorf("fewer than 3 people: %d blue pixels in the outcomes; want no bar drawn", n)
	}
	if pixelsIn(img, right, blue) < 1000 {
		t.Error("the stories' bars went with the outcomes'")
	}
	draw(flows.OutcomeReport{Quarters: 1, FromWeek: "2026-W36", ToWeek: "2026-W48"})
}

// TestOutcomeShareLabels: a share's bar and label; fewer than 3 people is
// no bar, and says so.
func TestOutcomeShareLabels(t *testing.T) {
	for _, tc := range []struct {
		c     flows.OutcomeCount
		value float64
		label string
	}{
		{flows.OutcomeCount{Yes: 3, Of: 4}, 75, "3 of 4"},
		{flows.OutcomeCount{Yes: 2, Of: 9}, 0, "fewer\nthan 3\nof 9"},
		{flows.OutcomeCount{Yes: 2, Of: 2}, 0, "fewer\nthan 3\nknown"},
		{flows.OutcomeCount{}, 0, "none known"},
	} {
		v, l := outcomeShare(tc.c)
		if v != tc.value || l != tc.label {
			t.Errorf("%+v: %v %q; want %v %q", tc.c, v, l, tc.value, tc.label)
		}
	}
}

// TestReadStories: each case's reflections carry the catalogue themes
// their answers' codes name (labelled from the catalogue) and the way
// their answers lean on each direction; answers the job has not coded are
// read by the fallback; a channel Shown does not allow is not read; the
// period's directions count the team's answers in it.
func TestReadStories(t *testing.T) {
	db := storagetest.SQLite(t)
	ctx := context.Background()
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	if _, err := db.EnsureTeam(ctx, flows.Team{ID: "T1", Timezone: "Europe/London", CreatedAt: now.AddDate(-1, 0, 0)}); err != nil {
		t.Fatal(err)
	}
	add := func(label, channel, text string, codes *flows.Codes, at time.Time) int64 {
		cs, err := db.CaseByLabel(ctx, "T1", label)
		if err != nil {
			if cs, err = db.CreateCase(ctx, flows.Case{TeamID: "T1", Label: label, CreatedAt: at}); err != nil {
				t.Fatal(err)
			}
		}
		r, err := db.CreateReflection(ctx, flows.Reflection{TeamID: "T1", CaseID: cs.ID, Template: "after_death", Status: flows.StatusComplete,
			Channel: channel, Thread: text[:8], StartedBy: "U1", CreatedAt: at, UpdatedAt: at, LastActivityAt: at, ClosedAt: at})
		if err != nil {
			t.Fatal(err)
		}
		a, err := db.AddAnswer(ctx, flows.Answer{ReflectionID: r.ID, TeamID: "T1", Stage: "happened", Author: "U1", Text: text, CreatedAt: at})
		if err != nil {
			t.Fatal(err)
		}
		if codes != nil {
			if err := db.SaveCodes(ctx, a.ID, flows.TextHash(text), *codes); err != nil {
				t.Fatal(err)
			}
		}
		return cs.ID
	}
	coded := func(ant flows.Label, themeIDs ...string) *flows.Codes {
		c := flows.Codes{Relationships: flows.None, Stories: flows.None, Community: flows.None, Anticipation: ant, Coder: "test"}
		for _, id := range themeIDs {
			c.Phrases = append(c.Phrases, flows.Phrase{Phrase: id, Key: id, Theme: id, Quote: "x"})
		}
		return &c
	}
	recent := now.AddDate(0, 0, -10)
	a := add("Sorrel", "C1", "Wife exhausted, no handover to the weekend team.", coded(flows.Away, "carer_strain", "out_of_hours"), recent)
	add("Sorrel", "C1", "We should have planned the weekend.", coded(flows.Away, "out_of_hours"), recent.Add(time.Hour))
	add("Sorrel", "C1", "The plan was written in time.", coded(flows.Toward), recent.Add(2*time.Hour))
	b := add("Tansy", "C1", "Her cat sat on the bed with her to the end.", nil, recent) // read by the fallback
	c := add("Yarrow", "CPRIVATE", "Husband exhausted, nights are hard.", coded(flows.Away, "carer_strain"), recent)
	add("Clover", "C1", "Older story, in the quarter before.", coded(flows.Toward), now.AddDate(0, 0, -120))

	st, err := (Digester{Fallback: NewOffline()}).ReadStories(ctx, db, flows.StoryRequest{TeamID: "T1", CaseIDs: []int64{a, b, c},
		PrevFrom: now.AddDate(0, 0, -182), From: now.AddDate(0, 0, -91), To: now, Shown: func(ch string) bool { return ch != "CPRIVATE" }})
	if err != nil {
		t.Fatal(err)
	}
	ids := func(sigs []flows.StorySignal) []string {
		var out []string
		for _, s := range sigs {
			out = append(out, s.ID)
		}
		return out
	}
	if got := ids(st.Cases[a]); !slices.Equal(got, []string{"carer_strain", "out_of_hours", "away:anticipation"}) {
		t.Errorf("Sorrel carries %v; want its two themes once each and a lean away from anticipation (two away, one toward)", got)
	}
	if st.Cases[a][0].Label != "Family carers under strain" || st.Cases[a][2].Label != "reacting rather than anticipating" {
		t.Errorf("labels = %+v", st.Cases[a])
	}
	if !slices.Contains(ids(st.Cases[b]), "pets") {
		t.Errorf("Tansy (uncoded, read by the fallback) carries %v; want pets", ids(st.Cases[b]))
	}
	if _, read := st.Cases[c]; read {
		t.Errorf("Yarrow's reflection in a channel not shown was read: %+v", st.Cases[c])
	}
	var ant flows.DirectionReading
	for _, d := range st.Directions {
		if d.Key == flows.DirAnticipation {
			ant = d
		}
	}
	if ant.Toward != 1 || ant.Of != 3 || ant.PrevToward != 1 || ant.PrevOf != 1 {
		t.Errorf("anticipation over the period = %+v; want 1 of 3 beside 1 of 1", ant)
	}
}
