package bot

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/slack-go/slack/slacktest"

	"whatmatters/flows"
	"whatmatters/storage"
)

// TestMentionHomeAndModals covers the ways in besides /reflect: a mention
// answers with help and a Start button; the Home tab is published when
// opened; its buttons open modals at once, and their submissions act.
func TestMentionHomeAndModals(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		api := newSlackServer(t)
		h := newHarness(t, db, api, harnessOptions{workers: 2})
		const form = "application/x-www-form-urlencoded"

		// @What Matters in a channel: help, privately, with a Start button.
		h.post("application/json", eventCallback("EvMention", map[string]any{
			"type": "app_mention", "user": "U1", "channel": "C7", "ts": "1700000700.000001", "text": "<@UBOT> what do you do?"}), nil)
		help := api.waitForCount(t, 1, "chat.postEphemeral")[0]
		if help.User != "U1" || help.Channel != "C7" || !strings.Contains(help.Blocks, `"wm_start"`) || !strings.Contains(help.Blocks, "/reflect help") {
			t.Fatalf("help = %+v; want a private help with a Start button", help)
		}
		// Start: a reflection in that channel.
		status, _ := h.post(form, interactionForm(map[string]any{
			"type": "block_actions", "trigger_id": trigger(), "team": map[string]any{"id": testTeam}, "user": map[string]any{"id": "U1"},
			"channel": map[string]any{"id": "C7"}, "container": map[string]any{"type": "message", "channel_id": "C7", "is_ephemeral": true},
			"actions": []map[string]any{{"action_id": "wm_start", "block_id": "wm_actions_1", "value": "C7", "type": "button"}},
		}), nil)
		if status != http.StatusOK {
			t.Fatalf("Start button: %d", status)
		}
		posts := api.waitForCount(t, 2, "chat.postMessage")
		if posts[0].Channel != "C7" || posts[1].Thread != posts[0].TS {
			t.Fatalf("posts after Start:\n%s", describeCalls(posts))
		}

		// The Home tab, when opened.
		h.post("application/json", eventCallback("EvHome", map[string]any{
			"type": "app_home_opened", "user": "U1", "channel": "D1", "tab": "home"}), nil)
		home := api.waitForCount(t, 1, "views.publish")[0]
		if home.User != "U1" || !strings.Contains(home.Blocks, "wm_home_start") {
			t.Fatalf("home = %+v", home)
		}
		// Its Start button opens a modal before the request is answered.
		status, _ = h.post(form, interactionForm(map[string]any{
			"type": "block_actions", "trigger_id": "home-trigger", "team": map[string]any{"id": testTeam}, "user": map[string]any{"id": "U3"},
			"container": map[string]any{"type": "view", "view_id": "V1"},
			"actions":   []map[string]any{{"action_id": homeStartAction, "block_id": "wm_home_start", "value": "start", "type": "button"}},
		}), nil)
		if opened := api.made("views.open"); status != http.StatusOK || len(opened) != 1 || opened[0].TS != "home-trigger" || !strings.Contains(opened[0].Blocks, startModalID) {
			t.Fatalf("Home Start: %d, views.open %+v; want the start modal opened before the answer", status, opened)
		}
		// The modal, submitted: a reflection about Teal in C9.
		status, body := h.post(form, interactionForm(map[string]any{
			"type": "view_submission", "trigger_id": trigger(), "team": map[string]any{"id": testTeam}, "user": map[string]any{"id": "U3"},
			"view": map[string]any{"callback_id": startModalID, "state": map[string]any{"values": map[string]any{
				channelBlock: map[string]any{channelAction: map[string]any{"type": "conversations_select", "selected_conversation": "C9"}},
				nameBlock:    map[string]any{nameAction: map[string]any{"type": "plain_text_input", "value": "Teal"}},
			}}},
		}), nil)
		if status != http.StatusOK || body != "" {
			t.Fatalf("submission: %d %q; want 200 and an empty body, closing the modal", status, body)
		}
		posts = api.waitForCount(t, 4, "chat.postMessage")
		if posts[2].Channel != "C9" || !strings.Contains(posts[2].Text, "Teal") {
			t.Fatalf("posts after the modal:\n%s", describeCalls(posts))
		}

		// Settings: the discipline, then the Home tab again.
		h.post(form, interactionForm(map[string]any{
			"type": "view_submission", "trigger_id": trigger(), "team": map[string]any{"id": testTeam}, "user": map[string]any{"id": "U3"},
			"view": map[string]any{"callback_id": settingsModalID, "state": map[string]any{"values": map[string]any{
				disciplineBlock: map[string]any{disciplineInput: map[string]any{"type": "plain_text_input", "value": "chaplain"}},
			}}},
		}), nil)
		homes := api.waitForCount(t, 2, "views.publish")
		if !strings.Contains(homes[1].Blocks, "chaplain") {
			t.Errorf("Home after settings lacks the discipline: %s", homes[1].Blocks)
		}
		m, err := db.GetMember(ctx, testTeam, "U3")
		if err != nil || m.Discipline != "chaplain" {
			t.Errorf("member U3 = %+v, %v; want the discipline saved", m, err)
		}
		assertDrained(t, db)
	})
}

