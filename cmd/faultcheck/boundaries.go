package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"whatmatters/internal/slackfake"
)

// The people and channels of the boundaries scenario: the installation's
// admin, a facilitator, a member (the starter, and an action's owner),
// someone of the team not in the private channel, and an admin of another
// organisation in a Slack Connect channel.
const (
	bAdmin    = "UBADMIN"
	bFac      = "UBFAC"
	bAnn      = "UBANN"
	bOutsider = "UBNEW"
	bExtAdmin = "UXADMIN"
	bExtTeam  = "TOTHER"
	bPrivate  = "CBPRIV"
	bPublic   = "CBPUB"
	bCase     = "Kestrel"
	bAction   = "call the family about the care plan"
)

// runBoundaries sets up, over signed requests, a reflection, a learning
// session and an agreed action in a private channel, then replays the
// attempts that once got across the boundaries: another organisation's
// admin changing the timezone (a slash command with the installation's
// team_id), moving the weekly digest and making themselves a facilitator
// (the settings form, view.app_installed_team_id the installation's),
// ending the session and marking the action done (buttons on the
// installation's bot messages); a facilitator marking the private
// channel's action done from a public channel; the starter's Skip and a
// facilitator's Five more minutes pressed in a public channel; /reflect
// cases in a public channel and the Home tab of another organisation's
// admin; and someone not in the private channel starting a reflection
// there from the start form. Nothing may change: the team, the roles, the
// reflection, the session, the action, the audit log and the private
// channel's messages are as they were, and no answer shown outside the
// private channel names its case or its action.
func runBoundaries(ctx context.Context, o options) (summary string, err error) {
	e, err := setup(ctx, o, "boundaries", "", func(e *env) error {
		e.api.SetUser(bAdmin, slackfake.User{Team: slackfake.Team, Admin: true})
		e.api.SetUser(bExtAdmin, slackfake.User{Team: bExtTeam, Admin: true})
		e.api.SetPrivate(bPrivate)
		e.api.SetMembers(bPrivate, bAdmin, bFac, bAnn)
		return nil
	})
	if err != nil {
		return "", err
	}
	defer finish(o, e, &err)
	run := letterTag(time.Now().UnixNano())
	n := 0
	trig := func() string { n++; return fmt.Sprintf("trig-%s-b%d", run, n) }
	settle := func(what string) error {
		if _, err := drained(ctx, e, time.Now(), time.Now().Add(30*time.Second)); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		return nil
	}
	command := func(user, channel, text string) error {
		if st := e.command(ctx, user, channel, text, trig(), 1); st[0] != http.StatusOK {
			return fmt.Errorf("/reflect %s: %d", text, st[0])
		}
		return settle("/reflect " + text)
	}

	// The setting: a facilitator, a reflection, a session, an action.
	if err := command(bAdmin, bPrivate, "facilitator <@"+bFac+">"); err != nil {
		return "", err
	}
	if err := command(bAnn, bPrivate, bCase); err != nil {
		return "", err
	}
	if err := command(bFac, bPrivate, "session theme handovers --minutes 30"); err != nil {
		return "", err
	}
	var refl, sess int64
	var reflStage, sessStage, sessThread string
	if err := e.db.QueryRow(ctx, `SELECT id, stage FROM reflections WHERE channel = $1`, bPrivate).Scan(&refl, &reflStage); err != nil {
		return "", fmt.Errorf("the reflection: %w", err)
	}
	if err := e.db.QueryRow(ctx, `SELECT id, stage, thread FROM sessions WHERE channel = $1`, bPrivate).Scan(&sess, &sessStage, &sessThread); err != nil {
		return "", fmt.Errorf("the session: %w", err)
	}
	body := eventBody("EvBound"+run, bFac, bPrivate, sessThread, "1700900000.000001", "action: <@"+bAnn+"> "+bAction+" by Friday")
	if st, _ := e.signed(ctx, "application/json", body, 0); st != http.StatusOK {
		return "", fmt.Errorf("the action: %d", st)
	}
	if err := settle("the action"); err != nil {
		return "", err
	}
	var action int64
	if err := e.db.QueryRow(ctx, `SELECT id FROM session_actions WHERE session_id = $1`, sess).Scan(&action); err != nil {
		return "", fmt.Errorf("the action: %w", err)
	}
	before, err := boundaryState(ctx, e)
	if err != nil {
		return "", err
	}
	privateBefore := messagesIn(e.api, bPrivate)
	calls := len(e.api.Calls())

	// The attempts.
	reflButton := strconv.FormatInt(refl, 10) + ":" + reflStage
	sessButton := strconv.FormatInt(sess, 10) + ":" + sessStage
	attempts := []struct {
		what string
		send func() error
	}{
		{"another organisation's admin: /reflect timezone", func() error { return command(bExtAdmin, bPublic, "timezone America/New_York") }},
		{"another organisation's admin: the settings form", func() error {
			return e.interact(ctx, map[string]any{"type": "view_submission", "trigger_id": trig(),
				"team": map[string]any{"id": bExtTeam}, "user": map[string]any{"id": bExtAdmin, "team_id": bExtTeam},
				"view": map[string]any{"id": "V0SET", "team_id": slackfake.Team, "app_installed_team_id": slackfake.Team, "type": "modal",
					"callback_id": "wm_settings_modal", "private_metadata": "", "state": map[string]any{"values": map[string]any{
						"wm_discipline":     map[string]any{"discipline": map[string]any{"type": "plain_text_input", "value": nil}},
						"wm_digest_channel": map[string]any{"digest_channel": map[string]any{"type": "conversations_select", "selected_conversation": bPublic}},
						"wm_digest_day":     map[string]any{"digest_day": map[string]any{"type": "static_select", "selected_option": map[string]any{"value": "3"}}},
						"wm_digest_hour":    map[string]any{"digest_hour": map[string]any{"type": "static_select", "selected_option": map[string]any{"value": "7"}}},
						"wm_facilitators":   map[string]any{"facilitators": map[string]any{"type": "multi_users_select", "selected_users": []string{bExtAdmin}}},
					}}}})
		}},
		{"another organisation's admin: End on the session's message", func() error {
			return e.press(ctx, bExtAdmin, bExtTeam, bPrivate, "wm_session_end", sessButton)
		}},
		{"another organisation's admin: Mark done", func() error {
			return e.press(ctx, bExtAdmin, bExtTeam, bPrivate, "wm_action_done", strconv.FormatInt(action, 10))
		}},
		{"a facilitator: /reflect actions done in a public channel", func() error {
			return command(bFac, bPublic, "actions done "+strconv.FormatInt(action, 10))
		}},
		{"the starter: Skip pressed in a public channel", func() error {
			return e.press(ctx, bAnn, slackfake.Team, bPublic, "wm_skip", reflButton)
		}},
		{"a facilitator: Five more minutes pressed in a public channel", func() error {
			return e.press(ctx, bFac, slackfake.Team, bPublic, "wm_session_more", sessButton)
		}},
		{"/reflect cases in a public channel", func() error { return command(bOutsider, bPublic, "cases") }},
		{"another organisation's admin: the Home tab", func() error {
			b, _ := json.Marshal(map[string]any{"token": "legacy", "team_id": slackfake.Team, "api_app_id": slackfake.AppID,
				"type": "event_callback", "event_id": "EvBoundHome" + run, "event_time": time.Now().Unix(),
				"event": map[string]any{"type": "app_home_opened", "user": bExtAdmin, "channel": "D" + bExtAdmin, "tab": "home"}})
			if st, _ := e.signed(ctx, "application/json", b, 0); st != http.StatusOK {
				return fmt.Errorf("app_home_opened: %d", st)
			}
			return nil
		}},
		{"someone not in the private channel: the start form", func() error {
			return e.interact(ctx, map[string]any{"type": "view_submission", "trigger_id": trig(),
				"team": map[string]any{"id": slackfake.Team}, "user": map[string]any{"id": bOutsider, "team_id": slackfake.Team},
				"view": map[string]any{"id": "V0START", "team_id": slackfake.Team, "app_installed_team_id": slackfake.Team, "type": "modal",
					"callback_id": "wm_start_modal", "private_metadata": "", "state": map[string]any{"values": map[string]any{
						"wm_channel": map[string]any{"channel": map[string]any{"type": "conversations_select", "selected_conversation": bPrivate}},
						"wm_name":    map[string]any{"name": map[string]any{"type": "plain_text_input", "value": "Curlew"}},
					}}}})
		}},
	}
	for _, a := range attempts {
		if err := a.send(); err != nil {
			return "", fmt.Errorf("%s: %w", a.what, err)
		}
	}
	if err := settle("the attempts"); err != nil {
		return "", err
	}
	after, err := boundaryState(ctx, e)
	if err != nil {
		return "", err
	}

	// What was said outside the private channel.
	var leaks []string
	answered := 0
	for _, c := range e.api.Calls()[calls:] {
		switch c.Method {
		case "chat.postEphemeral", "chat.postMessage", "views.publish", "response_url":
		default:
			continue
		}
		if c.Channel == bPrivate {
			continue
		}
		answered++
		if strings.Contains(c.Text, bCase) || strings.Contains(c.Text, bAction) {
			leaks = append(leaks, fmt.Sprintf("%s to %s%s: %.80q", c.Method, c.Channel, c.User, c.Text))
		}
	}
	privateAfter := messagesIn(e.api, bPrivate)
	summary = fmt.Sprintf("%d attempts across an organisation's or a channel's boundary, %d private answers or Home tabs outside the private channel, %d naming its case or action; state unchanged: %v; private channel's messages %d before, %d after",
		len(attempts), answered, len(leaks), before == after, privateBefore, privateAfter)
	switch {
	case before != after:
		return summary, failf("the state changed:\nbefore %s\nafter  %s", before, after)
	case privateAfter != privateBefore:
		return summary, failf("%d messages were posted in the private channel", privateAfter-privateBefore)
	case len(leaks) > 0:
		return summary, failf("answers outside the private channel named it: %s", strings.Join(leaks, "; "))
	case answered < len(attempts)-2:
		// Each attempt is answered privately (the settings form in the
		// form itself, the Home tab published), or the check saw nothing.
		return summary, failf("only %d private answers for %d attempts", answered, len(attempts))
	}
	return summary, nil
}

