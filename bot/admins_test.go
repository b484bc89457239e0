package bot

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack/slacktest"

	"whatmatters/storage"
)

// TestWorkspaceAdminsMayChangeSettings checks that users.info decides who
// may change a team's settings: an ordinary member is refused, a workspace
// admin is not.
func TestWorkspaceAdminsMayChangeSettings(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, db *storage.DB) {
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

// TestSlackLookupHoldsNoDatabaseLock checks that looking a person up in
// Slack happens outside the step's transaction: while users.info is slow,
// other deliveries are still recorded and acknowledged at once.
func TestSlackLookupHoldsNoDatabaseLock(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, db *storage.DB) {
		entered := make(chan struct{}, 1)
		release := make(chan struct{})
		var once sync.Once
		t.Cleanup(func() { once.Do(func() { close(release) }) })
		api := newSlackServer(t, func(s *slackServer, c slacktest.Customize) {
			c.Handle("/users.info", func(w http.ResponseWriter, r *http.Request) {
				select {
				case entered <- struct{}{}:
				default:
				}
				<-release
				w.Header().Set("Content-Type", "application/json")
				fmt.Fprintf(w, `{"ok":true,"user":{"id":%q}}`, r.FormValue("user"))
			})
		})
		h := newHarness(t, db, api, harnessOptions{workers: 2})
		h.command("U2", "C1", "cases")
		within(t, "the job to ask Slack who U2 is", entered)
		// users.info is now held open. Another delivery must still be
		// acknowledged: nothing may wait on the call to Slack.
		body := messageEvent("EvWhileSlow", "U3", "C9", "1700000000.000100", "1700000000.000200", "unrelated")
		status := make(chan int, 1)
		go func() {
			req, _ := http.NewRequest(http.MethodPost, h.srv.URL+"/slack/events", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			sign(req.Header, testSecret, time.Now(), body)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				status <- 0
				return
			}
			resp.Body.Close()
			status <- resp.StatusCode
		}()
		// users.info stays held open until this is acknowledged: an
		// acknowledgement waiting on it would never come.
		if got := within(t, "the acknowledgement while Slack is slow (it must not wait on the call to Slack)", status); got != http.StatusOK {
			t.Errorf("acknowledgement while Slack is slow: status %d", got)
		}
		once.Do(func() { close(release) })
		api.waitForCount(t, 1, "chat.postEphemeral")
	})
}
