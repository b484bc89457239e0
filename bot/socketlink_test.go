package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/slack-go/slack/slacktest"
)

// linkMode is how the Socket Mode stand-in below treats one connection.
type linkMode int

const (
	linkLive    linkMode = iota // answers pings, reads acknowledgements
	linkSilent                  // says hello, then nothing: no pongs, no envelopes
	linkRefresh                 // says hello, then asks for a new connection
)

// linkServer plays Slack's end of Socket Mode, treating its nth connection
// (from 0) as mode(n) says. It reports each connection as it opens, and
// counts the pings it is sent.
type linkServer struct {
	srv   *httptest.Server
	conns chan *linkConn
}

type linkConn struct {
	n     int
	conn  *websocket.Conn
	pings chan struct{}        // a ping from the bot
	acks  chan json.RawMessage // an acknowledgement from the bot
}

func newLinkServer(t *testing.T, mode func(n int) linkMode) *linkServer {
	t.Helper()
	s := &linkServer{conns: make(chan *linkConn, 16)}
	var count atomic.Int32
	up := websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer conn.Close()
		c := &linkConn{n: int(count.Add(1)) - 1, conn: conn, pings: make(chan struct{}, 1024), acks: make(chan json.RawMessage, 64)}
		m := mode(c.n)
		conn.SetPingHandler(func(data string) error {
			select {
			case c.pings <- struct{}{}:
			default:
			}
			if m == linkSilent {
				return nil
			}
			return conn.WriteControl(websocket.PongMessage, []byte(data), time.Now().Add(time.Second))
		})
		hello := `{"type":"hello","num_connections":1,"debug_info":{"host":"applink-test"},"connection_info":{"app_id":"A1"}}`
		if conn.WriteMessage(websocket.TextMessage, []byte(hello)) != nil {
			return
		}
		if m == linkRefresh {
			bye := `{"type":"disconnect","reason":"refresh_requested","debug_info":{"host":"applink-test"}}`
			if conn.WriteMessage(websocket.TextMessage, []byte(bye)) != nil {
				return
			}
		}
		s.conns <- c
		for {
			_, msg, err := conn.ReadMessage()
			if err != nil {
				return
			}
			if m != linkSilent {
				c.acks <- msg
			}
		}
	}))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *linkServer) url() string {
	return "ws" + strings.TrimPrefix(s.srv.URL, "http") + "/link/?ticket=1"
}

// next waits for the next connection.
func (s *linkServer) next(t *testing.T, what string) *linkConn {
	t.Helper()
	return within(t, "a connection: "+what, s.conns)
}

// pinged waits for the bot's next ping on c, failing at once if the bot
// opens another connection instead.
func (c *linkConn) pinged(t *testing.T, s *linkServer, what string) {
	t.Helper()
	guard := time.NewTimer(hangGuard)
	defer guard.Stop()
	select {
	case <-c.pings:
	case other := <-s.conns:
		t.Fatalf("waiting for %s on connection %d: connection %d opened instead", what, c.n, other.n)
	case <-guard.C:
		t.Fatalf("waiting for %s on connection %d: gave up after %s", what, c.n, hangGuard)
	}
}

// send sends an envelope on the connection and waits for its
// acknowledgement.
func (c *linkConn) send(t *testing.T, envelopeType, id string, payload any) {
	t.Helper()
	b, err := json.Marshal(map[string]any{"envelope_id": id, "type": envelopeType, "payload": payload,
		"accepts_response_payload": envelopeType != "events_api", "retry_attempt": 0})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.conn.WriteMessage(websocket.TextMessage, b); err != nil {
		t.Fatal(err)
	}
	msg := within(t, fmt.Sprintf("the acknowledgement of envelope %s on connection %d", id, c.n), c.acks)
	var ack struct {
		EnvelopeID string `json:"envelope_id"`
	}
	if json.Unmarshal(msg, &ack) != nil || ack.EnvelopeID != id {
		t.Fatalf("acknowledgement %s while waiting for %s", msg, id)
	}
}

// fakeClock is a linkClock that moves only when the test moves it, so the
// link's pings, readiness and replacement follow the test's steps and not
// the machine's speed.
type fakeClock struct {
	mu      sync.Mutex
	now     time.Time
	tickers []*fakeTicker
	read    time.Time     // the clock's time when the link last read it
	reads   chan struct{} // closed and replaced at every read
}

type fakeTicker struct {
	every   time.Duration
	next    time.Time
	c       chan time.Time
	stopped chan struct{}
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC), reads: make(chan struct{})}
}

// Now is read by the link whenever it hears from Slack.
func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.read = c.now
	close(c.reads)
	c.reads = make(chan struct{})
	return c.now
}

