package flows_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"whatmatters/flows"
	"whatmatters/prompts"
	"whatmatters/scrub"
	"whatmatters/storage"
	"whatmatters/storage/storagetest"
)

// The boundaries of who may do what, where: another organisation's people
// (Slack Connect), controls used in another conversation, lists shown in
// another conversation.

// newBoundaryConvo is newConvo with options of the test's own.
func newBoundaryConvo(t *testing.T, db *storage.DB, opts func(*flows.Options)) *convo {
	t.Helper()
	c := newConvo(t, db)
	templates, err := prompts.Load()
	if err != nil {
		t.Fatal(err)
	}
	o := flows.Options{Store: db, Templates: templates, Scrub: fakeScrub, Now: c.clock.tick}
	if opts != nil {
		opts(&o)
	}
	c.engine = flows.NewEngine(o)
	return c
}

// auditLen is how many entries the team's audit log holds.
func auditLen(t *testing.T, db *storage.DB) int {
	t.Helper()
	entries, err := db.ListAudit(context.Background(), team)
	if err != nil {
		t.Fatal(err)
	}
	return len(entries)
}

func (c *convo) cmdAs(a flows.Actor, channel, text string) []flows.Reply {
	c.t.Helper()
	replies, err := c.engine.Command(c.ctx, flows.Command{Actor: a, Channel: channel, Text: text})
	if err != nil {
		c.t.Fatalf("Command(%q): %v", text, err)
	}
	return replies
}

// TestExternalAdminHoldsNoRightsHere: a workspace admin of another
// organisation (Slack Connect), even one on the operator's list of
// facilitators, changes none of the team's settings, chooses no
// facilitators, runs no sessions and marks no one's action done; each is
// refused kindly and nothing is stored or audited. The same person counts
// as an admin when of the installation's own organisation, and as a
// facilitator once a lead here makes them one.
func TestExternalAdminHoldsNoRightsHere(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		c := newBoundaryConvo(t, db, func(o *flows.Options) { o.Facilitators = []string{"UEXT", "fay"} })
		startSession(t, c, "")
		c.sayID("bo", "a1", "action: <@ann> to ring her son by Friday")
		items, err := c.engine.MyActions(c.ctx, actor("ann"))
		if err != nil || len(items) != 1 {
			t.Fatalf("ann's actions = %+v, %v", items, err)
		}
		ext := flows.Actor{TeamID: team, UserID: "UEXT", HomeTeam: "T2", Admin: true, External: true}
		audited := auditLen(t, db)

		for _, text := range []string{"timezone America/New_York", "digest every monday 09:00", "check-in every monday 09:30",
			"session names on", "facilitator <@UEXT>"} {
			r := notice(t, c.cmdAs(ext, c.channel, text))
			if !strings.Contains(allText(r), "Nothing was changed") || strings.Contains(r.Title, "is set") {
				t.Errorf("/reflect %s from another organisation's admin: %q", text, allText(r))
			}
		}
		if r := notice(t, c.cmdAs(ext, c.channel, "timezone America/New_York")); !strings.Contains(allText(r), "another organisation") {
			t.Errorf("the refusal does not say why: %q", allText(r))
		}
		if set, err := c.engine.SettingsFor(c.ctx, ext); err != nil || set.MayChangeTeam {
			t.Errorf("settings form for another organisation's admin = %+v, %v; want no team part", set, err)
		}
		if rs, err := c.engine.SetDigestSchedule(c.ctx, ext, flows.DigestSchedule{Channel: "CEXT", Day: 1, Hour: 9}); err != nil || len(rs) != 1 || rs[0].Kind != flows.Direct {
			t.Errorf("digest from the settings form = %+v, %v; want one private refusal", rs, err)
		}
		if rs, err := c.engine.SetFacilitators(c.ctx, ext, []string{"UEXT"}); err != nil || len(rs) != 1 || rs[0].Kind != flows.Direct {
			t.Errorf("facilitators from the settings form = %+v, %v; want one private refusal", rs, err)
		}
		if ok, err := c.engine.MayFacilitate(c.ctx, ext); err != nil || ok {
			t.Errorf("another organisation's admin, listed in the configuration, may facilitate = %v, %v", ok, err)
		}
		if _, err := c.engine.ActionDone(c.ctx, ext, "", items[0].ID); !errors.Is(err, flows.ErrForbidden) && !errors.Is(err, flows.ErrNotFound) {
			t.Errorf("another organisation's admin marking ann's action done from the Home tab: %v; want a refusal", err)
		}
		if r := notice(t, mustReplies(t)(c.engine.ActionDone(c.ctx, ext, c.channel, items[0].ID))); strings.HasPrefix(r.Title, "Marked done") {
			t.Errorf("another organisation's admin marked ann's action done: %q", r.Title)
		}

		tm, err := db.GetTeam(c.ctx, team)
		if err != nil || tm.Timezone != "Europe/London" || tm.DigestChannel != "" || tm.CheckInChannel != "" || tm.SessionNames {
			t.Errorf("team = %+v, %v; want it unchanged", tm, err)
		}
		if m, err := db.GetMember(c.ctx, team, "UEXT"); !errors.Is(err, flows.ErrNotFound) {
			t.Errorf("member UEXT = %+v, %v; refusals must record nothing of the person", m, err)
		}
		if acts, _ := db.ListTeamActions(c.ctx, team); len(acts) != 1 || !acts[0].DoneAt.IsZero() {
			t.Errorf("actions = %+v; want ann's open", acts)
		}
		if n := auditLen(t, db); n != audited {
			t.Errorf("audit log has %d entries, had %d: refusals must record nothing", n, audited)
		}

		// The same person of the installation's own organisation is an admin.
		own := ext
		own.External = false
		if r := notice(t, c.cmdAs(own, c.channel, "timezone America/New_York")); !strings.HasPrefix(r.Title, "The team's timezone is now") {
			t.Errorf("an admin of this organisation: %q", r.Title)
		}
		// A lead here may make the outsider a facilitator: a stored role counts.
		if err := c.engine.SetRole(c.ctx, team, "lee", flows.RoleLead, "cli"); err != nil {
			t.Fatal(err)
		}
		if _, err := c.engine.ChangeFacilitator(c.ctx, actor("lee"), c.channel, "<@UEXT>", true); err != nil {
			t.Fatal(err)
		}
		if ok, err := c.engine.MayFacilitate(c.ctx, ext); err != nil || !ok {
			t.Errorf("an outsider made a facilitator here may facilitate = %v, %v", ok, err)
		}
		if set, _ := c.engine.SettingsFor(c.ctx, ext); set.MayChangeTeam {
			t.Error("a facilitator from another organisation may change the team's settings")
		}
	})
}

