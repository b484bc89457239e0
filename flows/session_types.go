package flows

import (
	"context"
	"time"
)

// SessionStatus is where a learning session stands.
type SessionStatus string

// A session opened by its schedule waits for its facilitator to start it;
// one started from /reflect session runs as soon as its message is posted.
// A running session may be paused and resumed; it ends when its time is up
// or its facilitator ends it.
const (
	SessionWaiting SessionStatus = "waiting"
	SessionRunning SessionStatus = "running"
	SessionPaused  SessionStatus = "paused"
	SessionEnded   SessionStatus = "ended"
)

// Session outcomes, kept when a session ends.
const (
	// OutcomeSynthesis: people took part and the synthesis was posted.
	OutcomeSynthesis = "synthesis"
	// OutcomeQuiet: nobody took part; the session ended with a kind note.
	OutcomeQuiet = "quiet"
)

// Session is one learning session: a reflection the whole team does
// together, at one time, in one channel thread, with a facilitator in
// charge. The bot keeps time and the record; the facilitator leads.
type Session struct {
	ID          int64
	TeamID      string
	Channel     string
	Thread      string // the session message's id; empty until posted
	Facilitator string // user id; empty once forgotten
	Template    string
	Subject     string // a case pseudonym or a theme's label; may be empty
	Minutes     int    // the session's length
	// Timed sessions move from stage to stage by the clock; others only
	// when the facilitator says.
	Timed  bool
	Status SessionStatus
	Stage  string // the current stage's key; empty before it starts and once ended
	// StageDeadline is when a timed session's current stage moves on.
	StageDeadline time.Time
	// WarnedFor is the deadline (StageDeadline, or EndsAt for a session
	// without stage deadlines) whose one-minute warning has been posted,
	// so it is posted once, or is not owed (a stage shorter than two
	// minutes gets none).
	WarnedFor time.Time
	// EndsAt is when the session ends: for a waiting session, when it ends
	// if nobody starts it.
	EndsAt   time.Time
	PausedAt time.Time
	// DueAt is the earliest time the session has something to do (a
	// warning, a stage to move on, its end); zero when nothing is due.
	DueAt      time.Time
	ScheduleID int64 // the schedule that opened it, or 0
	Outcome    string
	CreatedAt  time.Time
	StartedAt  time.Time // zero until its first stage is asked
	UpdatedAt  time.Time
	EndedAt    time.Time
}

// Open reports whether the session has not ended.
func (s Session) Open() bool { return s.Status != SessionEnded }

// SessionQuote is a digest quote a session was seeded with: words of a
// stored answer, attributed by discipline only.
type SessionQuote struct {
	AnswerID   int64 // the answer it quotes; 0 if unknown
	Text       string
	Discipline string
}

// SessionReply is one contribution in a session's thread, stored against
// the stage being discussed. Text is always the scrubbed text.
type SessionReply struct {
	ID         int64
	SessionID  int64
	TeamID     string
	Stage      string
	Author     string
	Discipline string
	Text       string
	MessageID  string
	CreatedAt  time.Time
	PurgedAt   time.Time
}

// SessionAction is an action the team agreed in a session.
type SessionAction struct {
	ID        int64
	SessionID int64
	TeamID    string
	Stage     string
	Text      string // scrubbed, without the owner's mention
	Author    string // who recorded it
	Owner     string // who will do it; empty when nobody was named
	// Due is the calendar day it is due, in the team's timezone, as
	// YYYY-MM-DD; empty when no date was given.
	Due       string
	MessageID string
	DoneAt    time.Time
	DoneBy    string
	CreatedAt time.Time
	PurgedAt  time.Time
}

// SessionSchedule makes a team's learning session recur in a channel:
// every EveryWeeks weeks on Weekday at Clock in the team's timezone.
type SessionSchedule struct {
	ID          int64
	TeamID      string
	Channel     string
	Facilitator string
	Template    string
	EveryWeeks  int
	Weekday     time.Weekday
	Clock       string // HH:MM
	Minutes     int
	Timed       bool
	// NextAt is when the next session opens; RemindedFor the NextAt whose
	// day-before reminder was posted.
	NextAt      time.Time
	RemindedFor time.Time
	// DueAt is the earliest time the schedule has something to do.
	DueAt     time.Time
	CreatedAt time.Time
}

// SessionStore keeps learning sessions, what was said in them and their
// schedules.
type SessionStore interface {
	sessionOpener
	sessionRows
	sessionTalk
	actionRows
	scheduleRows
}

