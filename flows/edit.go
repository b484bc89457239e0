package flows

import (
	"context"
	"errors"
	"fmt"
)

// ActionWithdraw is a button that withdraws one answer; its value is the
// answer id.
const ActionWithdraw = "withdraw"

// Edit is a change a person made to a message in a reflection's thread:
// new text, or the message deleted (Withdraw).
type Edit struct {
	Actor
	Channel   string
	Thread    string
	MessageID string
	Text      string
	Withdraw  bool
}

// Edit applies a changed or deleted message to the answer it came from.
// Messages that were never answers are ignored: no replies, no error. Edits
// apply to closed reflections too, so people can correct the record.
func (e *Engine) Edit(ctx context.Context, ed Edit) ([]Reply, error) {
	return inTx(ctx, e.store, e.editsOn, func(ae *answerEditor) ([]Reply, error) { return ae.applyEdit(ctx, ed) })
}

// applyEdit is Edit, the answer edits part's own.
func (ae *answerEditor) applyEdit(ctx context.Context, ed Edit) ([]Reply, error) {
	var replies []Reply
	r, err := ae.st.ReflectionByThread(ctx, ed.TeamID, ed.Channel, ed.Thread)
	if errors.Is(err, ErrNotFound) {
		return replies, nil
	}
	if err != nil {
		return replies, fmt.Errorf("finding reflection: %w", err)
	}
	a, err := ae.st.AnswerByMessage(ctx, r.ID, ed.MessageID)
	if errors.Is(err, ErrNotFound) {
		return replies, nil
	}
	if err != nil {
		return replies, fmt.Errorf("finding answer: %w", err)
	}
	if ed.Withdraw {
		replies, err = ae.withdraw(ctx, r.Channel, ed.Actor, a)
	} else {
		replies, err = ae.edit(ctx, r.Channel, ed.Actor, a, ed.Text)
	}
	return replies, err
}

// WithdrawAnswer withdraws one of the actor's own answers by its id: its
// text is removed for good, and its place and times are kept.
func (e *Engine) WithdrawAnswer(ctx context.Context, a Actor, channel string, answerID int64) ([]Reply, error) {
	return inTx(ctx, e.store, e.editsOn, func(ae *answerEditor) ([]Reply, error) {
		return ae.onAnswer(ctx, a, channel, answerID, func(ans Answer) ([]Reply, error) {
			return ae.withdraw(ctx, channel, a, ans)
		})
	})
}

// onAnswer runs fn on one of the team's answers, under its reflection's
// lock, when it belongs to the conversation asked from.
func (ae *answerEditor) onAnswer(ctx context.Context, a Actor, channel string, answerID int64, fn func(Answer) ([]Reply, error)) ([]Reply, error) {
	var replies []Reply
	ans, err := ae.st.GetAnswer(ctx, answerID)
	if errors.Is(err, ErrNotFound) || (err == nil && ans.TeamID != a.TeamID) {
		replies = []Reply{notice(channel, a.UserID, "That answer no longer exists.", "Nothing was changed.")}
		return replies, nil
	}
	if err != nil {
		return replies, fmt.Errorf("loading answer: %w", err)
	}
	r, err := ae.st.GetReflection(ctx, ans.ReflectionID) // take the reflection's lock
	if err != nil {
		return replies, fmt.Errorf("loading reflection: %w", err)
	}
	if !ownConversation(channel, r.Channel) {
		// Only in its own conversation, and nothing of it told elsewhere.
		replies = []Reply{notice(channel, a.UserID, "That answer no longer exists.", "Nothing was changed.")}
		return replies, nil
	}
	replies, err = fn(ans)
	return replies, err
}

func (ae *answerEditor) edit(ctx context.Context, channel string, who Actor, a Answer, text string) ([]Reply, error) {
	if a.Author != who.UserID {
		return []Reply{notice(channel, who.UserID, "Only the person who wrote an answer can change it.", "Nothing was changed.")}, nil
	}
	if !a.WithdrawnAt.IsZero() {
		return []Reply{notice(channel, who.UserID, "That answer was withdrawn, so there is nothing to edit.", "")}, nil
	}
	text = CleanText(text)
	if text == "" {
		return []Reply{notice(channel, who.UserID, "An answer can't be empty.", "Nothing was changed. To take an answer back, withdraw it (or delete your message).")}, nil
	}
	if n := len([]rune(text)); n > MaxAnswerRunes {
		return []Reply{notice(channel, who.UserID, "That edit is too long to keep in one piece.",
			fmt.Sprintf("It has %d characters and I keep at most %d in one answer. Nothing was changed.", n, MaxAnswerRunes))}, nil
	}
	keep, err := ae.caseWords(ctx, ae.st, a.TeamID)
	if err != nil {
		return nil, err
	}
	clean, removed := ae.scrub(text, keep...)
	a.Text = clean
	a.EditedAt = ae.clock()
	if err := ae.st.UpdateAnswer(ctx, a); err != nil {
		return nil, fmt.Errorf("editing answer: %w", err)
	}
	replies := []Reply{notice(channel, who.UserID, "Your answer is updated.", "")}
	if len(removed) > 0 {
		replies = append(replies, scrubNotice(channel, who.UserID, removed))
	}
	return replies, nil
}

func (ae *answerEditor) withdraw(ctx context.Context, channel string, who Actor, a Answer) ([]Reply, error) {
	if a.Author != who.UserID {
		return []Reply{notice(channel, who.UserID, "Only the person who wrote an answer can withdraw it.", "Nothing was changed.")}, nil
	}
	if !a.WithdrawnAt.IsZero() {
		return []Reply{notice(channel, who.UserID, "That answer is already withdrawn.", "")}, nil
	}
	a.Text = ""
	a.WithdrawnAt = ae.clock()
	if err := ae.st.UpdateAnswer(ctx, a); err != nil {
		return nil, fmt.Errorf("withdrawing answer: %w", err)
	}
	return []Reply{notice(channel, who.UserID, "Your answer is withdrawn.",
		"Its text is gone from What Matters; the reflection keeps only that an answer was withdrawn.")}, nil
}

func scrubNotice(channel, user string, removed []string) Reply {
	return notice(channel, user, "I removed "+joinKinds(removed)+" before saving.",
		"Only the pseudonym and the story are kept. Your original message is still in the thread: you can delete it there.")
}
