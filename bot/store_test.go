package bot

import (
	"context"
	"strings"
	"testing"

	"whatmatters/flows"
	"whatmatters/storage"
)

var _ Store = (*storage.DB)(nil)

// txStore is a Store whose InTx passes fn itself or, when narrow, only
// what the engine needs.
type txStore struct {
	Store
	narrow bool
}

func (s txStore) InTx(_ context.Context, fn func(flows.Store) error) error {
	if s.narrow {
		return fn(struct{ flows.Store }{s})
	}
	return fn(s)
}

// TestInTxNeedsTheQueue: a Store whose transactions lose the inbox and
// outbox is refused with an error that says so, before any work is done.
func TestInTxNeedsTheQueue(t *testing.T) {
	ctx := context.Background()
	s := newSlack(nil, SlackOptions{Store: txStore{narrow: true}})
	err := s.delivery.InTx(ctx, func(Store) error {
		t.Error("fn ran on a transaction with no inbox and outbox")
		return nil
	})
	if err == nil || !strings.Contains(err.Error(), "keeps no inbox and outbox") {
		t.Errorf("InTx = %v, want it refused", err)
	}
	s = newSlack(nil, SlackOptions{Store: txStore{}})
	ran := false
	if err := s.delivery.InTx(ctx, func(Store) error { ran = true; return nil }); err != nil || !ran {
		t.Errorf("InTx = %v, ran %v", err, ran)
	}
}
