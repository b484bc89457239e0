package bot

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack/slacktest"
)

// apiCall is one Web API call the bot made, as the fake Slack saw it.
type apiCall struct {
	Method  string
	Channel string
	Thread  string
	User    string
	Text    string
	Blocks  string    // raw JSON
	TS      string    // the ts the fake gave a new message, or the message a reaction marks
	Name    string    // a reaction's name
	Meta    string    // a message's metadata, raw JSON
	At      time.Time // when the fake received it
}

// slackServer is slack-go's slacktest server with the methods the bot
// calls that slacktest lacks or answers unhelpfully (message ids that
// repeat within a second, an auth.test that names a person), recording
// every call.
type slackServer struct {
	*slacktest.Server

	mu      sync.Mutex
	calls   []apiCall
	changed chan struct{} // closed and replaced at every call
	nextTS  int
	tries   map[string]int // requests per method
	// fail, when set, may answer a request with a failure instead: it gets
	// the method and how many requests for it came before.
	fail func(method string, n int) (status int, retryAfter string)
	// lose, when set, may make Slack do a request's work and then fail
	// to answer it (as when a connection drops): a 500 after the fact.
	lose func(method string, n int) bool
	// known are the people users.info was asked about; members, the
	// channels whose members a test set (setMembers). A channel not set
	// has every known person as a member, as in a small open workspace.
	known   []string
	members map[string][]string
}

// setMembers makes users the only members of channel.
func (s *slackServer) setMembers(channel string, users ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.members == nil {
		s.members = map[string][]string{}
	}
	s.members[channel] = users
}

// channelMembers answers conversations.members a page at a time, as Slack
// does: limit members from the cursor on, and the next cursor while more
// remain.
func (s *slackServer) channelMembers(_ http.ResponseWriter, _ *http.Request, v url.Values) any {
	s.mu.Lock()
	all, set := s.members[v.Get("channel")]
	if !set {
		all = slices.Clone(s.known)
	}
	s.mu.Unlock()
	limit, _ := strconv.Atoi(v.Get("limit"))
	if limit <= 0 {
		limit = 100
	}
	from, _ := strconv.Atoi(v.Get("cursor"))
	from = min(max(from, 0), len(all))
	to := min(from+limit, len(all))
	next := ""
	if to < len(all) {
		next = strconv.Itoa(to)
	}
	s.record(apiCall{Method: "conversations.members", Channel: v.Get("channel"), TS: v.Get("cursor")})
	return map[string]any{"ok": true, "members": all[from:to], "response_metadata": map[string]any{"next_cursor": next}}
}

const (
	testTeam   = "T1"
	testBotID  = "UBOT"
	testSecret = "8f742231b10e8888abcd99yyyzzz85a5"
)

