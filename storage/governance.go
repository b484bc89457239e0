package storage

import (
	"context"
	"strings"
	"time"

	"whatmatters/flows"
)

const auditColumns = `id, team_id, at, actor, action, subject, detail`

func scanAudit(r rowScanner) (flows.AuditEntry, error) {
	var e flows.AuditEntry
	err := r.Scan(&e.ID, &e.TeamID, timeDest{&e.At}, &e.Actor, &e.Action, &e.Subject, &e.Detail)
	return e, err
}

// AddAudit appends an entry to the audit log. A zero At means now.
func (s *store) AddAudit(ctx context.Context, e flows.AuditEntry) error {
	const doing = "adding to the audit log"
	if err := required(doing, "action", e.Action); err != nil {
		return err
	}
	if err := checkText(doing, e.TeamID, e.Actor, e.Action, e.Subject, e.Detail); err != nil {
		return err
	}
	_, err := s.q.ExecContext(ctx, `
		INSERT INTO audit (team_id, at, actor, action, subject, detail)
		VALUES ($1, $2, $3, $4, $5, $6)`,
		e.TeamID, s.dialect.timeArg(s.stamp(e.At)), e.Actor, e.Action, e.Subject, e.Detail)
	return wrap(doing, err)
}

// ListAudit returns the audit log, oldest first: one team's entries and
// those across every team, or every entry when teamID is empty.
func (s *store) ListAudit(ctx context.Context, teamID string) ([]flows.AuditEntry, error) {
	const doing = "listing the audit log"
	if err := checkText(doing, teamID); err != nil {
		return nil, err
	}
	rows, err := s.q.QueryContext(ctx, `
		SELECT `+auditColumns+` FROM audit
		WHERE $1 = '' OR team_id = $1 OR team_id = ''
		ORDER BY id`, teamID)
	if err != nil {
		return nil, wrap(doing, err)
	}
	return collect(rows, doing, scanAudit)
}

// ForgetUser deletes everything a person contributed, in one team or
// (teamID empty) in all. Every statement runs in one transaction, so a
// person is forgotten wholly or not at all.
func (s *store) ForgetUser(ctx context.Context, teamID, userID string) (flows.ForgetReport, error) {
	const doing = "forgetting a person"
	var rep flows.ForgetReport
	if err := required(doing, "user id", userID); err != nil {
		return rep, err
	}
	if err := checkText(doing, teamID, userID); err != nil {
		return rep, err
	}
	err := s.InTx(ctx, func(tx flows.Store) error {
		q := tx.(*store).q
		steps := []struct {
			count *int
			sql   string
		}{
			{&rep.Answers, `DELETE FROM answers WHERE author = $1 AND ($2 = '' OR team_id = $2)`},
			{&rep.SessionReplies, `DELETE FROM session_replies WHERE author = $1 AND ($2 = '' OR team_id = $2)`},
			{&rep.Actions, `DELETE FROM session_actions WHERE author = $1 AND ($2 = '' OR team_id = $2)`},
			{nil, `UPDATE session_actions SET owner = '' WHERE owner = $1 AND ($2 = '' OR team_id = $2)`},
			{nil, `UPDATE session_actions SET done_by = '' WHERE done_by = $1 AND ($2 = '' OR team_id = $2)`},
			// A session keeps running without them: another facilitator,
			// a lead or an admin can carry it on.
			{nil, `UPDATE sessions SET facilitator = '' WHERE facilitator = $1 AND ($2 = '' OR team_id = $2)`},
			{nil, `UPDATE session_schedules SET facilitator = '' WHERE facilitator = $1 AND ($2 = '' OR team_id = $2)`},
			// A reflection only its starter can move on would be stuck
			// once they are gone: close their open ones first, keeping
			// what others said.
			{nil, `UPDATE reflections SET status = 'abandoned', stage = '', awaiting_follow_up = ` + s.dialect.falseLiteral() + `,
				closed_at = $3, updated_at = $3
				WHERE started_by = $1 AND status = 'in_progress' AND ($2 = '' OR team_id = $2)`},
			{&rep.Reflections, `UPDATE reflections SET started_by = '' WHERE started_by = $1 AND ($2 = '' OR team_id = $2)`},
			{&rep.Members, `DELETE FROM members WHERE user_id = $1 AND ($2 = '' OR team_id = $2)`},
			{&rep.Audit, `UPDATE audit SET actor = '' WHERE actor = $1 AND ($2 = '' OR team_id = $2 OR team_id = '')`},
			{nil, `UPDATE audit SET subject = '' WHERE subject = $1 AND ($2 = '' OR team_id = $2 OR team_id = '')`},
		}
		now := s.dialect.timeArg(s.now())
		for _, st := range steps {
			args := []any{userID, teamID}
			if strings.Contains(st.sql, "$3") {
				args = append(args, now)
			}
			res, err := q.ExecContext(ctx, st.sql, args...)
			if err != nil {
				return wrap(doing, err)
			}
			n, err := res.RowsAffected()
			if err != nil {
				return wrap(doing, err)
			}
			switch {
			case st.count != nil:
				*st.count += int(n)
			case strings.HasPrefix(st.sql, "UPDATE audit"):
				rep.Audit += int(n)
			}
		}
		return nil
	})
	return rep, err
}

