package flows

import (
	"context"
	"errors"
	"fmt"
	"time"

	"whatmatters/prompts"
)

// TendIdle looks after reflections nobody has touched for idleAfter: the first
// time, it nudges the thread once; if a further idleAfter passes with no
// answer, it closes the reflection as abandoned, keeping what was said. Any
// answer or step in between starts the quiet spell again. Weekly check-ins
// posted by the schedule are left alone: the next week's check-in closes
// them. It returns the posts to make, for every team.
func (e *Engine) TendIdle(ctx context.Context, idleAfter time.Duration) ([]Reply, error) {
	if idleAfter <= 0 {
		return nil, fmt.Errorf("%w: idle time must be positive", ErrInvalid)
	}
	now := e.clock()
	idle, err := e.listsOn(e.store).idleSince(ctx, now.Add(-idleAfter))
	if err != nil {
		return nil, fmt.Errorf("listing idle reflections: %w", err)
	}
	var replies []Reply
	for _, candidate := range idle {
		if candidate.StartedBy == "" {
			continue
		}
		more, err := inTx(ctx, e.store, e.reflectionsOn, func(rf *reflections) ([]Reply, error) {
			return rf.tendIdle(ctx, candidate.ID, now, idleAfter)
		})
		replies = append(replies, more...)
		if err != nil {
			return replies, err
		}
	}
	return replies, nil
}

// idleSince lists the reflections in progress, in every team, untouched
// since t.
func (rl *reflectionLists) idleSince(ctx context.Context, t time.Time) ([]Reflection, error) {
	return rl.st.ListIdleReflections(ctx, t)
}

// tendIdle reminds or closes one idle reflection, locked: unless someone
// answered since the list was read.
func (rf *reflections) tendIdle(ctx context.Context, id int64, now time.Time, idleAfter time.Duration) ([]Reply, error) {
	r, err := rf.st.GetReflection(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("loading reflection: %w", err)
	}
	if r.Status != StatusInProgress || now.Sub(r.LastActivityAt) < idleAfter {
		return nil, nil
	}
	tpl, cs, err := rf.context(ctx, r)
	if err != nil {
		return nil, err
	}
	return rf.tendOne(ctx, tpl, cs, r, now, idleAfter)
}

func (rf *reflections) tendOne(ctx context.Context, tpl prompts.Template, cs Case, r Reflection, now time.Time, idleAfter time.Duration) ([]Reply, error) {
	if tpl.Gather {
		// A check-in gathers; once quiet, it has gathered what it will.
		status := StatusComplete
		if answers, err := rf.st.ListAnswers(ctx, r.ID); err != nil {
			return nil, fmt.Errorf("listing answers: %w", err)
		} else if len(answers) == 0 {
			status = StatusAbandoned
		}
		replies, err := rf.close(ctx, tpl, cs, &r, status, "")
		if r.Thread == "" {
			return nil, err
		}
		return replies, err
	}
	if r.NudgedAt.IsZero() && r.Thread != "" {
		r.NudgedAt = now
		if err := rf.st.UpdateReflection(ctx, r); err != nil {
			return nil, fmt.Errorf("saving nudge: %w", err)
		}
		return []Reply{{
			Kind: Post, Channel: r.Channel, Thread: r.Thread,
			Title: "Still there? " + reflectionTitle(tpl, cs) + " has been quiet for " + humanDuration(idleAfter) + ".",
			Parts: []Part{
				{Text: "Reply in this thread to carry on, or say done to finish and keep what was said. If it stays quiet for another " + humanDuration(idleAfter) + ", I'll close it, keeping every answer."},
				{Users: []string{r.StartedBy}},
			},
			Buttons: buttons(r),
		}}, nil
	}
	if !r.NudgedAt.IsZero() && now.Sub(r.NudgedAt) < idleAfter {
		return nil, nil
	}
	r.Status, r.Stage, r.AwaitingFollowUp = StatusAbandoned, "", false
	r.ClosedAt = now
	if err := rf.st.UpdateReflection(ctx, r); err != nil {
		return nil, fmt.Errorf("closing idle reflection: %w", err)
	}
	if r.Thread == "" {
		return nil, nil // never posted, so there is nowhere to say so
	}
	return []Reply{{
		Kind: Post, Channel: r.Channel, Thread: r.Thread, Title: reflectionTitle(tpl, cs) + ": closed after a quiet spell",
		Parts: []Part{{Text: "Nobody has added to it for a while, so I've closed it. Everything said is kept. To pick the story up again, start a new reflection" + againHint(cs) + "."}},
	}}, nil
}

func againHint(cs Case) string {
	if cs.Label == "" {
		return " with /reflect"
	}
	return " with /reflect " + cs.Label
}

// humanDuration says a duration the way a person would: "2 days", "6 hours".
func humanDuration(d time.Duration) string {
	switch {
	case d >= 48*time.Hour && d%(24*time.Hour) == 0:
		return fmt.Sprintf("%d days", d/(24*time.Hour))
	case d >= 24*time.Hour && d%(24*time.Hour) == 0:
		return "a day"
	case d >= 2*time.Hour:
		return fmt.Sprintf("%d hours", d/time.Hour)
	case d >= time.Hour:
		return "an hour"
	default:
		return fmt.Sprintf("%d minutes", max(1, d/time.Minute))
	}
}
