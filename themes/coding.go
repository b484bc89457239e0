package themes

import (
	"context"
	"errors"
	"fmt"
	"time"

	"whatmatters/flows"
)

// CodingStore is what coding reads and writes: the answers waiting for
// codes, an answer with its reflection (for its template) and the team's
// cases (whose pseudonyms are kept in what a model is sent), and the codes.
// flows.Store satisfies it; a store that also keeps a Pace shares it.
type CodingStore interface {
	AnswersToCode(ctx context.Context, coder, version string, limit int) ([]flows.CodedAnswer, error)
	GetAnswer(ctx context.Context, id int64) (flows.Answer, error)
	GetReflection(ctx context.Context, id int64) (flows.Reflection, error)
	ListCases(ctx context.Context, teamID string) ([]flows.Case, error)
	SaveCodes(ctx context.Context, answerID int64, textHash string, c flows.Codes) error
	SaveManyCodes(ctx context.Context, codes []flows.AnswerCodes) (int, error)
}

// Coding makes and stores the codes of answers: the job behind "codes are
// made when an answer is saved or edited". Primary is the configured coder
// (the model, or the offline coder); Offline stands in for a model that
// fails on a job's last attempt, and reads the answers that read as
// instructions to a model, which are never sent.
type Coding struct {
	Store   CodingStore
	Primary flows.Coder
	Offline flows.Coder
	// Name and Version are the primary coder's, as its codes carry them:
	// answers whose codes were made by anything else are coded again.
	Name, Version string
	// Pace keeps the model endpoint's pace for every process that shares
	// it: after a Retry-After (or a failure of the endpoint itself) calls
	// are held back until then, here and in every other instance. Nil
	// means the Store's, when it keeps one (storage's does), else none.
	Pace Pace
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// MaxWait bounds how long CodeAll waits, in all, for an endpoint that
	// asked to wait (Retry-After, or a hold another process set) before it
	// stops asking the model for the rest of its run; zero means it never
	// waits. The coding job does not wait inside a job: it is retried.
	MaxWait time.Duration
	// Sleep waits d, or until ctx is done; nil waits on a timer. Tests
	// give one that moves their clock on.
	Sleep func(ctx context.Context, d time.Duration) error
}

// Pace holds calls to an endpoint back, for every process sharing it: the
// database's slack_limits table keeps it (storage.DB implements it, as it
// does delivery.Limits), under the scope "model:HOST" and no team.
type Pace interface {
	// Hold keeps every call of scope in team back until the given time; a
	// longer hold already in place stands.
	Hold(ctx context.Context, team, scope string, until time.Time) error
	// HeldUntil returns until when scope in team is held back.
	HeldUntil(ctx context.Context, team, scope string) (time.Time, error)
}

// endpointHold is how long calls to an endpoint are held back after it
// failed without a Retry-After (a 5xx, a timeout, a network error): long
// enough that a failing endpoint is asked a few times a minute, not once
// for every answer waiting.
const endpointHold = 15 * time.Second

// storeReserve is the time kept back from a job's deadline for storing its
// codes, so that a model slow enough to use up the call's time still
// leaves time to store the offline codes on the last attempt.
const storeReserve = 3 * time.Second

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

// CodeReport says what CodeAll did.
type CodeReport struct {
	// Stored counts the answers whose codes were stored.
	Stored int
	// Instructions counts the stored answers the offline coder read
	// because they read as instructions to the model (never sent).
	Instructions int
	// ModelFailed counts the answers left without codes because the model
	// failed on them, or was no longer asked after it failed; the coding
	// job tries them again, and a digest reads them with the offline
	// coder meanwhile.
	ModelFailed int
	// Reason is why the model last failed, in words safe to log; empty
	// when it never did.
	Reason string
	// Requests counts the model's readings asked for (each one request).
	Requests int
	// Waited is how long CodeAll waited for the endpoint.
	Waited time.Duration
}

// CodeAll codes every pending answer now, and returns how many it stored:
// for the command line, which has no job queue, and for the job that codes
// answers when the coder is offline (see Local). See CodeAllReport.
func (c *Coding) CodeAll(ctx context.Context) (int, error) {
	r, err := c.CodeAllReport(ctx)
	return r.Stored, err
}

