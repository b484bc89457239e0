package delivery

import (
	"context"
	"fmt"
	"sync"
	"time"

	"whatmatters/inbox"
)

// maxBatch bounds how many deliveries one transaction records.
const maxBatch = 256

// groupCommit records deliveries in shared transactions. Every delivery
// waiting when a commit begins is recorded in it, so acknowledgements that
// arrive together share one commit (on SQLite, one fsync) instead of
// paying one each; their jobs are then enqueued in one call. No delivery
// is acknowledged before the commit that records it.
type groupCommit struct {
	s   *Service
	max int // transactions at once

	mu      sync.Mutex
	queue   []*ackReq
	running int
	// waiting counts the deliveries being recorded.
	waiting int
	// lane holds the one runner batch let into the database while
	// deliveries wait to be recorded (see yield).
	lane chan struct{}
}

// yield is called by a runner before a batch's transaction: while
// deliveries are waiting to be recorded, it lets only one runner's batch
// into the database at a time, so that acknowledgements, which the platform
// times, get most of the CPU and the database (on SQLite, its one
// connection) without processing ever stopping. When none is waiting,
// runners go side by side. The returned function ends the batch.
func (g *groupCommit) yield(ctx context.Context) (func(), error) {
	if !g.busy() {
		return func() {}, nil
	}
	select {
	case g.lane <- struct{}{}:
		return func() { <-g.lane }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// busy reports whether deliveries are waiting to be recorded.
func (g *groupCommit) busy() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.waiting > 0
}

// enter and leave count a delivery being recorded.
func (g *groupCommit) enter() {
	g.mu.Lock()
	g.waiting++
	g.mu.Unlock()
}

func (g *groupCommit) leave() {
	g.mu.Lock()
	g.waiting--
	g.mu.Unlock()
}

type ackReq struct {
	d    inbox.Delivery
	done chan ackResult
}

type ackResult struct {
	isNew bool
	err   error
}

// record records d, alone or with others, and reports whether it was new.
func (g *groupCommit) record(ctx context.Context, d inbox.Delivery) (bool, error) {
	g.enter()
	defer g.leave()
	r := &ackReq{d: d, done: make(chan ackResult, 1)}
	g.mu.Lock()
	g.queue = append(g.queue, r)
	lead := g.running < g.max
	if lead {
		g.running++
	}
	g.mu.Unlock()
	if lead {
		g.commitNext()
	}
	select {
	case res := <-r.done:
		return res.isNew, res.err
	case <-ctx.Done():
		// It may still be recorded; unacknowledged, the platform sends it again
		// and the inbox knows it.
		return false, ctx.Err()
	}
}

// commitNext commits the deliveries waiting; while more wait, it hands its
// slot on to a goroutine of its own, so the caller is answered at once.
func (g *groupCommit) commitNext() {
	g.mu.Lock()
	batch := g.queue
	if len(batch) > maxBatch {
		batch, g.queue = batch[:maxBatch], batch[maxBatch:]
	} else {
		g.queue = nil
	}
	g.mu.Unlock()
	g.commit(batch)
	g.mu.Lock()
	if len(g.queue) > 0 {
		g.mu.Unlock()
		go g.commitNext()
		return
	}
	g.running--
	g.mu.Unlock()
}

// commit records a batch in one transaction, then hands the new deliveries
// to runners, or enqueues their jobs when no runner can take them. If the
// shared transaction fails, each delivery is tried alone, so that one the
// database refuses cannot fail the others.
func (g *groupCommit) commit(batch []*ackReq) {
	if len(batch) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	results := make([]ackResult, len(batch))
	ds := make([]inbox.Delivery, len(batch))
	for i, r := range batch {
		ds[i] = r.d
	}
	err := g.s.InTx(ctx, func(tx Store) error {
		// One statement for the batch: on PostgreSQL, one round trip
		// instead of one per delivery while the transaction is open.
		isNew, err := tx.RecordDeliveries(ctx, ds)
		if err != nil {
			return err
		}
		for i := range batch {
			results[i] = ackResult{isNew: isNew[i]}
		}
		return nil
	})
	if err != nil && len(batch) > 1 {
		for i, r := range batch {
			isNew, err := g.s.store.RecordDelivery(ctx, r.d)
			results[i] = ackResult{isNew: isNew, err: err}
		}
	} else if err != nil {
		results[0] = ackResult{err: err}
	}
	var fresh []recorded
	for i, r := range batch {
		if results[i].err == nil && results[i].isNew {
			fresh = append(fresh, recorded{id: r.d.ID, key: r.d.Key})
		}
	}
	// Processed here and now by runners when they can; otherwise by jobs.
	if ids := g.s.runners.dispatch(fresh); len(ids) > 0 {
		if _, err := g.s.queue.Enqueue(ctx, ids...); err != nil {
			g.s.metrics.enqueue.Add(float64(len(ids)))
			g.s.log.WarnContext(ctx, "delivery: deliveries recorded but not enqueued; the sweep will enqueue them",
				"count", len(ids), "err", err)
		}
	}
	for i, r := range batch {
		if results[i].err != nil {
			results[i].err = fmt.Errorf("recording delivery %s: %w", r.d.ID, results[i].err)
		}
		r.done <- results[i]
	}
}
