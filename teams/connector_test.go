package teams

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeConnector stands in for the Bot Connector service at a service URL.
type fakeConnector struct {
	srv      *httptest.Server
	mu       sync.Mutex
	requests []recorded
	// answer, when set, answers instead of the default success.
	answer func(w http.ResponseWriter, r *http.Request) bool
}

type recorded struct {
	Method, Path, Auth string
	Body               map[string]any
}

func newFakeConnector(t *testing.T) *fakeConnector {
	t.Helper()
	f := &fakeConnector{}
	f.srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, _ := io.ReadAll(r.Body)
		rec := recorded{Method: r.Method, Path: r.URL.Path, Auth: r.Header.Get("Authorization")}
		if len(raw) > 0 {
			_ = json.Unmarshal(raw, &rec.Body)
		}
		f.mu.Lock()
		f.requests = append(f.requests, rec)
		answer := f.answer
		f.mu.Unlock()
		if answer != nil && answer(w, r) {
			return
		}
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.Method == http.MethodPost && r.URL.Path == "/emea/v3/conversations":
			w.WriteHeader(http.StatusCreated)
			_, _ = io.WriteString(w, `{"id":"a:1personal-chat-id","serviceUrl":"`+f.srv.URL+`/emea/"}`)
		case r.Method == http.MethodPost:
			w.WriteHeader(http.StatusCreated)
			_, _ = io.WriteString(w, `{"id":"1733569999999"}`)
		case r.Method == http.MethodPut:
			_, _ = io.WriteString(w, `{"id":"1733569999999"}`)
		default:
			w.WriteHeader(http.StatusOK)
		}
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeConnector) serviceURL() string { return f.srv.URL + "/emea/" }

func (f *fakeConnector) last(t *testing.T) recorded {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.requests) == 0 {
		t.Fatal("no request reached the connector")
	}
	return f.requests[len(f.requests)-1]
}

func (f *fakeConnector) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.requests)
}

// staticTokens hands out a fixed token and counts invalidations.
type staticTokens struct {
	token       string
	err         error
	invalidated int
}

func (s *staticTokens) AccessToken(context.Context) (string, error) { return s.token, s.err }
func (s *staticTokens) Invalidate()                                 { s.invalidated++ }

