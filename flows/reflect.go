package flows

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"whatmatters/prompts"
)

// Message is a reply in a thread: an answer, or a word such as skip.
type Message struct {
	Actor
	Channel string
	Thread  string
	ID      string // the message's own id, for acknowledging it
	Text    string
}

// Action is a button pressed on a reflection.
type Action struct {
	Actor
	Channel      string
	Name         string // one of the Action* names
	ReflectionID int64
	// Stage is the stage the button was shown for, so a button pressed
	// twice, or one on an earlier question, moves nothing on; empty when
	// unknown.
	Stage    string
	AnswerID int64 // for ActionWithdraw
}

// ReflectionButton is the value of a button on a reflection's question:
// the reflection and the stage it was asked at.
func ReflectionButton(r Reflection) string {
	return strconv.FormatInt(r.ID, 10) + ":" + r.Stage
}

// ParseReflectionButton reads a ReflectionButton value. A value that does
// not parse gives id 0, which names no reflection.
func ParseReflectionButton(v string) (id int64, stage string) {
	idText, stage, _ := strings.Cut(v, ":")
	id, err := strconv.ParseInt(idText, 10, 64)
	if err != nil {
		return 0, ""
	}
	return id, stage
}

// start opens a reflection of the given template in the command's channel.
func (e *Engine) start(ctx context.Context, c Command, tplKey, label string) ([]Reply, error) {
	tpl, err := e.template(tplKey)
	if err != nil {
		return nil, err
	}
	label, confirmed := takeNotTheirName(label)
	verdict, refusal, err := e.reflectionsOn(e.store).judgeLabel(ctx, c, tpl, label, confirmed)
	if err != nil || refusal != nil {
		return refusal, err
	}
	return inTx(ctx, e.store, e.reflectionsOn, func(rf *reflections) ([]Reply, error) { return rf.open(ctx, c, tplKey, label, tpl, verdict) })
}

// judgeLabel judges a new reflection's pseudonym, before its step: a
// refusal says why nothing was started, with a pseudonym to use instead.
func (rf *reflections) judgeLabel(ctx context.Context, c Command, tpl prompts.Template, label string, confirmed bool) (pseudonymVerdict, []Reply, error) {
	var verdict pseudonymVerdict
	if label == "" {
		return verdict, nil, nil
	}
	verdict = rf.judgeTeamPseudonym(ctx, rf.st, c.TeamID, label, confirmed)
	if verdict.problem == "" {
		return verdict, nil, nil
	}
	cases, err := rf.st.ListCases(ctx, c.TeamID)
	if err != nil {
		return verdict, nil, fmt.Errorf("listing cases: %w", err)
	}
	return verdict, []Reply{pseudonymRefusal(c.Channel, c.UserID, verdict, label, startCommand(tpl.Key, label), nextPseudonym(cases))}, nil
}

// caseLabelProblem says what is wrong with a pseudonym for a case of the
// team, or "" if nothing is: a form's check.
func (rf *reflections) caseLabelProblem(ctx context.Context, teamID, label string) string {
	return rf.labelProblem(ctx, rf.st, teamID, label)
}

// open is start, the reflections part's own.
func (rf *reflections) open(ctx context.Context, c Command, tplKey, label string, tpl prompts.Template, verdict pseudonymVerdict) ([]Reply, error) {
	var replies []Reply
	m, created, err := rf.member(ctx, rf.st, c.Actor)
	if err != nil {
		return replies, err
	}
	now := rf.clock()
	var cs Case
	var recap []Part
	chosen := false
	if tpl.NeedsCase {
		// A confirmed pseudonym is recorded when it makes a new case.
		confirming := false
		if len(verdict.names) > 0 {
			_, err := rf.st.CaseByLabel(ctx, c.TeamID, label)
			confirming = isNotFound(err)
		}
		cs, chosen, err = rf.findOrCreateCase(ctx, rf.st, c.TeamID, label, now)
		if err != nil {
			return replies, err
		}
		if confirming {
			if err := rf.confirmedNotTheirName(ctx, rf.st, c.Actor, cs, verdict); err != nil {
				return replies, err
			}
		}
		recap, err = rf.recap(ctx, cs, c.Channel)
		if err != nil {
			return replies, err
		}
	}
	r, err := rf.st.CreateReflection(ctx, Reflection{
		TeamID: c.TeamID, CaseID: cs.ID, Template: tpl.Key, Status: StatusInProgress,
		Channel: c.Channel, StartedBy: c.UserID, Stage: tpl.Stages[0].Key,
		CreatedAt: now, UpdatedAt: now, LastActivityAt: now,
	})
	if err != nil {
		return replies, fmt.Errorf("creating reflection: %w", err)
	}
	rf.log.DebugContext(ctx, "reflection started", "reflection", r.ID, "team", r.TeamID, "template", r.Template, "case", cs.ID)
	root := Reply{Kind: Post, Channel: c.Channel, Anchor: r.ID, Title: reflectionTitle(tpl, cs)}
	root.Parts = append(root.Parts, Part{Text: prompts.Fill(tpl.Intro, cs.Label)})
	if chosen {
		root.Parts = append(root.Parts, Part{Text: fmt.Sprintf("I've called this person %s. To add to their story another time: /reflect %s", cs.Label, cs.Label)})
	}
	root.Parts = append(root.Parts, recap...)
	root.Parts = append(root.Parts, Part{Label: "Started by", Users: []string{c.UserID}})
	replies = append(replies, root)
	if created && m.Discipline == "" {
		replies = append(replies, askDiscipline(c.Channel, c.UserID))
	}
	return replies, nil
}

