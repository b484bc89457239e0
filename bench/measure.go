//go:build wmbench

package main

// One system in one round: start it on a new database against a new fake
// Slack, let it idle, warm it up, load it at each number in flight, burst
// it, stop it (and, for What Matters, start it once more on the database it
// left).

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"whatmatters/internal/slackfake"
)

// Run is what one system measured in one round.
type Run struct {
	System     string  `json:"system"`
	Round      int     `json:"round"`
	LoadAvg    string  `json:"loadavg_before"`
	QuietWaitS float64 `json:"quiet_wait_s"`
	BusyBefore float64 `json:"busy_cores_before"`

	ReadyMS   float64 `json:"ready_ms"`
	RestartMS float64 `json:"restart_ready_ms,omitempty"`
	IdleRSSKB int64   `json:"idle_rss_kb"`
	HWMKB     int64   `json:"vm_hwm_kb"`
	PeakRSSKB int64   `json:"sampled_peak_rss_kb"`

	Acks         []AckRun `json:"ack_runs"`
	Deliveries   int      `json:"deliveries"` // acknowledged with 200 over the ack runs
	WallS        float64  `json:"ack_runs_wall_s"`
	BotCPUS      float64  `json:"bot_cpu_s"`
	PGCPUS       float64  `json:"pg_backends_cpu_s,omitempty"`
	PGNote       string   `json:"pg_backends_note,omitempty"`
	HarnessCPUS  float64  `json:"harness_cpu_s"`
	OthersCores  float64  `json:"other_processes_cores"`
	Burst        *Burst   `json:"burst,omitempty"`
	Err          string   `json:"error,omitempty"`
	WarmupFailed int      `json:"warmup_failed,omitempty"`
}

// AckRun is one run of thread replies at a number in flight.
type AckRun struct {
	InFlight int     `json:"in_flight"`
	Starts   Latency `json:"reflect_commands"`
	Replies  Latency `json:"replies"`
	AcksPerS float64 `json:"acks_per_s"`
	// ProcessedS: from the first reply sent until all were processed
	// (What Matters: its /metrics count; Bolt: its posts at the fake).
	ProcessedS float64 `json:"processed_s,omitempty"`
	// CallsOutS: until the fake Web API had answered every call the
	// replies owe (What Matters: reactions.add; Bolt: chat.postMessage).
	CallsOutS float64 `json:"calls_out_s,omitempty"`
}

// Burst is the burst of /reflect in as many channels, then each starter's
// answer.
type Burst struct {
	Commands  Latency `json:"commands"`
	PostsOutS float64 `json:"posts_out_s,omitempty"` // every root post and first question
	Answers   Latency `json:"answers"`
	AnswersS  float64 `json:"answers_out_s,omitempty"` // every answer's next post
}

// system is how to run and read one of the systems.
type system struct {
	id, title string
	bolt, pg  bool
	// postsPerStart is the chat.postMessage calls one /reflect NAME makes:
	// What Matters posts the reflection's root and its first question;
	// the Bolt app one message.
	postsPerStart int
	// owed tells the Web API call a member's thread reply causes.
	owed func(slackfake.Call) bool
}

var systems = map[string]system{
	"wm-sqlite": {id: "wm-sqlite", title: "What Matters, SQLite", postsPerStart: 2, owed: isReaction},
	"wm-pg":     {id: "wm-pg", title: "What Matters, PostgreSQL", pg: true, postsPerStart: 2, owed: isReaction},
	"bolt":      {id: "bolt", title: "Bolt-JS", bolt: true, postsPerStart: 1, owed: isThreadPost},
}

func isReaction(c slackfake.Call) bool { return c.Method == "reactions.add" && c.Status == 200 }
func isThreadPost(c slackfake.Call) bool {
	return c.Method == "chat.postMessage" && c.OK() && c.Thread != ""
}

const secret = "bench-signing-secret-not-a-real-one"

