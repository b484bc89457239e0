package flows

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"whatmatters/prompts"
)

// Message handles a reply in a thread. A reply in a learning session's
// thread goes to the session (stored against its current stage, or an
// agreed action when it starts with "action:"). Replies in threads that are
// neither a session's nor a reflection's are ignored: it returns no replies
// and no error.
func (e *Engine) Message(ctx context.Context, m Message) ([]Reply, error) {
	text := CleanText(m.Text)
	var replies []Reply
	err := e.store.InTx(ctx, func(s Store) error {
		replies = nil
		// A reflection's thread, most often; else a learning session's,
		// where the reply goes to the session. (A thread is never both:
		// each starts at its own root post.) Each part is asked whether
		// the thread is its own.
		rf := e.reflectionsOn(s)
		r, ok, err := rf.byThread(ctx, m.TeamID, m.Channel, m.Thread)
		if err != nil {
			return err
		}
		if ok {
			replies, err = rf.message(ctx, r, m, text)
			return err
		}
		ses := e.sessionsOn(s)
		sess, ok, err := ses.byThread(ctx, m.TeamID, m.Channel, m.Thread)
		if err != nil {
			return err
		}
		if ok {
			replies, err = ses.sessionReply(ctx, sess, m, text)
			return err
		}
		return ErrUnknownThread
	})
	return replies, err
}

// byThread finds the reflection anchored at a thread, locked; ok is false
// when the thread is not a reflection's.
func (rf *reflections) byThread(ctx context.Context, teamID, channel, thread string) (Reflection, bool, error) {
	r, err := rf.st.ReflectionByThread(ctx, teamID, channel, thread)
	if errors.Is(err, ErrNotFound) {
		return Reflection{}, false, nil
	}
	if err != nil {
		return Reflection{}, false, fmt.Errorf("finding reflection: %w", err)
	}
	return r, true, nil
}

// message is Message's step on a reflection's thread: a control word, a
// check-in grown into a case reflection, or an answer.
func (rf *reflections) message(ctx context.Context, r Reflection, m Message, text string) ([]Reply, error) {
	if word, ok := controlWord(text); ok {
		return rf.control(ctx, r, m.Actor, word)
	}
	if label, ok := growWord(text); ok && r.Template == "check_in" {
		return rf.grow(ctx, r, m, label)
	}
	return rf.answer(ctx, r, m, text)
}

// Act handles a button pressed on a reflection (or a session's message).
// A button acts only in the conversation its reflection, session or
// answer lives in (a.Channel, where it was pressed): pressed anywhere
// else, it is answered as for one that no longer exists.
func (e *Engine) Act(ctx context.Context, a Action) ([]Reply, error) {
	run, ok := actions[a.Name]
	if !ok {
		run = (*Engine).actOnReflection
	}
	return run(e, ctx, a)
}

// actions are the buttons Act takes, by name, each with what it does; any
// other name is a reflection's (actOnReflection, which says so when it
// is none). Adapters route every name of ActActions to Act, so a new
// button of this kind is one row here.
var actions = map[string]func(e *Engine, ctx context.Context, a Action) ([]Reply, error){
	ActionNext: (*Engine).actOnReflection, ActionSkip: (*Engine).actOnReflection,
	ActionDone: (*Engine).actOnReflection, ActionCancel: (*Engine).actOnReflection,
	ActionWithdraw: func(e *Engine, ctx context.Context, a Action) ([]Reply, error) {
		return e.WithdrawAnswer(ctx, a.Actor, a.Channel, a.AnswerID)
	},
	ActionForgetMe: func(e *Engine, ctx context.Context, a Action) ([]Reply, error) {
		return e.ForgetMe(ctx, a.Actor, a.Channel)
	},
	ActionSessionStart: (*Engine).actOnSession, ActionSessionNext: (*Engine).actOnSession,
	ActionSessionMore: (*Engine).actOnSession, ActionSessionPause: (*Engine).actOnSession,
	ActionSessionResume: (*Engine).actOnSession, ActionSessionEnd: (*Engine).actOnSession,
}

