package flows_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"whatmatters/flows"
	"whatmatters/prompts"
	"whatmatters/scrub"
	"whatmatters/storage"
	"whatmatters/storage/storagetest"
)

// scrubbedConvo is newConvo with the real scrubber, as the command line
// wires it.
func scrubbedConvo(t *testing.T, db *storage.DB) *convo {
	t.Helper()
	templates, err := prompts.Load()
	if err != nil {
		t.Fatal(err)
	}
	s, err := scrub.New(scrub.Options{})
	if err != nil {
		t.Fatal(err)
	}
	scrubFunc := func(text string, keep ...string) (string, []string) {
		sc := s
		if len(keep) > 0 {
			if k, err := s.Keeping(keep...); err == nil {
				sc = k
			}
		}
		res := sc.Scrub(text)
		var kinds []string
		for _, k := range res.Kinds() {
			kinds = append(kinds, string(k))
		}
		return res.Text, kinds
	}
	clock := &testClock{now: time.Date(2026, 3, 29, 0, 30, 0, 0, time.UTC)}
	e := flows.NewEngine(flows.Options{Store: db, Templates: templates, Scrub: scrubFunc, Now: clock.tick})
	return &convo{clock: clock, t: t, ctx: t.Context(), engine: e, store: db, channel: "C1"}
}

func pseudonymAudits(t *testing.T, c *convo) []flows.AuditEntry {
	t.Helper()
	all, err := c.store.ListAudit(c.ctx, team)
	if err != nil {
		t.Fatal(err)
	}
	var out []flows.AuditEntry
	for _, a := range all {
		if a.Action == flows.AuditPseudonym {
			out = append(out, a)
		}
	}
	return out
}

// TestPseudonymAlsoANameIsConfirmedNotRefused: a pseudonym that is also a
// first name is refused saying why, with its suggestion one the rule
// accepts, the command that confirms it is not their name and a button
// that runs that command; confirmed,
// the case is made and the audit log says who confirmed it. The case is
// then the team's, and anyone reflects on it with no confirmation.
func TestPseudonymAlsoANameIsConfirmedNotRefused(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		c := scrubbedConvo(t, db)
		n := notice(t, c.cmd("ann", "Hazel"))
		text := allText(n)
		for _, want := range []string{"Hazel is also a first name in the name lists the scrubber uses",
			"If Hazel is not their name, say so with /reflect case Hazel --not-their-name", "Or how about Kestrel?", "Nothing was started."} {
			if !strings.Contains(text, want) {
				t.Errorf("refusal lacks %q:\n%s", want, text)
			}
		}
		// The suggestion, typed, is accepted.
		if got := c.cmd("ann", "Kestrel"); len(got) == 0 || got[0].Kind != flows.Post {
			t.Errorf("the suggested pseudonym typed: %v", titles(got))
		}
		if _, err := c.store.CaseByLabel(c.ctx, team, "Hazel"); err == nil {
			t.Fatal("a case was made for a refused pseudonym")
		}
		if a := pseudonymAudits(t, c); len(a) != 0 {
			t.Fatalf("audited before any confirmation: %+v", a)
		}

		// The refusal's button carries the confirming command: pressing it
		// is the same as typing it.
		if len(n.Buttons) != 1 || n.Buttons[0].Action != flows.ActionNotTheirName || n.Buttons[0].Value != "case Hazel --not-their-name" {
			t.Fatalf("refusal buttons = %+v; want one confirming \"case Hazel --not-their-name\"", n.Buttons)
		}
		start := c.cmd("ann", n.Buttons[0].Value)
		if len(start) == 0 || start[0].Kind != flows.Post || start[0].Title != "Case reflection: Hazel" {
			t.Fatalf("confirmed: %v", titles(start))
		}
		cs, err := c.store.CaseByLabel(c.ctx, team, "Hazel")
		if err != nil {
			t.Fatal(err)
		}
		audits := pseudonymAudits(t, c)
		if len(audits) != 1 || audits[0].Actor != "ann" || !strings.Contains(audits[0].Detail, "case "+strconv.FormatInt(cs.ID, 10)+":") ||
			!strings.Contains(audits[0].Detail, "first name") || strings.Contains(audits[0].Detail, "Hazel") {
			t.Errorf("audit = %+v", audits)
		}
		// The team's case now: anyone carries on, in any case, unasked.
		c.thread = ""
		if got := c.cmd("bo", "hazel"); len(got) == 0 || got[0].Kind != flows.Post {
			t.Errorf("the existing case: %v", titles(got))
		}
		if n := len(pseudonymAudits(t, c)); n != 1 {
			t.Errorf("%d confirmations recorded, want 1", n)
		}
	})
}