// PurgeBefore removes the text, author and message id of every answer
// created before cutoff, keeping its stage and discipline, and unlinks those
// reflections from who started them and from their thread, and outcome
// records of weeks before cutoff's from their case.
func (s *store) PurgeBefore(ctx context.Context, cutoff time.Time) (flows.PurgeReport, error) {
	const doing = "purging old answers"
	var rep flows.PurgeReport
	err := s.InTx(ctx, func(tx flows.Store) error {
		q := tx.(*store).q
		d := s.dialect
		res, err := q.ExecContext(ctx, `
			UPDATE reflections SET started_by = '', thread = ''
			WHERE created_at < $1 AND status <> 'in_progress' AND (started_by <> '' OR thread <> '')`,
			d.timeArg(cutoff))
		if err != nil {
			return wrap(doing, err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return wrap(doing, err)
		}
		rep.Reflections = int(n)
		// Codes carry quotes of the text: they go with it, and with no text
		// left nothing waits to be coded.
		for _, table := range []string{"answer_codes", "answers_to_code"} {
			if _, err := q.ExecContext(ctx, `
				DELETE FROM `+table+` WHERE answer_id IN
					(SELECT id FROM answers WHERE created_at < $1 AND purged_at IS NULL)`,
				d.timeArg(cutoff)); err != nil {
				return wrap(doing, err)
			}
		}
		res, err = q.ExecContext(ctx, `
			UPDATE answers SET text = '', author = '', message_id = '', purged_at = $2
			WHERE created_at < $1 AND purged_at IS NULL`,
			d.timeArg(cutoff), d.timeArg(s.now()))
		if err != nil {
			return wrap(doing, err)
		}
		n, err = res.RowsAffected()
		if err != nil {
			return wrap(doing, err)
		}
		rep.Answers = int(n)
		if err := s.purgeSessions(ctx, q, cutoff, &rep); err != nil {
			return err
		}
		// Outcome records are kept to the week: one from before the
		// cutoff's week loses its case and stays for counting.
		rep.Outcomes, err = unlinkOutcomes(ctx, q, flows.ISOWeekKey(cutoff, time.UTC))
		return err
	})
	return rep, err
}

// purgeSessions removes old session text: replies' and actions' text,
// author and message id, and ended sessions' subject, thread and quotes.
func (s *store) purgeSessions(ctx context.Context, q querier, cutoff time.Time, rep *flows.PurgeReport) error {
	const doing = "purging old session text"
	d := s.dialect
	cut, now := d.timeArg(cutoff), d.timeArg(s.now())
	for _, st := range []struct {
		count *int
		sql   string
	}{
		{&rep.SessionReplies, `UPDATE session_replies SET text = '', author = '', message_id = '', purged_at = $2
			WHERE created_at < $1 AND purged_at IS NULL`},
		{&rep.Actions, `UPDATE session_actions SET text = '', author = '', message_id = '', purged_at = $2
			WHERE created_at < $1 AND purged_at IS NULL`},
		{nil, `DELETE FROM session_quotes WHERE session_id IN
			(SELECT id FROM sessions WHERE created_at < $1 AND status = 'ended')`},
		{nil, `UPDATE sessions SET subject = '', thread = '', updated_at = $2
			WHERE created_at < $1 AND status = 'ended' AND (subject <> '' OR thread <> '')`},
	} {
		args := []any{cut}
		if strings.Contains(st.sql, "$2") {
			args = append(args, now)
		}
		res, err := q.ExecContext(ctx, st.sql, args...)
		if err != nil {
			return wrap(doing, err)
		}
		if st.count != nil {
			n, err := res.RowsAffected()
			if err != nil {
				return wrap(doing, err)
			}
			*st.count = int(n)
		}
	}
	return nil
}

// Footprint is what is stored of one person, as Footprint counts it.
type Footprint struct {
	// Answers, SessionReplies and Actions they wrote; Reflections they
	// started; Sessions they facilitated; ActionsOwned, agreed actions
	// that are theirs to do.
	Answers, SessionReplies, Actions, Reflections, Sessions, ActionsOwned int
	// Member: a member record, even one holding only a role someone gave
	// them; Settings: one holding a setting of their own (a discipline,
	// away or snoozed, no quotes).
	Member, Settings bool
	// Acted: the audit log records them doing something themselves;
	// Named: it names them as another's subject.
	Acted, Named bool
}

// Used reports whether the person has used the bot: written, started,
// facilitated, set something or done something the audit log records. A
// role given them from outside is not use.
func (f Footprint) Used() bool {
	return f.Answers+f.SessionReplies+f.Actions+f.Reflections+f.Sessions > 0 || f.Settings || f.Acted
}

// Stored reports whether anything of the person is stored at all.
func (f Footprint) Stored() bool {
	return f.Used() || f.ActionsOwned > 0 || f.Member || f.Named
}

// Footprint counts what is stored of a person, in one team or (teamID
// empty) in all, without reading any of it.
func (s *store) Footprint(ctx context.Context, teamID, userID string) (Footprint, error) {
	const doing = "looking a person up"
	var f Footprint
	if err := required(doing, "user id", userID); err != nil {
		return f, err
	}
	if err := checkText(doing, teamID, userID); err != nil {
		return f, err
	}
	const inTeam = ` AND ($2 = '' OR team_id = $2)`
	var member, settings, acted, named int
	err := s.q.QueryRowContext(ctx, `SELECT
		(SELECT count(*) FROM answers WHERE author = $1`+inTeam+`),
		(SELECT count(*) FROM session_replies WHERE author = $1`+inTeam+`),
		(SELECT count(*) FROM session_actions WHERE author = $1`+inTeam+`),
		(SELECT count(*) FROM reflections WHERE started_by = $1`+inTeam+`),
		(SELECT count(*) FROM sessions WHERE facilitator = $1`+inTeam+`),
		(SELECT count(*) FROM session_actions WHERE owner = $1`+inTeam+`),
		(SELECT count(*) FROM members WHERE user_id = $1`+inTeam+`),
		(SELECT count(*) FROM members WHERE user_id = $1`+inTeam+`
			AND (discipline <> '' OR away_until IS NOT NULL OR snoozed_until IS NOT NULL OR no_quotes <> `+s.dialect.falseLiteral()+`)),
		(SELECT count(*) FROM audit WHERE actor = $1 AND ($2 = '' OR team_id = $2 OR team_id = '')),
		(SELECT count(*) FROM audit WHERE subject = $1 AND ($2 = '' OR team_id = $2 OR team_id = ''))`,
		userID, teamID).Scan(&f.Answers, &f.SessionReplies, &f.Actions, &f.Reflections, &f.Sessions, &f.ActionsOwned,
		&member, &settings, &acted, &named)
	f.Member, f.Settings, f.Acted, f.Named = member > 0, settings > 0, acted > 0, named > 0
	return f, wrap(doing, err)
}
