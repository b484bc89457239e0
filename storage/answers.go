package storage

import (
	"context"
	"fmt"

	"whatmatters/flows"
)

const answerColumns = `id, reflection_id, team_id, stage, author, discipline, text,
	follow_up, message_id, created_at, edited_at, withdrawn_at, purged_at`

func scanAnswer(r rowScanner) (flows.Answer, error) {
	var a flows.Answer
	err := r.Scan(&a.ID, &a.ReflectionID, &a.TeamID, &a.Stage, &a.Author, &a.Discipline, &a.Text,
		&a.FollowUp, &a.MessageID, timeDest{&a.CreatedAt}, timeDest{&a.EditedAt}, timeDest{&a.WithdrawnAt}, timeDest{&a.PurgedAt})
	return a, err
}

// AddAnswer stores a new answer and returns it with its ID. Answers are kept
// in the order they were added. It returns flows.ErrNotFound if the
// reflection does not exist. A zero CreatedAt means now.
func (s *store) AddAnswer(ctx context.Context, a flows.Answer) (flows.Answer, error) {
	const doing = "adding an answer"
	if err := checkText(doing, a.TeamID, a.Stage, a.Author, a.Discipline, a.Text, a.MessageID); err != nil {
		return flows.Answer{}, err
	}
	d := s.dialect
	stored, err := scanAnswer(s.q.QueryRowContext(ctx, `
		INSERT INTO answers (reflection_id, team_id, stage, author, discipline, text,
			follow_up, message_id, created_at, edited_at, withdrawn_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
		RETURNING `+answerColumns,
		a.ReflectionID, a.TeamID, a.Stage, a.Author, a.Discipline, a.Text,
		a.FollowUp, a.MessageID, d.timeArg(s.stamp(a.CreatedAt)), d.nullTimeArg(a.EditedAt), d.nullTimeArg(a.WithdrawnAt)))
	if err != nil || !codeDue(stored) {
		return stored, wrap(doing, err)
	}
	_, err = s.q.ExecContext(ctx, `INSERT INTO answers_to_code (answer_id) VALUES ($1)`, stored.ID)
	return stored, wrap(doing, err)
}

// codeDue reports whether an answer can be coded at all: it has text, and
// is neither withdrawn nor purged.
func codeDue(a flows.Answer) bool {
	return a.Text != "" && a.WithdrawnAt.IsZero() && a.PurgedAt.IsZero()
}

// GetAnswer returns flows.ErrNotFound if there is no such answer.
func (s *store) GetAnswer(ctx context.Context, id int64) (flows.Answer, error) {
	a, err := scanAnswer(s.q.QueryRowContext(ctx,
		`SELECT `+answerColumns+` FROM answers WHERE id = $1`, id))
	return a, wrap(fmt.Sprintf("getting answer %d", id), err)
}

// AnswerByMessage finds a reflection's answer by the id of the message it
// came from; it returns flows.ErrNotFound if there is none (or the message id
// is empty). When one message somehow holds several answers, the first is
// returned.
func (s *store) AnswerByMessage(ctx context.Context, reflectionID int64, messageID string) (flows.Answer, error) {
	doing := fmt.Sprintf("finding an answer of reflection %d by message", reflectionID)
	if err := checkText(doing, messageID); err != nil {
		return flows.Answer{}, err
	}
	a, err := scanAnswer(s.q.QueryRowContext(ctx, `
		SELECT `+answerColumns+` FROM answers
		WHERE reflection_id = $1 AND message_id = $2 AND message_id <> ''
		ORDER BY id LIMIT 1`, reflectionID, messageID))
	return a, wrap(doing, err)
}

// UpdateAnswer saves an answer's text, edit and withdrawal times. It returns
// flows.ErrNotFound if a does not exist.
func (s *store) UpdateAnswer(ctx context.Context, a flows.Answer) error {
	doing := fmt.Sprintf("updating answer %d", a.ID)
	if err := checkText(doing, a.Text); err != nil {
		return err
	}
	d := s.dialect
	res, err := s.q.ExecContext(ctx,
		`UPDATE answers SET text = $2, edited_at = $3, withdrawn_at = $4 WHERE id = $1`,
		a.ID, a.Text, d.nullTimeArg(a.EditedAt), d.nullTimeArg(a.WithdrawnAt))
	if err := changedOne(doing, res, err); err != nil {
		return err
	}
	// Codes read the old text: they go with it (a withdrawn answer's
	// quotes must not outlive it), and the coding job makes new ones.
	_, err = s.q.ExecContext(ctx, `DELETE FROM answer_codes WHERE answer_id = $1 AND text_hash <> $2`,
		a.ID, flows.TextHash(a.Text))
	if err != nil {
		return wrap(doing, err)
	}
	if codeDue(a) { // due again if its codes went
		_, err = s.q.ExecContext(ctx, `
			INSERT INTO answers_to_code (answer_id)
			SELECT id FROM answers WHERE id = $1
				AND NOT EXISTS (SELECT 1 FROM answer_codes WHERE answer_id = $1)
			ON CONFLICT (answer_id) DO NOTHING`, a.ID)
	} else {
		_, err = s.q.ExecContext(ctx, `DELETE FROM answers_to_code WHERE answer_id = $1`, a.ID)
	}
	return wrap(doing, err)
}

// ListAnswers returns a reflection's answers in the order they were added.
func (s *store) ListAnswers(ctx context.Context, reflectionID int64) ([]flows.Answer, error) {
	doing := fmt.Sprintf("listing answers of reflection %d", reflectionID)
	rows, err := s.q.QueryContext(ctx,
		`SELECT `+answerColumns+` FROM answers WHERE reflection_id = $1 ORDER BY id`, reflectionID)
	if err != nil {
		return nil, wrap(doing, err)
	}
	return collect(rows, doing, scanAnswer)
}

// ListTeamAnswers returns every answer in the team's reflections, in the
// order they were added.
func (s *store) ListTeamAnswers(ctx context.Context, teamID string) ([]flows.Answer, error) {
	const doing = "listing a team's answers"
	if err := checkText(doing, teamID); err != nil {
		return nil, err
	}
	rows, err := s.q.QueryContext(ctx,
		`SELECT `+answerColumns+` FROM answers WHERE team_id = $1 ORDER BY id`, teamID)
	if err != nil {
		return nil, wrap(doing, err)
	}
	return collect(rows, doing, scanAnswer)
}
