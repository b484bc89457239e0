package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"whatmatters/storage/storagetest"
)

// TestServeSocketMode starts whatmatters serve in Socket Mode as main would,
// against a stand-in for Slack's websocket end: serve opens the link with
// the app-level token, is ready once Slack says hello, records a /reflect
// envelope before acknowledging it, posts the reflection, and stops.
func TestServeSocketMode(t *testing.T) {
	fake, api := newFakeSlack(t)
	acks := make(chan string, 8)
	envelopes := make(chan []byte, 8)
	up := websocket.Upgrader{}
	link := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer conn.Close()
		if conn.WriteMessage(websocket.TextMessage, []byte(`{"type":"hello","num_connections":1}`)) != nil {
			return
		}
		go func() {
			for env := range envelopes {
				if conn.WriteMessage(websocket.TextMessage, env) != nil {
					return
				}
			}
		}()
		for {
			_, msg, err := conn.ReadMessage()
			if err != nil {
				return
			}
			var ack struct {
				EnvelopeID string `json:"envelope_id"`
			}
			if json.Unmarshal(msg, &ack) == nil {
				acks <- ack.EnvelopeID
			}
		}
	}))
	t.Cleanup(link.Close)
	t.Cleanup(func() { close(envelopes) })
	// apps.connections.open, with the app-level token, hands out the link.
	mux := http.NewServeMux()
	mux.HandleFunc("/api/apps.connections.open", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.Header.Get("Authorization") != "Bearer xapp-serve" {
			fmt.Fprint(w, `{"ok":false,"error":"invalid_auth"}`)
			return
		}
		fmt.Fprintf(w, `{"ok":true,"url":%q}`, "ws"+strings.TrimPrefix(link.URL, "http")+"/link")
	})
	mux.Handle("/", api.Config.Handler)
	slackAPI := httptest.NewServer(mux)
	t.Cleanup(slackAPI.Close)

	port := freePort(t)
	setEnv(t, "DATABASE_URL", storagetest.SQLiteURL(t), "SLACK_BOT_TOKEN", "xoxb-serve", "SLACK_APP_TOKEN", "xapp-serve",
		"SLACK_API_URL", slackAPI.URL+"/api/", "PORT", strconv.Itoa(port), "WHATMATTERS_LOG_LEVEL", "warn")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errOut bytes.Buffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve"}, func(string) string { return "" }, strings.NewReader(""), &out, &errOut)
	}()
	waitReady(t, "http://127.0.0.1:"+strconv.Itoa(port), done) // 200 only once Slack said hello

	env, err := json.Marshal(map[string]any{"envelope_id": "env-1", "type": "slash_commands", "accepts_response_payload": true,
		"payload": map[string]any{"team_id": "T1", "channel_id": "C1", "user_id": "U1", "command": "/reflect",
			"text": "Kestrel", "trigger_id": "1.2.3", "api_app_id": "A1"}})
	if err != nil {
		t.Fatal(err)
	}
	envelopes <- env
	select {
	case id := <-acks:
		if id != "env-1" {
			t.Fatalf("acknowledged %q, want env-1", id)
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("the envelope was not acknowledged; stderr:\n%s", errOut.String())
	}
	deadline := time.After(30 * time.Second)
	for posts := 0; posts < 2; posts++ { // the root, then the first question
		select {
		case <-fake.seen:
		case <-deadline:
			t.Fatalf("the reflection was not posted; stderr:\n%s", errOut.String())
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("serve: %v", err)
	}
	first, _, _ := strings.Cut(out.String(), "\n")
	if !strings.HasPrefix(first, "What Matters: Socket Mode, because SLACK_APP_TOKEN is set") {
		t.Errorf("first line %q", first)
	}
	if strings.Contains(errOut.String(), "xapp-serve") || strings.Contains(errOut.String(), "xoxb-serve") {
		t.Errorf("a token in the logs:\n%s", errOut.String())
	}
}