// sessionFinder finds a session, locked.
type sessionFinder interface {
	// GetSession returns ErrNotFound if there is no such session. Inside
	// InTx it locks the session until the transaction ends, so steps on one
	// session (a control, a timer) happen one after another and once.
	GetSession(ctx context.Context, id int64) (Session, error)
	// SessionByThread finds the session whose message starts a thread, or
	// returns ErrNotFound. Inside InTx it locks it as GetSession does.
	SessionByThread(ctx context.Context, teamID, channel, thread string) (Session, error)
}

// sessionRows keeps the sessions themselves, once opened (sessionOpener
// makes them).
type sessionRows interface {
	sessionFinder
	// OpenSessionInChannel returns the latest session in a channel that has
	// not ended, or ErrNotFound.
	OpenSessionInChannel(ctx context.Context, teamID, channel string) (Session, error)
	// UpdateSession saves every mutable field of s. It returns ErrNotFound
	// if s does not exist.
	UpdateSession(ctx context.Context, s Session) error
	// ListSessions returns the team's sessions, oldest first.
	ListSessions(ctx context.Context, teamID string) ([]Session, error)
	// DueSessions returns the ids of sessions, in every team, with something
	// due at or before t, earliest first.
	DueSessions(ctx context.Context, t time.Time) ([]int64, error)
	// ListSessionQuotes returns the quotes a session was seeded with.
	ListSessionQuotes(ctx context.Context, sessionID int64) ([]SessionQuote, error)
}

// sessionTalk keeps what was said in sessions: replies, and the actions
// agreed in one.
type sessionTalk interface {
	// AddSessionReply stores a reply and returns it with its ID.
	AddSessionReply(ctx context.Context, r SessionReply) (SessionReply, error)
	// ListSessionReplies returns a session's replies in the order added.
	ListSessionReplies(ctx context.Context, sessionID int64) ([]SessionReply, error)
	// ListSessionActions returns a session's actions in the order added.
	ListSessionActions(ctx context.Context, sessionID int64) ([]SessionAction, error)
}

// actionAdder stores agreed actions.
type actionAdder interface {
	// AddSessionAction stores an agreed action and returns it with its ID.
	AddSessionAction(ctx context.Context, a SessionAction) (SessionAction, error)
}

// actionRows keeps agreed actions: adding them, marking them done, and a
// team's list.
type actionRows interface {
	actionAdder
	// GetSessionAction returns ErrNotFound if there is no such action.
	// Inside InTx it locks the action.
	GetSessionAction(ctx context.Context, id int64) (SessionAction, error)
	// UpdateSessionAction saves an action's done time and who marked it. It
	// returns ErrNotFound if a does not exist.
	UpdateSessionAction(ctx context.Context, a SessionAction) error
	// The team's actions (actionLister.ListTeamActions).
	actionLister
}

// scheduleRows keeps sessions' schedules.
type scheduleRows interface {
	// SaveSessionSchedule creates (ID 0) or replaces the channel's schedule
	// (a channel has at most one) and returns it with its ID.
	SaveSessionSchedule(ctx context.Context, s SessionSchedule) (SessionSchedule, error)
	// GetSessionSchedule returns ErrNotFound if there is no such schedule.
	// Inside InTx it locks it.
	GetSessionSchedule(ctx context.Context, id int64) (SessionSchedule, error)
	// ScheduleInChannel returns the channel's schedule, or ErrNotFound.
	ScheduleInChannel(ctx context.Context, teamID, channel string) (SessionSchedule, error)
	// DeleteSessionSchedule removes a schedule. It returns ErrNotFound if
	// there is no such schedule.
	DeleteSessionSchedule(ctx context.Context, id int64) error
	// ListSessionSchedules returns the team's schedules (every team's when
	// teamID is empty), oldest first.
	ListSessionSchedules(ctx context.Context, teamID string) ([]SessionSchedule, error)
	// DueSessionSchedules returns the ids of schedules with something due
	// at or before t, earliest first.
	DueSessionSchedules(ctx context.Context, t time.Time) ([]int64, error)
	// NextSessionDue returns the earliest time any session or schedule has
	// something to do, or the zero time if none has.
	NextSessionDue(ctx context.Context) (time.Time, error)
}

// SessionTemplate is a template a session can follow, for a form.
type SessionTemplate struct {
	Key, Name string
	// NeedsCase is true when the session is about one person (a pseudonym).
	NeedsCase bool
}

// SessionTemplates lists the templates a session can follow: every
// template but the light check-in, which gathers rather than stages.
func (e *Engine) SessionTemplates() []SessionTemplate {
	var out []SessionTemplate
	for _, k := range e.templates.Keys() {
		t, ok := e.templates.Get(k)
		if !ok || t.Gather {
			continue
		}
		out = append(out, SessionTemplate{Key: t.Key, Name: t.Name, NeedsCase: t.NeedsCase})
	}
	return out
}