// mustReplies fails the test on an error and passes the replies on.
func mustReplies(t *testing.T) func([]flows.Reply, error) []flows.Reply {
	return func(rs []flows.Reply, err error) []flows.Reply {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return rs
	}
}

// TestActionsStayInTheirChannel: an action agreed in a private channel's
// session can be marked done, and is listed, only there: /reflect actions
// done N typed in another channel, by a facilitator or by its owner,
// changes nothing and says nothing of it, whatever the number; the Home
// tab marks done only its owner's actions of public channels.
func TestActionsStayInTheirChannel(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		private := map[string]bool{"CPRIV": true}
		c := newBoundaryConvo(t, db, func(o *flows.Options) {
			o.ChannelPrivacy = func(_ context.Context, _, channel string) (bool, error) { return private[channel], nil }
		})
		c.channel = "CPRIV"
		startSession(t, c, "")
		c.sayID("bo", "a1", "action: <@ann> to call the family about the care plan by Friday")
		items, err := c.engine.MyActions(c.ctx, actor("ann"))
		if err != nil || len(items) != 1 {
			t.Fatalf("ann's actions = %+v, %v", items, err)
		}
		id := items[0].ID
		done := func(who, channel string) flows.Reply {
			t.Helper()
			return notice(t, c.cmdAs(actor(who), channel, fmt.Sprintf("actions done %d", id)))
		}
		for _, who := range []string{"fay", "ann"} {
			r := done(who, "CPUB")
			if strings.HasPrefix(r.Title, "Marked done") || strings.Contains(allText(r), "call the family") {
				t.Errorf("%s's /reflect actions done %d in another channel: %q", who, id, allText(r))
			}
			if r2 := done(who, "CPUB"); allText(r2) != allText(r) {
				t.Errorf("answers differ")
			}
		}
		// Any number: one that exists nowhere gets the same answer.
		nowhere := notice(t, c.cmdAs(actor("fay"), "CPUB", "actions done 99999"))
		if got := strings.ReplaceAll(allText(done("fay", "CPUB")), fmt.Sprint(id), "N"); got != strings.ReplaceAll(allText(nowhere), "99999", "N") {
			t.Errorf("another channel's action is told apart from none:\n%q\n%q", got, allText(nowhere))
		}
		if r := notice(t, c.cmdAs(actor("ann"), "CPUB", "actions")); strings.Contains(allText(r), "call the family") {
			t.Errorf("/reflect actions in another channel lists the private channel's action: %q", allText(r))
		}
		if r := notice(t, c.cmdAs(actor("ann"), "CPRIV", "actions")); !strings.Contains(allText(r), "call the family") {
			t.Errorf("/reflect actions in its own channel: %q", allText(r))
		}
		// The Home tab shows none of it, and its button does nothing to it.
		if h, err := c.engine.Home(c.ctx, actor("ann")); err != nil || len(h.Actions) != 0 {
			t.Errorf("ann's Home actions = %+v, %v; want none from a private channel", h.Actions, err)
		}
		if _, err := c.engine.ActionDone(c.ctx, actor("ann"), "", id); !errors.Is(err, flows.ErrNotFound) {
			t.Errorf("Mark done on the Home tab for a private channel's action: %v; want ErrNotFound", err)
		}
		if acts, _ := db.ListTeamActions(c.ctx, team); len(acts) != 1 || !acts[0].DoneAt.IsZero() {
			t.Fatalf("actions = %+v; want it open", acts)
		}
		// In its own channel, the facilitator marks it done.
		if r := done("fay", "CPRIV"); !strings.HasPrefix(r.Title, "Marked done: ") {
			t.Errorf("in its own channel: %q", r.Title)
		}
		// A public channel's action: on its owner's Home tab, and marked
		// done from there by its owner only.
		private["CPRIV"] = false
		if h, _ := c.engine.Home(c.ctx, actor("ann")); len(h.Actions) != 1 {
			t.Errorf("ann's Home actions from a public channel = %+v", h.Actions)
		}
		if _, err := c.engine.ActionDone(c.ctx, actor("fay"), "", id); !errors.Is(err, flows.ErrForbidden) {
			t.Errorf("someone else's action from the Home tab: %v; want ErrForbidden", err)
		}
	})
}

