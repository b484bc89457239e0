package main

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"

	"whatmatters/internal/slackfake"
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

// runSigkill kills serve (SIGKILL) mid-load, with the fake API slowed so
// that posts are in flight, then starts it again on the same database and
// sends what was not acknowledged again, as Slack would: within 75 s of the
// restart every acknowledged delivery must be processed and every owed post
// made, none twice. (River rescues the dead instance's running jobs after
// 30 s, checked every 30 s.)
func runSigkill(ctx context.Context, o options) (summary string, err error) {
	e, err := setup(ctx, o, "sigkill", "")
	if err != nil {
		return "", err
	}
	defer finish(o, e, &err)
	w := newWorkload(pick(o, 6, 16), pick(o, 6, 20), 4, pick(o, 8, 16))
	if err := w.start(ctx, e, 1, 30*time.Second); err != nil {
		return "", err
	}
	w.plan()
	e.api.SetLatency(300 * time.Millisecond)

	var killed sync.Once
	killedCh := make(chan struct{})
	var atKill struct{ flight, posts, pending, outbox, running, acked int }
	// The killer: once a third of the messages are acknowledged and a post
	// is in flight, SIGKILL.
	go func() {
		deadline := time.Now().Add(60 * time.Second)
		for time.Now().Before(deadline) && ctx.Err() == nil {
			acked := 0
			for _, m := range w.msgs {
				m.mu.Lock()
				if m.acked {
					acked++
				}
				m.mu.Unlock()
			}
			if acked >= len(w.msgs)/3 && e.api.PostsInFlight() > 0 {
				atKill.flight, atKill.posts, atKill.acked = e.api.InFlight(), e.api.PostsInFlight(), acked
				e.srv.kill()
				break
			}
			time.Sleep(5 * time.Millisecond)
		}
		killed.Do(func() { close(killedCh) })
	}()
	isKilled := func() bool {
		select {
		case <-killedCh:
			return true
		default:
			return false
		}
	}
	// Sent slowly, two at a time, so that the kill comes mid-load.
	conc := w.conc
	w.conc = 2
	w.send(ctx, w.msgs, func(m *message) {
		w.deliver(ctx, e, m, 0)
		time.Sleep(100 * time.Millisecond)
	}, isKilled)
	w.conc = conc
	<-killedCh
	if e.srv.running() {
		return "", fmt.Errorf("the kill did not happen: no post was in flight once a third of the deliveries were acknowledged, in 60s")
	}
	_ = e.db.QueryRow(ctx, `SELECT (SELECT count(*) FROM inbox WHERE processed_at IS NULL), (SELECT count(*) FROM outbox),
		(SELECT count(*) FROM river_job WHERE state = 'running')`).Scan(&atKill.pending, &atKill.outbox, &atKill.running)

	restart := time.Now()
	if err := e.srv.start(ctx); err != nil {
		return "", fmt.Errorf("restarting serve: %w", err)
	}
	ready := time.Since(restart)
	// What was never acknowledged (never sent, or cut off by the kill) is
	// sent now, as Slack's retry where it was sent before.
	var rest []*message
	for _, m := range w.msgs {
		if !m.acked {
			rest = append(rest, m)
		}
	}
	w.send(ctx, rest, func(m *message) {
		retry := 0
		if len(m.statuses) > 0 {
			retry = 1
		}
		for i := 0; i < 4 && w.deliver(ctx, e, m, retry+i) != http.StatusOK; i++ {
			time.Sleep(500 * time.Millisecond)
		}
	}, nil)
	took, derr := drained(ctx, e, restart, restart.Add(75*time.Second))
	res := w.check(ctx, e)
	found := 0
	for _, c := range e.api.Calls() {
		if (c.Method == "conversations.replies" || c.Method == "conversations.history") && c.At.After(restart) {
			found++
		}
	}
	summary = fmt.Sprintf("killed with %d acknowledged, %d Web API calls in flight (%d posts), %d deliveries unprocessed, %d replies unsent, %d jobs running; "+
		"ready %s after restart, all processed and sent %s after restart (%d look-ups of earlier posts); %s",
		atKill.acked, atKill.flight, atKill.posts, atKill.pending, atKill.outbox, atKill.running, ready.Round(100*time.Millisecond),
		took.Round(100*time.Millisecond), found, res)
	switch {
	case derr != nil:
		return summary, failf("%v", derr)
	case res.acked != len(w.msgs):
		return summary, failf("only %d of %d deliveries acknowledged", res.acked, len(w.msgs))
	case !res.ok():
		return summary, failf("%v", res.problems)
	}
	return summary, nil
}

