package storage

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"whatmatters/flows"
)

// This file keeps learning sessions: the sessions, the digest quotes they
// were seeded with, the replies and agreed actions said in their threads,
// and their recurring schedules.

const sessionColumns = `id, team_id, channel, thread, facilitator, template, subject, minutes, timed,
	status, stage, stage_deadline, warned_for, ends_at, paused_at, due_at, schedule_id, outcome,
	created_at, started_at, updated_at, ended_at`

func scanSession(r rowScanner) (flows.Session, error) {
	var (
		x        flows.Session
		minutes  int64
		schedule sql.NullInt64
		status   string
	)
	err := r.Scan(&x.ID, &x.TeamID, &x.Channel, &x.Thread, &x.Facilitator, &x.Template, &x.Subject, &minutes, &x.Timed,
		&status, &x.Stage, timeDest{&x.StageDeadline}, timeDest{&x.WarnedFor}, timeDest{&x.EndsAt},
		timeDest{&x.PausedAt}, timeDest{&x.DueAt}, &schedule, &x.Outcome,
		timeDest{&x.CreatedAt}, timeDest{&x.StartedAt}, timeDest{&x.UpdatedAt}, timeDest{&x.EndedAt})
	x.Minutes = int(minutes)
	x.ScheduleID = schedule.Int64
	x.Status = flows.SessionStatus(status)
	return x, err
}

func checkSession(doing string, x flows.Session) error {
	return checkText(doing, x.TeamID, x.Channel, x.Thread, x.Facilitator, x.Template, x.Subject,
		string(x.Status), x.Stage, x.Outcome)
}

// CreateSession stores a new session and its quotes, returning it with its
// ID. It returns flows.ErrConflict if another session of the team is
// anchored at the same thread, and flows.ErrInvalid for an unknown status
// or a length that is not positive.
func (s *store) CreateSession(ctx context.Context, x flows.Session, quotes []flows.SessionQuote) (flows.Session, error) {
	const doing = "creating a session"
	if err := checkSession(doing, x); err != nil {
		return flows.Session{}, err
	}
	for _, q := range quotes {
		if err := checkText(doing, q.Text, q.Discipline); err != nil {
			return flows.Session{}, err
		}
	}
	var stored flows.Session
	err := s.InTx(ctx, func(tx flows.Store) error {
		q := tx.(*store).q
		d := s.dialect
		x.CreatedAt = s.stamp(x.CreatedAt)
		var err error
		stored, err = scanSession(q.QueryRowContext(ctx, `
			INSERT INTO sessions (team_id, channel, thread, facilitator, template, subject, minutes, timed,
				status, stage, stage_deadline, warned_for, ends_at, paused_at, due_at, schedule_id, outcome,
				created_at, started_at, updated_at, ended_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)
			RETURNING `+sessionColumns,
			x.TeamID, x.Channel, x.Thread, x.Facilitator, x.Template, x.Subject, int64(x.Minutes), x.Timed,
			string(x.Status), x.Stage, d.nullTimeArg(x.StageDeadline), d.nullTimeArg(x.WarnedFor), d.nullTimeArg(x.EndsAt),
			d.nullTimeArg(x.PausedAt), d.nullTimeArg(x.DueAt), nullID(x.ScheduleID), x.Outcome,
			d.timeArg(x.CreatedAt), d.nullTimeArg(x.StartedAt), d.timeArg(s.now()), d.nullTimeArg(x.EndedAt)))
		if err != nil {
			return wrap(doing, err)
		}
		for _, qt := range quotes {
			if _, err := q.ExecContext(ctx, `
				INSERT INTO session_quotes (session_id, answer_id, text, discipline) VALUES ($1, $2, $3, $4)`,
				stored.ID, nullID(qt.AnswerID), qt.Text, qt.Discipline); err != nil {
				return wrap(doing, err)
			}
		}
		return nil
	})
	return stored, err
}

