package bot

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"whatmatters/internal/slacksign"

	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivertype"

	"whatmatters/flows"
	"whatmatters/prompts"
	"whatmatters/storage"
	"whatmatters/themes"
)

// syncBuffer collects logs from many goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// engineOn returns the engine factory the adapter wants, over the real
// templates, with no scrubbing, logging to log (nil discards).
func engineOn(t testing.TB, log ...*slog.Logger) func(flows.Store) *flows.Engine {
	t.Helper()
	templates, err := prompts.Load()
	if err != nil {
		t.Fatal(err)
	}
	var l *slog.Logger
	if len(log) > 0 {
		l = log[0]
	}
	off := themes.NewOffline()
	return flows.NewEngine(flows.Options{Templates: templates, Log: l, Reader: off, Digests: themes.Digester{Fallback: off}}).WithStore
}

// harness is the adapter over a real database and engine, a fake Slack
// (slacktest) and, when started, River and the HTTP server on loopback.
type harness struct {
	t     *testing.T
	db    *storage.DB
	slack *Slack
	api   *slackServer
	srv   *httptest.Server
	logs  *syncBuffer
}

type harnessOptions struct {
	workers  int  // River workers; 0 means River is not started
	noServer bool // no HTTP server
	// periodic makes River look for due digests and sessions and for
	// answers to code every 500 ms, for the tests that wait on those
	// jobs. Otherwise each looks once, at start: every look is a job
	// inserted, fetched and completed, which on SQLite under the race
	// detector costs the machine more than most of what a test does.
	periodic  bool
	appToken  string
	slackOpts func(*SlackOptions)
}

func newHarness(t *testing.T, db *storage.DB, api *slackServer, o harnessOptions) *harness {
	t.Helper()
	logs := &syncBuffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	locker, err := storage.NewLocker(context.Background(), db, 2*o.workers+2)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(locker.Close)
	opts := SlackOptions{
		BotToken: "xoxb-test", AppToken: o.appToken, APIURL: api.GetAPIURL(),
		Store: db, Engine: engineOn(t, log), Locker: locker,
		PostInterval: -1, Log: log,
	}
	if o.slackOpts != nil {
		o.slackOpts(&opts)
	}
	h := &harness{t: t, db: db, api: api, logs: logs, slack: NewSlack(opts)}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("the adapter's logs:\n%s", logs.String())
		}
	})
	if err := h.slack.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	if o.workers > 0 {
		startJobs(t, db, h.slack, o.workers, o.periodic, logs)
	}
	if !o.noServer {
		h.srv = httptest.NewServer(NewServer(ServerOptions{
			Events:  h.slack.EventsHandler(testSecret),
			Metrics: h.slack.metrics.Handler(),
			Ready:   func(ctx context.Context) error { return db.Ping(ctx) },
		}))
		t.Cleanup(h.srv.Close)
	}
	return h
}

// quickRetry retries failed jobs at once, so tests need not wait out
// River's backoff.
type quickRetry struct{}

func (quickRetry) NextRetry(*rivertype.JobRow) time.Time {
	return time.Now().Add(20 * time.Millisecond)
}

// startJobs runs River for the adapter on the test database; the periodic
// jobs look often only when periodic is set. River's warnings and errors
// (a job that failed, and why) go to logs.
func startJobs(t *testing.T, db *storage.DB, s *Slack, workers int, periodic bool, logs io.Writer) {
	t.Helper()
	off := themes.NewOffline()
	// River polls for jobs every second, its default: a job this process
	// inserts is fetched at once anyway, and a retry waits for River's
	// scheduler (every 5 s) before any poll can take it. Each poll is a
	// query SQLite parses anew, on the one connection everything else
	// waits for; polled every 20 ms, under the race detector, they were
	// most of what a test cost the machine.
	// A job is cut off only when it hangs: under load, a digest with its
	// chart can take longer than production's 15 s, and a job cut off at
	// each try never ends.
	opts := JobOptions{Workers: workers, FetchPollInterval: time.Second, RetryPolicy: quickRetry{}, JobTimeout: hangGuard,
		SweepEvery: time.Hour, TestOnly: true, DigestsEvery: time.Hour, CodesEvery: time.Hour, SessionsEvery: time.Hour,
		Coding: &themes.Coding{Store: db, Primary: off, Offline: off, Name: themes.OfflineName, Version: themes.OfflineVersion},
		Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelWarn}))}
	if periodic {
		opts.DigestsEvery, opts.CodesEvery, opts.SessionsEvery = 500*time.Millisecond, 500*time.Millisecond, 500*time.Millisecond
	}
	if db.Dialect() == storage.Postgres {
		runJobs(t, riverpgxv5.New(db.Pool()), s, opts)
	} else {
		runJobs(t, riversqlite.New(db.SQL()), s, opts)
	}
}