// inFlightAllowance is how soon after a 429 a call may still arrive
// because it was sent before the 429 reached the bot.
const inFlightAllowance = 100 * time.Millisecond

// runSlackFaults has the fake Web API answer chat.postMessage with 429
// (Retry-After: 2) for a while, then every call with 500 for a while, as the load is sent:
// every reply must arrive, none twice, and no chat.postMessage may reach
// the fake sooner than Retry-After after a 429 to one.
func runSlackFaults(ctx context.Context, o options) (summary string, err error) {
	e, err := setup(ctx, o, "slack-429-500", "")
	if err != nil {
		return "", err
	}
	defer finish(o, e, &err)
	w := newWorkload(pick(o, 6, 16), pick(o, 6, 20), 4, pick(o, 8, 16))
	if err := w.start(ctx, e, 1, 30*time.Second); err != nil {
		return "", err
	}
	w.plan()
	const retryAfter = 2
	window := pick(o, 5*time.Second, 15*time.Second)
	start := time.Now()
	// Slack's rate limits are per method: the 429s are chat.postMessage's,
	// the 500s every method's.
	e.api.SetFault(&slackfake.Fault{Status: http.StatusTooManyRequests, RetryAfter: retryAfter, Until: start.Add(window),
		Methods: map[string]bool{"chat.postMessage": true}})
	go func() {
		select {
		case <-ctx.Done():
		case <-time.After(window):
			e.api.SetFault(&slackfake.Fault{Status: http.StatusInternalServerError, Until: start.Add(2 * window)})
		}
	}()
	w.send(ctx, w.msgs, func(m *message) {
		for i := 0; i < 4 && w.deliver(ctx, e, m, i) != http.StatusOK; i++ {
			time.Sleep(500 * time.Millisecond)
		}
	}, nil)
	took, derr := drained(ctx, e, start, time.Now().Add(pick(o, 60*time.Second, 3*time.Minute)))
	res := w.check(ctx, e)

	// The gap from each 429 to chat.postMessage to the next one to arrive.
	calls := e.api.Calls()
	sort.Slice(calls, func(i, j int) bool { return calls[i].At.Before(calls[j].At) })
	by429 := map[string]int{}
	for _, c := range calls {
		if c.Status == http.StatusTooManyRequests {
			by429[c.Method]++
		}
	}
	var n429, n500, violations, inflight int
	minGap, rawMin := time.Duration(-1), time.Duration(-1)
	for i, c := range calls {
		switch c.Status {
		case http.StatusTooManyRequests:
			n429++
		case http.StatusInternalServerError:
			n500++
		}
		if c.Method != "chat.postMessage" || c.Status != http.StatusTooManyRequests {
			continue
		}
		for _, next := range calls[i+1:] {
			if next.Method != "chat.postMessage" || !next.At.After(c.Done) {
				continue
			}
			gap := next.At.Sub(c.Done)
			if rawMin < 0 || gap < rawMin {
				rawMin = gap
			}
			if gap < inFlightAllowance {
				inflight++
				continue
			}
			if minGap < 0 || gap < minGap {
				minGap = gap
			}
			if gap < retryAfter*time.Second {
				violations++
			}
			break
		}
	}
	storm := stormRate(calls, start.Add(window), start.Add(2*window))
	summary = fmt.Sprintf("429 (Retry-After: %d) for %s then 500 for %s: %d answered 429 %v, %d answered 500; all processed and sent %s after the faults began; "+
		"min gap from a 429 to the next chat.postMessage %s (%d sooner than Retry-After; %d within %s, already in flight, not counted; raw min %s); "+
		"during the 500s: %s; %s",
		retryAfter, window, window, n429, by429, n500, took.Round(100*time.Millisecond), minGap.Round(time.Millisecond), violations,
		inflight, inFlightAllowance, rawMin.Round(time.Millisecond), storm, res)
	switch {
	case derr != nil:
		return summary, failf("%v", derr)
	case res.acked != len(w.msgs):
		return summary, failf("only %d of %d deliveries acknowledged", res.acked, len(w.msgs))
	case violations > 0:
		return summary, failf("%d chat.postMessage calls came sooner than Retry-After after a 429", violations)
	case n429 == 0 || n500 == 0:
		return summary, failf("the fault windows were not hit")
	case !res.ok():
		return summary, failf("%v", res.problems)
	}
	return summary, nil
}

