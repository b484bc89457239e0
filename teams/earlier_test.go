package teams

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	graphTeam    = "fbe2bf47-16c8-47cf-b4a5-4b9b187c508b"
	graphChannel = "19:4a95f7d8db4c4e7fae857bcebe0623e6@thread.tacv2"
	graphRoot    = "1616989510408"
)

// fakeGraph stands in for Microsoft Graph: it serves the fixtures (Graph's
// documented shapes) at their paths, and records what was asked.
type fakeGraph struct {
	srv    *httptest.Server
	mu     sync.Mutex
	routes map[string]func(w http.ResponseWriter, r *http.Request) // by path and query
	asked  []string
	tokens []string
}

func newFakeGraph(t *testing.T) *fakeGraph {
	t.Helper()
	f := &fakeGraph{routes: map[string]func(http.ResponseWriter, *http.Request){}}
	f.srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := r.URL.Path + "?" + r.URL.RawQuery
		f.mu.Lock()
		f.asked = append(f.asked, key)
		f.tokens = append(f.tokens, r.Header.Get("Authorization"))
		h := f.routes[key]
		f.mu.Unlock()
		if r.Method != http.MethodGet || h == nil {
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte(`{"error":{"code":"NotFound","message":"Resource not found"}}`))
			return
		}
		h(w, r)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

// fixture serves a testdata file, its {{base}} and {{marker}} filled in.
func (f *fakeGraph) fixture(t *testing.T, key, file string, status int, marker string) {
	t.Helper()
	b, err := os.ReadFile("testdata/graph/" + file)
	if err != nil {
		t.Fatal(err)
	}
	body := strings.NewReplacer("{{base}}", f.srv.URL+"/v1.0", "{{marker}}", marker).Replace(string(b))
	f.routes[key] = func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}
}

func newTestGraph(t *testing.T, f *fakeGraph, tokens AccessTokens, pages int) *Graph {
	t.Helper()
	g, err := NewGraph(GraphConfig{Tokens: tokens, BotAppID: testAppID, BaseURL: f.srv.URL + "/v1.0",
		HTTPClient: f.srv.Client(), MaxPages: pages, Now: newClock().Now})
	if err != nil {
		t.Fatal(err)
	}
	return g
}

const (
	repliesPage1 = "/v1.0/teams/" + graphTeam + "/channels/" + graphChannel + "/messages/" + graphRoot + "/replies?$top=50"
	repliesPage2 = "/v1.0/teams/" + graphTeam + "/channels/" + graphChannel + "/messages/" + graphRoot + "/replies?$top=50&$skiptoken=MSwwLDE2MTY5ODk3NTAwMDQ"
)

func TestFindEarlierInAReplyChainAcrossPages(t *testing.T) {
	f := newFakeGraph(t)
	marker := Marker("T1/delivery-42", 1)
	f.fixture(t, repliesPage1, "replies_page1.json", http.StatusOK, marker)
	f.fixture(t, repliesPage2, "replies_page2.json", http.StatusOK, marker)
	tokens := &staticTokens{token: "graph-token"}
	g := newTestGraph(t, f, tokens, 0)

	// The channel's conversation id may come with its reply chain suffix.
	to := SentTo{TeamGroupID: graphTeam, Channel: ThreadConversationID(graphChannel, graphRoot), Root: graphRoot}
	id, err := g.FindEarlier(context.Background(), to, marker)
	if err != nil {
		t.Fatal(err)
	}
	// Page 1 holds another send's card; page 2 a deleted copy, then the one.
	if id != "1616989750004" {
		t.Fatalf("found %q, want 1616989750004 (the live message carrying the marker)", id)
	}
	if len(f.asked) != 2 || f.asked[0] != repliesPage1 || f.asked[1] != repliesPage2 {
		t.Fatalf("asked %v", f.asked)
	}
	for _, tok := range f.tokens {
		if tok != "Bearer graph-token" {
			t.Fatalf("authorization %q", tok)
		}
	}

	// A marker no message carries: every page read, nothing found.
	f.asked = nil
	id, err = g.FindEarlier(context.Background(), to, Marker("T1/delivery-43", 0))
	if err != nil || id != "" || len(f.asked) != 2 {
		t.Fatalf("absent marker: id %q, err %v, asked %v", id, err, f.asked)
	}
}

