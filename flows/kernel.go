package flows

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"whatmatters/prompts"
)

// The engine is a thin kernel and the parts that own the rules, each over a
// narrow store, so that the compiler keeps every part to its own records:
//
//   - the kernel (this file): the engine's settings, the clock, scrubbing,
//     teams and members, the audit log, case and pseudonym rules over
//     caseStore (pseudonym.go, reflect.go), who may do what (access.go)
//     and which channels a view may draw on (shownIn, homeShows); its
//     store is kernelStore (5 methods: what its helpers use);
//   - sessions (sessions.go, session*.go, actions.go, synthesis.go):
//     learning sessions once opened, their stages, replies and
//     synthesis, over sessionStore (17); opening one from a command or
//     the form over openingStore (12); the agreed actions once recorded
//     (MarkAction, MyActions, ActionDone) over actionStore (11); both a
//     reply and MarkAction record an action with the kernel's
//     recordAction, over an actionRecorder (6); schedules over
//     scheduleStore (15);
//   - reflections (reflections.go, reflect.go, step.go, idle.go,
//     checkin.go's closeCheckIn): cases' reflections, their answers, the
//     step, idle reminders, closing check-ins, over reflectionStore (17);
//     edits and withdrawals of answers (edit.go) over editStore (11);
//     posting the weekly check-ins (checkin.go) over checkInStore (10);
//     the lists read across a team (home.go's recent, cases.go's
//     casesShown, idle.go's idleSince) over a read-only
//     reflectionReader (4);
//   - outcomes (outcomeparts.go, outcome*.go): outcome records and
//     reports, over outcomeStore (13); an outcome report itself reads
//     only an outcomeReportSource (3), so that a digest can carry one;
//   - settings (governanceparts.go, settings.go, facilitators.go, the
//     roles and quotes in rights.go, the team settings in checkin.go):
//     disciplines, leads, facilitators, timezones, check-in and digest
//     times, over settingsStore (7: the kernel's, teamUpdater,
//     memberLister);
//   - rights (governanceparts.go, rights.go, export.go): exports,
//     forgetting and the retention purge, over rightsStore (15: the
//     read-only exportSource 12, auditLog 1, erasure 2);
//   - digests (digestparts.go, digests.go, home.go's headline,
//     outcome_reply.go's seeds): digests on demand and weekly, their
//     records, session seeds, over digestStore (14).
//
// Engine (engine.go) is the adapters' facade, with no rules of its own
// that read records: it opens each step's transaction (inTx, or InTx) and
// hands the step to the part that owns it, built over the transaction's
// Store (or, for a read outside one, the engine's) but holding it only as
// its narrow interface; where a step must know whose a thread or button is
// (Message, Act, Resume) it asks each part. Its own code calls no Store
// method but InTx. One read spans parts: the cases a channel or the Home
// tab lists (casesShown), which the sessions part (the cases discussed)
// and the reflections' lists (the cases and their reflections) answer
// between them; and a team's check-in (checkInTeam), which the check-ins
// part decides and posts and the reflections part closes the earlier
// ones of. flows.Store is the union that storage implements.

// kernelStore is what the kernel's helpers use (member, audit, a team's
// timezone): a team, made on first sight, a member, and the audit log.
// Every narrow store embeds it.
type kernelStore interface {
	// EnsureTeam creates the team if it does not exist and returns the stored
	// team. An existing team is returned unchanged.
	EnsureTeam(ctx context.Context, t Team) (Team, error)
	// GetTeam returns ErrNotFound if there is no such team. Inside InTx it
	// locks the team until the transaction ends.
	GetTeam(ctx context.Context, id string) (Team, error)

	// SaveMember creates or updates the member (by team and user id),
	// setting UpdatedAt, and returns the stored member.
	SaveMember(ctx context.Context, m Member) (Member, error)
	// GetMember returns ErrNotFound if the team has no such member.
	GetMember(ctx context.Context, teamID, userID string) (Member, error)

	// The audit log (auditLog.AddAudit).
	auditLog
}

// teamLister lists every team: what a weekly round (digests, check-ins)
// goes through.
type teamLister interface {
	// ListTeams returns every team, oldest first.
	ListTeams(ctx context.Context) ([]Team, error)
}

// teamUpdater saves a team's settings.
type teamUpdater interface {
	// UpdateTeam saves a team's name, timezone and check-in settings. It
	// returns ErrNotFound if the team does not exist.
	UpdateTeam(ctx context.Context, t Team) error
}

