package storage

import (
	"context"
	"fmt"
	"strings"
	"time"

	"whatmatters/flows"
	"whatmatters/inbox"
)

const outboxColumns = `id, delivery_id, ordering_key, payload, created_at, attempts`

func scanOutbox(r rowScanner) (inbox.OutboxMessage, error) {
	var m inbox.OutboxMessage
	err := r.Scan(&m.ID, &m.DeliveryID, &m.Key, &m.Payload, timeDest{&m.CreatedAt}, &m.Attempts)
	return m, err
}

// MarkOutboxAttempt records that a message is about to be sent: if the
// sender then dies before it knows the outcome, the next sender knows to
// look for it first. It returns flows.ErrNotFound if there is no such
// message.
func (s *store) MarkOutboxAttempt(ctx context.Context, id int64) error {
	const doing = "marking an outbox message attempted"
	res, err := s.q.ExecContext(ctx, `UPDATE outbox SET attempts = attempts + 1 WHERE id = $1`, id)
	return changedOne(doing, res, err)
}

// AddOutbox stores messages owed for deliveries, in the order given; a zero
// CreatedAt means now. It returns flows.ErrInvalid if a message has no
// delivery id or no payload.
func (s *store) AddOutbox(ctx context.Context, msgs []inbox.OutboxMessage) error {
	const doing = "adding to the outbox"
	for _, m := range msgs {
		if err := required(doing, "delivery id", m.DeliveryID); err != nil {
			return err
		}
		if len(m.Payload) == 0 {
			return fmt.Errorf("%s: %w: the payload is empty", doing, flows.ErrInvalid)
		}
		if err := checkText(doing, m.DeliveryID, m.Key); err != nil {
			return err
		}
	}
	// On PostgreSQL several messages go in one INSERT (of a few fixed sizes,
	// so few statements stay prepared), whose VALUES rows take their ids in
	// order; SQLite has no round trips to save.
	chunk := func(int) int { return 1 }
	if s.dialect == Postgres {
		chunk = insertChunk
	}
	for len(msgs) > 0 {
		n := chunk(len(msgs))
		var b strings.Builder
		b.WriteString(`INSERT INTO outbox (delivery_id, ordering_key, payload, created_at) VALUES `)
		args := make([]any, 0, 4*n)
		for k, m := range msgs[:n] {
			if k > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "($%d, $%d, $%d, $%d)", len(args)+1, len(args)+2, len(args)+3, len(args)+4)
			args = append(args, m.DeliveryID, m.Key, m.Payload, s.dialect.timeArg(s.stamp(m.CreatedAt)))
		}
		if _, err := s.q.ExecContext(ctx, b.String(), args...); err != nil {
			return wrap(doing, err)
		}
		msgs = msgs[n:]
	}
	return nil
}

// PendingOutbox returns up to limit unsent messages with the given key, in
// the order they were added; none if limit is not positive.
func (s *store) PendingOutbox(ctx context.Context, key string, limit int) ([]inbox.OutboxMessage, error) {
	const doing = "listing the outbox"
	if limit <= 0 {
		return nil, nil
	}
	if err := checkText(doing, key); err != nil {
		return nil, err
	}
	rows, err := s.q.QueryContext(ctx, `
		SELECT `+outboxColumns+` FROM outbox
		WHERE ordering_key = $1
		ORDER BY id
		LIMIT $2`, key, limit)
	if err != nil {
		return nil, wrap(doing, err)
	}
	return collect(rows, doing, scanOutbox)
}

// DeleteOutbox removes a sent message. It returns flows.ErrNotFound if there
// is no such message.
func (s *store) DeleteOutbox(ctx context.Context, id int64) error {
	const doing = "removing a sent message from the outbox"
	res, err := s.q.ExecContext(ctx, `DELETE FROM outbox WHERE id = $1`, id)
	return changedOne(doing, res, err)
}

// DeleteOutboxes removes sent messages in one statement; ids no longer in
// the outbox are passed over.
func (s *store) DeleteOutboxes(ctx context.Context, ids []int64) error {
	const doing = "removing sent messages from the outbox"
	if len(ids) == 0 {
		return nil
	}
	byID, arg := inList(s.dialect, ids)
	_, err := s.q.ExecContext(ctx, `DELETE FROM outbox WHERE id `+byID, arg)
	return wrap(doing, err)
}

// StaleOutbox returns the ids of up to limit deliveries that still owe a
// message added before the given time, the longest waiting first.
func (s *store) StaleOutbox(ctx context.Context, before time.Time, limit int) ([]string, error) {
	const doing = "listing stale outbox messages"
	if limit <= 0 {
		return nil, nil
	}
	rows, err := s.q.QueryContext(ctx, `
		SELECT delivery_id FROM outbox
		WHERE created_at < $1
		GROUP BY delivery_id
		ORDER BY MIN(id)
		LIMIT $2`, s.dialect.timeArg(before), limit)
	if err != nil {
		return nil, wrap(doing, err)
	}
	return collect(rows, doing, func(r rowScanner) (string, error) {
		var id string
		err := r.Scan(&id)
		return id, err
	})
}

// OutboxKeys returns the ordering keys under which a delivery still owes
// messages, in the order of their first message.
func (s *store) OutboxKeys(ctx context.Context, deliveryID string) ([]string, error) {
	const doing = "listing a delivery's outbox keys"
	if err := checkText(doing, deliveryID); err != nil {
		return nil, err
	}
	rows, err := s.q.QueryContext(ctx, `
		SELECT ordering_key FROM outbox WHERE delivery_id = $1
		GROUP BY ordering_key ORDER BY MIN(id)`, deliveryID)
	if err != nil {
		return nil, wrap(doing, err)
	}
	return collect(rows, doing, func(r rowScanner) (string, error) {
		var k string
		err := r.Scan(&k)
		return k, err
	})
}