func newSlackServer(t *testing.T, extra ...func(*slackServer, slacktest.Customize)) *slackServer {
	t.Helper()
	s := &slackServer{changed: make(chan struct{}), nextTS: 1, tries: map[string]int{}}
	binder := func(c slacktest.Customize) {
		// The test's own handlers first: the first handler of a path wins.
		for _, e := range extra {
			e(s, c)
		}
		c.Handle("/auth.test", s.handle("auth.test", func(http.ResponseWriter, *http.Request, url.Values) any {
			return map[string]any{"ok": true, "user_id": testBotID, "team_id": testTeam, "user": "whatmatters", "team": "Care team"}
		}))
		c.Handle("/chat.postMessage", s.handle("chat.postMessage", s.message("chat.postMessage")))
		c.Handle("/chat.postEphemeral", s.handle("chat.postEphemeral", s.message("chat.postEphemeral")))
		c.Handle("/chat.update", s.handle("chat.update", s.message("chat.update")))
		c.Handle("/reactions.add", s.handle("reactions.add", func(_ http.ResponseWriter, _ *http.Request, v url.Values) any {
			s.record(apiCall{Method: "reactions.add", Channel: v.Get("channel"), TS: v.Get("timestamp"), Name: v.Get("name")})
			return map[string]any{"ok": true}
		}))
		c.Handle("/views.publish", s.handle("views.publish", s.view("views.publish")))
		c.Handle("/views.open", s.handle("views.open", s.view("views.open")))
		c.Handle("/files.getUploadURLExternal", s.handle("files.getUploadURLExternal", func(_ http.ResponseWriter, _ *http.Request, v url.Values) any {
			return map[string]any{"ok": true, "upload_url": s.GetAPIURL() + "upload/F1", "file_id": "F1"}
		}))
		c.Handle("/upload/F1", func(w http.ResponseWriter, r *http.Request) {
			content := ""
			if f, _, err := r.FormFile("file"); err == nil {
				b, _ := io.ReadAll(f)
				content = string(b)
			}
			s.record(apiCall{Method: "upload", Text: content})
			_, _ = w.Write([]byte("OK"))
		})
		c.Handle("/files.completeUploadExternal", s.handle("files.completeUploadExternal", func(_ http.ResponseWriter, _ *http.Request, v url.Values) any {
			s.record(apiCall{Method: "files.completeUploadExternal", Channel: v.Get("channel_id"), Name: v.Get("files")})
			return map[string]any{"ok": true, "files": []map[string]any{{"id": "F1", "title": "data"}}}
		}))
		c.Handle("/conversations.history", s.handle("conversations.history", s.history("conversations.history")))
		c.Handle("/conversations.replies", s.handle("conversations.replies", s.history("conversations.replies")))
		c.Handle("/conversations.open", s.handle("conversations.open", func(_ http.ResponseWriter, _ *http.Request, v url.Values) any {
			return map[string]any{"ok": true, "channel": map[string]any{"id": "D" + v.Get("users")}}
		}))
		// Everyone is an ordinary member of the installation's workspace
		// (slacktest's own answer names another workspace).
		c.Handle("/users.info", s.handle("users.info", func(_ http.ResponseWriter, _ *http.Request, v url.Values) any {
			return map[string]any{"ok": true, "user": map[string]any{"id": v.Get("user"), "team_id": testTeam, "name": strings.ToLower(v.Get("user"))}}
		}))
		c.Handle("/conversations.members", s.handle("conversations.members", s.channelMembers))
	}
	s.Server = slacktest.NewTestServer(binder)
	s.Start()
	t.Cleanup(s.Stop)
	return s
}

// handle wraps a method: it counts the request, lets fail answer it, and
// otherwise writes what fn returns as JSON.
func (s *slackServer) handle(method string, fn func(http.ResponseWriter, *http.Request, url.Values) any) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		v, _ := url.ParseQuery(string(body))
		if r.Header.Get("Content-Type") == "application/json" || json.Valid(body) {
			v = url.Values{"json": {string(body)}}
		}
		s.mu.Lock()
		n := s.tries[method]
		s.tries[method]++
		fail := s.fail
		if u := v.Get("user"); method == "users.info" && u != "" && !slices.Contains(s.known, u) {
			s.known = append(s.known, u)
		}
		s.mu.Unlock()
		if fail != nil {
			if status, retryAfter := fail(method, n); status != 0 {
				if retryAfter != "" {
					w.Header().Set("Retry-After", retryAfter)
				}
				w.WriteHeader(status)
				s.record(apiCall{Method: method + " failed " + strconv.Itoa(status)})
				return
			}
		}
		out := fn(w, r, v)
		s.mu.Lock()
		lose := s.lose
		s.mu.Unlock()
		if lose != nil && lose(method, n) {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(out)
	}
}