// startCommand is the command that starts a reflection of template key
// about label, for a refusal to repeat with the confirmation added.
func startCommand(key, label string) string {
	switch key {
	case "case":
		return "/reflect case " + label
	case "after_death":
		return "/reflect after-death " + label
	}
	return "/reflect template " + key + " " + label
}

func askDiscipline(channel, user string) Reply {
	return notice(channel, user, "What's your discipline?",
		"Your answers are shown by discipline, never by name. Tell me once with /reflect discipline ROLE, for example /reflect discipline palliative care nurse.")
}

func reflectionTitle(tpl prompts.Template, cs Case) string {
	if cs.Label == "" {
		return tpl.Name
	}
	return tpl.Name + ": " + cs.Label
}

// findOrCreateCase returns the team's case with this label, creating it if
// need be. An empty label gets a neutral pseudonym; chosen reports that.
func (k *kernel) findOrCreateCase(ctx context.Context, s caseStore, teamID, label string, now time.Time) (Case, bool, error) {
	chosen := false
	if label == "" {
		cases, err := s.ListCases(ctx, teamID)
		if err != nil {
			return Case{}, false, fmt.Errorf("listing cases: %w", err)
		}
		label, chosen = nextPseudonym(cases), true
	}
	cs, err := s.CaseByLabel(ctx, teamID, label)
	if err == nil {
		return cs, false, nil
	}
	if !errors.Is(err, ErrNotFound) {
		return Case{}, false, fmt.Errorf("finding case: %w", err)
	}
	cs, err = s.CreateCase(ctx, Case{TeamID: teamID, Label: label, CreatedAt: now})
	if err != nil {
		return Case{}, false, fmt.Errorf("creating case: %w", err)
	}
	return cs, chosen, nil
}

// recap gives two lines on what the team said last time about a case. A
// reflection's words are shown only in the channel where they were said:
// from another channel, the recap says when, not what.
func (rf *reflections) recap(ctx context.Context, cs Case, channel string) ([]Part, error) {
	rs, err := rf.st.ListCaseReflections(ctx, cs.ID)
	if err != nil {
		return nil, fmt.Errorf("listing case reflections: %w", err)
	}
	for i := len(rs) - 1; i >= 0; i-- {
		answers, err := rf.st.ListAnswers(ctx, rs[i].ID)
		if err != nil {
			return nil, fmt.Errorf("listing answers: %w", err)
		}
		answers = slices.DeleteFunc(answers, func(a Answer) bool { return !a.WithdrawnAt.IsZero() })
		if len(answers) == 0 {
			continue
		}
		people := map[string]bool{}
		for _, a := range answers {
			people[a.Author] = true
		}
		tplName := rs[i].Template
		if tpl, ok := rf.templates.Get(rs[i].Template); ok {
			tplName = strings.ToLower(tpl.Name)
		}
		first := answers[0]
		if rs[i].Channel != channel {
			return []Part{{Label: "Last time", Text: fmt.Sprintf("%s, %s, %d %s, in another channel.", rs[i].CreatedAt.Format("2 Jan 2006"), tplName, len(people), pluralWord(len(people), "person", "people"))}}, nil
		}
		return []Part{
			{Label: "Last time", Text: fmt.Sprintf("%s, %s, %d %s.", rs[i].CreatedAt.Format("2 Jan 2006"), tplName, len(people), pluralWord(len(people), "person", "people"))},
			{Text: excerpt(first.Text, 200), Quote: true, By: disciplineOrUnknown(first.Discipline)},
		}, nil
	}
	return nil, nil
}