// ActActions are the names of the buttons Act takes, sorted.
func ActActions() []string {
	names := make([]string, 0, len(actions))
	for n := range actions {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// actOnSession is a session's button. A session's buttons carry the
// session id where a reflection's carry the reflection's.
func (e *Engine) actOnSession(ctx context.Context, a Action) ([]Reply, error) {
	if elsewhere, err := e.sessionsOn(e.store).elsewhere(ctx, a); err != nil {
		return nil, err
	} else if elsewhere {
		return []Reply{sessionGone(a.Channel, a.UserID)}, nil
	}
	return e.SessionControl(ctx, a.Actor, SessionCommand{Channel: a.Channel, SessionID: a.ReflectionID, Control: a.Name, Stage: a.Stage})
}

// actOnReflection is a reflection's button.
func (e *Engine) actOnReflection(ctx context.Context, a Action) ([]Reply, error) {
	return inTx(ctx, e.store, e.reflectionsOn, func(rf *reflections) ([]Reply, error) { return rf.act(ctx, a) })
}

// act is Act, the reflections part's own.
func (rf *reflections) act(ctx context.Context, a Action) ([]Reply, error) {
	var replies []Reply
	r, err := rf.st.GetReflection(ctx, a.ReflectionID)
	if errors.Is(err, ErrNotFound) || (err == nil && (r.TeamID != a.TeamID || !ownConversation(a.Channel, r.Channel))) {
		replies = []Reply{notice(a.Channel, a.UserID, "That reflection no longer exists.", "Nothing was changed. Start a new one with /reflect.")}
		return replies, nil
	}
	if err != nil {
		return replies, fmt.Errorf("loading reflection: %w", err)
	}
	switch a.Name {
	case ActionNext, ActionSkip, ActionDone, ActionCancel:
	default:
		return replies, fmt.Errorf("%w: unknown action %q", ErrInvalid, a.Name)
	}
	if a.Stage != "" && (a.Name == ActionNext || a.Name == ActionSkip) && (r.Status != StatusInProgress || a.Stage != r.Stage) {
		replies = []Reply{notice(a.Channel, a.UserID, "That question has already moved on.", "Nothing was changed.")}
		return replies, nil
	}
	replies, err = rf.control(ctx, r, a.Actor, a.Name)
	return replies, err
}

func closedNotice(r Reflection, user string, cs Case) Reply {
	how := "finished"
	if r.Status == StatusAbandoned {
		how = "closed without finishing"
	}
	again := "/reflect"
	if cs.Label != "" {
		again += " " + cs.Label
	}
	return notice(r.Channel, user, "This reflection is "+how+".",
		"Nothing was added. To go on with the story, start a new reflection with "+again+".")
}

// answer records an answer on the reflection's current stage. The person who
// started the reflection moves it on by answering; others add to the stage.
func (rf *reflections) answer(ctx context.Context, r Reflection, m Message, text string) ([]Reply, error) {
	tpl, cs, err := rf.context(ctx, r)
	if err != nil {
		return nil, err
	}
	if r.Status != StatusInProgress {
		return []Reply{closedNotice(r, m.UserID, cs)}, nil
	}
	if text == "" {
		q := questionReply(tpl, r, cs, "")
		return []Reply{notice(r.Channel, m.UserID, "I didn't catch any words in that, so nothing was saved.",
			"The question is still: "+q.Parts[0].Text)}, nil
	}
	if n := len([]rune(text)); n > MaxAnswerRunes {
		return []Reply{notice(r.Channel, m.UserID, "That answer is too long to keep in one piece.",
			fmt.Sprintf("It has %d characters and I keep at most %d in one answer. Nothing was saved: please send it in two or more replies.", n, MaxAnswerRunes))}, nil
	}
	mem, created, err := rf.member(ctx, rf.st, m.Actor)
	if err != nil {
		return nil, err
	}
	keep, err := rf.caseWords(ctx, rf.st, r.TeamID)
	if err != nil {
		return nil, err
	}
	clean, removed := rf.scrub(text, keep...)
	now := rf.clock()
	if _, err := rf.st.AddAnswer(ctx, Answer{
		ReflectionID: r.ID, TeamID: r.TeamID, Stage: r.Stage, Author: m.UserID,
		Discipline: mem.Discipline, Text: clean, FollowUp: r.AwaitingFollowUp, MessageID: m.ID, CreatedAt: now,
	}); err != nil {
		return nil, fmt.Errorf("saving answer: %w", err)
	}
	r.LastActivityAt, r.UpdatedAt, r.NudgedAt = now, now, time.Time{}
	// Never the text: its length and what was scrubbed, by kind.
	rf.log.DebugContext(ctx, "answer saved", "reflection", r.ID, "stage", r.Stage, "chars", len([]rune(clean)), "scrubbed", removed)
	var replies []Reply
	if len(removed) > 0 {
		replies = append(replies, scrubNotice(r.Channel, m.UserID, removed))
	}
	if created && mem.Discipline == "" {
		replies = append(replies, askDiscipline(r.Channel, m.UserID))
	}
	if m.UserID != r.StartedBy || tpl.Gather {
		replies = append(replies, Reply{Kind: Ack, Channel: r.Channel, Thread: r.Thread, User: m.UserID, Message: m.ID})
		return replies, rf.st.UpdateReflection(ctx, r)
	}
	more, err := rf.advance(ctx, tpl, cs, &r)
	if err != nil {
		return nil, err
	}
	return append(replies, more...), nil
}

// joinKinds lists kinds of identifier as a phrase: "an NHS number and a date".
func joinKinds(kinds []string) string {
	phrased := make([]string, len(kinds))
	for i, k := range kinds {
		article := "a "
		if strings.ContainsRune("aeiouAEIOU", rune(k[0])) || strings.HasPrefix(k, "NHS") {
			article = "an "
		}
		phrased[i] = article + k
	}
	if len(phrased) == 1 {
		return phrased[0]
	}
	return strings.Join(phrased[:len(phrased)-1], ", ") + " and " + phrased[len(phrased)-1]
}

// control carries out next, skip, done or cancel.
func (rf *reflections) control(ctx context.Context, r Reflection, a Actor, word string) ([]Reply, error) {
	tpl, cs, err := rf.context(ctx, r)
	if err != nil {
		return nil, err
	}
	if r.Status != StatusInProgress {
		return []Reply{closedNotice(r, a.UserID, cs)}, nil
	}
	if a.UserID != r.StartedBy {
		// Only the person who started a reflection moves it on or ends it;
		// anyone else's words go to the question being asked.
		if tpl.Gather && (word == ActionSkip || word == ActionNext) {
			return []Reply{notice(r.Channel, a.UserID, "Noted: nothing from you this time.", "The check-in stays open for everyone else.")}, nil
		}
		return []Reply{notice(r.Channel, a.UserID, "Only the person who started this reflection moves it on or ends it.",
			"Nothing was changed. Your replies in the thread are added to the question being asked.")}, nil
	}
	now := rf.clock()
	r.LastActivityAt, r.UpdatedAt, r.NudgedAt = now, now, time.Time{}
	switch word {
	case ActionNext, ActionSkip:
		return rf.moveOn(ctx, tpl, cs, &r)
	case ActionDone:
		return rf.close(ctx, tpl, cs, &r, StatusComplete, a.UserID)
	case ActionCancel:
		return rf.close(ctx, tpl, cs, &r, StatusAbandoned, a.UserID)
	}
	return nil, fmt.Errorf("%w: unknown action %q", ErrInvalid, word)
}

// advance is called after the starter answers: it asks the stage's
// follow-up if one is due, and otherwise moves on.
func (rf *reflections) advance(ctx context.Context, tpl prompts.Template, cs Case, r *Reflection) ([]Reply, error) {
	if !r.AwaitingFollowUp && !slices.Contains(r.FollowUps, r.Stage) {
		answers, err := rf.st.ListAnswers(ctx, r.ID)
		if err != nil {
			return nil, fmt.Errorf("listing answers: %w", err)
		}
		st := tpl.Stages[tpl.StageIndex(r.Stage)]
		if q, ok := FollowUp(ctx, rf.reader, tpl.Key, st, stageTexts(answers, r.Stage)); ok {
			r.FollowUps = append(r.FollowUps, r.Stage)
			r.AwaitingFollowUp = true
			if err := rf.st.UpdateReflection(ctx, *r); err != nil {
				return nil, fmt.Errorf("saving reflection: %w", err)
			}
			return []Reply{{
				Kind: Post, Channel: r.Channel, Thread: r.Thread, Title: "A follow-up, if you like",
				Parts:   []Part{{Text: prompts.Fill(q, cs.Label)}, {Text: "Reply, or say skip to go on."}},
				Buttons: buttons(*r),
			}}, nil
		}
	}
	return rf.moveOn(ctx, tpl, cs, r)
}

func stageTexts(answers []Answer, stage string) []string {
	var texts []string
	for _, a := range answers {
		if a.Stage == stage && a.WithdrawnAt.IsZero() {
			texts = append(texts, a.Text)
		}
	}
	return texts
}

// moveOn asks the next stage's question, or completes the reflection after
// the last.
func (rf *reflections) moveOn(ctx context.Context, tpl prompts.Template, cs Case, r *Reflection) ([]Reply, error) {
	r.AwaitingFollowUp = false
	i := tpl.StageIndex(r.Stage)
	if i < 0 || i+1 >= len(tpl.Stages) {
		return rf.close(ctx, tpl, cs, r, StatusComplete, "")
	}
	r.Stage = tpl.Stages[i+1].Key
	if err := rf.st.UpdateReflection(ctx, *r); err != nil {
		return nil, fmt.Errorf("saving reflection: %w", err)
	}
	return []Reply{questionReply(tpl, *r, cs, "")}, nil
}

// close ends the reflection with the given status and posts its summary.
func (rf *reflections) close(ctx context.Context, tpl prompts.Template, cs Case, r *Reflection, status Status, by string) ([]Reply, error) {
	r.Status = status
	r.Stage = ""
	r.AwaitingFollowUp = false
	r.ClosedAt = rf.clock()
	r.UpdatedAt = r.ClosedAt
	if err := rf.st.UpdateReflection(ctx, *r); err != nil {
		return nil, fmt.Errorf("closing reflection: %w", err)
	}
	rf.log.DebugContext(ctx, "reflection closed", "reflection", r.ID, "status", r.Status)
	answers, err := rf.st.ListAnswers(ctx, r.ID)
	if err != nil {
		return nil, fmt.Errorf("listing answers: %w", err)
	}
	return []Reply{Summary(tpl, cs, *r, answers, by)}, nil
}
