package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"whatmatters/flows"
)

// TakeSlot books a call of scope in a team if its pace allows one now: up
// to burst calls at once, then one each interval (the generic cell rate
// algorithm, with next_ms as the theoretical time the next call is due).
// It returns zero when the call is booked, or how long until one may be.
// The booking is one statement, so instances sharing the database share
// the pace.
func (s *store) TakeSlot(ctx context.Context, team, scope string, now time.Time, interval time.Duration, burst int) (time.Duration, error) {
	const doing = "booking a call to Slack"
	if err := checkText(doing, team, scope); err != nil {
		return 0, err
	}
	nowMS, step := now.UnixMilli(), interval.Milliseconds()
	allowance := int64(max(burst-1, 0)) * step
	var next int64
	err := s.q.QueryRowContext(ctx, `
		INSERT INTO slack_limits (team_id, scope, next_ms)
		VALUES ($1, $2, CAST($3 AS BIGINT) + CAST($4 AS BIGINT))
		ON CONFLICT (team_id, scope) DO UPDATE SET next_ms =
			CASE WHEN slack_limits.next_ms < CAST($3 AS BIGINT) THEN CAST($3 AS BIGINT) + CAST($4 AS BIGINT)
			ELSE slack_limits.next_ms + CAST($4 AS BIGINT) END
		WHERE slack_limits.next_ms - CAST($3 AS BIGINT) <= CAST($5 AS BIGINT)
		RETURNING next_ms`, team, scope, nowMS, step, allowance).Scan(&next)
	if err == nil {
		return 0, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return 0, wrap(doing, err)
	}
	// Not booked: the pace is ahead of now by more than the burst allows.
	if err := s.q.QueryRowContext(ctx, `SELECT next_ms FROM slack_limits WHERE team_id = $1 AND scope = $2`,
		team, scope).Scan(&next); err != nil {
		return 0, wrap(doing, err)
	}
	return max(time.Duration(next-allowance-nowMS)*time.Millisecond, time.Millisecond), nil
}

// Hold keeps every call of scope in a team back until the given time, as
// Slack's Retry-After asks; a longer hold already in place stands.
func (s *store) Hold(ctx context.Context, team, scope string, until time.Time) error {
	const doing = "holding calls to Slack back"
	if err := checkText(doing, team, scope); err != nil {
		return err
	}
	_, err := s.q.ExecContext(ctx, `
		INSERT INTO slack_limits (team_id, scope, next_ms) VALUES ($1, $2, CAST($3 AS BIGINT))
		ON CONFLICT (team_id, scope) DO UPDATE SET next_ms = CAST($3 AS BIGINT)
		WHERE slack_limits.next_ms < CAST($3 AS BIGINT)`, team, scope, until.UnixMilli())
	return wrap(doing, err)
}

// HeldUntil returns until when calls of scope in a team are held back: the
// zero time if they never were.
func (s *store) HeldUntil(ctx context.Context, team, scope string) (time.Time, error) {
	const doing = "reading a hold on calls to Slack"
	var next int64
	err := s.q.QueryRowContext(ctx, `SELECT next_ms FROM slack_limits WHERE team_id = $1 AND scope = $2`,
		team, scope).Scan(&next)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, wrap(doing, err)
	}
	return time.UnixMilli(next), nil
}

// Gate returns until when calls of scope in a team are held back, and how
// many failures in a row they have met (zero while Slack answers).
func (s *store) Gate(ctx context.Context, team, scope string) (time.Time, int, error) {
	const doing = "reading a hold on calls to Slack"
	var next int64
	var failures int
	err := s.q.QueryRowContext(ctx, `SELECT next_ms, failures FROM slack_limits WHERE team_id = $1 AND scope = $2`,
		team, scope).Scan(&next, &failures)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, 0, nil
	}
	if err != nil {
		return time.Time{}, 0, wrap(doing, err)
	}
	return time.UnixMilli(next), failures, nil
}

