package flows_test

import (
	"errors"
	"strings"
	"testing"

	"whatmatters/flows"
	"whatmatters/storage"
	"whatmatters/storage/storagetest"
)

func TestHome(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		c := newConvo(t, db)
		_ = c.engine.SetDiscipline(c.ctx, actor("bo"), "chaplain")
		c.cmd("ann", "Heron")
		c.say("bo", "A secret story that must not show on a home page.")
		c.cmd("ann", "Plover")
		c.cmd("cy", "Dunlin")
		notice(t, c.cmd("bo", "snooze"))
		h, err := c.engine.Home(c.ctx, actor("bo"))
		if err != nil {
			t.Fatal(err)
		}
		if h.Discipline != "chaplain" || h.SnoozedUntil.IsZero() || h.Lead {
			t.Errorf("settings = %+v", h)
		}
		if len(h.Recent) != 1 || h.Recent[0].Title != "Case reflection: Heron" || h.Recent[0].Channel != c.channel {
			t.Errorf("bo's recent reflections = %+v", h.Recent)
		}
		if len(h.Cases) != 3 || h.Cases[0].Reflections != 1 {
			t.Errorf("cases = %+v", h.Cases)
		}
		if len(h.Templates) != 4 { // case, after_death, check_in, theme
			t.Errorf("templates = %+v", h.Templates)
		}
		ann, _ := c.engine.Home(c.ctx, actor("ann"))
		if len(ann.Recent) != 2 || ann.Recent[0].Title != "Case reflection: Plover" {
			t.Errorf("ann's recent, newest first = %+v", ann.Recent)
		}
		nobody, err := c.engine.Home(c.ctx, actor("new-person"))
		if err != nil || nobody.Discipline != "" || len(nobody.Recent) != 0 {
			t.Errorf("a person never seen = %+v, %v", nobody, err)
		}
	})
}

func TestSubmitForm(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		c := newConvo(t, db)
		_ = c.engine.SetDiscipline(c.ctx, actor("ann"), "nurse")
		form, err := c.engine.FormFor("case")
		if err != nil || len(form.Stages) != 5 || form.Stages[0].Key != "what_matters" {
			t.Fatalf("form = %+v, %v", form, err)
		}
		if _, err := c.engine.FormFor("nope"); !errors.Is(err, flows.ErrNotFound) {
			t.Errorf("unknown form: %v", err)
		}
		bad := flows.FormSubmission{Actor: actor("ann"), Channel: c.channel, Template: "case", Label: "SECRET",
			Answers: map[string]string{"why": strings.Repeat("x", flows.MaxAnswerRunes+1)}}
		problems := c.engine.FormProblems(bad)
		if problems["label"] == "" || problems["why"] == "" {
			t.Errorf("problems = %v", problems)
		}
		if _, err := c.engine.SubmitForm(c.ctx, bad); !errors.Is(err, flows.ErrInvalid) {
			t.Errorf("bad submission: %v", err)
		}
		if p := c.engine.FormProblems(flows.FormSubmission{Actor: actor("ann"), Template: "case", Label: "Teal"}); p["what_matters"] == "" {
			t.Errorf("an empty form should be refused: %v", p)
		}
		long := strings.Repeat("She loves the sea. ", 400) // 7,600 characters: longer than one Slack input
		replies, err := c.engine.SubmitForm(c.ctx, flows.FormSubmission{Actor: actor("ann"), Channel: c.channel, Template: "case", Label: "Teal",
			Answers: map[string]string{"what_matters": long, "whos_around": "Her son SECRET and two cats.", "why": "  "}})
		if err != nil {
			t.Fatal(err)
		}
		anchored := c.anchor(replies)
		got := titles(anchored)
		if len(got) != 3 || got[0] != "Case reflection: Teal" || got[1] != "Case reflection: Teal: the story so far" || got[2] != "I removed a name before saving." {
			t.Fatalf("form replies = %q", got)
		}
		r := c.reflection()
		as := c.answers()
		if r.Status != flows.StatusComplete || len(as) != 2 || as[0].Text != strings.TrimSpace(long) || as[1].Text != "Her son [name] and two cats." || as[0].Discipline != "nurse" {
			t.Errorf("stored: %+v, %d answers", r, len(as))
		}
		if !strings.Contains(allText(anchored[1]), "She loves the sea.") {
			t.Error("summary lacks the story")
		}
	})
}
