package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"

	"whatmatters/flows"
	"whatmatters/inbox"
)

// errUnreadable marks a recorded delivery that cannot be processed however
// often it is tried.
var errUnreadable = errors.New("unreadable delivery")

// errAlreadyProcessed undoes a delivery's work that another worker has
// committed first.
var errAlreadyProcessed = errors.New("delivery already processed")

// Process is the job's work for one delivery. Under the lock of the
// delivery's ordering key it first sends whatever the key's outbox still
// holds, then processes, one at a time and in order, every unprocessed
// delivery of the key up to and including this one, sending each one's
// replies before the next is processed. So whichever job of a key runs
// first does the earlier deliveries first, and a later job finds its own
// delivery done. giveUp says this is the job's last attempt: a delivery
// that then still fails is marked processed, with a notice to its sender,
// rather than retried for ever.
//
// An error means the job should be retried; *retryLater asks for a wait.
func (s *Slack) Process(ctx context.Context, deliveryID string, giveUp bool) error {
	return s.process(ctx, deliveryID, giveUp, false)
}

// process is Process; with all, it goes on past the delivery to every
// unprocessed delivery of its key, as a runner does: deliveries recorded
// by concurrent transactions may reach the runner out of their order.
func (s *Slack) process(ctx context.Context, deliveryID string, giveUp, all bool) error {
	d, err := s.store.GetDelivery(ctx, deliveryID)
	if errors.Is(err, flows.ErrNotFound) {
		s.log.WarnContext(ctx, "slack: job for a delivery that is not in the inbox", "delivery", deliveryID)
		return nil
	}
	if err != nil {
		return fmt.Errorf("loading delivery %s: %w", deliveryID, err)
	}
	upTo := d.Seq
	if all {
		upTo = math.MaxInt64
	}
	if !d.ProcessedAt.IsZero() && !all {
		// Done already, with the others of its thread: unless it still owes
		// a message, there is nothing to lock the thread for.
		keys, err := s.store.OutboxKeys(ctx, d.ID)
		if err == nil && len(keys) == 0 {
			return nil
		}
	}
	ctx, unlock, err := s.lockKey(ctx, d)
	if err != nil {
		return err
	}
	defer unlock()
	// Messages this delivery owes under other keys (a reflection's first
	// question, owed in its new thread) go first, each under its key's
	// lock, so that they keep their place among that thread's posts.
	if err := s.flushOwn(ctx, d); err != nil {
		s.metrics.failed.WithLabelValues(d.Kind).Inc()
		return err
	}
	for {
		more, err := s.round(ctx, d, upTo, giveUp, all)
		if err != nil || !more {
			return err
		}
	}
}

// lockKey takes the delivery's key: in this process, then (with a shared
// locker) across instances. The keys flushed under it (flushOwn, a new
// thread's first question) take their locks on its connection, through
// the context it returns.
func (s *Slack) lockKey(ctx context.Context, d inbox.Delivery) (context.Context, func(), error) {
	unlock, err := s.keys.lock(ctx, d.Key)
	if err != nil {
		return ctx, nil, fmt.Errorf("waiting for the key of delivery %s: %w", d.ID, err)
	}
	if s.locker == nil {
		return ctx, unlock, nil
	}
	held, unlockShared, err := s.locker.Hold(ctx, d.Key)
	if err != nil {
		unlock()
		return ctx, nil, fmt.Errorf("locking the key of delivery %s: %w", d.ID, err)
	}
	return held, func() { unlockShared(); unlock() }, nil
}

