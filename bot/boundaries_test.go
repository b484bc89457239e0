package bot

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slacktest"

	"whatmatters/flows"
	"whatmatters/prompts"
	"whatmatters/storage"
)

// The boundaries, over signed requests in Slack's own payload shapes: a
// person of another organisation in a Slack Connect channel holds no
// rights here, controls act only in their own conversation, lists show
// only their own conversation's cases, and the bot posts for a person only
// where that person is.

// extTeam is the other organisation's workspace; its people's ids start
// with UEXT.
const extTeam = "TEXT"

// twoOrganisations answers users.info as Slack does with the
// installation's token in a Slack Connect channel: each person with their
// own workspace's team_id (UEXT… are extTeam's), and is_admin as their own
// workspace has it.
func twoOrganisations(admins ...string) func(*slackServer, slacktest.Customize) {
	return func(s *slackServer, c slacktest.Customize) {
		c.Handle("/users.info", s.handle("users.info", func(_ http.ResponseWriter, _ *http.Request, v url.Values) any {
			u := v.Get("user")
			team := testTeam
			if strings.HasPrefix(u, "UEXT") {
				team = extTeam
			}
			return map[string]any{"ok": true, "user": map[string]any{"id": u, "team_id": team, "name": strings.ToLower(u),
				"is_admin": slices.Contains(admins, u), "is_owner": false, "is_primary_owner": false, "is_restricted": false}}
		}))
	}
}

// auditEntries is the installation's audit log.
func auditEntries(t *testing.T, db *storage.DB) []flows.AuditEntry {
	t.Helper()
	entries, err := db.ListAudit(context.Background(), testTeam)
	if err != nil {
		t.Fatal(err)
	}
	return entries
}

