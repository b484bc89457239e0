package delivery

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"whatmatters/flows"
	"whatmatters/inbox"
)

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
func (s *Service) Process(ctx context.Context, deliveryID string, giveUp bool) error {
	return s.process(ctx, deliveryID, giveUp, false)
}

// process is Process; with all, it goes on past the delivery to every
// unprocessed delivery of its key, as a runner does: deliveries recorded
// by concurrent transactions may reach the runner out of their order.
func (s *Service) process(ctx context.Context, deliveryID string, giveUp, all bool) error {
	d, err := s.store.GetDelivery(ctx, deliveryID)
	if errors.Is(err, flows.ErrNotFound) {
		s.log.WarnContext(ctx, "delivery: job for a delivery that is not in the inbox", "delivery", deliveryID)
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
func (s *Service) lockKey(ctx context.Context, d inbox.Delivery) (context.Context, func(), error) {
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
func (s *Service) round(ctx context.Context, d inbox.Delivery, upTo int64, giveUp, all bool) (bool, error) {
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
	p, _ := s.platformFor(batch[0].ID)
	n := batchable(p, batch)
	done := func() {}
	if all && n > 0 {
		// A runner lets acknowledgements go first (groupCommit.yield).
		// Only for thread replies: their transaction waits on nothing
		// outside the database, where a command may ask the platform first.
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
	if next.Kind != KindScheduled && s.codesDue != nil && s.codesAsked() {
		// An answer may have been saved or edited: code it soon (asked at
		// most every quarter second, however busy; the periodic look
		// catches anything this misses).
		if err := s.codesDue(ctx); err != nil {
			s.log.WarnContext(ctx, "delivery: could not ask for new answers to be coded", "err", err)
		}
	}
	return true, nil
}

// flushOwn sends what a delivery owes under keys other than its own.
func (s *Service) flushOwn(ctx context.Context, d inbox.Delivery) error {
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
func (s *Service) flushLocked(ctx context.Context, key string) error {
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

// FlushKey sends a key's outbox under that key's lock, in this process and
// across instances: a platform whose post opened a new thread sends what
// the thread owes (its first question) next, under the thread's key. Call
// it only while holding the lock of the key whose message opened it (a
// channel's), never the other way round.
func (s *Service) FlushKey(ctx context.Context, key string) error { return s.flushLocked(ctx, key) }

// maxProcessBatch bounds how many deliveries of a key one transaction
// processes.
const maxProcessBatch = 32

// maxBatchWhileAcking bounds a runner's batch while deliveries wait to be
// recorded. Measured with the side-by-side benchmark at 64 in flight, 4,000 replies,
// against 32: SQLite 3,600 -> 7,700 acknowledgements a second, p99 45-54 ->
// 21-33 ms, all processed after 1.2 -> 1.4 s (8 gave 5,400-6,000 and
// 31-38 ms).
const maxBatchWhileAcking = 4

// batchable is how many deliveries at the start of batch can share one
// transaction (thread replies, which need nothing from the platform
// before it), all of one platform.
func batchable(p Platform, batch []inbox.Delivery) int {
	if p == nil {
		return 0
	}
	n := 0
	for n < len(batch) && batch[n].Kind != KindScheduled && p.Batchable(batch[n]) {
		n++
	}
	return n
}

// handleBatch processes events of one key in one transaction: each one's
// step, replies in the outbox and mark, in order, committed together. Any
// failure undoes them all, and the caller goes on one at a time, which
// says who it was.
func (s *Service) handleBatch(ctx context.Context, batch []inbox.Delivery) error {
	start := s.now()
	err := s.InTx(ctx, func(tx Store) error {
		// Any failure undoes the whole batch, so the engine's own
		// transaction for each step needs no savepoint of its own.
		p, _ := s.platformFor(batch[0].ID)
		flat := flatTx{tx}
		// What the batch owes goes to the outbox, and its deliveries are
		// marked processed, once at the end: a statement each, not one per
		// delivery.
		var owed []inbox.OutboxMessage
		ids := make([]string, len(batch))
		for i, d := range batch {
			st, err := p.Step(ctx, flat, d, nil)
			if err != nil {
				return err
			}
			msgs := s.outboxMessages(d, st.Owed)
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
		s.log.DebugContext(ctx, "delivery: a batch of deliveries is processed one at a time", "count", len(batch), "err", err)
		return err
	}
	took := s.now().Sub(start)
	for _, d := range batch {
		s.metrics.processed.WithLabelValues(d.Kind).Inc()
		s.log.InfoContext(ctx, "delivery: processed", "delivery", d.ID, "kind", d.Kind, "batch", len(batch), "took", took)
	}
	return nil
}

// codesAsked reports whether it is time to ask for answers to be coded
// again, and if so notes that it was asked now.
func (s *Service) codesAsked() bool {
	now := s.now().UnixNano()
	last := s.codesLast.Load()
	if now-last < int64(250*time.Millisecond) {
		return false
	}
	return s.codesLast.CompareAndSwap(last, now)
}

// owe writes the messages a delivery owes into the outbox, in order, and
// returns how many.
func (s *Service) owe(ctx context.Context, tx Store, d inbox.Delivery, payloads [][]byte) (int, error) {
	msgs := s.outboxMessages(d, payloads)
	return len(msgs), tx.AddOutbox(ctx, msgs)
}

// outboxMessages wraps what a delivery owes for the outbox, under its key.
func (s *Service) outboxMessages(d inbox.Delivery, payloads [][]byte) []inbox.OutboxMessage {
	now := s.now()
	msgs := make([]inbox.OutboxMessage, len(payloads))
	for i, p := range payloads {
		msgs[i] = inbox.OutboxMessage{DeliveryID: d.ID, Key: d.Key, Payload: p, CreatedAt: now}
	}
	return msgs
}

// handle processes one delivery: the engine's step, the replies in the
// outbox and the mark that it was processed, in one transaction.
func (s *Service) handle(ctx context.Context, d inbox.Delivery, giveUp bool) error {
	p, _ := s.platformFor(d.ID)
	if p == nil {
		return fmt.Errorf("delivery %s: %w: no platform owns it", d.ID, ErrUnreadable)
	}
	start := s.now()
	// What the platform must be asked is asked before the transaction
	// starts, so no database lock is held across a call to it.
	prep := p.Prepare(ctx, d)
	var st Stepped
	err := s.InTx(ctx, func(tx Store) error {
		var err error
		if st, err = p.Step(ctx, tx, d, prep); err != nil {
			return err
		}
		if _, err := s.owe(ctx, tx, d, st.Owed); err != nil {
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
		s.log.WarnContext(ctx, "delivery: processed by another worker", "delivery", d.ID)
		return nil
	}
	if err == nil {
		s.metrics.processed.WithLabelValues(d.Kind).Inc()
		s.log.InfoContext(ctx, "delivery: processed", "delivery", d.ID, "kind", d.Kind,
			"team", st.Team, "channel", st.Channel, "took", s.now().Sub(start))
		return nil
	}
	s.metrics.failed.WithLabelValues(d.Kind).Inc()
	if !giveUp && !errors.Is(err, ErrUnreadable) && !errors.Is(err, flows.ErrInvalid) {
		return fmt.Errorf("processing delivery %s: %w", d.ID, err)
	}
	// Trying again would fail the same way: tell the person, and move on
	// so that the key's later deliveries are not held up.
	s.log.ErrorContext(ctx, "delivery: giving up", "delivery", d.ID, "kind", d.Kind, "err", err)
	return s.InTx(ctx, func(tx Store) error {
		sorry, err := p.Sorry(ctx, tx, d, st)
		if err != nil {
			return err
		}
		if _, err := s.owe(ctx, tx, d, sorry); err != nil {
			return err
		}
		return tx.MarkDeliveryProcessed(ctx, d.ID, s.now())
	})
}

// flush sends every outbox message of a key, in order, through the
// platform of the delivery owing it; each is deleted once the platform has
// it. It stops at the first failure that may pass, returning it, so that
// the job is retried and sends what is still unsent; a message the
// platform refuses outright is dropped by it, since sending it again would
// never succeed and would hold up every later message of its key.
func (s *Service) flush(ctx context.Context, key string) error {
	for {
		pending, err := s.store.PendingOutbox(ctx, key, 64)
		if err != nil {
			return fmt.Errorf("reading the outbox: %w", err)
		}
		if len(pending) == 0 {
			return nil
		}
		for i := 0; i < len(pending); {
			p, prefix := s.platformFor(pending[i].DeliveryID)
			if p == nil {
				s.log.ErrorContext(ctx, "delivery: dropping an outbox message no platform owns", "delivery", pending[i].DeliveryID, "outbox", pending[i].ID)
				if err := s.store.DeleteOutbox(ctx, pending[i].ID); err != nil {
					return fmt.Errorf("removing an outbox message: %w", err)
				}
				i++
				continue
			}
			// The run of messages this platform owes (a key holds one
			// platform's messages, bar a scheduled step's).
			j := i + 1
			for j < len(pending) {
				if _, q := s.platformFor(pending[j].DeliveryID); q != prefix {
					break
				}
				j++
			}
			n, err := p.Send(ctx, pending[i:j])
			if err != nil {
				return owedBy(err, pending[i])
			}
			i += max(n, 1)
		}
	}
}

// owedBy names m as the message a wait holds back, unless a message
// flushed within (a thread's first question, sent after its root) was
// named already.
func owedBy(err error, m inbox.OutboxMessage) error {
	var later *RetryLater
	if errors.As(err, &later) && later.Delivery == "" {
		later.Delivery, later.Key = m.DeliveryID, m.Key
	}
	return err
}
