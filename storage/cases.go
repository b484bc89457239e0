package storage

import (
	"context"
	"fmt"
	"strings"

	"whatmatters/flows"
)

const caseColumns = `id, team_id, label, created_at`

func scanCase(r rowScanner) (flows.Case, error) {
	var c flows.Case
	err := r.Scan(&c.ID, &c.TeamID, &c.Label, timeDest{&c.CreatedAt})
	return c, err
}

// labelKey is how labels are compared: in Go rather than with SQL's lower(),
// which folds only ASCII on SQLite and follows the collation on PostgreSQL.
func labelKey(label string) string { return strings.ToLower(label) }

// CreateCase stores a new case and returns it with its ID. It returns
// flows.ErrConflict if the team already has a case with that label, ignoring
// letter case, and flows.ErrNotFound if the team does not exist. A zero
// CreatedAt means now.
//
// The conflict is found with ON CONFLICT DO NOTHING rather than by the error
// of a unique index, so that inside InTx the transaction goes on: on
// PostgreSQL an error would end it.
func (s *store) CreateCase(ctx context.Context, c flows.Case) (flows.Case, error) {
	const doing = "creating a case"
	if err := checkText(doing, c.TeamID, c.Label); err != nil {
		return flows.Case{}, err
	}
	rows, err := s.q.QueryContext(ctx, `
		INSERT INTO cases (team_id, label, label_key, created_at)
		VALUES ($1, $2, $3, $4)
		ON CONFLICT DO NOTHING
		RETURNING `+caseColumns,
		c.TeamID, c.Label, labelKey(c.Label), s.dialect.timeArg(s.stamp(c.CreatedAt)))
	if err != nil {
		return flows.Case{}, wrap(doing, err)
	}
	stored, err := collect(rows, doing, scanCase)
	if err != nil {
		return flows.Case{}, err
	}
	if len(stored) == 0 {
		return flows.Case{}, fmt.Errorf("%s: %w: the team has a case with that label", doing, flows.ErrConflict)
	}
	return stored[0], nil
}

// GetCase returns flows.ErrNotFound if there is no such case.
func (s *store) GetCase(ctx context.Context, id int64) (flows.Case, error) {
	c, err := scanCase(s.q.QueryRowContext(ctx,
		`SELECT `+caseColumns+` FROM cases WHERE id = $1`, id))
	return c, wrap(fmt.Sprintf("getting case %d", id), err)
}

// CaseByLabel finds a team's case by label, ignoring letter case; it returns
// flows.ErrNotFound if there is none.
func (s *store) CaseByLabel(ctx context.Context, teamID, label string) (flows.Case, error) {
	const doing = "finding a case by label"
	if err := checkText(doing, teamID, label); err != nil {
		return flows.Case{}, err
	}
	c, err := scanCase(s.q.QueryRowContext(ctx,
		`SELECT `+caseColumns+` FROM cases WHERE team_id = $1 AND label_key = $2`,
		teamID, labelKey(label)))
	return c, wrap(doing, err)
}

// ListCases returns the team's cases, oldest first.
func (s *store) ListCases(ctx context.Context, teamID string) ([]flows.Case, error) {
	const doing = "listing cases"
	if err := checkText(doing, teamID); err != nil {
		return nil, err
	}
	rows, err := s.q.QueryContext(ctx,
		`SELECT `+caseColumns+` FROM cases WHERE team_id = $1 ORDER BY created_at, id`, teamID)
	if err != nil {
		return nil, wrap(doing, err)
	}
	return collect(rows, doing, scanCase)
}