// agreedAction stores, as a learning session would, a running session in
// channel with an action agreed for owner, and returns both.
func agreedAction(t *testing.T, db *storage.DB, channel, owner, text string) (flows.Session, flows.SessionAction) {
	t.Helper()
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Second)
	if _, err := db.EnsureTeam(ctx, flows.Team{ID: testTeam, Timezone: "Europe/London", CreatedAt: now}); err != nil {
		t.Fatal(err)
	}
	sess, err := db.CreateSession(ctx, flows.Session{TeamID: testTeam, Channel: channel, Thread: "1699990000." + channel[1:] + "00",
		Facilitator: "UFAC", Template: "theme", Subject: "handovers", Minutes: 30, Timed: true, Status: flows.SessionRunning,
		Stage: "noticing", CreatedAt: now, UpdatedAt: now, StartedAt: now, StageDeadline: now.Add(time.Hour), EndsAt: now.Add(2 * time.Hour)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	act, err := db.AddSessionAction(ctx, flows.SessionAction{SessionID: sess.ID, TeamID: testTeam, Stage: sess.Stage,
		Text: text, Author: "UFAC", Owner: owner, CreatedAt: now})
	if err != nil {
		t.Fatal(err)
	}
	return sess, act
}

// toldPrivately waits until the bot has told user, privately, something
// containing text.
func (h *harness) toldPrivately(user, text string) {
	h.t.Helper()
	h.api.waitFor(h.t, "telling "+user+" privately: "+text, func(cs []apiCall) bool {
		for _, c := range ephemeralsTo(cs, user) {
			if strings.Contains(c.Text, text) {
				return true
			}
		}
		return false
	})
}

// ephemeralsTo are the private messages (ephemeral or direct) the bot sent
// a person.
func ephemeralsTo(calls []apiCall, user string) []apiCall {
	var out []apiCall
	for _, c := range calls {
		if (c.Method == "chat.postEphemeral" && c.User == user) || (c.Method == "chat.postMessage" && c.Channel == "D"+user) {
			out = append(out, c)
		}
	}
	return out
}

// TestAnotherOrganisationsAdminHasNoRightsHere: an admin of another
// organisation's workspace, in a Slack Connect channel, sends the three
// shapes that got in: a button on the installation's bot message
// (block_actions, team and user.team_id theirs, message.team the
// installation's) marking an agreed action done; the settings form
// (view_submission, view.app_installed_team_id the installation's)
// moving the weekly digest and making themselves a facilitator; and a
// slash command with the installation's team_id changing the timezone.
// Each is refused privately and nothing changes or is audited; the
// installation's own admin, sending the same, is obeyed.
func TestAnotherOrganisationsAdminHasNoRightsHere(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		api := newSlackServer(t, twoOrganisations("UEXTADMIN", "UADMIN"))
		h := newHarness(t, db, api, harnessOptions{workers: 2})
		const form = "application/x-www-form-urlencoded"
		sess, act := agreedAction(t, db, "C1", "UANN", "call the family about the care plan")
		before := len(auditEntries(t, db))

		// 1. Buttons on the installation's bot messages, pressed from the
		// other organisation: Mark done, and End on the session's message.
		press := func(user, team, actionID, value string) {
			t.Helper()
			status, _ := h.post(form, interactionForm(map[string]any{
				"type": "block_actions", "token": "legacy-verification-token", "api_app_id": "A1", "trigger_id": trigger(),
				"is_enterprise_install": false, "enterprise": nil,
				"team": map[string]any{"id": team, "domain": "other-org"}, "user": map[string]any{"id": user, "username": strings.ToLower(user), "team_id": team},
				"channel":   map[string]any{"id": "C1", "name": "shared-ward"},
				"container": map[string]any{"type": "message", "message_ts": "1700000100.000001", "channel_id": "C1", "is_ephemeral": false},
				"message": map[string]any{"type": "message", "user": testBotID, "bot_id": "B1", "team": testTeam, "ts": "1700000100.000001",
					"text": "Your agreed actions"},
				"response_url": "https://hooks.slack.invalid/actions/T1/1/x",
				"actions": []map[string]any{{"action_id": actionID, "block_id": "wm_actions",
					"value": value, "type": "button", "action_ts": "1700000101.000001"}},
			}), nil)
			if status != http.StatusOK {
				t.Fatalf("button press: %d", status)
			}
		}
		actionID := strconv.FormatInt(act.ID, 10)
		press("UEXTADMIN", extTeam, homeActionDone, actionID)
		h.toldPrivately("UEXTADMIN", "couldn't mark that action done")
		press("UEXTADMIN", extTeam, "wm_"+flows.ActionSessionEnd, flows.SessionButton(sess))
		h.toldPrivately("UEXTADMIN", "run by the team's facilitators")
		assertDrained(t, db)
		if got, err := db.GetSessionAction(ctx, act.ID); err != nil || !got.DoneAt.IsZero() {
			t.Errorf("action after the other organisation's press = %+v, %v; want it open", got, err)
		}
		if got, err := db.GetSession(ctx, sess.ID); err != nil || got.Status != flows.SessionRunning {
			t.Errorf("session after the other organisation's End = %+v, %v; want it running", got, err)
		}

		// 2. The settings form, with the team part forged.
		submit := func(user, team string) (int, string) {
			t.Helper()
			return h.post(form, interactionForm(map[string]any{
				"type": "view_submission", "token": "legacy-verification-token", "api_app_id": "A1", "trigger_id": trigger(),
				"is_enterprise_install": false, "enterprise": nil,
				"team": map[string]any{"id": team, "domain": "other-org"}, "user": map[string]any{"id": user, "username": strings.ToLower(user), "name": strings.ToLower(user), "team_id": team},
				"view": map[string]any{"id": "V0SET", "team_id": testTeam, "app_installed_team_id": testTeam, "type": "modal",
					"callback_id": settingsModalID, "private_metadata": "", "hash": "1.abc", "root_view_id": "V0SET", "app_id": "A1", "bot_id": "B1",
					"state": map[string]any{"values": map[string]any{
						disciplineBlock:    map[string]any{disciplineInput: map[string]any{"type": "plain_text_input", "value": nil}},
						digestChannelBlock: map[string]any{digestChannelAction: map[string]any{"type": "conversations_select", "selected_conversation": "C1"}},
						digestDayBlock:     map[string]any{digestDayAction: map[string]any{"type": "static_select", "selected_option": map[string]any{"value": "3", "text": map[string]any{"type": "plain_text", "text": "Wednesday"}}}},
						digestHourBlock:    map[string]any{digestHourAction: map[string]any{"type": "static_select", "selected_option": map[string]any{"value": "7", "text": map[string]any{"type": "plain_text", "text": "07:00"}}}},
						facilitatorsBlock:  map[string]any{facilitatorsAction: map[string]any{"type": "multi_users_select", "selected_users": []string{user}}},
					}}},
				"response_urls": []any{},
			}), nil)
		}
		status, body := submit("UEXTADMIN", extTeam)
		if status != http.StatusOK || !strings.Contains(body, `"response_action":"errors"`) {
			t.Errorf("the other organisation's settings: %d %s; want the form to show a refusal", status, body)
		}

		// 3. A slash command naming the installation's team.
		h.command("UEXTADMIN", "C1", "timezone America/New_York")
		h.toldPrivately("UEXTADMIN", "own leads and admins")
		assertDrained(t, db)

		team, err := db.GetTeam(ctx, testTeam)
		if err != nil || team.Timezone != "Europe/London" || team.DigestChannel != "" {
			t.Errorf("team after the other organisation's admin = %+v, %v; want it unchanged", team, err)
		}
		if m, err := db.GetMember(ctx, testTeam, "UEXTADMIN"); err == nil && m.Facilitator {
			t.Error("the other organisation's admin made themselves a facilitator")
		}
		if got := auditEntries(t, db); len(got) != before {
			t.Errorf("audit log = %+v; want no entry for what was refused", got[before:])
		}

		// The installation's own admin, sending the same, is obeyed: the
		// shapes reach the engine.
		if status, body := submit("UADMIN", testTeam); status != http.StatusOK || body != "" {
			t.Fatalf("the installation's admin's settings: %d %q", status, body)
		}
		// (One at a time: a person's first two deliveries, on different
		// keys, both create their member record, and the later one's
		// would overwrite the role.)
		assertDrained(t, db)
		h.command("UADMIN", "C1", "timezone America/New_York")
		press("UADMIN", testTeam, "wm_"+flows.ActionSessionEnd, flows.SessionButton(sess))
		press("UANN", testTeam, homeActionDone, actionID)
		h.toldPrivately("UADMIN", "timezone is now")
		assertDrained(t, db)
		team, _ = db.GetTeam(ctx, testTeam)
		if team.Timezone != "America/New_York" || team.DigestChannel != "C1" {
			t.Errorf("team after the installation's admin = %+v", team)
		}
		if m, _ := db.GetMember(ctx, testTeam, "UADMIN"); !m.Facilitator {
			t.Error("the installation's admin's facilitator choice was not kept")
		}
		if got, _ := db.GetSessionAction(ctx, act.ID); got.DoneAt.IsZero() {
			t.Error("the owner could not mark the action done")
		}
		if got, _ := db.GetSession(ctx, sess.ID); got.Status != flows.SessionEnded {
			t.Errorf("session after the installation's admin's End = %+v; want it ended", got)
		}
	})
}

