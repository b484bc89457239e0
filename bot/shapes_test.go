package bot

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"whatmatters/flows"
	"whatmatters/storage"
)

// The payloads below follow the shapes Slack sends (the Events API,
// slash command and interactivity references), including fields the bot
// does not read, so that a stricter or looser decoder shows here.

func rawEvent(t *testing.T, fields map[string]any) []byte {
	t.Helper()
	base := map[string]any{"token": "legacy-verification-token", "api_app_id": "A1", "type": "event_callback",
		"event_time": time.Now().Unix(), "event_context": "4-eyJldCI6Im1lc3NhZ2UifQ", "is_ext_shared_channel": false}
	for k, v := range fields {
		base[k] = v
	}
	b, err := json.Marshal(base)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func richText(text string) []map[string]any {
	return []map[string]any{{"type": "rich_text", "block_id": "Xy1", "elements": []map[string]any{
		{"type": "rich_text_section", "elements": []map[string]any{{"type": "text", "text": text}}}}}}
}

func (h *harness) storedAnswers(reflectionTeam, channel, thread string) []flows.Answer {
	h.t.Helper()
	r, err := h.db.ReflectionByThread(context.Background(), reflectionTeam, channel, thread)
	if err != nil {
		h.t.Fatalf("reflection in %s %s: %v", channel, thread, err)
	}
	as, err := h.db.ListAnswers(context.Background(), r.ID)
	if err != nil {
		h.t.Fatal(err)
	}
	return as
}

// TestSlackConnectAndOrgWideInstall: a reply from another organisation in
// a shared channel (envelope team_id theirs, the installation in
// authorizations) is an answer to the reflection, not dropped; an org-wide
// install (authorizations' team_id null) keys commands and events on the
// organisation; a reply in a thread that is no reflection's is counted.
func TestSlackConnectAndOrgWideInstall(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, db *storage.DB) {
		api := newSlackServer(t)
		h := newHarness(t, db, api, harnessOptions{workers: 2})
		thread := h.startReflection()

		// Slack Connect: the sender's workspace is TEXT; the bot's is T1.
		status, _ := h.post("application/json", rawEvent(t, map[string]any{
			"team_id": "TEXT", "enterprise_id": "EEXT", "event_id": "EvConnect1", "is_ext_shared_channel": true,
			"authorizations": []map[string]any{{"enterprise_id": nil, "team_id": testTeam, "user_id": testBotID, "is_bot": true, "is_enterprise_install": false}},
			"event": map[string]any{"type": "message", "user": "UEXT1", "user_team": "TEXT", "source_team": "TEXT", "team": "TEXT",
				"channel": "C1", "channel_type": "channel", "thread_ts": thread, "ts": "1700000800.000001",
				"client_msg_id": "5c1f8a52-0b5e-4f52-9b7e-9c3a5d0c2b11", "text": "Her sister in Leeds rings every evening.", "blocks": richText("Her sister in Leeds rings every evening.")},
		}), nil)
		if status != http.StatusOK {
			t.Fatalf("shared-channel reply: %d", status)
		}
		assertDrained(t, db)
		if as := h.storedAnswers(testTeam, "C1", thread); len(as) != 1 || as[0].Author != "UEXT1" {
			t.Fatalf("answers = %+v; want the other organisation's reply kept", as)
		}
		if m, err := db.GetMember(context.Background(), testTeam, "UEXT1"); err != nil || m.HomeTeam != "TEXT" {
			t.Errorf("member UEXT1 = %+v, %v; want their own workspace TEXT kept beside their id", m, err)
		}

		// A button on the bot's question, pressed from the other
		// organisation: it concerns the installing team's reflection (the
		// engine says only the starter moves it on), not a reflection of
		// the presser's own workspace (which would be "no longer exists").
		q := api.made("chat.postMessage")[1]
		toExt := func(cs []apiCall) []apiCall {
			var out []apiCall
			for _, c := range cs {
				if c.Method == "chat.postEphemeral" && c.User == "UEXT1" {
					out = append(out, c)
				}
			}
			return out
		}
		before := len(toExt(api.made()))
		h.post("application/x-www-form-urlencoded", interactionForm(map[string]any{
			"type": "block_actions", "trigger_id": trigger(), "api_app_id": "A1", "is_enterprise_install": false,
			"team": map[string]any{"id": "TEXT", "domain": "other-org"}, "user": map[string]any{"id": "UEXT1", "team_id": "TEXT"},
			"channel":   map[string]any{"id": "C1"},
			"container": map[string]any{"type": "message", "channel_id": "C1", "message_ts": q.TS, "thread_ts": thread},
			"message":   map[string]any{"type": "message", "user": testBotID, "bot_id": "B1", "team": testTeam, "ts": q.TS, "thread_ts": thread, "text": q.Text},
			"actions":   []map[string]any{{"action_id": "wm_" + flows.ActionSkip, "block_id": "b", "value": buttonValue(t, q.Blocks, "wm_"+flows.ActionSkip), "type": "button"}},
		}), nil)
		said := toExt(api.waitFor(t, "the answer to the other organisation's press", func(cs []apiCall) bool {
			return len(toExt(cs)) > before
		}))
		if got := said[before]; !strings.Contains(got.Text, "Only the person who started") {
			t.Errorf("press from the other organisation answered %q; want it to reach the installing team's reflection", got.Text)
		}

		// Org-wide install: the command names the organisation E1.
		form := url.Values{"token": {"x"}, "team_id": {"T2"}, "team_domain": {"north"}, "enterprise_id": {"E1"}, "enterprise_name": {"NHS North"},
			"is_enterprise_install": {"true"}, "channel_id": {"C2"}, "channel_name": {"ward"}, "user_id": {"U2"}, "user_name": {"bo"},
			"command": {"/reflect"}, "text": {"Heron"}, "api_app_id": {"A1"}, "response_url": {"https://hooks.slack.invalid/commands/3"}, "trigger_id": {trigger()}}
		if status, body := h.post("application/x-www-form-urlencoded", []byte(form.Encode()), nil); status != http.StatusOK || body != "" {
			t.Fatalf("org-wide command: %d %q", status, body)
		}
		posts := api.waitForCount(t, 4, "chat.postMessage")
		root := posts[2]
		if root.Channel != "C2" {
			t.Fatalf("org-wide root post: %+v", root)
		}
		status, _ = h.post("application/json", rawEvent(t, map[string]any{
			"team_id": "T2", "enterprise_id": "E1", "event_id": "EvOrg1",
			"authorizations": []map[string]any{{"enterprise_id": "E1", "team_id": nil, "user_id": testBotID, "is_bot": true, "is_enterprise_install": true}},
			"event": map[string]any{"type": "message", "user": "U2", "team": "T2", "channel": "C2", "channel_type": "group",
				"thread_ts": root.TS, "ts": "1700000900.000001", "text": "His dog, and the allotment."},
		}), nil)
		if status != http.StatusOK {
			t.Fatalf("org-wide reply: %d", status)
		}
		api.waitForCount(t, 5, "chat.postMessage")
		assertDrained(t, db)
		if as := h.storedAnswers("E1", "C2", root.TS); len(as) != 1 || !strings.Contains(as[0].Text, "allotment") {
			t.Fatalf("org-wide answers = %+v", as)
		}
		if m, err := db.GetMember(context.Background(), "E1", "U2"); err != nil || m.HomeTeam != "T2" {
			t.Errorf("org-wide member U2 = %+v, %v; want their workspace T2 kept beside their id", m, err)
		}

		// A reply in a thread the bot never started: counted, not silent.
		h.message("EvStranger", "U1", "C1", "1600000000.000001", "1700001000.000001", "lunch at 1?")
		assertDrained(t, db)
		if m := metric(t, h, "whatmatters_slack_unknown_thread_replies_total"); m != "1" {
			t.Errorf("unknown-thread replies = %q, want 1", m)
		}
	})
}

