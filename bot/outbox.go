package bot

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/slack-go/slack"

	"whatmatters/delivery"
	"whatmatters/flows"
	"whatmatters/inbox"
)

// call is one Web API call owed for a processed delivery, as kept in the
// outbox: rendered already, so that a retry sends exactly what was decided.
type call struct {
	Op      string          `json:"op"` // one of the op* constants
	Channel string          `json:"channel,omitempty"`
	Thread  string          `json:"thread,omitempty"`
	User    string          `json:"user,omitempty"`
	Text    string          `json:"text,omitempty"`
	Blocks  json.RawMessage `json:"blocks,omitempty"`
	// Anchor, on the first message of a reflection's root post, is the
	// reflection to anchor at the new message.
	Anchor  int64           `json:"anchor,omitempty"`
	Message string          `json:"message,omitempty"` // the message a reaction marks
	View    json.RawMessage `json:"view,omitempty"`    // a Home tab to publish
	// ResponseURL is the slash command's, kept to tell the person when the
	// bot cannot post in the channel.
	ResponseURL string `json:"response_url,omitempty"`
	File        *file  `json:"file,omitempty"` // a file to upload to a direct message or a channel
	// Digest, on a digest's post, is the digest's record, marked posted
	// once Slack accepts the post.
	Digest int64 `json:"digest,omitempty"`
	// Session, on a learning session's message, is the session to anchor
	// at the new message (its clock starts then).
	Session int64 `json:"session,omitempty"`
}

// file is an attachment to a direct message.
type file struct {
	Name string `json:"name"`
	Type string `json:"type,omitempty"`
	Data []byte `json:"data"`
}

// The Web API calls an outbox message can make.
const (
	opPost      = "post"      // chat.postMessage
	opEphemeral = "ephemeral" // chat.postEphemeral
	opReact     = "react"     // reactions.add
	opPublish   = "publish"   // views.publish
	opDirect    = "direct"    // conversations.open, then chat.postMessage
	opUpload    = "upload"    // conversations.open, then the file upload
	opShare     = "share"     // the file upload, to a channel (a digest's chart)
	opUpdate    = "update"    // chat.update of a message the bot posted
)

// opMethod is the Web API method an op is limited by.
var opMethod = map[string]string{
	opPost: "chat.postMessage", opEphemeral: "chat.postEphemeral", opReact: "reactions.add", opUpdate: "chat.update",
	opPublish: "views.publish", opDirect: "chat.postMessage", opUpload: "files.upload", opShare: "files.upload",
}

// ackReaction is the reaction that marks an answer as received.
const ackReaction = "white_check_mark"

// origin is where a delivery came from: replies that do not say where they
// go are sent there.
type origin struct {
	team, channel, thread, user, message string
	responseURL                          string
}

// calls renders replies as the Web API calls that deliver them, in order.
func calls(replies []flows.Reply, o origin) ([]call, error) {
	var out []call
	for _, r := range replies {
		channel := r.Channel
		if channel == "" {
			channel = o.channel
		}
		render := renderers[r.Kind]
		if render == nil {
			render = postCalls // a Post, and any kind an adapter does not know
		}
		cs, err := render(r, o, channel)
		if err != nil {
			return nil, err
		}
		out = append(out, cs...)
	}
	return out, nil
}

// A renderer turns one reply of its kind into calls; channel is where the
// reply goes (its own channel, else the delivery's). A reply with nowhere
// to go gives no calls.
type renderer func(r flows.Reply, o origin, channel string) ([]call, error)

// renderers renders each kind of reply; any other is posted (postCalls).
var renderers = map[flows.ReplyKind]renderer{
	flows.Ack:    ackCalls,
	flows.Notice: noticeCalls,
	flows.Update: updateCalls,
	flows.Direct: directCalls,
}

func ackCalls(r flows.Reply, o origin, channel string) ([]call, error) {
	msg := r.Message
	if msg == "" && r.User == o.user {
		msg = o.message
	}
	if msg == "" || channel == "" {
		return nil, nil
	}
	return []call{{Op: opReact, Channel: channel, Message: msg}}, nil
}