// round is one round of a key, under its lock: what the key owes is sent,
// then its next deliveries (up to upTo) are processed, thread replies
// waiting together in one transaction. It reports whether there may be
// more to do.
func (s *Slack) round(ctx context.Context, d inbox.Delivery, upTo int64, giveUp, all bool) (bool, error) {
	if err := s.flush(ctx, d.Key); err != nil {
		s.metrics.failed.WithLabelValues(d.Kind).Inc()
		return false, err
	}
	limit := maxProcessBatch
	if all && s.commits.busy() {
		// Short transactions while acknowledgements wait: on SQLite
		// they wait for the one connection a batch holds.
		limit = maxBatchWhileAcking
	}
	batch, err := s.store.NextDeliveries(ctx, d.Key, upTo, limit)
	if err != nil {
		return false, fmt.Errorf("finding the next deliveries of a key: %w", err)
	}
	if len(batch) == 0 {
		return false, nil
	}
	n := eventRun(batch)
	done := func() {}
	if all && n > 0 {
		// A runner lets acknowledgements go first (groupCommit.yield).
		// Only for thread replies: their transaction waits on nothing
		// outside the database, where a command may ask Slack first.
		if done, err = s.commits.yield(ctx); err != nil {
			return false, err
		}
	}
	// Thread replies waiting together are processed in one transaction
	// (one commit, not one each); anything else, or a batch that fails,
	// one at a time as before.
	next := batch[0]
	if n > 1 && s.handleBatch(ctx, batch[:n]) == nil {
		next = batch[n-1]
	} else if err := s.handle(ctx, next, giveUp && next.ID == d.ID); err != nil {
		done()
		return false, err
	}
	done()
	if next.Kind != kindScheduled && s.codesDue != nil && s.codesAsked() {
		// An answer may have been saved or edited: code it soon (asked at
		// most every quarter second, however busy; the periodic look
		// catches anything this misses).
		if err := s.codesDue(ctx); err != nil {
			s.log.WarnContext(ctx, "slack: could not ask for new answers to be coded", "err", err)
		}
	}
	return true, nil
}

// flushOwn sends what a delivery owes under keys other than its own.
func (s *Slack) flushOwn(ctx context.Context, d inbox.Delivery) error {
	keys, err := s.store.OutboxKeys(ctx, d.ID)
	if err != nil {
		return fmt.Errorf("reading the outbox: %w", err)
	}
	for _, k := range keys {
		if k == d.Key {
			continue
		}
		if err := s.flushLocked(ctx, k); err != nil {
			return err
		}
	}
	return nil
}

// flushLocked sends a key's outbox under that key's lock, in this process
// and across instances. A thread's key is only ever taken while holding
// its channel's, never the other way round, so the two cannot deadlock.
func (s *Slack) flushLocked(ctx context.Context, key string) error {
	unlock, err := s.keys.lock(ctx, key)
	if err != nil {
		return fmt.Errorf("waiting for the key %s: %w", key, err)
	}
	defer unlock()
	if s.locker != nil {
		_, unlockShared, err := s.locker.Hold(ctx, key)
		if err != nil {
			return fmt.Errorf("locking the key %s: %w", key, err)
		}
		defer unlockShared()
	}
	return s.flush(ctx, key)
}

// maxProcessBatch bounds how many deliveries of a key one transaction
// processes.
const maxProcessBatch = 32

// maxBatchWhileAcking bounds a runner's batch while deliveries wait to be
// recorded. Measured with the side-by-side benchmark at 64 in flight, 4,000 replies,
// against 32: SQLite 3,600 -> 7,700 acknowledgements a second, p99 45-54 ->
// 21-33 ms, all processed after 1.2 -> 1.4 s (8 gave 5,400-6,000 and
// 31-38 ms).
const maxBatchWhileAcking = 4

// eventRun is how many deliveries at the start of batch are events (thread
// replies), which need nothing from Slack before their transaction. A
// Home tab opened (an event under a person's key) asks Slack first.
func eventRun(batch []inbox.Delivery) int {
	n := 0
	for n < len(batch) && batch[n].Kind == kindEvent && !isUserKey(batch[n].Key) {
		n++
	}
	return n
}

