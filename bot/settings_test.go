package bot

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack/slacktest"

	"whatmatters/flows"
	"whatmatters/inbox"
	"whatmatters/storage"
)

// TestSettingsFormSetsDigest: /reflect settings opens the form at once; a
// lead's form carries the team's weekly digest, and submitting it sets the
// digest's channel, day and hour (audited, confirmed in a direct message);
// a member's form has no team part, and a forged team part from a member is
// refused inside the form with nothing changed.
func TestSettingsFormSetsDigest(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		api := newSlackServer(t, func(s *slackServer, c slacktest.Customize) {
			c.Handle("/users.info", s.handle("users.info", func(_ http.ResponseWriter, _ *http.Request, v url.Values) any {
				return map[string]any{"ok": true, "user": map[string]any{"id": v.Get("user"), "is_admin": false}}
			}))
		})
		h := newHarness(t, db, api, harnessOptions{workers: 2})
		const form = "application/x-www-form-urlencoded"
		if _, err := db.EnsureTeam(ctx, flows.Team{ID: testTeam, Timezone: "Europe/London", CreatedAt: time.Now()}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.SaveMember(ctx, flows.Member{TeamID: testTeam, UserID: "ULEAD", Role: flows.RoleLead, CreatedAt: time.Now()}); err != nil {
			t.Fatal(err)
		}

		// A member's form: discipline only.
		if status, body := h.post(form, commandForm("UMEM", "C1", "settings"), nil); status != http.StatusOK || body != "" {
			t.Fatalf("/reflect settings: %d %q", status, body)
		}
		opened := api.waitForCount(t, 1, "views.open")
		if !strings.Contains(opened[0].Blocks, settingsModalID) || strings.Contains(opened[0].Blocks, digestChannelBlock) {
			t.Fatalf("member's settings form = %s; want the discipline only", opened[0].Blocks)
		}
		// A lead's form: the digest too, with the team's current day.
		h.post(form, commandForm("ULEAD", "C1", "settings"), nil)
		opened = api.waitForCount(t, 2, "views.open")
		if !strings.Contains(opened[1].Blocks, digestChannelBlock) || !strings.Contains(opened[1].Blocks, digestHourBlock) {
			t.Fatalf("lead's settings form = %s; want the weekly digest part", opened[1].Blocks)
		}

		submit := func(user string, values map[string]any) (int, string) {
			return h.post(form, interactionForm(map[string]any{
				"type": "view_submission", "trigger_id": trigger(), "team": map[string]any{"id": testTeam}, "user": map[string]any{"id": user},
				"view": map[string]any{"callback_id": settingsModalID, "state": map[string]any{"values": values}},
			}), nil)
		}
		digestValues := func(channel, day, hour string) map[string]any {
			return map[string]any{
				disciplineBlock:    map[string]any{disciplineInput: map[string]any{"type": "plain_text_input", "value": nil}},
				digestChannelBlock: map[string]any{digestChannelAction: map[string]any{"type": "conversations_select", "selected_conversation": channel}},
				digestDayBlock:     map[string]any{digestDayAction: map[string]any{"type": "static_select", "selected_option": map[string]any{"value": day}}},
				digestHourBlock:    map[string]any{digestHourAction: map[string]any{"type": "static_select", "selected_option": map[string]any{"value": hour}}},
			}
		}

		// A member who forges the team part is refused in the form.
		status, body := submit("UMEM", digestValues("CEVIL", "3", "7"))
		if status != http.StatusOK || !strings.Contains(body, `"response_action":"errors"`) || !strings.Contains(body, digestChannelBlock) {
			t.Fatalf("member's digest submission: %d %s; want the form to show a refusal", status, body)
		}
		if team, _ := db.GetTeam(ctx, testTeam); team.DigestChannel != "" {
			t.Fatalf("team after a member's submission = %+v; want no digest", team)
		}

		// The lead sets Wednesdays at 07:00 in CLEADS, leaving the discipline empty.
		if status, body := submit("ULEAD", digestValues("CLEADS", "3", "7")); status != http.StatusOK || body != "" {
			t.Fatalf("lead's submission: %d %q; want 200, closing the form", status, body)
		}
		dm := api.waitFor(t, "the confirmation in a direct message", func(cs []apiCall) bool {
			for _, c := range cs {
				if c.Method == "chat.postMessage" && strings.Contains(c.Text, "weekly digest is set") {
					return true
				}
			}
			return false
		})
		var confirm apiCall
		for _, c := range dm {
			if c.Method == "chat.postMessage" && strings.Contains(c.Text, "weekly digest is set") {
				confirm = c
			}
		}
		if !strings.Contains(confirm.Blocks, "Wednesday at 07:00") || !strings.Contains(confirm.Blocks, `\u003c#CLEADS\u003e`) {
			t.Errorf("confirmation = %s; want the day, hour and a link to the channel", confirm.Blocks)
		}
		api.waitForCount(t, 1, "views.publish")
		team, err := db.GetTeam(ctx, testTeam)
		if err != nil || team.DigestChannel != "CLEADS" || team.DigestDay != time.Wednesday || team.DigestHour != 7 {
			t.Fatalf("team = %+v, %v; want the digest on Wednesdays at 07:00 in CLEADS", team, err)
		}
		if m, _ := db.GetMember(ctx, testTeam, "ULEAD"); m.Discipline != "" {
			t.Errorf("lead's discipline = %q; an empty field leaves it as it was", m.Discipline)
		}
		entries, err := db.ListAudit(ctx, testTeam)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, e := range entries {
			found = found || (e.Action == flows.AuditSettings && e.Actor == "ULEAD" && strings.Contains(e.Detail, "digest every Wednesday 07:00"))
		}
		if !found {
			t.Errorf("audit = %+v; want the lead's digest change recorded", entries)
		}

		// Facilitators are chosen in the same form: added, then one removed.
		withFacilitators := func(users ...string) map[string]any {
			v := digestValues("", "3", "7")
			v[facilitatorsBlock] = map[string]any{facilitatorsAction: map[string]any{"type": "multi_users_select", "selected_users": users}}
			return v
		}
		if !strings.Contains(opened[1].Blocks, facilitatorsBlock) {
			t.Errorf("lead's form has no facilitators field: %s", opened[1].Blocks)
		}
		submit("ULEAD", withFacilitators("UFAC1", "UFAC2"))
		assertDrained(t, db)
		isFacilitator := func(u string) bool {
			m, err := db.GetMember(ctx, testTeam, u)
			return err == nil && m.Facilitator
		}
		if !isFacilitator("UFAC1") || !isFacilitator("UFAC2") {
			t.Fatalf("after the form, UFAC1 %v, UFAC2 %v; want both facilitators", isFacilitator("UFAC1"), isFacilitator("UFAC2"))
		}
		submit("ULEAD", withFacilitators("UFAC2"))
		assertDrained(t, db)
		if isFacilitator("UFAC1") || !isFacilitator("UFAC2") {
			t.Fatalf("after removing UFAC1: UFAC1 %v, UFAC2 %v", isFacilitator("UFAC1"), isFacilitator("UFAC2"))
		}

		// Clearing the channel turns the weekly digest off.
		submit("ULEAD", digestValues("", "3", "7"))
		api.waitForCount(t, 2, "views.publish")
		if team, _ := db.GetTeam(ctx, testTeam); team.DigestChannel != "" {
			t.Errorf("team after clearing the channel = %+v; want no weekly digest", team)
		}
		assertDrained(t, db)
	})
}

