package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
)

// socketLink plays Slack's end of Socket Mode for serve: apps.connections
// .open (the fake Web API) hands out its address; it says hello to each
// connection, sends envelopes on the newest and collects their
// acknowledgements. Its faults are Slack's refresh, a dropped connection,
// and a silent one (no envelopes, no pongs).
type socketLink struct {
	srv *http.Server
	url string
	seq atomic.Int64

	mu      sync.Mutex
	cur     *linkConn // the newest connection, nil when none
	silent  *linkConn // the connection that went quiet, if any
	opened  int       // connections made
	changed chan struct{}
	waiters map[string]chan struct{} // envelope id → closed on its acknowledgement
}

type linkConn struct {
	ws     *websocket.Conn
	wmu    sync.Mutex // one writer of messages
	closed chan struct{}
}

func newSocketLink() (*socketLink, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	l := &socketLink{url: "ws://" + ln.Addr().String() + "/link/?ticket=fault", changed: make(chan struct{}),
		waiters: map[string]chan struct{}{}}
	up := websocket.Upgrader{}
	l.srv = &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		l.serve(&linkConn{ws: ws, closed: make(chan struct{})})
	})}
	go func() { _ = l.srv.Serve(ln) }()
	return l, nil
}

func (l *socketLink) close() { _ = l.srv.Close() }

// serve runs one connection until it ends.
func (l *socketLink) serve(c *linkConn) {
	defer close(c.closed)
	defer c.ws.Close()
	c.ws.SetPingHandler(func(data string) error {
		if l.isSilent(c) {
			return nil
		}
		return c.ws.WriteControl(websocket.PongMessage, []byte(data), time.Now().Add(time.Second))
	})
	if c.write([]byte(`{"type":"hello","num_connections":1,"debug_info":{"host":"applink-faultcheck"}}`)) != nil {
		return
	}
	l.mu.Lock()
	l.cur = c
	l.opened++
	close(l.changed)
	l.changed = make(chan struct{})
	l.mu.Unlock()
	defer func() {
		l.mu.Lock()
		if l.cur == c {
			l.cur = nil
		}
		close(l.changed)
		l.changed = make(chan struct{})
		l.mu.Unlock()
	}()
	for {
		_, msg, err := c.ws.ReadMessage()
		if err != nil {
			return
		}
		if l.isSilent(c) {
			continue // not heard
		}
		var ack struct {
			EnvelopeID string `json:"envelope_id"`
		}
		if json.Unmarshal(msg, &ack) != nil {
			continue
		}
		l.mu.Lock()
		if ch, ok := l.waiters[ack.EnvelopeID]; ok {
			close(ch)
			delete(l.waiters, ack.EnvelopeID)
		}
		l.mu.Unlock()
	}
}

func (c *linkConn) write(msg []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_ = c.ws.SetWriteDeadline(time.Now().Add(5 * time.Second))
	return c.ws.WriteMessage(websocket.TextMessage, msg)
}

// forget stops sending on c, which failed.
func (l *socketLink) forget(c *linkConn) {
	l.mu.Lock()
	if l.cur == c {
		l.cur = nil
		close(l.changed)
		l.changed = make(chan struct{})
	}
	l.mu.Unlock()
}

func (l *socketLink) isSilent(c *linkConn) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.silent == c
}

// connections is how many connections serve has made.
func (l *socketLink) connections() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.opened
}

// usable waits (at most 30 s) for a connection that is not silent.
func (l *socketLink) usable(ctx context.Context) *linkConn {
	deadline := time.After(30 * time.Second)
	for {
		l.mu.Lock()
		c, changed := l.cur, l.changed
		if c != nil && c != l.silent {
			l.mu.Unlock()
			return c
		}
		l.mu.Unlock()
		select {
		case <-changed:
		case <-ctx.Done():
			return nil
		case <-deadline:
			return nil
		}
	}
}

