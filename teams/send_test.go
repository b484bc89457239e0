package teams

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"whatmatters/delivery"
	"whatmatters/flows"
	"whatmatters/inbox"
	"whatmatters/internal/testkit"
	"whatmatters/prompts"
	"whatmatters/storage"
	"whatmatters/storage/storagetest"
	"whatmatters/themes"
)

// Sending the outbox through the connector (send.go), end to end on the
// rig of adapter_test.go: a 429 holds, a 5xx backs off, a refusal drops,
// an uncertain post is looked for through Graph before it is posted again,
// and a notice opens a 1:1 chat once. Time is the sendClock's: it stands
// still until a test moves it, and the delivery machinery's wake-ups
// (delivery.Options.AfterFunc) run only when it reaches them, so every
// wait is the machinery's own RetryLater, read off the clock, never a
// sleep.

// logBuffer keeps what the adapter and the machinery log.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// sendRig is the rig of adapter_test.go on the sendClock, with the log
// kept, each connector request's time on the clock, and optionally a Graph
// stand-in that lists what the connector kept in the channel.
type sendRig struct {
	*teamsRig
	clock *testkit.StepClock
	logs  *logBuffer
	graph *fakeGraph

	mu   sync.Mutex
	base int         // connector requests before the test's own (prepare)
	at   []time.Time // the clock when each connector request arrived
	// kept are the messages the connector took into the channel (not its
	// reply chains) with an id of the test's choosing, which Graph lists.
	kept []keptMessage
}

type keptMessage struct {
	id   string
	card string // the card, as Graph gives it: a string of JSON
}

// sendRigOptions are the rig's variations.
type sendRigOptions struct {
	// graph: an adapter with Graph, on a stand-in listing the channel's
	// kept messages; graphStatus, when not zero, is what it answers
	// instead (403: no permission to read the channel).
	graph       bool
	graphStatus int
}

// The test team's Entra group id, which Graph addresses a team by.
const sendGroup = "fbe2bf47-16c8-47cf-b4a5-4b9b187c508b"

// sendChannel is the channel of the command fixture.
const sendChannel = "19:a1b2c3d4e5f60718293a4b5c6d7e8f90@thread.tacv2"

