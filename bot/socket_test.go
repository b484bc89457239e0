package bot

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/slack-go/slack/slacktest"

	"whatmatters/flows"
	"whatmatters/storage"
)

// socketServer plays Slack's end of Socket Mode on loopback: it says hello
// to each connection, sends the envelopes the test gives it and reports
// the acknowledgements it gets back.
type socketServer struct {
	srv  *httptest.Server
	out  chan []byte          // envelopes to send
	acks chan json.RawMessage // acknowledgements received
}

func newSocketServer(t *testing.T) *socketServer {
	t.Helper()
	s := &socketServer{out: make(chan []byte, 16), acks: make(chan json.RawMessage, 64)}
	up := websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer conn.Close()
		hello := `{"type":"hello","num_connections":1,"debug_info":{"host":"applink-test"},"connection_info":{"app_id":"A1"}}`
		if conn.WriteMessage(websocket.TextMessage, []byte(hello)) != nil {
			return
		}
		// The client counts Slack's pings to tell a live connection.
		_ = conn.WriteControl(websocket.PingMessage, []byte("alive"), time.Now().Add(time.Second))
		done := make(chan struct{})
		go func() {
			defer close(done)
			for {
				_, msg, err := conn.ReadMessage()
				if err != nil {
					return
				}
				s.acks <- msg
			}
		}()
		for {
			select {
			case msg := <-s.out:
				if conn.WriteMessage(websocket.TextMessage, msg) != nil {
					return
				}
			case <-done:
				return
			case <-r.Context().Done():
				return
			}
		}
	}))
	t.Cleanup(s.srv.Close)
	return s
}

// url is where apps.connections.open sends the client.
func (s *socketServer) url() string {
	return "ws" + strings.TrimPrefix(s.srv.URL, "http") + "/link/?ticket=1"
}

// send sends an envelope and waits for its acknowledgement, returning its
// payload.
func (s *socketServer) send(t *testing.T, envelopeType, id string, payload any) json.RawMessage {
	t.Helper()
	b, err := json.Marshal(map[string]any{"envelope_id": id, "type": envelopeType, "payload": payload,
		"accepts_response_payload": envelopeType != "events_api", "retry_attempt": 0})
	if err != nil {
		t.Fatal(err)
	}
	s.out <- b
	msg := within(t, "the acknowledgement of envelope "+id, s.acks)
	var ack struct {
		EnvelopeID string          `json:"envelope_id"`
		Payload    json.RawMessage `json:"payload"`
	}
	if err := json.Unmarshal(msg, &ack); err != nil {
		t.Fatalf("unreadable acknowledgement %q", msg)
	}
	if ack.EnvelopeID != id {
		t.Fatalf("acknowledgement of %s while waiting for %s", ack.EnvelopeID, id)
	}
	return ack.Payload
}

func commandPayloadJSON(user, channel, text string) map[string]any {
	return map[string]any{"token": "legacy", "team_id": testTeam, "channel_id": channel, "user_id": user,
		"user_name": strings.ToLower(user), "command": "/reflect", "text": text, "trigger_id": trigger(),
		"response_url": "https://hooks.slack.invalid/commands/2", "api_app_id": "A1"}
}

func eventPayloadJSON(eventID string, ev map[string]any) json.RawMessage {
	return eventCallback(eventID, ev)
}

