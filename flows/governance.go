package flows

import (
	"context"
	"time"
)

// RoleLead marks a member who leads the team: leads (and workspace admins)
// may change the team's settings.
const RoleLead = "lead"

// The audit log's actions.
const (
	AuditExport   = "export"
	AuditForget   = "forget"
	AuditSettings = "settings"
	AuditPurge    = "retention_purge"
	AuditDigest   = "digest_posted"
	// AuditDigestShown is a digest printed on the command line: it holds
	// quotes, so who read it is recorded too.
	AuditDigestShown = "digest_shown"
	AuditSession     = "session_started"
	AuditRole        = "role"
	// AuditPseudonym is a new case's pseudonym, a word also on the
	// scrubber's name lists, confirmed not to be the person's name.
	AuditPseudonym = "pseudonym_confirmed"
)

// AuditEntry records who did what, when, to whom: never any content.
type AuditEntry struct {
	ID      int64
	TeamID  string // empty for actions across every team
	At      time.Time
	Actor   string // user id, or a name for the command line ("cli")
	Action  string // one of the Audit* names
	Subject string // the user id acted on, if any
	Detail  string // counts and setting names, never story text
}

// ForgetReport says what forgetting a person removed.
type ForgetReport struct {
	Answers     int `json:"answers_deleted"`
	Reflections int `json:"reflections_unlinked"`
	Members     int `json:"member_records_deleted"`
	Audit       int `json:"audit_entries_anonymised"`
	// SessionReplies and Actions count the session replies and agreed
	// actions they wrote, deleted; actions they owned stay, without them.
	SessionReplies int `json:"session_replies_deleted"`
	Actions        int `json:"actions_deleted"`
}

// PurgeReport says what a retention purge removed.
type PurgeReport struct {
	Answers     int `json:"answers_purged"`
	Reflections int `json:"reflections_unlinked"`
	// SessionReplies and Actions count session replies and agreed actions
	// whose text was removed.
	SessionReplies int `json:"session_replies_purged"`
	Actions        int `json:"actions_purged"`
	// Outcomes counts outcome records unlinked from their case, kept for
	// counting only.
	Outcomes int `json:"outcomes_unlinked"`
}

// GovernanceStore keeps the audit log and carries out deletions.
type GovernanceStore interface {
	// AddAudit appends an entry to the audit log. A zero At means now.
	AddAudit(ctx context.Context, e AuditEntry) error
	// ListAudit returns the audit log, oldest first: one team's entries
	// and those across every team, or every entry when teamID is empty.
	ListAudit(ctx context.Context, teamID string) ([]AuditEntry, error)
	// erasure: ForgetUser and PurgeBefore (governanceparts.go).
	erasure
}
