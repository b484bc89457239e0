package storage

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"whatmatters/flows"
)

const reflectionColumns = `id, team_id, case_id, template, status, channel, thread,
	started_by, stage, follow_ups, awaiting_follow_up,
	created_at, updated_at, last_activity_at, nudged_at, closed_at`

func scanReflection(r rowScanner) (flows.Reflection, error) {
	var (
		x         flows.Reflection
		caseID    sql.NullInt64
		followUps string
	)
	err := r.Scan(&x.ID, &x.TeamID, &caseID, &x.Template, &x.Status, &x.Channel, &x.Thread,
		&x.StartedBy, &x.Stage, &followUps, &x.AwaitingFollowUp,
		timeDest{&x.CreatedAt}, timeDest{&x.UpdatedAt}, timeDest{&x.LastActivityAt},
		timeDest{&x.NudgedAt}, timeDest{&x.ClosedAt})
	if err != nil {
		return x, err
	}
	x.CaseID = caseID.Int64
	if followUps != "" && followUps != "[]" {
		if err := json.Unmarshal([]byte(followUps), &x.FollowUps); err != nil {
			return x, fmt.Errorf("reading follow-ups of reflection %d: %w", x.ID, err)
		}
	}
	return x, nil
}

// encodeFollowUps stores the stage keys as a JSON array: any key survives,
// commas included.
func encodeFollowUps(keys []string) string {
	if len(keys) == 0 {
		return "[]"
	}
	b, _ := json.Marshal(keys) // a []string always encodes
	return string(b)
}

// nullID stores 0 as NULL, for an optional reference.
func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// checkReflection refuses text neither dialect could store.
func checkReflection(doing string, r flows.Reflection) error {
	err := checkText(doing, r.TeamID, r.Template, string(r.Status), r.Channel, r.Thread, r.StartedBy, r.Stage)
	if err != nil {
		return err
	}
	return checkText(doing, r.FollowUps...)
}

// CreateReflection stores a new reflection and returns it with its ID. It
// returns flows.ErrNotFound if CaseID is not 0 and names no case,
// flows.ErrInvalid for an unknown status, and flows.ErrConflict if another
// reflection of the team is anchored at the same channel and thread. A zero
// CreatedAt means now, a zero LastActivityAt means CreatedAt; UpdatedAt is
// set to now. An empty FollowUps comes back nil.
func (s *store) CreateReflection(ctx context.Context, r flows.Reflection) (flows.Reflection, error) {
	const doing = "creating a reflection"
	if err := checkReflection(doing, r); err != nil {
		return flows.Reflection{}, err
	}
	r.CreatedAt = s.stamp(r.CreatedAt)
	if r.LastActivityAt.IsZero() {
		r.LastActivityAt = r.CreatedAt
	}
	d := s.dialect
	// ON CONFLICT DO NOTHING keeps a transaction usable after a clash of
	// threads, as in CreateCase.
	rows, err := s.q.QueryContext(ctx, `
		INSERT INTO reflections (team_id, case_id, template, status, channel, thread,
			started_by, stage, follow_ups, awaiting_follow_up,
			created_at, updated_at, last_activity_at, nudged_at, closed_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
		ON CONFLICT DO NOTHING
		RETURNING `+reflectionColumns,
		r.TeamID, nullID(r.CaseID), r.Template, string(r.Status), r.Channel, r.Thread,
		r.StartedBy, r.Stage, encodeFollowUps(r.FollowUps), r.AwaitingFollowUp,
		d.timeArg(r.CreatedAt), d.timeArg(s.now()), d.timeArg(r.LastActivityAt),
		d.nullTimeArg(r.NudgedAt), d.nullTimeArg(r.ClosedAt))
	if err != nil {
		return flows.Reflection{}, wrap(doing, err)
	}
	stored, err := collect(rows, doing, scanReflection)
	if err != nil {
		return flows.Reflection{}, err
	}
	if len(stored) == 0 {
		return flows.Reflection{}, fmt.Errorf("%s: %w: a reflection is already anchored at that thread", doing, flows.ErrConflict)
	}
	return stored[0], nil
}

// GetReflection returns flows.ErrNotFound if there is no such reflection.
// Inside InTx it locks the reflection until the transaction ends.
func (s *store) GetReflection(ctx context.Context, id int64) (flows.Reflection, error) {
	r, err := scanReflection(s.q.QueryRowContext(ctx,
		`SELECT `+reflectionColumns+` FROM reflections WHERE id = $1`+s.lock(), id))
	return r, wrap(fmt.Sprintf("getting reflection %d", id), err)
}