func TestFindEarlierStopsAtThePageBound(t *testing.T) {
	f := newFakeGraph(t)
	marker := Marker("T1/delivery-42", 1)
	f.fixture(t, repliesPage1, "replies_page1.json", http.StatusOK, marker)
	f.fixture(t, repliesPage2, "replies_page2.json", http.StatusOK, marker)
	g := newTestGraph(t, f, &staticTokens{token: "t"}, 1)
	id, err := g.FindEarlier(context.Background(), SentTo{TeamGroupID: graphTeam, Channel: graphChannel, Root: graphRoot}, marker)
	if err != nil || id != "" || len(f.asked) != 1 {
		t.Fatalf("bound of one page: id %q, err %v, asked %v", id, err, f.asked)
	}
}

func TestFindEarlierOnlyTheBotsOwnMessage(t *testing.T) {
	f := newFakeGraph(t)
	marker := Marker("T1/delivery-42", 1)
	f.fixture(t, repliesPage1, "replies_page1.json", http.StatusOK, marker)
	f.fixture(t, repliesPage2, "replies_page2.json", http.StatusOK, marker)
	g, err := NewGraph(GraphConfig{Tokens: &staticTokens{token: "t"}, BotAppID: "00000000-0000-0000-0000-000000000001",
		BaseURL: f.srv.URL + "/v1.0", HTTPClient: f.srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	id, err := g.FindEarlier(context.Background(), SentTo{TeamGroupID: graphTeam, Channel: graphChannel, Root: graphRoot}, marker)
	if err != nil || id != "" {
		t.Fatalf("a card from another app counted: id %q, err %v", id, err)
	}
}

func TestFindEarlierRootPostAndChatPaths(t *testing.T) {
	f := newFakeGraph(t)
	marker := Marker("T1/delivery-7", 0)
	rootKey := "/v1.0/teams/" + graphTeam + "/channels/" + graphChannel + "/messages?$top=50"
	f.fixture(t, rootKey, "replies_page2.json", http.StatusOK, marker)
	chatKey := "/v1.0/chats/a:1xyzPersonalChat/messages?$top=50"
	f.fixture(t, chatKey, "forbidden.json", http.StatusForbidden, "")
	g := newTestGraph(t, f, &staticTokens{token: "t"}, 0)

	id, err := g.FindEarlier(context.Background(), SentTo{TeamGroupID: graphTeam, Channel: graphChannel}, marker)
	if err != nil || id != "1616989750004" {
		t.Fatalf("root post: id %q, err %v (asked %v)", id, err, f.asked)
	}
	// A 1:1 chat: without tenant-wide Chat.Read.All, Graph refuses.
	_, err = g.FindEarlier(context.Background(), SentTo{Chat: "a:1xyzPersonalChat"}, marker)
	if !errors.Is(err, ErrNoReadPermission) {
		t.Fatalf("1:1 chat: err %v, want ErrNoReadPermission", err)
	}
	if !strings.Contains(err.Error(), "Forbidden") {
		t.Fatalf("the error code is not kept: %v", err)
	}
	if _, err := g.FindEarlier(context.Background(), SentTo{Channel: graphChannel}, marker); err == nil {
		t.Fatal("a channel without its team's group id was accepted")
	}
	if _, err := g.FindEarlier(context.Background(), SentTo{Chat: "c"}, "not-a-marker"); err == nil {
		t.Fatal("a look without a marker was accepted")
	}
}

func TestFindEarlierFailures(t *testing.T) {
	key := "/v1.0/teams/" + graphTeam + "/channels/" + graphChannel + "/messages/" + graphRoot + "/replies?$top=50"
	to := SentTo{TeamGroupID: graphTeam, Channel: graphChannel, Root: graphRoot}
	marker := Marker("T1/d", 0)
	cases := []struct {
		name      string
		status    int
		header    string
		body      string
		forbidden bool
		retry     bool
		after     time.Duration
		dropped   bool
	}{
		{"403: RSC not granted", http.StatusForbidden, "", `{"error":{"code":"Forbidden","message":"Missing role permissions on the request."}}`, true, false, 0, false},
		{"429 with Retry-After", http.StatusTooManyRequests, "7", `{"error":{"code":"TooManyRequests","message":"throttled"}}`, false, true, 7 * time.Second, false},
		{"503", http.StatusServiceUnavailable, "", `{"error":{"code":"ServiceNotAvailable","message":"x"}}`, false, true, 0, false},
		{"401 drops the token", http.StatusUnauthorized, "", `{"error":{"code":"InvalidAuthenticationToken","message":"x"}}`, false, true, 0, true},
		{"404: the chain is gone", http.StatusNotFound, "", `{"error":{"code":"NotFound","message":"x"}}`, false, false, 0, false},
		{"200 that is not JSON", http.StatusOK, "", `<html>`, false, false, 0, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeGraph(t)
			f.routes[key] = func(w http.ResponseWriter, _ *http.Request) {
				if tc.header != "" {
					w.Header().Set("Retry-After", tc.header)
				}
				w.WriteHeader(tc.status)
				_, _ = w.Write([]byte(tc.body))
			}
			tokens := &staticTokens{token: "t"}
			id, err := newTestGraph(t, f, tokens, 0).FindEarlier(context.Background(), to, marker)
			if id != "" || err == nil {
				t.Fatalf("id %q, err %v", id, err)
			}
			if got := errors.Is(err, ErrNoReadPermission); got != tc.forbidden {
				t.Fatalf("ErrNoReadPermission %v, want %v (%v)", got, tc.forbidden, err)
			}
			var ge *GraphError
			if !tc.forbidden {
				if !errors.As(err, &ge) || ge.Status != tc.status || ge.Retry != tc.retry || ge.RetryAfter != tc.after {
					t.Fatalf("got %#v", err)
				}
			}
			if (tokens.invalidated > 0) != tc.dropped {
				t.Fatalf("token invalidated %d times", tokens.invalidated)
			}
			if strings.Contains(err.Error(), "x\"") || strings.Contains(err.Error(), "Missing role") {
				t.Fatalf("Graph's message leaked into the error: %v", err)
			}
		})
	}
}

func TestFindEarlierFollowsNoLinkElsewhere(t *testing.T) {
	f := newFakeGraph(t)
	key := "/v1.0/teams/" + graphTeam + "/channels/" + graphChannel + "/messages/" + graphRoot + "/replies?$top=50"
	f.routes[key] = func(w http.ResponseWriter, _ *http.Request) {
		_ = json.NewEncoder(w).Encode(map[string]any{"value": []any{}, "@odata.nextLink": "https://attacker.example/steal"})
	}
	_, err := newTestGraph(t, f, &staticTokens{token: "t"}, 0).FindEarlier(context.Background(),
		SentTo{TeamGroupID: graphTeam, Channel: graphChannel, Root: graphRoot}, Marker("T1/d", 0))
	var ge *GraphError
	if !errors.As(err, &ge) || !strings.Contains(err.Error(), "outside") {
		t.Fatalf("err %v", err)
	}
}

func TestGraphTokenAsksForGraph(t *testing.T) {
	var scope string
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		scope = r.PostForm.Get("scope")
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"token_type": "Bearer", "expires_in": 3599, "access_token": "graph"})
	}))
	defer srv.Close()
	ts, err := NewGraphTokenSource(TokenConfig{AppID: testAppID, AppPassword: testSecret, TenantID: testTenant,
		TokenURL: srv.URL + "/token", HTTPClient: srv.Client(), Now: newClock().Now})
	if err != nil {
		t.Fatal(err)
	}
	if tok, err := ts.AccessToken(context.Background()); err != nil || tok != "graph" {
		t.Fatalf("token %q, %v", tok, err)
	}
	if scope != GraphScope {
		t.Fatalf("scope %q, want %q", scope, GraphScope)
	}
}