func noticeCalls(r flows.Reply, o origin, channel string) ([]call, error) {
	user := r.User
	if user == "" {
		user = o.user
	}
	thread := r.Thread
	if thread == "" && channel == o.channel {
		thread = o.thread // keep a notice beside the thread it is about
	}
	if user == "" || channel == "" {
		return nil, nil
	}
	var out []call
	for _, m := range Render(r) {
		c, err := messageCall(opEphemeral, channel, thread, m)
		if err != nil {
			return nil, err
		}
		c.User = user
		out = append(out, c)
	}
	return out, nil
}

func updateCalls(r flows.Reply, _ origin, channel string) ([]call, error) {
	if channel == "" || r.Message == "" {
		return nil, nil
	}
	ms := Render(r)
	if len(ms) == 0 {
		return nil, nil
	}
	// A message is replaced by one message: the first page.
	c, err := messageCall(opUpdate, channel, "", ms[0])
	if err != nil {
		return nil, err
	}
	c.Message = r.Message
	return []call{c}, nil
}

func directCalls(r flows.Reply, _ origin, _ string) ([]call, error) {
	if r.User == "" {
		return nil, nil
	}
	var out []call
	for _, m := range Render(r) {
		c, err := messageCall(opDirect, "", "", m)
		if err != nil {
			return nil, err
		}
		c.User = r.User
		out = append(out, c)
	}
	if a := r.Attachment; a != nil {
		out = append(out, call{Op: opUpload, User: r.User, File: &file{Name: a.Name, Type: a.Type, Data: a.Data}})
	}
	return out, nil
}

func postCalls(r flows.Reply, o origin, channel string) ([]call, error) {
	if channel == "" {
		return nil, nil
	}
	var out []call
	for i, m := range Render(r) {
		c, err := messageCall(opPost, channel, r.Thread, m)
		if err != nil {
			return nil, err
		}
		if i == 0 {
			c.Anchor = r.Anchor
			c.Digest = r.Digest
			c.Session = r.Session
		}
		c.ResponseURL = o.responseURL
		out = append(out, c)
	}
	if a := r.Attachment; a != nil {
		out = append(out, call{Op: opShare, Channel: channel, Thread: r.Thread, File: &file{Name: a.Name, Type: a.Type, Data: a.Data}})
	}
	return out, nil
}

func messageCall(op, channel, thread string, m Message) (call, error) {
	blocks, err := json.Marshal(m.Blocks)
	if err != nil {
		return call{}, fmt.Errorf("encoding blocks: %w", err)
	}
	return call{Op: op, Channel: channel, Thread: thread, Text: m.Text, Blocks: blocks}, nil
}

// outboxMessages wraps calls for the outbox, owed by d under its key.
func (s *Slack) outboxMessages(d inbox.Delivery, cs []call) ([]inbox.OutboxMessage, error) {
	payloads, err := encodeCalls(cs)
	if err != nil {
		return nil, err
	}
	msgs := make([]inbox.OutboxMessage, len(payloads))
	for i, p := range payloads {
		msgs[i] = inbox.OutboxMessage{DeliveryID: d.ID, Key: d.Key, Payload: p, CreatedAt: s.now()}
	}
	return msgs, nil
}

// Send sends outbox messages of one key from the start of pending,
// removing each once Slack has it: a run of reactions at once
// (sendReactions), else the first message alone. It stops at the first
// failure that may pass, returning it; a message Slack refuses outright is
// logged and dropped, since sending it again would never succeed and would
// hold up every later message of its key.
func (s *Slack) Send(ctx context.Context, pending []inbox.OutboxMessage) (int, error) {
	// Decoded here only to find a run of ticks; a message that cannot be
	// read is left to send, which drops it.
	cs := make([]call, 0, len(pending))
	for _, m := range pending {
		var c call
		if json.Unmarshal(m.Payload, &c) != nil || c.Op != opReact {
			break
		}
		cs = append(cs, c)
	}
	if n := len(cs); n > 1 {
		return s.sendReactions(ctx, pending[:n], cs)
	}
	return 1, s.send(ctx, pending[0])
}

