package bot

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"whatmatters/storage"
)

// story is text people write: it must never reach the logs.
const story = "SECRET-STORY she wants her daughter near"

// stubEnqueue makes the adapter note the jobs it would enqueue.
func stubEnqueue(s *Slack) func() []string {
	var mu sync.Mutex
	var ids []string
	s.delivery.UseQueue(queueFuncs{enqueue: func(_ context.Context, more ...string) (int, error) {
		mu.Lock()
		defer mu.Unlock()
		ids = append(ids, more...)
		return len(more), nil
	}})
	return func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), ids...)
	}
}

func TestSignature(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, db *storage.DB) {
		h := newHarness(t, db, newSlackServer(t), harnessOptions{})
		enqueued := stubEnqueue(h.slack)
		body := messageEvent("EvSig", "U1", "C1", "100.000001", "100.000002", story)
		now := time.Now()
		changed := bytes.Clone(body)
		changed[len(changed)-3] ^= 1
		tests := []struct {
			name   string
			body   []byte // sent; the signature is over body unless signed is set
			signed []byte
			secret string
			at     time.Time
			unset  []string // headers to remove
		}{
			{name: "body changed by one byte", body: changed, signed: body, secret: testSecret, at: now},
			{name: "wrong secret", body: body, secret: "not-the-secret", at: now},
			{name: "timestamp 6 minutes old", body: body, secret: testSecret, at: now.Add(-6 * time.Minute)},
			{name: "timestamp 6 minutes in the future", body: body, secret: testSecret, at: now.Add(6 * time.Minute)},
			{name: "no headers", body: body, secret: testSecret, at: now, unset: []string{"X-Slack-Signature", "X-Slack-Request-Timestamp"}},
			{name: "no signature", body: body, secret: testSecret, at: now, unset: []string{"X-Slack-Signature"}},
			{name: "no timestamp", body: body, secret: testSecret, at: now, unset: []string{"X-Slack-Request-Timestamp"}},
		}
		for _, tt := range tests {
			t.Run(strings.ReplaceAll(tt.name, " ", "_"), func(t *testing.T) {
				req, _ := http.NewRequest(http.MethodPost, h.srv.URL+"/slack/events", bytes.NewReader(tt.body))
				req.Header.Set("Content-Type", "application/json")
				signed := tt.body
				if tt.signed != nil {
					signed = tt.signed
				}
				sign(req.Header, tt.secret, tt.at, signed)
				for _, k := range tt.unset {
					req.Header.Del(k)
				}
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != http.StatusUnauthorized {
					t.Errorf("status %d, want 401", resp.StatusCode)
				}
				if n := deliveries(t, db); n != 0 {
					t.Errorf("%d deliveries recorded, want none", n)
				}
			})
		}
		// The same request, correctly signed, is taken.
		if status, _ := h.post("application/json", body, nil); status != http.StatusOK {
			t.Fatalf("valid signature: status %d, want 200", status)
		}
		if n := deliveries(t, db); n != 1 {
			t.Errorf("valid signature: %d deliveries recorded, want 1", n)
		}
		if diff := cmp.Diff([]string{"EvSig"}, enqueued()); diff != "" {
			t.Errorf("enqueued (-want +got):\n%s", diff)
		}
		if strings.Contains(h.logs.String(), "SECRET-STORY") {
			t.Errorf("story text in the logs:\n%s", h.logs)
		}
	})
}

func TestURLVerification(t *testing.T) {
	t.Parallel()
	h := newHarness(t, sqliteDB(t), newSlackServer(t), harnessOptions{})
	body := []byte(`{"token":"Jhj5dZrVaK7ZwHHjRyZWjbDl","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"}`)
	status, resp := h.post("application/json", body, nil)
	if status != http.StatusOK {
		t.Fatalf("status %d, want 200", status)
	}
	var got map[string]string
	if err := json.Unmarshal([]byte(resp), &got); err != nil || got["challenge"] != "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" {
		t.Errorf("body %q, want the challenge", resp)
	}
	// Unsigned, it is refused like anything else.
	req, _ := http.NewRequest(http.MethodPost, h.srv.URL+"/slack/events", bytes.NewReader(body))
	r, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	if r.StatusCode != http.StatusUnauthorized {
		t.Errorf("unsigned url_verification: %d, want 401", r.StatusCode)
	}
}

func TestBodyTooLarge(t *testing.T) {
	t.Parallel()
	db := sqliteDB(t)
	h := newHarness(t, db, newSlackServer(t), harnessOptions{})
	body := []byte(`{"type":"event_callback","padding":"` + strings.Repeat("x", MaxBodyBytes) + `"}`)
	if status, _ := h.post("application/json", body, nil); status != http.StatusRequestEntityTooLarge {
		t.Errorf("status %d, want 413", status)
	}
	if n := deliveries(t, db); n != 0 {
		t.Errorf("%d deliveries recorded, want none", n)
	}
}

