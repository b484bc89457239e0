package flows_test

import (
	"strings"
	"testing"
	"time"

	"whatmatters/flows"
	"whatmatters/storage"
	"whatmatters/storage/storagetest"
)

// TestSynthesisNeverQuotesPlaceholders: what the scrubber took out of a
// session reply is never quoted as the person's words: its sentence is
// left out and the quote says details were removed, and a reply of
// nothing else is shown as "(details removed)".
func TestSynthesisNeverQuotesPlaceholders(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		c := scrubbedConvo(t, db)
		if err := c.engine.SetFacilitator(c.ctx, team, "fay", true, "cli"); err != nil {
			t.Fatal(err)
		}
		_ = c.engine.SetDiscipline(c.ctx, actor("ann"), "district nurse")
		_ = c.engine.SetDiscipline(c.ctx, actor("bo"), "GP")
		c.cmd("fay", "session theme being at home --minutes 10")
		c.sayID("ann", "m1", "She is settled at home now. NHS number 943 476 5919, date of birth 14/03/1941.")
		c.sayID("bo", "m2", "NHS number 943 476 5919, date of birth 14/03/1941.")
		replies, err := c.store.ListSessionReplies(c.ctx, c.session().ID)
		if err != nil || len(replies) != 2 || !strings.Contains(replies[0].Text, "[NHS number]") {
			t.Fatalf("stored = %+v, %v", replies, err)
		}
		c.clock.advance(11 * time.Minute)
		r, _ := c.due()
		var syn *flows.Reply
		for i := range r {
			if strings.HasPrefix(r[i].Title, "For your discussion") {
				syn = &r[i]
			}
		}
		if syn == nil {
			t.Fatalf("no synthesis: %v", titles(r))
		}
		var quotes, removed []flows.Part
		for _, p := range syn.Parts {
			if p.Quote {
				quotes = append(quotes, p)
			}
			if strings.Contains(p.Text, "[") {
				t.Errorf("a placeholder shown: %+v", p)
			}
			if p.Text == "(details removed)" {
				removed = append(removed, p)
			}
		}
		if len(quotes) != 1 || quotes[0].Text != "She is settled at home now. …" || quotes[0].By != "district nurse; details removed" {
			t.Errorf("quotes = %+v", quotes)
		}
		if len(removed) != 1 || removed[0].By != "GP" {
			t.Errorf("the reply of details only = %+v", removed)
		}
	})
}