// TestNotInChannel has Slack refuse the root post because the bot is not
// in the channel: the reply is dropped rather than retried for ever, and
// the person is told through the command's response_url.
func TestNotInChannel(t *testing.T) {
	t.Parallel()
	db := sqliteDB(t)
	responded := make(chan string, 1)
	api := newSlackServer(t, func(s *slackServer, c slacktest.Customize) {
		c.Handle("/chat.postMessage", s.handle("chat.postMessage", func(http.ResponseWriter, *http.Request, url.Values) any {
			return map[string]any{"ok": false, "error": "not_in_channel"}
		}))
		c.Handle("/commands/1", func(w http.ResponseWriter, r *http.Request) {
			var b strings.Builder
			_, _ = io.Copy(&b, r.Body)
			responded <- b.String()
			_, _ = w.Write([]byte("ok"))
		})
	})
	h := newHarness(t, db, api, harnessOptions{workers: 1})
	body := []byte(strings.Replace(string(commandForm("U1", "C5", "Kestrel")),
		url.QueryEscape("https://hooks.slack.invalid/commands/1"), url.QueryEscape(api.GetAPIURL()+"commands/1"), 1))
	if status, _ := h.post("application/x-www-form-urlencoded", body, nil); status != http.StatusOK {
		t.Fatalf("status %d", status)
	}
	if msg := within(t, "a note through response_url", responded); !strings.Contains(msg, "/invite") || !strings.Contains(msg, `"ephemeral"`) {
		t.Errorf("response_url got %s; want a private note to invite the bot", msg)
	}
	assertDrained(t, db)
	if m := metric(t, h, `whatmatters_slack_posts_total{method="chat.postMessage",result="dropped"}`); m != "1" {
		t.Errorf("dropped posts: %s, want 1", m)
	}
}