func newSendRig(t *testing.T, db *storage.DB, o sendRigOptions) *sendRig {
	t.Helper()
	clock := testkit.NewStepClock()
	logs := &logBuffer{}
	log := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	conn := newFakeConnector(t)
	key, _ := keys(t)
	bf := newFakeBotFramework(t, publishedKey{kid: "k1", pub: &key.PublicKey, endorsements: []string{"msteams"}})
	trusted := NewServiceURLs()
	v, err := NewVerifier(VerifierConfig{AppID: testAppID, MetadataURL: bf.metadataURL(), HTTPClient: bf.srv.Client(),
		Tenants: []string{testTenant}, Trusted: trusted})
	if err != nil {
		t.Fatal(err)
	}
	c, err := NewConnector(ConnectorConfig{Tokens: &staticTokens{token: "t"}, Trusted: trusted, HTTPClient: conn.srv.Client(), Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	templates, err := prompts.Load()
	if err != nil {
		t.Fatal(err)
	}
	off := themes.NewOffline()
	eng := flows.NewEngine(flows.Options{Templates: templates, Reader: off, Digests: themes.Digester{Fallback: off}})
	svc := delivery.New(delivery.Options{Store: db, Engine: eng.WithStore, Log: log, Now: clock.Now, AfterFunc: clock.AfterFunc})
	q := &stubQueue{}
	svc.UseQueue(q)
	svc.UseRunners(4)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		_ = svc.StopRunners(ctx)
	})
	r := &sendRig{clock: clock, logs: logs}
	var graph *Graph
	if o.graph {
		r.graph = newFakeGraph(t)
		r.graph.routes["/v1.0/teams/"+sendGroup+"/channels/"+sendChannel+"/messages?$top=50"] = func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			if o.graphStatus != 0 {
				w.WriteHeader(o.graphStatus)
				_, _ = io.WriteString(w, `{"error":{"code":"Forbidden","message":"Missing role permissions on the request."}}`)
				return
			}
			_ = json.NewEncoder(w).Encode(map[string]any{"value": r.graphPage()})
		}
		if graph, err = NewGraph(GraphConfig{Tokens: &staticTokens{token: "graph-token"}, BotAppID: testAppID,
			BaseURL: r.graph.srv.URL + "/v1.0", HTTPClient: r.graph.srv.Client(), Now: clock.Now}); err != nil {
			t.Fatal(err)
		}
	}
	a, err := NewAdapter(AdapterOptions{AppID: testAppID, Verifier: v, Connector: c, Trusted: trusted, Graph: graph,
		Delivery: svc, Conversations: db, Engine: eng.WithStore, Log: log, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	r.teamsRig = &teamsRig{t: t, db: db, conn: conn, handler: a.Handler(), adapter: a, svc: svc, queue: q}
	r.key = func(serviceURL string) string {
		claims := goodClaims(time.Now())
		claims["serviceurl"] = serviceURL
		return mint(t, key, "k1", claims)
	}
	return r
}

// graphPage is Graph's page of the channel's messages: what the connector
// kept, newest first, after a message of someone else's.
func (r *sendRig) graphPage() []map[string]any {
	r.mu.Lock()
	defer r.mu.Unlock()
	var page []map[string]any
	for i := len(r.kept) - 1; i >= 0; i-- {
		m := r.kept[i]
		page = append(page, map[string]any{
			"id": m.id, "messageType": "message", "deletedDateTime": nil,
			"from":        map[string]any{"application": map[string]any{"id": testAppID, "displayName": "What Matters", "applicationIdentityType": "bot"}},
			"attachments": []map[string]any{{"id": "att-" + m.id, "contentType": ContentTypeAdaptiveCard, "content": m.card}},
		})
	}
	page = append(page, map[string]any{"id": "1733500000000", "messageType": "message", "deletedDateTime": nil,
		"from": map[string]any{"user": map[string]any{"id": "6b1f4c7e-2d7a-4c55-9d1e-0a4f3c2b1a90"}}})
	return page
}

// answer has the connector answer with fn (true: answered) and notes the
// clock's time of every request.
func (r *sendRig) answer(fn func(w http.ResponseWriter, req *http.Request, rec recorded) bool) {
	r.conn.mu.Lock()
	defer r.conn.mu.Unlock()
	r.conn.answer = func(w http.ResponseWriter, req *http.Request) bool {
		r.conn.mu.Lock()
		rec := r.conn.requests[len(r.conn.requests)-1]
		r.conn.mu.Unlock()
		r.mu.Lock()
		r.at = append(r.at, r.clock.Now())
		r.mu.Unlock()
		return fn != nil && fn(w, req, rec)
	}
}

// keep records rec as a message the connector took into the channel.
func (r *sendRig) keep(rec recorded, id string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.kept = append(r.kept, keptMessage{id: id, card: sentCard(rec)})
}

// requestTimes is the clock's time of each connector request.
func (r *sendRig) requestTimes() []time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]time.Time(nil), r.at...)
}

// requests is what the connector was asked since prepare.
func (r *sendRig) requests() []recorded {
	r.mu.Lock()
	base := r.base
	r.mu.Unlock()
	r.conn.mu.Lock()
	defer r.conn.mu.Unlock()
	return append([]recorded(nil), r.conn.requests[base:]...)
}

// waitRequests waits until cond holds of the requests since prepare.
func (r *sendRig) waitRequests(what string, cond func([]recorded) bool) []recorded {
	r.t.Helper()
	r.waitFor(what, func([]recorded) bool { return cond(r.requests()) })
	return r.requests()
}

// prepare has the person who starts the reflections tell their discipline
// first (else a reflection's start also owes them a notice asking for it),
// and counts the requests from then on.
func (r *sendRig) prepare() {
	r.t.Helper()
	r.command("1733562000000", "discipline palliative care nurse")
	r.waitFor("the discipline's notice", func(rs []recorded) bool { return len(rs) >= 1 })
	drained(r.t, r.db)
	r.mu.Lock()
	r.base = r.conn.count()
	r.mu.Unlock()
}