// TestControlsActOnlyInTheirConversation: a reflection's Skip pressed by
// its starter in another channel, a session's five more minutes pressed by
// a facilitator in another channel, and an answer's withdraw pressed in
// another channel change nothing, and are answered as for something that
// no longer exists; in their own channel they act.
func TestControlsActOnlyInTheirConversation(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		c := newBoundaryConvo(t, db, nil)
		c.channel = "CPRIV"
		startSession(t, c, "")
		sess := c.session()
		r, err := db.LatestOpenReflection(c.ctx, team, "CPRIV")
		if err != nil {
			t.Fatal(err)
		}
		act := func(a flows.Action) flows.Reply {
			t.Helper()
			return notice(t, mustReplies(t)(c.engine.Act(c.ctx, a)))
		}
		if n := act(flows.Action{Actor: actor("ann"), Channel: "CPUB", Name: flows.ActionSkip, ReflectionID: r.ID, Stage: r.Stage}); n.Title != "That reflection no longer exists." {
			t.Errorf("Skip in another channel: %q", allText(n))
		}
		if got, _ := db.GetReflection(c.ctx, r.ID); got.Stage != r.Stage || got.Status != flows.StatusInProgress {
			t.Errorf("reflection after Skip in another channel = %+v; want it where it was", got)
		}
		if n := act(flows.Action{Actor: actor("fay"), Channel: "CPUB", Name: flows.ActionSessionMore, ReflectionID: sess.ID, Stage: sess.Stage}); n.Title != "That session no longer exists." {
			t.Errorf("five more minutes in another channel: %q", allText(n))
		}
		if n := act(flows.Action{Actor: actor("fay"), Channel: "CPUB", Name: flows.ActionSessionEnd, ReflectionID: sess.ID}); n.Title != "That session no longer exists." {
			t.Errorf("End in another channel: %q", allText(n))
		}
		if got := c.session(); !got.EndsAt.Equal(sess.EndsAt) || got.Status != sess.Status {
			t.Errorf("session after controls in another channel = %+v; want it as it was", got)
		}

		// In their own channel they act.
		rs := mustReplies(t)(c.engine.Act(c.ctx, flows.Action{Actor: actor("ann"), Channel: "CPRIV", Name: flows.ActionSkip, ReflectionID: r.ID, Stage: r.Stage}))
		if got, _ := db.GetReflection(c.ctx, r.ID); got.Stage == r.Stage {
			t.Errorf("Skip in its own channel: %+v; reflection still at %s", titles(rs), got.Stage)
		}
		mustReplies(t)(c.engine.Act(c.ctx, flows.Action{Actor: actor("fay"), Channel: "CPRIV", Name: flows.ActionSessionMore, ReflectionID: sess.ID, Stage: sess.Stage}))
		if got := c.session(); !got.EndsAt.After(sess.EndsAt) {
			t.Errorf("five more minutes in its own channel: ends %s, was %s", got.EndsAt, sess.EndsAt)
		}

		// An answer is withdrawn only from its own channel.
		c.thread = r.Thread
		c.sayID("ann", "m9", "She wants her sister with her.")
		as, err := db.ListAnswers(c.ctx, r.ID)
		if err != nil || len(as) == 0 {
			t.Fatalf("answers = %+v, %v", as, err)
		}
		last := as[len(as)-1]
		if n := act(flows.Action{Actor: actor("ann"), Channel: "CPUB", Name: flows.ActionWithdraw, AnswerID: last.ID}); n.Title != "That answer no longer exists." {
			t.Errorf("withdraw in another channel: %q", allText(n))
		}
		if got, _ := db.GetAnswer(c.ctx, last.ID); !got.WithdrawnAt.IsZero() {
			t.Error("an answer was withdrawn from another channel")
		}
		if n := act(flows.Action{Actor: actor("ann"), Channel: "CPRIV", Name: flows.ActionWithdraw, AnswerID: last.ID}); n.Title != "Your answer is withdrawn." {
			t.Errorf("withdraw in its own channel: %q", allText(n))
		}
	})
}