// cliAttempts is how many times CodeAllReport asks the model about one
// answer that keeps being refused with a Retry-After; cliFailures how many
// answers in a row may fail before it stops asking the model at all.
const (
	cliAttempts = 3
	cliFailures = 3
	// cliCallTimeout bounds one reading there, so that a hung model costs
	// the command minutes at most, not three of the HTTP client's minutes.
	cliCallTimeout = 30 * time.Second
)

// CodeAllReport codes every pending answer now and says what it did. The
// codes of each listing of answers are made first and then stored in one
// transaction, not one each.
//
// With a model: an answer that reads as instructions is read by the
// offline coder and stored so, never sent. An answer the model cannot
// code is left for the coding job to retry (with its offline fallback on
// the last attempt), not marked as a fallback now: one failed call must
// not stand in for the model for good; a digest reads such answers with
// the offline coder in memory, and says so. A Retry-After is honoured,
// and shared with every process through Pace, while the waits add up to
// at most MaxWait; an answer is asked about at most cliAttempts times;
// once the endpoint refuses past that, fails for good (a 401), or fails on
// cliFailures answers in a row, the model is not asked again in this run
// and the answers left are counted in ModelFailed.
func (c *Coding) CodeAllReport(ctx context.Context) (CodeReport, error) {
	var rep CodeReport
	local := c.Local()
	asking := true
	failures := 0
	// Each answer, as its text stands, is asked about once: one the model
	// failed on stays in the queue, and comes back in the next listing.
	tried := map[[2]string]bool{}
	cases := map[string][]flows.Case{}
	for {
		as, err := c.Store.AnswersToCode(ctx, c.Name, c.Version, codeAllBatch)
		if err != nil {
			return rep, err
		}
		var made []flows.AnswerCodes
		for _, a := range as {
			k := [2]string{fmt.Sprint(a.ID), flows.TextHash(a.Text)}
			if tried[k] {
				continue
			}
			tried[k] = true
			in, err := c.input(ctx, a, cases)
			if err != nil {
				return rep, err
			}
			var codes flows.Codes
			switch {
			case local:
				codes, err = c.Primary.Code(ctx, in)
			case ReadsAsInstructions(in.Text):
				codes, err = offlineInstead(ctx, c.Offline, in, OfflineInstructions)
				rep.Instructions++
			case !asking:
				rep.ModelFailed++
				continue
			default:
				codes, err = c.askPatiently(ctx, in, &rep)
				var me *ModelError
				if errors.As(err, &me) {
					rep.ModelFailed++
					rep.Reason = me.Reason
					failures++
					if !me.Retryable || me.Held || failures >= cliFailures {
						asking = false
					}
					continue
				}
				failures = 0
			}
			if err != nil {
				return rep, fmt.Errorf("coding answer %d: %w", a.ID, err)
			}
			made = append(made, flows.AnswerCodes{AnswerID: a.ID, TextHash: flows.TextHash(a.Text), Codes: codes})
		}
		if len(made) == 0 {
			return rep, nil
		}
		progress, err := c.Store.SaveManyCodes(ctx, made)
		if err != nil {
			return rep, fmt.Errorf("storing the codes of %d answers: %w", len(made), err)
		}
		rep.Stored += progress
		if progress == 0 {
			return rep, nil
		}
	}
}