// TestReflectionOverSocketMode runs a whole reflection through Socket Mode:
// apps.connections.open (at SLACK_API_URL) hands out a loopback websocket
// whose envelopes must each be acknowledged.
func TestReflectionOverSocketMode(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, db *storage.DB) {
		sock := newSocketServer(t)
		api := newSlackServer(t, func(s *slackServer, c slacktest.Customize) {
			c.Handle("/apps.connections.open", s.handle("apps.connections.open", func(_ http.ResponseWriter, r *http.Request, _ url.Values) any {
				if r.Header.Get("Authorization") != "Bearer xapp-test" {
					return map[string]any{"ok": false, "error": "invalid_auth"}
				}
				return map[string]any{"ok": true, "url": sock.url()}
			}))
		})
		h := newHarness(t, db, api, harnessOptions{workers: 4, appToken: "xapp-test"})
		// The link's clock stands still: it neither pings nor gives up,
		// however slow the machine.
		runSocketOn(t, h, newFakeClock())

		if ack := sock.send(t, "slash_commands", "env-cmd", commandPayloadJSON("U1", "C1", "Kestrel")); len(ack) != 0 && string(ack) != "null" {
			t.Errorf("slash command acknowledged with %s, want no payload", ack)
		}
		if !h.slack.Connected() {
			t.Error("not connected after an acknowledgement")
		}
		if resp, err := http.Get(h.srv.URL + "/readyz"); err != nil || resp.StatusCode != http.StatusOK {
			t.Errorf("/readyz while connected: %v %v", resp.Status, err)
		}
		posts := api.waitForCount(t, 2, "chat.postMessage")
		root := posts[0]
		if root.Channel != "C1" || !strings.Contains(posts[1].Text, "1 of 5") || posts[1].Thread != root.TS {
			t.Fatalf("posts:\n%s", describeCalls(posts))
		}
		// A bot's message is acknowledged and ignored.
		sock.send(t, "events_api", "env-bot", eventPayloadJSON("EvSockBot", map[string]any{
			"type": "message", "subtype": "bot_message", "bot_id": "B9", "channel": "C1", "thread_ts": root.TS, "ts": "1700000600.000009", "text": "beep"}))
		for i, a := range answers {
			sock.send(t, "events_api", fmt.Sprintf("env-%d", i), eventPayloadJSON(fmt.Sprintf("EvSock%d", i), map[string]any{
				"type": "message", "user": "U1", "channel": "C1", "channel_type": "channel",
				"thread_ts": root.TS, "ts": fmt.Sprintf("1700000600.%06d", i), "text": a}))
			api.waitForCount(t, 3+i, "chat.postMessage")
		}
		// A button after the end: the engine's kind notice, privately.
		sock.send(t, "interactive", "env-button", map[string]any{
			"type": "block_actions", "trigger_id": trigger(), "team": map[string]any{"id": testTeam},
			"user": map[string]any{"id": "U2"}, "channel": map[string]any{"id": "C1"},
			"container": map[string]any{"type": "message", "channel_id": "C1", "message_ts": posts[1].TS, "thread_ts": root.TS},
			"actions":   []map[string]any{{"action_id": "wm_next", "block_id": "b", "value": "999999", "type": "button"}},
		})
		notices := api.waitFor(t, "the notice about a reflection that no longer exists", func(calls []apiCall) bool {
			for _, c := range calls {
				if c.Method == "chat.postEphemeral" && c.User == "U2" && strings.Contains(c.Text, "no longer exists") {
					return true
				}
			}
			return false
		})
		_ = notices
		assertDrained(t, db)

		posts = api.made("chat.postMessage")
		if len(posts) != 7 || !strings.Contains(posts[6].Text, "the story so far") {
			t.Fatalf("posts:\n%s", describeCalls(posts))
		}
		r, err := db.ReflectionByThread(context.Background(), testTeam, "C1", root.TS)
		if err != nil {
			t.Fatal(err)
		}
		stored, err := db.ListAnswers(context.Background(), r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if r.Status != flows.StatusComplete || len(stored) != len(answers) {
			t.Errorf("reflection %s with %d answers, want complete with %d", r.Status, len(stored), len(answers))
		}
	})
}

