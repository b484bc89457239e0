package teams

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"whatmatters/delivery"
	"whatmatters/flows"
	"whatmatters/internal/testkit"
	"whatmatters/prompts"
	"whatmatters/storage"
	"whatmatters/storage/storagetest"
	"whatmatters/themes"
)

// A Teams stand-in for the adapter end to end: the Bot Framework's keys,
// the connector (TLS, on loopback), a real database and engine, and the
// delivery machinery with runners. Activities are posted to the adapter's
// handler, signed as the Bot Framework signs them.
type teamsRig struct {
	t       *testing.T
	db      *storage.DB
	conn    *fakeConnector
	handler http.Handler
	adapter *Adapter
	svc     *delivery.Service
	key     func(serviceURL string) string // a signed token for a request
	queue   *stubQueue
}

// stubQueue stands in for River: what no runner takes is noted.
type stubQueue struct {
	mu  sync.Mutex
	ids []string
}

func (q *stubQueue) Enqueue(_ context.Context, ids ...string) (int, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.ids = append(q.ids, ids...)
	return len(ids), nil
}

func (q *stubQueue) Schedule(_ context.Context, id string, _ time.Time) error {
	_, err := q.Enqueue(context.Background(), id)
	return err
}

func newTeamsRig(t *testing.T, db *storage.DB) *teamsRig {
	t.Helper()
	if db.Dialect() != storage.Postgres {
		// One connection, as serve runs SQLite: a read beside a step's
		// transaction would wait for ever, and the tests would hang.
		db.SQL().SetMaxOpenConns(1)
	}
	conn := newFakeConnector(t)
	key, _ := keys(t)
	bf := newFakeBotFramework(t, publishedKey{kid: "k1", pub: &key.PublicKey, endorsements: []string{"msteams"}})
	trusted := NewServiceURLs()
	v, err := NewVerifier(VerifierConfig{AppID: testAppID, MetadataURL: bf.metadataURL(), HTTPClient: bf.srv.Client(),
		Tenants: []string{testTenant}, Trusted: trusted})
	if err != nil {
		t.Fatal(err)
	}
	c, err := NewConnector(ConnectorConfig{Tokens: &staticTokens{token: "t"}, Trusted: trusted, HTTPClient: conn.srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	templates, err := prompts.Load()
	if err != nil {
		t.Fatal(err)
	}
	off := themes.NewOffline()
	eng := flows.NewEngine(flows.Options{Templates: templates, Reader: off, Digests: themes.Digester{Fallback: off}})
	svc := delivery.New(delivery.Options{Store: db, Engine: eng.WithStore})
	q := &stubQueue{}
	svc.UseQueue(q)
	svc.UseRunners(4)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		_ = svc.StopRunners(ctx)
	})
	a, err := NewAdapter(AdapterOptions{AppID: testAppID, Verifier: v, Connector: c, Trusted: trusted,
		Delivery: svc, Conversations: db, Engine: eng.WithStore})
	if err != nil {
		t.Fatal(err)
	}
	r := &teamsRig{t: t, db: db, conn: conn, handler: a.Handler(), adapter: a, svc: svc, queue: q}
	r.key = func(serviceURL string) string {
		claims := goodClaims(time.Now())
		claims["serviceurl"] = serviceURL
		return mint(t, key, "k1", claims)
	}
	return r
}

// post signs and posts an activity, returning the response.
func (r *teamsRig) post(a *Activity) *httptest.ResponseRecorder {
	r.t.Helper()
	a.ServiceURL = r.conn.serviceURL()
	body, err := json.Marshal(a)
	if err != nil {
		r.t.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodPost, "/api/messages", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+r.key(a.ServiceURL))
	w := httptest.NewRecorder()
	r.handler.ServeHTTP(w, req)
	return w
}

// rigFixture reads a testdata activity for the rig.
func rigFixture(t *testing.T, name string) *Activity {
	t.Helper()
	a := fixture(t, name)
	// The fixtures' tenant is Microsoft's sample tenant; the rig accepts
	// testTenant.
	a.Conversation.TenantID = testTenant
	if a.ChannelData != nil && a.ChannelData.Tenant != nil {
		a.ChannelData.Tenant.ID = testTenant
	}
	a.Recipient = &ChannelAccount{ID: "28:" + testAppID, Name: "What Matters"}
	for i := range a.Entities {
		if a.Entities[i].Mentioned != nil {
			a.Entities[i].Mentioned.ID = "28:" + testAppID
		}
	}
	return a
}

