package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"whatmatters/internal/slacksign"

	"github.com/jackc/pgx/v5"

	"whatmatters/storage/storagetest"
)

// logSink collects serve's log output and says when it grows.
type logSink struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	notify chan struct{}
}

func newLogSink() *logSink { return &logSink{notify: make(chan struct{}, 1)} }

func (l *logSink) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	n, err := l.buf.Write(p)
	select {
	case l.notify <- struct{}{}:
	default:
	}
	return n, err
}

func (l *logSink) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// records parses every line as a JSON log record, failing on one that is
// not.
func (l *logSink) records(t *testing.T) []map[string]any {
	t.Helper()
	var out []map[string]any
	sc := bufio.NewScanner(strings.NewReader(l.String()))
	sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	for sc.Scan() {
		var rec map[string]any
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Errorf("log line is not JSON: %q", sc.Text())
			continue
		}
		for _, key := range []string{"time", "level", "msg"} {
			if _, ok := rec[key]; !ok {
				t.Errorf("log line lacks %q: %q", key, sc.Text())
			}
		}
		out = append(out, rec)
	}
	return out
}

// find returns the first record whose msg is msg, or nil.
func (l *logSink) find(t *testing.T, msg string) map[string]any {
	t.Helper()
	for _, rec := range l.records(t) {
		if rec["msg"] == msg {
			return rec
		}
	}
	return nil
}

// waitFor waits until a log record's msg is msg, failing if serve stops
// first or it does not come in time.
func (l *logSink) waitFor(t *testing.T, msg string, done <-chan error) {
	t.Helper()
	deadline := time.After(30 * time.Second)
	for {
		if strings.Contains(l.String(), `"msg":`+strconv.Quote(msg)) {
			return
		}
		select {
		case <-l.notify:
		case err := <-done:
			t.Fatalf("serve returned (%v) before logging %q; logs:\n%s", err, msg, l.String())
		case <-deadline:
			t.Fatalf("serve did not log %q in time; logs:\n%s", msg, l.String())
		}
	}
}

// startServe runs whatmatters serve in HTTP mode against api, as main
// would, with the environment given, and waits until it is ready at base.
func startServe(t *testing.T, base string, env ...string) (cancel func(), done <-chan error, logs *logSink) {
	t.Helper()
	setEnv(t, env...)
	ctx, cancelCtx := context.WithCancel(context.Background())
	logs = newLogSink()
	errc := make(chan error, 1)
	stopped := make(chan struct{})
	var out bytes.Buffer
	go func() {
		defer close(stopped)
		errc <- run(ctx, []string{"serve"}, func(string) string { return "" }, strings.NewReader(""), &out, logs)
	}()
	t.Cleanup(func() {
		cancelCtx()
		select {
		case <-stopped:
		case <-time.After(60 * time.Second):
			t.Error("serve did not stop")
		}
	})
	waitReady(t, base, errc)
	return cancelCtx, errc, logs
}

// sendReflect sends a signed /reflect with text, as Slack would.
func sendReflect(t *testing.T, base, secret, text string) {
	t.Helper()
	body := []byte(url.Values{"team_id": {"T1"}, "channel_id": {"C1"}, "user_id": {"U1"}, "command": {"/reflect"},
		"text": {text}, "trigger_id": {"1.2.3"}}.Encode())
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
}

// blockingSlack is a Slack Web API whose first chat.postMessage waits until
// released, so that a job is in hand when serve is told to stop.
type blockingSlack struct {
	posting   chan struct{} // closed when the first post arrives
	release   chan struct{} // close to let it answer
	mu        sync.Mutex
	posts     int
	cancelled bool // the first post's request was abandoned by its sender
}

func newBlockingSlack(t *testing.T) (*blockingSlack, *httptest.Server) {
	b := &blockingSlack{posting: make(chan struct{}), release: make(chan struct{})}
	var once sync.Once
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/api/auth.test":
			fmt.Fprint(w, `{"ok":true,"user_id":"UBOT","team_id":"T1"}`)
		case "/api/chat.postMessage", "/api/chat.postEphemeral":
			_ = r.ParseForm()
			first := false
			once.Do(func() { first = true })
			if first {
				close(b.posting)
				select {
				case <-b.release:
				case <-r.Context().Done():
				}
				if r.Context().Err() != nil {
					b.mu.Lock()
					b.cancelled = true
					b.mu.Unlock()
					return
				}
			}
			b.mu.Lock()
			b.posts++
			n := b.posts
			b.mu.Unlock()
			fmt.Fprintf(w, `{"ok":true,"channel":%q,"ts":"1700000000.%06d"}`, r.Form.Get("channel"), n)
		default:
			fmt.Fprint(w, `{"ok":false,"error":"unknown_method"}`)
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() {
		select {
		case <-b.release:
		default:
			close(b.release)
		}
	})
	return b, srv
}

