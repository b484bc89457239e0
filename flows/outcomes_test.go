package flows_test

import (
	"context"
	"flag"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"whatmatters/flows"
	"whatmatters/prompts"
	"whatmatters/storage"
	"whatmatters/storage/storagetest"
	"whatmatters/themes"
)

var updateOutcomes = flag.Bool("update-outcomes", false, "rewrite testdata/outcomes_digest.golden")

// outcomeNow is when the outcome tests' digests are made: Monday 23
// November 2026, 09:00 in London.
var outcomeNow = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)

// outcomeCase is one case of the outcome tests' team: its record, and its
// reflection's answers with codes given by hand (so the tests test the
// outcomes, not the coder's tuning), in a channel.
type outcomeCase struct {
	label, channel string
	weeksAgo       int
	facts          map[string]string
	answers        []outcomeAnswer
}

type outcomeAnswer struct {
	text     string
	ant      flows.Label
	themeIDs []string
}

func facts(wish, died, plan, shared string) map[string]string {
	return map[string]string{flows.OutcomePreferredPlace: wish, flows.OutcomeDiedAt: died, flows.OutcomeCarePlan: plan,
		flows.OutcomePlanShared: shared, flows.OutcomeJICMeds: "yes", flows.OutcomeAdmissions: "1", flows.OutcomeBedDays: "4",
		flows.OutcomeInformalSupport: "some", flows.OutcomeCarerStrain: "yes"}
}

// outcomeCases: three who did not die where they wished and four who did;
// three with no plan in place (one of those who died where they wished)
// and four with one; three more in the quarter before, with no
// reflections.
var outcomeCases = []outcomeCase{
	{"Sorrel", "C1", 1, facts("home", "hospital", "no", "no"), []outcomeAnswer{
		{"His wife was exhausted and the out-of-hours doctor had no handover.", flows.Away, []string{"carer_strain", "out_of_hours"}}}},
	{"Tansy", "C1", 2, facts("home", "hospital", "no", "no"), []outcomeAnswer{
		{"Daughter on her knees; nobody had told the weekend team.", flows.Away, []string{"carer_strain", "out_of_hours"}}}},
	{"Yarrow", "C1", 3, facts("home", "hospice", "yes", "no"), []outcomeAnswer{
		{"Her husband could not manage the nights any more.", flows.Away, []string{"carer_strain", "pets"}}}},
	{"Bramble", "C1", 2, facts("home", "home", "yes", "yes"), []outcomeAnswer{
		{"The priest came on the Friday, as she had asked.", flows.Toward, []string{"faith_spiritual"}}}},
	{"Clover", "C1", 4, facts("home", "home", "yes", "yes"), []outcomeAnswer{
		{"The out-of-hours team knew him and had the plan.", flows.Toward, []string{"out_of_hours"}}}},
	{"Thistle", "C1", 5, facts("hospice", "hospice", "yes", "yes"), []outcomeAnswer{
		{"Her son was worn out, so we talked about the hospice early, and she chose it.", flows.Toward, []string{"faith_spiritual", "carer_strain"}}}},
	{"Nettle", "C1", 6, facts("home", "home", "no", "no"), []outcomeAnswer{
		{"Chapel friends sat with him; the weekend GP had nothing on him.", flows.Away, []string{"faith_spiritual", "out_of_hours"}}}},
	{"Burdock", "", 15, facts("home", "home", "yes", "yes"), nil},
	{"Vetch", "", 17, facts("home", "hospital", "yes", "no"), nil},
	{"Sedge", "", 20, facts("hospice", "hospice", "yes", "yes"), nil},
}

// outcomeEngine is an engine at outcomeNow over db, with the themes
// package's digester reading the stories.
func outcomeEngine(t *testing.T, db *storage.DB) *flows.Engine {
	t.Helper()
	templates, err := prompts.Load()
	if err != nil {
		t.Fatal(err)
	}
	off := themes.NewOffline()
	return flows.NewEngine(flows.Options{Store: db, Templates: templates, Now: func() time.Time { return outcomeNow },
		Reader: off, Digests: themes.Digester{Fallback: off}})
}