// command posts "@What Matters reflect <text>" in the fixture's channel as
// activity id, in the team whose Entra group is sendGroup.
func (r *sendRig) command(id, text string) {
	r.t.Helper()
	a := rigFixture(r.t, "message_channel_command.json")
	a.ID = id
	a.Conversation.ID = sendChannel + ";messageid=" + id
	a.Text = "<at>What Matters</at> reflect " + text
	a.ChannelData.Team.AADGroupID = sendGroup
	if w := r.post(a); w.Code != http.StatusOK {
		r.t.Fatalf("command %q: %d %s", text, w.Code, w.Body)
	}
}

// waitArmed waits until more than before wake-ups have been armed on the
// clock, and returns the waits of those not yet run.
func (r *sendRig) waitArmed(what string, before int) []time.Duration {
	r.t.Helper()
	deadline := time.NewTimer(30 * time.Second)
	defer deadline.Stop()
	pause := 5 * time.Millisecond
	for {
		n, waits := r.clock.Pending()
		if n > before && len(waits) > 0 {
			return waits
		}
		look := time.NewTimer(pause)
		select {
		case <-deadline.C:
			look.Stop()
			r.t.Fatalf("waiting for %s: no wake-up armed; connector requests %+v; log:\n%s", what, r.requests(), r.logs.String())
		case <-look.C:
		}
		pause = min(2*pause, 100*time.Millisecond)
	}
}

// outboxCount is how many messages the outbox holds.
func (r *sendRig) outboxCount() int {
	r.t.Helper()
	var n int
	if err := r.db.SQL().QueryRow(`SELECT count(*) FROM outbox`).Scan(&n); err != nil {
		r.t.Fatal(err)
	}
	return n
}

// waitArmedOrSent waits until a wake-up is armed (returning the waits) or
// the outbox is empty (returning a zero wait).
func (r *sendRig) waitArmedOrSent() []time.Duration {
	r.t.Helper()
	deadline := time.NewTimer(30 * time.Second)
	defer deadline.Stop()
	pause := 5 * time.Millisecond
	for {
		if _, waits := r.clock.Pending(); len(waits) > 0 {
			return waits
		}
		if r.outboxCount() == 0 {
			return []time.Duration{0}
		}
		look := time.NewTimer(pause)
		select {
		case <-deadline.C:
			look.Stop()
			r.t.Fatalf("no wake-up armed and the outbox not empty; requests %+v", r.requests())
		case <-look.C:
		}
		pause = min(2*pause, 100*time.Millisecond)
	}
}

// outbox is what the outbox holds, oldest first.
func (r *sendRig) outbox() []inbox.OutboxMessage {
	r.t.Helper()
	rows, err := r.db.SQL().Query(`SELECT DISTINCT ordering_key FROM outbox`)
	if err != nil {
		r.t.Fatal(err)
	}
	var keys []string
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			r.t.Fatal(err)
		}
		keys = append(keys, k)
	}
	rows.Close()
	var out []inbox.OutboxMessage
	for _, k := range keys {
		ms, err := r.db.PendingOutbox(context.Background(), k, 64)
		if err != nil {
			r.t.Fatal(err)
		}
		out = append(out, ms...)
	}
	return out
}

// sendDirectly asks the adapter to send the outbox's messages itself, as
// a runner would, and returns the wait it asks for.
func (r *sendRig) sendDirectly(msgs []inbox.OutboxMessage) *delivery.RetryLater {
	r.t.Helper()
	n, err := r.adapter.Send(context.Background(), msgs)
	var later *delivery.RetryLater
	if !errors.As(err, &later) {
		r.t.Fatalf("sending during a hold: %d sent, %v; want a RetryLater", n, err)
	}
	return later
}

