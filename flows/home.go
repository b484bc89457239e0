package flows

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"whatmatters/prompts"
)

// Home is what one person's home page shows: their settings, their recent
// reflections and the team's cases in public channels, and their actions
// agreed there. It holds titles, dates and counts, never story text, since
// a home page is seen outside the reflection's channel.
type Home struct {
	UserID       string
	Discipline   string
	Lead         bool
	AwayUntil    time.Time
	SnoozedUntil time.Time
	NoQuotes     bool
	Recent       []HomeReflection
	Cases        []HomeCase
	// Actions are the agreed actions the person owns, from the channels
	// the Home tab may draw on (homeShows).
	Actions   []ActionItem
	Templates []HomeTemplate
	// DigestHeadline is the latest digest's counts, and DigestThemes its
	// recurring themes (short phrases, never quotes); empty before the
	// first digest.
	DigestHeadline string
	DigestThemes   []string
	// External is true for someone from another organisation (Slack
	// Connect): their home page lists nothing of the team's.
	External bool
}

// HomeReflection is one of the person's recent reflections.
type HomeReflection struct {
	ID      int64
	Title   string
	Status  Status
	Channel string
	When    time.Time
}

// HomeCase is one of the team's cases, as reflected on where it is shown.
type HomeCase struct {
	Label         string
	Reflections   int
	LastReflected time.Time
}

// HomeTemplate is a template a reflection can be started from.
type HomeTemplate struct {
	Key, Name, About string
	NeedsCase        bool
}

// homeRecent is how many of a person's reflections the home page lists.
const homeRecent = 10

// Home gathers a person's home page. Being seen outside every channel,
// it draws only on public channels (access.go's homeShows): the person's
// reflections there, the cases reflected on there, their actions agreed
// there, the digest's themes from there. Someone from another
// organisation gets their settings and nothing of the team's cases.
func (e *Engine) Home(ctx context.Context, a Actor) (Home, error) {
	h := Home{UserID: a.UserID, External: a.External}
	m, err := e.settingsOn(e.store).memberRecord(ctx, a)
	if err != nil {
		return h, err
	}
	h.Discipline, h.Lead, h.NoQuotes = m.Discipline, m.Role == RoleLead, m.NoQuotes
	h.AwayUntil, h.SnoozedUntil = m.AwayUntil, m.SnoozedUntil
	for _, k := range e.templates.Keys() {
		tpl, _ := e.templates.Get(k)
		h.Templates = append(h.Templates, HomeTemplate{Key: tpl.Key, Name: tpl.Name, About: tpl.About, NeedsCase: tpl.NeedsCase})
	}
	if a.External {
		return h, nil
	}
	shows := e.homeShows(ctx, a)
	if h.Recent, err = e.listsOn(e.store).recent(ctx, a, shows); err != nil {
		return h, err
	}
	if h.Cases, err = e.casesShown(ctx, e.store, a.TeamID, shows); err != nil {
		return h, err
	}
	// Most recently reflected on first; cases never reflected on last.
	slices.SortStableFunc(h.Cases, func(x, y HomeCase) int { return y.LastReflected.Compare(x.LastReflected) })
	if err := e.digestsOn(e.store).homeDigest(ctx, a.TeamID, &h); err != nil {
		return h, err
	}
	actions, err := e.MyActions(ctx, a)
	if err != nil {
		return h, err
	}
	for _, it := range actions {
		if shows(it.Channel) {
			h.Actions = append(h.Actions, it)
		}
	}
	return h, nil
}