// GetSession returns flows.ErrNotFound if there is no such session. Inside
// InTx it locks the session until the transaction ends.
func (s *store) GetSession(ctx context.Context, id int64) (flows.Session, error) {
	x, err := scanSession(s.q.QueryRowContext(ctx,
		`SELECT `+sessionColumns+` FROM sessions WHERE id = $1`+s.lock(), id))
	return x, wrap(fmt.Sprintf("getting session %d", id), err)
}

// SessionByThread finds the session anchored at a thread, or returns
// flows.ErrNotFound (also for an empty thread). Inside InTx it locks it.
func (s *store) SessionByThread(ctx context.Context, teamID, channel, thread string) (flows.Session, error) {
	const doing = "finding a session by thread"
	if thread == "" {
		return flows.Session{}, fmt.Errorf("%s: %w", doing, flows.ErrNotFound)
	}
	if err := checkText(doing, teamID, channel, thread); err != nil {
		return flows.Session{}, err
	}
	x, err := scanSession(s.q.QueryRowContext(ctx,
		`SELECT `+sessionColumns+` FROM sessions WHERE team_id = $1 AND channel = $2 AND thread = $3`+s.lock(),
		teamID, channel, thread))
	return x, wrap(doing, err)
}

// OpenSessionInChannel returns the latest session in a channel that has not
// ended, or flows.ErrNotFound.
func (s *store) OpenSessionInChannel(ctx context.Context, teamID, channel string) (flows.Session, error) {
	const doing = "finding the open session in a channel"
	if err := checkText(doing, teamID, channel); err != nil {
		return flows.Session{}, err
	}
	x, err := scanSession(s.q.QueryRowContext(ctx,
		`SELECT `+sessionColumns+` FROM sessions WHERE team_id = $1 AND channel = $2 AND status <> 'ended'
		ORDER BY id DESC LIMIT 1`, teamID, channel))
	return x, wrap(doing, err)
}

// UpdateSession saves every mutable field of x, setting UpdatedAt to now.
func (s *store) UpdateSession(ctx context.Context, x flows.Session) error {
	const doing = "updating a session"
	if err := checkSession(doing, x); err != nil {
		return err
	}
	d := s.dialect
	res, err := s.q.ExecContext(ctx, `
		UPDATE sessions SET thread = $2, facilitator = $3, subject = $4, minutes = $5, timed = $6, status = $7,
			stage = $8, stage_deadline = $9, warned_for = $10, ends_at = $11, paused_at = $12, due_at = $13,
			outcome = $14, started_at = $15, updated_at = $16, ended_at = $17
		WHERE id = $1`,
		x.ID, x.Thread, x.Facilitator, x.Subject, int64(x.Minutes), x.Timed, string(x.Status),
		x.Stage, d.nullTimeArg(x.StageDeadline), d.nullTimeArg(x.WarnedFor), d.nullTimeArg(x.EndsAt),
		d.nullTimeArg(x.PausedAt), d.nullTimeArg(x.DueAt), x.Outcome, d.nullTimeArg(x.StartedAt),
		d.timeArg(s.now()), d.nullTimeArg(x.EndedAt))
	return changedOne(doing, res, err)
}

// ListSessions returns the team's sessions, oldest first.
func (s *store) ListSessions(ctx context.Context, teamID string) ([]flows.Session, error) {
	const doing = "listing sessions"
	if err := checkText(doing, teamID); err != nil {
		return nil, err
	}
	rows, err := s.q.QueryContext(ctx, `SELECT `+sessionColumns+` FROM sessions WHERE team_id = $1 ORDER BY id`, teamID)
	if err != nil {
		return nil, wrap(doing, err)
	}
	return collect(rows, doing, scanSession)
}

func scanID(r rowScanner) (int64, error) {
	var id int64
	err := r.Scan(&id)
	return id, err
}

// DueSessions returns the ids of sessions with something due at or before
// t, earliest first.
func (s *store) DueSessions(ctx context.Context, t time.Time) ([]int64, error) {
	const doing = "listing due sessions"
	rows, err := s.q.QueryContext(ctx,
		`SELECT id FROM sessions WHERE due_at IS NOT NULL AND due_at <= $1 ORDER BY due_at, id`, s.dialect.timeArg(t))
	if err != nil {
		return nil, wrap(doing, err)
	}
	return collect(rows, doing, scanID)
}