// askPatiently asks the model about one answer for CodeAllReport, waiting
// as the endpoint asks while the waits fit in MaxWait, up to cliAttempts
// times. Its error is the model's, or a *ModelError with Held set when the
// endpoint's hold outlasts what is left to wait.
func (c *Coding) askPatiently(ctx context.Context, in flows.CodeInput, rep *CodeReport) (flows.Codes, error) {
	wait := c.heldFor(ctx)
	var last error
	for attempt := 1; ; attempt++ {
		if wait > 0 {
			if rep.Waited+wait > c.MaxWait {
				if last != nil {
					return flows.Codes{}, last
				}
				return flows.Codes{}, heldError(wait)
			}
			if err := c.sleep(ctx, wait); err != nil {
				return flows.Codes{}, err
			}
			rep.Waited += wait
		}
		rep.Requests++
		callCtx, cancel := context.WithTimeout(ctx, cliCallTimeout)
		codes, err := c.Primary.Code(callCtx, in)
		cancel()
		if err == nil {
			return codes, nil
		}
		if ctx.Err() != nil {
			return flows.Codes{}, ctx.Err()
		}
		var me *ModelError
		if !errors.As(err, &me) {
			return flows.Codes{}, err
		}
		c.holdAfter(ctx, me)
		if !me.Retryable || me.RetryAfter <= 0 || attempt >= cliAttempts {
			return flows.Codes{}, err
		}
		last = err
		wait = max(me.RetryAfter, c.heldFor(ctx))
	}
}

// CodeAnswer codes one answer and stores its codes: the coding job's work.
// On a job's last attempt a failing model gives way to the offline coder's
// codes, marked as a fallback ("the model failed"); so does an error that
// trying again cannot mend (a 401, say), at once. Before that, the model's
// error is returned so the job is retried (a *ModelError says whether and
// when). While the endpoint's pace holds calls back (Pace), no request is
// made: the error says how long to wait, with Held set. An answer that
// reads as instructions to a model is read by the offline coder at once
// and never sent. An answer edited, withdrawn or deleted meanwhile is not
// an error: whatever replaced it is coded by its own job.
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
	ca := flows.CodedAnswer{Answer: a, CaseID: r.CaseID, Template: r.Template, Channel: r.Channel}
	codes, err := c.codesFor(ctx, ca, lastAttempt)
	if err != nil {
		return fmt.Errorf("coding answer %d: %w", a.ID, err)
	}
	if ctx.Err() != nil {
		// The model used up the job's time: the codes are stored all the
		// same, briefly, so a last attempt's offline codes are not lost.
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(context.WithoutCancel(ctx), storeReserve)
		defer cancel()
	}
	err = c.Store.SaveCodes(ctx, a.ID, flows.TextHash(a.Text), codes)
	if errors.Is(err, flows.ErrConflict) || errors.Is(err, flows.ErrNotFound) {
		return nil
	}
	return err
}

// codesFor makes one answer's codes for the coding job: see CodeAnswer.
func (c *Coding) codesFor(ctx context.Context, a flows.CodedAnswer, lastAttempt bool) (flows.Codes, error) {
	in, err := c.input(ctx, a, nil)
	if err != nil {
		return flows.Codes{}, err
	}
	if c.Local() {
		return c.Primary.Code(ctx, in)
	}
	if ReadsAsInstructions(in.Text) {
		return offlineInstead(ctx, c.Offline, in, OfflineInstructions)
	}
	var modelErr error
	if held := c.heldFor(ctx); held > 0 {
		modelErr = heldError(held)
	} else {
		callCtx, cancel := reserve(ctx, storeReserve)
		var codes flows.Codes
		codes, modelErr = c.Primary.Code(callCtx, in)
		cancel()
		if modelErr == nil {
			return codes, nil
		}
	}
	var me *ModelError
	if !errors.As(modelErr, &me) {
		return flows.Codes{}, modelErr
	}
	c.holdAfter(ctx, me)
	switch {
	case me.Instructions:
		return offlineInstead(ctx, c.Offline, in, OfflineInstructions)
	case lastAttempt || !me.Retryable:
		return offlineInstead(ctx, c.Offline, in, OfflineModelFailed)
	}
	return flows.Codes{}, me
}