func measure(ctx context.Context, cfg config, sys system, round int, pg *pgServer) (run Run) {
	run = Run{System: sys.id, Round: round}
	fail := func(format string, a ...any) Run {
		run.Err = fmt.Sprintf(format, a...)
		return run
	}
	waited, busy := waitForQuiet(cfg.quietWait, 0.5)
	run.QuietWaitS, run.BusyBefore, run.LoadAvg = waited.Seconds(), busy, loadAverage()

	fakeCtx, stopFake := context.WithCancel(ctx)
	defer stopFake()
	api, err := slackfake.Start(fakeCtx)
	if err != nil {
		return fail("fake Web API: %v", err)
	}
	port, err := freePort()
	if err != nil {
		return fail("port: %v", err)
	}
	base := "http://127.0.0.1:" + strconv.Itoa(port)
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + cfg.work, "LANG=C.UTF-8",
		"SLACK_BOT_TOKEN=xoxb-bench", "SLACK_SIGNING_SECRET=" + secret,
		"SLACK_API_URL=" + api.URL, "PORT=" + strconv.Itoa(port)}
	var argv []string
	var dir, probe, dbName string
	ready := func(code int) bool { return code == 200 }
	switch {
	case sys.bolt:
		argv, dir, probe = []string{cfg.node, "app.js"}, cfg.boltDir, base+"/"
		ready = func(int) bool { return true } // any answer: it is listening
	default:
		argv, dir, probe = []string{cfg.wm, "serve"}, cfg.work, base+"/readyz"
		env = append(env, "WHATMATTERS_BIND_ADDRESS=127.0.0.1")
		if sys.pg {
			dbName = fmt.Sprintf("wmbench_%d_r%d", os.Getpid(), round)
			dbURL, err := pg.create(ctx, dbName)
			if err != nil {
				return fail("%v", err)
			}
			defer func() {
				if err := pg.drop(dbName); err != nil {
					fmt.Fprintln(os.Stderr, "wmbench:", err)
				}
			}()
			env = append(env, "DATABASE_URL="+dbURL)
		} else {
			path := filepath.Join(cfg.work, fmt.Sprintf("wmbench-%d-r%d.db", os.Getpid(), round))
			removeSQLite(path)
			defer removeSQLite(path)
			env = append(env, "DATABASE_URL=sqlite:"+path)
		}
	}
	logPath := filepath.Join(cfg.work, "logs", fmt.Sprintf("%s-r%d.log", sys.id, round))
	proc, took, err := launch(ctx, argv, env, dir, logPath, probe, ready)
	if err != nil {
		return fail("start: %v", err)
	}
	defer proc.stop()
	run.ReadyMS = ms(took)
	pid := proc.pid()

	// Idle: 3 s after ready, the median of five samples.
	time.Sleep(3 * time.Second)
	var idle []int64
	for range 5 {
		if kb, err := memKB(pid, "VmRSS"); err == nil {
			idle = append(idle, kb)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if len(idle) > 0 {
		slices.Sort(idle)
		run.IdleRSSKB = idle[len(idle)/2]
	}

	sl := newSlack(base+"/slack/events", secret, api, max(slices.Max(cfg.concs), 16))
	if err := warmUp(ctx, cfg, sl); err != nil {
		return fail("warm-up: %v", err)
	}
	time.Sleep(time.Second)

	// The ack runs, with the CPU and memory they cost.
	self := os.Getpid()
	bot0, _ := cpuTime(pid)
	harness0, _ := cpuTime(self)
	machine0 := machineCPU()
	var backends *backendCPU
	if sys.pg {
		backends = pg.watchBackends(dbName, 200*time.Millisecond)
	}
	rss := watchRSS(pid, 25*time.Millisecond)
	wall0 := time.Now()
	for k, inFlight := range cfg.concs {
		a, err := ackRun(ctx, cfg, sys, sl, k, inFlight, base+"/metrics")
		run.Acks = append(run.Acks, a)
		run.Deliveries += a.Starts.OK + a.Replies.OK
		if err != nil {
			run.Err = fmt.Sprintf("ack run, %d in flight: %v", inFlight, err)
			break
		}
	}
	wall := time.Since(wall0)
	bot1, _ := cpuTime(pid)
	harness1, _ := cpuTime(self)
	machine1 := machineCPU()
	run.PeakRSSKB = rss.Stop()
	run.HWMKB, _ = memKB(pid, "VmHWM")
	run.WallS = wall.Seconds()
	run.BotCPUS = (bot1 - bot0).Seconds()
	run.HarnessCPUS = (harness1 - harness0).Seconds()
	others := (machine1 - machine0).Seconds() - run.BotCPUS - run.HarnessCPUS
	if backends != nil {
		d, err := backends.Stop()
		run.PGCPUS = d.Seconds()
		if err != nil {
			run.PGNote = err.Error()
		}
		others -= run.PGCPUS
	}
	run.OthersCores = others / run.WallS

	if cfg.burst > 0 && run.Err == "" {
		b, err := burst(ctx, cfg, sys, sl)
		run.Burst = &b
		if err != nil {
			run.Err = "burst: " + err.Error()
		}
	}
	proc.stop()

	if !sys.bolt && ctx.Err() == nil {
		// Once more on the database it left, migrated: start to ready.
		again, took, err := launch(ctx, argv, env, dir, logPath, probe, ready)
		if err == nil {
			run.RestartMS = ms(took)
			again.stop()
		}
	}
	return run
}

func removeSQLite(path string) {
	for _, suffix := range []string{"", "-wal", "-shm", "-journal"} {
		_ = os.Remove(path + suffix)
	}
}

// warmUp has every member and facilitator of the load tell the bot their
// discipline once, each in a channel of their own, as a team that has used
// the bot for a while has done (so later answers are not asked it). What
// Matters answers each with a notice only they see; the Bolt app posts.
func warmUp(ctx context.Context, cfg config, sl *slack) error {
	ctx, cancel := context.WithTimeout(ctx, cfg.deadline)
	defer cancel()
	var users []string
	for i := range cfg.users {
		users = append(users, member(i))
	}
	for i := range max(cfg.channels, cfg.burst) {
		users = append(users, starter(i))
	}
	mark := sl.mark()
	got := summarise(sl.sendMany(ctx, len(users), 16, func(i int) ([]byte, string) {
		return sl.command(fmt.Sprintf("CW%03d", i), users[i], "discipline district nurse")
	}))
	if got.Failed > 0 {
		return fmt.Errorf("%d of %d not acknowledged", got.Failed, len(users))
	}
	answered := func(c slackfake.Call) bool {
		switch c.Method {
		case "chat.postEphemeral", "chat.postMessage", "response_url":
			return c.Status == 200
		}
		return false
	}
	return until(ctx, 25*time.Millisecond, func() bool {
		n, _ := sl.countSince(mark, answered)
		return n >= got.OK
	})
}

func member(i int) string  { return fmt.Sprintf("UM%03d", i) }
func starter(i int) string { return fmt.Sprintf("UF%03d", i) }

// ackRun starts a reflection in each of cfg.channels new channels, waits
// for their posts, then sends cfg.n members' replies round robin over those
// threads, inFlight at a time, and waits until they are all processed.
func ackRun(ctx context.Context, cfg config, sys system, sl *slack, k, inFlight int, metrics string) (AckRun, error) {
	ctx, cancel := context.WithTimeout(ctx, cfg.deadline)
	defer cancel()
	a := AckRun{InFlight: inFlight}
	channels := make([]string, cfg.channels)
	for i := range channels {
		channels[i] = fmt.Sprintf("CA%d%03d", k, i)
	}
	mark := sl.mark()
	a.Starts = summarise(sl.sendMany(ctx, len(channels), inFlight, func(i int) ([]byte, string) {
		return sl.command(channels[i], starter(i), pseudonym(i))
	}))
	if _, err := sl.postsBy(ctx, mark, channels, sys.postsPerStart); err != nil {
		return a, fmt.Errorf("the reflections' posts: %w", err)
	}
	roots, err := sl.roots(mark, channels)
	if err != nil {
		return a, err
	}
	processed0 := 0
	if !sys.bolt {
		if processed0, err = processedEvents(ctx, metrics); err != nil {
			return a, fmt.Errorf("/metrics: %w", err)
		}
	}
	ours := map[string]bool{}
	for _, ch := range channels {
		ours[ch] = true
	}
	owed := func(c slackfake.Call) bool { return ours[c.Channel] && sys.owed(c) }

	sl.client.CloseIdleConnections()
	mark = sl.mark()
	start := time.Now()
	replies := sl.sendMany(ctx, cfg.n, inFlight, func(i int) ([]byte, string) {
		ch := channels[i%len(channels)]
		return sl.message(fmt.Sprintf("EvA%d%07d", k, i), ch, roots[ch], member((i/len(channels))%cfg.users), answers[i%len(answers)])
	})
	elapsed := time.Since(start)
	a.Replies = summarise(replies)
	a.AcksPerS = float64(a.Replies.OK) / elapsed.Seconds()

	if !sys.bolt {
		err := until(ctx, 20*time.Millisecond, func() bool {
			n, err := processedEvents(ctx, metrics)
			return err == nil && n-processed0 >= a.Replies.OK
		})
		if err != nil {
			return a, fmt.Errorf("not all replies processed (deadline %s): %w", cfg.deadline, err)
		}
		a.ProcessedS = time.Since(start).Seconds()
	}
	var last time.Time
	err = until(ctx, 50*time.Millisecond, func() bool {
		var n int
		n, last = sl.countSince(mark, owed)
		return n >= a.Replies.OK
	})
	if err != nil {
		n, _ := sl.countSince(mark, owed)
		return a, fmt.Errorf("%d of the %d calls the replies owe seen (deadline %s): %w", n, a.Replies.OK, cfg.deadline, err)
	}
	a.CallsOutS = last.Sub(start).Seconds()
	if sys.bolt {
		a.ProcessedS = a.CallsOutS
	}
	return a, nil
}

// burst sends cfg.burst /reflect NAME, each in a new channel, 16 in flight,
// with the fake Web API answering after cfg.burstLatency, and times them
// until every root post and first question is out; then each starter
// answers in their thread, timed until each thread has its next post.
func burst(ctx context.Context, cfg config, sys system, sl *slack) (Burst, error) {
	ctx, cancel := context.WithTimeout(ctx, cfg.deadline)
	defer cancel()
	var b Burst
	sl.api.SetLatency(cfg.burstLatency)
	defer sl.api.SetLatency(0)
	channels := make([]string, cfg.burst)
	for i := range channels {
		channels[i] = fmt.Sprintf("CB%03d", i)
	}
	sl.client.CloseIdleConnections()
	mark := sl.mark()
	start := time.Now()
	b.Commands = summarise(sl.sendMany(ctx, len(channels), 16, func(i int) ([]byte, string) {
		return sl.command(channels[i], starter(i), pseudonym(i))
	}))
	at, err := sl.postsBy(ctx, mark, channels, sys.postsPerStart)
	if err != nil {
		return b, fmt.Errorf("not every reflection's posts were out within %s: %w", cfg.deadline, err)
	}
	b.PostsOutS = at.Sub(start).Seconds()

	// What Matters keeps to one post a second in a channel: let that
	// second pass before the answers, as a person would take longer.
	time.Sleep(1100 * time.Millisecond)
	roots, err := sl.roots(mark, channels)
	if err != nil {
		return b, err
	}
	sl.client.CloseIdleConnections()
	mark = sl.mark()
	start = time.Now()
	b.Answers = summarise(sl.sendMany(ctx, len(channels), 16, func(i int) ([]byte, string) {
		ch := channels[i]
		return sl.message(fmt.Sprintf("EvB%05d", i), ch, roots[ch], starter(i), starterReply)
	}))
	at, err = sl.postsBy(ctx, mark, channels, 1)
	if err != nil {
		return b, fmt.Errorf("not every answer had its next post within %s: %w", cfg.deadline, err)
	}
	b.AnswersS = at.Sub(start).Seconds()
	return b, nil
}

// describe is a one-line account of a run, for the progress log.
func (r Run) describe() string {
	var b strings.Builder
	fmt.Fprintf(&b, "round %d %-9s waited %.0fs (busy %.2f, load %s) ready %.0fms idle %.1fMiB hwm %.1fMiB cpu %.2fs/%d pg %.2fs others %.2f",
		r.Round, r.System, r.QuietWaitS, r.BusyBefore, r.LoadAvg, r.ReadyMS, float64(r.IdleRSSKB)/1024, float64(r.HWMKB)/1024,
		r.BotCPUS, r.Deliveries, r.PGCPUS, r.OthersCores)
	for _, a := range r.Acks {
		fmt.Fprintf(&b, " | c%d %.0f/s p50 %.1f p99 %.1f max %.0f failed %d processed %.2fs out %.2fs",
			a.InFlight, a.AcksPerS, a.Replies.P50, a.Replies.P99, a.Replies.Max, a.Starts.Failed+a.Replies.Failed, a.ProcessedS, a.CallsOutS)
	}
	if r.Burst != nil {
		fmt.Fprintf(&b, " | burst %.2fs answers %.2fs", r.Burst.PostsOutS, r.Burst.AnswersS)
	}
	if r.RestartMS > 0 {
		fmt.Fprintf(&b, " | restart %.0fms", r.RestartMS)
	}
	if r.Err != "" {
		b.WriteString(" | ERROR " + r.Err)
	}
	return b.String()
}