// reactConcurrency bounds the reactions.add calls one key has in flight;
// reactBusyConcurrency, while acknowledgements wait to be recorded.
const (
	reactConcurrency     = 8
	reactBusyConcurrency = 2
)

// sendReactions adds a run of reactions (ms, decoded as cs) at once and
// removes them from the outbox together, returning how many it dealt
// with. Their order does not matter (each marks its own message), and
// adding one twice is harmless (already_reacted), so they need not go one
// at a time like posts; those added are removed in one statement.
// Failures are then judged one by one, in order, as send judges them.
// While Slack fails reactions.add, only the first goes, as the probe.
func (s *Slack) sendReactions(ctx context.Context, ms []inbox.OutboxMessage, cs []call) (int, error) {
	team, method := teamOf(ms[0].Key), opMethod[opReact]
	g, err := s.held(ctx, team, method)
	if err != nil {
		return 0, err
	}
	if g.Probe() {
		ms, cs = ms[:1], cs[:1]
	}
	errs := make([]error, len(ms))
	conc := reactConcurrency
	if s.delivery.Busy() {
		// Acknowledgements are waiting: fewer calls at once leave them
		// the CPU (the side-by-side benchmark, SQLite, 64 in flight: p99 23-30 ->
		// 19 ms; processing time unchanged).
		conc = reactBusyConcurrency
	}
	sem := make(chan struct{}, conc)
	var wg sync.WaitGroup
	for i, m := range ms {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			out, _ := sendReact(s, ctx, m, &cs[i])
			errs[i] = out.err
		}()
	}
	wg.Wait()
	var done []int64
	for i, err := range errs {
		if err == nil {
			s.metrics.posts.WithLabelValues(method, "ok").Inc()
			done = append(done, ms[i].ID)
		}
	}
	if len(done) > 0 {
		s.answered(ctx, team, method, g)
	}
	if err := s.store.DeleteOutboxes(ctx, done); err != nil {
		return 0, fmt.Errorf("removing sent reactions from the outbox: %w", err)
	}
	for i, err := range errs {
		if err == nil {
			continue
		}
		if err := s.failed(ctx, ms[i], cs[i], method, err, g); err != nil {
			return 0, err
		}
	}
	return len(ms), nil
}

// send makes one outbox message's call, then deletes the message.
func (s *Slack) send(ctx context.Context, m inbox.OutboxMessage) error {
	var c call
	if err := json.Unmarshal(m.Payload, &c); err != nil {
		return s.drop(ctx, m, &unreadable{what: "an outbox message", err: err})
	}
	team := teamOf(m.Key)
	g, err := s.held(ctx, team, opMethod[c.Op])
	if err != nil {
		return err
	}
	sender := senders[c.Op]
	if sender == nil {
		s.log.ErrorContext(ctx, "slack: dropping an outbox message of unknown kind",
			"delivery", m.DeliveryID, "outbox", m.ID, "op", c.Op)
		return s.sent(ctx, m)
	}
	out, err := sender(s, ctx, m, &c)
	var bad *unreadable
	if errors.As(err, &bad) {
		return s.drop(ctx, m, bad)
	}
	if err != nil {
		return err
	}
	if out.err != nil {
		return s.failed(ctx, m, c, out.method, out.err, g)
	}
	s.answered(ctx, team, opMethod[c.Op], g)
	s.metrics.posts.WithLabelValues(out.method, "ok").Inc()
	if c.Op == opPost && (c.Anchor != 0 || c.Session != 0) {
		return s.anchor(ctx, m, c, out.ts)
	}
	if c.Op == opPost && c.Digest != 0 {
		if err := s.engineOn(s.store).DigestPosted(ctx, c.Digest, c.Channel, out.ts); err != nil {
			// The post is out; only its record's mark is missing.
			s.log.WarnContext(ctx, "slack: digest posted but not marked", "digest", c.Digest, "err", err)
		}
	}
	return s.sent(ctx, m)
}

// sendResult is what a sender did: the Web API method it called last (for the
// metrics, and the rate limit a 429 holds back), a post's ts, and Slack's
// failure, if the call failed.
type sendResult struct {
	method string
	ts     string
	err    error
}