// TestListsShowOnlyTheirConversation: /reflect cases lists only the cases
// reflected on in the channel it is typed in; the Home tab lists only what
// public channels hold (a channel whose privacy cannot be told counts as
// private); someone from another organisation gets nothing of the team's
// cases on it.
func TestListsShowOnlyTheirConversation(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		private := map[string]bool{"CPRIV": true}
		c := newBoundaryConvo(t, db, func(o *flows.Options) {
			o.ChannelPrivacy = func(_ context.Context, _, channel string) (bool, error) {
				if channel == "CUNKNOWN" {
					return false, errors.New("channel_not_found")
				}
				return private[channel], nil
			}
		})
		for _, r := range []struct{ who, channel, label string }{
			{"ann", "CPUB", "Kestrel"}, {"ann", "CPRIV", "Curlew"}, {"ann", "CUNKNOWN", "Dunlin"}, {"bo", "CPRIV", "Kestrel"},
		} {
			c.channel = r.channel
			c.cmd(r.who, r.label)
			c.say(r.who, "She wants to be at home.")
		}
		cases := func(channel string) string {
			return allText(notice(t, c.cmdAs(actor("bo"), channel, "cases")))
		}
		if got := cases("CPUB"); !strings.Contains(got, "Kestrel 1 reflection") || strings.Contains(got, "Curlew") || strings.Contains(got, "Dunlin") {
			t.Errorf("/reflect cases in the public channel:\n%s", got)
		}
		if got := cases("CPRIV"); !strings.Contains(got, "Curlew") || !strings.Contains(got, "Kestrel 1 reflection") || strings.Contains(got, "Dunlin") {
			t.Errorf("/reflect cases in the private channel:\n%s", got)
		}
		if got := cases("CNONE"); strings.Contains(got, "Kestrel") || strings.Contains(got, "Curlew") {
			t.Errorf("/reflect cases in a channel with none:\n%s", got)
		}

		h, err := c.engine.Home(c.ctx, actor("ann"))
		if err != nil {
			t.Fatal(err)
		}
		if len(h.Cases) != 1 || h.Cases[0].Label != "Kestrel" || h.Cases[0].Reflections != 1 {
			t.Errorf("Home cases = %+v; want Kestrel, once, from the public channel only", h.Cases)
		}
		if len(h.Recent) != 1 || h.Recent[0].Channel != "CPUB" {
			t.Errorf("Home recent = %+v; want the public channel's only", h.Recent)
		}

		ext := flows.Actor{TeamID: team, UserID: "UEXT", HomeTeam: "T2", External: true}
		c.channel = "CPUB"
		c.cmdAs(ext, "CPUB", "Plover")
		c.say("UEXT", "Her son visits on Sundays.")
		h, err = c.engine.Home(c.ctx, ext)
		if err != nil {
			t.Fatal(err)
		}
		if !h.External || len(h.Cases) != 0 || len(h.Recent) != 0 || len(h.Actions) != 0 || h.DigestHeadline != "" || len(h.DigestThemes) != 0 {
			t.Errorf("Home of someone from another organisation = %+v; want nothing of the team's", h)
		}
	})
}