func TestBadInput(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, db *storage.DB) {
		h := newHarness(t, db, newSlackServer(t), harnessOptions{})
		enqueued := stubEnqueue(h.slack)
		const form = "application/x-www-form-urlencoded"
		tests := []struct {
			name        string
			contentType string
			body        []byte
			status      int
			response    string // wanted body, when it matters
		}{
			{"malformed JSON", "application/json", []byte(`{"type":"event_callback","event":{"text":"` + story + `"`), http.StatusBadRequest, ""},
			{"form with no payload or command", form, []byte("text=" + strings.ReplaceAll(story, " ", "+") + "&team_id=T1"), http.StatusBadRequest, ""},
			{"unknown request type", "application/json", []byte(`{"type":"block_suggestion_v9","text":"` + story + `"}`), http.StatusBadRequest, ""},
			{"event without an id", "application/json", []byte(`{"type":"event_callback","team_id":"T1","event":{"type":"message","text":"` + story + `"}}`), http.StatusBadRequest, ""},
			{"unknown event type", "application/json", eventCallback("EvUnknown", map[string]any{"type": "reaction_added", "user": "U1", "reaction": "tada"}), http.StatusOK, ""},
			{"message from a bot", "application/json", eventCallback("EvBot", map[string]any{"type": "message", "subtype": "bot_message", "bot_id": "B1", "channel": "C1", "thread_ts": "1.1", "ts": "1.2", "text": story}), http.StatusOK, ""},
			{"message from a bot without a subtype", "application/json", eventCallback("EvBot2", map[string]any{"type": "message", "bot_id": "B1", "user": "U9", "channel": "C1", "thread_ts": "1.1", "ts": "1.2", "text": story}), http.StatusOK, ""},
			{"the bot's own message", "application/json", messageEvent("EvSelf", testBotID, "C1", "1.1", "1.3", story), http.StatusOK, ""},
			{"message outside a thread", "application/json", messageEvent("EvTop", "U1", "C1", "", "1.4", story), http.StatusOK, ""},
			{"someone joined", "application/json", eventCallback("EvJoin", map[string]any{"type": "message", "subtype": "channel_join", "user": "U2", "channel": "C1", "ts": "1.5"}), http.StatusOK, ""},
			{"malformed interaction", form, []byte("payload=%7B%22type%22%3A"), http.StatusBadRequest, ""},
			{"unknown interaction type", form, interactionForm(map[string]any{"type": "dialog_submission", "team": map[string]any{"id": "T1"}, "user": map[string]any{"id": "U1"}}), http.StatusBadRequest, ""},
			{"view submission with missing fields", form, interactionForm(map[string]any{
				"type": "view_submission", "team": map[string]any{"id": "T1"}, "user": map[string]any{"id": "U1"}, "trigger_id": "1.2.3",
				"view": map[string]any{"callback_id": startModalID, "state": map[string]any{"values": map[string]any{
					nameBlock: map[string]any{nameAction: map[string]any{"type": "plain_text_input", "value": story}}}}},
			}), http.StatusOK, `{"response_action":"errors","errors":{"wm_channel":"Choose the channel where the team will reflect."}}`},
			{"settings with an empty discipline", form, interactionForm(map[string]any{
				"type": "view_submission", "team": map[string]any{"id": "T1"}, "user": map[string]any{"id": "U1"}, "trigger_id": "1.2.4",
				"view": map[string]any{"callback_id": settingsModalID, "state": map[string]any{"values": map[string]any{
					disciplineBlock: map[string]any{disciplineInput: map[string]any{"type": "plain_text_input", "value": " \u0007 "}}}}},
			}), http.StatusOK, `{"response_action":"errors","errors":{"wm_discipline":"Say your discipline in a word or two, such as nurse or social worker."}}`},
			// Ids no database can store are the sender's mistake, never
			// worth a retry: 400, not 503.
			{"event id with a NUL", "application/json", eventCallback("Ev\u0000NUL", map[string]any{"type": "message", "user": "U1", "channel": "C1", "thread_ts": "1.1", "ts": "1.6", "text": story}), http.StatusBadRequest, ""},
			{"settings command from a user id not UTF-8", form, []byte(strings.Replace(strings.Replace(string(commandForm("U1", "C1", "settings")), "user_id=U1", "user_id=%AB", 1), "text=", "text=", 1)), http.StatusBadRequest, ""},
			{"session command from a team id not UTF-8", form, []byte(strings.Replace(string(commandForm("U1", "C1", "session a theme")), "team_id=T1", "team_id=%FE", 1)), http.StatusBadRequest, ""},
			{"command trigger not UTF-8", form, []byte(strings.Replace(string(commandForm("U1", "C1", "Wren")), "trigger_id=", "trigger_id=%FF%FE", 1)), http.StatusBadRequest, ""},
			{"channel id with a NUL", "application/json", messageEvent("EvChanNUL", "U1", "C1\u0000", "1.1", "1.8", story), http.StatusBadRequest, ""},
			{"command trigger with a NUL", form, []byte(strings.Replace(string(commandForm("U1", "C1", "Wren")), "trigger_id=", "trigger_id=%00", 1)), http.StatusBadRequest, ""},
		}
		for _, tt := range tests {
			t.Run(strings.ReplaceAll(tt.name, " ", "_"), func(t *testing.T) {
				status, body := h.post(tt.contentType, tt.body, nil)
				if status != tt.status {
					t.Errorf("status %d, want %d", status, tt.status)
				}
				if tt.response != "" && strings.TrimSpace(body) != tt.response {
					t.Errorf("body %s, want %s", body, tt.response)
				}
				if n := deliveries(t, db); n != 0 {
					t.Errorf("%d deliveries recorded, want none", n)
				}
			})
		}
		if ids := enqueued(); len(ids) != 0 {
			t.Errorf("enqueued %v, want nothing", ids)
		}
		if logs := h.logs.String(); strings.Contains(logs, "SECRET-STORY") || strings.Contains(logs, "daughter") {
			t.Errorf("story text in the logs:\n%s", logs)
		}
	})
}