// outcomeTeam stores the outcome tests' team TO: its cases, each one's
// after-death reflection with its coded answers a day after the death's
// week began, and its outcome record.
func outcomeTeam(t *testing.T, db *storage.DB, e *flows.Engine) map[string]int64 {
	t.Helper()
	ctx := context.Background()
	london, _ := time.LoadLocation("Europe/London")
	if _, err := db.EnsureTeam(ctx, flows.Team{ID: "TO", Name: "Outcome Team", Timezone: "Europe/London", CreatedAt: outcomeNow.AddDate(-1, 0, 0)}); err != nil {
		t.Fatal(err)
	}
	ids := map[string]int64{}
	for i, oc := range outcomeCases {
		cs, err := db.CreateCase(ctx, flows.Case{TeamID: "TO", Label: oc.label, CreatedAt: outcomeNow.AddDate(0, -6, 0)})
		if err != nil {
			t.Fatal(err)
		}
		ids[oc.label] = cs.ID
		at := outcomeNow.AddDate(0, 0, -7*oc.weeksAgo+1)
		if len(oc.answers) > 0 {
			r, err := db.CreateReflection(ctx, flows.Reflection{TeamID: "TO", CaseID: cs.ID, Template: "after_death", Status: flows.StatusComplete,
				Channel: oc.channel, Thread: fmt.Sprintf("ts%d", i), StartedBy: "U1", CreatedAt: at, UpdatedAt: at, LastActivityAt: at, ClosedAt: at})
			if err != nil {
				t.Fatal(err)
			}
			for _, oa := range oc.answers {
				a, err := db.AddAnswer(ctx, flows.Answer{ReflectionID: r.ID, TeamID: "TO", Stage: "happened", Author: "U1",
					Discipline: "district nurse", Text: oa.text, CreatedAt: at})
				if err != nil {
					t.Fatal(err)
				}
				c := flows.Codes{Relationships: flows.Toward, Stories: flows.None, Community: flows.None, Anticipation: oa.ant,
					Coder: "offline", Version: "test"}
				for _, id := range oa.themeIDs {
					c.Phrases = append(c.Phrases, flows.Phrase{Phrase: id, Key: id, Theme: id, Quote: oa.text})
				}
				if err := db.SaveCodes(ctx, a.ID, flows.TextHash(a.Text), c); err != nil {
					t.Fatal(err)
				}
			}
		}
		week := flows.ISOWeekKey(outcomeNow.AddDate(0, 0, -7*oc.weeksAgo), london)
		values := map[string]string{flows.OutcomeDiedWeek: week}
		for k, v := range oc.facts {
			values[k] = v
		}
		replies, err := e.EditOutcome(ctx, flows.OutcomeEdit{Actor: flows.Actor{TeamID: "TO", UserID: "U" + strconv.Itoa(i%3+1)},
			Channel: "C1", CaseID: cs.ID, Values: values})
		if err != nil || len(replies) != 1 || !strings.HasPrefix(replies[0].Title, "Recorded what happened") {
			t.Fatalf("recording %s: %v, %+v", oc.label, err, replies)
		}
	}
	return ids
}

// sectionText renders parts and buttons as the golden file shows them.
func sectionText(parts []flows.Part, buttons []flows.Button) string {
	var b strings.Builder
	for _, p := range parts {
		if p.Label != "" {
			b.WriteString("## " + p.Label + "\n")
		}
		b.WriteString(p.Text + "\n")
	}
	for _, btn := range buttons {
		fmt.Fprintf(&b, "[%s] %s = %s\n", btn.Label, btn.Action, btn.Value)
	}
	return b.String()
}