// waitFor waits until the connector's requests satisfy cond.
func (r *teamsRig) waitFor(what string, cond func([]recorded) bool) []recorded {
	r.t.Helper()
	var reqs []recorded
	testkit.Eventually(r.t, what, func() (bool, string) {
		r.conn.mu.Lock()
		reqs = append([]recorded(nil), r.conn.requests...)
		r.conn.mu.Unlock()
		return cond(reqs), fmt.Sprintf("%d connector requests: %+v", len(reqs), reqs)
	})
	return reqs
}

// sentText is the JSON of what a request carried.
func sentText(rec recorded) string {
	b, _ := json.Marshal(rec.Body)
	return string(b)
}

// A reflection in a Teams channel, end to end: the command after an
// @mention starts it (its root post), the first question goes into the
// root's reply chain, an answer in the chain is kept and the next question
// follows; the same activity sent again (Teams' retry) changes nothing.
func TestTeamsReflectionEndToEnd(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		r := newTeamsRig(t, db)
		cmd := rigFixture(t, "message_channel_command.json")
		if w := r.post(cmd); w.Code != http.StatusOK {
			t.Fatalf("command: %d %s", w.Code, w.Body)
		}
		channel := "19:a1b2c3d4e5f60718293a4b5c6d7e8f90@thread.tacv2"
		reqs := r.waitFor("the root post and the first question in its chain", func(rs []recorded) bool {
			return len(rs) >= 2
		})
		root, first := reqs[0], reqs[1]
		if root.Method != http.MethodPost || root.Path != "/emea/v3/conversations/"+channel+"/activities" {
			t.Errorf("root post %s %s; want a post into the channel", root.Method, root.Path)
		}
		if !strings.Contains(sentText(root), "Kestrel") {
			t.Errorf("root post does not name the case: %s", sentText(root))
		}
		// The server sees the path unescaped (the connector escapes ";").
		chain := "/emea/v3/conversations/" + channel + ";messageid=1733569999999/activities"
		if first.Path != chain {
			t.Errorf("first question went to %s; want the root's reply chain %s", first.Path, chain)
		}

		// An answer in the chain.
		ans := rigFixture(t, "message_channel_reply.json")
		ans.Conversation.ID = channel + ";messageid=1733569999999"
		ans.ReplyToID = "1733569999999"
		ans.ID = "1733569999100"
		if w := r.post(ans); w.Code != http.StatusOK {
			t.Fatalf("answer: %d %s", w.Code, w.Body)
		}
		drained(t, db)
		if n := answers(t, db); n != 1 {
			t.Errorf("%d answers kept; want 1", n)
		}
		// Teams sends the same activity again after 15 s without an
		// answer: it is known, and nothing more is kept or sent.
		before := r.conn.count()
		if w := r.post(ans); w.Code != http.StatusOK {
			t.Fatalf("repeated answer: %d", w.Code)
		}
		if w := r.post(cmd); w.Code != http.StatusOK {
			t.Fatalf("repeated command: %d", w.Code)
		}
		drained(t, db)
		if n := answers(t, db); n != 1 {
			t.Errorf("%d answers after the repeat; want 1", n)
		}
		if after := r.conn.count(); after != before {
			t.Errorf("a repeated activity made %d more connector requests", after-before)
		}
		// Where the channel lives is kept, for later posts.
		c, err := db.Conversation(context.Background(), Platform, channel)
		if err != nil || c.ServiceURL != r.conn.serviceURL() || c.TenantID != testTenant {
			t.Errorf("conversation record %+v, %v", c, err)
		}
	})
}

