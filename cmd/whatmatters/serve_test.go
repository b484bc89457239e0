package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"whatmatters/internal/slacksign"

	"whatmatters/storage/storagetest"
)

func TestServeNeedsItsSecrets(t *testing.T) {
	tests := []struct {
		name string
		env  []string
		want string
	}{
		{"no bot token", []string{"SLACK_SIGNING_SECRET", "s"}, "SLACK_BOT_TOKEN is not set"},
		{"HTTP mode without a signing secret", []string{"SLACK_BOT_TOKEN", "xoxb-1"}, "SLACK_SIGNING_SECRET is not set"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			setEnv(t, append(tt.env, "DATABASE_URL", "sqlite::memory:")...)
			res := runWith(t, "", "serve")
			if res.err == nil || !strings.Contains(res.err.Error(), tt.want) {
				t.Fatalf("serve: %v; want an error saying %q", res.err, tt.want)
			}
			if strings.Contains(res.err.Error(), "\n") || exitCode(res.err) == 0 {
				t.Errorf("error %q: want one line and a non-zero exit", res.err)
			}
		})
	}
}

func TestManifestCommand(t *testing.T) {
	setEnv(t)
	res := runWith(t, "", "manifest")
	if res.err != nil {
		t.Fatal(res.err)
	}
	var m struct {
		Settings struct {
			SocketMode bool `json:"socket_mode_enabled"`
			Events     struct {
				RequestURL string `json:"request_url"`
			} `json:"event_subscriptions"`
		} `json:"settings"`
	}
	if err := json.Unmarshal([]byte(res.stdout), &m); err != nil || !m.Settings.SocketMode {
		t.Errorf("manifest without --url: %v, socket mode %v; want Socket Mode", err, m.Settings.SocketMode)
	}
	res = runWith(t, "", "manifest", "--url", "https://wm.example.org/slack/events", "--name", "Ward 7 reflections")
	if res.err != nil {
		t.Fatal(res.err)
	}
	m.Settings.SocketMode = true
	if err := json.Unmarshal([]byte(res.stdout), &m); err != nil || m.Settings.SocketMode || m.Settings.Events.RequestURL != "https://wm.example.org/slack/events" {
		t.Errorf("manifest --url: %+v, %v; want HTTP mode at the URL", m.Settings, err)
	}
	res = runWith(t, "", "manifest", "--url", "not a url")
	if res.err == nil || exitCode(res.err) != 2 {
		t.Errorf("manifest with a bad URL: %v; want a usage error", res.err)
	}
}

// fakeSlack answers auth.test and chat.postMessage, noting the posts.
type fakeSlack struct {
	mu    sync.Mutex
	posts []string
	seen  chan struct{}
}

func newFakeSlack(t *testing.T) (*fakeSlack, *httptest.Server) {
	f := &fakeSlack{seen: make(chan struct{}, 100)}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/api/auth.test":
			fmt.Fprint(w, `{"ok":true,"user_id":"UBOT","team_id":"T1"}`)
		case "/api/chat.postMessage", "/api/chat.postEphemeral":
			_ = r.ParseForm()
			f.mu.Lock()
			f.posts = append(f.posts, r.Form.Get("text"))
			n := len(f.posts)
			f.mu.Unlock()
			fmt.Fprintf(w, `{"ok":true,"channel":%q,"ts":"1700000000.%06d"}`, r.Form.Get("channel"), n)
			f.seen <- struct{}{}
		default:
			fmt.Fprint(w, `{"ok":false,"error":"unknown_method"}`)
		}
	}))
	t.Cleanup(srv.Close)
	return f, srv
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// TestServeHTTPMode starts whatmatters serve as main would, waits for
// /readyz, sends it a signed /reflect, sees the reflection posted, and
// stops it.
func TestServeHTTPMode(t *testing.T) {
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			databaseURL := storagetest.SQLiteURL(t)
			if dialect == "postgres" {
				databaseURL = storagetest.PostgresURL(t)
			}
			fake, api := newFakeSlack(t)
			port := freePort(t)
			const secret = "serve-test-secret"
			setEnv(t, "DATABASE_URL", databaseURL, "SLACK_BOT_TOKEN", "xoxb-serve", "SLACK_SIGNING_SECRET", secret,
				"SLACK_API_URL", api.URL+"/api/", "PORT", strconv.Itoa(port), "WHATMATTERS_LOG_LEVEL", "warn")
			ctx, cancel := context.WithCancel(context.Background())
			var out, errOut bytes.Buffer
			done := make(chan error, 1)
			go func() {
				done <- run(ctx, []string{"serve"}, func(string) string { return "" }, strings.NewReader(""), &out, &errOut)
			}()
			base := "http://127.0.0.1:" + strconv.Itoa(port)
			waitReady(t, base, done)

			body := []byte(url.Values{"team_id": {"T1"}, "channel_id": {"C1"}, "user_id": {"U1"}, "command": {"/reflect"},
				"text": {"Kestrel"}, "trigger_id": {"1.2.3"}}.Encode())
			req, _ := http.NewRequest(http.MethodPost, base+"/slack/events", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			slacksign.Sign(req.Header, secret, time.Now(), body)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("/reflect: status %d", resp.StatusCode)
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
			if !strings.HasPrefix(first, "What Matters: HTTP mode, because SLACK_APP_TOKEN is not set") {
				t.Errorf("first line %q", first)
			}
			if strings.Contains(errOut.String(), "xoxb-serve") || strings.Contains(errOut.String(), secret) {
				t.Errorf("a secret in the logs:\n%s", errOut.String())
			}
		})
	}
}

// waitReady waits until /readyz answers 200, failing if serve stops first.
func waitReady(t *testing.T, base string, done <-chan error) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		resp, err := http.Get(base + "/readyz")
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		select {
		case err := <-done:
			t.Fatalf("serve stopped before it was ready: %v", err)
		case <-tick.C:
		}
		if time.Now().After(deadline) {
			t.Fatal("serve was not ready in time")
		}
	}
}

// TestSlackClientReusesConnections: calls to Slack made side by side reuse
// their connections on the next round instead of opening new ones (Go's
// default client keeps only two idle per host).
func TestSlackClientReusesConnections(t *testing.T) {
	var opened atomic.Int64
	release := make(chan struct{})
	var arrived sync.WaitGroup
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		arrived.Done()
		<-release
		w.WriteHeader(http.StatusOK)
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			opened.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	client := slackHTTPClient()
	const side = 16
	round := func() {
		arrived.Add(side)
		var done sync.WaitGroup
		for range side {
			done.Add(1)
			go func() {
				defer done.Done()
				resp, err := client.Get(srv.URL)
				if err != nil {
					t.Error(err)
					return
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}()
		}
		arrived.Wait() // all side by side at once
		for range side {
			release <- struct{}{}
		}
		done.Wait()
	}
	round()
	first := opened.Load()
	round()
	if again := opened.Load() - first; again != 0 {
		t.Errorf("the second round opened %d new connections (the first %d); want them all reused", again, first)
	}
}