// A sender makes the call of one op. It may change c (a direct message
// learns its channel), and send sees the change. It returns an error only
// to stop before a call is made: a *retryLater when the channel's pace says
// wait, or an *unreadable when the message can never be sent; a call that
// failed is reported in the result, for send to judge.
type sender func(s *Slack, ctx context.Context, m inbox.OutboxMessage, c *call) (sendResult, error)

// senders makes each op's call.
var senders = map[string]sender{
	opPost:      sendPost,
	opEphemeral: sendEphemeral,
	opDirect:    sendDirect,
	opUpload:    sendDirect,
	opShare:     sendShare,
	opUpdate:    sendUpdate,
	opReact:     sendReact,
	opPublish:   sendPublish,
}

// unreadable is an outbox message that can never be sent, because what it
// holds cannot be decoded: it is logged and dropped.
type unreadable struct {
	what string // "an outbox message", "a Home tab"
	err  error
}

func (u *unreadable) Error() string { return u.what + " that cannot be read: " + u.err.Error() }
func (u *unreadable) Unwrap() error { return u.err }

// drop logs an unreadable message and removes it from the outbox.
func (s *Slack) drop(ctx context.Context, m inbox.OutboxMessage, bad *unreadable) error {
	s.log.ErrorContext(ctx, "slack: dropping "+bad.what+" that cannot be read",
		"delivery", m.DeliveryID, "outbox", m.ID, "err", bad.err)
	return s.sent(ctx, m)
}

// options are a message call's options, or an *unreadable error.
func options(c call) ([]slack.MsgOption, error) {
	opts, err := messageOptions(c)
	if err != nil {
		return nil, &unreadable{what: "an outbox message", err: err}
	}
	return opts, nil
}

func sendPost(s *Slack, ctx context.Context, m inbox.OutboxMessage, c *call) (sendResult, error) {
	marked, err := s.pacedPost(ctx, c.Channel, m.ID)
	if err != nil {
		return sendResult{}, err
	}
	opts, err := options(*c)
	if err != nil {
		return sendResult{}, err
	}
	ts, err := s.postOnce(ctx, m, c.Channel, c.Thread, opts, marked)
	return sendResult{method: "chat.postMessage", ts: ts, err: err}, nil
}

// sendEphemeral shows a notice to one person. It takes no place in the
// channel's pace: Slack's one post a second per channel is
// chat.postMessage's, and chat.postEphemeral has a workspace-wide limit of
// its own (a 429 to it holds the method back, as for any). A notice used
// to take one, so a few notices held up the question a person waited for
// (Next question pressed after them).
func sendEphemeral(s *Slack, ctx context.Context, _ inbox.OutboxMessage, c *call) (sendResult, error) {
	opts, err := options(*c)
	if err != nil {
		return sendResult{}, err
	}
	_, err = s.api.PostEphemeralContext(ctx, c.Channel, c.User, opts...)
	return sendResult{method: "chat.postEphemeral", err: err}, nil
}

// sendDirect opens the direct message, then posts to it or, for an
// upload, puts the file in it.
func sendDirect(s *Slack, ctx context.Context, m inbox.OutboxMessage, c *call) (sendResult, error) {
	ch, _, _, err := s.api.OpenConversationContext(ctx, &slack.OpenConversationParameters{Users: []string{c.User}, ReturnIM: true})
	if err != nil {
		return sendResult{method: "conversations.open", err: err}, nil
	}
	c.Channel = ch.ID
	marked := false
	if c.Op == opUpload {
		err = s.paced(ctx, c.Channel)
	} else {
		marked, err = s.pacedPost(ctx, c.Channel, m.ID)
	}
	if err != nil {
		return sendResult{}, err
	}
	if c.Op == opUpload {
		if c.File == nil {
			return sendResult{method: "files.upload"}, nil
		}
		_, err = s.api.UploadFileContext(ctx, slack.UploadFileParameters{
			Reader: bytes.NewReader(c.File.Data), FileSize: len(c.File.Data),
			Filename: c.File.Name, Title: c.File.Name, Channel: c.Channel,
		})
		return sendResult{method: "files.upload", err: err}, nil
	}
	opts, err := options(*c)
	if err != nil {
		return sendResult{}, err
	}
	_, err = s.postOnce(ctx, m, c.Channel, "", opts, marked)
	return sendResult{method: "chat.postMessage", err: err}, nil
}