func (c *fakeClock) NewTicker(d time.Duration) (<-chan time.Time, func()) {
	c.mu.Lock()
	defer c.mu.Unlock()
	tk := &fakeTicker{every: d, next: c.now.Add(d), c: make(chan time.Time), stopped: make(chan struct{})}
	c.tickers = append(c.tickers, tk)
	var once sync.Once
	return tk.c, func() { once.Do(func() { close(tk.stopped) }) }
}

// advance moves the clock on by d. Every tick due on the way is taken by
// its ticker's reader, in order, before the clock moves past it; a ticker
// stopped meanwhile is dropped.
func (c *fakeClock) advance(t *testing.T, d time.Duration) {
	t.Helper()
	c.mu.Lock()
	end := c.now.Add(d)
	c.mu.Unlock()
	for {
		c.mu.Lock()
		var due *fakeTicker
		live := c.tickers[:0]
		for _, tk := range c.tickers {
			select {
			case <-tk.stopped:
				continue
			default:
			}
			live = append(live, tk)
			if !tk.next.After(end) && (due == nil || tk.next.Before(due.next)) {
				due = tk
			}
		}
		c.tickers = live
		if due == nil {
			c.now = end
			c.mu.Unlock()
			return
		}
		c.now = due.next
		due.next = due.next.Add(due.every)
		at := c.now
		c.mu.Unlock()
		guard := time.NewTimer(hangGuard)
		select {
		case due.c <- at:
		case <-due.stopped:
		case <-guard.C:
			t.Fatalf("the link took no tick at %s for %s", at.Format(time.TimeOnly), hangGuard)
		}
		guard.Stop()
	}
}

// heardNow waits until the link has heard from Slack at the clock's
// present time (the clock being still, what it heard since the clock last
// moved).
func (c *fakeClock) heardNow(t *testing.T, what string) {
	t.Helper()
	guard := time.NewTimer(hangGuard)
	defer guard.Stop()
	for {
		c.mu.Lock()
		heard, reads := !c.read.Before(c.now), c.reads
		c.mu.Unlock()
		if heard {
			return
		}
		select {
		case <-reads:
		case <-guard.C:
			t.Fatalf("waiting for the link to hear %s: gave up after %s", what, hangGuard)
		}
	}
}

// runLinkHarness runs the Socket Mode link against the stand-in with its
// own timing (a ping every 5 s, not ready after 10 s of quiet, replaced
// after 15 s, looked at every second), on a fake clock that the test moves.
func runLinkHarness(t *testing.T, sock *linkServer, open func(n int) map[string]any) (*harness, <-chan error, *fakeClock) {
	t.Helper()
	db := sqliteDB(t)
	var opens atomic.Int32
	api := newSlackServer(t, func(s *slackServer, c slacktest.Customize) {
		c.Handle("/apps.connections.open", s.handle("apps.connections.open", func(http.ResponseWriter, *http.Request, url.Values) any {
			n := int(opens.Add(1)) - 1
			if open != nil {
				if resp := open(n); resp != nil {
					return resp
				}
			}
			return map[string]any{"ok": true, "url": sock.url()}
		}))
	})
	h := newHarness(t, db, api, harnessOptions{workers: 2, appToken: "xapp-test", slackOpts: func(o *SlackOptions) {
		o.SocketBackoff = 50 * time.Millisecond
	}})
	clock := newFakeClock()
	stopped := runSocketOn(t, h, clock)
	return h, stopped, clock
}

// runSocketOn runs the adapter's Socket Mode link, timed by clock, until
// the test ends; the channel has its result.
func runSocketOn(t *testing.T, h *harness, clock linkClock) <-chan error {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan error, 1) // runSocket's result, for the test
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		stopped <- h.slack.runSocket(ctx, clock)
	}()
	t.Cleanup(func() {
		cancel()
		within(t, "the link to stop after its context ended", finished)
		select {
		case err := <-stopped: // not taken by the test
			if err != nil {
				t.Errorf("RunSocket: %v", err)
			}
		default:
		}
	})
	return stopped
}

// waitConnected waits until the adapter reads as connected.
func waitConnected(t *testing.T, h *harness) {
	t.Helper()
	eventually(t, "the link to read as connected", func() (bool, string) {
		return h.slack.Connected(), "not connected"
	})
}