// deliver sends a request as Slack would over Socket Mode (a slash command
// from its form, an event as it is) and waits for its acknowledgement:
// 200 if it came, 0 if the connection went first or 10 s passed.
func (l *socketLink) deliver(ctx context.Context, contentType string, body []byte, retry int) (int, time.Duration) {
	var kind string
	var payload any
	if contentType == "application/x-www-form-urlencoded" {
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return 0, 0
		}
		p := map[string]string{}
		for k := range form {
			p[k] = form.Get(k)
		}
		kind, payload = "slash_commands", p
	} else {
		kind, payload = "events_api", json.RawMessage(body)
	}
	id := fmt.Sprintf("env-%d", l.seq.Add(1))
	env, err := json.Marshal(map[string]any{"envelope_id": id, "type": kind, "payload": payload,
		"accepts_response_payload": kind != "events_api", "retry_attempt": retry, "retry_reason": retryReason(retry)})
	if err != nil {
		return 0, 0
	}
	c := l.usable(ctx)
	if c == nil {
		return 0, 0
	}
	acked := make(chan struct{})
	l.mu.Lock()
	l.waiters[id] = acked
	l.mu.Unlock()
	defer func() {
		l.mu.Lock()
		delete(l.waiters, id)
		l.mu.Unlock()
	}()
	start := time.Now()
	if c.write(env) != nil {
		l.forget(c) // the next attempt waits for a new connection
		return 0, time.Since(start)
	}
	select {
	case <-acked:
		return http.StatusOK, time.Since(start)
	case <-c.closed:
	case <-ctx.Done():
	case <-time.After(10 * time.Second):
	}
	return 0, time.Since(start)
}

func retryReason(retry int) string {
	if retry == 0 {
		return ""
	}
	return "timeout"
}

// refresh asks serve for a new connection, as Slack does every few hours.
func (l *socketLink) refresh() error {
	c := l.usable(context.Background())
	if c == nil {
		return fmt.Errorf("no connection to refresh")
	}
	return c.write([]byte(`{"type":"disconnect","reason":"refresh_requested","debug_info":{"host":"applink-faultcheck"}}`))
}

// drop cuts the newest connection without a close frame.
func (l *socketLink) drop() error {
	c := l.usable(context.Background())
	if c == nil {
		return fmt.Errorf("no connection to drop")
	}
	return c.ws.UnderlyingConn().Close()
}

// silence makes the newest connection go quiet: nothing is sent on it, its
// pings are not answered and what comes over it is not heard.
func (l *socketLink) silence() error {
	c := l.usable(context.Background())
	if c == nil {
		return fmt.Errorf("no connection to silence")
	}
	l.mu.Lock()
	l.silent = c
	l.mu.Unlock()
	return nil
}

