package themes_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"whatmatters/flows"
	"whatmatters/storage"
	"whatmatters/storage/storagetest"
	"whatmatters/themes"
)

// txCounting counts the transactions begun on a Store, and can change an
// answer's text as the first one begins, as an edit arriving mid-coding
// would.
type txCounting struct {
	flows.Store
	txs    atomic.Int32
	before func()
}

func (c *txCounting) InTx(ctx context.Context, fn func(flows.Store) error) error {
	c.txs.Add(1)
	return c.Store.InTx(ctx, fn)
}

// SaveManyCodes is one transaction (storage's own).
func (c *txCounting) SaveManyCodes(ctx context.Context, codes []flows.AnswerCodes) (int, error) {
	if c.txs.Add(1) == 1 && c.before != nil {
		c.before()
	}
	return c.Store.SaveManyCodes(ctx, codes)
}

// TestCodeAllStoresAListingInOneTransaction: the offline coder's job codes
// every waiting answer and stores their codes in one transaction, not one
// each; an answer edited after it was coded is left for the next look, and
// the others are stored.
func TestCodeAllStoresAListingInOneTransaction(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		if _, err := db.EnsureTeam(ctx, flows.Team{ID: "TC", Name: "Coding", Timezone: "Europe/London"}); err != nil {
			t.Fatal(err)
		}
		c, err := db.CreateCase(ctx, flows.Case{TeamID: "TC", Label: "Kestrel"})
		if err != nil {
			t.Fatal(err)
		}
		r, err := db.CreateReflection(ctx, flows.Reflection{TeamID: "TC", CaseID: c.ID, Template: "case", Status: flows.StatusInProgress,
			Channel: "C1", Thread: "t1", StartedBy: "U1"})
		if err != nil {
			t.Fatal(err)
		}
		var ids []int64
		for i := range 5 {
			a, err := db.AddAnswer(ctx, flows.Answer{ReflectionID: r.ID, TeamID: "TC", Stage: "what_matters", Author: "U1",
				Text: fmt.Sprintf("Her daughter visits every day and she wants to be at home %d.", i)})
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, a.ID)
		}
		off := themes.NewOffline()
		store := &txCounting{Store: db, before: func() {
			a, err := db.GetAnswer(ctx, ids[2])
			if err == nil {
				a.Text = "She wants her dog with her."
				err = db.UpdateAnswer(ctx, a)
			}
			if err != nil {
				t.Error(err)
			}
		}}
		coding := &themes.Coding{Store: store, Primary: off, Offline: off, Name: themes.OfflineName, Version: themes.OfflineVersion}
		n, err := coding.CodeAll(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n != 5 {
			t.Errorf("stored %d codes; want 5 (4, then the edited one on the next look)", n)
		}
		if got := store.txs.Load(); got != 2 {
			t.Errorf("%d transactions; want 2 (one per listing)", got)
		}
		if left, err := coding.Pending(ctx, 10); err != nil || len(left) != 0 {
			t.Errorf("left to code: %v, %v; want none", left, err)
		}
	})
}