// ListSessionQuotes returns the quotes a session was seeded with, in order.
func (s *store) ListSessionQuotes(ctx context.Context, sessionID int64) ([]flows.SessionQuote, error) {
	const doing = "listing a session's quotes"
	rows, err := s.q.QueryContext(ctx,
		`SELECT answer_id, text, discipline FROM session_quotes WHERE session_id = $1 ORDER BY id`, sessionID)
	if err != nil {
		return nil, wrap(doing, err)
	}
	return collect(rows, doing, func(r rowScanner) (flows.SessionQuote, error) {
		var q flows.SessionQuote
		var answer sql.NullInt64
		err := r.Scan(&answer, &q.Text, &q.Discipline)
		q.AnswerID = answer.Int64
		return q, err
	})
}

const sessionReplyColumns = `id, session_id, team_id, stage, author, discipline, text, message_id, created_at, purged_at`

func scanSessionReply(r rowScanner) (flows.SessionReply, error) {
	var x flows.SessionReply
	err := r.Scan(&x.ID, &x.SessionID, &x.TeamID, &x.Stage, &x.Author, &x.Discipline, &x.Text, &x.MessageID,
		timeDest{&x.CreatedAt}, timeDest{&x.PurgedAt})
	return x, err
}

// AddSessionReply stores a reply and returns it with its ID. It returns
// flows.ErrNotFound if the session does not exist.
func (s *store) AddSessionReply(ctx context.Context, x flows.SessionReply) (flows.SessionReply, error) {
	const doing = "adding a session reply"
	if err := checkText(doing, x.TeamID, x.Stage, x.Author, x.Discipline, x.Text, x.MessageID); err != nil {
		return flows.SessionReply{}, err
	}
	stored, err := scanSessionReply(s.q.QueryRowContext(ctx, `
		INSERT INTO session_replies (session_id, team_id, stage, author, discipline, text, message_id, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
		RETURNING `+sessionReplyColumns,
		x.SessionID, x.TeamID, x.Stage, x.Author, x.Discipline, x.Text, x.MessageID, s.dialect.timeArg(s.stamp(x.CreatedAt))))
	return stored, wrap(doing, err)
}

// ListSessionReplies returns a session's replies in the order added.
func (s *store) ListSessionReplies(ctx context.Context, sessionID int64) ([]flows.SessionReply, error) {
	const doing = "listing session replies"
	rows, err := s.q.QueryContext(ctx,
		`SELECT `+sessionReplyColumns+` FROM session_replies WHERE session_id = $1 ORDER BY id`, sessionID)
	if err != nil {
		return nil, wrap(doing, err)
	}
	return collect(rows, doing, scanSessionReply)
}

const sessionActionColumns = `id, session_id, team_id, stage, text, author, owner, due, message_id,
	done_at, done_by, created_at, purged_at`

func scanSessionAction(r rowScanner) (flows.SessionAction, error) {
	var x flows.SessionAction
	err := r.Scan(&x.ID, &x.SessionID, &x.TeamID, &x.Stage, &x.Text, &x.Author, &x.Owner, &x.Due, &x.MessageID,
		timeDest{&x.DoneAt}, &x.DoneBy, timeDest{&x.CreatedAt}, timeDest{&x.PurgedAt})
	return x, err
}

// AddSessionAction stores an agreed action and returns it with its ID.
func (s *store) AddSessionAction(ctx context.Context, x flows.SessionAction) (flows.SessionAction, error) {
	const doing = "adding an agreed action"
	if err := checkText(doing, x.TeamID, x.Stage, x.Text, x.Author, x.Owner, x.Due, x.MessageID, x.DoneBy); err != nil {
		return flows.SessionAction{}, err
	}
	d := s.dialect
	stored, err := scanSessionAction(s.q.QueryRowContext(ctx, `
		INSERT INTO session_actions (session_id, team_id, stage, text, author, owner, due, message_id,
			done_at, done_by, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
		RETURNING `+sessionActionColumns,
		x.SessionID, x.TeamID, x.Stage, x.Text, x.Author, x.Owner, x.Due, x.MessageID,
		d.nullTimeArg(x.DoneAt), x.DoneBy, d.timeArg(s.stamp(x.CreatedAt))))
	return stored, wrap(doing, err)
}

