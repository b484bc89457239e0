package flows

import "context"

// sessionStore is the sessions part's store: the kernel's (5), the
// sessions once opened (sessionRows, 7), what was said in them
// (sessionTalk, 3), recording an agreed action said in the thread
// (actionAdder, 1) and the members who took part, for the synthesis
// (memberLister, 1): 17 in all. Opening a session (openingStore) and
// the agreed actions once recorded (actionStore) are parts of their own;
// recording an action, from a reply in the thread or marked on a message,
// is the kernel's recordAction over an actionRecorder.
type sessionStore interface {
	kernelStore
	sessionRows
	sessionTalk
	actionAdder
	memberLister
}

// sessions runs learning sessions once opened: their stages and timers,
// the controls, what is said in their threads and the closing synthesis.
// It holds its store only as a sessionStore.
type sessions struct {
	*kernel
	st sessionStore
}

// sessionsOn is the sessions part over s, one step's Store.
func (e *Engine) sessionsOn(s Store) *sessions { return &sessions{kernel: e.kernel, st: s} }

// sessionOpener opens a session: what opening one, from a command or the
// form or a schedule when its time comes, needs of the sessions' records.
type sessionOpener interface {
	// OpenSessionInChannel returns the latest session in a channel that has
	// not ended, or ErrNotFound.
	OpenSessionInChannel(ctx context.Context, teamID, channel string) (Session, error)
	// CreateSession stores a new session, with the quotes it was seeded
	// with, and returns it with its ID.
	CreateSession(ctx context.Context, s Session, quotes []SessionQuote) (Session, error)
	// UpdateSession saves every mutable field of s. It returns ErrNotFound
	// if s does not exist.
	UpdateSession(ctx context.Context, s Session) error
}

// openingStore is the openings part's store: the kernel's (5), the cases
// a case review is about (4 more: caseStore, 9) and opening a session
// (sessionOpener, 3): 12 in all.
type openingStore interface {
	caseStore
	sessionOpener
}

// openings opens learning sessions from /reflect session or the form:
// checking the subject (a case review's pseudonym, a theme's words),
// finding or making a case review's case, and creating the session. It
// holds its store only as an openingStore.
type openings struct {
	*kernel
	st openingStore
}

// openingsOn is the openings part over s, one step's Store.
func (e *Engine) openingsOn(s Store) *openings { return &openings{kernel: e.kernel, st: s} }

// actionRecorder is what recording an agreed action (the kernel's
// recordAction) needs: the kernel's, for the team's timezone and the
// writer as a member, and adding the action: 6 in all.
type actionRecorder interface {
	kernelStore
	actionAdder
}

// actionStore is the agreed actions part's store: recording one
// (actionRecorder, 6), finding its session (sessionFinder, 2) and the
// actions' rows (actionRows, 3 more): 11 in all.
type actionStore interface {
	actionRecorder
	sessionFinder
	actionRows
}

// agreedActions keeps the actions agreed in sessions once recorded: a
// message marked as one (MarkAction), a person's list (MyActions,
// /reflect actions) and marking one done (ActionDone). It holds its store
// only as an actionStore.
type agreedActions struct {
	*kernel
	st actionStore
}

// actionsOn is the agreed actions part over s, one step's Store.
func (e *Engine) actionsOn(s Store) *agreedActions { return &agreedActions{kernel: e.kernel, st: s} }

// scheduleStore is the schedules part's store: the kernel's (5), the
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
	// ListTeamActions returns the team's actions, oldest first.
	ListTeamActions(ctx context.Context, teamID string) ([]SessionAction, error)
}
