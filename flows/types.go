package flows

import "time"

// Status is where a reflection stands.
type Status string

// The statuses a reflection moves through. A reflection starts in progress and
// ends either complete (it ran to the end, or someone said done) or abandoned
// (cancelled, or left without answers). Both keep what was said.
const (
	StatusInProgress Status = "in_progress"
	StatusComplete   Status = "complete"
	StatusAbandoned  Status = "abandoned"
)

// Team is one care team: a Slack workspace, or the console.
type Team struct {
	ID        string
	Name      string
	Timezone  string // IANA name, e.g. Europe/London
	CreatedAt time.Time
	// CheckInChannel is where the weekly check-in is posted; empty when the
	// team has none.
	CheckInChannel string
	CheckInDay     time.Weekday
	CheckInTime    string // "HH:MM" in the team's timezone
	// LastCheckInAt is when the last weekly check-in was posted, so that
	// one scheduled time posts once, however many instances run.
	LastCheckInAt time.Time
	// DigestChannel is where the weekly digest is posted; empty when the
	// team has none. It goes out on DigestDay at DigestHour:00 in the
	// team's timezone, covering the seven days before.
	DigestChannel string
	DigestDay     time.Weekday
	DigestHour    int
	// SessionNames is true when the team chose to name people in a
	// session's synthesis; by default it attributes by discipline only.
	SessionNames bool
}

// Member is a person in a team, as far as What Matters needs to know them.
type Member struct {
	TeamID     string
	UserID     string
	Name       string // display name, for attribution in the console; may be empty
	Discipline string // e.g. nurse, doctor, chaplain; empty until they say
	// AwayUntil and SnoozedUntil (zero when unset) leave the person out of
	// check-in mentions until then.
	AwayUntil    time.Time
	SnoozedUntil time.Time
	// NoQuotes is true when the person asked not to be quoted in digests.
	NoQuotes bool
	// Role is RoleLead for the team's leads, who may change its settings;
	// empty for everyone else.
	Role string
	// Facilitator is true for the team's facilitators, who run learning
	// sessions; a lead may be a facilitator too.
	Facilitator bool
	// HomeTeam is the member's own workspace when it is not the team's:
	// someone from another organisation in a Slack Connect channel.
	HomeTeam  string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Case is a person the team cares for, known only by a pseudonym the team
// chose. Labels are unique within a team, ignoring letter case.
type Case struct {
	ID        int64
	TeamID    string
	Label     string
	CreatedAt time.Time
}

// Reflection is one structured conversation about a case, following a
// template, in one channel thread.
type Reflection struct {
	ID        int64
	TeamID    string
	CaseID    int64 // 0 when the reflection is not about one case (a check-in)
	Template  string
	Status    Status
	Channel   string
	Thread    string // the thread's root message id; empty until the root is posted
	StartedBy string // user id
	// Stage is the key of the stage being asked now; empty once closed.
	Stage string
	// FollowUps lists the stage keys for which a follow-up question was
	// asked, so each stage gets at most one.
	FollowUps []string
	// AwaitingFollowUp is true while the last question asked was a follow-up.
	AwaitingFollowUp bool
	CreatedAt        time.Time
	UpdatedAt        time.Time
	// LastActivityAt is when anyone last answered or moved it on.
	LastActivityAt time.Time
	NudgedAt       time.Time // zero until nudged
	ClosedAt       time.Time // zero while in progress
}

// Answer is one contribution to one stage of a reflection. Text is always
// the scrubbed text.
type Answer struct {
	ID           int64
	ReflectionID int64
	TeamID       string
	Stage        string
	Author       string // user id
	Discipline   string // the author's discipline when they answered
	Text         string
	FollowUp     bool // an answer to a follow-up question
	// MessageID is the id of the message the answer came from (a Slack
	// ts), so that editing or deleting that message edits or withdraws it.
	MessageID   string
	CreatedAt   time.Time
	EditedAt    time.Time // zero unless edited
	WithdrawnAt time.Time // zero unless withdrawn; a withdrawn answer keeps no text
	// PurgedAt is when the retention purge removed the answer's text and
	// author, keeping only its stage and discipline for counting.
	PurgedAt time.Time
}