// GetSessionAction returns flows.ErrNotFound if there is no such action.
func (s *store) GetSessionAction(ctx context.Context, id int64) (flows.SessionAction, error) {
	x, err := scanSessionAction(s.q.QueryRowContext(ctx,
		`SELECT `+sessionActionColumns+` FROM session_actions WHERE id = $1`+s.lock(), id))
	return x, wrap(fmt.Sprintf("getting action %d", id), err)
}

// UpdateSessionAction saves an action's done time and who marked it done.
func (s *store) UpdateSessionAction(ctx context.Context, x flows.SessionAction) error {
	const doing = "updating an agreed action"
	if err := checkText(doing, x.DoneBy); err != nil {
		return err
	}
	res, err := s.q.ExecContext(ctx, `UPDATE session_actions SET done_at = $2, done_by = $3 WHERE id = $1`,
		x.ID, s.dialect.nullTimeArg(x.DoneAt), x.DoneBy)
	return changedOne(doing, res, err)
}

// ListSessionActions returns a session's actions in the order added.
func (s *store) ListSessionActions(ctx context.Context, sessionID int64) ([]flows.SessionAction, error) {
	const doing = "listing a session's actions"
	rows, err := s.q.QueryContext(ctx,
		`SELECT `+sessionActionColumns+` FROM session_actions WHERE session_id = $1 ORDER BY id`, sessionID)
	if err != nil {
		return nil, wrap(doing, err)
	}
	return collect(rows, doing, scanSessionAction)
}

// ListTeamActions returns the team's actions, oldest first.
func (s *store) ListTeamActions(ctx context.Context, teamID string) ([]flows.SessionAction, error) {
	const doing = "listing the team's actions"
	if err := checkText(doing, teamID); err != nil {
		return nil, err
	}
	rows, err := s.q.QueryContext(ctx,
		`SELECT `+sessionActionColumns+` FROM session_actions WHERE team_id = $1 ORDER BY id`, teamID)
	if err != nil {
		return nil, wrap(doing, err)
	}
	return collect(rows, doing, scanSessionAction)
}

const scheduleColumns = `id, team_id, channel, facilitator, template, every_weeks, weekday, clock, minutes, timed,
	next_at, reminded_for, due_at, created_at`

func scanSchedule(r rowScanner) (flows.SessionSchedule, error) {
	var (
		x                   flows.SessionSchedule
		every, day, minutes int64
	)
	err := r.Scan(&x.ID, &x.TeamID, &x.Channel, &x.Facilitator, &x.Template, &every, &day, &x.Clock, &minutes, &x.Timed,
		timeDest{&x.NextAt}, timeDest{&x.RemindedFor}, timeDest{&x.DueAt}, timeDest{&x.CreatedAt})
	x.EveryWeeks, x.Weekday, x.Minutes = int(every), time.Weekday(day), int(minutes)
	return x, err
}

// SaveSessionSchedule creates or replaces the channel's schedule.
func (s *store) SaveSessionSchedule(ctx context.Context, x flows.SessionSchedule) (flows.SessionSchedule, error) {
	const doing = "saving a session schedule"
	if err := checkText(doing, x.TeamID, x.Channel, x.Facilitator, x.Template, x.Clock); err != nil {
		return flows.SessionSchedule{}, err
	}
	d := s.dialect
	stored, err := scanSchedule(s.q.QueryRowContext(ctx, `
		INSERT INTO session_schedules (team_id, channel, facilitator, template, every_weeks, weekday, clock, minutes, timed,
			next_at, reminded_for, due_at, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
		ON CONFLICT (team_id, channel) DO UPDATE SET
			facilitator = excluded.facilitator, template = excluded.template, every_weeks = excluded.every_weeks,
			weekday = excluded.weekday, clock = excluded.clock, minutes = excluded.minutes, timed = excluded.timed,
			next_at = excluded.next_at, reminded_for = excluded.reminded_for, due_at = excluded.due_at
		RETURNING `+scheduleColumns,
		x.TeamID, x.Channel, x.Facilitator, x.Template, int64(x.EveryWeeks), int64(x.Weekday), x.Clock, int64(x.Minutes), x.Timed,
		d.timeArg(x.NextAt), d.nullTimeArg(x.RemindedFor), d.timeArg(x.DueAt), d.timeArg(s.stamp(x.CreatedAt))))
	return stored, wrap(doing, err)
}