// runSocket sends the workload over Socket Mode through Slack's refresh, a
// dropped connection, a silent one and a SIGKILL, with some envelopes sent
// again after their acknowledgement: every one must take effect once, no
// envelope may be acknowledged that was not recorded, /readyz must say 503
// while the link is silent, and serve must replace a silent link within
// 20 s.
func runSocket(ctx context.Context, o options) (summary string, err error) {
	sock, err := newSocketLink()
	if err != nil {
		return "", err
	}
	e, err := setup(ctx, o, "socket", "", func(e *env) error {
		e.api.SetSocketURL(sock.url)
		e.srv.appToken = "xapp-faultcheck"
		e.sock = sock
		e.closes = append(e.closes, sock.close)
		return nil
	})
	if err != nil {
		sock.close()
		return "", err
	}
	defer finish(o, e, &err)
	w := newWorkload(pick(o, 4, 8), pick(o, 4, 12), 4, pick(o, 4, 8))
	if err := w.start(ctx, e, 1, 30*time.Second); err != nil {
		return "", err
	}
	w.plan()
	var resent atomic.Int64
	// Each message is sent until acknowledged, as Slack sends again what is
	// not; every fifth is sent once more after its acknowledgement.
	sendAll := func(msgs []*message) {
		w.send(ctx, msgs, func(m *message) {
			for i := 0; i < 8 && ctx.Err() == nil; i++ {
				if w.deliver(ctx, e, m, i) == http.StatusOK {
					break
				}
				resent.Add(1)
			}
			if m.n%5 == 0 {
				w.deliver(ctx, e, m, 9)
			}
		}, nil)
	}
	part := len(w.msgs) / 5
	sendAll(w.msgs[:part])

	before := sock.connections()
	if err := sock.refresh(); err != nil {
		return "", err
	}
	sendAll(w.msgs[part : 2*part])
	refreshed := sock.connections() - before

	before = sock.connections()
	if err := sock.drop(); err != nil {
		return "", err
	}
	sendAll(w.msgs[2*part : 3*part])
	dropped := sock.connections() - before

	// A silent link: /readyz must turn 503 and serve must open a new one.
	before = sock.connections()
	silenced := time.Now()
	if err := sock.silence(); err != nil {
		return "", err
	}
	var notReadyAfter, replacedAfter time.Duration
	for time.Since(silenced) < 40*time.Second && ctx.Err() == nil {
		if notReadyAfter == 0 && readyStatus(ctx, e) == http.StatusServiceUnavailable {
			notReadyAfter = time.Since(silenced)
		}
		if sock.connections() > before {
			replacedAfter = time.Since(silenced)
			break
		}
		time.Sleep(100 * time.Millisecond) // polling, not timing
	}
	sendAll(w.msgs[3*part : 4*part])

	// SIGKILL while the rest is being sent; what it cuts off is sent again
	// once serve is back.
	rest := w.msgs[4*part:]
	killedAt := make(chan int, 1)
	go func() {
		for ctx.Err() == nil {
			acked := 0
			for _, m := range rest {
				m.mu.Lock()
				if m.acked {
					acked++
				}
				m.mu.Unlock()
			}
			if acked >= len(rest)/3 {
				e.srv.kill()
				killedAt <- acked
				return
			}
			time.Sleep(2 * time.Millisecond)
		}
		killedAt <- -1
	}()
	conc := w.conc
	w.conc = 2
	done := make(chan struct{})
	go func() {
		sendAll(rest)
		close(done)
	}()
	ackedAtKill := <-killedAt
	restart := time.Now()
	if err := e.srv.start(ctx); err != nil {
		return "", fmt.Errorf("restarting serve: %w", err)
	}
	ready := time.Since(restart)
	<-done
	w.conc = conc

	took, derr := drained(ctx, e, restart, restart.Add(75*time.Second))
	res := w.check(ctx, e)
	summary = fmt.Sprintf("new connections after Slack's refresh %d, after a dropped connection %d; silent link: /readyz 503 after %s, replaced after %s; "+
		"killed with %d of the last %d acknowledged, ready %s after restart, all processed and sent %s after restart; %d deliveries sent again; %s",
		refreshed, dropped, notReadyAfter.Round(100*time.Millisecond), replacedAfter.Round(100*time.Millisecond),
		ackedAtKill, len(rest), ready.Round(100*time.Millisecond), took.Round(100*time.Millisecond), resent.Load(), res)
	switch {
	case refreshed < 1 || dropped < 1:
		return summary, failf("serve did not reconnect after Slack's refresh or a dropped connection")
	case notReadyAfter == 0:
		return summary, failf("/readyz never said 503 while the link was silent")
	case replacedAfter == 0 || replacedAfter > 20*time.Second:
		return summary, failf("the silent link was not replaced within 20 s")
	case ackedAtKill < 0:
		return summary, failf("the kill did not happen")
	case derr != nil:
		return summary, failf("%v", derr)
	case res.acked != len(w.msgs):
		return summary, failf("only %d of %d deliveries acknowledged", res.acked, len(w.msgs))
	case !res.ok():
		return summary, failf("%v", res.problems)
	}
	return summary, nil
}
