package themes

import (
	"context"
	"errors"
	"fmt"
	"time"

	"whatmatters/flows"
)

// Coding makes and stores the codes of answers: the job behind "codes are
// made when an answer is saved or edited". Primary is the configured coder
// (the model, or the offline coder); Offline stands in for a model that
// fails on a job's last attempt.
type Coding struct {
	Store   flows.Store
	Primary flows.Coder
	Offline flows.Coder
	// Name and Version are the primary coder's, as its codes carry them:
	// answers whose codes were made by anything else are coded again.
	Name, Version string
}

// Pending returns the ids of up to limit answers whose codes are missing or
// stale, oldest first.
func (c *Coding) Pending(ctx context.Context, limit int) ([]int64, error) {
	as, err := c.Store.AnswersToCode(ctx, c.Name, c.Version, limit)
	if err != nil {
		return nil, err
	}
	ids := make([]int64, len(as))
	for i, a := range as {
		ids[i] = a.ID
	}
	return ids, nil
}

// CodeAll codes every pending answer now, and returns how many it stored:
// for the command line, which has no job queue, and for the job that codes
// answers when the coder is offline (see Local). The codes of each listing
// of answers are made first and then stored in one transaction, not one
// each. An answer a model cannot code is left for the coding job to retry
// (with its offline fallback on the last attempt), not marked as a fallback
// now: one failed call must not stand in for the model for good. A digest
// reads such answers with the offline coder in memory, and says so.
func (c *Coding) CodeAll(ctx context.Context) (int, error) {
	n := 0
	for {
		as, err := c.Store.AnswersToCode(ctx, c.Name, c.Version, codeAllBatch)
		if err != nil {
			return n, err
		}
		type coded struct {
			a     flows.CodedAnswer
			codes flows.Codes
		}
		var made []coded
		for _, a := range as {
			codes, err := c.codesFor(ctx, a, false)
			var me *ModelError
			switch {
			case err == nil:
				made = append(made, coded{a, codes})
			case errors.As(err, &me):
				// Left for the job.
			default:
				return n, err
			}
		}
		if len(made) == 0 {
			return n, nil
		}
		codes := make([]flows.AnswerCodes, len(made))
		for i, m := range made {
			codes[i] = flows.AnswerCodes{AnswerID: m.a.ID, TextHash: flows.TextHash(m.a.Text), Codes: m.codes}
		}
		progress, err := c.Store.SaveManyCodes(ctx, codes)
		if err != nil {
			return n, fmt.Errorf("storing the codes of %d answers: %w", len(codes), err)
		}
		n += progress
		if progress == 0 {
			return n, nil
		}
	}
}

// CodeAnswer codes one answer and stores its codes. On a job's last
// attempt a failing model gives way to the offline coder's codes, marked
// as a fallback; before that, the model's error is returned so the job is
// retried (a *ModelError says whether and when). An answer edited,
// withdrawn or deleted meanwhile is not an error: whatever replaced it is
// coded by its own job.
func (c *Coding) CodeAnswer(ctx context.Context, id int64, lastAttempt bool) error {
	a, err := c.Store.GetAnswer(ctx, id)
	if errors.Is(err, flows.ErrNotFound) {
		return nil
	} else if err != nil {
		return err
	}
	if a.Text == "" || !a.WithdrawnAt.IsZero() || !a.PurgedAt.IsZero() {
		return nil
	}
	r, err := c.Store.GetReflection(ctx, a.ReflectionID)
	if errors.Is(err, flows.ErrNotFound) {
		return nil
	} else if err != nil {
		return err
	}
	err = c.code(ctx, flows.CodedAnswer{Answer: a, CaseID: r.CaseID, Template: r.Template, Channel: r.Channel}, lastAttempt)
	if errors.Is(err, flows.ErrConflict) || errors.Is(err, flows.ErrNotFound) {
		return nil
	}
	return err
}

func (c *Coding) code(ctx context.Context, a flows.CodedAnswer, lastAttempt bool) error {
	codes, err := c.codesFor(ctx, a, lastAttempt)
	if err != nil {
		return err
	}
	return c.Store.SaveCodes(ctx, a.ID, flows.TextHash(a.Text), codes)
}

// codesFor makes an answer's codes with the configured coder.
func (c *Coding) codesFor(ctx context.Context, a flows.CodedAnswer, lastAttempt bool) (flows.Codes, error) {
	in := flows.CodeInput{Template: a.Template, Stage: a.Stage, Text: a.Text}
	var codes flows.Codes
	var err error
	if c.Offline == nil || c.Primary == c.Offline {
		codes, err = c.Primary.Code(ctx, in)
	} else {
		codes, err = CodeWithFallback(ctx, c.Primary, c.Offline, in, lastAttempt)
	}
	if err != nil {
		return flows.Codes{}, fmt.Errorf("coding answer %d: %w", a.ID, err)
	}
	return codes, nil
}

// Local reports whether answers are coded in this process, by the offline
// coder, with no model to call: then a job per answer (there to retry and
// time out a model's calls) costs more than the coding, and the codes of
// many answers are better made by one job (CodeAll).
func (c *Coding) Local() bool { return c.Offline == nil || c.Primary == c.Offline }

// RetryAfter returns how long a coding error asks to wait before the next
// attempt (a model's 429), and whether it asks at all.
func RetryAfter(err error) (time.Duration, bool) {
	var me *ModelError
	if errors.As(err, &me) && me.RetryAfter > 0 {
		return me.RetryAfter, true
	}
	return 0, false
}

// RetryAfter says how long an error of CodeAnswer asks to wait before the
// next attempt (a model's 429).
func (c *Coding) RetryAfter(err error) (time.Duration, bool) { return RetryAfter(err) }

// codeAllBatch is how many answers CodeAll lists, codes and stores in one
// transaction.
const codeAllBatch = 50