// TestWholeReflectionInAForm opens the form with /reflect form, refuses a
// submission with nothing in it, and posts a submitted reflection, an
// answer longer than one box joined whole.
func TestWholeReflectionInAForm(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		api := newSlackServer(t)
		h := newHarness(t, db, api, harnessOptions{workers: 2})
		const form = "application/x-www-form-urlencoded"

		h.command("U1", "C4", "form")
		opened := api.made("views.open")
		if len(opened) != 1 || !strings.Contains(opened[0].Blocks, formModalID) || !strings.Contains(opened[0].Blocks, formStagePrefix+"what_matters_more") {
			t.Fatalf("views.open = %+v; want the form opened before the command was answered", opened)
		}
		if n := deliveries(t, db); n != 0 {
			t.Errorf("%d deliveries recorded for opening a form, want none", n)
		}

		submit := func(channel string, values map[string]string) (int, string) {
			state := map[string]any{}
			if channel != "" {
				state[formChannelBlock] = map[string]any{channelAction: map[string]any{"type": "conversations_select", "selected_conversation": channel}}
			}
			for block, v := range values {
				state[block] = map[string]any{formInput: map[string]any{"type": "plain_text_input", "value": v}}
			}
			return h.post(form, interactionForm(map[string]any{
				"type": "view_submission", "trigger_id": trigger(), "team": map[string]any{"id": testTeam}, "user": map[string]any{"id": "U1"},
				"view": map[string]any{"callback_id": formModalID, "private_metadata": `{"template":"case"}`, "state": map[string]any{"values": state}},
			}), nil)
		}
		status, body := submit("", map[string]string{formStagePrefix + "what_matters": "", formStagePrefix + "why": ""})
		if status != http.StatusOK || !strings.Contains(body, `"response_action":"errors"`) ||
			!strings.Contains(body, formChannelBlock) || !strings.Contains(body, formLabelBlock) || !strings.Contains(body, formStagePrefix+"what_matters") {
			t.Fatalf("empty form: %d %s; want errors on the channel, the pseudonym and the first question", status, body)
		}
		if n := deliveries(t, db); n != 0 {
			t.Fatalf("%d deliveries recorded for a form with problems, want none", n)
		}

		long := strings.Repeat("She wants her garden and her grandson. ", 80) // over 3,000 characters
		status, body = submit("C4", map[string]string{
			formLabelBlock:                         "Heron",
			formStagePrefix + "what_matters":       long[:2990],
			formStagePrefix + "what_matters_more":  long[2990:],
			formStagePrefix + "why":                "Because her husband planted it.",
			formStagePrefix + "whos_around":        "",
			formStagePrefix + "what_happened_more": "Her daughter stayed the night.",
		})
		if status != http.StatusOK || body != "" {
			t.Fatalf("form: %d %q; want 200 and an empty body", status, body)
		}
		posts := api.waitForCount(t, 2, "chat.postMessage")
		root, summary := posts[0], posts[1]
		if root.Channel != "C4" || !strings.Contains(root.Text, "Heron") || summary.Thread != root.TS || !strings.Contains(summary.Text, "the story so far") {
			t.Fatalf("posts:\n%s", describeCalls(posts))
		}
		assertDrained(t, db)
		r, err := db.ReflectionByThread(ctx, testTeam, "C4", root.TS)
		if err != nil {
			t.Fatal(err)
		}
		stored, err := db.ListAnswers(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if r.Status != flows.StatusComplete || len(stored) != 3 {
			t.Fatalf("reflection %s with %d answers; want complete with 3", r.Status, len(stored))
		}
		if want := strings.TrimSpace(long[:2990]) + "\n\n" + strings.TrimSpace(long[2990:]); stored[0].Text != want {
			t.Errorf("the long answer was stored as %d characters, want %d, joined whole", len(stored[0].Text), len(want))
		}
	})
}

// TestMyDataAndEdits covers the replies that are neither posts nor
// notices: a person's data sent as a file in a direct message, and an
// answer edited in Slack changing what is stored.
func TestMyDataAndEdits(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		api := newSlackServer(t)
		h := newHarness(t, db, api, harnessOptions{workers: 2})
		thread := h.startReflection()
		h.message("EvFirst", "U1", "C1", thread, "1700000800.000001", "She wants to see her grandson, because he makes her laugh.")
		api.waitForCount(t, 3, "chat.postMessage")

		// Edited in Slack: the stored answer follows.
		h.post("application/json", eventCallback("EvEdit", map[string]any{
			"type": "message", "subtype": "message_changed", "channel": "C1", "hidden": true, "ts": "1700000800.000099",
			"message":          map[string]any{"type": "message", "user": "U1", "text": "She wants to see her grandson and her sister, because they make her laugh.", "ts": "1700000800.000001", "thread_ts": thread},
			"previous_message": map[string]any{"type": "message", "user": "U1", "text": "She wants to see her grandson, because he makes her laugh.", "ts": "1700000800.000001", "thread_ts": thread},
		}), nil)
		assertDrained(t, db)
		r, err := db.ReflectionByThread(ctx, testTeam, "C1", thread)
		if err != nil {
			t.Fatal(err)
		}
		stored, err := db.ListAnswers(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(stored) != 1 || !strings.Contains(stored[0].Text, "her sister") {
			t.Errorf("answers after the edit: %+v; want the edited text", stored)
		}

		// /reflect my-data: a direct message with the file.
		h.command("U1", "C1", "my-data")
		upload := api.waitForCount(t, 1, "upload")[0]
		if !strings.Contains(upload.Text, "her sister") || !json.Valid([]byte(upload.Text)) {
			t.Errorf("uploaded %q; want the person's data as JSON", upload.Text)
		}
		dm := api.waitFor(t, "the direct message", func(calls []apiCall) bool {
			for _, c := range calls {
				if c.Method == "chat.postMessage" && c.Channel == "DU1" {
					return true
				}
			}
			return false
		})
		_ = dm
		if done := api.waitForCount(t, 1, "files.completeUploadExternal"); len(done) != 1 || done[0].Channel != "DU1" {
			t.Errorf("files.completeUploadExternal = %+v; want the file shared in the direct message", done)
		}
		assertDrained(t, db)
	})
}