// TestServeShutsDownInOrder stops serve while a job is posting to Slack:
// serve stops taking deliveries first, lets the job finish its post (not
// cancelling it), then stops the jobs, then closes the database, and
// returns nil. Every log line is JSON, with no secret in it.
func TestServeShutsDownInOrder(t *testing.T) {
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			databaseURL := storagetest.SQLiteURL(t)
			if dialect == "postgres" {
				databaseURL = storagetest.PostgresURL(t)
			}
			fake, api := newBlockingSlack(t)
			port := freePort(t)
			base := "http://127.0.0.1:" + strconv.Itoa(port)
			const secret = "shutdown-test-secret"
			cancel, done, logs := startServe(t, base, "DATABASE_URL", databaseURL, "SLACK_BOT_TOKEN", "xoxb-shutdown",
				"SLACK_SIGNING_SECRET", secret, "SLACK_API_URL", api.URL+"/api/", "PORT", strconv.Itoa(port),
				"WHATMATTERS_LOG_LEVEL", "info")

			sendReflect(t, base, secret, "Kestrel")
			select {
			case <-fake.posting: // a job is in hand
			case err := <-done:
				t.Fatalf("serve stopped: %v", err)
			case <-time.After(30 * time.Second):
				t.Fatalf("no job posted; logs:\n%s", logs.String())
			}
			cancel() // as SIGTERM does
			logs.waitFor(t, "shutdown: no longer taking deliveries", done)
			if _, err := http.Get(base + "/healthz"); err == nil {
				t.Error("the HTTP server still answers after it stopped taking deliveries")
			}
			close(fake.release)
			select {
			case err := <-done:
				if err != nil {
					t.Fatalf("serve: %v", err)
				}
			case <-time.After(60 * time.Second):
				t.Fatalf("serve did not return; logs:\n%s", logs.String())
			}

			fake.mu.Lock()
			cancelled, posts := fake.cancelled, fake.posts
			fake.mu.Unlock()
			if cancelled || posts == 0 {
				t.Errorf("the post in hand: cancelled %v, posts answered %d; want it finished, not cancelled", cancelled, posts)
			}
			order := []string{"shutdown: started", "shutdown: no longer taking deliveries", "shutdown: waiting for running jobs",
				"shutdown: jobs stopped", "shutdown: database closed"}
			at := map[string]int{}
			for i, rec := range logs.records(t) {
				if msg, _ := rec["msg"].(string); strings.HasPrefix(msg, "shutdown:") {
					if _, seen := at[msg]; !seen {
						at[msg] = i
					}
				}
			}
			last := -1
			for _, msg := range order {
				i, ok := at[msg]
				if !ok || i < last {
					t.Errorf("shutdown log out of order or missing %q; logs:\n%s", msg, logs.String())
					break
				}
				last = i
			}
			if s := logs.String(); strings.Contains(s, "xoxb-shutdown") || strings.Contains(s, secret) {
				t.Errorf("a secret in the logs:\n%s", s)
			}
			if dialect == "postgres" {
				// Closed means no connection of serve's is left.
				ctx := context.Background()
				conn, err := pgx.Connect(ctx, databaseURL)
				if err != nil {
					t.Fatal(err)
				}
				defer conn.Close(ctx)
				// A server process lingers a moment after its client has
				// closed the connection: wait (a little) for it to go.
				deadline := time.Now().Add(5 * time.Second)
				tick := time.NewTicker(10 * time.Millisecond)
				defer tick.Stop()
				for {
					var n int
					if err := conn.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity
						WHERE datname = current_database() AND pid <> pg_backend_pid()`).Scan(&n); err != nil {
						t.Fatal(err)
					}
					if n == 0 {
						break
					}
					if time.Now().After(deadline) {
						t.Errorf("%d connections to the database left open after serve returned", n)
						break
					}
					<-tick.C
				}
			}
		})
	}
}

// TestServeListensOnBindAddress: with WHATMATTERS_BIND_ADDRESS=127.0.0.1
// serve answers there and nowhere else (127.0.0.2 is the same machine's
// loopback on Linux, where every-interface would answer).
func TestServeListensOnBindAddress(t *testing.T) {
	_, api := newFakeSlack(t)
	port := freePort(t)
	base := "http://127.0.0.1:" + strconv.Itoa(port)
	_, _, logs := startServe(t, base, "DATABASE_URL", storagetest.SQLiteURL(t), "SLACK_BOT_TOKEN", "xoxb-bind",
		"SLACK_SIGNING_SECRET", "s", "SLACK_API_URL", api.URL+"/api/", "PORT", strconv.Itoa(port),
		"WHATMATTERS_BIND_ADDRESS", "127.0.0.1", "WHATMATTERS_LOG_LEVEL", "info")
	rec := logs.find(t, "serving")
	if rec == nil {
		t.Fatalf("no serving line in the logs:\n%s", logs.String())
	}
	if want := "127.0.0.1:" + strconv.Itoa(port); rec["addr"] != want {
		t.Errorf("serving on %v, want %s", rec["addr"], want)
	}
	if conn, err := net.DialTimeout("tcp", "127.0.0.2:"+strconv.Itoa(port), 5*time.Second); err == nil {
		conn.Close()
		t.Errorf("serve answers on 127.0.0.2, want 127.0.0.1 only")
	}
}

func TestBindAddressDecode(t *testing.T) {
	for in, want := range map[string]string{"": "", " 127.0.0.1 ": "127.0.0.1", "0.0.0.0": "0.0.0.0", "::": "::",
		"[::1]": "::1", "fd00::1": "fd00::1"} {
		var b BindAddress
		if err := b.Decode(in); err != nil || string(b) != want {
			t.Errorf("Decode(%q) = %q, %v; want %q", in, b, err, want)
		}
	}
	for _, in := range []string{"localhost", "127.0.0.1:8080", ":8080", "256.1.1.1", "http://127.0.0.1"} {
		var b BindAddress
		if err := b.Decode(in); err == nil {
			t.Errorf("Decode(%q) = %q; want an error", in, b)
		}
	}
}
