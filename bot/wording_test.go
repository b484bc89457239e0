package bot

import (
	"context"
	"strings"
	"testing"

	"whatmatters/flows"
	"whatmatters/prompts"
)

// visibleText is everything a person sees of a reply in Slack: the
// notification text and every section.
func visibleText(t *testing.T, r flows.Reply) string {
	t.Helper()
	msgs := Render(r)
	var b strings.Builder
	for _, m := range msgs {
		b.WriteString(m.Text + "\n")
	}
	b.WriteString(strings.Join(sectionTexts(t, msgs), "\n"))
	return b.String()
}

// The cancelled summary labels the person who cancelled, not the sentence
// saying it was cancelled: "Cancelled by: This reflection was cancelled …
// you" read as if the label belonged to the sentence. The console's half
// of this test is in package console.
func TestCancelledSummaryNamesWhoCancelled(t *testing.T) {
	templates, err := prompts.Load()
	if err != nil {
		t.Fatal(err)
	}
	tpl, ok := templates.Get("case")
	if !ok {
		t.Fatal("no case template")
	}
	r := flows.Summary(tpl, flows.Case{Label: "Kestrel"}, flows.Reflection{Status: flows.StatusAbandoned, Channel: "C1", Thread: "1.2"}, nil, "U0ANN1")

	sections := sectionTexts(t, Render(r))
	var found bool
	for _, s := range sections {
		if strings.Contains(s, "Cancelled by") {
			found = true
			if s != "*Cancelled by* <@U0ANN1>" {
				t.Errorf("Slack section = %q, want %q", s, "*Cancelled by* <@U0ANN1>")
			}
		}
	}
	if !found {
		t.Errorf("no Cancelled by in Slack: %q", sections)
	}
}

// The forget-me prompt must not tell people to say forget_me (a button's
// action id, which does nothing when typed); it says what to type. The
// console's half of this test is in package console.
func TestForgetMePromptSaysWhatWorks(t *testing.T) {
	db := sqliteDB(t)
	engine := engineOn(t)(db)
	replies, err := engine.Command(context.Background(), flows.Command{Actor: flows.Actor{TeamID: "T1", UserID: "U0ANN1"}, Channel: "C1", Text: "forget-me"})
	if err != nil {
		t.Fatal(err)
	}
	if len(replies) != 1 || len(replies[0].Buttons) != 1 {
		t.Fatalf("forget-me should ask, with one button: %+v", replies)
	}
	r := replies[0]
	text := visibleText(t, r)
	if strings.Contains(text, "forget_me") || strings.Contains(text, "reply in the thread") {
		t.Errorf("Slack: the prompt tells people to say something that does not work:\n%s", text)
	}
	if !strings.Contains(text, "/reflect forget-me confirm") {
		t.Errorf("Slack: the prompt does not say what to type:\n%s", text)
	}
}