// handleBatch processes events of one key in one transaction: each one's
// step, replies in the outbox and mark, in order, committed together. Any
// failure undoes them all, and the caller goes on one at a time, which
// says who it was.
func (s *Slack) handleBatch(ctx context.Context, batch []inbox.Delivery) error {
	start := s.now()
	err := s.inTx(ctx, func(tx Store) error {
		// Any failure undoes the whole batch, so the engine's own
		// transaction for each step needs no savepoint of its own.
		eng := s.engineOn(flatTx{tx})
		// What the batch owes goes to the outbox, and its deliveries are
		// marked processed, once at the end: a statement each, not one per
		// delivery.
		var owed []inbox.OutboxMessage
		ids := make([]string, len(batch))
		for i, d := range batch {
			cs, _, err := s.run(ctx, eng, d, flows.Actor{})
			if err != nil {
				return err
			}
			msgs, err := outboxMessages(d, cs, s.now())
			if err != nil {
				return err
			}
			owed = append(owed, msgs...)
			ids[i] = d.ID
		}
		if err := tx.AddOutbox(ctx, owed); err != nil {
			return err
		}
		return tx.MarkDeliveriesProcessed(ctx, ids, s.now())
	})
	if err != nil {
		s.log.DebugContext(ctx, "slack: a batch of deliveries is processed one at a time", "count", len(batch), "err", err)
		return err
	}
	took := s.now().Sub(start)
	for _, d := range batch {
		s.metrics.processed.WithLabelValues(d.Kind).Inc()
		s.log.InfoContext(ctx, "slack: delivery processed", "delivery", d.ID, "kind", d.Kind, "batch", len(batch), "took", took)
	}
	return nil
}

// codesAsked reports whether it is time to ask for answers to be coded
// again, and if so notes that it was asked now.
func (s *Slack) codesAsked() bool {
	now := s.now().UnixNano()
	last := s.codesLast.Load()
	if now-last < int64(250*time.Millisecond) {
		return false
	}
	return s.codesLast.CompareAndSwap(last, now)
}

// whoActed is the person behind a command or interaction, with their
// organisation and admin standing from Slack; for events (answers in
// threads) it is not needed and the zero Actor is returned.
func (s *Slack) whoActed(ctx context.Context, d inbox.Delivery) flows.Actor {
	if d.Kind == kindEvent && isUserKey(d.Key) {
		// A Home tab opened: what it lists depends on who opens it.
		var e eventPayload
		if err := json.Unmarshal(d.Payload, &e); err != nil || e.Event.Type != "app_home_opened" || e.Event.User == "" {
			return flows.Actor{}
		}
		return s.actor(ctx, e.TeamID, e.Event.User, e.Event.UserTeam)
	}
	if d.Kind != kindCommand && d.Kind != kindInteraction {
		return flows.Actor{}
	}
	var p struct {
		TeamID   string `json:"team_id"`
		UserID   string `json:"user_id"`
		UserTeam string `json:"user_team"`
	}
	if err := json.Unmarshal(d.Payload, &p); err != nil || p.UserID == "" {
		return flows.Actor{}
	}
	return s.actor(ctx, p.TeamID, p.UserID, p.UserTeam)
}

// homeTeam is a person's own workspace, kept beside their id when it is
// not the installation's.
func homeTeam(userTeam, installation string) string {
	if userTeam == installation {
		return ""
	}
	return userTeam
}

// owe writes the calls a delivery owes to Slack into the outbox, in order,
// and returns how many.
func (s *Slack) owe(ctx context.Context, tx Store, d inbox.Delivery, cs []call) (int, error) {
	msgs, err := outboxMessages(d, cs, s.now())
	if err != nil {
		return 0, err
	}
	return len(msgs), tx.AddOutbox(ctx, msgs)
}