func sendShare(s *Slack, ctx context.Context, _ inbox.OutboxMessage, c *call) (sendResult, error) {
	if c.File == nil {
		return sendResult{method: "files.upload"}, nil
	}
	if err := s.paced(ctx, c.Channel); err != nil {
		return sendResult{}, err
	}
	_, err := s.api.UploadFileContext(ctx, slack.UploadFileParameters{
		Reader: bytes.NewReader(c.File.Data), FileSize: len(c.File.Data),
		Filename: c.File.Name, Title: c.File.Name, Channel: c.Channel, ThreadTimestamp: c.Thread,
		AltTxt: "Trend chart: the share of answers read toward each of the four directions, week by week",
	})
	return sendResult{method: "files.upload", err: err}, nil
}

func sendUpdate(s *Slack, ctx context.Context, _ inbox.OutboxMessage, c *call) (sendResult, error) {
	// chat.update takes the new text and blocks, nothing else of c.
	opts, err := options(call{Text: c.Text, Blocks: c.Blocks})
	if err != nil {
		return sendResult{}, err
	}
	_, _, _, err = s.api.UpdateMessageContext(ctx, c.Channel, c.Message, opts...)
	return sendResult{method: "chat.update", err: err}, nil
}

func sendReact(s *Slack, ctx context.Context, _ inbox.OutboxMessage, c *call) (sendResult, error) {
	err := s.api.AddReactionContext(ctx, ackReaction, slack.NewRefToMessage(c.Channel, c.Message))
	if slackError(err) == "already_reacted" {
		err = nil
	}
	return sendResult{method: "reactions.add", err: err}, nil
}

func sendPublish(s *Slack, ctx context.Context, _ inbox.OutboxMessage, c *call) (sendResult, error) {
	var view slack.HomeTabViewRequest
	if err := json.Unmarshal(c.View, &view); err != nil {
		return sendResult{}, &unreadable{what: "a Home tab", err: err}
	}
	_, err := s.api.PublishViewContext(ctx, slack.PublishViewContextRequest{UserID: c.User, View: view})
	return sendResult{method: "views.publish", err: err}, nil
}

// outboxEvent is the metadata event type of the bot's posts: its payload
// holds the outbox id the post was sent for.
const outboxEvent = "whatmatters_outbox"

// postOnce posts a message once, as far as Slack allows. The post carries
// its outbox id in its metadata, and the attempt is recorded before it is
// made; so when an earlier attempt ended without an answer (a timeout, a
// dropped connection, the process killed), the message is looked for in
// the channel or thread first, and not posted again if it is there.
// Ephemeral messages and file uploads cannot be looked for and may, after
// such a failure, be repeated. marked says the attempt is recorded already,
// with the post's booking in its channel's pace (pacedPost).
func (s *Slack) postOnce(ctx context.Context, m inbox.OutboxMessage, channel, thread string, opts []slack.MsgOption, marked bool) (string, error) {
	if m.Attempts > 0 {
		ts, found, err := s.findPosted(ctx, m, channel, thread)
		if err != nil {
			return "", fmt.Errorf("looking for an earlier attempt's post: %w", err)
		}
		if found {
			s.metrics.posts.WithLabelValues("chat.postMessage", "found").Inc()
			s.log.InfoContext(ctx, "slack: an earlier attempt's post was found; not posting it again",
				"delivery", m.DeliveryID, "outbox", m.ID)
			return ts, nil
		}
	}
	if !marked { // else recorded with the booking, before the look above
		if err := s.store.MarkOutboxAttempt(ctx, m.ID); err != nil {
			return "", fmt.Errorf("recording an attempt to post: %w", err)
		}
	}
	opts = append(opts, slack.MsgOptionMetadata(slack.SlackMetadata{
		EventType: outboxEvent, EventPayload: map[string]any{"outbox_id": m.ID}}))
	_, ts, err := s.api.PostMessageContext(ctx, channel, opts...)
	return ts, err
}