// input is what the coder reads of an answer: its text, template and
// stage, and the words its text was stored keeping, which are the team's
// case pseudonyms (the answer's own case first), so that scrubbing again
// before sending keeps them too. byTeam, when not nil, remembers teams'
// cases between answers.
func (c *Coding) input(ctx context.Context, a flows.CodedAnswer, byTeam map[string][]flows.Case) (flows.CodeInput, error) {
	in := flows.CodeInput{Template: a.Template, Stage: a.Stage, Text: a.Text}
	if c.Local() {
		return in, nil
	}
	cases, ok := byTeam[a.TeamID]
	if !ok {
		var err error
		if cases, err = c.Store.ListCases(ctx, a.TeamID); err != nil {
			return in, fmt.Errorf("listing the cases of answer %d's team: %w", a.ID, err)
		}
		if byTeam != nil {
			byTeam[a.TeamID] = cases
		}
	}
	for _, k := range cases {
		if k.ID == a.CaseID && k.Label != "" {
			in.Keep = append([]string{k.Label}, in.Keep...)
		} else if k.Label != "" {
			in.Keep = append(in.Keep, k.Label)
		}
	}
	return in, nil
}

// heldError is the error of a call not made because the endpoint's pace
// holds calls back for wait.
func heldError(wait time.Duration) *ModelError {
	return &ModelError{Retryable: true, Held: true, RetryAfter: wait,
		Reason: fmt.Sprintf("the endpoint asked to wait; calls are held back for %s", wait.Round(time.Second))}
}

// paceScope is the Pace scope of the primary coder's endpoint, or "" when
// it has none (not a *Model).
func (c *Coding) paceScope() string {
	if m, ok := c.Primary.(*Model); ok && m != nil {
		return "model:" + m.Endpoint()
	}
	return ""
}

// pace is the Pace to keep: Coding.Pace, or the Store's.
func (c *Coding) pace() Pace {
	if c.Pace != nil {
		return c.Pace
	}
	if p, ok := c.Store.(Pace); ok {
		return p
	}
	return nil
}

func (c *Coding) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func (c *Coding) sleep(ctx context.Context, d time.Duration) error {
	if c.Sleep != nil {
		return c.Sleep(ctx, d)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// heldFor returns how long calls to the endpoint are still held back, or
// zero. A pace that cannot be read holds nothing back: the call itself
// will say if the endpoint is not ready.
func (c *Coding) heldFor(ctx context.Context) time.Duration {
	p, scope := c.pace(), c.paceScope()
	if p == nil || scope == "" {
		return 0
	}
	until, err := p.HeldUntil(ctx, "", scope)
	if err != nil {
		return 0
	}
	return max(until.Sub(c.now()), 0)
}

// holdAfter holds calls to the endpoint back after it failed: for its
// Retry-After, or endpointHold when it gave none. A failure of one reply
// (not the JSON asked for, a refusal) holds nothing back.
func (c *Coding) holdAfter(ctx context.Context, me *ModelError) {
	p, scope := c.pace(), c.paceScope()
	if p == nil || scope == "" || me.Held || !me.EndpointDown() {
		return
	}
	wait := me.RetryAfter
	if wait <= 0 {
		wait = endpointHold
	}
	// The job's own time may be spent (a model that hung): the hold is
	// still written, briefly.
	hctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), storeReserve)
	defer cancel()
	_ = p.Hold(hctx, "", scope, c.now().Add(wait))
}

// reserve returns ctx with its deadline brought forward by d, when it has
// one far enough off.
func reserve(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) > 2*d {
		return context.WithDeadline(ctx, deadline.Add(-d))
	}
	return context.WithCancel(ctx)
}

// Local reports whether answers are coded in this process, by the offline
// coder, with no model to call: then a job per answer (there to retry and
// time out a model's calls) costs more than the coding, and the codes of
// many answers are better made by one job (CodeAll).
func (c *Coding) Local() bool { return c.Offline == nil || c.Primary == c.Offline }

// RetryAfter returns how long a coding error asks to wait before the next
// attempt (a model's 429, or the endpoint's pace holding calls back), and
// whether it asks at all.
func RetryAfter(err error) (time.Duration, bool) {
	var me *ModelError
	if errors.As(err, &me) && me.RetryAfter > 0 {
		return me.RetryAfter, true
	}
	return 0, false
}

// RetryAfter says how long an error of CodeAnswer asks to wait before the
// next attempt.
func (c *Coding) RetryAfter(err error) (time.Duration, bool) { return RetryAfter(err) }

// codeAllBatch is how many answers CodeAll lists, codes and stores in one
// transaction.
const codeAllBatch = 50
