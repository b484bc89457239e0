package flows

import (
	"context"
	"time"
)

// reflectionStore is the reflections part's store: the kernel's (5), the
// cases (4: caseStore, 9), the reflections (reflectionRows, 6) and their
// answers (answerRows, 2): 17 in all. A reflection, its case and its answers
// are one aggregate: each step adds an answer under the reflection's lock
// and moves the reflection on in the same transaction, and starting one
// finds or makes its case. Edits and withdrawals of answers (answerEditor,
// over editStore) and the weekly check-ins (checkIns, over checkInStore)
// are parts of their own, and the lists read across a team (the Home
// tab's recent reflections, the cases shown, the reflections gone quiet)
// are reflectionLists', over a reflectionReader.
type reflectionStore interface {
	caseStore
	reflectionRows
	answerRows
}

// reflectionFinder finds a reflection, locked.
type reflectionFinder interface {
	// GetReflection returns ErrNotFound if there is no such reflection.
	// Inside InTx it locks the reflection until the transaction ends, so
	// steps on one reflection happen one after another.
	GetReflection(ctx context.Context, id int64) (Reflection, error)
	// ReflectionByThread finds the reflection anchored at a thread; it
	// returns ErrNotFound if there is none. Inside InTx it locks the
	// reflection as GetReflection does.
	ReflectionByThread(ctx context.Context, teamID, channel, thread string) (Reflection, error)
}

// reflectionMaker makes reflections.
type reflectionMaker interface {
	// CreateReflection stores a new reflection and returns it with its ID.
	CreateReflection(ctx context.Context, r Reflection) (Reflection, error)
}

// reflectionRows keeps reflections: making and finding them, moving them
// on, and a case's.
type reflectionRows interface {
	reflectionFinder
	reflectionMaker
	// LatestOpenReflection returns the most recently started reflection in
	// progress in a channel, or ErrNotFound.
	LatestOpenReflection(ctx context.Context, teamID, channel string) (Reflection, error)
	// UpdateReflection saves every mutable field of r (status, thread, stage,
	// follow-ups, activity and closing times). It returns ErrNotFound if r
	// does not exist.
	UpdateReflection(ctx context.Context, r Reflection) error
	// ListCaseReflections returns one case's reflections, oldest first.
	ListCaseReflections(ctx context.Context, caseID int64) ([]Reflection, error)
}

// reflectionLister lists a team's reflections.
type reflectionLister interface {
	// ListReflections returns the team's reflections, oldest first.
	ListReflections(ctx context.Context, teamID string) ([]Reflection, error)
}

// idleLister lists the reflections gone quiet.
type idleLister interface {
	// ListIdleReflections returns reflections in progress, in every team,
	// whose last activity was before idleSince, oldest activity first.
	ListIdleReflections(ctx context.Context, idleSince time.Time) ([]Reflection, error)
}

// answerRows keeps the answers given in reflections as a step gives them.
type answerRows interface {
	// AddAnswer stores a new answer and returns it with its ID. Answers are
	// kept in the order they were added.
	AddAnswer(ctx context.Context, a Answer) (Answer, error)
	// ListAnswers returns a reflection's answers in the order they were added.
	ListAnswers(ctx context.Context, reflectionID int64) ([]Answer, error)
}

// answerEdits finds an answer given and changes it: edits and withdrawals.
type answerEdits interface {
	// GetAnswer returns ErrNotFound if there is no such answer.
	GetAnswer(ctx context.Context, id int64) (Answer, error)
	// AnswerByMessage finds a reflection's answer by the id of the message
	// it came from; it returns ErrNotFound if there is none. Inside InTx it
	// is read under the reflection's lock, like GetReflection.
	AnswerByMessage(ctx context.Context, reflectionID int64, messageID string) (Answer, error)
	// UpdateAnswer saves an answer's text, edit and withdrawal times. It
	// returns ErrNotFound if a does not exist.
	UpdateAnswer(ctx context.Context, a Answer) error
}

// teamAnswers lists every answer of a team.
type teamAnswers interface {
	// ListTeamAnswers returns every answer in the team's reflections, in the
	// order they were added.
	ListTeamAnswers(ctx context.Context, teamID string) ([]Answer, error)
}

// reflections runs case reflections and check-ins: starting them, each
// step (an answer, a control), closing them, idle reminders, and growing
// a check-in into a case reflection.
// It holds its store only as a reflectionStore.
type reflections struct {
	*kernel
	st reflectionStore
}

// reflectionsOn is the reflections part over s, one step's Store.
func (e *Engine) reflectionsOn(s Store) *reflections { return &reflections{kernel: e.kernel, st: s} }

// editStore is the answer edits part's store: the kernel's (5), the case
// pseudonyms the scrubber keeps (caseLister, 1), finding the reflection
// (reflectionFinder, 2) and the answer, and changing it (answerEdits, 3):
// 11 in all.
type editStore interface {
	kernelStore
	caseLister
	reflectionFinder
	answerEdits
}

// answerEditor applies edits and withdrawals of answers: a changed or
// deleted message in a reflection's thread (Edit), the Withdraw button
// (WithdrawAnswer). It holds its store only as an editStore.
type answerEditor struct {
	*kernel
	st editStore
}

// editsOn is the answer edits part over s, one step's Store.
func (e *Engine) editsOn(s Store) *answerEditor { return &answerEditor{kernel: e.kernel, st: s} }

// checkInStore is the check-ins part's store: the kernel's (5), the teams
// (teamLister, 1), saving when a team's check-in was posted (teamUpdater,
// 1), whom it mentions (memberLister, 1), making it (reflectionMaker, 1)
// and finding the earlier ones still open (reflectionLister, 1): 10 in
// all.
type checkInStore interface {
	kernelStore
	teamLister
	teamUpdater
	memberLister
	reflectionMaker
	reflectionLister
}

// checkIns posts each team's weekly check-in when it is due; closing the
// earlier ones still open is the reflections part's (closeCheckIn). It
// holds its store only as a checkInStore.
type checkIns struct {
	*kernel
	st checkInStore
}

// checkInsOn is the check-ins part over s, one step's Store.
func (e *Engine) checkInsOn(s Store) *checkIns { return &checkIns{kernel: e.kernel, st: s} }

// reflectionReader is what the reflections' lists read: a team's cases
// (caseLister), reflections (reflectionLister) and answers (teamAnswers),
// and the reflections gone quiet in every team (idleLister): 4 in all.
type reflectionReader interface {
	caseLister
	reflectionLister
	idleLister
	teamAnswers
}

// reflectionLists reads the reflections' lists across a team: its recent
// reflections for the Home tab (recent), the cases a channel or the Home
// tab shows (casesShown, with the sessions part's cases discussed), and
// the reflections gone quiet (idleSince), each tended by the reflections
// part. It writes nothing, and holds its store only as a
// reflectionReader.
type reflectionLists struct {
	*kernel
	st reflectionReader
}

// listsOn is the reflections' lists over s, a step's Store or the
// engine's.
func (e *Engine) listsOn(s Store) *reflectionLists { return &reflectionLists{kernel: e.kernel, st: s} }
