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
		ex, err = BuildExport(ctx, s, []string{a.TeamID}, a.UserID, e.clock())
		if err != nil {
			return err
		}
		data, err = json.MarshalIndent(ex, "", "  ")
		if err != nil {
			return fmt.Errorf("encoding export: %w", err)
		}
		return e.audit(ctx, s, AuditEntry{TeamID: a.TeamID, Actor: a.UserID, Action: AuditExport, Subject: a.UserID, Detail: "own data"})
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

// askForgetMe explains what forgetting deletes and asks for confirmation.
func (e *Engine) askForgetMe(ctx context.Context, a Actor, channel string) ([]Reply, error) {
	ex, err := BuildExport(ctx, e.store, []string{a.TeamID}, a.UserID, e.clock())
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
		rep, err = s.ForgetUser(ctx, teamID, userID)
		if err != nil {
			return err
		}
		if rep == (ForgetReport{}) {
			return fmt.Errorf("%w for %s", ErrNothingStored, userID)
		}
		who := "the person themselves"
		if by != "" {
			who = "requested by " + by
		}
		detail := fmt.Sprintf("answers=%d reflections=%d members=%d session_replies=%d actions=%d (%s)",
			rep.Answers, rep.Reflections, rep.Members, rep.SessionReplies, rep.Actions, who)
		return e.audit(ctx, s, AuditEntry{TeamID: teamID, Actor: by, Action: AuditForget, Detail: detail})
	})
	return rep, err
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
		rep, err = s.PurgeBefore(ctx, e.clock().Add(-retention))
		if err != nil {
			return err
		}
		if rep == (PurgeReport{}) {
			return nil
		}
		return e.audit(ctx, s, AuditEntry{Actor: "retention", Action: AuditPurge,
			Detail: fmt.Sprintf("answers=%d reflections=%d session_replies=%d actions=%d outcomes_unlinked=%d older than %d days",
				rep.Answers, rep.Reflections, rep.SessionReplies, rep.Actions, rep.Outcomes, int(retention.Hours()/24))})
	})
	return rep, err
}

// SetRole makes a person a lead of their team, or (role "") not, and
// records it.
func (e *Engine) SetRole(ctx context.Context, teamID, userID, role, by string) error {
	if role != "" && role != RoleLead {
		return fmt.Errorf("%w: unknown role %q", ErrInvalid, role)
	}
	return e.store.InTx(ctx, func(s Store) error {
		m, _, err := e.member(ctx, s, Actor{TeamID: teamID, UserID: userID})
		if err != nil {
			return err
		}
		m.Role = role
		if _, err := s.SaveMember(ctx, m); err != nil {
			return err
		}
		detail := "lead"
		if role == "" {
			detail = "not lead"
		}
		return e.audit(ctx, s, AuditEntry{TeamID: teamID, Actor: by, Action: AuditRole, Subject: userID, Detail: detail})
	})
}

// setQuotes handles /reflect quotes on|off: whether digests may quote the
// person's answers.
func (e *Engine) setQuotes(ctx context.Context, c Command, arg string) ([]Reply, error) {
	arg = strings.ToLower(strings.TrimSpace(arg))
	if arg != "on" && arg != "off" {
		return []Reply{notice(c.Channel, c.UserID, "Quotes on or off?", "/reflect quotes off keeps your words out of digests (they still count); /reflect quotes on lets digests quote you, by discipline only.")}, nil
	}
	err := e.store.InTx(ctx, func(s Store) error {
		m, _, err := e.member(ctx, s, c.Actor)
		if err != nil {
			return err
		}
		m.NoQuotes = arg == "off"
		if _, err := s.SaveMember(ctx, m); err != nil {
			return err
		}
		return e.audit(ctx, s, AuditEntry{TeamID: c.TeamID, Actor: c.UserID, Action: AuditSettings, Subject: c.UserID, Detail: "quotes " + arg})
	})
	if err != nil {
		return nil, err
	}
	if arg == "off" {
		return []Reply{notice(c.Channel, c.UserID, "Your words won't be quoted in digests.", "They still count towards themes. /reflect quotes on changes it back.")}, nil
	}
	return []Reply{notice(c.Channel, c.UserID, "Digests may quote you, by discipline, never by name.", "")}, nil
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
