package flows_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"whatmatters/flows"
	"whatmatters/prompts"
	"whatmatters/storage"
	"whatmatters/storage/storagetest"
)

// TestAnswersKeepTheTeamsPseudonyms: every answer is scrubbed keeping the
// team's case pseudonyms (the scrubber would otherwise take a pseudonym
// that is also a first name for a real one), including one mentioned in
// another case's reflection.
func TestAnswersKeepTheTeamsPseudonyms(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		templates, err := prompts.Load()
		if err != nil {
			t.Fatal(err)
		}
		// This scrubber removes Hazel and Rowan unless told to keep them.
		scrub := func(text string, keep ...string) (string, []string) {
			var removed []string
			for _, name := range []string{"Hazel", "Rowan"} {
				if !slices.Contains(keep, name) && strings.Contains(text, name) {
					text = strings.ReplaceAll(text, name, "[name]")
					removed = append(removed, "name")
				}
			}
			return text, removed
		}
		e := flows.NewEngine(flows.Options{Store: db, Templates: templates, Scrub: scrub, Now: func() time.Time { return time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC) }})
		if _, err := db.EnsureTeam(ctx, flows.Team{ID: team, Timezone: "Europe/London"}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.CreateCase(ctx, flows.Case{TeamID: team, Label: "Hazel", CreatedAt: time.Now()}); err != nil {
			t.Fatal(err)
		}
		c := &convo{t: t, ctx: ctx, engine: e, store: db, channel: "C1", clock: &testClock{now: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}}
		c.cmd("ann", "Heron")
		c.say("ann", "Hazel's daughter knows Heron well, and so does Rowan.")
		var answers []flows.Answer
		reflections, err := db.ListReflections(ctx, team)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range reflections {
			as, err := db.ListAnswers(ctx, r.ID)
			if err != nil {
				t.Fatal(err)
			}
			answers = append(answers, as...)
		}
		if len(answers) != 1 || answers[0].Text != "Hazel's daughter knows Heron well, and so does [name]." {
			t.Fatalf("answers = %+v; want Hazel kept and Rowan removed", answers)
		}
	})
}

// TestExistingCaseNamedLikeAPerson: a pseudonym the scrubber would take for
// a real name is refused for a new case, but a case the team already has
// under it can still be reflected on.
func TestExistingCaseNamedLikeAPerson(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		templates, err := prompts.Load()
		if err != nil {
			t.Fatal(err)
		}
		scrub := func(text string, keep ...string) (string, []string) {
			for _, name := range []string{"Hazel", "Rowan"} {
				if !slices.Contains(keep, name) && strings.Contains(text, name) {
					return strings.ReplaceAll(text, name, "[name]"), []string{"name"}
				}
			}
			return text, nil
		}
		now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
		e := flows.NewEngine(flows.Options{Store: db, Templates: templates, Scrub: scrub, Now: func() time.Time { return now }})
		if _, err := db.EnsureTeam(ctx, flows.Team{ID: team, Timezone: "Europe/London"}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.CreateCase(ctx, flows.Case{TeamID: team, Label: "Hazel", CreatedAt: now}); err != nil {
			t.Fatal(err)
		}
		c := &convo{t: t, ctx: ctx, engine: e, store: db, channel: "C1", clock: &testClock{now: now}}
		if got := c.cmd("ann", "Hazel"); len(got) == 0 || got[0].Kind == flows.Notice {
			t.Fatalf("reflecting on the existing case Hazel: %+v", got)
		}
		c.channel = "C2"
		if got := notice(t, c.cmd("ann", "Rowan")); !strings.Contains(got.Title, "another pseudonym") {
			t.Fatalf("a new case named Rowan: %+v", got)
		}
	})
}