// runSlack500 has the fake Web API answer every call 500 for a window
// from the first event on, as the load is sent (most of it other members'
// messages, each owing a reaction): every reply must still arrive, once;
// the calls made while Slack failed are reported (see stormRate).
func runSlack500(ctx context.Context, o options) (summary string, err error) {
	e, err := setup(ctx, o, "slack-500", "")
	if err != nil {
		return "", err
	}
	defer finish(o, e, &err)
	w := newWorkload(pick(o, 4, 8), pick(o, 6, 10), 1, pick(o, 8, 16))
	if err := w.start(ctx, e, 1, 30*time.Second); err != nil {
		return "", err
	}
	w.plan()
	window := 10 * time.Second
	start := time.Now()
	e.api.SetFault(&slackfake.Fault{Status: http.StatusInternalServerError, Until: start.Add(window)})
	w.send(ctx, w.msgs, func(m *message) { w.deliver(ctx, e, m, 0) }, nil)
	took, derr := drained(ctx, e, start, time.Now().Add(pick(o, 60*time.Second, 2*time.Minute)))
	res := w.check(ctx, e)
	storm := stormRate(e.api.Calls(), start, start.Add(window))
	summary = fmt.Sprintf("%d events (%d owing a reaction) sent during %s of 500s: %s; all processed and sent %s after the 500s began; %s",
		len(w.msgs), len(w.msgs)-w.reflections*w.starter, window, storm, took.Round(100*time.Millisecond), res)
	switch {
	case derr != nil:
		return summary, failf("%v", derr)
	case res.acked != len(w.msgs):
		return summary, failf("only %d of %d deliveries acknowledged", res.acked, len(w.msgs))
	case !res.ok():
		return summary, failf("%v", res.problems)
	}
	return summary, nil
}

// stormRate describes the Web API calls made while Slack answered 500
// (from..until): how many, the most in one second (all methods, and of
// the busiest method), and the most tries of one reaction.
func stormRate(calls []slackfake.Call, from, until time.Time) string {
	perSec := map[int64]int{}
	perMethodSec := map[string]int{}
	tries := map[string]int{}
	total := 0
	for _, c := range calls {
		if c.At.Before(from) || !c.At.Before(until) || c.Method == "auth.test" {
			continue
		}
		total++
		sec := int64(c.At.Sub(from) / time.Second)
		perSec[sec]++
		perMethodSec[c.Method+"@"+strconv.FormatInt(sec, 10)]++
		if c.Method == "reactions.add" {
			tries[c.Channel+"/"+c.TS]++
		}
	}
	peak, peakMethod, busiest, mostTries := 0, 0, "", 0
	for _, n := range perSec {
		peak = max(peak, n)
	}
	for k, n := range perMethodSec {
		if n > peakMethod {
			peakMethod, busiest = n, k[:strings.LastIndex(k, "@")]
		}
	}
	for _, n := range tries {
		mostTries = max(mostTries, n)
	}
	return fmt.Sprintf("%d calls in %s, peak %d a second (of one method: %d, %s), one reaction tried at most %d times",
		total, until.Sub(from), peak, peakMethod, busiest, mostTries)
}