// privateChannels answers conversations.info with the given channels
// private, every other public.
func privateChannels(channels ...string) func(*slackServer, slacktest.Customize) {
	return func(s *slackServer, c slacktest.Customize) {
		c.Handle("/conversations.info", s.handle("conversations.info", func(_ http.ResponseWriter, _ *http.Request, v url.Values) any {
			ch := v.Get("channel")
			return map[string]any{"ok": true, "channel": map[string]any{"id": ch, "name": strings.ToLower(ch), "is_channel": true,
				"is_private": slices.Contains(channels, ch), "is_member": true}}
		}))
	}
}

// boundaryHarness is the harness with the engine asking the adapter which
// channels are private, as serve wires it.
func boundaryHarness(t *testing.T, db *storage.DB, api *slackServer) *harness {
	t.Helper()
	var adapter atomic.Pointer[Slack]
	templates, err := prompts.Load()
	if err != nil {
		t.Fatal(err)
	}
	engine := flows.NewEngine(flows.Options{Templates: templates,
		ChannelPrivacy: func(ctx context.Context, team, channel string) (bool, error) {
			return adapter.Load().ChannelPrivate(ctx, team, channel)
		}})
	h := newHarness(t, db, api, harnessOptions{workers: 2, slackOpts: func(o *SlackOptions) { o.Engine = engine.WithStore }})
	adapter.Store(h.slack)
	return h
}