// thread is the reply chain a reflection was anchored at.
func (r *sendRig) thread() string {
	r.t.Helper()
	var thread string
	if err := r.db.SQL().QueryRow(`SELECT thread FROM reflections`).Scan(&thread); err != nil {
		r.t.Fatal(err)
	}
	return thread
}

// sentCard is the card a connector request carried, as a string of JSON.
func sentCard(rec recorded) string {
	atts, _ := rec.Body["attachments"].([]any)
	for _, a := range atts {
		if m, ok := a.(map[string]any); ok && m["content"] != nil {
			b, _ := json.Marshal(m["content"])
			return string(b)
		}
	}
	return ""
}

// markerOf is the marker of the card a connector request carried.
func markerOf(rec recorded) string { return CardMarker([]byte(sentCard(rec))) }

const (
	channelPosts = "/emea/v3/conversations/" + sendChannel + "/activities"
	connectorID  = "1733569999999" // what the fake connector answers a post with
)

func chainPath(root string) string {
	return "/emea/v3/conversations/" + sendChannel + ";messageid=" + root + "/activities"
}

// requestsTo filters requests by method and path.
func requestsTo(reqs []recorded, method, path string) []recorded {
	var out []recorded
	for _, rq := range reqs {
		if rq.Method == method && rq.Path == path {
			out = append(out, rq)
		}
	}
	return out
}

// A 429 from the connector holds the send: the message stays in the
// outbox, the round ends with a wait of at least Retry-After, a send tried
// meanwhile does not reach the connector, and once the clock reaches the
// end of the hold the message goes, once.
func TestTeamsSend429HoldsUntilRetryAfter(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		r := newSendRig(t, db, sendRigOptions{})
		r.prepare()
		var once sync.Once
		r.answer(func(w http.ResponseWriter, req *http.Request, _ recorded) bool {
			limited := false
			if strings.Contains(req.URL.Path, ";messageid=") {
				once.Do(func() { limited = true })
			}
			if limited {
				w.Header().Set("Retry-After", "30")
				w.WriteHeader(http.StatusTooManyRequests)
				_, _ = io.WriteString(w, `{"error":{"code":"TooManyRequests","message":"slow down"}}`)
			}
			return limited
		})
		start := r.clock.Now()
		r.command("1733563000000", "Kestrel")
		waits := r.waitArmed("the hold after a 429", 0)
		if waits[0] < 30*time.Second {
			t.Errorf("wake-up after the 429 in %s; want at least the Retry-After, 30s", waits[0])
		}
		reqs := r.requests()
		if len(reqs) != 2 || len(requestsTo(reqs, http.MethodPost, chainPath(connectorID))) != 1 {
			t.Fatalf("requests %+v; want the root post and the first question, answered 429", reqs)
		}
		held := r.outbox()
		if len(held) != 1 {
			t.Fatalf("outbox holds %d messages after the 429; want the first question", len(held))
		}
		var s Send
		if err := json.Unmarshal(held[0].Payload, &s); err != nil || s.Kind != SendReply || s.Marker != markerOf(reqs[1]) {
			t.Fatalf("outbox holds %+v (%v); want the question answered 429", s, err)
		}

		// Tried meanwhile (another runner, another instance): held, by the
		// record shared through the database, without a request.
		if later := r.sendDirectly(held); later.Wait < 30*time.Second {
			t.Errorf("a send during the hold waits %s; want 30s", later.Wait)
		}
		r.clock.Advance(29 * time.Second)
		if later := r.sendDirectly(held); later.Wait != time.Second {
			t.Errorf("a send 29s into the hold waits %s; want 1s", later.Wait)
		}
		if n := len(r.requests()); n != 2 {
			t.Fatalf("%d connector requests during the hold; want none after the 429", n-2)
		}

		r.clock.Advance(time.Second)
		r.waitRequests("the question after the hold", func(rs []recorded) bool { return len(rs) >= 3 })
		drained(t, db)
		reqs = r.requests()
		chain := requestsTo(reqs, http.MethodPost, chainPath(connectorID))
		if len(requestsTo(reqs, http.MethodPost, channelPosts)) != 1 || len(chain) != 2 || len(reqs) != 3 {
			t.Fatalf("requests %+v; want the root once and the question twice (429, then sent)", reqs)
		}
		if markerOf(chain[0]) != markerOf(chain[1]) {
			t.Errorf("the question sent after the hold is not the one held")
		}
		times := r.requestTimes()
		if got := times[2].Sub(start); got < 30*time.Second {
			t.Errorf("the question went %s after the 429; want at least 30s", got)
		}
	})
}