// A reflection cannot start in a chat (no reply chains): the person is told
// in their 1:1 chat and no reflection is kept.
func TestTeamsReflectionRefusedInAChat(t *testing.T) {
	db := storagetest.SQLite(t)
	r := newTeamsRig(t, db)
	a := rigFixture(t, "message_personal.json")
	a.Text = "reflect Kestrel"
	if w := r.post(a); w.Code != http.StatusOK {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	reqs := r.waitFor("the refusal", func(rs []recorded) bool { return len(rs) >= 1 })
	if !strings.Contains(sentText(reqs[0]), "Reflections happen in a channel") {
		t.Errorf("sent %s; want the refusal", sentText(reqs[0]))
	}
	var n int
	if err := db.SQL().QueryRow(`SELECT count(*) FROM reflections`).Scan(&n); err != nil || n != 0 {
		t.Errorf("%d reflections kept (%v); want none", n, err)
	}
}

func answers(t *testing.T, db *storage.DB) int {
	t.Helper()
	var n int
	if err := db.SQL().QueryRow(`SELECT count(*) FROM answers`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// drained waits until the inbox and outbox hold nothing unfinished.
func drained(t *testing.T, db *storage.DB) {
	t.Helper()
	testkit.Eventually(t, "the inbox and outbox to drain", func() (bool, string) {
		var inbox, outbox int
		if err := db.SQL().QueryRow(`SELECT count(*) FROM inbox WHERE processed_at IS NULL`).Scan(&inbox); err != nil {
			t.Fatal(err)
		}
		if err := db.SQL().QueryRow(`SELECT count(*) FROM outbox`).Scan(&outbox); err != nil {
			t.Fatal(err)
		}
		return inbox == 0 && outbox == 0, fmt.Sprintf("%d deliveries and %d messages still waiting", inbox, outbox)
	})
}

// A person who adds the bot in a 1:1 chat gets their home card there; the
// card's Refresh is answered at once with the card drawn again, and
// nothing is recorded for it.
func TestTeamsHomeCard(t *testing.T) {
	db := storagetest.SQLite(t)
	r := newTeamsRig(t, db)
	add := rigFixture(t, "message_personal.json")
	add.Type, add.Text, add.ID = TypeConversationUpdate, "", "f:home-added"
	add.MembersAdded = []ChannelAccount{{ID: "28:" + testAppID}}
	if w := r.post(add); w.Code != http.StatusOK {
		t.Fatalf("install: %d %s", w.Code, w.Body)
	}
	reqs := r.waitFor("the home card", func(rs []recorded) bool { return len(rs) >= 1 })
	if !strings.Contains(sentText(reqs[0]), `"refresh":{"action"`) || !strings.Contains(sentText(reqs[0]), add.From.ID) ||
		!strings.Contains(reqs[0].Path, add.Conversation.ID) {
		t.Errorf("sent %s %s; want the home card in the 1:1 chat", reqs[0].Path, sentText(reqs[0]))
	}
	drained(t, db)

	refresh := rigFixture(t, "invoke_card_action.json")
	refresh.Conversation = add.Conversation
	refresh.ChannelData = add.ChannelData
	refresh.ReplyToID = ""
	refresh.Value = json.RawMessage(`{"action":{"type":"Action.Execute","verb":"` + HomeRefresh + `","data":{"action":"` + HomeRefresh + `"}},"trigger":"manual"}`)
	w := r.post(refresh)
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), ContentTypeAdaptiveCard) || !strings.Contains(w.Body.String(), HomeRefresh) {
		t.Fatalf("refresh answered %d %s; want the card again", w.Code, w.Body)
	}
	var n int
	if err := db.SQL().QueryRow(`SELECT count(*) FROM inbox WHERE id = $1`, DedupPrefix+refresh.ID).Scan(&n); err != nil || n != 0 {
		t.Errorf("the refresh was recorded (%d, %v); want nothing kept", n, err)
	}
}

// A learning session in a Teams channel: a facilitator opens it, its
// message is posted and kept current in place (updated in its own reply
// chain), each stage's question goes into the chain, and Next stage, a
// card button, moves it on.
func TestTeamsSessionEndToEnd(t *testing.T) {
	db := storagetest.SQLite(t)
	r := newTeamsRig(t, db)
	const team = "19:f0e1d2c3b4a5968778695a4b3c2d1e0f@thread.tacv2"
	const channel = "19:a1b2c3d4e5f60718293a4b5c6d7e8f90@thread.tacv2"
	first := rigFixture(t, "message_channel_command.json")
	r.post(first)
	drained(t, db)
	if err := r.adapter.engineOn(db).SetFacilitator(context.Background(), team, first.From.AADObjectID, true, "test"); err != nil {
		t.Fatal(err)
	}
	before := r.conn.count()
	cmd := rigFixture(t, "message_channel_command.json")
	cmd.ID = "1733563000001"
	cmd.Text = "<at>What Matters</at> reflect session Kestrel --minutes 15"
	r.post(cmd)
	drained(t, db)
	r.conn.mu.Lock()
	reqs := append([]recorded(nil), r.conn.requests[before:]...)
	r.conn.mu.Unlock()
	var root, update, stage bool
	for _, q := range reqs {
		text := sentText(q)
		switch {
		case q.Method == http.MethodPost && q.Path == "/emea/v3/conversations/"+channel+"/activities" && strings.Contains(text, flows.ActionSessionNext):
			root = true
		case q.Method == http.MethodPut && q.Path == "/emea/v3/conversations/"+channel+";messageid=1733569999999/activities/1733569999999":
			update = true
		case q.Method == http.MethodPost && q.Path == "/emea/v3/conversations/"+channel+";messageid=1733569999999/activities" && strings.Contains(text, "Stage 1 of"):
			stage = true
		}
	}
	if !root || !update || !stage {
		t.Fatalf("session opened: root %v, kept current %v, first stage in its chain %v; requests %+v", root, update, stage, reqs)
	}

	next := rigFixture(t, "invoke_card_action.json")
	next.ID = "f:next-stage"
	next.Conversation.ID = channel + ";messageid=1733569999999"
	next.ReplyToID = "1733569999999"
	next.Value = json.RawMessage(`{"action":{"type":"Action.Execute","verb":"` + flows.ActionSessionNext + `","data":{"action":"` + flows.ActionSessionNext + `","value":"1:what_matters"}},"trigger":"manual"}`)
	if w := r.post(next); w.Code != http.StatusOK {
		t.Fatalf("next stage: %d %s", w.Code, w.Body)
	}
	drained(t, db)
	r.conn.mu.Lock()
	last := sentText(r.conn.requests[len(r.conn.requests)-1])
	r.conn.mu.Unlock()
	if !strings.Contains(last, "Stage 2 of") {
		t.Errorf("after Next stage, last sent %.300s; want stage 2's question", last)
	}
}

// A digest posted to a Teams channel (as `whatmatters digest --post` and the
// weekly job post it): where the channel lives is looked up when it is
// sent, and its chart follows as a card of its own.
func TestTeamsDigestPosted(t *testing.T) {
	db := storagetest.SQLite(t)
	r := newTeamsRig(t, db)
	const team = "19:f0e1d2c3b4a5968778695a4b3c2d1e0f@thread.tacv2"
	const channel = "19:a1b2c3d4e5f60718293a4b5c6d7e8f90@thread.tacv2"
	r.post(rigFixture(t, "message_channel_command.json"))
	drained(t, db)
	ans := rigFixture(t, "message_channel_reply.json")
	ans.Conversation.ID = channel + ";messageid=1733569999999"
	ans.ReplyToID, ans.ID = "1733569999999", "1733569999100"
	r.post(ans)
	drained(t, db)
	before := r.conn.count()
	err := r.svc.PostNow(context.Background(), "digest-test", func(ctx context.Context, e *flows.Engine) ([]flows.Reply, error) {
		p, err := e.PrepareDigest(ctx, team, channel, 1)
		if err != nil {
			return nil, err
		}
		return e.OweDigests(ctx, []flows.PreparedDigest{p})
	})
	if err != nil {
		t.Fatal(err)
	}
	r.conn.mu.Lock()
	reqs := append([]recorded(nil), r.conn.requests[before:]...)
	r.conn.mu.Unlock()
	if len(reqs) != 2 {
		t.Fatalf("%d requests for the digest; want its post and its chart: %+v", len(reqs), reqs)
	}
	for _, q := range reqs {
		if q.Method != http.MethodPost || q.Path != "/emea/v3/conversations/"+channel+"/activities" {
			t.Errorf("digest sent %s %s; want a post into the channel", q.Method, q.Path)
		}
	}
	if !strings.Contains(sentText(reqs[1]), "data:image/png;base64,") {
		t.Errorf("the second post carries no chart: %.300s", sentText(reqs[1]))
	}
	var posted int
	if err := db.SQL().QueryRow(`SELECT count(*) FROM digests WHERE message_id = '1733569999999'`).Scan(&posted); err != nil || posted != 1 {
		t.Errorf("digest marked posted: %d (%v); want 1", posted, err)
	}
}

// A form in Teams: the start dialog opens with the kinds of reflection,
// its submission is answered at once and recorded, and the reflection it
// asks for is posted in the channel the dialog was opened in.
func TestTeamsStartDialog(t *testing.T) {
	db := storagetest.SQLite(t)
	r := newTeamsRig(t, db)
	const channel = "19:a1b2c3d4e5f60718293a4b5c6d7e8f90@thread.tacv2"
	// The fixtures (Microsoft's samples) carry only the tenant; an invoke
	// from a channel names its team and channel as any activity there does.
	where := rigFixture(t, "message_channel_command.json").ChannelData
	fetch := rigFixture(t, "invoke_task_fetch.json")
	fetch.Conversation.ID, fetch.ChannelData = channel, where
	fetch.Value = json.RawMessage(`{"type":"task/fetch","data":{"msteams":{"type":"task/fetch"},"action":"start"}}`)
	w := r.post(fetch)
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `"continue"`) || !strings.Contains(w.Body.String(), FieldLabel) {
		t.Fatalf("task/fetch answered %d %.300s; want the start form", w.Code, w.Body)
	}

	submit := rigFixture(t, "invoke_task_submit.json")
	submit.Conversation.ID, submit.ChannelData = channel, where
	submit.Value = json.RawMessage(`{"data":{"action":"start","template":"case","label":"Kestrel"}}`)
	w = r.post(submit)
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `"message"`) {
		t.Fatalf("task/submit answered %d %s; want the dialog closed with a message", w.Code, w.Body)
	}
	drained(t, db)
	r.conn.mu.Lock()
	defer r.conn.mu.Unlock()
	var posted bool
	for _, q := range r.conn.requests {
		if q.Path == "/emea/v3/conversations/"+channel+"/activities" && strings.Contains(sentText(q), "Kestrel") {
			posted = true
		}
	}
	if !posted {
		t.Errorf("no reflection on Kestrel posted in the channel: %+v", r.conn.requests)
	}

	// A submission that needs fixing changes nothing and shows the form
	// again.
	bad := rigFixture(t, "invoke_task_submit.json")
	bad.ID = "f:bad-submit"
	bad.Conversation.ID, bad.ChannelData = channel, where
	bad.Value = json.RawMessage(`{"data":{"action":"start","template":"case","label":"` + strings.Repeat("x", MaxPseudonymRunes+5) + `"}}`)
	w = r.post(bad)
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `"continue"`) {
		t.Errorf("an over-long pseudonym answered %d %.200s; want the form again", w.Code, w.Body)
	}
	var n int
	if err := db.SQL().QueryRow(`SELECT count(*) FROM inbox WHERE id = $1`, DedupPrefix+bad.ID).Scan(&n); err != nil || n != 0 {
		t.Errorf("the submission that needed fixing was recorded (%d, %v)", n, err)
	}
}