func pluralWord(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// excerpt shortens text for a recap, marking the cut with an ellipsis.
func excerpt(text string, limit int) string {
	if utf8.RuneCountInString(text) <= limit {
		return text
	}
	r := []rune(text)[:limit]
	if i := strings.LastIndexAny(string(r), " \n"); i > limit/2 {
		return strings.TrimSpace(string(r)[:i]) + "…"
	}
	return string(r) + "…"
}

func disciplineOrUnknown(d string) string {
	if d == "" {
		return "discipline not given"
	}
	return d
}

// Anchored records the id of a reflection's root message, so that replies
// in its thread find it, and returns the first question (or, for a
// reflection written whole in a form, its summary).
func (e *Engine) Anchored(ctx context.Context, reflectionID int64, thread string) ([]Reply, error) {
	return inTx(ctx, e.store, e.reflectionsOn, func(rf *reflections) ([]Reply, error) { return rf.anchored(ctx, reflectionID, thread) })
}

// anchored is Anchored, the reflections part's own.
func (rf *reflections) anchored(ctx context.Context, reflectionID int64, thread string) ([]Reply, error) {
	var replies []Reply
	r, err := rf.st.GetReflection(ctx, reflectionID)
	if err != nil {
		return replies, fmt.Errorf("loading reflection: %w", err)
	}
	r.Thread = thread
	r.UpdatedAt = rf.clock()
	if err := rf.st.UpdateReflection(ctx, r); err != nil {
		return replies, fmt.Errorf("anchoring reflection: %w", err)
	}
	tpl, cs, err := rf.context(ctx, r)
	if err != nil {
		return replies, err
	}
	if r.Status != StatusInProgress {
		// Written whole (a form): the thread holds its summary.
		answers, err := rf.st.ListAnswers(ctx, r.ID)
		if err != nil {
			return replies, fmt.Errorf("listing answers: %w", err)
		}
		replies = []Reply{Summary(tpl, cs, r, answers, "")}
		return replies, nil
	}
	replies = []Reply{questionReply(tpl, r, cs, "")}
	return replies, nil
}

// Resume finds the latest reflection in progress or learning session not
// ended in a channel, whichever was started last, and says where it
// stands in its thread (a reflection's current question; a session's
// stage, its time and its question), so a restarted conversation carries
// on where it was. A root message never posted is posted again. It
// returns ErrNotFound if nothing is in progress there.
func (e *Engine) Resume(ctx context.Context, teamID, channel string) ([]Reply, error) {
	rf, ses := e.reflectionsOn(e.store), e.sessionsOn(e.store)
	r, err := rf.latestOpen(ctx, teamID, channel)
	if err != nil && !isNotFound(err) {
		return nil, err
	}
	sess, serr := ses.openIn(ctx, teamID, channel)
	if serr != nil && !isNotFound(serr) {
		return nil, fmt.Errorf("finding open session: %w", serr)
	}
	if serr == nil && (err != nil || !sess.CreatedAt.Before(r.CreatedAt)) {
		return ses.resumeSession(ctx, sess)
	}
	if err != nil {
		return nil, err
	}
	return rf.resume(ctx, r)
}

// latestOpen is the reflection in progress started last in a channel, or
// ErrNotFound.
func (rf *reflections) latestOpen(ctx context.Context, teamID, channel string) (Reflection, error) {
	return rf.st.LatestOpenReflection(ctx, teamID, channel)
}

// resume says where a reflection in progress stands: Resume's, the
// reflections part's own.
func (rf *reflections) resume(ctx context.Context, r Reflection) ([]Reply, error) {
	tpl, cs, err := rf.context(ctx, r)
	if err != nil {
		return nil, err
	}
	if r.Thread == "" {
		// The root message was never posted: post it again.
		return []Reply{{Kind: Post, Channel: r.Channel, Anchor: r.ID, Title: reflectionTitle(tpl, cs),
			Parts: []Part{{Text: prompts.Fill(tpl.Intro, cs.Label)}}}}, nil
	}
	return []Reply{questionReply(tpl, r, cs, "Carrying on with "+reflectionTitle(tpl, cs)+". ")}, nil
}

// context loads a reflection's template and case.
func (rf *reflections) context(ctx context.Context, r Reflection) (prompts.Template, Case, error) {
	tpl, err := rf.template(r.Template)
	if err != nil {
		return tpl, Case{}, err
	}
	if r.CaseID == 0 {
		return tpl, Case{}, nil
	}
	cs, err := rf.st.GetCase(ctx, r.CaseID)
	if err != nil {
		return tpl, Case{}, fmt.Errorf("loading case: %w", err)
	}
	return tpl, cs, nil
}

func buttons(r Reflection) []Button {
	id := ReflectionButton(r)
	return []Button{
		{Label: "Next question", Action: ActionNext, Value: id, Style: "primary"},
		{Label: "Skip", Action: ActionSkip, Value: id},
		{Label: "Done", Action: ActionDone, Value: id},
		{Label: "Cancel", Action: ActionCancel, Value: id, Style: "danger"},
	}
}

// questionReply asks the reflection's current question in its thread.
func questionReply(tpl prompts.Template, r Reflection, cs Case, prefix string) Reply {
	i := tpl.StageIndex(r.Stage)
	st := tpl.Stages[max(i, 0)]
	title := st.Title
	if len(tpl.Stages) > 1 {
		title = fmt.Sprintf("%d of %d · %s", i+1, len(tpl.Stages), st.Title)
	}
	return Reply{
		Kind: Post, Channel: r.Channel, Thread: r.Thread, Title: prefix + title,
		Parts:   []Part{{Text: prompts.Fill(st.Question, cs.Label)}},
		Buttons: buttons(r),
	}
}