// TestSlackRequestsThatNeedOnlyA200: the checks and notices Slack sends
// that are not work for the bot are answered 200 and record nothing.
func TestSlackRequestsThatNeedOnlyA200(t *testing.T) {
	t.Parallel()
	db := sqliteDB(t)
	h := newHarness(t, db, newSlackServer(t), harnessOptions{})
	enqueued := stubEnqueue(h.slack)
	const form = "application/x-www-form-urlencoded"
	tests := []struct {
		name, contentType string
		body              []byte
	}{
		{"ssl_check", form, []byte(url.Values{"ssl_check": {"1"}, "token": {"legacy-verification-token"}}.Encode())},
		{"app_rate_limited", "application/json", []byte(`{"token":"x","type":"app_rate_limited","team_id":"T1","minute_rate_limited":1518467820,"api_app_id":"A1"}`)},
		{"view_submission of another view", form, interactionForm(map[string]any{
			"type": "view_submission", "team": map[string]any{"id": testTeam, "domain": "care"}, "user": map[string]any{"id": "U1", "team_id": testTeam},
			"api_app_id": "A1", "trigger_id": trigger(),
			"view": map[string]any{"id": "V0OLD", "team_id": testTeam, "type": "modal", "callback_id": "wm_old_modal_v1", "app_installed_team_id": testTeam,
				"state": map[string]any{"values": map[string]any{}}, "hash": "1.a", "private_metadata": ""}})},
		{"view_closed", form, interactionForm(map[string]any{
			"type": "view_closed", "team": map[string]any{"id": testTeam}, "user": map[string]any{"id": "U1"}, "api_app_id": "A1",
			"view": map[string]any{"id": "V1", "callback_id": settingsModalID}, "is_cleared": false})},
		{"global shortcut", form, interactionForm(map[string]any{
			"type": "shortcut", "token": "x", "action_ts": "1700001100.000001", "team": map[string]any{"id": testTeam}, "user": map[string]any{"id": "U1"},
			"callback_id": "old_global_shortcut", "trigger_id": trigger()})},
		{"message shortcut", form, interactionForm(map[string]any{
			"type": "message_action", "token": "x", "action_ts": "1700001100.000002", "team": map[string]any{"id": testTeam}, "user": map[string]any{"id": "U1"},
			"channel": map[string]any{"id": "C1", "name": "ward"}, "callback_id": "old_message_shortcut", "trigger_id": trigger(),
			"message_ts": "1700000000.000001", "message": map[string]any{"type": "message", "user": "U2", "ts": "1700000000.000001", "text": "hello"},
			"response_url": "https://hooks.slack.invalid/actions/1"})},
	}
	for _, tt := range tests {
		t.Run(strings.ReplaceAll(tt.name, " ", "_"), func(t *testing.T) {
			status, body := h.post(tt.contentType, tt.body, nil)
			if status != http.StatusOK || strings.TrimSpace(body) != "" {
				t.Errorf("%d %q; want 200 with an empty body", status, body)
			}
		})
	}
	if n := deliveries(t, db); n != 0 {
		t.Errorf("%d deliveries recorded, want none", n)
	}
	if ids := enqueued(); len(ids) != 0 {
		t.Errorf("enqueued %v", ids)
	}
}