// homeButton presses a button on a person's Home tab, as Slack sends it.
func (h *harness) homeButton(user, actionID, value string) {
	h.t.Helper()
	status, _ := h.post("application/x-www-form-urlencoded", interactionForm(map[string]any{
		"type": "block_actions", "token": "legacy-verification-token", "api_app_id": "A1", "trigger_id": trigger(),
		"is_enterprise_install": false, "enterprise": nil,
		"team": map[string]any{"id": testTeam, "domain": "care"}, "user": map[string]any{"id": user, "username": strings.ToLower(user), "team_id": testTeam},
		"container": map[string]any{"type": "view", "view_id": "V0HOME"},
		"view": map[string]any{"id": "V0HOME", "team_id": testTeam, "type": "home", "app_installed_team_id": testTeam, "callback_id": "",
			"private_metadata": "", "hash": "1.home", "app_id": "A1", "bot_id": "B1", "state": map[string]any{"values": map[string]any{}}},
		"actions": []map[string]any{{"action_id": actionID, "block_id": "wm_home_actions", "value": value, "type": "button", "action_ts": "1700000200.000001"}},
	}), nil)
	if status != http.StatusOK {
		h.t.Fatalf("Home tab button: %d", status)
	}
}

// TestActionDoneStaysInItsChannel: /reflect actions done N, typed by a
// facilitator in a public channel for an action agreed in a private
// channel, changes nothing and does not say what the action was; its
// owner's Mark done on the Home tab for it is refused in a direct
// message; in its own channel it is marked done.
func TestActionDoneStaysInItsChannel(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		api := newSlackServer(t, privateChannels("CPRIV"))
		h := boundaryHarness(t, db, api)
		_, act := agreedAction(t, db, "CPRIV", "UANN", "call the family about the care plan by Friday")
		if _, err := db.SaveMember(ctx, flows.Member{TeamID: testTeam, UserID: "UFAC", Facilitator: true, CreatedAt: time.Now()}); err != nil {
			t.Fatal(err)
		}
		n := strconv.FormatInt(act.ID, 10)

		h.command("UFAC", "CPUB", "actions done "+n)
		said := ephemeralsTo(api.waitFor(t, "the answer in the public channel", func(cs []apiCall) bool {
			return len(ephemeralsTo(cs, "UFAC")) > 0
		}), "UFAC")
		if said[0].Channel != "CPUB" || strings.Contains(said[0].Text, "call the family") || !strings.Contains(said[0].Text, "no action "+n) {
			t.Errorf("answer in the public channel: %s %q; want it to say nothing of the private channel's action", said[0].Channel, said[0].Text)
		}
		h.homeButton("UANN", homeActionDone, n)
		dm := ephemeralsTo(api.waitFor(t, "the owner told privately", func(cs []apiCall) bool {
			return len(ephemeralsTo(cs, "UANN")) > 0
		}), "UANN")
		if !strings.Contains(dm[0].Text, "couldn't mark that action done") {
			t.Errorf("Home tab refusal = %q", dm[0].Text)
		}
		assertDrained(t, db)
		if got, _ := db.GetSessionAction(ctx, act.ID); !got.DoneAt.IsZero() {
			t.Fatalf("action = %+v; want it open", got)
		}

		h.command("UFAC", "CPRIV", "actions done "+n)
		said = ephemeralsTo(api.waitFor(t, "the answer in the private channel", func(cs []apiCall) bool {
			return len(ephemeralsTo(cs, "UFAC")) > 1
		}), "UFAC")
		if said[1].Channel != "CPRIV" || !strings.Contains(said[1].Text, "Marked done: call the family") {
			t.Errorf("answer in its own channel: %s %q", said[1].Channel, said[1].Text)
		}
		if got, _ := db.GetSessionAction(ctx, act.ID); got.DoneAt.IsZero() || got.DoneBy != "UFAC" {
			t.Errorf("action = %+v; want it done by the facilitator", got)
		}
	})
}

