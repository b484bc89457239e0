package storage

import (
	"context"

	"whatmatters/flows"
)

const teamColumns = `id, name, timezone, created_at`

func scanTeam(r rowScanner) (flows.Team, error) {
	var t flows.Team
	err := r.Scan(&t.ID, &t.Name, &t.Timezone, timeDest{&t.CreatedAt})
	return t, err
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

// GetTeam returns flows.ErrNotFound if there is no such team.
func (s *store) GetTeam(ctx context.Context, id string) (flows.Team, error) {
	const doing = "getting a team"
	if err := checkText(doing, id); err != nil {
		return flows.Team{}, err
	}
	t, err := scanTeam(s.q.QueryRowContext(ctx,
		`SELECT `+teamColumns+` FROM teams WHERE id = $1`, id))
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

const memberColumns = `team_id, user_id, name, discipline, created_at, updated_at`

func scanMember(r rowScanner) (flows.Member, error) {
	var m flows.Member
	err := r.Scan(&m.TeamID, &m.UserID, &m.Name, &m.Discipline,
		timeDest{&m.CreatedAt}, timeDest{&m.UpdatedAt})
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
	if err := checkText(doing, m.TeamID, m.UserID, m.Name, m.Discipline); err != nil {
		return flows.Member{}, err
	}
	now := s.now()
	if m.CreatedAt.IsZero() {
		m.CreatedAt = now
	}
	stored, err := scanMember(s.q.QueryRowContext(ctx, `
		INSERT INTO members (team_id, user_id, name, discipline, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (team_id, user_id) DO UPDATE SET
			name = excluded.name,
			discipline = excluded.discipline,
			updated_at = excluded.updated_at
		RETURNING `+memberColumns,
		m.TeamID, m.UserID, m.Name, m.Discipline,
		s.dialect.timeArg(m.CreatedAt), s.dialect.timeArg(now)))
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
