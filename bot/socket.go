package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
	"github.com/slack-go/slack"
)

// RunSocket takes Slack's requests over Socket Mode until ctx ends: it
// opens a connection with the app-level token (apps.connections.open at
// the configured API URL), reconnects when Slack asks or the link goes
// quiet, and hands each envelope to the same path as HTTP mode: the
// delivery is recorded, and only then is the envelope acknowledged. An
// envelope that cannot be recorded is not acknowledged, so Slack sends it
// again. Envelopes are recorded one at a time, in the order they arrive.
//
// The link is the bot's own, on gorilla/websocket (as slack-go's is), for
// two things slack-go's socketmode client does not do: it pings Slack, so
// a link that carries nothing (no envelope, ping or pong) for socketDead
// is replaced, where slack-go waits 30 s for a ping from Slack; and every
// payload reaches the bot's own decoder, where slack-go parsed it strictly
// first and dropped what it could not read.
//
// /readyz (Connected) turns false once nothing has been heard for two pings
// (10 s), and true again if Slack is heard from before the link is
// replaced.
//
// A connection that came up and then ended (Slack's refresh, a dead link)
// is replaced at once; attempts that fail in a row wait 250 ms, then twice
// as long each time, at most socketBackoff (Slack's Retry-After included).
//
// It returns nil when ctx ends, and an error if Slack refuses the app-level
// token.
func (s *Slack) RunSocket(ctx context.Context) error {
	return s.runSocket(ctx, wallClock{})
}

// runSocket is RunSocket with the link's pings, readiness and replacement
// timed by clock (tests drive a fake one).
func (s *Slack) runSocket(ctx context.Context, clock linkClock) error {
	api := newWebAPI(s.botToken, s.appToken, s.apiURL, s.httpClient)
	failures := 0
	for {
		up, err := s.runLink(ctx, api, clock)
		if ctx.Err() != nil {
			return nil
		}
		var refused tokenRefused
		if errors.As(err, &refused) {
			s.log.ErrorContext(ctx, "slack: Socket Mode refused the app-level token (SLACK_APP_TOKEN)", "error", ident(string(refused)))
			return fmt.Errorf("socket mode: SLACK_APP_TOKEN refused by Slack: %s", ident(string(refused)))
		}
		if up {
			failures = 0
		} else {
			failures++
		}
		wait := s.linkWait(failures, err)
		if wait > 0 {
			s.log.WarnContext(ctx, "slack: Socket Mode connection failed", "attempt", failures, "retry_in", wait, "err", err)
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
				return nil
			case <-t.C:
			}
		} else {
			s.log.InfoContext(ctx, "slack: reconnecting over Socket Mode", "because", err)
		}
	}
}

// linkWait is how long to wait before the next attempt to connect, after
// failures attempts in a row that never came up (none: the link was up).
func (s *Slack) linkWait(failures int, err error) time.Duration {
	if failures == 0 {
		return 0
	}
	wait := 250 * time.Millisecond << min(failures-1, 16)
	var limited *slack.RateLimitedError
	if errors.As(err, &limited) {
		wait = max(wait, limited.RetryAfter)
	}
	return min(wait, s.socketBackoff)
}

// linkClock times a Socket Mode link: when it pings, when it reads as not
// ready and when it is replaced. wallClock is the real one; tests drive a
// fake one, so that they need not wait out the pings. Deadlines on the
// connection's reads and writes are always the wall clock's.
type linkClock interface {
	// Now is read whenever anything is heard from Slack.
	Now() time.Time
	// NewTicker ticks every d, as time.NewTicker does; stop stops it.
	NewTicker(d time.Duration) (ticks <-chan time.Time, stop func())
}

// wallClock is the real time.
type wallClock struct{}

func (wallClock) Now() time.Time { return time.Now() }

func (wallClock) NewTicker(d time.Duration) (<-chan time.Time, func()) {
	t := time.NewTicker(d)
	return t.C, t.Stop
}

// tokenRefused is Slack's refusal of the app-level token, which no retry
// mends.
type tokenRefused string

func (t tokenRefused) Error() string { return "app-level token refused: " + string(t) }

var (
	errLinkRefresh = errors.New("Slack asked for a new connection")
	errLinkSilent  = errors.New("nothing heard from Slack")
)

// socketEnvelope is one message of a Socket Mode link.
type socketEnvelope struct {
	Type       string          `json:"type"`
	EnvelopeID string          `json:"envelope_id"`
	Payload    json.RawMessage `json:"payload"`
	Reason     string          `json:"reason"`
}

// socketLink writes to one Socket Mode connection.
type socketLink struct {
	conn *websocket.Conn
	mu   sync.Mutex // one writer of messages at a time
}

// maxAckBytes is the largest acknowledgement Slack accepts over Socket
// Mode; it drops larger ones without a word.
const maxAckBytes = 20 << 10

