package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"whatmatters/internal/teamsfake"
	"whatmatters/teams"
)

// runTeamsKill is sigkill for Microsoft Teams: serve with Slack's fakes as
// usual and TEAMS_* pointing at internal/teamsfake (the Bot Framework's
// keys, the token endpoint, a TLS connector whose certificate the child
// trusts through SSL_CERT_FILE). Reflections are started with signed
// "@What Matters reflect NAME" activities and answered in their reply
// chains; serve is killed (SIGKILL) once a third of the answers are
// acknowledged and a connector request is waiting for its answer, then
// started again on the same database, and what was not acknowledged is
// sent again, as Teams does. Every acknowledged answer must be kept once;
// every question owed must be posted, once, or twice when the first post
// reached the connector but the killed process never had its answer (an
// uncertain post: serve has no Graph to look with here, so it posts again;
// docs/faults.md).
func runTeamsKill(ctx context.Context, o options) (summary string, err error) {
	dir, err := os.MkdirTemp("", "faultcheck-teamsfake-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(dir)
	tf, err := teamsfake.Start(ctx, dir)
	if err != nil {
		return "", err
	}
	defer tf.Close()
	// The harness gives serve this process's environment and its own
	// settings: the Teams settings go in the environment for as long as
	// the scenario runs.
	restore := setenv(map[string]string{
		"TEAMS_APP_ID": teamsfake.AppID, "TEAMS_APP_PASSWORD": teamsfake.AppPassword, "TEAMS_TENANT_ID": teamsfake.Tenant,
		"TEAMS_ALLOWED_TENANTS": teamsfake.Tenant, "TEAMS_OPENID_METADATA_URL": tf.MetadataURL, "TEAMS_TOKEN_URL": tf.TokenURL,
		"SSL_CERT_FILE": tf.CertFile,
	})
	defer restore()
	e, err := setup(ctx, o, "teams-kill", "")
	if err != nil {
		return "", err
	}
	defer finish(o, e, &err)

	tw := &teamsWork{tf: tf, e: e, endpoint: e.srv.base() + "/api/messages", run: letterTag(time.Now().UnixNano()),
		reflections: pick(o, 4, 8), others: pick(o, 2, 4)}
	if err := tw.start(ctx); err != nil {
		return "", err
	}
	tw.plan()
	tf.SetLatency(300 * time.Millisecond)

	killedCh := make(chan struct{})
	var atKill struct{ acked, flight, pending, outbox int }
	go func() {
		defer close(killedCh)
		deadline := time.Now().Add(60 * time.Second)
		for time.Now().Before(deadline) && ctx.Err() == nil {
			if acked := tw.acked(); acked >= len(tw.msgs)/3 && tf.InFlight() > 0 {
				atKill.acked, atKill.flight = acked, tf.InFlight()
				e.srv.kill()
				return
			}
			time.Sleep(5 * time.Millisecond)
		}
	}()
	isKilled := func() bool {
		select {
		case <-killedCh:
			return true
		default:
			return false
		}
	}
	tw.send(ctx, tw.msgs, 2, func(m *teamsMsg) {
		tw.deliver(ctx, m)
		time.Sleep(100 * time.Millisecond)
	}, isKilled)
	<-killedCh
	if e.srv.running() {
		return "", fmt.Errorf("the kill did not happen: no connector request was in flight once a third of the answers were acknowledged, in 60s")
	}
	_ = e.db.QueryRow(ctx, `SELECT (SELECT count(*) FROM inbox WHERE processed_at IS NULL), (SELECT count(*) FROM outbox)`).
		Scan(&atKill.pending, &atKill.outbox)
	killedAt := time.Now()

	restart := time.Now()
	if err := e.srv.start(ctx); err != nil {
		return "", fmt.Errorf("restarting serve: %w", err)
	}
	ready := time.Since(restart)
	var rest []*teamsMsg
	for _, m := range tw.msgs {
		if !m.acked.Load() {
			rest = append(rest, m)
		}
	}
	tw.send(ctx, rest, 4, func(m *teamsMsg) {
		for i := 0; i < 4 && tw.deliver(ctx, m) != http.StatusOK; i++ {
			time.Sleep(500 * time.Millisecond)
		}
	}, nil)
	took, derr := drained(ctx, e, restart, restart.Add(75*time.Second))
	res := tw.check(ctx, killedAt)
	summary = fmt.Sprintf("%d reflections, %d activities; killed with %d acknowledged, %d connector requests in flight, %d deliveries unprocessed, %d sends unsent; "+
		"ready %s after restart, all processed and sent %s after it; %s",
		tw.reflections, len(tw.msgs), atKill.acked, atKill.flight, atKill.pending, atKill.outbox,
		ready.Round(100*time.Millisecond), took.Round(100*time.Millisecond), res)
	switch {
	case derr != nil:
		return summary, failf("%v", derr)
	case res.acked != len(tw.msgs):
		return summary, failf("only %d of %d activities acknowledged", res.acked, len(tw.msgs))
	case len(res.problems) > 0:
		return summary, failf("%s", strings.Join(res.problems, "; "))
	}
	return summary, nil
}

// setenv sets variables in this process's environment and returns what
// puts them back.
func setenv(vars map[string]string) func() {
	type was struct {
		v  string
		ok bool
	}
	old := map[string]was{}
	for k, v := range vars {
		prev, ok := os.LookupEnv(k)
		old[k] = was{prev, ok}
		_ = os.Setenv(k, v)
	}
	return func() {
		for k, w := range old {
			if w.ok {
				_ = os.Setenv(k, w.v)
			} else {
				_ = os.Unsetenv(k)
			}
		}
	}
}

// teamsWork is the Teams workload: reflections, one per channel, and the
// messages in their reply chains.
type teamsWork struct {
	tf          *teamsfake.Fake
	e           *env
	endpoint    string
	run         string
	reflections int
	others      int
	roots       []string
	msgs        []*teamsMsg
	nextID      atomic.Int64
}

// teamsMsg is one message in a reflection's reply chain.
type teamsMsg struct {
	id, channel, root, text, tag string
	person                       teamsfake.Person
	starter                      bool
	acked                        atomic.Bool
	mu                           sync.Mutex
	statuses                     []int
}

func (tw *teamsWork) id() string { return strconv.FormatInt(1_733_700_000_000+tw.nextID.Add(1), 10) }

func (tw *teamsWork) post(ctx context.Context, a *teams.Activity) int {
	return tw.tf.Deliver(ctx, tw.e.client, tw.endpoint, a)
}

// start has everyone tell their discipline, starts the reflections, and
// waits (at most 30 s) until each has its root post and first question.
func (tw *teamsWork) start(ctx context.Context) error {
	people := []teamsfake.Person{}
	for k := range tw.reflections {
		people = append(people, teamsfake.PersonN(k))
	}
	for i := range tw.others {
		people = append(people, teamsfake.PersonN(100+i))
	}
	for _, p := range people {
		if st := tw.post(ctx, tw.tf.Command(tw.id(), p, teamsfake.ChannelN(999), "discipline district nurse")); st != http.StatusOK {
			return fmt.Errorf("a discipline command was answered %d", st)
		}
	}
	for k := range tw.reflections {
		name := caseNames[k%len(caseNames)]
		if st := tw.post(ctx, tw.tf.Command(tw.id(), teamsfake.PersonN(k), teamsfake.ChannelN(k), name)); st != http.StatusOK {
			return fmt.Errorf("the command starting %s was answered %d", name, st)
		}
	}
	tw.roots = make([]string, tw.reflections)
	deadline := time.Now().Add(30 * time.Second)
	for {
		missing := 0
		reqs := tw.tf.Requests()
		for k := range tw.reflections {
			if tw.roots[k] != "" {
				continue
			}
			root := ""
			for _, r := range reqs {
				if r.Method == http.MethodPost && r.Conversation == teamsfake.ChannelN(k) && r.Thread == "" && r.ID != "" && root == "" {
					root = r.ID
				}
			}
			question := false
			for _, r := range reqs {
				question = question || (root != "" && r.Method == http.MethodPost && r.Conversation == teamsfake.ChannelN(k) && r.Thread == root)
			}
			if question {
				tw.roots[k] = root
			} else {
				missing++
			}
		}
		if missing == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%d of %d reflections had no root post and first question within 30s", missing, tw.reflections)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// plan makes the messages: in each chain the starter's answers, each
// after one of the others' perspectives, the chains taken in turn.
func (tw *teamsWork) plan() {
	per := make([][]*teamsMsg, tw.reflections)
	n := 0
	for k := range tw.reflections {
		for i := range max(len(answers), tw.others) {
			if i < tw.others {
				p := teamsfake.PersonN(100 + i)
				per[k] = append(per[k], &teamsMsg{person: p, text: perspectives[(i+k)%len(perspectives)]})
			}
			if i < len(answers) {
				per[k] = append(per[k], &teamsMsg{person: teamsfake.PersonN(k), text: answers[i], starter: true})
			}
		}
		for _, m := range per[k] {
			m.channel, m.root = teamsfake.ChannelN(k), tw.roots[k]
			m.tag = fmt.Sprintf("Note %s %d.", tw.run, n)
			m.text += " " + m.tag
			m.id = tw.id()
			n++
		}
	}
	for i := 0; ; i++ {
		added := false
		for k := range per {
			if i < len(per[k]) {
				tw.msgs = append(tw.msgs, per[k][i])
				added = true
			}
		}
		if !added {
			return
		}
	}
}

// deliver sends one message once and records the outcome.
func (tw *teamsWork) deliver(ctx context.Context, m *teamsMsg) int {
	st := tw.post(ctx, tw.tf.Reply(m.id, m.person, m.channel, m.root, m.text))
	m.mu.Lock()
	m.statuses = append(m.statuses, st)
	m.mu.Unlock()
	if st == http.StatusOK {
		m.acked.Store(true)
	}
	return st
}

func (tw *teamsWork) acked() int {
	n := 0
	for _, m := range tw.msgs {
		if m.acked.Load() {
			n++
		}
	}
	return n
}

// send delivers msgs with conc in flight, in order within each chain's
// turn, until stop says so.
func (tw *teamsWork) send(ctx context.Context, msgs []*teamsMsg, conc int, each func(*teamsMsg), stop func() bool) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for range conc {
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
}

// teamsOutcome is what the Teams checks found.
type teamsOutcome struct {
	acked, answersMissing, answersTwice int
	posts, repeats, twice, chatsOpened  int
	threadsShort, extra                 int
	problems                            []string
}

func (r *teamsOutcome) fail(format string, args ...any) {
	if len(r.problems) < 8 {
		r.problems = append(r.problems, fmt.Sprintf(format, args...))
	}
}

func (r *teamsOutcome) String() string {
	return fmt.Sprintf("acked %d, answers missing %d twice %d; %d posts, %d posted again after an uncertain post (the killed process never had the answer), %d twice otherwise; threads short %d, extra posts in threads %d; 1:1 chats opened %d",
		r.acked, r.answersMissing, r.answersTwice, r.posts, r.repeats, r.twice, r.threadsShort, r.extra, r.chatsOpened)
}

// check compares what was acknowledged with the database and the fake
// connector's record: each acknowledged answer kept once; each send (by
// its marker) posted once, or a second time only when its first post was
// never answered because serve was killed waiting; each reply chain with
// its first question and one question per acknowledged answer of the
// starter.
func (tw *teamsWork) check(ctx context.Context, killedAt time.Time) *teamsOutcome {
	res := &teamsOutcome{acked: tw.acked()}
	stored := map[string]int{}
	rows, err := tw.e.db.Query(ctx, `SELECT text FROM answers`)
	if err != nil {
		res.fail("reading the answers: %v", err)
		return res
	}
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			res.fail("reading the answers: %v", err)
			rows.Close()
			return res
		}
		for _, tag := range tagRE.FindAllString(t, -1) {
			stored[tag]++
		}
	}
	rows.Close()
	for _, m := range tw.msgs {
		switch n := stored[m.tag]; {
		case m.acked.Load() && n == 0:
			res.answersMissing++
			res.fail("message %s (%s) acknowledged but not kept", m.id, m.tag)
		case n > 1:
			res.answersTwice++
			res.fail("message %s kept %d times", m.id, n)
		}
	}

	byMarker := map[string][]teamsfake.Request{}
	perThread := map[string]map[string]bool{}
	for _, r := range tw.tf.Requests() {
		if r.Method != http.MethodPost {
			continue
		}
		if r.Conversation == "" {
			res.chatsOpened++
			continue
		}
		if r.Marker == "" {
			continue
		}
		res.posts++
		byMarker[r.Marker] = append(byMarker[r.Marker], r)
		if r.Thread != "" {
			th := r.Conversation + "/" + r.Thread
			if perThread[th] == nil {
				perThread[th] = map[string]bool{}
			}
			perThread[th][r.Marker] = true
		}
	}
	for marker, rs := range byMarker {
		switch {
		case len(rs) == 1:
		case len(rs) == 2 && rs[0].Status == 0 && rs[0].At.Before(killedAt):
			res.repeats++
		default:
			res.twice++
			res.fail("send %s posted %d times (first answered %d)", marker, len(rs), rs[0].Status)
		}
	}
	owed := map[string]int{}
	for k := range tw.reflections {
		owed[teamsfake.ChannelN(k)+"/"+tw.roots[k]] = 1
	}
	for _, m := range tw.msgs {
		if m.acked.Load() && m.starter {
			owed[m.channel+"/"+m.root]++
		}
	}
	for th, n := range owed {
		got := len(perThread[th])
		if got < n {
			res.threadsShort++
			res.fail("thread %s has %d questions; %d owed", th, got, n)
		}
		res.extra += max(got-n, 0)
	}
	return res
}
