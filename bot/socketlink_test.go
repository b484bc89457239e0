package bot

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/slack-go/slack/slacktest"

	"whatmatters/storage/storagetest"
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
	select {
	case c := <-s.conns:
		return c
	case <-time.After(20 * time.Second):
		t.Fatalf("no connection: %s", what)
		return nil
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
	select {
	case msg := <-c.acks:
		var ack struct {
			EnvelopeID string `json:"envelope_id"`
		}
		if json.Unmarshal(msg, &ack) != nil || ack.EnvelopeID != id {
			t.Fatalf("acknowledgement %s while waiting for %s", msg, id)
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("envelope %s was not acknowledged on connection %d", id, c.n)
	}
}

// runLinkHarness starts RunSocket against the stand-in, with pings every
// 100 ms and a link taken for dead after 1.5 s of quiet: short for a test,
// and long beside the pauses of a loaded machine under the race detector.
func runLinkHarness(t *testing.T, sock *linkServer, open func(n int) map[string]any) (*harness, <-chan error) {
	t.Helper()
	db := storagetest.SQLite(t)
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
		o.SocketPing, o.SocketDead = 100*time.Millisecond, 1500*time.Millisecond
	}})
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan error, 1) // RunSocket's result, for the test
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		stopped <- h.slack.RunSocket(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-finished:
		case <-time.After(20 * time.Second):
			t.Error("RunSocket did not return after its context ended")
		}
	})
	return h, stopped
}

// waitConnected waits (at most 20 s) until the adapter reads as connected.
func waitConnected(t *testing.T, h *harness) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !h.slack.Connected() {
		if time.Now().After(deadline) {
			t.Fatal("not connected")
		}
		time.Sleep(10 * time.Millisecond) // polling a state, not timing
	}
}

// TestSocketSilentLinkIsReplaced: a connection that says hello and then
// carries nothing (no envelope, and no pong to the bot's pings) is marked
// not ready after two pings' quiet, and taken for dead and replaced after
// SocketDead; slack-go's client waited 30 s for a ping from Slack.
func TestSocketSilentLinkIsReplaced(t *testing.T) {
	t.Parallel()
	sock := newLinkServer(t, func(n int) linkMode {
		if n == 0 {
			return linkSilent
		}
		return linkLive
	})
	h, _ := runLinkHarness(t, sock, nil)
	first := sock.next(t, "the first connection")
	// The bot pings the silent link, gets no answer, and gives it up.
	<-first.pings
	second := sock.next(t, "a new connection after the silent one (SocketDead is 1.5 s)")
	if second.n != 1 {
		t.Fatalf("connection %d, want the second", second.n)
	}
	second.send(t, "slash_commands", "env-after-silence", commandPayloadJSON("U1", "C1", "Kestrel"))
	waitConnected(t, h)
	logs := h.logs.String()
	notReady := strings.Index(logs, "not ready until Slack answers")
	replaced := strings.Index(logs, "replacing the connection")
	if notReady < 0 || replaced < notReady {
		t.Errorf("the silent link was not first marked not ready (after two pings' quiet), then replaced:\n%s", logs)
	}
}

// TestSocketLiveLinkIsKept: a link that answers the bot's pings is kept,
// however long no envelope comes: more than twice SocketDead goes by on the
// first connection, measured in the pings it answers.
func TestSocketLiveLinkIsKept(t *testing.T) {
	t.Parallel()
	sock := newLinkServer(t, func(int) linkMode { return linkLive })
	h, _ := runLinkHarness(t, sock, nil)
	first := sock.next(t, "the first connection")
	// 40 pings 100 ms apart span more than twice the 1.5 s after which a
	// quiet link is given up.
	for range 40 {
		select {
		case <-first.pings:
		case <-time.After(20 * time.Second):
			t.Fatal("the bot stopped pinging a live link")
		}
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
	_, _ = runLinkHarness(t, sock, nil)
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
	_, stopped := runLinkHarness(t, sock, func(int) map[string]any {
		opened.Add(1)
		return map[string]any{"ok": false, "error": "invalid_auth"}
	})
	select {
	case err := <-stopped:
		if err == nil || !strings.Contains(err.Error(), "SLACK_APP_TOKEN") {
			t.Errorf("RunSocket = %v, want the token's refusal", err)
		}
		if errors.Is(err, context.Canceled) {
			t.Errorf("RunSocket stopped by its context, not the refusal")
		}
	case <-time.After(20 * time.Second):
		t.Fatal("RunSocket went on after Slack refused the token")
	}
	if n := opened.Load(); n != 1 {
		t.Errorf("apps.connections.open called %d times, want once", n)
	}
}
