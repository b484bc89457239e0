package bot

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"
)

// FuzzRequestPath sends whatever the fuzzer makes, signed as Slack signs,
// through the whole HTTP request path (verification, decoding, routing,
// recording): bad input is the sender's mistake, so nothing may answer
// with a 5xx while the database is up.
//
//	go test -run '^$' -fuzz FuzzRequestPath -fuzztime 60s ./bot
func FuzzRequestPath(f *testing.F) {
	for _, seed := range [][]byte{
		messageEvent("EvF1", "U1", "C1", "1.1", "1.2", "Her garden"),
		commandForm("U1", "C1", "Kestrel"),
		interactionForm(map[string]any{"type": "block_actions", "team": map[string]any{"id": "T1"}, "user": map[string]any{"id": "U1"},
			"actions": []map[string]any{{"action_id": "wm_next", "value": "1:what_matters"}}}),
		[]byte(`{"type":"url_verification","challenge":"abc"}`),
		[]byte(url.Values{"ssl_check": {"1"}}.Encode()),
		[]byte(`{"type":"event_callback","team_id":"T1","event_id":"Ev\u0000","event":{"type":"message","channel":"C1","user":"U1","ts":"1.2","thread_ts":"1.1"}}`),
		[]byte(`payload=%7B%22type%22%3A%22view_submission%22%7D`),
		{0xff, 0xfe, '{'},
	} {
		f.Add(seed, "application/json")
		f.Add(seed, "application/x-www-form-urlencoded")
	}
	db := sqliteDB(f)
	s := newSlack(&fakeAPI{}, SlackOptions{Store: db, Engine: engineOn(f)})
	if err := s.Start(context.Background()); err != nil {
		f.Fatal(err)
	}
	stubEnqueue(s)
	handler := s.EventsHandler(testSecret)
	f.Fuzz(func(t *testing.T, body []byte, contentType string) {
		req := httptest.NewRequest(http.MethodPost, "/slack/events", bytes.NewReader(body))
		req.Header.Set("Content-Type", contentType)
		sign(req.Header, testSecret, time.Now(), body)
		w := httptest.NewRecorder()
		handler.ServeHTTP(w, req)
		if w.Code >= 500 {
			t.Fatalf("status %d for %q (%s): %s", w.Code, body, contentType, w.Body.String())
		}
	})
}

// TestRefusalsLoggedALineASecond: a flood of refused requests is logged one
// line a second, the next line counting those left out.
func TestRefusalsLoggedALineASecond(t *testing.T) {
	var l refusalLog
	t0 := time.Unix(1_800_000_000, 0)
	if ok, _ := l.allow(t0); !ok {
		t.Fatal("the first refusal was not logged")
	}
	for i := range 500 {
		if ok, _ := l.allow(t0.Add(time.Duration(i) * time.Millisecond)); ok {
			t.Fatalf("refusal %d within the second was logged", i)
		}
	}
	if ok, more := l.allow(t0.Add(time.Second)); !ok || more != 500 {
		t.Fatalf("a second on: logged %v with %d left out, want true and 500", ok, more)
	}
}

// TestUnverifiedWorkIsBounded: no more than maxUnverified requests have
// their bodies read before their signatures are checked; one more waits,
// and is turned away if no place frees up.
func TestUnverifiedWorkIsBounded(t *testing.T) {
	var g gate
	ctx := context.Background()
	for i := range maxUnverified {
		if !g.acquire(ctx, 0) {
			t.Fatalf("place %d refused", i)
		}
	}
	if g.acquire(ctx, time.Millisecond) {
		t.Fatal("a place beyond the bound was given")
	}
	g.release()
	if !g.acquire(ctx, time.Millisecond) {
		t.Fatal("a freed place was not given")
	}
}