// recent is the actor's latest reflections (homeRecent of them, newest
// first) in the conversations shows admits: those they started or
// answered. The reflections' lists' own, for Home.
func (rl *reflectionLists) recent(ctx context.Context, a Actor, shows func(string) bool) ([]HomeReflection, error) {
	reflections, err := rl.st.ListReflections(ctx, a.TeamID)
	if err != nil {
		return nil, fmt.Errorf("listing reflections: %w", err)
	}
	answers, err := rl.st.ListTeamAnswers(ctx, a.TeamID)
	if err != nil {
		return nil, fmt.Errorf("listing answers: %w", err)
	}
	answered := map[int64]bool{}
	for _, ans := range answers {
		if ans.Author == a.UserID {
			answered[ans.ReflectionID] = true
		}
	}
	cases, err := rl.st.ListCases(ctx, a.TeamID)
	if err != nil {
		return nil, fmt.Errorf("listing cases: %w", err)
	}
	labels := map[int64]string{}
	for _, c := range cases {
		labels[c.ID] = c.Label
	}
	var recent []HomeReflection
	for _, r := range slices.Backward(reflections) {
		if len(recent) == homeRecent {
			break
		}
		if (r.StartedBy != a.UserID && !answered[r.ID]) || !shows(r.Channel) {
			continue
		}
		title := r.Template
		if tpl, ok := rl.templates.Get(r.Template); ok {
			title = reflectionTitle(tpl, Case{Label: labels[r.CaseID]})
		}
		recent = append(recent, HomeReflection{ID: r.ID, Title: title, Status: r.Status, Channel: r.Channel, When: r.CreatedAt})
	}
	return recent, nil
}

// homeDigest adds the latest digest's headline and themes. The themes are
// read again from what is stored now, so a forgotten or withdrawn answer
// no longer counts.
func (dg *digests) homeDigest(ctx context.Context, teamID string, h *Home) error {
	if dg.digests == nil {
		return nil
	}
	recs, err := dg.st.ListDigests(ctx, teamID)
	if err != nil || len(recs) == 0 {
		return err
	}
	last := recs[len(recs)-1]
	team, err := dg.st.GetTeam(ctx, teamID)
	if err != nil {
		return fmt.Errorf("loading team: %w", err)
	}
	loc := dg.location(team)
	s := last.Summary
	h.DigestHeadline = fmt.Sprintf("%s to %s: %s on %s, from %s; %s.",
		last.From.In(loc).Format("2 Jan"), last.To.In(loc).Format("2 Jan"),
		count(s.Reflections, "reflection"), count(s.Cases, "case"), count(s.Contributors, "person"),
		count(s.Recurring, "recurring theme"))
	d, err := dg.digests.BuildDigest(ctx, dg.st, DigestRequest{TeamID: teamID, Weeks: max(last.Weeks, 1), To: last.To, Shown: dg.shownIn(ctx, teamID, "")})
	if err != nil {
		return fmt.Errorf("reading the latest digest's themes: %w", err)
	}
	for _, t := range d.Recurring {
		h.DigestThemes = append(h.DigestThemes, t.Label)
	}
	return nil
}

// Form is the questions of a template, for people who prefer to write a
// reflection in one form rather than as a conversation.
type Form struct {
	Template string
	Title    string
	// NeedsCase is true when the form asks for the person's pseudonym.
	NeedsCase bool
	Stages    []FormStage
}

// FormStage is one question of a Form.
type FormStage struct {
	Key, Title, Question string
}

// FormFor returns the form for a template; it returns ErrNotFound for an
// unknown template.
func (e *Engine) FormFor(key string) (Form, error) {
	tpl, err := e.template(key)
	if err != nil {
		return Form{}, err
	}
	f := Form{Template: tpl.Key, Title: tpl.Name, NeedsCase: tpl.NeedsCase}
	for _, st := range tpl.Stages {
		f.Stages = append(f.Stages, FormStage{Key: st.Key, Title: st.Title, Question: st.Question})
	}
	return f, nil
}

// FormSubmission is a completed form.
type FormSubmission struct {
	Actor
	Channel  string
	Template string
	Label    string            // the pseudonym, for templates about a case
	Answers  map[string]string // by stage key; empty stages are skipped
}