// history answers conversations.history and conversations.replies with
// the bot's posts to the channel (and thread), newest first, with their
// metadata.
func (s *slackServer) history(method string) func(http.ResponseWriter, *http.Request, url.Values) any {
	return func(_ http.ResponseWriter, _ *http.Request, v url.Values) any {
		s.record(apiCall{Method: method, Channel: v.Get("channel"), Thread: v.Get("ts")})
		var msgs []map[string]any
		for _, c := range s.made("chat.postMessage") {
			if c.Channel != v.Get("channel") || (method == "conversations.replies" && c.Thread != v.Get("ts") && c.TS != v.Get("ts")) {
				continue
			}
			msg := map[string]any{"type": "message", "user": testBotID, "bot_id": "B1", "text": c.Text, "ts": c.TS}
			if c.Thread != "" {
				msg["thread_ts"] = c.Thread
			}
			if c.Meta != "" {
				var meta any
				_ = json.Unmarshal([]byte(c.Meta), &meta)
				msg["metadata"] = meta
			}
			msgs = append([]map[string]any{msg}, msgs...)
		}
		return map[string]any{"ok": true, "messages": msgs, "has_more": false}
	}
}

// message answers chat.postMessage, chat.postEphemeral and chat.update,
// giving each new message a ts of its own.
func (s *slackServer) message(method string) func(http.ResponseWriter, *http.Request, url.Values) any {
	return func(_ http.ResponseWriter, _ *http.Request, v url.Values) any {
		s.mu.Lock()
		ts := fmt.Sprintf("1700000000.%06d", s.nextTS)
		s.nextTS++
		s.mu.Unlock()
		s.record(apiCall{Method: method, Channel: v.Get("channel"), Thread: v.Get("thread_ts"), User: v.Get("user"),
			Text: v.Get("text"), Blocks: v.Get("blocks"), TS: ts, Meta: v.Get("metadata")})
		return map[string]any{"ok": true, "channel": v.Get("channel"), "ts": ts, "message_ts": ts}
	}
}

// view answers views.publish and views.open, whose bodies are JSON.
func (s *slackServer) view(method string) func(http.ResponseWriter, *http.Request, url.Values) any {
	return func(_ http.ResponseWriter, _ *http.Request, v url.Values) any {
		var req struct {
			UserID    string          `json:"user_id"`
			TriggerID string          `json:"trigger_id"`
			View      json.RawMessage `json:"view"`
		}
		_ = json.Unmarshal([]byte(v.Get("json")), &req)
		s.record(apiCall{Method: method, User: req.UserID, TS: req.TriggerID, Blocks: string(req.View)})
		return map[string]any{"ok": true, "view": map[string]any{"id": "V1"}}
	}
}

func (s *slackServer) record(c apiCall) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c.At = time.Now()
	s.calls = append(s.calls, c)
	close(s.changed)
	s.changed = make(chan struct{})
}

// made returns the calls of the given methods made so far (all when none
// is given).
func (s *slackServer) made(methods ...string) []apiCall {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []apiCall
	for _, c := range s.calls {
		if len(methods) == 0 || slices.Contains(methods, c.Method) {
			out = append(out, c)
		}
	}
	return out
}

// waitFor waits until cond holds for the calls made so far, looking again
// at each call, and fails the test only after hangGuard.
func (s *slackServer) waitFor(t *testing.T, what string, cond func([]apiCall) bool) []apiCall {
	t.Helper()
	deadline := time.NewTimer(hangGuard)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		calls := slices.Clone(s.calls)
		changed := s.changed
		s.mu.Unlock()
		if cond(calls) {
			return calls
		}
		select {
		case <-changed:
		case <-deadline.C:
			t.Fatalf("waiting for %s: gave up after %s; calls so far:\n%s", what, hangGuard, describeCalls(calls))
		}
	}
}

// waitForCount waits until the fake has seen n calls of the given methods.
func (s *slackServer) waitForCount(t *testing.T, n int, methods ...string) []apiCall {
	t.Helper()
	s.waitFor(t, fmt.Sprintf("%d calls of %v", n, methods), func(calls []apiCall) bool {
		count := 0
		for _, c := range calls {
			if slices.Contains(methods, c.Method) {
				count++
			}
		}
		return count >= n
	})
	return s.made(methods...)
}

func describeCalls(calls []apiCall) string {
	out := ""
	for _, c := range calls {
		out += fmt.Sprintf("  %s channel=%s thread=%s user=%s ts=%s text=%.60q\n", c.Method, c.Channel, c.Thread, c.User, c.TS, c.Text)
	}
	return out
}