// actionScrub is the real scrubber, as the command line wires it in.
func actionScrub(t *testing.T) flows.ScrubFunc {
	t.Helper()
	s, err := scrub.New(scrub.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return func(text string, keep ...string) (string, []string) {
		sc := s
		if k, err := s.Keeping(keep...); err == nil && len(keep) > 0 {
			sc = k
		}
		res := sc.Scrub(text)
		var kinds []string
		for _, k := range res.Kinds() {
			kinds = append(kinds, string(k))
		}
		return res.Text, kinds
	}
}

// TestAgreedActionLine: an action's due date is not an identifier: "by 3
// March" is kept as the due day and taken out of the words before the
// real scrubber reads them, so nothing is removed and no one is told so;
// an action reads once, "words · by day · for person"; an action that
// names nobody is not taken, and the writer is asked who will do it.
func TestAgreedActionLine(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		c := newBoundaryConvo(t, db, func(o *flows.Options) { o.Scrub = actionScrub(t) })
		startSession(t, c, "")
		sess := c.session()
		london, _ := time.LoadLocation("Europe/London")
		for _, tc := range []struct{ say, text, due, line string }{
			{"action: <@ann> check the night sitting rota by 3 March", "check the night sitting rota", "2027-03-03",
				"check the night sitting rota · by Wed 3 Mar · for"},
			{"action: <@ann> to call the family, by Friday.", "to call the family.", "2026-04-03",
				"to call the family. · by Fri 3 Apr · for"},
		} {
			replies := c.sayID("bo", "", tc.say)
			if len(replies) != 1 || replies[0].Title != "Agreed action noted" {
				t.Errorf("%q: replies %v; want the action noted and nothing removed", tc.say, titles(replies))
				continue
			}
			if got := replies[0].Parts[0].Text; got != tc.line || replies[0].Parts[0].Users[0] != "ann" {
				t.Errorf("%q shown as %q; want %q for ann", tc.say, got, tc.line)
			}
			acts, _ := db.ListSessionActions(c.ctx, sess.ID)
			last := acts[len(acts)-1]
			if last.Text != tc.text || last.Due != tc.due || last.Owner != "ann" {
				t.Errorf("%q stored as %q due %q for %q; want %q due %q for ann", tc.say, last.Text, last.Due, last.Owner, tc.text, tc.due)
			}
			if p, _ := time.ParseInLocation("2006-01-02", last.Due, london); p.IsZero() {
				t.Errorf("due %q is not a day", last.Due)
			}
		}
		before, _ := db.ListSessionActions(c.ctx, sess.ID)
		replies, _ := db.ListSessionReplies(c.ctx, sess.ID)
		r := notice(t, c.sayID("bo", "", "action: check the rota by Friday"))
		if r.Title != "Who will do it?" || !strings.Contains(allText(r), "Nothing was saved") {
			t.Errorf("an action naming nobody: %q", allText(r))
		}
		after, _ := db.ListSessionActions(c.ctx, sess.ID)
		replies2, _ := db.ListSessionReplies(c.ctx, sess.ID)
		if len(after) != len(before) || len(replies2) != len(replies) {
			t.Errorf("an action naming nobody was stored (%d actions, %d replies; were %d, %d)", len(after), len(replies2), len(before), len(replies))
		}
	})
}
