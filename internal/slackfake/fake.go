// Package slackfake is a stand-in for Slack for the programs that check
// What Matters under load and faults: a fake Web API that records every call
// with its time, keeps the messages posted (with their metadata, so that
// conversations.history and conversations.replies find them), answers
// reactions.add with already_reacted on a repeat, can describe people of
// another organisation (users.info), private channels (conversations.info)
// and channels' members (conversations.members), and can be told to answer
// 429 with Retry-After or 500 for a while, or to answer slowly; and the
// signing of requests as Slack signs them.
//
// It listens on loopback only and never calls Slack.
package slackfake

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"whatmatters/internal/slacksign"
)

// The workspace, bot and app the fake answers as.
const (
	Team     = "TFAULT"
	BotUser  = "UFAULTBOT"
	BotID    = "BFAULT"
	AppID    = "AFAULT"
	Metadata = "whatmatters_outbox" // the event type of the bot's post metadata
)

// Call is one Web API call as the fake saw it.
type Call struct {
	Method  string
	At      time.Time // when the request arrived
	Done    time.Time // when the answer was written
	Status  int       // HTTP status answered
	Error   string    // Slack's error code when ok was false
	Channel string
	Thread  string
	User    string
	Text    string
	TS      string // a new message's ts, or the message a reaction marks
	Name    string // a reaction's name
	Outbox  int64  // the outbox id in a post's metadata, 0 if none
}

// OK tells whether the call succeeded (200 and ok true).
func (c Call) OK() bool { return c.Status == http.StatusOK && c.Error == "" }

// Message is a message the fake holds, as posted.
type Message struct {
	Channel, TS, Thread, Text string
	Blocks                    string // as posted, JSON
	Outbox                    int64
	Meta                      map[string]any
}

// Fault makes the fake answer calls of some methods with a failure until
// a time: Status 429 (with RetryAfter seconds) or 500.
type Fault struct {
	Status     int
	RetryAfter int
	Until      time.Time
	Methods    map[string]bool // nil: every method but auth.test
}

// API is the fake Web API.
type API struct {
	URL string // base URL, ending in /api/

	srv     *http.Server
	base    int64
	seq     atomic.Int64
	latency atomic.Int64 // ns added to every Web API answer
	flight  atomic.Int64 // Web API requests being answered
	posting atomic.Int64 // chat.postMessage requests being answered

	mu        sync.Mutex
	calls     []Call
	messages  []Message
	reactions map[string]bool
	fault     *Fault
	socketURL string // what apps.connections.open hands out
	// users are the people users.info describes otherwise than as
	// ordinary members of Team (SetUser); private the private channels
	// (SetPrivate); members the channels whose members are set
	// (SetMembers; any other has everyone users.info was asked about).
	users   map[string]User
	private map[string]bool
	members map[string][]string
	known   []string
}

// User is how users.info describes a person: their own workspace and
// whether they are an admin there.
type User struct {
	Team  string
	Admin bool
}

// SetUser makes users.info describe id so: of workspace team (another
// organisation's, in a Slack Connect channel, when not Team), an admin
// there or not.
func (a *API) SetUser(id string, u User) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.users == nil {
		a.users = map[string]User{}
	}
	a.users[id] = u
}

// SetPrivate makes conversations.info call the channels private.
func (a *API) SetPrivate(channels ...string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.private == nil {
		a.private = map[string]bool{}
	}
	for _, c := range channels {
		a.private[c] = true
	}
}

// SetMembers makes users the only members of channel
// (conversations.members).
func (a *API) SetMembers(channel string, users ...string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.members == nil {
		a.members = map[string][]string{}
	}
	a.members[channel] = append([]string(nil), users...)
}

// SetSocketURL makes apps.connections.open hand out url, a Socket Mode
// stand-in's websocket address.
func (a *API) SetSocketURL(url string) {
	a.mu.Lock()
	a.socketURL = url
	a.mu.Unlock()
}

// Start serves a fake Web API on a free loopback port until ctx ends or
// Close is called.
func Start(ctx context.Context) (*API, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	a := &API{base: time.Now().Unix(), reactions: map[string]bool{}}
	a.URL = "http://" + ln.Addr().String() + "/api/"
	a.srv = &http.Server{Handler: a, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = a.srv.Serve(ln) }()
	go func() {
		<-ctx.Done()
		_ = a.srv.Close()
	}()
	return a, nil
}

// Close stops the server.
func (a *API) Close() error { return a.srv.Close() }

// ResponseURL is a slash command's response_url that the fake answers.
func (a *API) ResponseURL(id string) string {
	return strings.TrimSuffix(a.URL, "api/") + "response/" + url.PathEscape(id)
}

// SetLatency adds d to every Web API answer from now on.
func (a *API) SetLatency(d time.Duration) { a.latency.Store(int64(d)) }

// InFlight is how many Web API requests are being answered now.
func (a *API) InFlight() int { return int(a.flight.Load()) }

// PostsInFlight is how many chat.postMessage requests are being answered
// now.
func (a *API) PostsInFlight() int { return int(a.posting.Load()) }

