package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"
)

// runRetries sends every delivery 2 to 4 times, the copies as Slack's
// retries (X-Slack-Retry-Num), some at once with the first: each must take
// effect once.
func runRetries(ctx context.Context, o options) (summary string, err error) {
	e, err := setup(ctx, o, "retries", "")
	if err != nil {
		return "", err
	}
	defer finish(o, e, &err)
	w := newWorkload(pick(o, 4, 16), pick(o, 6, 20), 4, pick(o, 8, 16))
	if err := w.start(ctx, e, 2, 30*time.Second); err != nil {
		return "", err
	}
	w.plan()
	rng := rand.New(rand.NewPCG(uint64(o.seed), 1))
	var mu sync.Mutex
	copies := map[int]int{}
	start := time.Now()
	w.send(ctx, w.msgs, func(m *message) {
		mu.Lock()
		n := 2 + rng.IntN(3)
		copies[n]++
		delays := make([]time.Duration, n)
		for i := 1; i < n; i++ {
			delays[i] = time.Duration(rng.IntN(300)) * time.Millisecond
		}
		mu.Unlock()
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				time.Sleep(delays[i])
				w.deliver(ctx, e, m, i)
			})
		}
		wg.Wait()
	}, nil)
	took, derr := drained(ctx, e, start, time.Now().Add(pick(o, 45*time.Second, 3*time.Minute)))
	res := w.check(ctx, e)
	var reflections int
	_ = e.db.QueryRow(ctx, `SELECT count(*) FROM reflections`).Scan(&reflections)
	non200 := 0
	for _, m := range w.msgs {
		for _, st := range m.statuses {
			if st != http.StatusOK {
				non200++
			}
		}
	}
	summary = fmt.Sprintf("%d deliveries sent %d/%d/%d times (2/3/4), %d answers not 200; reflections %d of %d; drained in %s; %s",
		len(w.msgs), copies[2], copies[3], copies[4], non200, reflections, w.reflections, took.Round(100*time.Millisecond), res)
	switch {
	case derr != nil:
		return summary, failf("%v", derr)
	case reflections != w.reflections:
		return summary, failf("%d reflections started by %d commands sent twice", reflections, w.reflections)
	case res.acked != len(w.msgs):
		return summary, failf("only %d of %d deliveries acknowledged", res.acked, len(w.msgs))
	case !res.ok():
		return summary, failf("%v", res.problems)
	}
	return summary, nil
}

func runSigkill(ctx context.Context, o options) (string, error) {
	return "", fmt.Errorf("not yet")
}

func runSlackFaults(ctx context.Context, o options) (string, error) {
	return "", fmt.Errorf("not yet")
}

func runUnsignedFlood(ctx context.Context, o options) (string, error) {
	return "", fmt.Errorf("not yet")
}

func runPGRestart(ctx context.Context, o options) (string, error) {
	return "", fmt.Errorf("not yet")
}

func runFuzz(ctx context.Context, o options) (string, error) {
	return "", fmt.Errorf("not yet")
}
