package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"

	"whatmatters/flows"
	"whatmatters/inbox"
	"whatmatters/storage"
)

// gatedStore counts transactions and can hold the first one open, so a
// test can line deliveries up behind a commit in progress; it can also
// refuse one delivery inside a transaction.
type gatedStore struct {
	Store
	txs     atomic.Int32
	gate    chan struct{} // closed to let the first transaction go on
	entered chan struct{} // closed when the first transaction began
	once    sync.Once
	refuse  string // a delivery id the transaction refuses
}

func (g *gatedStore) InTx(ctx context.Context, fn func(flows.Store) error) error {
	if g.txs.Add(1) == 1 && g.gate != nil {
		g.once.Do(func() { close(g.entered) })
		<-g.gate
	}
	return g.Store.InTx(ctx, func(tx flows.Store) error { return fn(refusingStore{tx.(Store), g.refuse}) })
}

func (g *gatedStore) RecordDelivery(ctx context.Context, d inbox.Delivery) (bool, error) {
	return refusingStore{g.Store, g.refuse}.RecordDelivery(ctx, d)
}

type refusingStore struct {
	Store
	refuse string
}

func (r refusingStore) RecordDeliveries(ctx context.Context, ds []inbox.Delivery) ([]bool, error) {
	for _, d := range ds {
		if d.ID == r.refuse {
			return nil, errors.New("refused by the test")
		}
	}
	return r.Store.RecordDeliveries(ctx, ds)
}

func (r refusingStore) RecordDelivery(ctx context.Context, d inbox.Delivery) (bool, error) {
	if d.ID == r.refuse {
		return false, errors.New("refused by the test")
	}
	return r.Store.RecordDelivery(ctx, d)
}

// TestDeliveriesShareACommit: twenty deliveries that arrive while a commit
// is under way are recorded together in the next one (two transactions in
// all, not twenty-one), each once, each enqueued once, a repeat reported
// as no longer new.
func TestDeliveriesShareACommit(t *testing.T) {
	eachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		gs := &gatedStore{Store: db, gate: make(chan struct{}), entered: make(chan struct{})}
		s := newSlack(&fakeAPI{}, SlackOptions{Store: gs, Engine: engineOn(t)})
		enqueued := stubEnqueue(s)
		first := make(chan error, 1)
		go func() { first <- s.accept(ctx, inbox.Delivery{ID: "Ev0", Kind: kindEvent, Key: "T1/C1"}) }()
		<-gs.entered
		var wg sync.WaitGroup
		errs := make(chan error, 21)
		for i := 1; i <= 20; i++ {
			wg.Go(func() {
				errs <- s.accept(ctx, inbox.Delivery{ID: fmt.Sprintf("Ev%d", i), Kind: kindEvent, Key: "T1/C1"})
			})
		}
		// All twenty are waiting behind the first commit before it ends.
		for {
			n := s.delivery.Waiting()
			if n == 20 {
				break
			}
		}
		close(gs.gate)
		wg.Wait()
		if err := <-first; err != nil {
			t.Fatal(err)
		}
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		if n := gs.txs.Load(); n != 2 {
			t.Errorf("%d transactions for 21 deliveries, want 2", n)
		}
		if n := deliveries(t, db); n != 21 {
			t.Errorf("%d deliveries recorded, want 21", n)
		}
		if ids := enqueued(); len(ids) != 21 {
			t.Errorf("%d enqueued, want 21", len(ids))
		}
		if err := s.accept(ctx, inbox.Delivery{ID: "Ev3", Kind: kindEvent, Key: "T1/C1"}); err != nil {
			t.Errorf("a repeat: %v", err)
		}
		if n, ids := deliveries(t, db), enqueued(); n != 21 || len(ids) != 21 {
			t.Errorf("after a repeat, %d deliveries recorded and %d enqueued; want it known, 21 of each", n, len(ids))
		}
	})
}