// Probe books the one call of a failing scope that may go now, holding
// every other back until next, if no one has booked it since the hold
// ended and no failure has been recorded since failures were read. It
// returns whether it was booked, and otherwise until when calls are held.
func (s *store) Probe(ctx context.Context, team, scope string, now, next time.Time, failures int) (bool, time.Time, error) {
	const doing = "booking a call to a failing Slack"
	if err := checkText(doing, team, scope); err != nil {
		return false, time.Time{}, err
	}
	res, err := s.q.ExecContext(ctx, `
		UPDATE slack_limits SET next_ms = CAST($3 AS BIGINT)
		WHERE team_id = $1 AND scope = $2 AND next_ms <= CAST($4 AS BIGINT) AND failures = CAST($5 AS INTEGER)`,
		team, scope, next.UnixMilli(), now.UnixMilli(), failures)
	if err != nil {
		return false, time.Time{}, wrap(doing, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return false, time.Time{}, wrap(doing, err)
	} else if n == 1 {
		return true, next, nil
	}
	until, _, err := s.Gate(ctx, team, scope)
	return false, until, err
}

// Backoff records a failure of scope in a team that had met seen failures
// in a row: it now has met one more, and calls are held back until the
// given time (or a later hold already in place). A failure recorded by
// another call since seen was read stands instead: calls in flight
// together that fail together count once.
func (s *store) Backoff(ctx context.Context, team, scope string, seen int, until time.Time) error {
	const doing = "backing calls to Slack off"
	if err := checkText(doing, team, scope); err != nil {
		return err
	}
	_, err := s.q.ExecContext(ctx, `
		INSERT INTO slack_limits (team_id, scope, next_ms, failures) VALUES ($1, $2, CAST($3 AS BIGINT), CAST($4 AS INTEGER) + 1)
		ON CONFLICT (team_id, scope) DO UPDATE SET failures = CAST($4 AS INTEGER) + 1,
			next_ms = CASE WHEN slack_limits.next_ms > CAST($3 AS BIGINT) THEN slack_limits.next_ms ELSE CAST($3 AS BIGINT) END
		WHERE slack_limits.failures = CAST($4 AS INTEGER)`, team, scope, until.UnixMilli(), seen)
	return wrap(doing, err)
}

// Recovered ends a scope's run of failures, once a call has gone through:
// calls go again from now.
func (s *store) Recovered(ctx context.Context, team, scope string, now time.Time) error {
	const doing = "recording that Slack answers again"
	_, err := s.q.ExecContext(ctx, `
		UPDATE slack_limits SET failures = 0,
			next_ms = CASE WHEN next_ms > CAST($3 AS BIGINT) THEN CAST($3 AS BIGINT) ELSE next_ms END
		WHERE team_id = $1 AND scope = $2 AND failures > 0`, team, scope, now.UnixMilli())
	return wrap(doing, err)
}

// TakeSlotAndAttempt is TakeSlot for a post, and, if the post is booked,
// MarkOutboxAttempt for its outbox message, in one commit: the record
// that the post is about to be made is durable before it is made, as
// MarkOutboxAttempt's alone was, for one commit instead of two (on SQLite
// one fsync; on PostgreSQL one statement). It returns flows.ErrNotFound,
// with the slot booked, if there is no such message.
func (s *store) TakeSlotAndAttempt(ctx context.Context, team, scope string, now time.Time, interval time.Duration, burst int, outboxID int64) (time.Duration, error) {
	const doing = "booking a post to Slack"
	if err := checkText(doing, team, scope); err != nil {
		return 0, err
	}
	if s.dialect != Postgres || s.tx != nil {
		var wait time.Duration
		err := s.InTx(ctx, func(tx flows.Store) error {
			t := tx.(*store)
			var err error
			if wait, err = t.TakeSlot(ctx, team, scope, now, interval, burst); err != nil || wait > 0 {
				return err
			}
			return t.MarkOutboxAttempt(ctx, outboxID)
		})
		return wait, err
	}
	nowMS, step := now.UnixMilli(), interval.Milliseconds()
	allowance := int64(max(burst-1, 0)) * step
	var booked, marked int
	err := s.q.QueryRowContext(ctx, `
		WITH slot AS (
			INSERT INTO slack_limits (team_id, scope, next_ms)
			VALUES ($1, $2, CAST($3 AS BIGINT) + CAST($4 AS BIGINT))
			ON CONFLICT (team_id, scope) DO UPDATE SET next_ms =
				CASE WHEN slack_limits.next_ms < CAST($3 AS BIGINT) THEN CAST($3 AS BIGINT) + CAST($4 AS BIGINT)
				ELSE slack_limits.next_ms + CAST($4 AS BIGINT) END
			WHERE slack_limits.next_ms - CAST($3 AS BIGINT) <= CAST($5 AS BIGINT)
			RETURNING next_ms
		), attempt AS (
			UPDATE outbox SET attempts = attempts + 1
			WHERE id = $6 AND EXISTS (SELECT FROM slot)
			RETURNING id
		)
		SELECT (SELECT count(*) FROM slot), (SELECT count(*) FROM attempt)`,
		team, scope, nowMS, step, allowance, outboxID).Scan(&booked, &marked)
	if err != nil {
		return 0, wrap(doing, err)
	}
	if booked == 1 {
		if marked != 1 {
			return 0, fmt.Errorf("%s: marking outbox message %d attempted: %w", doing, outboxID, flows.ErrNotFound)
		}
		return 0, nil
	}
	// Not booked: the pace is ahead of now by more than the burst allows.
	var next int64
	if err := s.q.QueryRowContext(ctx, `SELECT next_ms FROM slack_limits WHERE team_id = $1 AND scope = $2`,
		team, scope).Scan(&next); err != nil {
		return 0, wrap(doing, err)
	}
	return max(time.Duration(next-allowance-nowMS)*time.Millisecond, time.Millisecond), nil
}
