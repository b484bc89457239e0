package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"whatmatters/internal/slackfake"
)

// The starter's answers to a case reflection's stages, written so that no
// follow-up question is due; a tag is added to each to tell them apart.
var answers = []string{
	"She wants to be at home with her daughter, because she loves the garden.",
	"It matters because her husband planted that garden and she feels close to him there.",
	"Her daughter, her neighbour Jean and the dog, who never leaves her side.",
	"She told us she was scared of going back to hospital, and her daughter stayed the night.",
}

// perspectives are what other members add in a reflection's thread.
var perspectives = []string{
	"Her daughter told me she sings to her every evening.",
	"She asked about the garden again when I visited this morning.",
	"The dog sat by her chair the whole time we talked.",
	"She smiled when we spoke about the roses by the gate.",
}

var caseNames = []string{"Kestrel", "Heron", "Curlew", "Lapwing", "Plover", "Dunlin", "Merlin", "Osprey",
	"Wigeon", "Shelduck", "Avocet", "Godwit", "Bittern", "Redshank", "Sanderling", "Whimbrel"}

// workload is a set of reflections and the messages sent in their threads.
type workload struct {
	reflections int // one per channel, started by its own member
	others      int // messages from other members per reflection
	starter     int // the starter's answers per reflection (at most 4)
	conc        int // requests in flight at once

	run    string
	roots  []string // per reflection, its thread (the root post's ts)
	msgs   []*message
	nextTS atomic.Int64
}

// message is one Events API message event in a reflection's thread.
type message struct {
	n                int
	eventID, user    string
	channel, thread  string
	ts, text, tag    string
	starter          bool
	mu               sync.Mutex
	statuses         []int
	acked            bool // some delivery of it got 200
	latency          time.Duration
	firstAckedAt     time.Time
	sentAt, lastSent time.Time
}

func newWorkload(reflections, others, starter, conc int) *workload {
	w := &workload{reflections: reflections, others: others, starter: min(starter, len(answers)), conc: conc,
		run: letterTag(time.Now().UnixNano())}
	w.nextTS.Store(0)
	return w
}

func channelOf(k int) string { return fmt.Sprintf("CF%03d", k) }
func starterOf(k int) string { return fmt.Sprintf("UST%03d", k) }
func memberOf(i int) string  { return fmt.Sprintf("UMB%03d", i) }

// ts returns a message timestamp never used before in this run.
func (w *workload) ts() string {
	n := w.nextTS.Add(1)
	return fmt.Sprintf("1700%06d.%06d", n/1_000_000, n%1_000_000)
}

func commandBody(api *slackfake.API, user, channel, text, trigger string) []byte {
	responseURL := "http://127.0.0.1:9/response"
	if api != nil {
		responseURL = api.ResponseURL(trigger)
	}
	return []byte(url.Values{
		"token": {"legacy"}, "team_id": {slackfake.Team}, "team_domain": {"fault"},
		"channel_id": {channel}, "channel_name": {"ward"}, "user_id": {user}, "user_name": {strings.ToLower(user)},
		"command": {"/reflect"}, "text": {text}, "response_url": {responseURL},
		"trigger_id": {trigger}, "api_app_id": {slackfake.AppID},
	}.Encode())
}

func eventBody(eventID, user, channel, thread, ts, text string) []byte {
	ev := map[string]any{"type": "message", "user": user, "channel": channel, "channel_type": "channel", "ts": ts, "text": text}
	if thread != "" {
		ev["thread_ts"] = thread
	}
	b, _ := json.Marshal(map[string]any{"token": "legacy", "team_id": slackfake.Team, "api_app_id": slackfake.AppID,
		"type": "event_callback", "event_id": eventID, "event_time": time.Now().Unix(), "event": ev})
	return b
}

// command sends /reflect text, signed, sent copies times in all (the
// later ones as Slack's retries), and returns the statuses.
func (e *env) command(ctx context.Context, user, channel, text, trigger string, copies int) []int {
	body := commandBody(e.api, user, channel, text, trigger)
	var out []int
	for i := range max(copies, 1) {
		st, _ := e.signed(ctx, "application/x-www-form-urlencoded", body, i)
		out = append(out, st)
	}
	return out
}