// pressIn presses a button of the bot's as Slack sends it from a message
// in channel (a forged or misplaced press names another channel than the
// button's reflection or session).
func (h *harness) pressIn(user, channel, thread, actionID, value string) {
	h.t.Helper()
	container := map[string]any{"type": "message", "message_ts": "1700000300.000001", "channel_id": channel, "is_ephemeral": false}
	message := map[string]any{"type": "message", "user": testBotID, "bot_id": "B1", "team": testTeam, "ts": "1700000300.000001", "text": "A question"}
	if thread != "" {
		container["thread_ts"], message["thread_ts"] = thread, thread
	}
	status, _ := h.post("application/x-www-form-urlencoded", interactionForm(map[string]any{
		"type": "block_actions", "token": "legacy-verification-token", "api_app_id": "A1", "trigger_id": trigger(),
		"is_enterprise_install": false, "enterprise": nil,
		"team": map[string]any{"id": testTeam, "domain": "care"}, "user": map[string]any{"id": user, "username": strings.ToLower(user), "team_id": testTeam},
		"channel": map[string]any{"id": channel, "name": strings.ToLower(channel)}, "container": container, "message": message,
		"response_url": "https://hooks.slack.invalid/actions/T1/2/y",
		"actions":      []map[string]any{{"action_id": actionID, "block_id": "wm_actions", "value": value, "type": "button", "action_ts": "1700000301.000001"}},
	}), nil)
	if status != http.StatusOK {
		h.t.Fatalf("button press: %d", status)
	}
}

// TestControlsStayInTheirChannel: the starter's Skip, with the value of a
// button on their reflection's question in a private channel, pressed in
// a public channel, and a facilitator's Five more minutes for the private
// channel's session pressed in a public channel, change nothing there and
// are answered privately where they were pressed; pressed in their own
// channel, they act.
func TestControlsStayInTheirChannel(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		api := newSlackServer(t)
		h := newHarness(t, db, api, harnessOptions{workers: 2})
		sess, _ := agreedAction(t, db, "CPRIV", "UANN", "ring the hospice")
		if _, err := db.SaveMember(ctx, flows.Member{TeamID: testTeam, UserID: "UFAC", Facilitator: true, CreatedAt: time.Now()}); err != nil {
			t.Fatal(err)
		}
		h.command("U1", "CPRIV", "Kestrel")
		posts := api.waitForCount(t, 2, "chat.postMessage")
		root, question := posts[0], posts[1]
		skip := buttonValue(t, question.Blocks, "wm_"+flows.ActionSkip)
		r, err := db.ReflectionByThread(ctx, testTeam, "CPRIV", root.TS)
		if err != nil {
			t.Fatal(err)
		}

		h.pressIn("U1", "CPUB", "", "wm_"+flows.ActionSkip, skip)
		h.toldPrivately("U1", "That reflection no longer exists.")
		h.pressIn("UFAC", "CPUB", "", "wm_"+flows.ActionSessionMore, flows.SessionButton(sess))
		h.toldPrivately("UFAC", "That session no longer exists.")
		assertDrained(t, db)
		for _, c := range ephemeralsTo(api.made(), "U1") {
			if c.Channel == "CPRIV" {
				continue
			}
			if c.Channel != "CPUB" {
				t.Errorf("refusal in %s; want it where the button was pressed", c.Channel)
			}
		}
		if got, _ := db.GetReflection(ctx, r.ID); got.Stage != r.Stage {
			t.Errorf("reflection after Skip pressed in another channel at %s; want %s", got.Stage, r.Stage)
		}
		if got, _ := db.GetSession(ctx, sess.ID); !got.EndsAt.Equal(sess.EndsAt) {
			t.Errorf("session after five more minutes in another channel ends %s; want %s", got.EndsAt, sess.EndsAt)
		}
		if n := len(api.made("chat.postMessage", "chat.update")); n != 2 {
			t.Errorf("%d posts and updates; want only the reflection's two:\n%s", n, describeCalls(api.made()))
		}

		h.pressIn("U1", "CPRIV", root.TS, "wm_"+flows.ActionSkip, skip)
		h.pressIn("UFAC", "CPRIV", "", "wm_"+flows.ActionSessionMore, flows.SessionButton(sess))
		api.waitFor(t, "the next question and five more minutes", func(cs []apiCall) bool {
			var next, more bool
			for _, c := range cs {
				next = next || (c.Method == "chat.postMessage" && c.Thread == root.TS && strings.Contains(c.Text, "2 of 5"))
				more = more || (c.Method == "chat.postMessage" && strings.Contains(c.Text, "Five more minutes"))
			}
			return next && more
		})
		assertDrained(t, db)
		if got, _ := db.GetSession(ctx, sess.ID); !got.EndsAt.After(sess.EndsAt) {
			t.Errorf("session after five more minutes in its own channel ends %s; want later than %s", got.EndsAt, sess.EndsAt)
		}
	})
}