// FormProblems checks a submission before anything is stored, returning a
// kind message per field (keyed "label" or a stage key); none when it can
// be submitted.
func (e *Engine) FormProblems(f FormSubmission) map[string]string {
	problems := map[string]string{}
	tpl, err := e.template(f.Template)
	if err != nil {
		problems["template"] = "That kind of reflection doesn't exist any more."
		return problems
	}
	if tpl.NeedsCase {
		label := CleanText(f.Label)
		if label == "" {
			problems["label"] = "Give the pseudonym the team uses for this person."
		} else if p := e.reflectionsOn(e.store).caseLabelProblem(context.Background(), f.TeamID, label); p != "" {
			problems["label"] = p
		}
	}
	answered := false
	for _, st := range tpl.Stages {
		text := CleanText(f.Answers[st.Key])
		if n := len([]rune(text)); n > MaxAnswerRunes {
			problems[st.Key] = fmt.Sprintf("This answer has %d characters; I keep at most %d in one answer.", n, MaxAnswerRunes)
		}
		if text != "" {
			answered = true
		}
	}
	if !answered && len(tpl.Stages) > 0 {
		problems[tpl.Stages[0].Key] = "Answer at least one question, or close the form to leave nothing."
	}
	return problems
}

// SubmitForm stores a whole reflection written in one form: it starts the
// reflection, stores every answer (scrubbed), completes it and returns the
// root post; anchoring it returns the summary for its thread. A submission with problems
// stores nothing and returns ErrInvalid.
func (e *Engine) SubmitForm(ctx context.Context, f FormSubmission) ([]Reply, error) {
	if problems := e.FormProblems(f); len(problems) > 0 {
		keys := make([]string, 0, len(problems))
		for k := range problems {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		return nil, fmt.Errorf("%w: form problems in %s", ErrInvalid, strings.Join(keys, ", "))
	}
	tpl, _ := e.template(f.Template)
	return inTx(ctx, e.store, e.reflectionsOn, func(rf *reflections) ([]Reply, error) { return rf.submitForm(ctx, f, tpl) })
}

// submitForm is SubmitForm, the reflections part's own.
func (rf *reflections) submitForm(ctx context.Context, f FormSubmission, tpl prompts.Template) ([]Reply, error) {
	var replies []Reply
	m, _, err := rf.member(ctx, rf.st, f.Actor)
	if err != nil {
		return replies, err
	}
	now := rf.clock()
	var cs Case
	if tpl.NeedsCase {
		if cs, _, err = rf.findOrCreateCase(ctx, rf.st, f.TeamID, CleanText(f.Label), now); err != nil {
			return replies, err
		}
	}
	r, err := rf.st.CreateReflection(ctx, Reflection{
		TeamID: f.TeamID, CaseID: cs.ID, Template: tpl.Key, Status: StatusComplete,
		Channel: f.Channel, StartedBy: f.UserID, CreatedAt: now, UpdatedAt: now, LastActivityAt: now, ClosedAt: now,
	})
	if err != nil {
		return replies, fmt.Errorf("creating reflection: %w", err)
	}
	keep, err := rf.caseWords(ctx, rf.st, f.TeamID)
	if err != nil {
		return replies, err
	}
	var removed []string
	for _, st := range tpl.Stages {
		text := CleanText(f.Answers[st.Key])
		if text == "" {
			continue
		}
		clean, kinds := rf.scrub(text, keep...)
		for _, k := range kinds {
			if !slices.Contains(removed, k) {
				removed = append(removed, k)
			}
		}
		if _, err := rf.st.AddAnswer(ctx, Answer{ReflectionID: r.ID, TeamID: r.TeamID, Stage: st.Key, Author: f.UserID,
			Discipline: m.Discipline, Text: clean, CreatedAt: now}); err != nil {
			return replies, fmt.Errorf("saving answer: %w", err)
		}
	}
	rf.log.DebugContext(ctx, "form submitted", "reflection", r.ID, "template", r.Template)
	root := Reply{Kind: Post, Channel: f.Channel, Anchor: r.ID, Title: reflectionTitle(tpl, cs),
		Parts: []Part{{Text: "Written in one form. The story is in the thread."}, {Label: "Written by", Users: []string{f.UserID}}}}
	replies = append(replies, root)
	if len(removed) > 0 {
		replies = append(replies, scrubNotice(f.Channel, f.UserID, removed))
	}
	return replies, nil
}
