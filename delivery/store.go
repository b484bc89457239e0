package delivery

import (
	"context"
	"fmt"
	"time"

	"whatmatters/flows"
	"whatmatters/inbox"
)

// Store is what the delivery machinery needs of the database: what the
// engine keeps, and the inbox and outbox. storage.DB implements it. The
// Store its InTx passes fn must be a Store too (see inTx).
type Store interface {
	flows.Store
	Queue
}

// Queue is the inbox (deliveries recorded before they are acknowledged) and
// the outbox (calls to a platform owed for processed deliveries). The
// engine never sees them: they are the transport's, not the domain's.
type Queue interface {
	// RecordDelivery stores a delivery unless one with the same ID is already
	// stored, giving it the next sequence number (d.Seq is ignored). It
	// reports whether the delivery is new.
	RecordDelivery(ctx context.Context, d inbox.Delivery) (bool, error)
	// RecordDeliveries records deliveries as RecordDelivery does, in one
	// statement, and reports for each whether it was new (a delivery
	// repeated within ds, the first time only).
	RecordDeliveries(ctx context.Context, ds []inbox.Delivery) ([]bool, error)
	// GetDelivery returns flows.ErrNotFound if there is no such delivery.
	GetDelivery(ctx context.Context, id string) (inbox.Delivery, error)
	// NextDelivery returns the unprocessed delivery with the given key and
	// the lowest sequence number not above upTo, or flows.ErrNotFound if
	// there is none.
	NextDelivery(ctx context.Context, key string, upTo int64) (inbox.Delivery, error)
	// NextDeliveries returns up to limit unprocessed deliveries with the
	// given key and sequence numbers not above upTo, in sequence order.
	NextDeliveries(ctx context.Context, key string, upTo int64, limit int) ([]inbox.Delivery, error)
	// MarkDeliveryProcessed sets the processed time and clears the payload.
	// It returns flows.ErrNotFound if there is no such delivery, and
	// flows.ErrConflict if it was processed already: inside a transaction
	// that did the delivery's work, that error undoes the work done twice.
	MarkDeliveryProcessed(ctx context.Context, id string, at time.Time) error
	// MarkDeliveriesProcessed marks several deliveries as
	// MarkDeliveryProcessed marks one, in one statement where the database
	// gains by it. It returns flows.ErrConflict if any of them was processed
	// already or does not exist.
	MarkDeliveriesProcessed(ctx context.Context, ids []string, at time.Time) error
	// PendingDeliveries returns up to limit deliveries not yet processed,
	// oldest first.
	PendingDeliveries(ctx context.Context, limit int) ([]inbox.Delivery, error)

	// AddOutbox stores messages owed for deliveries, in the order given. It
	// returns flows.ErrInvalid if a message has no delivery id or no payload.
	AddOutbox(ctx context.Context, msgs []inbox.OutboxMessage) error
	// PendingOutbox returns up to limit unsent messages with the given key,
	// in the order they were added.
	PendingOutbox(ctx context.Context, key string, limit int) ([]inbox.OutboxMessage, error)
	// DeleteOutbox removes a sent message. It returns flows.ErrNotFound if
	// there is no such message.
	DeleteOutbox(ctx context.Context, id int64) error
	// DeleteOutboxes removes sent messages in one statement, passing over
	// ids no longer there.
	DeleteOutboxes(ctx context.Context, ids []int64) error
	// MarkOutboxAttempt records that a message is about to be sent.
	MarkOutboxAttempt(ctx context.Context, id int64) error
	// OutboxKeys returns the ordering keys under which a delivery still
	// owes messages.
	OutboxKeys(ctx context.Context, deliveryID string) ([]string, error)
	// StaleOutbox returns the ids of up to limit deliveries that still owe a
	// message added before the given time, oldest first.
	StaleOutbox(ctx context.Context, before time.Time, limit int) ([]string, error)
}

// InTx runs fn in one transaction of the machinery's Store, as the Store's
// InTx does, but hands fn the transaction as a delivery Store, so that the
// engine's step, the outbox and the inbox's marks commit together.
//
// flows.Store.InTx can only promise fn a flows.Store: flows knows nothing
// of the inbox. But the Store it binds to a transaction is the same
// implementation as the one it was called on (storage's, or a test's
// wrapper of it), so it keeps the inbox and outbox too. Rather than widen
// flows.Store again, or give every Store a second InTx, the one place that
// needs the wider view asserts it here, and says plainly if a Store's
// transactions ever lose it.
func (s *Service) InTx(ctx context.Context, fn func(tx Store) error) error {
	return s.store.InTx(ctx, func(tx flows.Store) error {
		q, ok := tx.(Store)
		if !ok {
			return fmt.Errorf("the Store's transaction (%T) keeps no inbox and outbox: a delivery.Store's InTx must pass fn a delivery.Store", tx)
		}
		return fn(q)
	})
}

// flatTx is a transaction's Store whose nested transactions run inline,
// without a savepoint (two statements each on PostgreSQL): for a batch in
// which any error undoes the whole transaction anyway.
type flatTx struct{ Store }

// InTx runs fn in the transaction f already is.
func (f flatTx) InTx(_ context.Context, fn func(flows.Store) error) error { return fn(f) }

// Unwrap is the transaction's own Store, for a platform reading what the
// Store keeps beyond delivery.Store (Teams' conversation records) within
// the transaction.
func (f flatTx) Unwrap() Store { return f.Store }