// TestPseudonymRefusalsAgree: the typed words the user found accepted or
// refused at random now follow one rule, in any letter case, whichever way
// a reflection or session is asked for; a title and an initial is refused
// with its reason and no confirmation.
func TestPseudonymRefusalsAgree(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		c := scrubbedConvo(t, db)
		for _, typed := range []string{"Bob", "bob", "Rose", "willow", "Willow", "Linnet", "Rowan", "case Quill", "after-death Poppy", "template theme Jay"} {
			n := notice(t, c.cmd("ann", typed))
			label := typed[strings.LastIndex(typed, " ")+1:]
			if !strings.Contains(allText(n), label+" is also a first name") || !strings.Contains(allText(n), NotTheirNameHint(typed)) {
				t.Errorf("/reflect %s:\n%s", typed, allText(n))
			}
		}
		for _, typed := range []string{"Mrs B", "case mrs b --not-their-name"} {
			n := notice(t, c.cmd("ann", typed))
			if !strings.Contains(allText(n), "reads as a name") || !strings.Contains(allText(n), "is a title") || strings.Contains(allText(n), "--not-their-name") {
				t.Errorf("/reflect %s:\n%s", typed, allText(n))
			}
		}
		if cases, _ := c.store.ListCases(c.ctx, team); len(cases) != 0 {
			t.Errorf("cases made: %+v", cases)
		}

		// A session about a new case: the same rule, the session's command.
		if err := c.engine.SetFacilitator(c.ctx, team, "fay", true, "cli"); err != nil {
			t.Fatal(err)
		}
		n := notice(t, c.cmd("fay", "session case Willow"))
		if !strings.Contains(allText(n), "Willow is also a first name") || !strings.Contains(allText(n), "/reflect session case Willow --not-their-name") {
			t.Errorf("session refusal:\n%s", allText(n))
		}
		got := c.cmd("fay", "session case Willow --not-their-name --minutes 10")
		if len(got) == 0 || got[0].Session == 0 {
			t.Fatalf("confirmed session: %v", titles(got))
		}
		if a := pseudonymAudits(t, c); len(a) != 1 || a[0].Actor != "fay" {
			t.Errorf("audit = %+v", a)
		}
	})
}

// NotTheirNameHint is the confirming command a refusal of /reflect typed
// offers.
func NotTheirNameHint(typed string) string {
	words := strings.Fields(typed)
	if len(words) == 1 {
		words = []string{"case", words[0]}
	}
	return "/reflect " + strings.Join(words, " ") + " --not-their-name"
}

// TestDemoCasesStayValid: the demo's cases, which are also first names,
// are the team's own once they exist: reflecting on them asks for nothing.
func TestDemoCasesStayValid(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		c := scrubbedConvo(t, db)
		if _, err := db.EnsureTeam(c.ctx, flows.Team{ID: team, Timezone: "Europe/London"}); err != nil {
			t.Fatal(err)
		}
		for _, label := range []string{"Rowan", "Hazel", "Willow", "Birch", "Linnet", "Wren"} {
			if _, err := db.CreateCase(c.ctx, flows.Case{TeamID: team, Label: label, CreatedAt: time.Now()}); err != nil {
				t.Fatal(err)
			}
			c.thread = ""
			if got := c.cmd("ann", label); len(got) == 0 || got[0].Kind != flows.Post || got[0].Title != "Case reflection: "+label {
				t.Errorf("/reflect %s: %v", label, titles(got))
			}
		}
	})
}