// TestMessageShapesInAThread: the message shapes a thread really holds.
// A reply also sent to the channel (thread_broadcast) and one with a file
// (file_share) are answers; a link preview being added (message_changed
// with the same text) and the parent's reply count changing are not edits;
// a deleted reply (message_deleted) withdraws its answer; a button pressed
// on a question in the thread (block_actions with container.thread_ts)
// moves the reflection on; a direct message gets the help.
func TestMessageShapesInAThread(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, db *storage.DB) {
		api := newSlackServer(t)
		h := newHarness(t, db, api, harnessOptions{workers: 2})
		thread := h.startReflection()
		post := func(fields map[string]any) {
			t.Helper()
			if status, body := h.post("application/json", rawEvent(t, fields), nil); status != http.StatusOK {
				t.Fatalf("%v: %d %q", fields["event_id"], status, body)
			}
		}
		ev := func(id string, event map[string]any) map[string]any {
			return map[string]any{"team_id": testTeam, "event_id": id, "event": event,
				"authorizations": []map[string]any{{"enterprise_id": nil, "team_id": testTeam, "user_id": testBotID, "is_bot": true, "is_enterprise_install": false}}}
		}
		post(ev("EvBroadcast", map[string]any{"type": "message", "subtype": "thread_broadcast", "user": "U1", "channel": "C1", "channel_type": "channel",
			"thread_ts": thread, "ts": "1700001200.000001", "text": "Her garden, and the robin that visits.",
			"root": map[string]any{"type": "message", "user": testBotID, "bot_id": "B1", "ts": thread, "text": "Case reflection: Kestrel", "reply_count": 1}}))
		api.waitForCount(t, 3, "chat.postMessage")
		post(ev("EvFile", map[string]any{"type": "message", "subtype": "file_share", "user": "U2", "channel": "C1", "channel_type": "channel",
			"thread_ts": thread, "ts": "1700001200.000002", "upload": false, "display_as_bot": false,
			"text":  "Photo of the card her grandchildren made.",
			"files": []map[string]any{{"id": "F0001", "name": "card.jpg", "mimetype": "image/jpeg", "filetype": "jpg", "size": 52431}}}))
		assertDrained(t, db)
		as := h.storedAnswers(testTeam, "C1", thread)
		if len(as) != 2 || !strings.Contains(as[0].Text, "robin") || !strings.Contains(as[1].Text, "grandchildren") {
			t.Fatalf("answers = %+v; want the broadcast and the file's text", as)
		}

		// A link preview: Slack sends message_changed with the text unchanged.
		post(ev("EvPreview", map[string]any{"type": "message", "subtype": "message_changed", "hidden": true, "channel": "C1", "channel_type": "channel",
			"ts": "1700001200.000010", "event_ts": "1700001200.000010",
			"message": map[string]any{"type": "message", "user": "U1", "text": "Her garden, and the robin that visits.", "ts": "1700001200.000001", "thread_ts": thread,
				"attachments": []map[string]any{{"id": 1, "title": "Robins", "from_url": "https://example.org/robins"}}},
			"previous_message": map[string]any{"type": "message", "user": "U1", "text": "Her garden, and the robin that visits.", "ts": "1700001200.000001", "thread_ts": thread}}))
		// The parent's reply count: a message_changed of the root post.
		post(ev("EvReplyCount", map[string]any{"type": "message", "subtype": "message_changed", "hidden": true, "channel": "C1", "channel_type": "channel",
			"ts": "1700001200.000011", "event_ts": "1700001200.000011",
			"message":          map[string]any{"type": "message", "user": testBotID, "bot_id": "B1", "text": "Case reflection: Kestrel", "ts": thread, "thread_ts": thread, "reply_count": 3, "latest_reply": "1700001200.000002"},
			"previous_message": map[string]any{"type": "message", "user": testBotID, "bot_id": "B1", "text": "Case reflection: Kestrel", "ts": thread, "thread_ts": thread, "reply_count": 2}}))
		assertDrained(t, db)
		if got := h.storedAnswers(testTeam, "C1", thread); got[0].Text != as[0].Text || !got[0].EditedAt.IsZero() {
			t.Fatalf("a link preview changed the answer: %+v", got[0])
		}
		// Deleting the file reply withdraws that answer.
		post(ev("EvDeleted", map[string]any{"type": "message", "subtype": "message_deleted", "hidden": true, "channel": "C1", "channel_type": "channel",
			"ts": "1700001200.000012", "deleted_ts": "1700001200.000002", "event_ts": "1700001200.000012",
			"previous_message": map[string]any{"type": "message", "user": "U2", "text": "Photo of the card her grandchildren made.", "ts": "1700001200.000002", "thread_ts": thread}}))
		assertDrained(t, db)
		if got := h.storedAnswers(testTeam, "C1", thread); got[1].WithdrawnAt.IsZero() {
			t.Fatalf("deleted reply's answer = %+v; want it withdrawn", got[1])
		}

		// The Skip button on the current question, pressed in the thread.
		q := api.made("chat.postMessage")[2]
		var blocks []map[string]any
		_ = json.Unmarshal([]byte(q.Blocks), &blocks)
		value := ""
		for _, b := range blocks {
			if els, ok := b["elements"].([]any); ok {
				for _, e := range els {
					if m, ok := e.(map[string]any); ok && m["action_id"] == "wm_"+flows.ActionSkip {
						value, _ = m["value"].(string)
					}
				}
			}
		}
		if value == "" {
			t.Fatalf("no skip button on %s", q.Blocks)
		}
		status, _ := h.post("application/x-www-form-urlencoded", interactionForm(map[string]any{
			"type": "block_actions", "api_app_id": "A1", "trigger_id": trigger(),
			"team": map[string]any{"id": testTeam, "domain": "care"}, "user": map[string]any{"id": "U1", "username": "ann", "team_id": testTeam},
			"container": map[string]any{"type": "message", "message_ts": q.TS, "channel_id": "C1", "is_ephemeral": false, "thread_ts": thread},
			"channel":   map[string]any{"id": "C1", "name": "ward"},
			"message":   map[string]any{"type": "message", "user": testBotID, "ts": q.TS, "thread_ts": thread, "text": q.Text},
			"actions":   []map[string]any{{"action_id": "wm_" + flows.ActionSkip, "block_id": "wm_actions", "value": value, "type": "button", "action_ts": "1700001300.000001"}},
		}), nil)
		if status != http.StatusOK {
			t.Fatalf("button: %d", status)
		}
		next := api.waitForCount(t, 4, "chat.postMessage")[3]
		if next.Thread != thread || !strings.Contains(next.Text, "3 of 5") {
			t.Fatalf("after skip: %+v", next)
		}

		// A direct message to the bot: the help, in the DM.
		post(ev("EvDM", map[string]any{"type": "message", "user": "U3", "channel": "D0123", "channel_type": "im", "ts": "1700001400.000001", "text": "hello?"}))
		help := api.waitFor(t, "help in the DM", func(cs []apiCall) bool {
			for _, c := range cs {
				if c.Method == "chat.postMessage" && c.Channel == "D0123" {
					return true
				}
			}
			return false
		})
		_ = help
		assertDrained(t, db)
	})
}
