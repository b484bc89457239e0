package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
)

// RunSocket takes Slack's requests over Socket Mode until ctx ends: it
// opens the connection with the app-level token (apps.connections.open at
// the configured API URL), reconnects when Slack asks, and hands each
// envelope to the same path as HTTP mode: the delivery is recorded and its
// job enqueued, and only then is the envelope acknowledged. An envelope
// that cannot be recorded is not acknowledged, so Slack sends it again.
// Envelopes are recorded one at a time, in the order they arrive.
//
// slack-go waits longer and longer between attempts to reconnect (51 s by
// the tenth, or a rate limit's whole Retry-After): when it would wait more
// than the adapter's socketBackoff, the client is replaced by a new one,
// which tries again at once after that wait.
//
// It returns nil when ctx ends, and an error if the connection cannot be
// opened at all (a refused token).
func (s *Slack) RunSocket(ctx context.Context) error {
	for {
		restart, err := s.runSocketClient(ctx)
		if !restart {
			return err
		}
		t := time.NewTimer(s.socketBackoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
	}
}

// runSocketClient runs one Socket Mode client until ctx ends (false, nil),
// it fails for good (false, err), or its next reconnection would wait
// longer than socketBackoff (true, nil).
func (s *Slack) runSocketClient(ctx context.Context) (restart bool, err error) {
	api := newWebAPI(s.botToken, s.appToken, s.apiURL, s.httpClient)
	client := socketmode.New(api.Client, socketmode.OptionLog(log.New(io.Discard, "", 0)))
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- client.RunContext(cctx) }()
	defer s.setConnected(false)
	stop := func() {
		cancel()
		for {
			// Events sent while the client stops are not acknowledged;
			// Slack sends them again.
			select {
			case <-done:
				return
			case <-client.Events:
			}
		}
	}
	for {
		select {
		case <-ctx.Done():
			stop()
			return false, nil
		case err := <-done:
			if ctx.Err() != nil {
				return false, nil
			}
			return false, fmt.Errorf("socket mode: %w", err)
		case evt := <-client.Events:
			s.onSocketEvent(ctx, client, evt)
			if ce, ok := evt.Data.(*slack.ConnectionErrorEvent); ok && evt.Type == socketmode.EventTypeConnectionError && ce.Backoff > s.socketBackoff {
				s.log.InfoContext(ctx, "slack: reconnecting over Socket Mode sooner than the client would", "in", s.socketBackoff)
				stop()
				return true, nil
			}
		}
	}
}

func (s *Slack) setConnected(up bool) {
	s.connected.Store(up)
	if up {
		s.metrics.connected.Set(1)
	} else {
		s.metrics.connected.Set(0)
	}
}

// acker is the part of the Socket Mode client that acknowledges envelopes.
type acker interface {
	AckCtx(ctx context.Context, envelopeID string, payload any) error
}

