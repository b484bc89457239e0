package flows

import (
	"context"
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
//
// Engine is the adapters' facade: each exported method opens the
// transaction it needs and hands the work to the part of the engine that
// owns the rule (kernel.go lists them), over only that part's store.
type Engine struct {
	*kernel
	store Store
}

// NewEngine returns an Engine over the given options.
func NewEngine(o Options) *Engine {
	k := &kernel{templates: o.Templates, scrub: o.Scrub, now: o.Now, log: o.Log, tz: o.DefaultTimezone,
		reader: o.Reader, digests: o.Digests, privacy: o.ChannelPrivacy, facilitators: map[string]bool{}}
	for _, id := range o.Facilitators {
		if id = strings.TrimSpace(id); id != "" {
			k.facilitators[id] = true
		}
	}
	if k.scrub == nil {
		k.scrub = func(s string, _ ...string) (string, []string) { return s, nil }
	}
	if k.now == nil {
		k.now = time.Now
	}
	if k.log == nil {
		k.log = slog.New(slog.DiscardHandler)
	}
	if k.tz == "" {
		k.tz = "Europe/London"
	}
	return &Engine{kernel: k, store: o.Store}
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
	return e.store.InTx(ctx, func(s Store) error { return e.settingsOn(s).setDiscipline(ctx, a, discipline) })
}

// setDiscipline is SetDiscipline's step, the settings part's own.
func (se *settings) setDiscipline(ctx context.Context, a Actor, discipline string) error {
	m, _, err := se.member(ctx, se.st, a)
	if err != nil {
		return err
	}
	m.Discipline = discipline
	_, err = se.st.SaveMember(ctx, m)
	return err
}
