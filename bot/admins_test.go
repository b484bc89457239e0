package bot

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/slack-go/slack/slacktest"

	"whatmatters/storage"
	"whatmatters/storage/storagetest"
)

// TestWorkspaceAdminsMayChangeSettings checks that users.info decides who
// may change a team's settings: an ordinary member is refused, a workspace
// admin is not.
func TestWorkspaceAdminsMayChangeSettings(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		asked := map[string]int{}
		api := newSlackServer(t, func(s *slackServer, c slacktest.Customize) {
			c.Handle("/users.info", s.handle("users.info", func(_ http.ResponseWriter, _ *http.Request, v url.Values) any {
				user := v.Get("user")
				s.mu.Lock()
				asked[user]++
				s.mu.Unlock()
				return map[string]any{"ok": true, "user": map[string]any{"id": user, "is_admin": user == "UADMIN"}}
			}))
		})
		h := newHarness(t, db, api, harnessOptions{workers: 2})

		h.command("U2", "C1", "check-in every monday 09:30")
		got := api.waitForCount(t, 1, "chat.postEphemeral")
		if !strings.Contains(got[0].Text+got[0].Blocks, "Only the team") {
			t.Fatalf("a member who is not an admin or lead: %q", got[0].Text)
		}
		h.command("UADMIN", "C1", "check-in every monday 09:30")
		got = api.waitForCount(t, 2, "chat.postEphemeral")
		if !strings.Contains(got[1].Text+got[1].Blocks, "The weekly check-in is set") {
			t.Fatalf("a workspace admin: %q", got[1].Text)
		}
		team, err := db.GetTeam(t.Context(), testTeam)
		if err != nil || team.CheckInChannel != "C1" || team.CheckInTime != "09:30" {
			t.Errorf("team after the admin's change = %+v, %v", team, err)
		}
		// A second command within the cache's lifetime asks Slack no more.
		h.command("UADMIN", "C1", "timezone Europe/Paris")
		api.waitForCount(t, 3, "chat.postEphemeral")
		api.mu.Lock()
		defer api.mu.Unlock()
		if asked["UADMIN"] != 1 {
			t.Errorf("users.info asked %d times for the admin, want 1", asked["UADMIN"])
		}
	})
}