// AckCtx acknowledges an envelope, with payload as the response when it is
// not nil.
func (l *socketLink) AckCtx(ctx context.Context, envelopeID string, payload any) error {
	b, err := json.Marshal(struct {
		EnvelopeID string `json:"envelope_id"`
		Payload    any    `json:"payload,omitempty"`
	}{envelopeID, payload})
	if err != nil {
		return err
	}
	if len(b) >= maxAckBytes {
		return fmt.Errorf("acknowledgement of %d bytes, over Slack's %d", len(b), maxAckBytes)
	}
	deadline := time.Now().Add(5 * time.Second)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	_ = l.conn.SetWriteDeadline(deadline)
	return l.conn.WriteMessage(websocket.TextMessage, b)
}

// runLink opens one Socket Mode connection and takes its envelopes until
// ctx ends (nil), Slack asks for a new one, the link goes quiet, or it
// fails. up reports whether Slack said hello on it.
func (s *Slack) runLink(ctx context.Context, api *webAPI, clock linkClock) (up bool, err error) {
	conn, err := s.dialLink(ctx, api)
	if err != nil {
		return false, err
	}
	defer conn.Close()
	defer s.setConnected(false)
	w := &linkWatch{s: s, conn: conn, link: &socketLink{conn: conn}}
	w.listen(clock)

	// The reader keeps reading (and so answering Slack's pings) while an
	// envelope is being recorded.
	msgs := make(chan []byte, 64)
	readErr := make(chan error, 1)
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		for {
			_, msg, err := conn.ReadMessage()
			if err != nil {
				readErr <- err
				return
			}
			w.hear(clock)
			select {
			case msgs <- msg:
			case <-stop:
				return
			}
		}
	}()
	// Every socketDead/15 (1 s by default) the link is looked at (tick).
	ticks, stopTicks := clock.NewTicker(max(s.socketDead/15, time.Millisecond))
	defer stopTicks()
	for {
		select {
		case <-ctx.Done():
			_ = conn.WriteControl(websocket.CloseMessage,
				websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(time.Second))
			return w.up, nil
		case err := <-readErr:
			return w.up, fmt.Errorf("reading: %w", err)
		case now := <-ticks:
			if err := w.tick(ctx, now); err != nil {
				return w.up, err
			}
		case msg := <-msgs:
			if err := w.message(ctx, msg); err != nil {
				return w.up, err
			}
		}
	}
}

// dialLink asks Slack for a Socket Mode URL and opens the websocket.
func (s *Slack) dialLink(ctx context.Context, api *webAPI) (*websocket.Conn, error) {
	s.log.InfoContext(ctx, "slack: connecting over Socket Mode")
	_, url, err := api.StartSocketModeContext(ctx)
	if err != nil {
		var se slack.SlackErrorResponse
		if errors.As(err, &se) && refusedToken(se.Err) {
			return nil, tokenRefused(se.Err)
		}
		return nil, fmt.Errorf("apps.connections.open: %w", err)
	}
	dialer := websocket.Dialer{HandshakeTimeout: 10 * time.Second, Proxy: http.ProxyFromEnvironment}
	conn, _, err := dialer.DialContext(ctx, url, nil)
	if err != nil {
		return nil, fmt.Errorf("opening the websocket: %w", err)
	}
	// An envelope's payload may be as large as an HTTP delivery's body.
	conn.SetReadLimit(2*MaxBodyBytes + 64<<10)
	return conn, nil
}

// linkWatch is one Socket Mode connection's state: when anything was last
// heard from Slack, when it was last pinged, and whether Slack said hello.
type linkWatch struct {
	s      *Slack
	conn   *websocket.Conn
	link   *socketLink
	heard  atomic.Int64 // Unix ns
	pinged time.Time
	up     bool
}

func (w *linkWatch) hear(clock linkClock) { w.heard.Store(clock.Now().UnixNano()) }

// listen counts Slack's pings and pongs as hearing from it, and answers
// its pings.
func (w *linkWatch) listen(clock linkClock) {
	w.hear(clock)
	w.conn.SetPingHandler(func(data string) error {
		w.hear(clock)
		err := w.conn.WriteControl(websocket.PongMessage, []byte(data), time.Now().Add(time.Second))
		if errors.Is(err, websocket.ErrCloseSent) {
			return nil
		}
		return err
	})
	w.conn.SetPongHandler(func(string) error { w.hear(clock); return nil })
}

// tick looks at the link: it pings when socketPing has passed since the
// last ping; the bot is not ready once nothing has been heard for two
// pings (Slack answers a ping at once); the link is replaced once nothing
// has been heard for socketDead.
func (w *linkWatch) tick(ctx context.Context, now time.Time) error {
	s := w.s
	quiet := now.Sub(time.Unix(0, w.heard.Load()))
	switch {
	case quiet > s.socketDead:
		s.setConnected(false)
		s.log.WarnContext(ctx, "slack: nothing heard over Socket Mode; replacing the connection", "quiet_for", quiet.Round(time.Millisecond))
		return errLinkSilent
	case quiet > 2*s.socketPing:
		if s.connected.Load() {
			s.setConnected(false)
			s.log.WarnContext(ctx, "slack: nothing heard over Socket Mode; not ready until Slack answers", "quiet_for", quiet.Round(time.Millisecond))
		}
	case w.up && !s.connected.Load():
		s.setConnected(true)
		s.log.InfoContext(ctx, "slack: Socket Mode heard from again")
	}
	if now.Sub(w.pinged) >= s.socketPing {
		w.pinged = now
		if err := w.conn.WriteControl(websocket.PingMessage, nil, time.Now().Add(s.socketPing)); err != nil {
			return fmt.Errorf("pinging: %w", err)
		}
	}
	return nil
}

