package flows

import (
	"context"
	"time"
)

// reflectionStore is the reflections part's store: the kernel's, the
// cases (4), the reflections (8), their answers (6) and, for the weekly
// check-ins, the teams, their settings and members (3): 26 in all. It is
// larger than the others because a reflection, its case and its answers
// are one aggregate: each step adds an answer under the reflection's lock
// and moves the reflection on in the same transaction, and starting one
// finds or makes its case. Edits and withdrawals of answers (edit.go) and
// the weekly check-ins (checkin.go) use parts of it that the step does
// not, and could be parts of their own over smaller stores: not done yet.
type reflectionStore interface {
	caseStore
	reflectionRows
	answerRows
	// The weekly check-ins: the teams, their settings, their members.
	teamLister
	teamUpdater
	memberLister
}

// reflectionRows keeps reflections.
type reflectionRows interface {
	// CreateReflection stores a new reflection and returns it with its ID.
	CreateReflection(ctx context.Context, r Reflection) (Reflection, error)
	// GetReflection returns ErrNotFound if there is no such reflection.
	// Inside InTx it locks the reflection until the transaction ends, so
	// steps on one reflection happen one after another.
	GetReflection(ctx context.Context, id int64) (Reflection, error)
	// ReflectionByThread finds the reflection anchored at a thread; it
	// returns ErrNotFound if there is none. Inside InTx it locks the
	// reflection as GetReflection does.
	ReflectionByThread(ctx context.Context, teamID, channel, thread string) (Reflection, error)
	// LatestOpenReflection returns the most recently started reflection in
	// progress in a channel, or ErrNotFound.
	LatestOpenReflection(ctx context.Context, teamID, channel string) (Reflection, error)
	// UpdateReflection saves every mutable field of r (status, thread, stage,
	// follow-ups, activity and closing times). It returns ErrNotFound if r
	// does not exist.
	UpdateReflection(ctx context.Context, r Reflection) error
	// ListReflections returns the team's reflections, oldest first.
	ListReflections(ctx context.Context, teamID string) ([]Reflection, error)
	// ListCaseReflections returns one case's reflections, oldest first.
	ListCaseReflections(ctx context.Context, caseID int64) ([]Reflection, error)
	// ListIdleReflections returns reflections in progress, in every team,
	// whose last activity was before idleSince, oldest activity first.
	ListIdleReflections(ctx context.Context, idleSince time.Time) ([]Reflection, error)
}

// answerRows keeps the answers given in reflections.
type answerRows interface {
	// AddAnswer stores a new answer and returns it with its ID. Answers are
	// kept in the order they were added.
	AddAnswer(ctx context.Context, a Answer) (Answer, error)
	// GetAnswer returns ErrNotFound if there is no such answer.
	GetAnswer(ctx context.Context, id int64) (Answer, error)
	// AnswerByMessage finds a reflection's answer by the id of the message
	// it came from; it returns ErrNotFound if there is none. Inside InTx it
	// is read under the reflection's lock, like GetReflection.
	AnswerByMessage(ctx context.Context, reflectionID int64, messageID string) (Answer, error)
	// UpdateAnswer saves an answer's text, edit and withdrawal times. It
	// returns ErrNotFound if a does not exist.
	UpdateAnswer(ctx context.Context, a Answer) error
	// ListAnswers returns a reflection's answers in the order they were added.
	ListAnswers(ctx context.Context, reflectionID int64) ([]Answer, error)
	// ListTeamAnswers returns every answer in the team's reflections, in the
	// order they were added.
	ListTeamAnswers(ctx context.Context, teamID string) ([]Answer, error)
}

// reflections runs case reflections and check-ins: starting them, each
// step (an answer, a control), closing them, edits and withdrawals of
// answers, idle reminders, and growing a check-in into a case reflection.
// It holds its store only as a reflectionStore.
type reflections struct {
	*kernel
	st reflectionStore
}

// reflectionsOn is the reflections part over s, one step's Store.
func (e *Engine) reflectionsOn(s Store) *reflections { return &reflections{kernel: e.kernel, st: s} }