// homeOpened sends app_home_opened for user as Slack does in a Slack
// Connect workspace, and returns the Home tab then published.
func (h *harness) homeOpened(eventID, user string) apiCall {
	h.t.Helper()
	before := 0
	for _, c := range h.api.made("views.publish") {
		if c.User == user {
			before++
		}
	}
	status, _ := h.post("application/json", rawEvent(h.t, map[string]any{
		"team_id": testTeam, "event_id": eventID, "is_ext_shared_channel": false,
		"authorizations": []map[string]any{{"enterprise_id": nil, "team_id": testTeam, "user_id": testBotID, "is_bot": true, "is_enterprise_install": false}},
		"event": map[string]any{"type": "app_home_opened", "user": user, "channel": "D" + user, "tab": "home", "event_ts": "1700000400.000001",
			"view": map[string]any{"id": "V0HOME", "team_id": testTeam, "type": "home", "app_installed_team_id": testTeam}},
	}), nil)
	if status != http.StatusOK {
		h.t.Fatalf("app_home_opened: %d", status)
	}
	var last apiCall
	h.api.waitFor(h.t, "the Home tab of "+user, func(cs []apiCall) bool {
		n := 0
		for _, c := range cs {
			if c.Method == "views.publish" && c.User == user {
				n++
				last = c
			}
		}
		return n > before
	})
	return last
}

// TestListsStayInTheirChannel: /reflect cases typed in a public channel
// names no case reflected on only in a private channel; the Home tab of a
// member of the team lists only public channels' cases; the Home tab of
// someone from another organisation (users.info names their own
// workspace) lists none of the team's cases.
func TestListsStayInTheirChannel(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, db *storage.DB) {
		api := newSlackServer(t, privateChannels("CPRIV"), twoOrganisations())
		h := boundaryHarness(t, db, api)
		h.command("U1", "CPUB", "Kestrel")
		h.command("U1", "CPRIV", "Curlew")
		api.waitForCount(t, 4, "chat.postMessage")
		assertDrained(t, db)

		h.command("U2", "CPUB", "cases")
		h.toldPrivately("U2", "Cases reflected on in this channel")
		for _, c := range ephemeralsTo(api.made(), "U2") {
			if strings.Contains(c.Text+c.Blocks, "Curlew") {
				t.Errorf("/reflect cases in the public channel names the private channel's case: %q", c.Text)
			}
		}
		if home := h.homeOpened("EvHome1", "U2"); !strings.Contains(home.Blocks, "Kestrel") || strings.Contains(home.Blocks, "Curlew") {
			t.Errorf("a member's Home tab = %s; want Kestrel and not Curlew", home.Blocks)
		}
		home := h.homeOpened("EvHome2", "UEXT1")
		if strings.Contains(home.Blocks, "Kestrel") || strings.Contains(home.Blocks, "Curlew") || !strings.Contains(home.Blocks, "another organisation") {
			t.Errorf("the Home tab of someone from another organisation = %s; want none of the team's cases", home.Blocks)
		}
		assertDrained(t, db)
	})
}

// submitView sends a view_submission as Slack does, from user of the
// installation's workspace.
func (h *harness) submitView(user string, view map[string]any) {
	h.t.Helper()
	view["id"], view["team_id"], view["app_installed_team_id"], view["type"] = "V0SUB", testTeam, testTeam, "modal"
	view["hash"], view["app_id"], view["bot_id"] = "1.sub", "A1", "B1"
	status, body := h.post("application/x-www-form-urlencoded", interactionForm(map[string]any{
		"type": "view_submission", "token": "legacy-verification-token", "api_app_id": "A1", "trigger_id": trigger(),
		"is_enterprise_install": false, "enterprise": nil,
		"team": map[string]any{"id": testTeam, "domain": "care"}, "user": map[string]any{"id": user, "username": strings.ToLower(user), "team_id": testTeam},
		"view": view, "response_urls": []any{},
	}), nil)
	if status != http.StatusOK || body != "" {
		h.t.Fatalf("view_submission %v: %d %q; want it closed", view["callback_id"], status, body)
	}
}

