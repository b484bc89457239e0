package bot

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slack-go/slack/slacktest"

	"whatmatters/flows"
	"whatmatters/prompts"
	"whatmatters/storage"
	"whatmatters/themes"
)

// buttonValue finds the value of the button with the action id in a
// message's blocks.
func buttonValue(t *testing.T, blocks, actionID string) string {
	t.Helper()
	var bs []map[string]any
	_ = json.Unmarshal([]byte(blocks), &bs)
	for _, b := range bs {
		if acc, ok := b["accessory"].(map[string]any); ok && acc["action_id"] == actionID {
			v, _ := acc["value"].(string)
			return v
		}
		els, _ := b["elements"].([]any)
		for _, e := range els {
			if m, ok := e.(map[string]any); ok && m["action_id"] == actionID {
				v, _ := m["value"].(string)
				return v
			}
		}
	}
	t.Fatalf("no %s button in %s", actionID, blocks)
	return ""
}

// TestLearningSessionEndToEnd runs a whole session through Slack: the form
// for a facilitator (and a refusal for anyone else), the session message
// and its first question, replies and an agreed action in the thread, the
// one-minute warning and a timed move on by the engine's clock, a refused
// and an accepted control button, the end with its synthesis, the session
// message updated in place, and the action on its owner's Home tab, done.
func TestLearningSessionEndToEnd(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		api := newSlackServer(t, func(s *slackServer, c slacktest.Customize) {
			c.Handle("/users.info", s.handle("users.info", func(_ http.ResponseWriter, _ *http.Request, v url.Values) any {
				return map[string]any{"ok": true, "user": map[string]any{"id": v.Get("user"), "is_admin": false}}
			}))
		})
		// The engine's clock stands still until the test moves it, so the
		// stage's timers fire when the test says, however slow the
		// machine: on a running clock, a minute lost before the test moved
		// to the one-minute warning would have carried it past the stage's
		// end.
		var offset atomic.Int64
		base := time.Now()
		clock := func() time.Time { return base.Add(time.Duration(offset.Load())) }
		templates, err := prompts.Load()
		if err != nil {
			t.Fatal(err)
		}
		off := themes.NewOffline()
		engine := flows.NewEngine(flows.Options{Templates: templates, Reader: off, Digests: themes.Digester{Fallback: off}, Now: clock})
		h := newHarness(t, db, api, harnessOptions{workers: 4, periodic: true, slackOpts: func(o *SlackOptions) { o.Engine = engine.WithStore }})
		if _, err := db.EnsureTeam(ctx, flows.Team{ID: testTeam, Timezone: "Europe/London", CreatedAt: time.Now()}); err != nil {
			t.Fatal(err)
		}
		for _, m := range []flows.Member{
			{TeamID: testTeam, UserID: "UFAC", Facilitator: true, Discipline: "psychologist", CreatedAt: time.Now()},
			{TeamID: testTeam, UserID: "UNURSE", Discipline: "district nurse", CreatedAt: time.Now()},
		} {
			if _, err := db.SaveMember(ctx, m); err != nil {
				t.Fatal(err)
			}
		}
		const form = "application/x-www-form-urlencoded"

		// Someone who is not a facilitator gets no form, and a kind refusal.
		h.command("UNURSE", "CSESS", "session")
		refusal := api.waitForCount(t, 1, "chat.postEphemeral")[0]
		if refusal.User != "UNURSE" || len(api.made("views.open")) != 0 {
			t.Fatalf("a member's /reflect session: %+v, views.open %v", refusal, api.made("views.open"))
		}
		// The facilitator gets the form at once.
		h.command("UFAC", "CSESS", "session families at the bedside")
		opened := api.waitForCount(t, 1, "views.open")[0]
		if !strings.Contains(opened.Blocks, sessionModalID) || !strings.Contains(opened.Blocks, "families at the bedside") {
			t.Fatalf("session form = %s", opened.Blocks)
		}
		status, body := h.post(form, interactionForm(map[string]any{
			"type": "view_submission", "trigger_id": trigger(), "team": map[string]any{"id": testTeam}, "user": map[string]any{"id": "UFAC", "team_id": testTeam},
			"view": map[string]any{"callback_id": sessionModalID, "private_metadata": "CSESS", "app_installed_team_id": testTeam, "state": map[string]any{"values": map[string]any{
				sessionTemplateBlock: map[string]any{sessionTemplateAction: map[string]any{"type": "static_select", "selected_option": map[string]any{"value": "theme"}}},
				sessionSubjectBlock:  map[string]any{sessionSubjectAction: map[string]any{"type": "plain_text_input", "value": "families at the bedside"}},
				sessionMinutesBlock:  map[string]any{sessionMinutesAction: map[string]any{"type": "static_select", "selected_option": map[string]any{"value": "20"}}},
				sessionPaceBlock:     map[string]any{sessionPaceAction: map[string]any{"type": "radio_buttons", "selected_option": map[string]any{"value": "timed"}}},
			}}},
		}), nil)
		if status != http.StatusOK || body != "" {
			t.Fatalf("session form submitted: %d %q", status, body)
		}
		posts := api.waitForCount(t, 2, "chat.postMessage")
		sessMsg, first := posts[0], posts[1]
		if sessMsg.Channel != "CSESS" || sessMsg.Thread != "" || first.Thread != sessMsg.TS {
			t.Fatalf("session posts:\n%s", describeCalls(posts))
		}
		api.waitForCount(t, 1, "chat.update")
		if u := api.made("chat.update")[0]; u.Channel != "CSESS" || u.TS == "" {
			t.Fatalf("session message update = %+v", u)
		}

		// Replies in the thread, and an agreed action with an owner.
		h.message("EvS1", "UNURSE", "CSESS", sessMsg.TS, "1700002000.000001", "Families need to be asked early what they hope for.")
		h.message("EvS2", "UFAC", "CSESS", sessMsg.TS, "1700002000.000002", "action: <@UNURSE> to ask about a family meeting by Friday")
		api.waitFor(t, "the action noted", func(cs []apiCall) bool {
			for _, c := range cs {
				if c.Method == "chat.postMessage" && c.Thread == sessMsg.TS && strings.Contains(strings.ToLower(c.Text), "action") {
					return true
				}
			}
			return false
		})

		// Time passes: a minute before the first stage's end, a warning;
		// at its end, the next stage's question.
		offset.Store(int64(4*time.Minute + 5*time.Second))
		api.waitFor(t, "the one-minute warning", func(cs []apiCall) bool {
			for _, c := range cs {
				if c.Method == "chat.postMessage" && strings.Contains(c.Text, "One minute left") {
					return true
				}
			}
			return false
		})
		before := len(api.made("chat.postMessage"))
		offset.Store(int64(5*time.Minute + 5*time.Second))
		second := api.waitForCount(t, before+1, "chat.postMessage")[before]
		if second.Thread != sessMsg.TS || !strings.Contains(second.Text, "2 of") {
			t.Fatalf("after the first stage's time: %+v", second)
		}

		// The controls: a member's press changes nothing; the facilitator's ends it.
		updates := api.made("chat.update")
		latest := updates[len(updates)-1]
		end := buttonValue(t, latest.Blocks, "wm_"+flows.ActionSessionEnd)
		press := func(user string) {
			t.Helper()
			if status, _ := h.post(form, interactionForm(map[string]any{
				"type": "block_actions", "trigger_id": trigger(), "team": map[string]any{"id": testTeam}, "user": map[string]any{"id": user},
				"channel":   map[string]any{"id": "CSESS"},
				"container": map[string]any{"type": "message", "channel_id": "CSESS", "message_ts": sessMsg.TS},
				"actions":   []map[string]any{{"action_id": "wm_" + flows.ActionSessionEnd, "block_id": "b", "value": end, "type": "button"}},
			}), nil); status != http.StatusOK {
				t.Fatalf("button: %d", status)
			}
		}
		press("UNURSE")
		api.waitForCount(t, 2, "chat.postEphemeral")
		press("UFAC")
		synth := api.waitFor(t, "the synthesis", func(cs []apiCall) bool {
			for _, c := range cs {
				if c.Method == "chat.postMessage" && strings.Contains(c.Text, "For your discussion") {
					return true
				}
			}
			return false
		})
		var synthesis apiCall
		for _, c := range synth {
			if strings.Contains(c.Text, "For your discussion") {
				synthesis = c
			}
		}
		if synthesis.Thread != sessMsg.TS || !strings.Contains(synthesis.Blocks, "district nurse") || !strings.Contains(synthesis.Blocks, "family meeting") {
			t.Errorf("synthesis = %s", synthesis.Blocks)
		}
		assertDrained(t, db)

		// The owner's Home tab lists the action with a Done button.
		h.post("application/json", eventCallback("EvHomeS", map[string]any{"type": "app_home_opened", "user": "UNURSE", "channel": "D1", "tab": "home"}), nil)
		home := api.waitFor(t, "the owner's Home tab", func(cs []apiCall) bool {
			for _, c := range cs {
				if c.Method == "views.publish" && c.User == "UNURSE" {
					return true
				}
			}
			return false
		})
		var tab apiCall
		for _, c := range home {
			if c.Method == "views.publish" && c.User == "UNURSE" {
				tab = c
			}
		}
		if !strings.Contains(tab.Blocks, "family meeting") {
			t.Fatalf("Home tab lacks the action: %s", tab.Blocks)
		}
		var view struct {
			Blocks json.RawMessage `json:"blocks"`
		}
		_ = json.Unmarshal([]byte(tab.Blocks), &view)
		done := buttonValue(t, string(view.Blocks), homeActionDone)
		h.post(form, interactionForm(map[string]any{
			"type": "block_actions", "trigger_id": trigger(), "team": map[string]any{"id": testTeam}, "user": map[string]any{"id": "UNURSE"},
			"container": map[string]any{"type": "view", "view_id": "V1"},
			"actions":   []map[string]any{{"action_id": homeActionDone, "block_id": "b", "value": done, "type": "button"}},
		}), nil)
		assertDrained(t, db)
		items, err := engine.WithStore(db).MyActions(ctx, flows.Actor{TeamID: testTeam, UserID: "UNURSE"})
		if err != nil || len(items) != 1 || items[0].DoneAt.IsZero() {
			t.Fatalf("actions after Done = %+v, %v", items, err)
		}
	})
}