// boundaryState is what the attempts must leave as it was: the team's
// settings, who holds a role, the reflection's and the session's places,
// the actions, the audit log's length and the reflections.
func boundaryState(ctx context.Context, e *env) (string, error) {
	var team, roles, refl, sess, acts string
	var audit, reflections int
	err := e.db.QueryRow(ctx, `SELECT
		(SELECT timezone || '|' || digest_channel || '|' || digest_day || '|' || digest_hour FROM teams WHERE id = $1),
		(SELECT coalesce(string_agg(user_id || ':' || role || ':' || facilitator::text, ',' ORDER BY user_id), '') FROM members WHERE team_id = $1 AND (role <> '' OR facilitator)),
		(SELECT coalesce(string_agg(id::text || ':' || status || ':' || stage, ',' ORDER BY id), '') FROM reflections WHERE team_id = $1),
		(SELECT coalesce(string_agg(id::text || ':' || status || ':' || coalesce(ends_at::text, ''), ',' ORDER BY id), '') FROM sessions WHERE team_id = $1),
		(SELECT coalesce(string_agg(id::text || ':' || coalesce(done_at::text, 'open'), ',' ORDER BY id), '') FROM session_actions WHERE team_id = $1),
		(SELECT count(*) FROM audit),
		(SELECT count(*) FROM reflections)`, slackfake.Team).Scan(&team, &roles, &refl, &sess, &acts, &audit, &reflections)
	if err != nil {
		return "", fmt.Errorf("reading the state: %w", err)
	}
	return fmt.Sprintf("team %s; roles %s; reflections %s (%d in all); sessions %s; actions %s; audit %d", team, roles, refl, reflections, sess, acts, audit), nil
}

