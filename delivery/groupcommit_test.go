package delivery

import (
	"context"
	"testing"
)

// TestRunnersGiveWayToAcknowledgements: with no delivery waiting to be
// recorded, runners' batches go side by side; while one waits, one batch
// at a time goes into the database, and the next waits for it.
func TestRunnersGiveWayToAcknowledgements(t *testing.T) {
	g := &groupCommit{lane: make(chan struct{}, 1)}
	ctx := context.Background()
	a, err := g.yield(ctx)
	if err != nil {
		t.Fatal(err)
	}
	b, err := g.yield(ctx)
	if err != nil {
		t.Fatal(err)
	}
	a()
	b()

	g.enter() // an acknowledgement is being recorded
	first, err := g.yield(ctx)
	if err != nil {
		t.Fatal(err)
	}
	second := make(chan func(), 1)
	go func() {
		done, err := g.yield(ctx)
		if err != nil {
			t.Error(err)
			return
		}
		second <- done
	}()
	select {
	case <-second:
		t.Fatal("a second batch went in beside the first while an acknowledgement waited")
	default:
	}
	first()
	(<-second)()
	g.leave()

	// A batch waiting its turn gives up when its context ends.
	g.enter()
	defer g.leave()
	hold, _ := g.yield(ctx)
	defer hold()
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := g.yield(cctx); err == nil {
		t.Error("yield with a cancelled context and the lane taken: no error")
	}
}
