package flows

import (
	"context"
	"time"
)

// settings keeps who is who in a team and how the team works: a person's
// discipline and whether digests may quote them, leads and facilitators,
// the team's timezone, its check-in and digest times, and whether
// syntheses name people. Who may change what is decided in access.go.
// Teams and members are all it reads and writes, so it holds its store
// only as a settingsStore.
type settings struct {
	*kernel
	st settingsStore
}

// settingsStore is the settings part's store: the kernel's (5), saving a
// team's settings and listing its members (the facilitators): 7 in all.
type settingsStore interface {
	kernelStore
	teamUpdater
	memberLister
}

// settingsOn is the settings part over s, one step's Store.
func (e *Engine) settingsOn(s Store) *settings { return &settings{kernel: e.kernel, st: s} }

// rightsStore is the rights part's store: what an export reads
// (exportSource, 12 methods), the audit log (1) and what forgetting and
// retention delete (erasure, 2). It has no member or team writes:
// exercising a right records nothing of the person but the audit entry.
type rightsStore interface {
	exportSource
	auditLog
	erasure
}

// rights carries out people's rights over what they wrote (to see it, as
// an export, and to have it deleted) and the retention purge, each
// recorded in the audit log. It holds its store only as a rightsStore.
type rights struct {
	*kernel
	st rightsStore
}

// rightsOn is the rights part over s, one step's Store.
func (e *Engine) rightsOn(s Store) *rights { return &rights{kernel: e.kernel, st: s} }

// auditLog appends to the audit log: what every part records its actions
// in (kernel.audit).
type auditLog interface {
	// AddAudit appends an entry to the audit log (GovernanceStore.AddAudit).
	AddAudit(ctx context.Context, e AuditEntry) error
}

// exportSource is what an export reads of every part's records, and
// nothing it may change: the teams, the cases, the reflections and their
// answers with their codes, the digests' records, the sessions with what
// was said and agreed in them, and the outcome records.
type exportSource interface {
	ListTeams(ctx context.Context) ([]Team, error)
	GetTeam(ctx context.Context, id string) (Team, error)
	ListCases(ctx context.Context, teamID string) ([]Case, error)
	ListReflections(ctx context.Context, teamID string) ([]Reflection, error)
	ListTeamAnswers(ctx context.Context, teamID string) ([]Answer, error)
	AnswerLister
	ListDigests(ctx context.Context, teamID string) ([]DigestRecord, error)
	ListSessions(ctx context.Context, teamID string) ([]Session, error)
	ListSessionQuotes(ctx context.Context, sessionID int64) ([]SessionQuote, error)
	ListSessionReplies(ctx context.Context, sessionID int64) ([]SessionReply, error)
	ListSessionActions(ctx context.Context, sessionID int64) ([]SessionAction, error)
	outcomeLister
}

// erasure deletes what people wrote: forgetting a person, and the
// retention purge.
type erasure interface {
	// ForgetUser deletes everything a person contributed, in one team or
	// (teamID empty) in all: their answers, session replies and the actions
	// they recorded, their member records; it unlinks them from reflections
	// they started, sessions and schedules they facilitated and actions
	// they own or marked done, and blanks their id in the audit log.
	// Others' contributions are kept.
	ForgetUser(ctx context.Context, teamID, userID string) (ForgetReport, error)
	// PurgeBefore removes the text, author and message id of every answer
	// created before cutoff (keeping its stage and discipline, so counts
	// survive) and unlinks those reflections from the person who started
	// them and from their thread. Session replies and agreed actions
	// created before cutoff lose their text, author and message id; ended
	// sessions created before cutoff lose their subject, thread and quotes.
	// Outcome records whose week is before cutoff's are unlinked from
	// their case.
	PurgeBefore(ctx context.Context, cutoff time.Time) (PurgeReport, error)
}