// A 502 or 503 backs off: the message stays in the outbox, a send tried
// meanwhile waits without a request, each try after a failure waits at
// least the machinery's backoff for that many failures in a row (half of
// 250 ms doubling: 125 ms, 250 ms, 500 ms), and the message goes once the
// connector answers again.
func TestTeamsSend5xxBacksOffAndRetries(t *testing.T) {
	for _, status := range []int{http.StatusBadGateway, http.StatusServiceUnavailable} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			db := storagetest.SQLite(t)
			r := newSendRig(t, db, sendRigOptions{})
			r.prepare()
			const failures = 3
			var mu sync.Mutex
			failed := 0
			r.answer(func(w http.ResponseWriter, req *http.Request, _ recorded) bool {
				mu.Lock()
				defer mu.Unlock()
				if strings.Contains(req.URL.Path, ";messageid=") && failed < failures {
					failed++
					w.WriteHeader(status)
					return true
				}
				return false
			})
			r.command("1733563000000", "Kestrel")
			waits := r.waitArmed("the backoff after the first failure", 0)
			if waits[0] < 125*time.Millisecond || waits[0] > 250*time.Millisecond {
				t.Errorf("after the first failure the wait is %s; want 125 to 250 ms", waits[0])
			}
			held := r.outbox()
			if len(held) != 1 {
				t.Fatalf("after the failure the outbox holds %d; want the question", len(held))
			}
			before := len(r.requests())
			if later := r.sendDirectly(held); later.Wait <= 0 {
				t.Errorf("a send during the backoff waits %s", later.Wait)
			}
			if len(r.requests()) != before {
				t.Errorf("a send during the backoff reached the connector")
			}
			// The clock is moved to each wake-up in turn until the
			// question has gone.
			for i := 0; r.outboxCount() > 0; i++ {
				if i > 20 {
					t.Fatalf("the question has not gone after %d wake-ups; requests %+v", i, r.requests())
				}
				r.clock.Advance(r.waitArmedOrSent()[0])
			}
			drained(t, db)
			reqs := r.requests()
			chain := requestsTo(reqs, http.MethodPost, chainPath(connectorID))
			if len(requestsTo(reqs, http.MethodPost, channelPosts)) != 1 || len(chain) != failures+1 || len(reqs) != failures+2 {
				t.Fatalf("requests %+v; want the root once and the question %d times (%d failures, then sent)", reqs, failures+1, failures)
			}
			for _, c := range chain[1:] {
				if markerOf(c) != markerOf(chain[0]) {
					t.Errorf("a retry carried another marker")
				}
			}
			times := r.requestTimes()[1:] // the question's tries
			for i := 1; i < len(times); i++ {
				gap, least := times[i].Sub(times[i-1]), 125*time.Millisecond<<(i-1)
				if gap < least || gap > 2*time.Second {
					t.Errorf("try %d of the question came %s after the one before; want %s to 2s", i+1, gap, least)
				}
			}
			if !strings.Contains(r.logs.String(), "backing off") {
				t.Errorf("no log line says the send backs off")
			}
		})
	}
}