func runJobs[TTx any](t *testing.T, driver riverdriver.Driver[TTx], s *Slack, opts JobOptions) {
	t.Helper()
	ctx := context.Background()
	if err := MigrateJobs(ctx, driver, nil); err != nil {
		t.Fatal(err)
	}
	client, err := NewJobs(driver, s, opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := client.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := client.Stop(ctx); err != nil {
			_ = client.StopAndCancel(ctx)
		}
	})
}

// sign adds Slack's signature headers for body, made at the given time.
func sign(h http.Header, secret string, at time.Time, body []byte) {
	slacksign.Sign(h, secret, at, body)
}

// post sends a signed request to /slack/events and returns the response's
// status and body.
func (h *harness) post(contentType string, body []byte, header http.Header) (int, string) {
	h.t.Helper()
	req, err := http.NewRequest(http.MethodPost, h.srv.URL+"/slack/events", bytes.NewReader(body))
	if err != nil {
		h.t.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	sign(req.Header, testSecret, time.Now(), body)
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	_, _ = b.ReadFrom(resp.Body)
	return resp.StatusCode, b.String()
}

// command sends /reflect text as user in channel, and wants a 200.
func (h *harness) command(user, channel, text string) {
	h.t.Helper()
	if status, body := h.post("application/x-www-form-urlencoded", commandForm(user, channel, text), nil); status != http.StatusOK || body != "" {
		h.t.Fatalf("/reflect %s: %d %q; want 200 with an empty body", text, status, body)
	}
}

// message sends a message event and wants a 200. A 503 (the delivery
// could not be recorded in time, as happens to SQLite under heavy load) is
// sent again, as Slack retries it, up to Slack's three retries.
func (h *harness) message(eventID, user, channel, thread, ts, text string) {
	h.t.Helper()
	body := messageEvent(eventID, user, channel, thread, ts, text)
	status, resp := h.post("application/json", body, nil)
	for retry := 1; status == http.StatusServiceUnavailable && retry <= 3; retry++ {
		status, resp = h.post("application/json", body, http.Header{"X-Slack-Retry-Num": {strconv.Itoa(retry)}, "X-Slack-Retry-Reason": {"http_error"}})
	}
	if status != http.StatusOK {
		h.t.Fatalf("message event %s: %d %q", eventID, status, resp)
	}
}

var triggers struct {
	sync.Mutex
	n int
}

// trigger returns a trigger id never used before.
func trigger() string {
	triggers.Lock()
	defer triggers.Unlock()
	triggers.n++
	return fmt.Sprintf("%d.%d.trigger", time.Now().UnixNano(), triggers.n)
}

func commandForm(user, channel, text string) []byte {
	return []byte(url.Values{
		"token": {"legacy-verification-token"}, "team_id": {testTeam}, "team_domain": {"care"},
		"channel_id": {channel}, "channel_name": {"ward-7"}, "user_id": {user}, "user_name": {strings.ToLower(user)},
		"command": {"/reflect"}, "text": {text}, "response_url": {"https://hooks.slack.invalid/commands/1"},
		"trigger_id": {trigger()}, "api_app_id": {"A1"},
	}.Encode())
}

func messageEvent(eventID, user, channel, thread, ts, text string) []byte {
	ev := map[string]any{"type": "message", "user": user, "channel": channel, "channel_type": "channel", "ts": ts, "text": text}
	if thread != "" {
		ev["thread_ts"] = thread
	}
	return eventCallback(eventID, ev)
}

func eventCallback(eventID string, ev map[string]any) []byte {
	b, _ := json.Marshal(map[string]any{
		"token": "legacy-verification-token", "team_id": testTeam, "api_app_id": "A1",
		"type": "event_callback", "event_id": eventID, "event_time": time.Now().Unix(), "event": ev,
	})
	return b
}

func interactionForm(payload map[string]any) []byte {
	b, _ := json.Marshal(payload)
	return []byte(url.Values{"payload": {string(b)}}.Encode())
}

// deliveries counts the rows in the inbox.
func deliveries(t testing.TB, db *storage.DB) int {
	t.Helper()
	var n int
	if err := db.SQL().QueryRowContext(context.Background(), `SELECT count(*) FROM inbox`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