// runUnsignedFlood sends signed deliveries alone, then again beside a
// flood of unsigned and badly signed requests: every bad one must get 401,
// every signed one 200; it reports the signed ones' latency both ways.
func runUnsignedFlood(ctx context.Context, o options) (summary string, err error) {
	e, err := setup(ctx, o, "unsigned-flood", "")
	if err != nil {
		return "", err
	}
	defer finish(o, e, &err)
	n := pick(o, 400, 3000)
	floodConc := pick(o, 32, 64)
	floodMax := pick(o, 20000, 200000)
	run := strconv.FormatInt(time.Now().UnixNano()%1_000_000_000, 36)
	signedRun := func(phase string, n int) ([]time.Duration, map[int]int) {
		lat := make([]time.Duration, n)
		st := make([]int, n)
		var next atomic.Int64
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				for ctx.Err() == nil {
					i := int(next.Add(1)) - 1
					if i >= n {
						return
					}
					body := eventBody(fmt.Sprintf("EvFlood%s-%s-%d", run, phase, i), fmt.Sprintf("UFL%d", i%40), "CFLOOD",
						fmt.Sprintf("1600000000.%06d", i%20), fmt.Sprintf("1700000000.%06d", i), "a reply in a thread that is no reflection's")
					st[i], lat[i] = e.signed(ctx, "application/json", body, 0)
				}
			})
		}
		wg.Wait()
		counts := map[int]int{}
		var ok []time.Duration
		for i := range n {
			counts[st[i]]++
			if st[i] == http.StatusOK {
				ok = append(ok, lat[i])
			}
		}
		return ok, counts
	}
	// A warm-up first: the first requests open the database connections.
	signedRun("warm", 100)
	alone, aloneCounts := signedRun("alone", n)

	// The flood: until the signed run beside it ends, at most floodMax.
	floodCtx, stopFlood := context.WithCancel(ctx)
	var sent atomic.Int64
	var mu sync.Mutex
	floodCounts := map[int]int{}
	kinds := map[string]int{}
	var wg sync.WaitGroup
	floodStart := time.Now()
	for g := range floodConc {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(o.seed), uint64(g)))
			for floodCtx.Err() == nil && sent.Add(1) <= int64(floodMax) {
				kind, ct, body, h := badRequest(rng)
				st, _ := e.post(floodCtx, ct, body, h)
				if floodCtx.Err() != nil && st == 0 {
					return
				}
				mu.Lock()
				floodCounts[st]++
				kinds[kind]++
				mu.Unlock()
			}
		})
	}
	beside, besideCounts := signedRun("flood", n)
	stopFlood()
	wg.Wait()
	floodTook := time.Since(floodStart)
	flooded := 0
	for _, c := range floodCounts {
		flooded += c
	}
	_, derr := drained(ctx, e, time.Now(), time.Now().Add(60*time.Second))
	var stored int
	_ = e.db.QueryRow(ctx, `SELECT count(*) FROM inbox WHERE id LIKE $1 AND id NOT LIKE $2`, "EvFlood"+run+"%", "EvFlood"+run+"-warm%").Scan(&stored)
	a50, a99 := percentiles(alone)
	b50, b99 := percentiles(beside)
	summary = fmt.Sprintf("%d signed alone: p50 %s p99 %s; %d signed beside %d bad requests (%d in flight, %.0f/s, %v): p50 %s p99 %s; bad answered %v; signed answered %v / %v; %d of %d signed recorded",
		n, a50, a99, n, flooded, floodConc, float64(flooded)/floodTook.Seconds(), kinds, b50, b99, floodCounts, aloneCounts, besideCounts, stored, 2*n)
	switch {
	case len(alone) != n || len(beside) != n:
		return summary, failf("signed requests not all answered 200")
	case floodCounts[http.StatusUnauthorized] != flooded:
		return summary, failf("bad requests not all answered 401")
	case derr != nil:
		return summary, failf("%v", derr)
	case stored != 2*n:
		return summary, failf("%d of %d signed deliveries recorded", stored, 2*n)
	}
	return summary, nil
}

// badRequest makes a request that must be refused with 401: unsigned,
// signed with another secret, a stale timestamp, a malformed signature, or
// a good signature of another body.
func badRequest(rng *rand.Rand) (kind, contentType string, body []byte, h http.Header) {
	body = eventBody(fmt.Sprintf("EvBad%d", rng.Int64()), "UBAD", "CBAD", "1600000000.000001",
		fmt.Sprintf("1700000001.%06d", rng.IntN(1_000_000)), "not from Slack")
	if rng.IntN(10) == 0 {
		body = append(body, bytes.Repeat([]byte(" "), rng.IntN(256<<10))...)
	}
	contentType = "application/json"
	if rng.IntN(3) == 0 {
		contentType = "application/x-www-form-urlencoded"
		body = commandBody(nil, "UBAD", "CBAD", "Kestrel", fmt.Sprintf("bad-%d", rng.Int64()))
	}
	h = http.Header{}
	switch rng.IntN(6) {
	case 0:
		kind = "unsigned"
	case 1:
		kind = "other-secret"
		slackfake.Sign(h, "not-the-secret", time.Now(), body)
	case 2:
		kind = "stale"
		slackfake.Sign(h, secret, time.Now().Add(-10*time.Minute), body)
	case 3:
		kind = "malformed"
		h.Set("X-Slack-Request-Timestamp", strconv.FormatInt(time.Now().Unix(), 10))
		h.Set("X-Slack-Signature", []string{"v0=zz", "", "v1=00", "v0=" + strings.Repeat("a", 64)}[rng.IntN(4)])
	case 4:
		kind = "other-body"
		slackfake.Sign(h, secret, time.Now(), append(append([]byte(nil), body...), 'x'))
	case 5:
		kind = "bad-timestamp"
		slackfake.Sign(h, secret, time.Now(), body)
		h.Set("X-Slack-Request-Timestamp", []string{"", "abc", "-1", "99999999999999999999"}[rng.IntN(4)])
	}
	return kind, contentType, body, h
}

