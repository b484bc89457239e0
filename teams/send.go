package teams

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"whatmatters/delivery"
	"whatmatters/flows"
	"whatmatters/inbox"
)

// Sending what the outbox holds for Teams: one Send at a time, in order,
// each removed once the connector has it, paced per conversation (Teams'
// limits, shared through the database) and held back per tenant after a
// 429 or while the connector fails.

// connectorScope is the scope a tenant's connector failures and 429s hold
// back (delivery.Pacer), apart from each conversation's pace.
const connectorScope = "teams:connector"

// Send sends the first of pending and removes it from the outbox.
func (a *Adapter) Send(ctx context.Context, pending []inbox.OutboxMessage) (int, error) {
	m := pending[0]
	var s Send
	if err := json.Unmarshal(m.Payload, &s); err != nil || s.Activity == nil {
		a.log.ErrorContext(ctx, "teams: dropping an outbox message that cannot be read", "delivery", m.DeliveryID, "outbox", m.ID)
		return 1, a.sent(ctx, m)
	}
	if err := a.locate(ctx, &s); err != nil {
		if errors.Is(err, flows.ErrNotFound) {
			a.log.ErrorContext(ctx, "teams: dropping a message for a conversation the bot has never been told of", "delivery", m.DeliveryID, "kind", s.Kind.String())
			return 1, a.sent(ctx, m)
		}
		return 0, err
	}
	pacer := a.delivery.Pacer()
	gate, err := pacer.Held(ctx, s.TenantID, connectorScope)
	if err != nil {
		return 0, err
	}
	if s.Kind != SendPersonal || s.Conversation != "" {
		slot := SlotFor(ConversationWindows)
		if err := pacer.Paced(ctx, "", "teams:"+RootConversationID(s.Conversation), slot.Interval, slot.Burst); err != nil {
			return 0, err
		}
	}
	id, err := a.deliver(ctx, m, &s)
	if err != nil {
		return 0, a.failed(ctx, m, s, gate, err)
	}
	pacer.Answered(ctx, s.TenantID, connectorScope, gate)
	return 1, a.delivered(ctx, m, s, id)
}

// locate fills in where a send goes when the step did not know (a
// scheduled step's, or one for a conversation first seen since): the
// conversation's service URL and tenant from its record.
func (a *Adapter) locate(ctx context.Context, s *Send) error {
	if s.ServiceURL != "" && s.TenantID != "" {
		return nil
	}
	var c inbox.Conversation
	var err error
	switch {
	case s.Conversation != "":
		c, err = a.convs.Conversation(ctx, Platform, s.Conversation)
	case s.Kind == SendPersonal && s.TenantID != "":
		c, err = a.convs.PersonalConversation(ctx, Platform, s.TenantID, s.User)
	default:
		return fmt.Errorf("teams: a send with nowhere to go: %w", flows.ErrNotFound)
	}
	if err != nil {
		return err
	}
	s.ServiceURL, s.TenantID = c.ServiceURL, c.TenantID
	if s.Kind == SendPersonal && s.Conversation == "" {
		s.Conversation, s.TeamsUserID, s.OpenChat = c.ID, c.TeamsUserID, false
	}
	return nil
}

// deliver makes the connector call, after looking for an earlier attempt
// whose outcome was not known; it returns the message's id.
func (a *Adapter) deliver(ctx context.Context, m inbox.OutboxMessage, s *Send) (string, error) {
	if s.Kind == SendUpdate {
		// A channel's message lives in its reply chain: a root post's
		// chain is its own.
		chain := s.Thread
		if chain == "" {
			chain = s.MessageID
		}
		conv := s.Conversation
		if strings.HasSuffix(conv, "@thread.tacv2") || strings.HasSuffix(conv, "@thread.skype") {
			conv = ThreadConversationID(conv, chain)
		}
		return s.MessageID, a.connector.Update(ctx, s.ServiceURL, conv, s.MessageID, s.Activity)
	}
	if s.Kind == SendPersonal && s.Conversation == "" {
		if err := a.openChat(ctx, s); err != nil {
			return "", err
		}
	}
	if m.Attempts > 0 && s.OnUncertain == LookFirst {
		if id, ok := a.lookForEarlier(ctx, m, *s); ok {
			return id, nil
		}
	}
	if err := a.delivery.Store().MarkOutboxAttempt(ctx, m.ID); err != nil {
		return "", fmt.Errorf("teams: recording an attempt to send: %w", err)
	}
	switch s.Kind {
	case SendReply:
		return a.connector.ReplyInThread(ctx, s.ServiceURL, s.Conversation, s.Thread, s.Activity)
	default:
		return a.connector.Send(ctx, s.ServiceURL, s.Conversation, s.Activity)
	}
}