func newTestConnector(t *testing.T, f *fakeConnector, clock *fakeClock) (*Connector, *staticTokens) {
	t.Helper()
	tokens := &staticTokens{token: "bot-token"}
	trusted := NewServiceURLs()
	trusted.Add(f.serviceURL())
	c, err := NewConnector(ConnectorConfig{Tokens: tokens, Trusted: trusted, HTTPClient: f.srv.Client(), Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	return c, tokens
}

const channelConv = "19:a1b2c3d4e5f60718293a4b5c6d7e8f90@thread.tacv2"

func TestConnectorSendReplyUpdateDelete(t *testing.T) {
	f := newFakeConnector(t)
	c, _ := newTestConnector(t, f, newClock())
	ctx := context.Background()
	msg := &Activity{Type: TypeMessage, Text: "hello"}

	id, err := c.Send(ctx, f.serviceURL(), channelConv, msg)
	if err != nil || id != "1733569999999" {
		t.Fatalf("send = %q, %v", id, err)
	}
	r := f.last(t)
	if r.Method != http.MethodPost || r.Path != "/emea/v3/conversations/"+channelConv+"/activities" {
		t.Errorf("send went to %s %s", r.Method, r.Path)
	}
	if r.Auth != "Bearer bot-token" || r.Body["type"] != "message" {
		t.Errorf("send request = %+v", r)
	}

	if _, err := c.ReplyInThread(ctx, f.serviceURL(), channelConv+";messageid=999", "1733560000000", msg); err != nil {
		t.Fatal(err)
	}
	if r := f.last(t); r.Path != "/emea/v3/conversations/"+channelConv+";messageid=1733560000000/activities" {
		t.Errorf("reply went to %s", r.Path)
	}

	if err := c.Update(ctx, f.serviceURL(), channelConv, "1733569999999", &Activity{Type: TypeMessage, Text: "edited"}); err != nil {
		t.Fatal(err)
	}
	if r := f.last(t); r.Method != http.MethodPut || r.Path != "/emea/v3/conversations/"+channelConv+"/activities/1733569999999" || r.Body["id"] != "1733569999999" {
		t.Errorf("update = %+v", r)
	}

	if err := c.Delete(ctx, f.serviceURL(), channelConv, "1733569999999"); err != nil {
		t.Fatal(err)
	}
	if r := f.last(t); r.Method != http.MethodDelete || r.Path != "/emea/v3/conversations/"+channelConv+"/activities/1733569999999" {
		t.Errorf("delete = %+v", r)
	}
}

func TestConnectorCreatesAPersonalChat(t *testing.T) {
	f := newFakeConnector(t)
	c, _ := newTestConnector(t, f, newClock())
	conv, err := c.CreatePersonalConversation(context.Background(), f.serviceURL(), "28:"+testAppID, "29:person", testTenant)
	if err != nil {
		t.Fatal(err)
	}
	if conv.ID != "a:1personal-chat-id" {
		t.Errorf("conversation = %+v", conv)
	}
	r := f.last(t)
	if r.Method != http.MethodPost || r.Path != "/emea/v3/conversations" {
		t.Fatalf("create went to %s %s", r.Method, r.Path)
	}
	members, _ := r.Body["members"].([]any)
	if len(members) != 1 || members[0].(map[string]any)["id"] != "29:person" || r.Body["tenantId"] != testTenant || r.Body["isGroup"] != false {
		t.Errorf("create body = %v", r.Body)
	}
	cd, _ := r.Body["channelData"].(map[string]any)
	if tenant, _ := cd["tenant"].(map[string]any); tenant["id"] != testTenant {
		t.Errorf("create channelData = %v", cd)
	}
}

func TestConnectorRefusesUntrustedServiceURLs(t *testing.T) {
	f := newFakeConnector(t)
	c, _ := newTestConnector(t, f, newClock())
	ctx := context.Background()
	for _, u := range []string{f.srv.URL + "/amer/", "https://attacker.example/emea/", ""} {
		if _, err := c.Send(ctx, u, channelConv, &Activity{Type: TypeMessage}); !errors.Is(err, ErrUntrustedServiceURL) {
			t.Errorf("send to %q: err = %v", u, err)
		}
	}
	if err := c.Delete(ctx, "https://attacker.example/emea/", channelConv, "1"); !errors.Is(err, ErrUntrustedServiceURL) {
		t.Errorf("delete: err = %v", err)
	}
	if _, err := c.CreatePersonalConversation(ctx, "https://attacker.example/", "", "29:p", testTenant); !errors.Is(err, ErrUntrustedServiceURL) {
		t.Errorf("create: err = %v", err)
	}
	// Trusted but plain http: refused too.
	trusted := NewServiceURLs()
	trusted.Add("http://smba.example/emea/")
	plain, _ := NewConnector(ConnectorConfig{Tokens: &staticTokens{token: "t"}, Trusted: trusted})
	if _, err := plain.Send(ctx, "http://smba.example/emea/", channelConv, &Activity{Type: TypeMessage}); !errors.Is(err, ErrUntrustedServiceURL) {
		t.Errorf("plain http: err = %v", err)
	}
	if n := f.count(); n != 0 {
		t.Fatalf("%d requests reached the connector", n)
	}
}

func TestConnectorClassifiesFailures(t *testing.T) {
	clock := newClock()
	cases := []struct {
		status     int
		retryAfter string
		retry      bool
		wait       time.Duration
		uncertain  bool
	}{
		{http.StatusTooManyRequests, "7", true, 7 * time.Second, false},
		{http.StatusTooManyRequests, "", true, 0, false},
		{http.StatusPreconditionFailed, "", true, 0, false},
		{http.StatusBadGateway, "", true, 0, true},
		{http.StatusServiceUnavailable, clock.Now().Add(90 * time.Second).Format(http.TimeFormat), true, 90 * time.Second, false},
		{http.StatusGatewayTimeout, "2", true, 2 * time.Second, true},
		{http.StatusBadRequest, "", false, 0, false},
		{http.StatusForbidden, "", false, 0, false},
		{http.StatusNotFound, "", false, 0, false},
		{http.StatusRequestEntityTooLarge, "", false, 0, false},
		{http.StatusInternalServerError, "", false, 0, false},
	}
	for _, tc := range cases {
		t.Run(http.StatusText(tc.status)+" "+tc.retryAfter, func(t *testing.T) {
			f := newFakeConnector(t)
			f.answer = func(w http.ResponseWriter, r *http.Request) bool {
				if tc.retryAfter != "" {
					w.Header().Set("Retry-After", tc.retryAfter)
				}
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(tc.status)
				_, _ = io.WriteString(w, `{"error":{"code":"SomeCode","message":"the text of a message"}}`)
				return true
			}
			c, _ := newTestConnector(t, f, clock)
			_, err := c.Send(context.Background(), f.serviceURL(), channelConv, &Activity{Type: TypeMessage, Text: "x"})
			var se *SendError
			if !errors.As(err, &se) {
				t.Fatalf("err = %v, want a SendError", err)
			}
			if se.Status != tc.status || se.Retry != tc.retry || se.RetryAfter != tc.wait || se.Uncertain != tc.uncertain || se.Code != "SomeCode" {
				t.Errorf("send error = %+v", se)
			}
			wait, retry := Retryable(err)
			if retry != tc.retry || wait != tc.wait {
				t.Errorf("Retryable = %v, %v", wait, retry)
			}
			if strings.Contains(err.Error(), "the text of a message") {
				t.Error("error carries the service's message")
			}
		})
	}
}

func TestConnectorUnauthorizedDropsTheToken(t *testing.T) {
	f := newFakeConnector(t)
	f.answer = func(w http.ResponseWriter, r *http.Request) bool {
		w.WriteHeader(http.StatusUnauthorized)
		return true
	}
	c, tokens := newTestConnector(t, f, newClock())
	_, err := c.Send(context.Background(), f.serviceURL(), channelConv, &Activity{Type: TypeMessage})
	if _, retry := Retryable(err); retry || tokens.invalidated != 1 {
		t.Errorf("401: err = %v, invalidated %d", err, tokens.invalidated)
	}
}

func TestConnectorTokenFailures(t *testing.T) {
	f := newFakeConnector(t)
	c, tokens := newTestConnector(t, f, newClock())
	tokens.err = &TokenError{Status: http.StatusUnauthorized, Code: "invalid_client"}
	_, err := c.Send(context.Background(), f.serviceURL(), channelConv, &Activity{Type: TypeMessage})
	if _, retry := Retryable(err); retry {
		t.Errorf("refused credential retryable: %v", err)
	}
	tokens.err = &TokenError{Err: errors.New("dial tcp: connection refused")}
	_, err = c.Send(context.Background(), f.serviceURL(), channelConv, &Activity{Type: TypeMessage})
	if _, retry := Retryable(err); !retry {
		t.Errorf("unreachable token endpoint not retryable: %v", err)
	}
	if f.count() != 0 {
		t.Fatal("sent without a token")
	}
}

func TestConnectorNetworkErrorIsRetryableAndUncertain(t *testing.T) {
	f := newFakeConnector(t)
	f.answer = func(w http.ResponseWriter, r *http.Request) bool {
		// Drop the connection after the request arrived: the outcome is
		// unknown to the client.
		hj, ok := w.(http.Hijacker)
		if !ok {
			t.Error("cannot hijack")
			return false
		}
		conn, _, err := hj.Hijack()
		if err == nil {
			_ = conn.Close()
		}
		return true
	}
	c, _ := newTestConnector(t, f, newClock())
	_, err := c.Send(context.Background(), f.serviceURL(), channelConv, &Activity{Type: TypeMessage})
	var se *SendError
	if !errors.As(err, &se) || !se.Retry || !se.Uncertain || se.Status != 0 {
		t.Fatalf("err = %v (%+v)", err, se)
	}
	if strings.Contains(err.Error(), channelConv) {
		t.Error("network error names the conversation")
	}
}

// deadlineRecorder is a transport that records each request's deadline and
// answers without a network.
type deadlineRecorder struct {
	deadlines []time.Time
}

func (d *deadlineRecorder) RoundTrip(r *http.Request) (*http.Response, error) {
	dl, ok := r.Context().Deadline()
	if !ok {
		return nil, errors.New("request without a deadline")
	}
	d.deadlines = append(d.deadlines, dl)
	return &http.Response{StatusCode: http.StatusOK, Header: http.Header{}, Body: io.NopCloser(strings.NewReader(`{"id":"1"}`)), Request: r}, nil
}

func TestConnectorBoundsEveryRequest(t *testing.T) {
	rt := &deadlineRecorder{}
	trusted := NewServiceURLs()
	trusted.Add(testServiceURL)
	c, err := NewConnector(ConnectorConfig{Tokens: &staticTokens{token: "t"}, Trusted: trusted,
		HTTPClient: &http.Client{Transport: rt}, Timeout: 3 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	start := time.Now()
	if _, err := c.Send(ctx, testServiceURL, channelConv, &Activity{Type: TypeMessage}); err != nil {
		t.Fatal(err)
	}
	if err := c.Update(ctx, testServiceURL, channelConv, "1", &Activity{Type: TypeMessage}); err != nil {
		t.Fatal(err)
	}
	if err := c.Delete(ctx, testServiceURL, channelConv, "1"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreatePersonalConversation(ctx, testServiceURL, "", "29:p", testTenant); err != nil {
		t.Fatal(err)
	}
	if len(rt.deadlines) != 4 {
		t.Fatalf("%d requests bounded, want 4", len(rt.deadlines))
	}
	for _, dl := range rt.deadlines {
		if d := dl.Sub(start); d <= 0 || d > 3*time.Second+time.Second {
			t.Errorf("deadline %v after start, want about 3s", d)
		}
	}
}

func TestRetryAfterParsing(t *testing.T) {
	now := newClock().Now()
	for in, want := range map[string]time.Duration{
		"":   0,
		"0":  0,
		"-5": 0,
		"30": 30 * time.Second,
		now.Add(time.Minute).Format(http.TimeFormat):  time.Minute,
		now.Add(-time.Minute).Format(http.TimeFormat): 0,
		"soon": 0,
	} {
		if got := retryAfter(in, now); got != want {
			t.Errorf("retryAfter(%q) = %v, want %v", in, got, want)
		}
	}
}