// message takes one message from Slack: hello, a request for a new
// connection (errLinkRefresh), or an envelope to record and acknowledge.
func (w *linkWatch) message(ctx context.Context, msg []byte) error {
	s := w.s
	var env socketEnvelope
	if err := json.Unmarshal(msg, &env); err != nil {
		s.metrics.rejected.WithLabelValues("malformed").Inc()
		s.log.WarnContext(ctx, "slack: unreadable Socket Mode message dropped")
		return nil
	}
	switch env.Type {
	case "hello":
		if !s.connected.Load() {
			s.log.InfoContext(ctx, "slack: connected over Socket Mode")
		}
		w.up = true
		s.setConnected(true)
		return nil
	case "disconnect":
		s.setConnected(false)
		s.log.InfoContext(ctx, "slack: Slack asked for a new Socket Mode connection", "reason", ident(env.Reason))
		return errLinkRefresh
	}
	if env.EnvelopeID != "" {
		s.onEnvelope(ctx, w.link, env)
	}
	return nil
}

// refusedToken reports whether apps.connections.open's error means the
// app-level token will never do.
func refusedToken(code string) bool {
	switch code {
	case "invalid_auth", "not_authed", "account_inactive", "token_revoked", "token_expired",
		"not_allowed_token_type", "missing_scope":
		return true
	}
	return false
}

func (s *Slack) setConnected(up bool) {
	s.connected.Store(up)
	if up {
		s.metrics.connected.Set(1)
	} else {
		s.metrics.connected.Set(0)
	}
}

// onEnvelope records one envelope's delivery and then acknowledges it.
func (s *Slack) onEnvelope(ctx context.Context, client *socketLink, env socketEnvelope) {
	start := time.Now()
	rc, err := s.routeSocket(ctx, env)
	if err != nil {
		var rej rejection
		if errors.As(err, &rej) {
			s.metrics.rejected.WithLabelValues(reasonLabel(rej.status)).Inc()
			s.log.WarnContext(ctx, "slack: envelope refused", "type", ident(env.Type), "reason", rej.reason)
		} else {
			s.log.ErrorContext(ctx, "slack: envelope not understood", "type", ident(env.Type), "err", err)
		}
		// Acknowledged anyway: sending it again would not help.
		_ = client.AckCtx(ctx, env.EnvelopeID, nil)
		return
	}
	if err := s.settle(ctx, rc); err != nil {
		var rej rejection
		if errors.As(err, &rej) {
			// It can never be recorded: acknowledged, so Slack stops sending it.
			s.metrics.rejected.WithLabelValues(reasonLabel(rej.status)).Inc()
			s.log.WarnContext(ctx, "slack: envelope refused", "type", ident(env.Type), "reason", rej.reason)
			_ = client.AckCtx(ctx, env.EnvelopeID, nil)
			return
		}
		s.log.ErrorContext(ctx, "slack: could not record a delivery; not acknowledged, Slack will send it again",
			"kind", rc.kind, "err", err)
		return
	}
	if err := client.AckCtx(ctx, env.EnvelopeID, rc.body); err != nil {
		s.log.WarnContext(ctx, "slack: could not acknowledge an envelope", "kind", rc.kind, "err", err)
		return
	}
	s.metrics.ackTime.WithLabelValues("socket").Observe(time.Since(start).Seconds())
}

// routeSocket decides what to do with one Socket Mode envelope. Every
// payload is read by the bot's own decoders, as in HTTP mode.
func (s *Slack) routeSocket(ctx context.Context, env socketEnvelope) (receipt, error) {
	if len(env.Payload) > MaxBodyBytes {
		return receipt{}, rejection{status: http.StatusRequestEntityTooLarge, reason: "envelope payload too large"}
	}
	switch env.Type {
	case "events_api":
		var ev envelope
		if err := json.Unmarshal(env.Payload, &ev); err != nil {
			return receipt{}, malformed("malformed events_api payload")
		}
		if ev.Type != "event_callback" {
			return receipt{kind: kindEvent, ignored: "events_api of type " + ident(ev.Type)}, nil
		}
		return s.routeEvent(ev)
	case "slash_commands":
		var c slack.SlashCommand
		if err := json.Unmarshal(env.Payload, &c); err != nil {
			return receipt{}, malformed("malformed slash_commands payload")
		}
		return s.routeCommand(ctx, commandFromSlack(c))
	case "interactive":
		var cb slack.InteractionCallback
		if err := json.Unmarshal(env.Payload, &cb); err != nil {
			return receipt{}, malformed("malformed interactive payload")
		}
		return s.routeInteraction(ctx, cb)
	}
	return receipt{kind: ident(env.Type), ignored: "envelope type " + ident(env.Type)}, nil
}