// A 400, 403 or 404 is the connector refusing the send: it is dropped at
// once (never tried again, never holding up the key's later messages),
// with an error in the log that carries no text people wrote, even when
// the connector's answer echoes it.
func TestTeamsSendRefusedIsDropped(t *testing.T) {
	for _, status := range []int{http.StatusBadRequest, http.StatusForbidden, http.StatusNotFound} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			db := storagetest.SQLite(t)
			r := newSendRig(t, db, sendRigOptions{})
			r.prepare()
			var once sync.Once
			r.answer(func(w http.ResponseWriter, req *http.Request, rec recorded) bool {
				refuse := false
				if req.URL.Path == channelPosts {
					once.Do(func() { refuse = true })
				}
				if refuse {
					echo, _ := json.Marshal(map[string]any{"error": map[string]any{"code": "BadArgument", "message": "cannot post " + sentText(rec)}})
					w.Header().Set("Content-Type", "application/json")
					w.WriteHeader(status)
					_, _ = w.Write(echo)
				}
				return refuse
			})
			r.command("1733563000000", "Kestrel")
			r.waitRequests("the refused root post", func(rs []recorded) bool { return len(rs) >= 1 })
			drained(t, db)
			if reqs := r.requests(); len(reqs) != 1 || !strings.Contains(sentText(reqs[0]), "Kestrel") {
				t.Fatalf("requests %+v; want the root post once, not retried", reqs)
			}
			if _, waits := r.clock.Pending(); len(waits) != 0 {
				t.Errorf("a wake-up armed after a refusal: %v", waits)
			}

			// The next reflection in the channel goes as usual.
			r.command("1733563000100", "Heron")
			reqs := r.waitRequests("the next reflection", func(rs []recorded) bool { return len(rs) >= 3 })
			drained(t, db)
			if len(reqs) != 3 || !strings.Contains(sentText(reqs[1]), "Heron") {
				t.Fatalf("requests %+v; want the next reflection's root and first question", reqs)
			}

			logs := r.logs.String()
			var dropped map[string]any
			for _, line := range strings.Split(logs, "\n") {
				if strings.Contains(line, "the connector refused a send") {
					if err := json.Unmarshal([]byte(line), &dropped); err != nil {
						t.Fatal(err)
					}
				}
			}
			if dropped == nil || dropped["level"] != "ERROR" || !strings.Contains(fmt.Sprint(dropped["err"]), fmt.Sprint(status)) {
				t.Errorf("log line for the refusal %v; want an error naming the status %d", dropped, status)
			}
			for _, written := range []string{"Kestrel", "Heron", "reflect", "cannot post"} {
				if strings.Contains(logs, written) {
					t.Errorf("the log carries %q:\n%s", written, logs)
				}
			}
		})
	}
}

// An uncertain post (the connection cut after the request was written, or
// a 504) is tried again after the backoff. With Graph, the retry first
// looks for the marker in the channel: found, the post is not made again
// and the reflection's reply chain is anchored at the id Graph gave. Without
// Graph, or when Graph may not read the channel (403), it is posted again:
// a repeat, not a loss.
func TestTeamsSendUncertainPostLooksFirst(t *testing.T) {
	const keptID = "1733560000042" // the id Teams gave the post whose answer was lost
	cases := []struct {
		name        string
		cut         bool // else 504
		graph       bool
		graphStatus int
		repeat      bool
	}{
		{name: "cut, found through Graph", cut: true, graph: true},
		{name: "504, found through Graph", graph: true},
		{name: "cut, no Graph", cut: true, repeat: true},
		{name: "504, no Graph", repeat: true},
		{name: "cut, Graph may not read the channel", cut: true, graph: true, graphStatus: http.StatusForbidden, repeat: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			db := storagetest.SQLite(t)
			r := newSendRig(t, db, sendRigOptions{graph: tc.graph, graphStatus: tc.graphStatus})
			r.prepare()
			var once sync.Once
			r.answer(func(w http.ResponseWriter, req *http.Request, rec recorded) bool {
				lost := false
				if req.URL.Path == channelPosts {
					once.Do(func() { lost = true })
				}
				if !lost {
					return false
				}
				// Teams took the post; its answer never arrives.
				r.keep(rec, keptID)
				if tc.cut {
					conn, _, err := w.(http.Hijacker).Hijack()
					if err != nil {
						t.Error(err)
						return true
					}
					_ = conn.Close()
					return true
				}
				w.WriteHeader(http.StatusGatewayTimeout)
				return true
			})
			r.command("1733563000000", "Kestrel")
			waits := r.waitArmed("the backoff after the uncertain post", 0)
			if len(r.outbox()) != 1 || len(r.requests()) != 1 {
				t.Fatalf("after the uncertain post: outbox %d, requests %+v; want the root post kept and tried once", len(r.outbox()), r.requests())
			}
			r.clock.Advance(waits[0])
			r.waitRequests("the first question", func(rs []recorded) bool {
				return len(requestsTo(rs, http.MethodPost, chainPath(keptID)))+len(requestsTo(rs, http.MethodPost, chainPath(connectorID))) > 0
			})
			drained(t, db)
			reqs := r.requests()
			roots := requestsTo(reqs, http.MethodPost, channelPosts)
			if tc.repeat {
				if len(roots) != 2 || markerOf(roots[0]) != markerOf(roots[1]) {
					t.Fatalf("root posts %+v; want the post made again, with the same marker", roots)
				}
				if got := len(requestsTo(reqs, http.MethodPost, chainPath(connectorID))); got != 1 || r.thread() != connectorID {
					t.Errorf("%d first questions in the second post's chain, reflection anchored at %q; want 1 at %s", got, r.thread(), connectorID)
				}
				return
			}
			if len(roots) != 1 {
				t.Fatalf("%d root posts; want 1: Graph found the first", len(roots))
			}
			if got := len(requestsTo(reqs, http.MethodPost, chainPath(keptID))); got != 1 || len(reqs) != 2 {
				t.Errorf("requests %+v; want the first question once, in the chain of the post Graph found", reqs)
			}
			if th := r.thread(); th != keptID {
				t.Errorf("reflection anchored at %q; want %s, the id Graph found", th, keptID)
			}
			r.graph.mu.Lock()
			asked := len(r.graph.asked)
			r.graph.mu.Unlock()
			if asked == 0 {
				t.Errorf("Graph was not asked")
			}
		})
	}
}