// GetSessionSchedule returns flows.ErrNotFound if there is no such
// schedule. Inside InTx it locks it.
func (s *store) GetSessionSchedule(ctx context.Context, id int64) (flows.SessionSchedule, error) {
	x, err := scanSchedule(s.q.QueryRowContext(ctx,
		`SELECT `+scheduleColumns+` FROM session_schedules WHERE id = $1`+s.lock(), id))
	return x, wrap(fmt.Sprintf("getting session schedule %d", id), err)
}

// ScheduleInChannel returns the channel's schedule, or flows.ErrNotFound.
func (s *store) ScheduleInChannel(ctx context.Context, teamID, channel string) (flows.SessionSchedule, error) {
	const doing = "finding a channel's session schedule"
	if err := checkText(doing, teamID, channel); err != nil {
		return flows.SessionSchedule{}, err
	}
	x, err := scanSchedule(s.q.QueryRowContext(ctx,
		`SELECT `+scheduleColumns+` FROM session_schedules WHERE team_id = $1 AND channel = $2`, teamID, channel))
	return x, wrap(doing, err)
}

// DeleteSessionSchedule removes a schedule.
func (s *store) DeleteSessionSchedule(ctx context.Context, id int64) error {
	res, err := s.q.ExecContext(ctx, `DELETE FROM session_schedules WHERE id = $1`, id)
	return changedOne("deleting a session schedule", res, err)
}

// ListSessionSchedules returns the team's schedules (every team's when
// teamID is empty), oldest first.
func (s *store) ListSessionSchedules(ctx context.Context, teamID string) ([]flows.SessionSchedule, error) {
	const doing = "listing session schedules"
	if err := checkText(doing, teamID); err != nil {
		return nil, err
	}
	rows, err := s.q.QueryContext(ctx,
		`SELECT `+scheduleColumns+` FROM session_schedules WHERE $1 = '' OR team_id = $1 ORDER BY id`, teamID)
	if err != nil {
		return nil, wrap(doing, err)
	}
	return collect(rows, doing, scanSchedule)
}

// DueSessionSchedules returns the ids of schedules with something due at or
// before t, earliest first.
func (s *store) DueSessionSchedules(ctx context.Context, t time.Time) ([]int64, error) {
	const doing = "listing due session schedules"
	rows, err := s.q.QueryContext(ctx,
		`SELECT id FROM session_schedules WHERE due_at <= $1 ORDER BY due_at, id`, s.dialect.timeArg(t))
	if err != nil {
		return nil, wrap(doing, err)
	}
	return collect(rows, doing, scanID)
}

// NextSessionDue returns the earliest time any session or schedule has
// something to do, or the zero time.
func (s *store) NextSessionDue(ctx context.Context) (time.Time, error) {
	const doing = "finding the next session work"
	var next time.Time
	for _, q := range []string{
		`SELECT min(due_at) FROM sessions WHERE due_at IS NOT NULL`,
		`SELECT min(due_at) FROM session_schedules`,
	} {
		var t time.Time
		if err := s.q.QueryRowContext(ctx, q).Scan(timeDest{&t}); err != nil {
			return time.Time{}, wrap(doing, err)
		}
		if !t.IsZero() && (next.IsZero() || t.Before(next)) {
			next = t
		}
	}
	return next, nil
}