// memberLister lists a team's members.
type memberLister interface {
	// ListMembers returns the team's members, oldest first.
	ListMembers(ctx context.Context, teamID string) ([]Member, error)
}

// caseStore keeps cases: the reflections' own, and read or made by the
// parts that concern a case (a case review, an outcome record).
type caseStore interface {
	kernelStore

	// CreateCase stores a new case and returns it with its ID. It returns
	// ErrConflict if the team already has a case with that label, ignoring
	// letter case.
	CreateCase(ctx context.Context, c Case) (Case, error)
	// GetCase returns ErrNotFound if there is no such case.
	GetCase(ctx context.Context, id int64) (Case, error)
	// CaseByLabel finds a team's case by label, ignoring letter case; it
	// returns ErrNotFound if there is none.
	CaseByLabel(ctx context.Context, teamID, label string) (Case, error)
	// The team's cases (caseLister.ListCases).
	caseLister
}

// caseLister lists a team's cases: what the scrubber keeps (caseWords).
type caseLister interface {
	// ListCases returns the team's cases, oldest first.
	ListCases(ctx context.Context, teamID string) ([]Case, error)
}

// kernel is what every part of the engine shares: its settings, its clock
// and its scrubber, and the helpers over kernelStore that each part uses
// in its own transaction. It never changes once made.
type kernel struct {
	templates    *prompts.Set
	scrub        ScrubFunc
	now          func() time.Time
	log          *slog.Logger
	tz           string
	reader       Coder
	digests      DigestMaker
	privacy      ChannelPrivacy
	facilitators map[string]bool
}

func (k *kernel) clock() time.Time { return k.now().UTC().Truncate(time.Microsecond) }

// member returns the actor's member record, creating the team and member on
// first sight. created reports whether the member is new.
func (k *kernel) member(ctx context.Context, s kernelStore, a Actor) (m Member, created bool, err error) {
	m, err = s.GetMember(ctx, a.TeamID, a.UserID)
	if err == nil {
		if (a.Name != "" && a.Name != m.Name) || (a.HomeTeam != "" && a.HomeTeam != m.HomeTeam) {
			if a.Name != "" {
				m.Name = a.Name
			}
			if a.HomeTeam != "" {
				m.HomeTeam = a.HomeTeam
			}
			m, err = s.SaveMember(ctx, m)
		}
		return m, false, err
	}
	if !errors.Is(err, ErrNotFound) {
		return Member{}, false, fmt.Errorf("loading member: %w", err)
	}
	if _, err := s.EnsureTeam(ctx, Team{ID: a.TeamID, Timezone: k.tz, CreatedAt: k.clock()}); err != nil {
		return Member{}, false, fmt.Errorf("creating team: %w", err)
	}
	m, err = s.SaveMember(ctx, Member{TeamID: a.TeamID, UserID: a.UserID, Name: a.Name, HomeTeam: a.HomeTeam, CreatedAt: k.clock()})
	if err != nil {
		return Member{}, false, fmt.Errorf("creating member: %w", err)
	}
	return m, true, nil
}

// audit appends to the audit log, failing the step with it: an action that
// can't be recorded doesn't happen.
func (k *kernel) audit(ctx context.Context, s auditLog, entry AuditEntry) error {
	entry.At = k.clock()
	if err := s.AddAudit(ctx, entry); err != nil {
		return fmt.Errorf("recording %s in the audit log: %w", entry.Action, err)
	}
	return nil
}

// location is the team's timezone, or the kernel's default if the stored
// name is unknown.
func (k *kernel) location(t Team) *time.Location {
	for _, name := range []string{t.Timezone, k.tz} {
		if loc, err := time.LoadLocation(name); err == nil && name != "" {
			return loc
		}
	}
	return time.UTC
}

func (k *kernel) template(key string) (prompts.Template, error) {
	t, ok := k.templates.Get(key)
	if !ok {
		return prompts.Template{}, fmt.Errorf("%w: unknown template %q", ErrNotFound, key)
	}
	return t, nil
}

// inTx runs fn in one transaction, on the part of the engine that on makes
// over the transaction's Store: the facade's way into a part.
func inTx[P any](ctx context.Context, s Store, on func(Store) P, fn func(P) ([]Reply, error)) ([]Reply, error) {
	var replies []Reply
	err := s.InTx(ctx, func(s Store) error {
		var err error
		replies, err = fn(on(s))
		return err
	})
	return replies, err
}
