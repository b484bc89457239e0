package storage

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"whatmatters/flows"
	"whatmatters/inbox"
)

const deliveryColumns = `id, kind, payload, ordering_key, seq, received_at, processed_at`

func scanDelivery(r rowScanner) (inbox.Delivery, error) {
	var d inbox.Delivery
	err := r.Scan(&d.ID, &d.Kind, &d.Payload, &d.Key, &d.Seq, timeDest{&d.ReceivedAt}, timeDest{&d.ProcessedAt})
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

// nextSeq is the SQL expression giving a new delivery its sequence number.
// PostgreSQL draws from a sequence; SQLite, which has none, takes one more
// than the largest, which is safe because every SQLite write holds the
// database's one write lock (see the migration).
func (d Dialect) nextSeq() string {
	if d == Postgres {
		return `nextval('inbox_seq')`
	}
	return `(SELECT COALESCE(MAX(seq), 0) + 1 FROM inbox)`
}

// RecordDelivery stores a delivery unless one with the same ID is already
// stored, giving it the next sequence number. It reports whether the
// delivery is new. A zero ReceivedAt means now; an empty Payload comes back
// nil.
//
// On PostgreSQL, sequence numbers are drawn in the order deliveries arrive
// but may commit out of that order; two deliveries of one key recorded in
// the same instant may therefore be processed in either order. Deliveries
// recorded one after another are always processed in that order.
func (s *store) RecordDelivery(ctx context.Context, d inbox.Delivery) (bool, error) {
	const doing = "recording a delivery"
	if err := required(doing, "delivery id", d.ID); err != nil {
		return false, err
	}
	if err := checkText(doing, d.ID, d.Kind, d.Key); err != nil {
		return false, err
	}
	res, err := s.q.ExecContext(ctx, `
		INSERT INTO inbox (id, kind, payload, ordering_key, seq, received_at, processed_at)
		VALUES ($1, $2, $3, $4, `+s.dialect.nextSeq()+`, $5, $6)
		ON CONFLICT (id) DO NOTHING`,
		d.ID, d.Kind, nullBytes(d.Payload), d.Key,
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

// RecordDeliveries stores deliveries as RecordDelivery does and reports
// for each whether it was new; a delivery repeated within ds is new at most
// once, the first time. On PostgreSQL the rows go in multi-row INSERTs (one
// round trip for many while the group commit's transaction is open), of a
// few fixed sizes so that few statements are prepared and cached. On
// SQLite, which is in process and has no round trips, they go one by one
// through the one cached statement.
func (s *store) RecordDeliveries(ctx context.Context, ds []inbox.Delivery) ([]bool, error) {
	const doing = "recording deliveries"
	isNew := make([]bool, len(ds))
	if s.dialect != Postgres {
		for i, d := range ds {
			n, err := s.RecordDelivery(ctx, d)
			if err != nil {
				return nil, err
			}
			isNew[i] = n
		}
		return isNew, nil
	}
	first := make(map[string]int, len(ds))
	rows := make([]int, 0, len(ds))
	for i, d := range ds {
		if err := required(doing, "delivery id", d.ID); err != nil {
			return nil, err
		}
		if err := checkText(doing, d.ID, d.Kind, d.Key); err != nil {
			return nil, err
		}
		if _, seen := first[d.ID]; seen {
			continue
		}
		first[d.ID] = i
		rows = append(rows, i)
	}
	for len(rows) > 0 {
		n := insertChunk(len(rows))
		if err := s.insertDeliveries(ctx, ds, rows[:n], first, isNew); err != nil {
			return nil, err
		}
		rows = rows[n:]
	}
	return isNew, nil
}

// insertChunk is how many of n rows the next INSERT takes: the largest of a
// few fixed sizes that fits.
func insertChunk(n int) int {
	for _, size := range []int{64, 16, 4} {
		if n >= size {
			return size
		}
	}
	return 1
}

// insertDeliveries inserts ds[rows] in one statement and marks the new ones.
func (s *store) insertDeliveries(ctx context.Context, ds []inbox.Delivery, rows []int, first map[string]int, isNew []bool) error {
	const doing = "recording deliveries"
	var b strings.Builder
	b.WriteString(`INSERT INTO inbox (id, kind, payload, ordering_key, seq, received_at, processed_at) VALUES `)
	args := make([]any, 0, 6*len(rows))
	for k, i := range rows {
		d := ds[i]
		if k > 0 {
			b.WriteString(", ")
		}
		n := len(args)
		// nextval in the order of the VALUES rows.
		fmt.Fprintf(&b, "($%d, $%d, $%d, $%d, %s, $%d, $%d)", n+1, n+2, n+3, n+4, s.dialect.nextSeq(), n+5, n+6)
		args = append(args, d.ID, d.Kind, nullBytes(d.Payload), d.Key,
			s.dialect.timeArg(s.stamp(d.ReceivedAt)), s.dialect.nullTimeArg(d.ProcessedAt))
	}
	b.WriteString(` ON CONFLICT (id) DO NOTHING RETURNING id`)
	rs, err := s.q.QueryContext(ctx, b.String(), args...)
	if err != nil {
		return wrap(doing, err)
	}
	defer rs.Close()
	for rs.Next() {
		var id string
		if err := rs.Scan(&id); err != nil {
			return wrap(doing, err)
		}
		if i, ok := first[id]; ok {
			isNew[i] = true
		}
	}
	return wrap(doing, rs.Err())
}

// GetDelivery returns flows.ErrNotFound if there is no such delivery.
func (s *store) GetDelivery(ctx context.Context, id string) (inbox.Delivery, error) {
	const doing = "loading a delivery"
	if err := checkText(doing, id); err != nil {
		return inbox.Delivery{}, err
	}
	d, err := scanDelivery(s.q.QueryRowContext(ctx, `SELECT `+deliveryColumns+` FROM inbox WHERE id = $1`, id))
	return d, wrap(doing, err)
}

// NextDelivery returns the unprocessed delivery with the given key and the
// lowest sequence number not above upTo, or flows.ErrNotFound.
func (s *store) NextDelivery(ctx context.Context, key string, upTo int64) (inbox.Delivery, error) {
	const doing = "finding the next delivery"
	if err := checkText(doing, key); err != nil {
		return inbox.Delivery{}, err
	}
	d, err := scanDelivery(s.q.QueryRowContext(ctx, `
		SELECT `+deliveryColumns+` FROM inbox
		WHERE ordering_key = $1 AND seq <= $2 AND processed_at IS NULL
		ORDER BY seq
		LIMIT 1`, key, upTo))
	return d, wrap(doing, err)
}

// NextDeliveries returns up to limit unprocessed deliveries with the given
// key and sequence numbers not above upTo, in sequence order.
func (s *store) NextDeliveries(ctx context.Context, key string, upTo int64, limit int) ([]inbox.Delivery, error) {
	const doing = "finding the next deliveries"
	if err := checkText(doing, key); err != nil {
		return nil, err
	}
	if limit <= 0 {
		return nil, nil
	}
	rows, err := s.q.QueryContext(ctx, `
		SELECT `+deliveryColumns+` FROM inbox
		WHERE ordering_key = $1 AND seq <= $2 AND processed_at IS NULL
		ORDER BY seq
		LIMIT $3`, key, upTo, limit)
	if err != nil {
		return nil, wrap(doing, err)
	}
	return collect(rows, doing, scanDelivery)
}

// MarkDeliveryProcessed sets the processed time (a zero time means now) and
// clears the payload. It returns flows.ErrNotFound if there is no such
// delivery, and flows.ErrConflict if it was processed already. On
// PostgreSQL a second transaction marking the same delivery waits for the
// first and then gets ErrConflict, so two workers can never both commit
// the same delivery's work.
func (s *store) MarkDeliveryProcessed(ctx context.Context, id string, at time.Time) error {
	const doing = "marking a delivery processed"
	if err := checkText(doing, id); err != nil {
		return err
	}
	res, err := s.q.ExecContext(ctx,
		`UPDATE inbox SET processed_at = $2, payload = NULL WHERE id = $1 AND processed_at IS NULL`,
		id, s.dialect.timeArg(s.stamp(at)))
	err = changedOne(doing, res, err)
	if errors.Is(err, flows.ErrNotFound) {
		var n int
		if qerr := s.q.QueryRowContext(ctx, `SELECT count(*) FROM inbox WHERE id = $1`, id).Scan(&n); qerr != nil {
			return wrap(doing, qerr)
		}
		if n > 0 {
			return fmt.Errorf("%s: %w: already processed", doing, flows.ErrConflict)
		}
	}
	return err
}

// MarkDeliveriesProcessed marks several deliveries processed: on
// PostgreSQL in one statement, on SQLite (no round trips to save) one by
// one. It returns flows.ErrConflict, and on PostgreSQL marks none, if any
// was processed already or does not exist.
func (s *store) MarkDeliveriesProcessed(ctx context.Context, ids []string, at time.Time) error {
	const doing = "marking deliveries processed"
	if s.dialect != Postgres {
		seen := make(map[string]bool, len(ids))
		for _, id := range ids {
			if seen[id] {
				continue
			}
			seen[id] = true
			if err := s.MarkDeliveryProcessed(ctx, id, at); errors.Is(err, flows.ErrNotFound) {
				return fmt.Errorf("%s: %w: delivery %s is not in the inbox", doing, flows.ErrConflict, id)
			} else if err != nil {
				return err
			}
		}
		return nil
	}
	if len(ids) == 0 {
		return nil
	}
	if err := checkText(doing, ids...); err != nil {
		return err
	}
	unique := make(map[string]bool, len(ids))
	for _, id := range ids {
		unique[id] = true
	}
	return s.InTx(ctx, func(tx flows.Store) error {
		byID, arg := inList(s.dialect, ids)
		res, err := tx.(*store).q.ExecContext(ctx,
			`UPDATE inbox SET processed_at = $2, payload = NULL WHERE id `+byID+` AND processed_at IS NULL`,
			arg, s.dialect.timeArg(s.stamp(at)))
		if err != nil {
			return wrap(doing, err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return wrap(doing, err)
		}
		if int(n) != len(unique) {
			// Undone with the savepoint or transaction: all or none.
			return fmt.Errorf("%s: %w: %d of %d were processed already or are missing", doing, flows.ErrConflict, len(unique)-int(n), len(unique))
		}
		return nil
	})
}

// PendingDeliveries returns up to limit deliveries not yet processed, oldest
// first; none if limit is not positive.
func (s *store) PendingDeliveries(ctx context.Context, limit int) ([]inbox.Delivery, error) {
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