// TestPostsOnlyWhereThePersonIs: the bot posts into a channel a person
// chose only if Slack says they are in it (conversations.members, read a
// page at a time). A private channel chosen in the start form
// (selected_conversation), in the write-it-in-a-form form, in a Start
// button's value, in a session form's metadata, in an outcome form's
// metadata and as the weekly digest's channel in the settings form, by
// someone not in it, gets a kind refusal
// in a direct message and nothing is posted, stored or audited; a member,
// found on the third page of a large channel, is obeyed.
func TestPostsOnlyWhereThePersonIs(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		api := newSlackServer(t)
		h := newHarness(t, db, api, harnessOptions{workers: 2})
		members := []string{}
		for i := range 2500 {
			members = append(members, fmt.Sprintf("UM%04d", i))
		}
		api.setMembers("CPRIV", append(members, "UIN")...)
		now := time.Now()
		if _, err := db.EnsureTeam(ctx, flows.Team{ID: testTeam, Timezone: "Europe/London", CreatedAt: now}); err != nil {
			t.Fatal(err)
		}
		for _, m := range []flows.Member{{UserID: "UOUT", Facilitator: true, Role: flows.RoleLead}, {UserID: "UIN"}} {
			m.TeamID, m.CreatedAt = testTeam, now
			if _, err := db.SaveMember(ctx, m); err != nil {
				t.Fatal(err)
			}
		}
		before := len(auditEntries(t, db))
		start := func() map[string]any {
			return map[string]any{"callback_id": startModalID, "private_metadata": "", "state": map[string]any{"values": map[string]any{
				channelBlock: map[string]any{channelAction: map[string]any{"type": "conversations_select", "selected_conversation": "CPRIV"}},
				nameBlock:    map[string]any{nameAction: map[string]any{"type": "plain_text_input", "value": "Kestrel"}},
			}}}
		}
		refusals := 0
		refused := func(what string) {
			t.Helper()
			refusals++
			api.waitFor(t, what+" refused", func(cs []apiCall) bool {
				n := 0
				for _, c := range ephemeralsTo(cs, "UOUT") {
					if strings.Contains(c.Text, "You're not a member of that channel, so I can't post there for you.") {
						n++
					}
				}
				return n == refusals
			})
		}

		h.submitView("UOUT", start())
		refused("the start form")
		h.submitView("UOUT", map[string]any{"callback_id": formModalID, "private_metadata": `{"template":"case"}`, "state": map[string]any{"values": map[string]any{
			formChannelBlock:                 map[string]any{channelAction: map[string]any{"type": "conversations_select", "selected_conversation": "CPRIV"}},
			formLabelBlock:                   map[string]any{formInput: map[string]any{"type": "plain_text_input", "value": "Curlew"}},
			formStagePrefix + "what_matters": map[string]any{formInput: map[string]any{"type": "plain_text_input", "value": "Her garden."}},
		}}})
		refused("the write-it-in-a-form form")
		h.pressIn("UOUT", "CPUB", "", startAction, "CPRIV")
		refused("the Start button")
		h.submitView("UOUT", map[string]any{"callback_id": sessionModalID, "private_metadata": "CPRIV", "state": map[string]any{"values": map[string]any{
			sessionTemplateBlock: map[string]any{sessionTemplateAction: map[string]any{"type": "static_select", "selected_option": map[string]any{"value": "theme"}}},
			sessionSubjectBlock:  map[string]any{sessionSubjectAction: map[string]any{"type": "plain_text_input", "value": "handovers"}},
			sessionMinutesBlock:  map[string]any{sessionMinutesAction: map[string]any{"type": "static_select", "selected_option": map[string]any{"value": "20"}}},
			sessionPaceBlock:     map[string]any{sessionPaceAction: map[string]any{"type": "radio_buttons", "selected_option": map[string]any{"value": "timed"}}},
		}}})
		refused("the session form")
		h.submitView("UOUT", map[string]any{"callback_id": settingsModalID, "private_metadata": "", "state": map[string]any{"values": map[string]any{
			disciplineBlock:    map[string]any{disciplineInput: map[string]any{"type": "plain_text_input", "value": nil}},
			digestChannelBlock: map[string]any{digestChannelAction: map[string]any{"type": "conversations_select", "selected_conversation": "CPRIV"}},
			digestDayBlock:     map[string]any{digestDayAction: map[string]any{"type": "static_select", "selected_option": map[string]any{"value": "1"}}},
			digestHourBlock:    map[string]any{digestHourAction: map[string]any{"type": "static_select", "selected_option": map[string]any{"value": "9"}}},
		}}})
		refused("the weekly digest's channel")
		kestrel, err := db.CreateCase(ctx, flows.Case{TeamID: testTeam, Label: "Kestrel", CreatedAt: now})
		if err != nil {
			t.Fatal(err)
		}
		h.submitView("UOUT", map[string]any{"callback_id": outcomeModalID,
			"private_metadata": fmt.Sprintf(`{"case_id":%d,"channel":"CPRIV"}`, kestrel.ID),
			"state": map[string]any{"values": map[string]any{
				outcomeBlockPrefix + flows.OutcomeDiedAt: map[string]any{outcomeAction: map[string]any{"type": "static_select", "selected_option": map[string]any{"value": "home"}}},
			}}})
		refused("the outcome form")
		assertDrained(t, db)
		if os, _ := db.ListOutcomes(ctx, testTeam); len(os) != 0 {
			t.Errorf("outcomes = %+v; want none", os)
		}
		for _, c := range api.made("chat.postMessage", "chat.postEphemeral") {
			if c.Channel == "CPRIV" {
				t.Errorf("posted in the private channel for someone not in it: %s %q", c.Method, c.Text)
			}
		}
		if rs, _ := db.ListReflections(ctx, testTeam); len(rs) != 0 {
			t.Errorf("reflections = %+v; want none", rs)
		}
		if ss, _ := db.ListSessions(ctx, testTeam); len(ss) != 0 {
			t.Errorf("sessions = %+v; want none", ss)
		}
		if team, _ := db.GetTeam(ctx, testTeam); team.DigestChannel != "" {
			t.Errorf("digest channel = %q; want none", team.DigestChannel)
		}
		if got := auditEntries(t, db); len(got) != before {
			t.Errorf("audit = %+v; want nothing recorded", got[before:])
		}

		// A member, on the third page of 2,501: the reflection starts there.
		h.submitView("UIN", start())
		api.waitFor(t, "the member's reflection in the private channel", func(cs []apiCall) bool {
			for _, c := range cs {
				if c.Method == "chat.postMessage" && c.Channel == "CPRIV" && strings.Contains(c.Text, "Kestrel") {
					return true
				}
			}
			return false
		})
		pages := 0
		for _, c := range api.made("conversations.members") {
			if c.Channel == "CPRIV" {
				pages++
			}
		}
		if pages < 3 {
			t.Errorf("conversations.members read %d pages; want every page to the member's", pages)
		}
		assertDrained(t, db)
	})
}

