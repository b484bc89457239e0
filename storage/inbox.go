package storage

import (
	"context"
	"time"

	"whatmatters/flows"
)

const deliveryColumns = `id, kind, payload, received_at, processed_at`

func scanDelivery(r rowScanner) (flows.Delivery, error) {
	var d flows.Delivery
	err := r.Scan(&d.ID, &d.Kind, &d.Payload, timeDest{&d.ReceivedAt}, timeDest{&d.ProcessedAt})
	return d, err
}

// nullBytes stores an empty payload as NULL: drivers differ on whether an
// empty slice is NULL or a zero-length value.
func nullBytes(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return b
}

// RecordDelivery stores a delivery unless one with the same ID is already
// stored. It reports whether the delivery is new. A zero ReceivedAt means
// now; an empty Payload comes back nil.
func (s *store) RecordDelivery(ctx context.Context, d flows.Delivery) (bool, error) {
	const doing = "recording a delivery"
	if err := required(doing, "delivery id", d.ID); err != nil {
		return false, err
	}
	if err := checkText(doing, d.ID, d.Kind); err != nil {
		return false, err
	}
	res, err := s.q.ExecContext(ctx, `
		INSERT INTO inbox (id, kind, payload, received_at, processed_at)
		VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (id) DO NOTHING`,
		d.ID, d.Kind, nullBytes(d.Payload),
		s.dialect.timeArg(s.stamp(d.ReceivedAt)), s.dialect.nullTimeArg(d.ProcessedAt))
	if err != nil {
		return false, wrap(doing, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, wrap(doing, err)
	}
	return n == 1, nil
}

// MarkDeliveryProcessed sets the processed time (a zero time means now) and
// clears the payload. It returns flows.ErrNotFound if there is no such
// delivery.
func (s *store) MarkDeliveryProcessed(ctx context.Context, id string, at time.Time) error {
	const doing = "marking a delivery processed"
	if err := checkText(doing, id); err != nil {
		return err
	}
	res, err := s.q.ExecContext(ctx,
		`UPDATE inbox SET processed_at = $2, payload = NULL WHERE id = $1`,
		id, s.dialect.timeArg(s.stamp(at)))
	return changedOne(doing, res, err)
}

// PendingDeliveries returns up to limit deliveries not yet processed, oldest
// first; none if limit is not positive.
func (s *store) PendingDeliveries(ctx context.Context, limit int) ([]flows.Delivery, error) {
	const doing = "listing pending deliveries"
	if limit <= 0 {
		return nil, nil
	}
	rows, err := s.q.QueryContext(ctx, `
		SELECT `+deliveryColumns+` FROM inbox
		WHERE processed_at IS NULL
		ORDER BY received_at, id
		LIMIT $1`, limit)
	if err != nil {
		return nil, wrap(doing, err)
	}
	return collect(rows, doing, scanDelivery)
}