// TestSocketEnvelopeSlackGoCannotParse: an answer whose shape slack-go's
// strict parser refuses (here "edited" as a string, not an object) is read
// by the bot's own decoder, recorded and only then acknowledged: the
// answer is kept and the next question asked.
func TestSocketEnvelopeSlackGoCannotParse(t *testing.T) {
	t.Parallel()
	db := sqliteDB(t)
	sock := newSocketServer(t)
	api := newSlackServer(t, func(s *slackServer, c slacktest.Customize) {
		c.Handle("/apps.connections.open", s.handle("apps.connections.open", func(http.ResponseWriter, *http.Request, url.Values) any {
			return map[string]any{"ok": true, "url": sock.url()}
		}))
	})
	h := newHarness(t, db, api, harnessOptions{workers: 2, appToken: "xapp-test"})
	runSocketOn(t, h, newFakeClock())

	sock.send(t, "slash_commands", "env-odd-cmd", commandPayloadJSON("U1", "C1", "Kestrel"))
	root := api.waitForCount(t, 2, "chat.postMessage")[0]
	sock.send(t, "events_api", "env-odd", eventPayloadJSON("EvOdd", map[string]any{
		"type": "message", "user": "U1", "channel": "C1", "channel_type": "channel",
		"thread_ts": root.TS, "ts": "1700000700.000001", "text": "Her garden, and her grandson's visits.", "edited": "yes"}))
	next := api.waitForCount(t, 3, "chat.postMessage")[2]
	if next.Thread != root.TS || !strings.Contains(next.Text, "2 of 5") {
		t.Fatalf("after the odd answer: %+v", next)
	}
	r, err := db.ReflectionByThread(context.Background(), testTeam, "C1", root.TS)
	if err != nil {
		t.Fatal(err)
	}
	stored, err := db.ListAnswers(context.Background(), r.ID)
	if err != nil || len(stored) != 1 || !strings.Contains(stored[0].Text, "grandson") {
		t.Fatalf("answers = %+v, %v; want the odd-shaped answer kept", stored, err)
	}

	// The person deletes that reply: message_deleted, as Slack sends it over
	// Socket Mode, withdraws the answer.
	sock.send(t, "events_api", "env-deleted", eventPayloadJSON("EvOddDeleted", map[string]any{
		"type": "message", "subtype": "message_deleted", "hidden": true, "channel": "C1", "channel_type": "channel",
		"ts": "1700000700.000009", "deleted_ts": "1700000700.000001", "event_ts": "1700000700.000009",
		"previous_message": map[string]any{"type": "message", "user": "U1", "text": "Her garden, and her grandson's visits.",
			"ts": "1700000700.000001", "thread_ts": root.TS}}))
	eventually(t, "the deleted answer to be withdrawn", func() (bool, string) {
		stored, err = db.ListAnswers(context.Background(), r.ID)
		return err == nil && len(stored) == 1 && !stored[0].WithdrawnAt.IsZero(), fmt.Sprintf("answers %+v, %v", stored, err)
	})
	if stored[0].Text != "" {
		t.Errorf("withdrawn answer still holds its text: %q", stored[0].Text)
	}
}

// TestSocketReconnectsSoonerThanTheClientsBackoff: when Slack refuses the
// connection with a long Retry-After (or slack-go's backoff has grown
// long), the bot reconnects after its own short wait instead of sitting
// out slack-go's, and takes envelopes again.
func TestSocketReconnectsSoonerThanTheClientsBackoff(t *testing.T) {
	t.Parallel()
	db := sqliteDB(t)
	sock := newSocketServer(t)
	api := newSlackServer(t, func(s *slackServer, c slacktest.Customize) {
		c.Handle("/apps.connections.open", s.handle("apps.connections.open", func(http.ResponseWriter, *http.Request, url.Values) any {
			return map[string]any{"ok": true, "url": sock.url()}
		}))
	})
	api.fail = func(method string, n int) (int, string) {
		if method == "apps.connections.open" && n < 2 {
			return http.StatusTooManyRequests, "60" // slack-go would wait a minute
		}
		return 0, ""
	}
	h := newHarness(t, db, api, harnessOptions{workers: 2, appToken: "xapp-test", slackOpts: func(o *SlackOptions) {
		o.SocketBackoff = 50 * time.Millisecond
	}})
	runSocketOn(t, h, newFakeClock())

	// Acknowledged well within the minute slack-go would have waited.
	sock.send(t, "slash_commands", "env-after-429", commandPayloadJSON("U1", "C1", "Kestrel"))
	if n := len(api.made("apps.connections.open failed 429")); n != 2 {
		t.Errorf("%d refused connections before the one that worked, want 2", n)
	}
}