// TestOutcomeDigestSectionGolden: the weekly digest carries the quarter's
// outcome section as testdata/outcomes_digest.golden shows it, before its
// question for the next learning session, with a "Discuss in a session"
// button for each meeting with something to discuss. Regenerate with
// go test ./flows -run TestOutcomeDigestSectionGolden -update-outcomes.
func TestOutcomeDigestSectionGolden(t *testing.T) {
	db := storagetest.SQLite(t)
	e := outcomeEngine(t, db)
	outcomeTeam(t, db, e)
	d, err := e.Digest(context.Background(), "TO", 1)
	if err != nil {
		t.Fatal(err)
	}
	if d.Outcomes == nil {
		t.Fatal("the digest has no outcome section")
	}
	parts, buttons := flows.OutcomeSectionParts(*d.Outcomes)
	got := sectionText(parts, buttons)
	const path = "testdata/outcomes_digest.golden"
	if *updateOutcomes {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./flows -run TestOutcomeDigestSectionGolden -update-outcomes to write it)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("outcome section differs from %s (-want +got):\n%s", path, diff)
	}

	// The digest's post carries the section whole, in order, before its
	// question, and its buttons.
	r := flows.DigestReply(d, "C1", nil)
	start := slices.IndexFunc(r.Parts, func(p flows.Part) bool { return p.Label == parts[0].Label })
	if start < 0 || start+len(parts) > len(r.Parts) {
		t.Fatalf("the digest's post lacks the section:\n%+v", r.Parts)
	}
	if diff := cmp.Diff(parts, r.Parts[start:start+len(parts)]); diff != "" {
		t.Errorf("the section in the digest's post differs (-section +post):\n%s", diff)
	}
	if next := r.Parts[start+len(parts)]; next.Label != "A question for your next learning session" {
		t.Errorf("after the section comes %q", next.Label)
	}
	for _, b := range buttons {
		if !slices.Contains(r.Buttons, b) {
			t.Errorf("the digest's post lacks the button %+v", b)
		}
	}
}

// TestOutcomeSessionSeeds: "Discuss in a session" on a meeting opens a
// session whose first stage brings the meeting's lines, as What Matters'
// reading, not anyone's quote, drawn only from reflections given in the
// session's channel.
func TestOutcomeSessionSeeds(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		e := outcomeEngine(t, db)
		outcomeTeam(t, db, e)
		seeds, err := e.ThemeQuotes(ctx, "TO", "C1", "dying where they wished")
		if err != nil {
			t.Fatal(err)
		}
		if len(seeds) < 2 || !strings.HasPrefix(seeds[0].Text, "Of the 3 who did not die where they wished, the reflections of all 3 mention Family carers under strain") ||
			seeds[0].AnswerID != 0 || !strings.Contains(seeds[len(seeds)-1].Text, "never as a cause") {
			t.Fatalf("seeds = %+v", seeds)
		}
		for _, s := range seeds {
			if s.Discipline != "What Matters, from the outcome records" {
				t.Errorf("seed %+v is not marked as What Matters' reading", s)
			}
		}
		// In another channel, none of the reflections are there to read.
		seeds, err = e.ThemeQuotes(ctx, "TO", "C2", "dying where they wished")
		// It says first that only the cases read there are set side by side.
		if err != nil || len(seeds) < 2 || !strings.Contains(seeds[0].Text, "where the wish was known, fewer than 3 have reflections here") ||
			!strings.Contains(seeds[1].Text, "too few on one side") {
			t.Errorf("seeds in C2 = %+v, %v; want how many were read, then too few to compare", seeds, err)
		}
		// A theme that is no meeting is the digest's, as before.
		if seeds, err := e.ThemeQuotes(ctx, "TO", "C1", "Faith and spiritual care"); err != nil || slices.ContainsFunc(seeds, func(q flows.SessionQuote) bool {
			return q.Discipline == "What Matters, from the outcome records"
		}) {
			t.Errorf("a catalogue theme's quotes = %+v, %v", seeds, err)
		}
	})
}

// TestAfterDeathOffersTheRecord: a reflection after a death ends by
// offering to record what happened (a button naming the case); a case
// reflection, and one cancelled, do not.
func TestAfterDeathOffersTheRecord(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		c := newConvo(t, db)
		offer := func(replies []flows.Reply) *flows.Button {
			for _, r := range replies {
				for i, b := range r.Buttons {
					if b.Action == flows.ActionOutcome {
						return &r.Buttons[i]
					}
				}
			}
			return nil
		}
		c.cmd("U1", "discipline district nurse")
		c.cmd("U1", "after-death Sorrel")
		c.say("U1", "To die at home, with the dog on the bed.")
		replies := c.say("U1", "done")
		cs, err := c.store.CaseByLabel(c.ctx, team, "Sorrel")
		if err != nil {
			t.Fatal(err)
		}
		b := offer(replies)
		if b == nil || b.Label != "Record what happened" || b.Value != strconv.FormatInt(cs.ID, 10) {
			t.Fatalf("after-death summary: %+v; want the offer of case %d", replies, cs.ID)
		}
		c.cmd("U1", "case Tansy")
		c.say("U1", "Her garden.")
		if b := offer(c.say("U1", "done")); b != nil {
			t.Errorf("a case reflection offers %+v", b)
		}
		c.cmd("U1", "after-death Yarrow")
		c.say("U1", "To be at the hospice.")
		if b := offer(c.say("U1", "cancel")); b != nil {
			t.Errorf("a cancelled after-death reflection offers %+v", b)
		}
	})
}