// ReflectionByThread finds the reflection anchored at a thread; it returns
// flows.ErrNotFound if there is none, or if thread is empty. Inside InTx it
// locks the reflection as GetReflection does.
func (s *store) ReflectionByThread(ctx context.Context, teamID, channel, thread string) (flows.Reflection, error) {
	const doing = "finding a reflection by thread"
	if err := checkText(doing, teamID, channel, thread); err != nil {
		return flows.Reflection{}, err
	}
	// thread <> '' lets the partial unique index serve the query.
	r, err := scanReflection(s.q.QueryRowContext(ctx, `
		SELECT `+reflectionColumns+` FROM reflections
		WHERE team_id = $1 AND channel = $2 AND thread = $3 AND thread <> ''`+s.lock(),
		teamID, channel, thread))
	return r, wrap(doing, err)
}

// LatestOpenReflection returns the most recently started reflection in
// progress in a channel, or flows.ErrNotFound.
func (s *store) LatestOpenReflection(ctx context.Context, teamID, channel string) (flows.Reflection, error) {
	const doing = "finding the open reflection of a channel"
	if err := checkText(doing, teamID, channel); err != nil {
		return flows.Reflection{}, err
	}
	r, err := scanReflection(s.q.QueryRowContext(ctx, `
		SELECT `+reflectionColumns+` FROM reflections
		WHERE team_id = $1 AND channel = $2 AND status = 'in_progress'
		ORDER BY created_at DESC, id DESC
		LIMIT 1`,
		teamID, channel))
	return r, wrap(doing, err)
}

// UpdateReflection saves every mutable field of r (status, thread, stage,
// follow-ups, activity and closing times) and sets UpdatedAt to now. It
// returns flows.ErrNotFound if r does not exist, flows.ErrInvalid for an
// unknown status and flows.ErrConflict if another reflection of the team is
// anchored at the new thread.
func (s *store) UpdateReflection(ctx context.Context, r flows.Reflection) error {
	doing := fmt.Sprintf("updating reflection %d", r.ID)
	if err := checkReflection(doing, r); err != nil {
		return err
	}
	d := s.dialect
	res, err := s.q.ExecContext(ctx, `
		UPDATE reflections SET
			status = $2, thread = $3, stage = $4, follow_ups = $5, awaiting_follow_up = $6,
			updated_at = $7, last_activity_at = $8, nudged_at = $9, closed_at = $10
		WHERE id = $1`,
		r.ID, string(r.Status), r.Thread, r.Stage, encodeFollowUps(r.FollowUps), r.AwaitingFollowUp,
		d.timeArg(s.now()), d.timeArg(s.stamp(r.LastActivityAt)),
		d.nullTimeArg(r.NudgedAt), d.nullTimeArg(r.ClosedAt))
	return changedOne(doing, res, err)
}

// ListReflections returns the team's reflections, oldest first.
func (s *store) ListReflections(ctx context.Context, teamID string) ([]flows.Reflection, error) {
	const doing = "listing reflections"
	if err := checkText(doing, teamID); err != nil {
		return nil, err
	}
	rows, err := s.q.QueryContext(ctx, `
		SELECT `+reflectionColumns+` FROM reflections
		WHERE team_id = $1 ORDER BY created_at, id`, teamID)
	if err != nil {
		return nil, wrap(doing, err)
	}
	return collect(rows, doing, scanReflection)
}

// ListCaseReflections returns one case's reflections, oldest first.
func (s *store) ListCaseReflections(ctx context.Context, caseID int64) ([]flows.Reflection, error) {
	doing := fmt.Sprintf("listing reflections of case %d", caseID)
	rows, err := s.q.QueryContext(ctx, `
		SELECT `+reflectionColumns+` FROM reflections
		WHERE case_id = $1 ORDER BY created_at, id`, caseID)
	if err != nil {
		return nil, wrap(doing, err)
	}
	return collect(rows, doing, scanReflection)
}

// ListIdleReflections returns reflections in progress, in every team, whose
// last activity was before idleSince, oldest activity first.
func (s *store) ListIdleReflections(ctx context.Context, idleSince time.Time) ([]flows.Reflection, error) {
	const doing = "listing idle reflections"
	rows, err := s.q.QueryContext(ctx, `
		SELECT `+reflectionColumns+` FROM reflections
		WHERE status = 'in_progress' AND last_activity_at < $1
		ORDER BY last_activity_at, id`, s.dialect.timeArg(idleSince))
	if err != nil {
		return nil, wrap(doing, err)
	}
	return collect(rows, doing, scanReflection)
}