// findPosted looks for the bot's post of an outbox message among the
// channel's (or thread's) messages since shortly before the message was
// owed: one page of up to 200, which a retry soon after reaches.
func (s *Slack) findPosted(ctx context.Context, m inbox.OutboxMessage, channel, thread string) (string, bool, error) {
	oldest := strconv.FormatInt(m.CreatedAt.Add(-time.Minute).Unix(), 10) + ".000000"
	var msgs []slack.Message
	if thread != "" {
		replies, _, _, err := s.api.GetConversationRepliesContext(ctx, &slack.GetConversationRepliesParameters{
			ChannelID: channel, Timestamp: thread, Oldest: oldest, Limit: 200, IncludeAllMetadata: true})
		if err != nil {
			return "", false, err
		}
		msgs = replies
	} else {
		h, err := s.api.GetConversationHistoryContext(ctx, &slack.GetConversationHistoryParameters{
			ChannelID: channel, Oldest: oldest, Limit: 200, IncludeAllMetadata: true})
		if err != nil {
			return "", false, err
		}
		msgs = h.Messages
	}
	for _, msg := range msgs {
		if msg.Metadata.EventType != outboxEvent {
			continue
		}
		if id, ok := msg.Metadata.EventPayload["outbox_id"].(float64); ok && int64(id) == m.ID {
			return msg.Timestamp, true, nil
		}
	}
	return "", false, nil
}

// messageOptions are the chat.postMessage / chat.postEphemeral options of a
// call. Links and names are never expanded: the renderer escapes everything.
func messageOptions(c call) ([]slack.MsgOption, error) {
	opts := []slack.MsgOption{slack.MsgOptionText(c.Text, false)}
	if len(c.Blocks) > 0 && string(c.Blocks) != "null" {
		var blocks slack.Blocks
		if err := json.Unmarshal(c.Blocks, &blocks); err != nil {
			return nil, fmt.Errorf("decoding blocks: %w", err)
		}
		opts = append(opts, slack.MsgOptionBlocks(blocks.BlockSet...))
	}
	if c.Thread != "" {
		opts = append(opts, slack.MsgOptionTS(c.Thread))
	}
	return opts, nil
}

// sent deletes a message from the outbox: it has been sent, or never can be.
func (s *Slack) sent(ctx context.Context, m inbox.OutboxMessage) error {
	if err := s.store.DeleteOutbox(ctx, m.ID); err != nil && !errors.Is(err, flows.ErrNotFound) {
		return fmt.Errorf("removing a sent message from the outbox: %w", err)
	}
	return nil
}

// anchor records the thread a reflection's root post started, and puts the
// replies that follow (its first question) in the outbox in the same
// transaction that removes the root post from it. If that transaction
// fails, the job is retried and the root is posted again: a repeated root
// is the price of never losing the thread.
func (s *Slack) anchor(ctx context.Context, m inbox.OutboxMessage, c call, ts string) error {
	// What follows the root is owed in the new thread, under the thread's
	// own key: so the first question goes out before any reply to an
	// answer in that thread, whichever job sends it.
	thread := m.Key
	if team := teamOf(m.Key); team != "" {
		thread = threadKey(team, c.Channel, ts)
	}
	err := s.delivery.InTx(ctx, func(tx Store) error {
		var replies []flows.Reply
		var err error
		if c.Session != 0 {
			replies, err = s.engineOn(tx).SessionAnchored(ctx, c.Session, ts)
		} else {
			replies, err = s.engineOn(tx).Anchored(ctx, c.Anchor, ts)
		}
		if err != nil {
			return fmt.Errorf("anchoring reflection %d or session %d: %w", c.Anchor, c.Session, err)
		}
		cs, err := calls(replies, origin{channel: c.Channel, thread: ts})
		if err != nil {
			return err
		}
		msgs, err := s.outboxMessages(inbox.Delivery{ID: m.DeliveryID, Key: thread}, cs)
		if err != nil {
			return err
		}
		if err := tx.AddOutbox(ctx, msgs); err != nil {
			return err
		}
		return tx.DeleteOutbox(ctx, m.ID)
	})
	if errors.Is(err, flows.ErrNotFound) {
		s.log.WarnContext(ctx, "slack: the reflection of a root post is gone", "delivery", m.DeliveryID, "reflection", c.Anchor)
		return s.sent(ctx, m)
	}
	if err != nil || thread == m.Key {
		return err
	}
	return s.delivery.FlushKey(ctx, thread)
}