// messagesIn counts the messages the fake holds in channel.
func messagesIn(api *slackfake.API, channel string) int {
	n := 0
	for _, m := range api.Messages() {
		if m.Channel == channel {
			n++
		}
	}
	return n
}

// interact sends an interaction payload, signed, as Slack's form post.
func (e *env) interact(ctx context.Context, payload map[string]any) error {
	payload["token"], payload["api_app_id"], payload["is_enterprise_install"] = "legacy", slackfake.AppID, false
	b, err := json.Marshal(payload)
	if err != nil {
		return err
	}
	st, _ := e.signed(ctx, "application/x-www-form-urlencoded", []byte(url.Values{"payload": {string(b)}}.Encode()), 0)
	if st != http.StatusOK {
		return fmt.Errorf("interaction: %d", st)
	}
	return nil
}

// press sends a button pressed by user (of workspace team) in channel on
// one of the installation's bot messages.
func (e *env) press(ctx context.Context, user, team, channel, actionID, value string) error {
	return e.interact(ctx, map[string]any{"type": "block_actions", "trigger_id": "",
		"team": map[string]any{"id": team}, "user": map[string]any{"id": user, "team_id": team},
		"channel":   map[string]any{"id": channel},
		"container": map[string]any{"type": "message", "channel_id": channel, "message_ts": "1700900100.000001"},
		"message": map[string]any{"type": "message", "user": slackfake.BotUser, "bot_id": slackfake.BotID, "team": slackfake.Team,
			"ts": "1700900100.000001", "text": "a question"},
		"actions": []map[string]any{{"action_id": actionID, "block_id": "b", "value": value, "type": "button", "action_ts": strconv.FormatInt(time.Now().UnixNano(), 10)}}})
}