// TestOutcomeRecordStaysInTheTeam: anyone in the team may change a case's
// record; someone in another team naming the case's id is told there is
// no such case, and nothing changes.
func TestOutcomeRecordStaysInTheTeam(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		e := outcomeEngine(t, db)
		ids := outcomeTeam(t, db, e)
		id := ids["Sorrel"]
		replies, err := e.EditOutcome(ctx, flows.OutcomeEdit{Actor: flows.Actor{TeamID: "TOTHER", UserID: "UX"}, Channel: "C9",
			CaseID: id, Values: map[string]string{flows.OutcomeDiedAt: "home"}})
		if err != nil || len(replies) != 1 || replies[0].Title != "There is no such case." {
			t.Fatalf("another team's edit: %+v, %v", replies, err)
		}
		replies, err = e.EditOutcome(ctx, flows.OutcomeEdit{Actor: flows.Actor{TeamID: "TO", UserID: "UNEW"},
			CaseID: id, Values: map[string]string{flows.OutcomeBedDays: "12"}})
		if err != nil || len(replies) != 1 || replies[0].Kind != flows.Direct {
			t.Fatalf("a form from the Home tab: %+v, %v; want a direct message", replies, err)
		}
		o, err := db.OutcomeByCase(ctx, id)
		if err != nil || o.DiedAt != "hospital" || o.BedDays != 12 {
			t.Errorf("record = %+v, %v", o, err)
		}
	})
}

// TestForgetMeKeepsTheOutcomeRecord: a record holds no one's words and no
// one's id, so forgetting the person who made or changed it leaves it with
// its case; afterwards their id is nowhere in the database.
func TestForgetMeKeepsTheOutcomeRecord(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		e := outcomeEngine(t, db)
		ids := outcomeTeam(t, db, e)
		const who = "UFORGET9"
		if _, err := e.EditOutcome(ctx, flows.OutcomeEdit{Actor: flows.Actor{TeamID: "TO", UserID: who}, Channel: "C1",
			CaseID: ids["Sorrel"], Values: map[string]string{flows.OutcomeCarerStrain: "no"}}); err != nil {
			t.Fatal(err)
		}
		before, err := db.ListOutcomes(ctx, "TO")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.Forget(ctx, "TO", who, ""); err != nil {
			t.Fatal(err)
		}
		after, err := db.ListOutcomes(ctx, "TO")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(before, after); diff != "" {
			t.Errorf("forgetting changed the records (-before +after):\n%s", diff)
		}
		if o, err := db.OutcomeByCase(ctx, ids["Sorrel"]); err != nil || o.CarerStrain != "no" {
			t.Errorf("Sorrel's record after forgetting = %+v, %v; want their change kept", o, err)
		}
		if found := findEverywhere(t, db, who); len(found) > 0 {
			t.Errorf("after forgetting, %s is still in %v", who, found)
		}
	})
}

// Every fact with choices is kept in a field of the record, so that each
// can be set from what a person chose.
func TestEveryChoiceFactHasAField(t *testing.T) {
	for _, f := range flows.OutcomeFields {
		if f.Choices == nil || f.Key == flows.OutcomeDiedWeek {
			continue
		}
		var o flows.Outcome
		if err := flows.SetOutcomeValue(&o, f.Key, f.Choices[0].Value, time.Now(), time.UTC); err != nil {
			t.Errorf("%s = %s: %v", f.Key, f.Choices[0].Value, err)
		}
	}
}