// handle processes one delivery: the engine's step, the replies in the
// outbox and the mark that it was processed, in one transaction.
func (s *Slack) handle(ctx context.Context, d inbox.Delivery, giveUp bool) error {
	start := s.now()
	// Who acted is looked up in Slack before the transaction starts, so
	// no database lock is held across a call to Slack.
	who := s.whoActed(ctx, d)
	s.warmPrivacy(ctx, d)
	s.warmHome(ctx, d)
	// A channel the person chose is one they must be in: else only the
	// refusal is owed, and the engine is not asked.
	refused, ro := s.notMember(ctx, d)
	var o origin
	err := s.inTx(ctx, func(tx Store) error {
		var cs []call
		var err error
		if refused != nil {
			o = ro
			cs, err = calls(refused, o)
		} else {
			cs, o, err = s.run(ctx, s.engineOn(tx), d, who)
		}
		if err != nil {
			return err
		}
		if _, err := s.owe(ctx, tx, d, cs); err != nil {
			return err
		}
		if err := tx.MarkDeliveryProcessed(ctx, d.ID, s.now()); errors.Is(err, flows.ErrConflict) {
			return errAlreadyProcessed
		} else if err != nil {
			return err
		}
		return nil
	})
	if errors.Is(err, errAlreadyProcessed) {
		// Another worker committed this delivery first (possible only if a
		// key's lock was lost); its work stands and this one was undone.
		s.log.WarnContext(ctx, "slack: delivery was processed by another worker", "delivery", d.ID)
		return nil
	}
	if err == nil {
		s.metrics.processed.WithLabelValues(d.Kind).Inc()
		s.log.InfoContext(ctx, "slack: delivery processed", "delivery", d.ID, "kind", d.Kind,
			"team", o.team, "channel", o.channel, "took", s.now().Sub(start))
		return nil
	}
	s.metrics.failed.WithLabelValues(d.Kind).Inc()
	if !giveUp && !errors.Is(err, errUnreadable) && !errors.Is(err, flows.ErrInvalid) {
		return fmt.Errorf("processing delivery %s: %w", d.ID, err)
	}
	// Trying again would fail the same way: tell the person, and move on
	// so that the key's later deliveries are not held up.
	s.log.ErrorContext(ctx, "slack: giving up on a delivery", "delivery", d.ID, "kind", d.Kind, "err", err)
	return s.inTx(ctx, func(tx Store) error {
		if o.user != "" && (o.channel != "" || d.Kind == kindInteraction) {
			// Beside what they did, or, for a form or a Home tab button
			// (which have no channel), in a direct message.
			sorry := flows.Reply{Kind: flows.Notice, Channel: o.channel, User: o.user,
				Title: "Sorry, that didn't work, and nothing was changed by it.",
				Parts: []flows.Part{{Text: "Please try again. If it keeps happening, tell whoever looks after What Matters in your workspace."}}}
			if o.channel == "" {
				sorry.Kind = flows.Direct
			}
			cs, err := calls([]flows.Reply{sorry}, o)
			if err != nil {
				return err
			}
			if _, err := s.owe(ctx, tx, d, cs); err != nil {
				return err
			}
		}
		return tx.MarkDeliveryProcessed(ctx, d.ID, s.now())
	})
}

// run turns one delivery into engine calls and the engine's replies into
// Web API calls. The origin is returned even on failure, when known, so
// that the sender can be told.
func (s *Slack) run(ctx context.Context, eng *flows.Engine, d inbox.Delivery, who flows.Actor) ([]call, origin, error) {
	switch d.Kind {
	case kindCommand:
		var c commandPayload
		if err := json.Unmarshal(d.Payload, &c); err != nil {
			return nil, origin{}, fmt.Errorf("%w: %w", errUnreadable, err)
		}
		o := origin{team: c.TeamID, channel: c.ChannelID, user: c.UserID, responseURL: c.ResponseURL}
		replies, err := eng.Command(ctx, flows.Command{
			Actor: who, Channel: c.ChannelID, Text: plainText(c.Text),
		})
		return s.replied(replies, o, err)
	case kindEvent:
		var e eventPayload
		if err := json.Unmarshal(d.Payload, &e); err != nil {
			return nil, origin{}, fmt.Errorf("%w: %w", errUnreadable, err)
		}
		return s.runEvent(ctx, eng, e, who)
	case kindInteraction:
		var in interactionPayload
		if err := json.Unmarshal(d.Payload, &in); err != nil {
			return nil, origin{}, fmt.Errorf("%w: %w", errUnreadable, err)
		}
		return s.runInteraction(ctx, eng, in, who)
	}
	return nil, origin{}, fmt.Errorf("%w: kind %q", errUnreadable, d.Kind)
}