// TestSocketSilentLinkIsReplaced: a connection that says hello and then
// carries nothing (no envelope, and no pong to the bot's pings) is marked
// not ready after two pings' quiet (10 s), and taken for dead and replaced
// after 15 s; slack-go's client waited 30 s for a ping from Slack.
func TestSocketSilentLinkIsReplaced(t *testing.T) {
	t.Parallel()
	sock := newLinkServer(t, func(n int) linkMode {
		if n == 0 {
			return linkSilent
		}
		return linkLive
	})
	h, _, clock := runLinkHarness(t, sock, nil)
	first := sock.next(t, "the first connection")
	waitConnected(t, h) // its hello heard
	// The link is looked at every second and pinged every 5 s: 1, 6, 11
	// and 16 s in. Each look's readiness is settled before its ping goes.
	clock.advance(t, time.Second)
	first.pinged(t, sock, "the first ping")
	clock.advance(t, 5*time.Second)
	first.pinged(t, sock, "the ping 6 s in")
	if !h.slack.Connected() {
		t.Fatal("not ready after 6 s of quiet; want ready until 10 s")
	}
	clock.advance(t, 5*time.Second)
	first.pinged(t, sock, "the ping 11 s in")
	if h.slack.Connected() {
		t.Fatal("ready after 11 s of quiet; want not ready once 10 s have passed")
	}
	clock.advance(t, 5*time.Second)
	second := sock.next(t, "a new connection after 16 s of quiet")
	if second.n != 1 {
		t.Fatalf("connection %d, want the second", second.n)
	}
	second.send(t, "slash_commands", "env-after-silence", commandPayloadJSON("U1", "C1", "Kestrel"))
	waitConnected(t, h)
	logs := h.logs.String()
	notReady := strings.Index(logs, "not ready until Slack answers")
	replaced := strings.Index(logs, "replacing the connection")
	if notReady < 0 || replaced < notReady {
		t.Errorf("the silent link was not first marked not ready, then replaced:\n%s", logs)
	}
}

// TestSocketLiveLinkIsKept: a link that answers the bot's pings is kept and
// stays ready, however long no envelope comes: 40 s, more than twice the
// 15 s after which a quiet link is replaced.
func TestSocketLiveLinkIsKept(t *testing.T) {
	t.Parallel()
	sock := newLinkServer(t, func(int) linkMode { return linkLive })
	h, _, clock := runLinkHarness(t, sock, nil)
	first := sock.next(t, "the first connection")
	waitConnected(t, h) // its hello heard
	for s := 1; s <= 40; s++ {
		clock.advance(t, time.Second)
		if s%5 != 1 { // pinged 1, 6, 11, … s in
			continue
		}
		first.pinged(t, sock, fmt.Sprintf("the ping %d s in", s))
		if !h.slack.Connected() {
			t.Fatalf("not ready %d s in, with every ping answered", s)
		}
		// The pong is heard before the clock moves on.
		clock.heardNow(t, fmt.Sprintf("the pong to the ping %d s in", s))
	}
	select {
	case c := <-sock.conns:
		t.Fatalf("connection %d opened while the first answered every ping", c.n)
	default:
	}
	first.send(t, "slash_commands", "env-live", commandPayloadJSON("U1", "C1", "Kestrel"))
	waitConnected(t, h)
}

// TestSocketRefreshReconnectsAtOnce: Slack's "disconnect" (refresh
// requested) is followed at once by a new connection, whose envelopes are
// taken.
func TestSocketRefreshReconnectsAtOnce(t *testing.T) {
	t.Parallel()
	sock := newLinkServer(t, func(n int) linkMode {
		if n == 0 {
			return linkRefresh
		}
		return linkLive
	})
	_, _, _ = runLinkHarness(t, sock, nil)
	sock.next(t, "the first connection")
	second := sock.next(t, "a new connection after Slack's refresh")
	second.send(t, "slash_commands", "env-after-refresh", commandPayloadJSON("U1", "C1", "Kestrel"))
}

// TestSocketRefusedTokenStops: an app-level token Slack refuses ends
// RunSocket with an error naming SLACK_APP_TOKEN, without retrying.
func TestSocketRefusedTokenStops(t *testing.T) {
	t.Parallel()
	sock := newLinkServer(t, func(int) linkMode { return linkLive })
	var opened atomic.Int32
	_, stopped, _ := runLinkHarness(t, sock, func(int) map[string]any {
		opened.Add(1)
		return map[string]any{"ok": false, "error": "invalid_auth"}
	})
	err := within(t, "the link to stop on the token's refusal", stopped)
	if err == nil || !strings.Contains(err.Error(), "SLACK_APP_TOKEN") {
		t.Errorf("RunSocket = %v, want the token's refusal", err)
	}
	if errors.Is(err, context.Canceled) {
		t.Errorf("RunSocket stopped by its context, not the refusal")
	}
	if n := opened.Load(); n != 1 {
		t.Errorf("apps.connections.open called %d times, want once", n)
	}
}