// TestChannelMembershipRemembered: what conversations.members said is
// remembered for a minute, found or not, and then asked again; a failure
// (the bot not in the channel) is not remembered, and refuses.
func TestChannelMembershipRemembered(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	asked := 0
	failing := false
	api := &fakeAPI{members: func(_ context.Context, p *slack.GetUsersInConversationParameters) ([]string, string, error) {
		asked++
		if failing {
			return nil, "", errors.New("not_in_channel")
		}
		if p.Cursor == "" {
			return []string{"U1"}, "page2", nil
		}
		return []string{"U2"}, "", nil
	}}
	s := newSlack(api, SlackOptions{Store: sqliteDB(t), Engine: engineOn(t), Now: func() time.Time { return now }})
	ctx := context.Background()
	check := func(user string, want bool, wantAsked int) {
		t.Helper()
		got, err := s.channelMember(ctx, testTeam, "C1", user)
		if err != nil || got != want || asked != wantAsked {
			t.Fatalf("member %s = %v, %v after %d calls; want %v after %d", user, got, err, asked, want, wantAsked)
		}
	}
	check("U2", true, 2)  // the second page
	check("U2", true, 2)  // remembered
	check("U3", false, 4) // not found, every page read
	check("U3", false, 4) // remembered too
	now = now.Add(memberTTL)
	check("U2", true, 6) // asked again
	now = now.Add(memberTTL)
	failing = true
	if _, err := s.channelMember(ctx, testTeam, "C1", "U2"); err == nil {
		t.Fatal("a failed conversations.members gave an answer")
	}
	if _, err := s.channelMember(ctx, testTeam, "C1", "U2"); err == nil || asked != 8 {
		t.Fatalf("a failure was remembered (%d calls)", asked)
	}
}