// start sets each member's discipline and starts the reflections, then
// waits (at most timeout) until each has its root post and first
// question. copies is how many times each command is sent.
func (w *workload) start(ctx context.Context, e *env, copies int, timeout time.Duration) error {
	users := []string{}
	for k := range w.reflections {
		users = append(users, starterOf(k))
	}
	for i := range w.others {
		users = append(users, memberOf(i))
	}
	var wg sync.WaitGroup
	var bad atomic.Int64
	sem := make(chan struct{}, 8)
	for i, u := range users {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			for _, st := range e.command(ctx, u, "CSETUP", "discipline district nurse", fmt.Sprintf("trig-%s-d%d", w.run, i), copies) {
				if st != http.StatusOK {
					bad.Add(1)
				}
			}
		})
	}
	wg.Wait()
	for k := range w.reflections {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			name := caseNames[k%len(caseNames)]
			if k >= len(caseNames) {
				name += " " + caseNames[(k/len(caseNames))%len(caseNames)]
			}
			for _, st := range e.command(ctx, starterOf(k), channelOf(k), name, fmt.Sprintf("trig-%s-r%d", w.run, k), copies) {
				if st != http.StatusOK {
					bad.Add(1)
				}
			}
		})
	}
	wg.Wait()
	if bad.Load() > 0 {
		return fmt.Errorf("%d slash commands were not acknowledged with 200", bad.Load())
	}
	w.roots = make([]string, w.reflections)
	deadline := time.Now().Add(timeout)
	for {
		missing := 0
		msgs := e.api.Messages()
		for k := range w.reflections {
			if w.roots[k] != "" {
				continue
			}
			root, question := "", false
			for _, m := range msgs {
				if m.Channel == channelOf(k) && m.Thread == "" && root == "" {
					root = m.TS
				}
			}
			for _, m := range msgs {
				if root != "" && m.Channel == channelOf(k) && m.Thread == root {
					question = true
				}
			}
			if question {
				w.roots[k] = root
			} else {
				missing++
			}
		}
		if missing == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%d of %d reflections had no root post and first question within %s", missing, w.reflections, timeout)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// plan makes the messages: per reflection, the starter's answers and the
// other members' perspectives, interleaved.
func (w *workload) plan() {
	n := 0
	for k := range w.reflections {
		var mine []*message
		for i := range w.starter {
			mine = append(mine, &message{user: starterOf(k), text: answers[i], starter: true})
		}
		var theirs []*message
		for i := range w.others {
			theirs = append(theirs, &message{user: memberOf(i), text: perspectives[(i+k)%len(perspectives)]})
		}
		// Interleave so that the starter's answers are spread through.
		for len(mine)+len(theirs) > 0 {
			if len(mine) > 0 && (len(theirs) == 0 || len(theirs) <= len(mine)*max(1, w.others/max(1, w.starter))) {
				w.msgs = append(w.msgs, mine[0])
				mine = mine[1:]
			} else if len(theirs) > 0 {
				w.msgs = append(w.msgs, theirs[0])
				theirs = theirs[1:]
			}
		}
		for _, m := range w.msgs[len(w.msgs)-(w.starter+w.others):] {
			m.n = n
			m.channel, m.thread = channelOf(k), w.roots[k]
			m.tag = fmt.Sprintf("Note %s %d.", w.run, n)
			m.text += " " + m.tag
			m.eventID = fmt.Sprintf("EvFault%s-%d", w.run, n)
			m.ts = w.ts()
			n++
		}
	}
	// Round robin over the reflections, in each thread's order.
	per := map[string][]*message{}
	var order []string
	for _, m := range w.msgs {
		if _, ok := per[m.channel]; !ok {
			order = append(order, m.channel)
		}
		per[m.channel] = append(per[m.channel], m)
	}
	w.msgs = w.msgs[:0]
	for i := 0; ; i++ {
		added := false
		for _, c := range order {
			if i < len(per[c]) {
				w.msgs = append(w.msgs, per[c][i])
				added = true
			}
		}
		if !added {
			break
		}
	}
}

// deliver sends one message once, as delivery number retry, and records
// the outcome.
func (w *workload) deliver(ctx context.Context, e *env, m *message, retry int) int {
	body := eventBody(m.eventID, m.user, m.channel, m.thread, m.ts, m.text)
	now := time.Now()
	st, d := e.signed(ctx, "application/json", body, retry)
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.sentAt.IsZero() {
		m.sentAt = now
	}
	m.lastSent = now
	m.statuses = append(m.statuses, st)
	if st == http.StatusOK && !m.acked {
		m.acked, m.latency, m.firstAckedAt = true, d, time.Now()
	}
	return st
}

// send delivers the messages in msgs with w.conc in flight, each by send
// (which may deliver it more than once), stopping early if stop returns
// true. It returns how many were handed to send.
func (w *workload) send(ctx context.Context, msgs []*message, each func(*message), stop func() bool) int {
	var next atomic.Int64
	var wg sync.WaitGroup
	for range w.conc {
		wg.Go(func() {
			for ctx.Err() == nil && (stop == nil || !stop()) {
				i := int(next.Add(1)) - 1
				if i >= len(msgs) {
					return
				}
				each(msgs[i])
			}
		})
	}
	wg.Wait()
	return min(int(next.Load()), len(msgs))
}

// --- checks ------------------------------------------------------------------

// drained waits until every delivery in the inbox is processed and the
// outbox is empty, at most until deadline. It returns the time it took
// from since, or an error naming what is left.
func drained(ctx context.Context, e *env, since, deadline time.Time) (time.Duration, error) {
	for {
		var pending, outbox int
		err := e.db.QueryRow(ctx, `SELECT (SELECT count(*) FROM inbox WHERE processed_at IS NULL), (SELECT count(*) FROM outbox)`).Scan(&pending, &outbox)
		if err == nil && pending == 0 && outbox == 0 {
			return time.Since(since), nil
		}
		if time.Now().After(deadline) {
			if err != nil {
				return 0, err
			}
			return 0, fmt.Errorf("%d deliveries unprocessed and %d replies unsent after %s", pending, outbox, time.Since(since).Round(time.Second))
		}
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

var tagRE = regexp.MustCompile(`Note [0-9a-z]+ [0-9]+\.`)

// outcome is what the checks found.
type outcome struct {
	acked, sent                  int
	notInInbox, unprocessed      int
	answersMissing, answersTwice int
	postsTwice, textTwice        int
	threadsShort                 int
	reactionsMissing             int
	alreadyReacted               int
	posts                        int
	problems                     []string
}

func (o *outcome) fail(format string, args ...any) {
	if len(o.problems) < 8 {
		o.problems = append(o.problems, fmt.Sprintf(format, args...))
	}
}

func (o *outcome) ok() bool {
	return o.notInInbox+o.unprocessed+o.answersMissing+o.answersTwice+o.postsTwice+o.textTwice+o.threadsShort+o.reactionsMissing == 0 && len(o.problems) == 0
}

func (o *outcome) String() string {
	s := fmt.Sprintf("acked %d/%d, answers missing %d twice %d, posts %d (same outbox id twice %d, same text in a thread twice %d), threads short %d, reactions missing %d (already_reacted %d)",
		o.acked, o.sent, o.answersMissing, o.answersTwice, o.posts, o.postsTwice, o.textTwice, o.threadsShort, o.reactionsMissing, o.alreadyReacted)
	if o.notInInbox+o.unprocessed > 0 {
		s += fmt.Sprintf(", acknowledged but not in the inbox %d, unprocessed %d", o.notInInbox, o.unprocessed)
	}
	return s
}

// check compares what was acknowledged with the database and the fake's
// record: every acknowledged delivery in the inbox and processed; every
// acknowledged message stored as an answer once; no post made twice (by
// outbox id, and by text in a thread); each thread with its root's first
// question and one question per answer of the starter; a reaction on each
// other member's message.
func (w *workload) check(ctx context.Context, e *env) *outcome {
	o := &outcome{sent: len(w.msgs)}
	ids := []string{}
	for _, m := range w.msgs {
		if m.acked {
			o.acked++
			ids = append(ids, m.eventID)
		}
	}
	rows, err := e.db.Query(ctx, `SELECT id, processed_at IS NOT NULL FROM inbox WHERE id = ANY($1)`, ids)
	if err != nil {
		o.fail("reading the inbox: %v", err)
		return o
	}
	inInbox := map[string]bool{}
	for rows.Next() {
		var id string
		var done bool
		if err := rows.Scan(&id, &done); err != nil {
			o.fail("reading the inbox: %v", err)
			return o
		}
		inInbox[id] = true
		if !done {
			o.unprocessed++
		}
	}
	rows.Close()
	o.notInInbox = len(ids) - len(inInbox)

	stored := map[string]int{}
	rows, err = e.db.Query(ctx, `SELECT text FROM answers`)
	if err != nil {
		o.fail("reading the answers: %v", err)
		return o
	}
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			o.fail("reading the answers: %v", err)
			return o
		}
		for _, tag := range tagRE.FindAllString(t, -1) {
			stored[tag]++
		}
	}
	rows.Close()
	for _, m := range w.msgs {
		switch n := stored[m.tag]; {
		case m.acked && n == 0:
			o.answersMissing++
			o.fail("message %s (%s) acknowledged but not stored", m.eventID, m.tag)
		case n > 1:
			o.answersTwice++
			o.fail("message %s stored %d times", m.eventID, n)
		}
	}

	byOutbox := map[int64]int{}
	byText := map[string]int{}
	perThread := map[string]int{}
	for _, p := range e.api.Messages() {
		o.posts++
		if p.Outbox != 0 {
			byOutbox[p.Outbox]++
			if byOutbox[p.Outbox] == 2 {
				o.postsTwice++
				o.fail("outbox %d posted twice (%s in %s/%s)", p.Outbox, firstLine(p.Text), p.Channel, p.Thread)
			}
		}
		key := p.Channel + "/" + p.Thread + "/" + p.Text
		byText[key]++
		if byText[key] == 2 {
			o.textTwice++
			if p.Outbox == 0 {
				o.fail("%q posted twice in %s/%s", firstLine(p.Text), p.Channel, p.Thread)
			}
		}
		if p.Thread != "" {
			perThread[p.Channel+"/"+p.Thread]++
		}
	}
	// Each acknowledged answer of the starter owes the next question.
	owed := map[string]int{}
	for k := range w.reflections {
		owed[channelOf(k)+"/"+w.roots[k]] = 1
	}
	for _, m := range w.msgs {
		if m.acked && m.starter {
			owed[m.channel+"/"+m.thread]++
		}
	}
	for th, n := range owed {
		if perThread[th] < n {
			o.threadsShort++
			o.fail("thread %s has %d posts; %d owed", th, perThread[th], n)
		}
	}
	for _, m := range w.msgs {
		if m.acked && !m.starter && !e.api.Reacted(m.channel, m.ts) {
			o.reactionsMissing++
		}
	}
	for _, c := range e.api.Calls() {
		if c.Method == "reactions.add" && c.Error == "already_reacted" {
			o.alreadyReacted++
		}
	}
	return o
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	if len(s) > 40 {
		s = s[:40] + "…"
	}
	return s
}

// percentiles returns p50 and p99 of ds.
func percentiles(ds []time.Duration) (time.Duration, time.Duration) {
	if len(ds) == 0 {
		return 0, 0
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	at := func(p int) time.Duration { return s[max(0, (len(s)*p+99)/100-1)].Round(100 * time.Microsecond) }
	return at(50), at(99)
}

// letterTag names a run in lower-case letters only: a tag with digits can
// read as an identifier ("l23nu" is a postcode) and be scrubbed from the
// stored answer, which the check would count as an answer lost.
func letterTag(n int64) string {
	if n < 0 {
		n = -n
	}
	b := []byte("zq")
	for range 6 {
		b = append(b, byte('a'+n%26))
		n /= 26
	}
	return string(b)
}
