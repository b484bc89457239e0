package storage

import (
	"context"
	"fmt"
	"time"

	"whatmatters/flows"
)

const teamColumns = `id, name, timezone, created_at,
	checkin_channel, checkin_day, checkin_time, last_checkin_at,
	digest_channel, digest_day, digest_hour, session_names`

func scanTeam(r rowScanner) (flows.Team, error) {
	var (
		t                flows.Team
		day, dday, dhour int64
	)
	err := r.Scan(&t.ID, &t.Name, &t.Timezone, timeDest{&t.CreatedAt},
		&t.CheckInChannel, &day, &t.CheckInTime, timeDest{&t.LastCheckInAt},
		&t.DigestChannel, &dday, &dhour, &t.SessionNames)
	t.CheckInDay = time.Weekday(day)
	t.DigestDay = time.Weekday(dday)
	t.DigestHour = int(dhour)
	return t, err
}

// UpdateTeam saves a team's name, timezone, check-in and digest settings.
// It returns flows.ErrNotFound if the team does not exist, and
// flows.ErrInvalid for a day outside Sunday to Saturday or an hour outside
// 0 to 23.
func (s *store) UpdateTeam(ctx context.Context, t flows.Team) error {
	doing := "updating a team"
	if err := checkText(doing, t.ID, t.Name, t.Timezone, t.CheckInChannel, t.CheckInTime, t.DigestChannel); err != nil {
		return err
	}
	if t.CheckInDay < time.Sunday || t.CheckInDay > time.Saturday {
		return fmt.Errorf("%s: %w: check-in day %d", doing, flows.ErrInvalid, t.CheckInDay)
	}
	if t.DigestDay < time.Sunday || t.DigestDay > time.Saturday || t.DigestHour < 0 || t.DigestHour > 23 {
		return fmt.Errorf("%s: %w: digest day %d, hour %d", doing, flows.ErrInvalid, t.DigestDay, t.DigestHour)
	}
	res, err := s.q.ExecContext(ctx, `
		UPDATE teams SET name = $2, timezone = $3, checkin_channel = $4, checkin_day = $5,
			checkin_time = $6, last_checkin_at = $7, digest_channel = $8, digest_day = $9, digest_hour = $10,
			session_names = $11
		WHERE id = $1`,
		t.ID, t.Name, t.Timezone, t.CheckInChannel, int64(t.CheckInDay), t.CheckInTime,
		s.dialect.nullTimeArg(t.LastCheckInAt), t.DigestChannel, int64(t.DigestDay), int64(t.DigestHour), t.SessionNames)
	return changedOne(doing, res, err)
}

// EnsureTeam creates the team if it does not exist and returns the stored
// team. An existing team is returned unchanged. A zero CreatedAt means now.
func (s *store) EnsureTeam(ctx context.Context, t flows.Team) (flows.Team, error) {
	const doing = "ensuring a team"
	if err := required(doing, "team id", t.ID); err != nil {
		return flows.Team{}, err
	}
	if err := checkText(doing, t.ID, t.Name, t.Timezone); err != nil {
		return flows.Team{}, err
	}
	_, err := s.q.ExecContext(ctx, `
		INSERT INTO teams (id, name, timezone, created_at)
		VALUES ($1, $2, $3, $4)
		ON CONFLICT (id) DO NOTHING`,
		t.ID, t.Name, t.Timezone, s.dialect.timeArg(s.stamp(t.CreatedAt)))
	if err != nil {
		return flows.Team{}, wrap(doing, err)
	}
	stored, err := scanTeam(s.q.QueryRowContext(ctx,
		`SELECT `+teamColumns+` FROM teams WHERE id = $1`, t.ID))
	return stored, wrap(doing, err)
}

// GetTeam returns flows.ErrNotFound if there is no such team. Inside InTx it
// locks the team's row until the transaction ends, so scheduled work on one
// team (posting its check-in) happens once.
func (s *store) GetTeam(ctx context.Context, id string) (flows.Team, error) {
	const doing = "getting a team"
	if err := checkText(doing, id); err != nil {
		return flows.Team{}, err
	}
	t, err := scanTeam(s.q.QueryRowContext(ctx,
		`SELECT `+teamColumns+` FROM teams WHERE id = $1`+s.lock(), id))
	return t, wrap(doing, err)
}

