package flows

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// This file holds what people and their information governance lead need:
// each person's right to see and to delete what they wrote, the audit of
// who did what, and retention. Who may do what is decided in access.go.

// MyData sends the actor everything they contributed to their team, as a
// JSON file in a direct message, and records the export in the audit log.
func (e *Engine) MyData(ctx context.Context, a Actor, channel string) ([]Reply, error) {
	var data []byte
	var ex Export
	err := e.store.InTx(ctx, func(s Store) error {
		var err error
		ex, data, err = e.rightsOn(s).myData(ctx, a)
		return err
	})
	if err != nil {
		return nil, err
	}
	answers := 0
	for _, r := range ex.Reflections {
		answers += len(r.Answers)
	}
	return []Reply{
		{Kind: Direct, User: a.UserID, Title: "Your contributions to What Matters",
			Parts: []Part{{Text: fmt.Sprintf("%d answer%s in %d reflection%s, as stored (with identifiers removed). To delete them all: /reflect forget-me.",
				answers, plural(answers), len(ex.Reflections), plural(len(ex.Reflections)))}},
			Attachment: &Attachment{Name: "what-matters-my-data.json", Type: "application/json", Data: data}},
		notice(channel, a.UserID, "I've sent you your data in a direct message.", ""),
	}, nil
}

// myData is the actor's own export, encoded, recorded in the audit log:
// MyData's step.
func (rt *rights) myData(ctx context.Context, a Actor) (Export, []byte, error) {
	ex, err := buildExport(ctx, rt.st, []string{a.TeamID}, a.UserID, rt.clock())
	if err != nil {
		return ex, nil, err
	}
	data, err := json.MarshalIndent(ex, "", "  ")
	if err != nil {
		return ex, nil, fmt.Errorf("encoding export: %w", err)
	}
	return ex, data, rt.audit(ctx, rt.st, AuditEntry{TeamID: a.TeamID, Actor: a.UserID, Action: AuditExport, Subject: a.UserID, Detail: "own data"})
}

// askForgetMe explains what forgetting deletes and asks for confirmation.
func (e *Engine) askForgetMe(ctx context.Context, a Actor, channel string) ([]Reply, error) {
	return e.rightsOn(e.store).askForgetMe(ctx, a, channel)
}

// askForgetMe is the rights part's own: what the actor would lose.
func (rt *rights) askForgetMe(ctx context.Context, a Actor, channel string) ([]Reply, error) {
	ex, err := buildExport(ctx, rt.st, []string{a.TeamID}, a.UserID, rt.clock())
	if err != nil {
		return nil, err
	}
	answers := 0
	for _, r := range ex.Reflections {
		answers += len(r.Answers)
	}
	return []Reply{{Kind: Notice, Channel: channel, User: a.UserID, Title: "Delete everything you contributed?",
		Parts: []Part{
			{Text: fmt.Sprintf("This deletes your %d answer%s for good, removes your name from the reflections you started (others' answers stay), and forgets your settings. It can't be undone. Messages you posted in Slack stay in Slack: delete them there.", answers, plural(answers))},
			{Text: "To go ahead, press the button, or type /reflect forget-me confirm."},
		},
		Buttons: []Button{{Label: "Yes, delete my contributions", Action: ActionForgetMe, Value: a.UserID, Style: "danger"}},
	}}, nil
}

// ForgetMe deletes everything the actor contributed to their team.
func (e *Engine) ForgetMe(ctx context.Context, a Actor, channel string) ([]Reply, error) {
	rep, err := e.Forget(ctx, a.TeamID, a.UserID, "")
	if errors.Is(err, ErrNothingStored) {
		return []Reply{notice(channel, a.UserID, "Nothing to forget.",
			"What Matters holds nothing of yours here, so nothing was deleted.")}, nil
	}
	if err != nil {
		return nil, err
	}
	return []Reply{notice(channel, a.UserID, "Done: What Matters has forgotten you.",
		fmt.Sprintf("Deleted %d answer%s and your settings; %d reflection%s no longer name%s you. The audit log keeps only that a person asked to be forgotten.",
			rep.Answers, plural(rep.Answers), rep.Reflections, plural(rep.Reflections), pluralVerb(rep.Reflections)))}, nil
}

// Forget deletes a person's contributions, in one team or (teamID empty)
// all, and records it in the audit log without naming them. by is who asked
// ("" when it is the person themselves, so their id is not kept). When
// nothing of the person is stored it returns ErrNothingStored and records
// nothing.
func (e *Engine) Forget(ctx context.Context, teamID, userID, by string) (ForgetReport, error) {
	userID = strings.TrimSpace(userID)
	if userID == "" {
		return ForgetReport{}, fmt.Errorf("%w: whose contributions? give a user id", ErrInvalid)
	}
	var rep ForgetReport
	err := e.store.InTx(ctx, func(s Store) error {
		var err error
		rep, err = e.rightsOn(s).forget(ctx, teamID, userID, by)
		return err
	})
	return rep, err
}

