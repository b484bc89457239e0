package flows

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"whatmatters/prompts"
)

// ScrubFunc removes identifiers from text, returning the scrubbed text and
// the human names of the kinds of identifier removed (never their values).
// Words in keep (a case's pseudonym, which may also be a first name) are
// never removed.
type ScrubFunc func(text string, keep ...string) (clean string, removed []string)

// Options configures an Engine.
type Options struct {
	Store     Store
	Templates *prompts.Set
	// Scrub is applied to every piece of text before it is stored. Nil
	// stores text as written (tests only).
	Scrub ScrubFunc
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	Log *slog.Logger
	// DefaultTimezone is given to teams when they are first seen.
	DefaultTimezone string
	// Reader reads answers against the codebook for follow-up questions;
	// nil asks none. It must be fast and never fail (the offline coder):
	// it runs inside a conversation's step.
	Reader Coder
	// Digests builds digests; nil means /reflect digest is not available.
	Digests DigestMaker
	// ChannelPrivacy says whether a channel is private; nil treats every
	// channel as public (the console, where there is one).
	ChannelPrivacy ChannelPrivacy
	// Facilitators are user ids who are facilitators of every team they
	// use the bot in, whatever the team's own list says
	// (WHATMATTERS_FACILITATORS).
	Facilitators []string
}

// Engine runs the conversations. It is safe for concurrent use: every step
// on a reflection runs in one transaction that locks that reflection.
type Engine struct {
	store        Store
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

// NewEngine returns an Engine over the given options.
func NewEngine(o Options) *Engine {
	e := &Engine{store: o.Store, templates: o.Templates, scrub: o.Scrub, now: o.Now, log: o.Log, tz: o.DefaultTimezone,
		reader: o.Reader, digests: o.Digests, privacy: o.ChannelPrivacy, facilitators: map[string]bool{}}
	for _, id := range o.Facilitators {
		if id = strings.TrimSpace(id); id != "" {
			e.facilitators[id] = true
		}
	}
	if e.scrub == nil {
		e.scrub = func(s string, _ ...string) (string, []string) { return s, nil }
	}
	if e.now == nil {
		e.now = time.Now
	}
	if e.log == nil {
		e.log = slog.New(slog.DiscardHandler)
	}
	if e.tz == "" {
		e.tz = "Europe/London"
	}
	return e
}

// WithStore returns an engine like e that works on s: the Slack adapter
// runs each step on a Store bound to its own transaction, so the step and
// the replies it owes commit together.
func (e *Engine) WithStore(s Store) *Engine {
	c := *e
	c.store = s
	return &c
}

// Actor is the person behind an input.
type Actor struct {
	TeamID string
	UserID string
	Name   string // display name if the adapter knows it
	// HomeTeam is the person's own workspace when it is not TeamID's (the
	// installation): Slack Connect, or an org-wide install.
	HomeTeam string
	// Admin is true for workspace admins and owners (in the console, the
	// person at the terminal): like leads, they may change team settings.
	// It counts only for the installation's own people (see External).
	Admin bool
	// External is true when the person belongs to another organisation
	// than the installation's (Slack Connect): the adapter sets it when
	// their own workspace (Slack's users.info, or the payload's
	// user.team_id) is not the installation's, and when Slack cannot say.
	// Such a person is never an admin, lead or facilitator here unless a
	// role was stored for them in this team (access.go).
	External bool
}

func (e *Engine) clock() time.Time { return e.now().UTC().Truncate(time.Microsecond) }

// member returns the actor's member record, creating the team and member on
// first sight. created reports whether the member is new.
func (e *Engine) member(ctx context.Context, s Store, a Actor) (m Member, created bool, err error) {
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
	if _, err := s.EnsureTeam(ctx, Team{ID: a.TeamID, Timezone: e.tz, CreatedAt: e.clock()}); err != nil {
		return Member{}, false, fmt.Errorf("creating team: %w", err)
	}
	m, err = s.SaveMember(ctx, Member{TeamID: a.TeamID, UserID: a.UserID, Name: a.Name, HomeTeam: a.HomeTeam, CreatedAt: e.clock()})
	if err != nil {
		return Member{}, false, fmt.Errorf("creating member: %w", err)
	}
	return m, true, nil
}

// MaxDisciplineRunes is the longest discipline, in characters.
const MaxDisciplineRunes = 60

// DisciplineProblem says, for a person, what is wrong with a discipline, or
// "" if nothing is.
func (e *Engine) DisciplineProblem(discipline string) string {
	discipline = CleanText(discipline)
	switch {
	case discipline == "":
		return "Say your discipline in a word or two, such as nurse or social worker."
	case len([]rune(discipline)) > MaxDisciplineRunes:
		return fmt.Sprintf("A discipline is a word or two, %d characters at most.", MaxDisciplineRunes)
	}
	// Shown beside every answer, so it must not carry a name either.
	if _, removed := e.scrub(discipline); len(removed) > 0 {
		return "A discipline is a role, such as nurse or social worker, never a name."
	}
	return ""
}

// SetDiscipline records the actor's discipline, used for every answer they
// give from now on.
func (e *Engine) SetDiscipline(ctx context.Context, a Actor, discipline string) error {
	discipline = CleanText(discipline)
	if problem := e.DisciplineProblem(discipline); problem != "" {
		return fmt.Errorf("%w: %s", ErrInvalid, problem)
	}
	return e.store.InTx(ctx, func(s Store) error {
		m, _, err := e.member(ctx, s, a)
		if err != nil {
			return err
		}
		m.Discipline = discipline
		_, err = s.SaveMember(ctx, m)
		return err
	})
}

func (e *Engine) template(key string) (prompts.Template, error) {
	t, ok := e.templates.Get(key)
	if !ok {
		return prompts.Template{}, fmt.Errorf("%w: unknown template %q", ErrNotFound, key)
	}
	return t, nil
}