// openChat opens the person's 1:1 chat with the bot and remembers it,
// unless one is remembered already (opened for an earlier notice, or where
// they wrote to the bot).
func (a *Adapter) openChat(ctx context.Context, s *Send) error {
	if s.User != "" {
		c, err := a.convs.PersonalConversation(ctx, Platform, s.TenantID, s.User)
		if err == nil {
			s.Conversation = c.ID
			return nil
		}
		if !errors.Is(err, flows.ErrNotFound) {
			return err
		}
	}
	if s.TeamsUserID == "" {
		return fmt.Errorf("teams: no Teams id known for a person to open a chat with: %w", flows.ErrNotFound)
	}
	res, err := a.connector.CreatePersonalConversation(ctx, s.ServiceURL, "28:"+a.appID, s.TeamsUserID, s.TenantID)
	if err != nil {
		return err
	}
	s.Conversation = res.ID
	c := inbox.Conversation{Platform: Platform, ID: res.ID, ServiceURL: s.ServiceURL, TenantID: s.TenantID, TeamID: s.TenantID,
		Type: ConversationPersonal, UserID: s.User, TeamsUserID: s.TeamsUserID, UpdatedAt: a.now()}
	if res.ServiceURL != "" && a.trusted.Allowed(res.ServiceURL) {
		c.ServiceURL = res.ServiceURL
	}
	if err := a.convs.RememberConversation(ctx, c); err != nil {
		a.log.WarnContext(ctx, "teams: a 1:1 chat was opened but not remembered", "err", err)
	}
	return nil
}

// lookForEarlier looks, through Graph, for a post whose earlier attempt
// may have reached Teams; ok when found. Without Graph, or without the
// permission to read the channel, it is posted again: a repeated message
// rather than a lost question.
func (a *Adapter) lookForEarlier(ctx context.Context, m inbox.OutboxMessage, s Send) (string, bool) {
	if a.graph == nil {
		return "", false
	}
	c, err := a.convs.Conversation(ctx, Platform, s.Conversation)
	if err != nil || c.GroupID == "" {
		return "", false
	}
	to := SentTo{TeamGroupID: c.GroupID, Channel: s.Conversation}
	if s.Kind == SendReply {
		to.Root = s.Thread
	}
	id, err := a.graph.FindEarlier(ctx, to, s.Marker)
	if err != nil {
		a.log.WarnContext(ctx, "teams: could not look for an earlier attempt; posting again", "delivery", m.DeliveryID, "err", err)
		return "", false
	}
	return id, id != ""
}

// failed decides what a failed send means: wait (a 429 holds the tenant's
// sends), back off (the connector's 5xx, a network failure), or drop (the
// connector refused the send itself).
func (a *Adapter) failed(ctx context.Context, m inbox.OutboxMessage, s Send, gate delivery.Gate, err error) error {
	pacer := a.delivery.Pacer()
	var se *SendError
	if errors.As(err, &se) && se.Retry {
		if ctx.Err() != nil {
			return fmt.Errorf("teams: %s for delivery %s: %w", s.Kind, m.DeliveryID, err)
		}
		if se.Status == 429 {
			wait := max(se.RetryAfter, time.Second)
			if herr := pacer.Hold(ctx, s.TenantID, connectorScope, a.now().Add(wait)); herr != nil {
				a.log.WarnContext(ctx, "teams: could not record a 429 for other jobs", "err", herr)
			}
			return &delivery.RetryLater{Wait: wait, Err: err}
		}
		wait := max(pacer.BackOff(ctx, s.TenantID, connectorScope, gate), se.RetryAfter)
		a.log.WarnContext(ctx, "teams: a send failed; backing off", "kind", s.Kind.String(), "delivery", m.DeliveryID,
			"status", se.Status, "wait", wait)
		return &delivery.RetryLater{Wait: wait, Err: err}
	}
	if se == nil && !errors.Is(err, ErrUntrustedServiceURL) && !errors.Is(err, flows.ErrNotFound) {
		// Not the connector's answer: the outbox or the clock; try again.
		return err
	}
	a.log.ErrorContext(ctx, "teams: the connector refused a send; dropping it", "kind", s.Kind.String(), "delivery", m.DeliveryID, "err", err)
	return a.sent(ctx, m)
}

