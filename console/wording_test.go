package console_test

import (
	"context"
	"strings"
	"testing"

	"whatmatters/console"
	"whatmatters/flows"
	"whatmatters/prompts"
	"whatmatters/storage/storagetest"
	"whatmatters/themes"
)

// The cancelled summary labels the person who cancelled, not the sentence
// saying it was cancelled: "Cancelled by: This reflection was cancelled …
// you" read as if the label belonged to the sentence. The Slack half of
// this test is in package bot.
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

	text := console.RenderText(r)
	if !strings.Contains(text, "\n    Cancelled by: U0ANN1") {
		t.Errorf("console text should have a line \"Cancelled by: U0ANN1\":\n%s", text)
	}
	if strings.Contains(text, "Cancelled by: This") {
		t.Errorf("console text joins the label to the sentence:\n%s", text)
	}
}

// The forget-me prompt must not tell people to say forget_me (a button's
// action id, which does nothing when typed); it says what to type. The
// Slack half of this test is in package bot.
func TestForgetMePromptSaysWhatWorks(t *testing.T) {
	db := storagetest.SQLite(t)
	templates, err := prompts.Load()
	if err != nil {
		t.Fatal(err)
	}
	off := themes.NewOffline()
	engine := flows.NewEngine(flows.Options{Store: db, Templates: templates, Reader: off, Digests: themes.Digester{Fallback: off}})
	replies, err := engine.Command(context.Background(), flows.Command{Actor: flows.Actor{TeamID: "T1", UserID: "U0ANN1"}, Channel: "C1", Text: "forget-me"})
	if err != nil {
		t.Fatal(err)
	}
	if len(replies) != 1 || len(replies[0].Buttons) != 1 {
		t.Fatalf("forget-me should ask, with one button: %+v", replies)
	}
	text := console.RenderText(replies[0])
	if strings.Contains(text, "forget_me") || strings.Contains(text, "reply in the thread") {
		t.Errorf("console: the prompt tells people to say something that does not work:\n%s", text)
	}
	if !strings.Contains(text, "/reflect forget-me confirm") {
		t.Errorf("console: the prompt does not say what to type:\n%s", text)
	}

	// The buttons of a reflection are still offered as words to say.
	step := flows.Reply{Title: "2 of 5", Buttons: []flows.Button{{Label: "Next question", Action: flows.ActionNext}, {Label: "Skip", Action: flows.ActionSkip}}}
	if text := console.RenderText(step); !strings.Contains(text, "(reply in the thread, or say next, skip)") {
		t.Errorf("console step:\n%s", text)
	}
}