func (s *Slack) runEvent(ctx context.Context, eng *flows.Engine, e eventPayload, who flows.Actor) ([]call, origin, error) {
	ev := e.Event
	o := origin{team: e.TeamID, channel: ev.Channel, thread: ev.ThreadTS, user: ev.User, message: ev.TS}
	// Answers in threads ask Slack nothing: the event's user_team says
	// whether the writer is from another organisation.
	actor := flows.Actor{TeamID: e.TeamID, UserID: ev.User, HomeTeam: homeTeam(ev.UserTeam, e.TeamID),
		External: outsideByPayload(e.TeamID, ev.UserTeam)}
	switch ev.Type {
	case "message":
		if ev.Subtype == "message_changed" || ev.Subtype == "message_deleted" {
			o.message = ""
			replies, err := eng.Edit(ctx, flows.Edit{
				Actor: actor, Channel: ev.Channel, Thread: ev.ThreadTS, MessageID: ev.TS,
				Text: plainText(ev.Text), Withdraw: ev.Subtype == "message_deleted",
			})
			return s.replied(replies, o, err)
		}
		if ev.ThreadTS == "" || ev.ThreadTS == ev.TS {
			// A direct message to the bot: say what it can do.
			help := flows.HelpReply(ev.Channel, ev.User)
			help.Kind = flows.Post
			return s.replied([]flows.Reply{help}, o, nil)
		}
		replies, err := eng.Message(ctx, flows.Message{
			Actor: actor, Channel: ev.Channel, Thread: ev.ThreadTS, ID: ev.TS, Text: plainText(ev.Text),
		})
		if errors.Is(err, flows.ErrUnknownThread) {
			// Usually the team's own conversation; counted and logged (never
			// its text) so that a reply the bot should have placed, such as
			// one keyed on the wrong workspace, is not lost silently.
			s.metrics.unknownThread.Inc()
			s.log.DebugContext(ctx, "slack: reply in a thread that is no reflection's", "team", e.TeamID,
				"channel", ev.Channel, "thread", ev.ThreadTS, "user_team", ev.UserTeam)
			return nil, o, nil
		}
		return s.replied(replies, o, err)
	case "app_mention":
		help := flows.HelpReply(ev.Channel, ev.User)
		help.Title = "What Matters: reflect together on what matters to the people you care for"
		help.Buttons = []flows.Button{{Label: "Start a reflection here", Action: "start", Value: ev.Channel, Style: "primary"}}
		return s.replied([]flows.Reply{help}, o, nil)
	case "app_home_opened":
		o.channel, o.message = "", ""
		if who.UserID != ev.User || who.TeamID != e.TeamID {
			// Not looked up (it always is before the step): show nothing of
			// the team's rather than guess.
			who = flows.Actor{TeamID: e.TeamID, UserID: ev.User, External: true}
		}
		c, err := s.homeCall(ctx, eng, who)
		if err != nil {
			return nil, o, err
		}
		return []call{c}, o, nil
	}
	return nil, o, fmt.Errorf("%w: event type %q", errUnreadable, ev.Type)
}

// repliedWithHome renders the replies, then publishes the person's Home
// tab afresh (after a change they made from it or from a form).
func (s *Slack) repliedWithHome(ctx context.Context, eng *flows.Engine, replies []flows.Reply, o origin, who flows.Actor) ([]call, origin, error) {
	cs, err := calls(replies, o)
	if err != nil {
		return nil, o, err
	}
	c, err := s.homeCall(ctx, eng, who)
	if err != nil {
		return nil, o, err
	}
	return append(cs, c), o, nil
}

// replied renders the engine's replies, passing its error on.
func (s *Slack) replied(replies []flows.Reply, o origin, err error) ([]call, origin, error) {
	if err != nil {
		return nil, o, err
	}
	cs, err := calls(replies, o)
	return cs, o, err
}

// flatTx is a transaction's Store whose nested transactions run inline,
// without a savepoint (two statements each on PostgreSQL): for a batch in
// which any error undoes the whole transaction anyway.
type flatTx struct{ Store }

// InTx runs fn in the transaction f already is.
func (f flatTx) InTx(_ context.Context, fn func(flows.Store) error) error { return fn(f) }