// TestOneRefusedDeliveryDoesNotFailItsBatch: when the database refuses one
// delivery of a shared transaction, the others are recorded alone and
// acknowledged; only the refused one fails.
func TestOneRefusedDeliveryDoesNotFailItsBatch(t *testing.T) {
	db := sqliteDB(t)
	ctx := context.Background()
	gs := &gatedStore{Store: db, gate: make(chan struct{}), entered: make(chan struct{}), refuse: "EvBad"}
	s := newSlack(&fakeAPI{}, SlackOptions{Store: gs, Engine: engineOn(t)})
	stubEnqueue(s)
	first := make(chan error, 1)
	go func() { first <- s.accept(ctx, inbox.Delivery{ID: "EvA", Kind: kindEvent, Key: "T1/C1"}) }()
	<-gs.entered
	results := map[string]chan error{"EvB": make(chan error, 1), "EvBad": make(chan error, 1), "EvC": make(chan error, 1)}
	for id, ch := range results {
		go func() { ch <- s.accept(ctx, inbox.Delivery{ID: id, Kind: kindEvent, Key: "T1/C1"}) }()
	}
	for {
		n := s.delivery.Waiting()
		if n == 3 {
			break
		}
		runtime.Gosched()
	}
	close(gs.gate)
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	for id, ch := range results {
		err := <-ch
		if (id == "EvBad") != (err != nil) {
			t.Errorf("%s: %v", id, err)
		}
	}
	if n := deliveries(t, db); n != 3 {
		t.Errorf("%d deliveries recorded, want 3 (all but the refused one)", n)
	}
}

// TestThreadRepliesProcessedTogether: ten replies waiting in one thread are
// processed in one transaction, in the order they arrived, and each still
// gets its tick.
func TestThreadRepliesProcessedTogether(t *testing.T) {
	eachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		api := newSlackServer(t)
		gs := &gatedStore{Store: db}
		s := NewSlack(SlackOptions{BotToken: "xoxb-test", APIURL: api.GetAPIURL(), Store: gs, Engine: engineOn(t), PostInterval: -1})
		if err := s.Start(ctx); err != nil {
			t.Fatal(err)
		}
		stubEnqueue(s)
		rc, err := s.routeCommand(ctx, commandFromForm(func(k string) string {
			return map[string]string{"team_id": testTeam, "channel_id": "C1", "user_id": "U1", "command": "/reflect", "text": "Kestrel", "trigger_id": "t-batch"}[k]
		}))
		if err != nil || s.settle(ctx, rc) != nil || s.Process(ctx, rc.delivery.ID, false) != nil {
			t.Fatalf("starting: %v", err)
		}
		thread := api.made("chat.postMessage")[0].TS
		var last string
		for i := range 10 {
			var env envelope
			_ = json.Unmarshal(messageEvent(fmt.Sprintf("EvTog%d", i), fmt.Sprintf("U%d", 20+i), "C1", thread,
				fmt.Sprintf("1700003000.%06d", i), fmt.Sprintf("perspective %d", i)), &env)
			rc, err := s.routeEvent(env)
			if err != nil || s.settle(ctx, rc) != nil {
				t.Fatalf("reply %d: %v", i, err)
			}
			last = rc.delivery.ID
		}
		before := gs.txs.Load()
		if err := s.Process(ctx, last, false); err != nil {
			t.Fatal(err)
		}
		if n := gs.txs.Load() - before; n != 1 {
			t.Errorf("%d transactions for ten replies, want 1", n)
		}
		r, err := db.ReflectionByThread(ctx, testTeam, "C1", thread)
		if err != nil {
			t.Fatal(err)
		}
		as, err := db.ListAnswers(ctx, r.ID)
		if err != nil || len(as) != 10 {
			t.Fatalf("answers = %d, %v", len(as), err)
		}
		for i, a := range as {
			if a.Text != fmt.Sprintf("perspective %d", i) {
				t.Errorf("answer %d = %q: out of order", i, a.Text)
			}
		}
		if n := len(api.made("reactions.add")); n != 10 {
			t.Errorf("%d ticks, want 10", n)
		}
	})
}