// onSocketEvent handles one event of the Socket Mode client.
func (s *Slack) onSocketEvent(ctx context.Context, client acker, evt socketmode.Event) {
	switch evt.Type {
	case socketmode.EventTypeConnecting:
		s.setConnected(false)
		s.log.InfoContext(ctx, "slack: connecting over Socket Mode")
		return
	case socketmode.EventTypeConnectionError, socketmode.EventTypeInvalidAuth:
		s.setConnected(false)
		if ce, ok := evt.Data.(*slack.ConnectionErrorEvent); ok {
			s.log.WarnContext(ctx, "slack: Socket Mode connection failed", "attempt", ce.Attempt, "retry_in", ce.Backoff, "err", ce.ErrorObj)
		} else {
			s.log.ErrorContext(ctx, "slack: Socket Mode refused the app-level token (SLACK_APP_TOKEN)")
		}
		return
	case socketmode.EventTypeConnected, socketmode.EventTypeHello:
		if !s.connected.Load() {
			s.log.InfoContext(ctx, "slack: connected over Socket Mode")
		}
		s.setConnected(true)
		return
	case socketmode.EventTypeIncomingError, socketmode.EventTypeErrorWriteFailed:
		s.log.WarnContext(ctx, "slack: Socket Mode read or write failed", "event", evt.Type)
		return
	case socketmode.EventTypeErrorBadMessage:
		// slack-go's strict parse failed. An Events API envelope goes on to
		// the bot's own, more lenient reading of the raw payload (the same
		// as HTTP mode's), and is acknowledged only if it is recorded: a
		// change in Slack's shapes must not lose an answer. Anything else
		// that cannot be read is acknowledged, so that Slack does not send
		// it again and again.
		bad, ok := evt.Data.(*socketmode.ErrorBadMessage)
		if !ok {
			return
		}
		var req socketmode.Request
		if json.Unmarshal(bad.Message, &req) != nil || req.EnvelopeID == "" {
			return
		}
		if req.Type == socketmode.RequestTypeEventsAPI {
			s.log.InfoContext(ctx, "slack: envelope slack-go could not parse; reading it the bot's own way", "type", ident(req.Type))
			evt = socketmode.Event{Type: socketmode.EventTypeEventsAPI, Request: &req}
			break
		}
		s.metrics.rejected.WithLabelValues("malformed").Inc()
		s.log.WarnContext(ctx, "slack: unreadable Socket Mode envelope acknowledged and dropped", "type", ident(req.Type))
		_ = client.AckCtx(ctx, req.EnvelopeID, nil)
		return
	}
	if evt.Request == nil || evt.Request.EnvelopeID == "" {
		return
	}
	start := time.Now()
	rc, err := s.routeSocket(ctx, evt)
	if err != nil {
		var rej rejection
		if errors.As(err, &rej) {
			s.metrics.rejected.WithLabelValues(reasonLabel(rej.status)).Inc()
			s.log.WarnContext(ctx, "slack: envelope refused", "type", ident(evt.Request.Type), "reason", rej.reason)
		} else {
			s.log.ErrorContext(ctx, "slack: envelope not understood", "type", ident(evt.Request.Type), "err", err)
		}
		// Acknowledged anyway: sending it again would not help.
		_ = client.AckCtx(ctx, evt.Request.EnvelopeID, nil)
		return
	}
	if err := s.settle(ctx, rc); err != nil {
		var rej rejection
		if errors.As(err, &rej) {
			// It can never be recorded: acknowledged, so Slack stops sending it.
			s.metrics.rejected.WithLabelValues(reasonLabel(rej.status)).Inc()
			s.log.WarnContext(ctx, "slack: envelope refused", "type", ident(evt.Request.Type), "reason", rej.reason)
			_ = client.AckCtx(ctx, evt.Request.EnvelopeID, nil)
			return
		}
		s.log.ErrorContext(ctx, "slack: could not record a delivery; not acknowledged, Slack will send it again",
			"kind", rc.kind, "err", err)
		return
	}
	if err := client.AckCtx(ctx, evt.Request.EnvelopeID, rc.body); err != nil {
		s.log.WarnContext(ctx, "slack: could not acknowledge an envelope", "kind", rc.kind, "err", err)
		return
	}
	s.metrics.ackTime.WithLabelValues("socket").Observe(time.Since(start).Seconds())
}

// routeSocket decides what to do with one Socket Mode envelope.
func (s *Slack) routeSocket(ctx context.Context, evt socketmode.Event) (receipt, error) {
	switch evt.Type {
	case socketmode.EventTypeEventsAPI:
		var env envelope
		if err := json.Unmarshal(evt.Request.Payload, &env); err != nil {
			return receipt{}, malformed("malformed events_api payload")
		}
		if env.Type != "event_callback" {
			return receipt{kind: kindEvent, ignored: "events_api of type " + ident(env.Type)}, nil
		}
		return s.routeEvent(env)
	case socketmode.EventTypeSlashCommand:
		c, ok := evt.Data.(slack.SlashCommand)
		if !ok {
			return receipt{}, malformed("slash_commands payload")
		}
		return s.routeCommand(ctx, commandFromSlack(c))
	case socketmode.EventTypeInteractive:
		cb, ok := evt.Data.(slack.InteractionCallback)
		if !ok {
			return receipt{}, malformed("interactive payload")
		}
		return s.routeInteraction(ctx, cb)
	}
	return receipt{kind: string(evt.Type), ignored: "envelope type " + string(evt.Type)}, nil
}
