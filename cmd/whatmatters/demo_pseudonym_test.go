package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"whatmatters/flows"
	"whatmatters/storage"
	"whatmatters/storage/storagetest"
)

// TestDemoCasesAreAccepted: the demo's cases (Rowan, Hazel, Willow, Birch,
// Linnet, Wren are also first names) are the demo team's own cases, so
// /reflect on each carries its story on with no refusal; a new case of
// one of those names elsewhere is refused, saying why, until someone
// confirms it is not the person's name.
func TestDemoCasesAreAccepted(t *testing.T) {
	f, templates, _ := demoFixture(t)
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		if _, err := loadDemo(ctx, db, demoScrub(t), time.Now()); err != nil {
			t.Fatal(err)
		}
		e := flows.NewEngine(flows.Options{Store: db, Templates: templates, Scrub: demoScrub(t)})
		for i, label := range f.Cases {
			channel := "CDEMO" + string(rune('A'+i)) // one reflection open in each
			replies, err := e.Command(ctx, flows.Command{Actor: flows.Actor{TeamID: demoTeamID, UserID: f.Members[0].User}, Channel: channel, Text: label})
			if err != nil {
				t.Fatal(err)
			}
			if len(replies) == 0 || replies[0].Kind != flows.Post || replies[0].Title != "Case reflection: "+label {
				t.Errorf("/reflect %s in the demo team: %+v", label, replies)
			}
		}
		replies, err := e.Command(ctx, flows.Command{Actor: flows.Actor{TeamID: "T0THER", UserID: "U0THER"}, Channel: "C0THER", Text: "Hazel"})
		if err != nil {
			t.Fatal(err)
		}
		if len(replies) != 1 || replies[0].Kind != flows.Notice || !strings.Contains(replies[0].Parts[0].Text, "Hazel is also a first name") {
			t.Errorf("a new case Hazel in another team: %+v", replies)
		}
	})
}