// TestFailedFormIsToldInADirectMessage: a settings form whose change cannot
// be made (here a day no form would send) is given up on, changes nothing,
// and the person is told in a direct message, a form having no channel to
// answer in.
func TestFailedFormIsToldInADirectMessage(t *testing.T) {
	t.Parallel()
	db := sqliteDB(t)
	ctx := context.Background()
	api := newSlackServer(t)
	h := newHarness(t, db, api, harnessOptions{})
	stubEnqueue(h.slack)
	if _, err := db.SaveMember(ctx, flows.Member{TeamID: testTeam, UserID: "ULEAD", Role: flows.RoleLead, CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	payload := []byte(`{"type":"view_submission","team_id":"` + testTeam + `","user_id":"ULEAD","view":"` + settingsModalID +
		`","fields":{"discipline":"nurse","digest_channel":"CLEADS","digest_day":"someday","digest_hour":"9"}}`)
	if _, err := db.RecordDelivery(ctx, inbox.Delivery{ID: "interaction:bad-form", Kind: kindInteraction, Key: testTeam + "/@ULEAD", Payload: payload}); err != nil {
		t.Fatal(err)
	}
	if err := h.slack.Process(ctx, "interaction:bad-form", false); err != nil {
		t.Fatal(err)
	}
	var sorry apiCall
	for _, c := range api.made("chat.postMessage") {
		if strings.Contains(c.Text, "Sorry, that didn't work") {
			sorry = c
		}
	}
	if sorry.Channel != "DULEAD" {
		t.Fatalf("posts: %s; want the apology in ULEAD's direct messages", describeCalls(api.made("chat.postMessage")))
	}
	if m, _ := db.GetMember(ctx, testTeam, "ULEAD"); m.Discipline != "" {
		t.Errorf("discipline = %q; the failed form should change nothing", m.Discipline)
	}
	if team, _ := db.GetTeam(ctx, testTeam); team.DigestChannel != "" {
		t.Errorf("digest channel = %q; the failed form should change nothing", team.DigestChannel)
	}
}

// TestSettingsWhenTheFormWillNotOpen: if Slack will not open the settings
// form, the person still gets their settings and how to change them,
// privately, instead of nothing at all.
func TestSettingsWhenTheFormWillNotOpen(t *testing.T) {
	t.Parallel()
	db := sqliteDB(t)
	api := newSlackServer(t)
	api.fail = func(method string, _ int) (int, string) {
		if method == "views.open" {
			return http.StatusInternalServerError, ""
		}
		return 0, ""
	}
	h := newHarness(t, db, api, harnessOptions{workers: 2})
	h.command("U7", "C1", "settings")
	got := api.waitForCount(t, 1, "chat.postEphemeral")[0]
	if got.User != "U7" || !strings.Contains(got.Text, "Your settings") {
		t.Fatalf("ephemeral = %+v; want U7's settings listed", got)
	}
}