// A pseudonym that is also a first name is refused until the person says
// it is not their name, with the button the refusal carries.
func TestTeamsNotTheirName(t *testing.T) {
	db := storagetest.SQLite(t)
	r := newTeamsRig(t, db)
	const channel = "19:a1b2c3d4e5f60718293a4b5c6d7e8f90@thread.tacv2"
	cmd := rigFixture(t, "message_channel_command.json")
	cmd.Text = "<at>What Matters</at> reflect Wren"
	r.post(cmd)
	drained(t, db)
	var n int
	if err := db.SQL().QueryRow(`SELECT count(*) FROM reflections`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("%d reflections (%v) before the confirmation; want none", n, err)
	}
	press := rigFixture(t, "invoke_card_action.json")
	press.ID = "f:not-their-name"
	press.Conversation.ID = channel
	press.ReplyToID = ""
	press.Value = json.RawMessage(`{"action":{"type":"Action.Execute","verb":"` + flows.ActionNotTheirName + `","data":{"action":"` +
		flows.ActionNotTheirName + `","value":"case Wren ` + flows.NotTheirName + `"}},"trigger":"manual"}`)
	if w := r.post(press); w.Code != http.StatusOK {
		t.Fatalf("button: %d %s", w.Code, w.Body)
	}
	drained(t, db)
	if err := db.SQL().QueryRow(`SELECT count(*) FROM reflections`).Scan(&n); err != nil || n != 1 {
		t.Errorf("%d reflections (%v) after the confirmation; want 1", n, err)
	}
}