// forget is Forget's step, the rights part's own.
func (rt *rights) forget(ctx context.Context, teamID, userID, by string) (ForgetReport, error) {
	rep, err := rt.st.ForgetUser(ctx, teamID, userID)
	if err != nil {
		return rep, err
	}
	if rep == (ForgetReport{}) {
		return rep, fmt.Errorf("%w for %s", ErrNothingStored, userID)
	}
	who := "the person themselves"
	if by != "" {
		who = "requested by " + by
	}
	detail := fmt.Sprintf("answers=%d reflections=%d members=%d session_replies=%d actions=%d (%s)",
		rep.Answers, rep.Reflections, rep.Members, rep.SessionReplies, rep.Actions, who)
	return rep, rt.audit(ctx, rt.st, AuditEntry{TeamID: teamID, Actor: by, Action: AuditForget, Detail: detail})
}

// Purge removes story text older than the retention period, keeping only
// anonymous counts, and records it in the audit log.
func (e *Engine) Purge(ctx context.Context, retention time.Duration) (PurgeReport, error) {
	if retention <= 0 {
		return PurgeReport{}, fmt.Errorf("%w: the retention period must be positive", ErrInvalid)
	}
	var rep PurgeReport
	err := e.store.InTx(ctx, func(s Store) error {
		var err error
		rep, err = e.rightsOn(s).purge(ctx, retention)
		return err
	})
	return rep, err
}

// purge is Purge's step, the rights part's own.
func (rt *rights) purge(ctx context.Context, retention time.Duration) (PurgeReport, error) {
	rep, err := rt.st.PurgeBefore(ctx, rt.clock().Add(-retention))
	if err != nil || rep == (PurgeReport{}) {
		return rep, err
	}
	return rep, rt.audit(ctx, rt.st, AuditEntry{Actor: "retention", Action: AuditPurge,
		Detail: fmt.Sprintf("answers=%d reflections=%d session_replies=%d actions=%d outcomes_unlinked=%d older than %d days",
			rep.Answers, rep.Reflections, rep.SessionReplies, rep.Actions, rep.Outcomes, int(retention.Hours()/24))})
}

// SetRole makes a person a lead of their team, or (role "") not, and
// records it.
func (e *Engine) SetRole(ctx context.Context, teamID, userID, role, by string) error {
	if role != "" && role != RoleLead {
		return fmt.Errorf("%w: unknown role %q", ErrInvalid, role)
	}
	return e.store.InTx(ctx, func(s Store) error { return e.settingsOn(s).setRole(ctx, teamID, userID, role, by) })
}

// setRole is SetRole's step, the settings part's own.
func (se *settings) setRole(ctx context.Context, teamID, userID, role, by string) error {
	m, _, err := se.member(ctx, se.st, Actor{TeamID: teamID, UserID: userID})
	if err != nil {
		return err
	}
	m.Role = role
	if _, err := se.st.SaveMember(ctx, m); err != nil {
		return err
	}
	detail := "lead"
	if role == "" {
		detail = "not lead"
	}
	return se.audit(ctx, se.st, AuditEntry{TeamID: teamID, Actor: by, Action: AuditRole, Subject: userID, Detail: detail})
}

// setQuotes handles /reflect quotes on|off: whether digests may quote the
// person's answers.
func (e *Engine) setQuotes(ctx context.Context, c Command, arg string) ([]Reply, error) {
	arg = strings.ToLower(strings.TrimSpace(arg))
	if arg != "on" && arg != "off" {
		return []Reply{notice(c.Channel, c.UserID, "Quotes on or off?", "/reflect quotes off keeps your words out of digests (they still count); /reflect quotes on lets digests quote you, by discipline only.")}, nil
	}
	err := e.store.InTx(ctx, func(s Store) error { return e.settingsOn(s).setQuotes(ctx, c, arg) })
	if err != nil {
		return nil, err
	}
	if arg == "off" {
		return []Reply{notice(c.Channel, c.UserID, "Your words won't be quoted in digests.", "They still count towards themes. /reflect quotes on changes it back.")}, nil
	}
	return []Reply{notice(c.Channel, c.UserID, "Digests may quote you, by discipline, never by name.", "")}, nil
}

// setQuotes is setQuotes' step, the settings part's own: arg is on or off.
func (se *settings) setQuotes(ctx context.Context, c Command, arg string) error {
	m, _, err := se.member(ctx, se.st, c.Actor)
	if err != nil {
		return err
	}
	m.NoQuotes = arg == "off"
	if _, err := se.st.SaveMember(ctx, m); err != nil {
		return err
	}
	return se.audit(ctx, se.st, AuditEntry{TeamID: c.TeamID, Actor: c.UserID, Action: AuditSettings, Subject: c.UserID, Detail: "quotes " + arg})
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func pluralVerb(n int) string {
	if n == 1 {
		return "s"
	}
	return ""
}
