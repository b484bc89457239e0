package flows

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// MayFacilitate reports whether the actor may start and run learning
// sessions in their team, without changing anything: the Slack adapter
// asks before opening the session form.
func (e *Engine) MayFacilitate(ctx context.Context, a Actor) (bool, error) {
	return e.settingsOn(e.store).mayRunSessions(ctx, a)
}

// mayRunSessions is MayFacilitate, the settings part's own.
func (se *settings) mayRunSessions(ctx context.Context, a Actor) (bool, error) {
	m, err := memberOf(ctx, se.st, a)
	if err != nil {
		return false, err
	}
	return se.mayFacilitate(a, m), nil
}

// memberRecord is the actor's member record in their team, the zero
// Member when they have none, read without making one.
func (se *settings) memberRecord(ctx context.Context, a Actor) (Member, error) {
	return memberOf(ctx, se.st, a)
}

// mayChangeTeam reports, without changing anything, whether the actor may
// change the team's settings.
func (se *settings) mayChangeTeam(ctx context.Context, a Actor) (bool, error) {
	m, err := memberOf(ctx, se.st, a)
	if err != nil {
		return false, err
	}
	return se.mayChangeSettings(a, m), nil
}

// FacilitateRefused is the kind refusal given to someone who may not run a
// learning session (adapters use it for buttons that never reach the
// engine).
func FacilitateRefused(channel, user string) Reply { return facilitateRefused(channel, user) }

func facilitateRefused(channel, user string) Reply {
	return notice(channel, user, "Learning sessions are run by the team's facilitators.",
		"Nothing was changed. Your replies in a session's thread are always welcome. A lead or an admin can make you a facilitator in /reflect settings.")
}

// SetFacilitator makes a person a facilitator of a team, or (on false) no
// longer one, and records it in the audit log. by is who did it ("cli" on
// the command line). A person may be a lead and a facilitator at once.
func (e *Engine) SetFacilitator(ctx context.Context, teamID, userID string, on bool, by string) error {
	userID = strings.TrimSpace(userID)
	if userID == "" {
		return fmt.Errorf("%w: whose role? give a user id", ErrInvalid)
	}
	return e.store.InTx(ctx, func(s Store) error { return e.settingsOn(s).setFacilitator(ctx, teamID, userID, on, by) })
}

// setFacilitator is SetFacilitator's step, the settings part's own.
func (se *settings) setFacilitator(ctx context.Context, teamID, userID string, on bool, by string) error {
	m, _, err := se.member(ctx, se.st, Actor{TeamID: teamID, UserID: userID})
	if err != nil {
		return err
	}
	m.Facilitator = on
	if _, err := se.st.SaveMember(ctx, m); err != nil {
		return err
	}
	detail := "facilitator"
	if !on {
		detail = "not facilitator"
	}
	return se.audit(ctx, se.st, AuditEntry{TeamID: teamID, Actor: by, Action: AuditRole, Subject: userID, Detail: detail})
}

// ChangeFacilitator is SetFacilitator done by a person (from /reflect
// settings or /reflect facilitator): only leads and admins may; anyone
// else gets a kind refusal and nothing changes. channel is where to answer
// ("" for a form, which gets direct messages).
func (e *Engine) ChangeFacilitator(ctx context.Context, a Actor, channel, userID string, on bool) ([]Reply, error) {
	userID = strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(userID), "<@"), ">"))
	if i := strings.IndexByte(userID, '|'); i >= 0 {
		userID = userID[:i]
	}
	userID = strings.TrimPrefix(userID, "@")
	say := func(title, text string) []Reply {
		if channel == "" {
			return []Reply{direct(a.UserID, title, text)}
		}
		return []Reply{notice(channel, a.UserID, title, text)}
	}
	if userID == "" {
		return say("Who?", "Say who, for example /reflect facilitator @sam, or /reflect facilitator @sam off."), nil
	}
	if ok, err := e.settingsOn(e.store).mayChangeTeam(ctx, a); err != nil {
		return nil, err
	} else if !ok {
		return []Reply{facilitatorsRefused(a, channel)}, nil
	}
	if err := e.SetFacilitator(ctx, a.TeamID, userID, on, a.UserID); err != nil {
		return nil, err
	}
	r := say("Facilitators", "")
	if on {
		r[0].Parts = []Part{{Text: "is now a facilitator of this team: they can start and run learning sessions.", Users: []string{userID}}}
	} else {
		r[0].Parts = []Part{{Text: "is no longer a facilitator of this team.", Users: []string{userID}}}
	}
	return r, nil
}

// ListFacilitators returns the user ids of the team's stored facilitators
// (not those listed in the configuration), for /reflect settings.
func (e *Engine) ListFacilitators(ctx context.Context, teamID string) ([]string, error) {
	return e.settingsOn(e.store).facilitatorsOf(ctx, teamID)
}

// facilitatorsOf is ListFacilitators, the settings part's own.
func (se *settings) facilitatorsOf(ctx context.Context, teamID string) ([]string, error) {
	ms, err := se.st.ListMembers(ctx, teamID)
	if err != nil {
		return nil, fmt.Errorf("listing members: %w", err)
	}
	var ids []string
	for _, m := range ms {
		if m.Facilitator {
			ids = append(ids, m.UserID)
		}
	}
	return ids, nil
}

func isNotFound(err error) bool { return errors.Is(err, ErrNotFound) }
