package flows

import "context"

// sessionStore is the sessions part's store: the kernel's, the cases a
// case review is about, the sessions and what was said in them (8 + 7
// methods of its own; schedules are scheduleStore's) and the members who
// took part: 25 in all, more
// than the 15 to 18 of the other parts' stores. One session's step
// crosses them: opening a case review finds or makes its case in the step
// that creates the session; a reply in the thread may be an agreed action
// recorded under the session's lock, its writer recorded as a member; the
// session's end reads its replies, actions and members for the
// synthesis. A smaller one would need opening a session and the agreed actions (MarkAction,
// ActionDone, MyActions) made parts of their own: not done yet.
type sessionStore interface {
	caseStore
	sessionRows
	sessionTalk
	memberLister // who took part, for the synthesis
}

// sessions runs learning sessions: opening them, their stages and timers,
// the controls, what is said in their threads, agreed actions and the
// closing synthesis. It holds its store only as a sessionStore.
type sessions struct {
	*kernel
	st sessionStore
}

// sessionsOn is the sessions part over s, one step's Store.
func (e *Engine) sessionsOn(s Store) *sessions { return &sessions{kernel: e.kernel, st: s} }

// sessionOpener opens a session: what a schedule needs of the sessions'
// records when its time comes.
type sessionOpener interface {
	OpenSessionInChannel(ctx context.Context, teamID, channel string) (Session, error)
	CreateSession(ctx context.Context, s Session, quotes []SessionQuote) (Session, error)
	UpdateSession(ctx context.Context, s Session) error
}

// scheduleStore is the schedules part's store: the kernel's, the
// schedules (7 methods) and opening a session (3): 15 in all.
type scheduleStore interface {
	kernelStore
	scheduleRows
	sessionOpener
}

// schedules keeps sessions' schedules: setting and stopping them, the
// reminder the day before, and opening the session at its time.
type schedules struct {
	*kernel
	st scheduleStore
}

// schedulesOn is the schedules part over s, one step's Store.
func (e *Engine) schedulesOn(s Store) *schedules { return &schedules{kernel: e.kernel, st: s} }

// actionLister lists a team's agreed actions: what a digest counts.
type actionLister interface {
	ListTeamActions(ctx context.Context, teamID string) ([]SessionAction, error)
}