// SetFault makes the fake fail calls as f says; nil stops it.
func (a *API) SetFault(f *Fault) {
	a.mu.Lock()
	a.fault = f
	a.mu.Unlock()
}

// Calls returns every call recorded so far, in order of arrival.
func (a *API) Calls() []Call {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]Call(nil), a.calls...)
}

// Messages returns every message posted so far (chat.postMessage), in
// order.
func (a *API) Messages() []Message {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]Message(nil), a.messages...)
}

// Reacted tells whether a reaction is on a message.
func (a *API) Reacted(channel, ts string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.reactions[channel+"/"+ts]
}

func (a *API) nextTS() string {
	n := a.seq.Add(1)
	return fmt.Sprintf("%d.%06d", a.base+n/1_000_000, n%1_000_000)
}

// ServeHTTP answers one Web API call.
func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c := Call{At: time.Now()}
	if strings.HasPrefix(r.URL.Path, "/response/") {
		c.Method = "response_url"
		c.Status = http.StatusOK
		w.Write([]byte("ok"))
		a.record(c)
		return
	}
	method, ok := strings.CutPrefix(r.URL.Path, "/api/")
	if !ok {
		http.NotFound(w, r)
		return
	}
	c.Method = method
	a.flight.Add(1)
	defer a.flight.Add(-1)
	if method == "chat.postMessage" {
		a.posting.Add(1)
		defer a.posting.Add(-1)
	}
	args := readArgs(r)
	c.Channel, c.User, c.Text, c.Thread = args["channel"], args["user"], args["text"], args["thread_ts"]
	if method == "reactions.add" {
		c.TS = args["timestamp"] // so that a failed try is told apart too
	}

	a.mu.Lock()
	f := a.fault
	a.mu.Unlock()
	if f != nil && time.Now().Before(f.Until) && method != "auth.test" && (f.Methods == nil || f.Methods[method]) {
		if d := time.Duration(a.latency.Load()); d > 0 {
			time.Sleep(d)
		}
		c.Status = f.Status
		w.Header().Set("Content-Type", "application/json")
		if f.Status == http.StatusTooManyRequests {
			w.Header().Set("Retry-After", strconv.Itoa(f.RetryAfter))
			c.Error = "ratelimited"
		} else {
			c.Error = "internal_error"
		}
		c.Done = time.Now()
		a.record(c)
		w.WriteHeader(f.Status)
		fmt.Fprintf(w, `{"ok":false,"error":%q}`, c.Error)
		return
	}

	// The work is done (a message posted, a reaction added) when the
	// request arrives; a latency delays only the answer, so a caller
	// killed while waiting leaves the work done but unknown to it.
	var resp map[string]any
	switch method {
	case "auth.test":
		resp = map[string]any{"url": "https://fault-test.slack.com/", "team": "Fault Test", "user": "whatmatters",
			"team_id": Team, "user_id": BotUser, "bot_id": BotID, "is_enterprise_install": false}
	case "apps.connections.open":
		a.mu.Lock()
		u := a.socketURL
		a.mu.Unlock()
		if u == "" {
			c.Status, c.Error = http.StatusOK, "no_socket"
			a.record(c)
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `{"ok":false,"error":"invalid_auth"}`)
			return
		}
		resp = map[string]any{"url": u}
	case "bots.info":
		resp = map[string]any{"bot": map[string]any{"id": BotID, "name": "whatmatters", "app_id": AppID, "user_id": BotUser}}
	case "chat.postMessage":
		ts := a.nextTS()
		c.TS = ts
		m := Message{Channel: c.Channel, TS: ts, Thread: c.Thread, Text: c.Text, Blocks: args["blocks"]}
		if raw := args["metadata"]; raw != "" {
			_ = json.Unmarshal([]byte(raw), &m.Meta)
			if p, ok := m.Meta["event_payload"].(map[string]any); ok {
				if id, ok := p["outbox_id"].(float64); ok {
					m.Outbox = int64(id)
				}
			}
		}
		c.Outbox = m.Outbox
		a.mu.Lock()
		a.messages = append(a.messages, m)
		a.mu.Unlock()
		resp = map[string]any{"channel": c.Channel, "ts": ts, "message": messageJSON(m, false)}
	case "chat.postEphemeral":
		resp = map[string]any{"message_ts": a.nextTS()}
	case "chat.update":
		c.TS = args["ts"]
		resp = map[string]any{"channel": c.Channel, "ts": args["ts"], "text": args["text"]}
	case "reactions.add":
		c.TS, c.Name = args["timestamp"], args["name"]
		key := c.Channel + "/" + c.TS
		a.mu.Lock()
		already := a.reactions[key]
		a.reactions[key] = true
		a.mu.Unlock()
		if already {
			c.Error = "already_reacted"
		}
		resp = map[string]any{}
	case "conversations.history", "conversations.replies":
		withMeta := args["include_all_metadata"] == "true" || args["include_all_metadata"] == "1"
		oldest, _ := strconv.ParseFloat(args["oldest"], 64)
		var out []map[string]any
		a.mu.Lock()
		for _, m := range a.messages {
			if m.Channel != c.Channel {
				continue
			}
			if t, _ := strconv.ParseFloat(m.TS, 64); t < oldest {
				continue
			}
			if method == "conversations.replies" {
				if m.TS != args["ts"] && m.Thread != args["ts"] {
					continue
				}
			} else if m.Thread != "" {
				continue
			}
			out = append(out, messageJSON(m, withMeta))
		}
		a.mu.Unlock()
		if method == "conversations.history" {
			// Newest first, as Slack answers.
			for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
				out[i], out[j] = out[j], out[i]
			}
		}
		c.Thread = args["ts"]
		resp = map[string]any{"messages": out, "has_more": false}
	case "users.info":
		u := args["user"]
		a.mu.Lock()
		who, ok := a.users[u]
		if !slices.Contains(a.known, u) {
			a.known = append(a.known, u)
		}
		a.mu.Unlock()
		if !ok {
			who = User{Team: Team}
		}
		resp = map[string]any{"user": map[string]any{"id": u, "team_id": who.Team, "name": "user-" + strings.ToLower(u),
			"real_name": "Fault User " + u, "is_admin": who.Admin, "is_owner": false, "tz": "Europe/London",
			"profile": map[string]any{"real_name": "Fault User " + u, "display_name": strings.ToLower(u)}}}
	case "conversations.info":
		a.mu.Lock()
		private := a.private[c.Channel]
		a.mu.Unlock()
		resp = map[string]any{"channel": map[string]any{"id": c.Channel, "name": "ward-" + strings.ToLower(c.Channel),
			"is_channel": true, "is_private": private, "is_member": true, "created": a.base}}
	case "conversations.members":
		// A page at a time, as Slack answers: limit members from the
		// cursor on, and the next cursor while more remain.
		a.mu.Lock()
		all, set := a.members[c.Channel]
		if !set {
			all = slices.Clone(a.known)
		}
		a.mu.Unlock()
		limit, _ := strconv.Atoi(args["limit"])
		if limit <= 0 {
			limit = 100
		}
		from, _ := strconv.Atoi(args["cursor"])
		from = min(max(from, 0), len(all))
		to := min(from+limit, len(all))
		next := ""
		if to < len(all) {
			next = strconv.Itoa(to)
		}
		resp = map[string]any{"members": all[from:to], "response_metadata": map[string]any{"next_cursor": next}}
	case "conversations.open":
		resp = map[string]any{"channel": map[string]any{"id": "D" + strings.TrimPrefix(args["users"], "U")}}
	case "views.publish", "views.open", "views.update", "views.push":
		c.User, c.Text = args["user_id"], args["view"] // the view's JSON
		resp = map[string]any{"view": map[string]any{"id": "V" + strconv.FormatInt(a.seq.Add(1), 36),
			"team_id": Team, "app_id": AppID, "bot_id": BotID}}
	default:
		resp = map[string]any{}
	}
	if d := time.Duration(a.latency.Load()); d > 0 {
		time.Sleep(d)
	}
	resp["ok"] = c.Error == ""
	if c.Error != "" {
		resp["error"] = c.Error
	}
	c.Status = http.StatusOK
	c.Done = time.Now()
	a.record(c)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_ = json.NewEncoder(w).Encode(resp)
}

