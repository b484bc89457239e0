package teams

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

type handlerFixture struct {
	*verifierFixture
	calls []*Activity
	resp  InvokeResponse
	err   error
	h     http.Handler
}

func newHandlerFixture(t *testing.T) *handlerFixture {
	f := &handlerFixture{verifierFixture: newVerifierFixture(t, func(c *VerifierConfig) { c.Tenants = []string{testTenant} })}
	f.h = Handler(f.v, nil, func(ctx context.Context, a *Activity, c *Claims) (InvokeResponse, error) {
		f.calls = append(f.calls, a)
		return f.resp, f.err
	})
	return f
}

func (f *handlerFixture) post(t *testing.T, auth string, body []byte) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, "/api/messages", bytes.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	if auth != "" {
		r.Header.Set("Authorization", auth)
	}
	w := httptest.NewRecorder()
	f.h.ServeHTTP(w, r)
	return w
}

func activityJSON(t *testing.T, a *Activity) []byte {
	t.Helper()
	b, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestHandlerPassesAVerifiedActivity(t *testing.T) {
	f := newHandlerFixture(t)
	w := f.post(t, "Bearer "+mint(t, f.key, "k1", goodClaims(f.clock.Now())), activityJSON(t, activityFor()))
	if w.Code != http.StatusOK {
		t.Fatalf("status %d", w.Code)
	}
	if len(f.calls) != 1 || f.calls[0].ID != "1733561234567" {
		t.Fatalf("callback calls = %v", f.calls)
	}
}

func TestHandlerWritesTheInvokeResponse(t *testing.T) {
	f := newHandlerFixture(t)
	f.resp = CardActionResponse(json.RawMessage(`{"type":"AdaptiveCard","version":"1.5","body":[]}`))
	a := activityFor()
	a.Type, a.Name = TypeInvoke, InvokeCardAction
	a.Value = json.RawMessage(`{"action":{"type":"Action.Execute","verb":"next","data":{"action":"next","value":"1"}}}`)
	w := f.post(t, "Bearer "+mint(t, f.key, "k1", goodClaims(f.clock.Now())), activityJSON(t, a))
	if w.Code != http.StatusOK {
		t.Fatalf("status %d", w.Code)
	}
	var body struct {
		StatusCode int             `json:"statusCode"`
		Type       string          `json:"type"`
		Value      json.RawMessage `json:"value"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
		t.Fatal(err)
	}
	if body.StatusCode != 200 || body.Type != ContentTypeAdaptiveCard || !strings.Contains(string(body.Value), "AdaptiveCard") {
		t.Errorf("invoke response = %s", w.Body.String())
	}
}

func TestHandlerRefusals(t *testing.T) {
	f := newHandlerFixture(t)
	good := "Bearer " + mint(t, f.key, "k1", goodClaims(f.clock.Now()))
	wrongAud := goodClaims(f.clock.Now())
	wrongAud["aud"] = "someone-else"
	otherTenant := activityFor()
	otherTenant.Conversation.TenantID, otherTenant.ChannelData.Tenant.ID = "11111111-2222-3333-4444-555555555555", "11111111-2222-3333-4444-555555555555"
	cases := []struct {
		name   string
		auth   string
		body   []byte
		status int
	}{
		{"bad JSON", good, []byte(`{"type":"message",`), http.StatusBadRequest},
		{"no type", good, []byte(`{"id":"1"}`), http.StatusBadRequest},
		{"no authorization", "", activityJSON(t, activityFor()), http.StatusForbidden},
		{"wrong audience", "Bearer " + mint(t, f.key, "k1", wrongAud), activityJSON(t, activityFor()), http.StatusForbidden},
		{"unknown tenant", good, activityJSON(t, otherTenant), http.StatusForbidden},
		{"too large", good, append([]byte(`{"type":"message","text":"`), append(bytes.Repeat([]byte("a"), MaxActivityBytes), '"', '}')...), http.StatusRequestEntityTooLarge},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := f.post(t, c.auth, c.body)
			if w.Code != c.status {
				t.Fatalf("status %d, want %d", w.Code, c.status)
			}
			if len(f.calls) != 0 {
				t.Fatal("callback called for a refused request")
			}
			if len(f.trusted.List()) != 0 {
				t.Fatal("a refused request trusted its service URL")
			}
			if strings.Contains(w.Body.String(), "eyJ") {
				t.Fatal("response echoes the token")
			}
		})
	}
	// A body of 100 KB of text (Teams' cap) plus an envelope is read.
	a := activityFor()
	a.Text = strings.Repeat("x", 100_000)
	if w := f.post(t, good, activityJSON(t, a)); w.Code != http.StatusOK {
		t.Fatalf("a 100 KB message got %d", w.Code)
	}
}

func TestHandlerMethodAndCallbackError(t *testing.T) {
	f := newHandlerFixture(t)
	r := httptest.NewRequest(http.MethodGet, "/api/messages", nil)
	w := httptest.NewRecorder()
	f.h.ServeHTTP(w, r)
	if w.Code != http.StatusMethodNotAllowed {
		t.Fatalf("GET got %d", w.Code)
	}
	f.err = errors.New("store down")
	w = f.post(t, "Bearer "+mint(t, f.key, "k1", goodClaims(f.clock.Now())), activityJSON(t, activityFor()))
	if w.Code != http.StatusInternalServerError {
		t.Fatalf("callback error got %d", w.Code)
	}
}
