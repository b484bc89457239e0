package console_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"whatmatters/console"
	"whatmatters/flows"
	"whatmatters/prompts"
	"whatmatters/storage/storagetest"
	"whatmatters/themes"
)

// TestConsoleOutcomeLines: a reflection after a death ends by offering to
// record what happened; :outcome NAME FACT VALUE records one fact a line
// (a date refused, only the week kept; a value the fact does not take and a
// case the team does not have change nothing); :outcome NAME shows the
// record; /reflect outcomes shows the quarter's figures, small numbers as
// "fewer than 3".
func TestConsoleOutcomeLines(t *testing.T) {
	db := storagetest.SQLite(t)
	templates, err := prompts.Load()
	if err != nil {
		t.Fatal(err)
	}
	clock := &fakeClock{now: time.Date(2026, 6, 2, 12, 0, 0, 0, time.UTC)} // Tuesday of ISO week 2026-W23
	off := themes.NewOffline()
	engine := flows.NewEngine(flows.Options{Store: db, Templates: templates, Now: clock.Now, Reader: off, Digests: themes.Digester{Fallback: off}})
	script := strings.Join([]string{
		":as ann district nurse",
		"/reflect after-death Kestrel",
		"To die at home with his wife there.",
		"He was admitted on the Saturday night and died on the ward.",
		"done",
		":outcome Kestrel died_at hospital",
		":outcome Kestrel preferred-place Home",
		":outcome Kestrel admissions 2",
		":outcome Kestrel died_week 2026-05-28",
		":outcome Kestrel died_week last week",
		":outcome Kestrel carer_strain maybe",
		":outcome Kestrel jic_meds",
		":outcome Nobody died_at home",
		":outcome",
		":as sam",
		":outcome Kestrel",
		"/reflect outcomes",
	}, "\n") + "\n"
	var out bytes.Buffer
	c := console.New(engine, strings.NewReader(script), &out, "ann", nil)
	c.SetClock(clock.Now, clock.Advance)
	if err := c.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	for _, want := range []string{
		"Record what happened: When the team is ready, a short record of where Kestrel died",
		"in the console, one line a fact: :outcome Kestrel FACT VALUE (:outcome Kestrel lists the facts).",
		"(only you) Recorded what happened for Kestrel.",
		"Died at: hospital",
		"Wished to die at: home",
		"Unplanned admissions, last 90 days: 2",
		"only the week is kept, never a date",
		"Week they died: week of Mon 25 May 2026",
		"main carer under strain is one of yes, no, not_known. Nothing was changed.",
		"What does the record say for jic_meds?",
		"There is no such case.",
		"One fact a line: :outcome NAME FACT VALUE",
		"(only you) What happened: Kestrel",
		"To change a fact: In Slack, /reflect outcome Kestrel opens a form. In the console, one line a fact: :outcome Kestrel FACT VALUE",
		"What happened, beside the stories: the 13 weeks from Mon 9 Mar to Tue 2 Jun 2026",
		"Deaths recorded in the 13 weeks from Mon 9 Mar to Tue 2 Jun 2026: fewer than 3; the 13 weeks before: none.",
		"Died where they wished: known for fewer than 3, too few to show",
		"never a measure of any one person's work",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("console output lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "Sorry, that didn't work") {
		t.Errorf("a step failed:\n%s", got)
	}
	cs, err := db.CaseByLabel(context.Background(), console.Team, "Kestrel")
	if err != nil {
		t.Fatal(err)
	}
	o, err := db.OutcomeByCase(context.Background(), cs.ID)
	if err != nil {
		t.Fatal(err)
	}
	if o.DiedAt != "hospital" || o.PreferredPlace != "home" || o.Admissions != 2 || o.DiedWeek != "2026-W22" ||
		o.CarerStrain != flows.OutcomeNotKnown || o.JICMeds != flows.OutcomeNotKnown || o.BedDays != flows.OutcomeUnknown {
		t.Errorf("record = %+v", o)
	}
	entries, err := db.ListAudit(context.Background(), console.Team)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range entries {
		if e.Action == flows.AuditOutcome {
			n++
			if e.Actor != "ann" || strings.Contains(e.Detail, "hospital") || strings.Contains(e.Detail, "home") {
				t.Errorf("audit entry %+v; want ann's change by field name only", e)
			}
		}
	}
	if n != 4 {
		t.Errorf("%d outcome changes audited; want 4 (the refused ones change nothing)", n)
	}
}
