package storage

import (
	"context"
	"database/sql"
	"errors"
	"time"
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