func messageJSON(m Message, withMeta bool) map[string]any {
	out := map[string]any{"type": "message", "subtype": "bot_message", "ts": m.TS, "text": m.Text,
		"user": BotUser, "bot_id": BotID, "app_id": AppID, "team": Team}
	if m.Thread != "" {
		out["thread_ts"] = m.Thread
	}
	if withMeta && m.Meta != nil {
		out["metadata"] = m.Meta
	}
	return out
}

func (a *API) record(c Call) {
	a.mu.Lock()
	a.calls = append(a.calls, c)
	a.mu.Unlock()
}

// readArgs reads a call's arguments, form-encoded or JSON.
func readArgs(r *http.Request) map[string]string {
	args := map[string]string{}
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		var m map[string]any
		_ = json.NewDecoder(http.MaxBytesReader(nil, r.Body, 8<<20)).Decode(&m)
		for k, v := range m {
			switch v := v.(type) {
			case string:
				args[k] = v
			case bool:
				args[k] = strconv.FormatBool(v)
			case map[string]any, []any:
				b, _ := json.Marshal(v)
				args[k] = string(b)
			}
		}
		return args
	}
	if err := r.ParseMultipartForm(8 << 20); err != nil && !errors.Is(err, http.ErrNotMultipart) {
		return args
	}
	for k, v := range r.Form {
		if len(v) > 0 {
			args[k] = v[0]
		}
	}
	return args
}

// Sign signs a request body as Slack does (see slacksign.Sign).
func Sign(h http.Header, secret string, now time.Time, body []byte) {
	slacksign.Sign(h, secret, now, body)
}