// A scheduled step's direct message to a person of Teams (no channel, an
// Entra object id) goes to their remembered 1:1 chat, found when the step
// is rendered, within its transaction.
func TestTeamsScheduledDirectMessage(t *testing.T) {
	db := storagetest.SQLite(t)
	r := newTeamsRig(t, db)
	hello := rigFixture(t, "message_personal.json")
	hello.Text = "hello"
	r.post(hello)
	drained(t, db)
	before := r.conn.count()
	err := r.svc.PostNow(context.Background(), "reminder-test", func(context.Context, *flows.Engine) ([]flows.Reply, error) {
		return []flows.Reply{{Kind: flows.Direct, User: hello.From.AADObjectID, Title: "Your session starts in ten minutes."},
			{Kind: flows.Direct, User: "U0SLACK1", Title: "For a Slack member: not Teams'."}}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	r.conn.mu.Lock()
	reqs := append([]recorded(nil), r.conn.requests[before:]...)
	r.conn.mu.Unlock()
	if len(reqs) != 1 || reqs[0].Path != "/emea/v3/conversations/"+hello.Conversation.ID+"/activities" ||
		!strings.Contains(sentText(reqs[0]), "ten minutes") {
		t.Errorf("sent %+v; want the reminder alone, in the person's 1:1 chat", reqs)
	}
}

// What a person does in their 1:1 chat is for the team they act in: their
// discipline, said there, stands beside their answers in the team's
// channels; before they have acted in any, it is their tenant's.
func TestTeamsPersonalChatActsForTheirTeam(t *testing.T) {
	db := storagetest.SQLite(t)
	r := newTeamsRig(t, db)
	const team = "19:f0e1d2c3b4a5968778695a4b3c2d1e0f@thread.tacv2"
	cmd := rigFixture(t, "message_channel_command.json")
	r.post(cmd)
	drained(t, db)
	say := rigFixture(t, "message_personal.json")
	say.Text = "reflect discipline palliative care nurse"
	r.post(say)
	drained(t, db)
	m, err := db.GetMember(context.Background(), team, cmd.From.AADObjectID)
	if err != nil || m.Discipline != "palliative care nurse" {
		t.Errorf("member of the team: %+v, %v; want the discipline said in the 1:1 chat", m, err)
	}
	// Someone who has acted in no channel: their tenant is their team.
	other := rigFixture(t, "message_personal.json")
	other.ID = "1733562000999"
	other.From = &ChannelAccount{ID: "29:someone-new", AADObjectID: "0a0b0c0d-0000-4000-8000-000000000001"}
	other.Text = "reflect discipline chaplain"
	r.post(other)
	drained(t, db)
	if m, err := db.GetMember(context.Background(), testTenant, other.From.AADObjectID); err != nil || m.Discipline != "chaplain" {
		t.Errorf("member of the tenant: %+v, %v", m, err)
	}
}

// The settings dialog saves a discipline and says so; a team part sent by
// someone who may not change the team is refused by the engine, and no
// reply claims it was saved.
func TestTeamsSettingsDialog(t *testing.T) {
	db := storagetest.SQLite(t)
	r := newTeamsRig(t, db)
	const team = "19:f0e1d2c3b4a5968778695a4b3c2d1e0f@thread.tacv2"
	const channel = "19:a1b2c3d4e5f60718293a4b5c6d7e8f90@thread.tacv2"
	first := rigFixture(t, "message_channel_command.json")
	r.post(first)
	drained(t, db)
	where := first.ChannelData
	submit := rigFixture(t, "invoke_task_submit.json")
	submit.ID = "f:settings"
	submit.Conversation.ID, submit.ChannelData = channel, where
	submit.Value = json.RawMessage(`{"data":{"action":"settings","discipline":"district nurse","team_part":"1","digest_channel":"` +
		channel + `","digest_day":"1","digest_hour":"9"}}`)
	before := r.conn.count()
	if w := r.post(submit); w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `"message"`) {
		t.Fatalf("settings submitted: %d %s", w.Code, w.Body)
	}
	drained(t, db)
	m, err := db.GetMember(context.Background(), team, first.From.AADObjectID)
	if err != nil || m.Discipline != "district nurse" {
		t.Errorf("member %+v, %v; want the discipline saved", m, err)
	}
	r.conn.mu.Lock()
	var said []string
	for _, q := range r.conn.requests[before:] {
		said = append(said, sentText(q))
	}
	r.conn.mu.Unlock()
	all := strings.Join(said, "\n")
	if !strings.Contains(all, "Your discipline is saved") {
		t.Errorf("no word that the discipline was saved: %s", all)
	}
	if strings.Contains(all, "settings are saved") {
		t.Errorf("a reply claims the team's settings were saved by someone who may not change them: %s", all)
	}
	tm, err := db.GetTeam(context.Background(), team)
	if err != nil || tm.DigestChannel == channel {
		t.Errorf("team %+v, %v: the digest moved by someone who is not a lead", tm, err)
	}
}
