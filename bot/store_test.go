package bot

import (
	"context"
	"strings"
	"testing"

	"whatmatters/flows"
	"whatmatters/storage"
	"whatmatters/storage/storagetest"
)

var _ Store = (*storage.DB)(nil)

// narrowTx is a Store whose transactions keep only what the engine needs.
type narrowTx struct{ Store }

func (n narrowTx) InTx(ctx context.Context, fn func(flows.Store) error) error {
	return n.Store.InTx(ctx, func(tx flows.Store) error { return fn(struct{ flows.Store }{tx}) })
}

// TestInTxNeedsTheQueue: a Store whose transactions lose the inbox and
// outbox is refused with an error that says so, before any work is done.
func TestInTxNeedsTheQueue(t *testing.T) {
	db := storagetest.SQLite(t)
	s := newSlack(nil, SlackOptions{Store: narrowTx{db}, Engine: engineOn(t)})
	err := s.inTx(t.Context(), func(Store) error {
		t.Error("fn ran on a transaction with no inbox and outbox")
		return nil
	})
	if err == nil || !strings.Contains(err.Error(), "keeps no inbox and outbox") {
		t.Errorf("inTx = %v, want it refused", err)
	}
	s = newSlack(nil, SlackOptions{Store: db, Engine: engineOn(t)})
	if err := s.inTx(t.Context(), func(tx Store) error {
		_, err := tx.PendingDeliveries(t.Context(), 1)
		return err
	}); err != nil {
		t.Errorf("inTx on storage.DB = %v", err)
	}
}