// delivered does what follows a send the connector took: a reflection's
// or session's root post anchors its reply chain and owes what follows in
// it; a digest's post is marked posted.
func (a *Adapter) delivered(ctx context.Context, m inbox.OutboxMessage, s Send, id string) error {
	if s.Kind == SendPost && (s.Anchor != 0 || s.Session != 0) && id != "" {
		return a.anchor(ctx, m, s, id)
	}
	if s.Digest != 0 && id != "" {
		if err := a.engineOn(a.delivery.Store()).DigestPosted(ctx, s.Digest, s.Conversation, id); err != nil {
			a.log.WarnContext(ctx, "teams: digest posted but not marked", "digest", s.Digest, "err", err)
		}
	}
	return a.sent(ctx, m)
}

// anchor records the reply chain a root post started and owes its first
// question in it, in the transaction that removes the root from the
// outbox, then sends what the chain owes under the chain's own key.
func (a *Adapter) anchor(ctx context.Context, m inbox.OutboxMessage, s Send, id string) error {
	c, err := a.convs.Conversation(ctx, Platform, s.Conversation)
	if err != nil {
		return fmt.Errorf("teams: the conversation of a root post: %w", err)
	}
	thread := ThreadKey(c.TeamID, s.Conversation, id)
	o := Origin{TeamID: c.TeamID, TenantID: s.TenantID, ServiceURL: s.ServiceURL, Channel: s.Conversation,
		ConversationType: ConversationChannel, ChannelType: c.ChannelType, Thread: id,
		Delivery: fmt.Sprintf("%s:%d", m.DeliveryID, m.ID)}
	err = a.delivery.InTx(ctx, func(tx delivery.Store) error {
		var replies []flows.Reply
		var err error
		if s.Session != 0 {
			replies, err = a.engineOn(tx).SessionAnchored(ctx, s.Session, id)
		} else {
			replies, err = a.engineOn(tx).Anchored(ctx, s.Anchor, id)
		}
		if err != nil {
			return fmt.Errorf("anchoring reflection %d or session %d: %w", s.Anchor, s.Session, err)
		}
		owed, err := a.owe(ctx, a.convsIn(tx), replies, o)
		if err != nil {
			return err
		}
		msgs := make([]inbox.OutboxMessage, len(owed))
		for i, p := range owed {
			msgs[i] = inbox.OutboxMessage{DeliveryID: m.DeliveryID, Key: thread, Payload: p, CreatedAt: a.now()}
		}
		if err := tx.AddOutbox(ctx, msgs); err != nil {
			return err
		}
		return tx.DeleteOutbox(ctx, m.ID)
	})
	if errors.Is(err, flows.ErrNotFound) {
		a.log.WarnContext(ctx, "teams: the reflection of a root post is gone", "delivery", m.DeliveryID)
		return a.sent(ctx, m)
	}
	if err != nil {
		return err
	}
	return a.delivery.FlushKey(ctx, thread)
}

// sent removes a message from the outbox: sent, or never sendable.
func (a *Adapter) sent(ctx context.Context, m inbox.OutboxMessage) error {
	if err := a.delivery.Store().DeleteOutbox(ctx, m.ID); err != nil && !errors.Is(err, flows.ErrNotFound) {
		return fmt.Errorf("teams: removing a sent message from the outbox: %w", err)
	}
	return nil
}