// ListTeams returns every team, oldest first.
func (s *store) ListTeams(ctx context.Context) ([]flows.Team, error) {
	rows, err := s.q.QueryContext(ctx,
		`SELECT `+teamColumns+` FROM teams ORDER BY created_at, id`)
	if err != nil {
		return nil, wrap("listing teams", err)
	}
	return collect(rows, "listing teams", scanTeam)
}

const memberColumns = `team_id, user_id, name, discipline, away_until, snoozed_until, no_quotes,
	role, facilitator, created_at, updated_at, home_team`

func scanMember(r rowScanner) (flows.Member, error) {
	var m flows.Member
	err := r.Scan(&m.TeamID, &m.UserID, &m.Name, &m.Discipline,
		timeDest{&m.AwayUntil}, timeDest{&m.SnoozedUntil}, &m.NoQuotes,
		&m.Role, &m.Facilitator, timeDest{&m.CreatedAt}, timeDest{&m.UpdatedAt}, &m.HomeTeam)
	return m, err
}

// SaveMember creates or updates the member (by team and user id) and returns
// the stored member. UpdatedAt is set to now; CreatedAt is kept from the
// first save (a zero CreatedAt then means now).
func (s *store) SaveMember(ctx context.Context, m flows.Member) (flows.Member, error) {
	const doing = "saving a member"
	if err := required(doing, "team id", m.TeamID); err != nil {
		return flows.Member{}, err
	}
	if err := required(doing, "user id", m.UserID); err != nil {
		return flows.Member{}, err
	}
	if err := checkText(doing, m.TeamID, m.UserID, m.Name, m.Discipline, m.Role, m.HomeTeam); err != nil {
		return flows.Member{}, err
	}
	now := s.now()
	if m.CreatedAt.IsZero() {
		m.CreatedAt = now
	}
	stored, err := scanMember(s.q.QueryRowContext(ctx, `
		INSERT INTO members (team_id, user_id, name, discipline, away_until, snoozed_until, no_quotes,
			role, facilitator, created_at, updated_at, home_team)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $10, $11, $8, $9, $12)
		ON CONFLICT (team_id, user_id) DO UPDATE SET
			name = excluded.name,
			discipline = excluded.discipline,
			away_until = excluded.away_until,
			snoozed_until = excluded.snoozed_until,
			no_quotes = excluded.no_quotes,
			role = excluded.role,
			facilitator = excluded.facilitator,
			home_team = excluded.home_team,
			updated_at = excluded.updated_at
		RETURNING `+memberColumns,
		m.TeamID, m.UserID, m.Name, m.Discipline,
		s.dialect.nullTimeArg(m.AwayUntil), s.dialect.nullTimeArg(m.SnoozedUntil), m.NoQuotes,
		s.dialect.timeArg(m.CreatedAt), s.dialect.timeArg(now), m.Role, m.Facilitator, m.HomeTeam))
	return stored, wrap(doing, err)
}

// GetMember returns flows.ErrNotFound if the team has no such member.
func (s *store) GetMember(ctx context.Context, teamID, userID string) (flows.Member, error) {
	const doing = "getting a member"
	if err := checkText(doing, teamID, userID); err != nil {
		return flows.Member{}, err
	}
	m, err := scanMember(s.q.QueryRowContext(ctx,
		`SELECT `+memberColumns+` FROM members WHERE team_id = $1 AND user_id = $2`,
		teamID, userID))
	return m, wrap(doing, err)
}

// ListMembers returns the team's members, oldest first.
func (s *store) ListMembers(ctx context.Context, teamID string) ([]flows.Member, error) {
	const doing = "listing members"
	if err := checkText(doing, teamID); err != nil {
		return nil, err
	}
	rows, err := s.q.QueryContext(ctx,
		`SELECT `+memberColumns+` FROM members WHERE team_id = $1 ORDER BY created_at, user_id`, teamID)
	if err != nil {
		return nil, wrap(doing, err)
	}
	return collect(rows, doing, scanMember)
}