// A notice to a person with no known 1:1 chat opens one (POST
// /v3/conversations), remembers it, and posts the notice there; the next
// notice to them goes to the same chat without opening it again.
func TestTeamsSendNoticeOpensAChatOnce(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		r := newSendRig(t, db, sendRigOptions{})
		r.answer(nil)
		const chat = "a:1personal-chat-id"
		chatPosts := "/emea/v3/conversations/" + chat + "/activities"
		r.command("1733563000000", "help")
		r.waitRequests("the first notice", func(rs []recorded) bool { return len(requestsTo(rs, http.MethodPost, chatPosts)) >= 1 })
		drained(t, db)
		reqs := r.requests()
		opened := requestsTo(reqs, http.MethodPost, "/emea/v3/conversations")
		if len(opened) != 1 || len(reqs) != 2 {
			t.Fatalf("requests %+v; want the chat opened, then the notice in it", reqs)
		}
		members, _ := opened[0].Body["members"].([]any)
		if len(members) != 1 || !strings.Contains(fmt.Sprint(members[0]), "29:1XJKJMvc5GBtc2JwZq0oj8tHZmzrQgFmB39ATiQWA85gQtHieVkKilBZ9XHoq9j7Zaqt7CZ") {
			t.Errorf("chat opened with %v; want the person's Teams id alone", members)
		}
		c, err := db.PersonalConversation(context.Background(), Platform, testTenant, "6b1f4c7e-2d7a-4c55-9d1e-0a4f3c2b1a90")
		if err != nil || c.ID != chat || c.ServiceURL != r.conn.serviceURL() {
			t.Fatalf("the chat remembered as %+v, %v; want %s at the service URL", c, err, chat)
		}

		r.command("1733563000100", "help")
		r.waitRequests("the second notice", func(rs []recorded) bool { return len(requestsTo(rs, http.MethodPost, chatPosts)) >= 2 })
		drained(t, db)
		reqs = r.requests()
		if n := len(requestsTo(reqs, http.MethodPost, "/emea/v3/conversations")); n != 1 || len(reqs) != 3 {
			t.Errorf("requests %+v; want the second notice in the chat opened for the first (%d opened)", reqs, n)
		}
	})
}