// failed decides what a failed call means: wait and retry (429), back off
// and retry (network trouble, Slack's 5xx, a token or scope to fix), or
// drop (Slack refused the call itself, e.g. the bot is not in the
// channel). g is what held found before the call.
func (s *Slack) failed(ctx context.Context, m inbox.OutboxMessage, c call, method string, err error, g delivery.Gate) error {
	var limited *slack.RateLimitedError
	if errors.As(err, &limited) {
		wait := max(limited.RetryAfter, time.Second)
		// Every job and instance waits it out: Slack's limits are per
		// method and workspace.
		if herr := s.pacer.Hold(ctx, teamOf(m.Key), methodScope(method), s.now().Add(wait)); herr != nil {
			s.log.WarnContext(ctx, "slack: could not record a rate limit for other jobs", "method", method, "err", herr)
		}
		s.metrics.posts.WithLabelValues(method, "retry").Inc()
		s.log.WarnContext(ctx, "slack: rate limited", "method", method, "channel", c.Channel, "retry_after", wait)
		return &delivery.RetryLater{Wait: wait, Err: fmt.Errorf("%s: %w", method, err)}
	}
	code := slackError(err)
	if code == "" || retryable[code] {
		s.metrics.posts.WithLabelValues(method, "retry").Inc()
		if ctx.Err() != nil {
			// Cut off by the round's own deadline, not Slack's failure.
			return fmt.Errorf("%s for delivery %s: %w", method, m.DeliveryID, err)
		}
		// Every job and instance backs off this method, the op's own
		// (what held looks at), until Slack answers again.
		wait := s.pacer.BackOff(ctx, teamOf(m.Key), methodScope(opMethod[c.Op]), g)
		s.log.WarnContext(ctx, "slack: a call failed; backing off", "method", method, "delivery", m.DeliveryID,
			"failures", g.Failures()+1, "wait", wait, "err", err)
		return &delivery.RetryLater{Wait: wait, Err: fmt.Errorf("%s for delivery %s: %w", method, m.DeliveryID, err)}
	}
	s.metrics.posts.WithLabelValues(method, "dropped").Inc()
	s.log.ErrorContext(ctx, "slack: Slack refused a reply; dropping it", "method", method, "error", code,
		"delivery", m.DeliveryID, "channel", c.Channel)
	if c.ResponseURL != "" && (code == "not_in_channel" || code == "channel_not_found") && s.responseURLAllowed(ctx, c.ResponseURL, m.DeliveryID) {
		rerr := s.api.RespondContext(ctx, c.ResponseURL, &slack.WebhookMessage{
			ResponseType: slack.ResponseTypeEphemeral,
			Text:         "I can't post in this channel yet. Invite me with /invite @What Matters, then try again.",
		})
		if rerr != nil {
			s.log.WarnContext(ctx, "slack: could not explain through response_url", "delivery", m.DeliveryID, "err", rerr)
		}
	}
	return s.sent(ctx, m)
}

// retryable are Slack's error codes that may pass: its own trouble, or
// configuration that an operator can put right, after which the reply
// should still go.
var retryable = map[string]bool{
	"ratelimited": true, "internal_error": true, "fatal_error": true, "service_unavailable": true,
	"request_timeout": true, "invalid_auth": true, "not_authed": true, "account_inactive": true,
	"token_revoked": true, "token_expired": true, "missing_scope": true, "no_permission": true,
	"team_access_not_granted": true, "not_allowed_token_type": true,
}

// slackError is the error code of a Web API call Slack answered with ok
// false, or "" for any other failure.
func slackError(err error) string {
	var se slack.SlackErrorResponse
	if errors.As(err, &se) {
		return se.Err
	}
	return ""
}