// runPGRestart runs serve on a temporary PostgreSQL cluster of its own
// and stops that cluster mid-load for a few seconds, then starts it again:
// requests while it is down must get 503 (never a 200 that was not
// recorded); afterwards every delivery that got 200 must be stored exactly
// once and serve must recover without a restart.
func runPGRestart(ctx context.Context, o options) (summary string, err error) {
	pg, err := newCluster(ctx)
	if err != nil {
		return "", err
	}
	defer pg.remove()
	conn, err := pgx.Connect(ctx, pg.url("postgres"))
	if err != nil {
		return "", err
	}
	_, err = conn.Exec(ctx, `CREATE DATABASE faultcheck`)
	conn.Close(ctx)
	if err != nil {
		return "", err
	}
	e, err := setup(ctx, o, "pg-restart", pg.url("faultcheck"))
	if err != nil {
		return "", err
	}
	defer finish(o, e, &err)
	w := newWorkload(pick(o, 6, 16), pick(o, 10, 30), 4, 4)
	if err := w.start(ctx, e, 1, 30*time.Second); err != nil {
		return "", err
	}
	w.plan()
	outage := pick(o, 5*time.Second, 15*time.Second)

	// The load, a few requests at a time, each delivery sent until it
	// gets 200 (at most 6 times, as Slack's retries), while PostgreSQL is
	// stopped and started beside it.
	var down, up time.Time
	var phase atomic.Int32 // 0 before, 1 down, 2 after
	var mu sync.Mutex
	duringOutage := map[int]int{}
	var outageLat []time.Duration
	readyDown, readyUp := -1, -1
	loadDone := make(chan struct{})
	go func() {
		defer close(loadDone)
		w.send(ctx, w.msgs, func(m *message) {
			for i := 0; i < 6; i++ {
				t := time.Now()
				st := w.deliver(ctx, e, m, i)
				if phase.Load() == 1 {
					mu.Lock()
					duringOutage[st]++
					outageLat = append(outageLat, time.Since(t))
					mu.Unlock()
				}
				if st == http.StatusOK {
					break
				}
				time.Sleep(time.Second << i) // 1, 2, 4, 8, 16 s: Slack's retries, compressed
			}
			time.Sleep(150 * time.Millisecond)
		}, nil)
	}()
	// Stop PostgreSQL once a quarter of the messages are acknowledged.
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		acked := 0
		for _, m := range w.msgs {
			m.mu.Lock()
			if m.acked {
				acked++
			}
			m.mu.Unlock()
		}
		if acked >= len(w.msgs)/4 {
			break
		}
	}
	if err := pg.stop(ctx); err != nil {
		return "", err
	}
	down = time.Now()
	phase.Store(1)
	time.Sleep(outage / 2)
	readyDown = readyStatus(ctx, e)
	time.Sleep(outage - time.Since(down))
	phase.Store(2)
	if err := pg.start(ctx); err != nil {
		return "", err
	}
	up = time.Now()
	<-loadDone
	took, derr := drained(ctx, e, up, up.Add(60*time.Second))
	readyUp = readyStatus(ctx, e)
	res := w.check(ctx, e)
	o50, o99 := percentiles(outageLat)
	summary = fmt.Sprintf("PostgreSQL down %s: requests then answered %v (p50 %s, p99 %s), /readyz %d; after: /readyz %d, serve restarted %d times, all processed and sent %s after PostgreSQL was back; %s",
		up.Sub(down).Round(100*time.Millisecond), duringOutage, o50, o99, readyDown, readyUp, e.srv.starts-1, took.Round(100*time.Millisecond), res)
	bad := 0
	for st, c := range duringOutage {
		if st != http.StatusServiceUnavailable && st != http.StatusOK {
			bad += c
		}
	}
	switch {
	case derr != nil:
		return summary, failf("%v", derr)
	case !e.srv.running() || e.srv.starts != 1:
		return summary, failf("serve did not keep running")
	case readyUp != http.StatusOK || readyDown != http.StatusServiceUnavailable:
		return summary, failf("/readyz was %d while PostgreSQL was down and %d after, want 503 and 200", readyDown, readyUp)
	case bad > 0:
		return summary, failf("%d requests during the outage answered neither 503 nor 200", bad)
	case duringOutage[http.StatusServiceUnavailable] == 0:
		return summary, failf("no request was answered 503 during the outage")
	case res.acked != len(w.msgs):
		return summary, failf("only %d of %d deliveries acknowledged", res.acked, len(w.msgs))
	case !res.ok():
		return summary, failf("%v", res.problems)
	}
	return summary, nil
}

// readyStatus is /readyz's status, 0 if it did not answer.
func readyStatus(ctx context.Context, e *env) int {
	rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(rctx, http.MethodGet, e.srv.base()+"/readyz", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}
