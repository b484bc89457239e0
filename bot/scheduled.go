package bot

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"whatmatters/flows"
	"whatmatters/inbox"
)

// kindScheduled marks the record of an engine step no delivery caused: a
// weekly check-in, a nudge to a quiet thread. It is recorded processed
// already, so that its replies in the outbox have a delivery the sweep can
// enqueue if sending them fails.
const kindScheduled = "scheduled"

// CheckInsArgs is the periodic job that posts the weekly check-ins that are
// due, in every team that has them.
type CheckInsArgs struct{}

// Kind names the job in River's tables.
func (CheckInsArgs) Kind() string { return "checkins_due" }

// IdleArgs is the periodic job that nudges reflections left quiet, and
// closes them if they stay quiet.
type IdleArgs struct{}

// Kind names the job in River's tables.
func (IdleArgs) Kind() string { return "idle_reflections" }

// Scheduled runs an engine step that no delivery caused, in one
// transaction with its replies in the outbox, then sends the replies. A
// step with nothing to say leaves no trace. If sending fails, the replies
// wait in the outbox for the sweep.
func (s *Slack) Scheduled(ctx context.Context, name string, step func(context.Context, *flows.Engine) ([]flows.Reply, error)) error {
	id, owed, err := s.owedStep(ctx, name, step)
	if err != nil || owed == 0 {
		return err
	}
	s.log.InfoContext(ctx, "slack: scheduled step has replies to send", "step", name, "delivery", id, "calls", owed)
	if err := s.Process(ctx, id, false); err != nil {
		// What must wait (a channel's slot, a hold) is handed to a runner
		// when it is due; anything else is left to the delivery's own job.
		var later *retryLater
		if errors.As(err, &later) {
			s.wakeFor(id, "outbox:"+id, later)
			return nil
		}
		if _, qerr := s.enqueue(ctx, id); qerr != nil {
			s.log.WarnContext(ctx, "slack: scheduled replies not sent yet; the sweep will retry", "step", name, "err", err)
		}
	}
	return nil
}

// PostNow runs an engine step like Scheduled, for a command line with no
// job queue behind it: it returns the step's error, or the error of
// sending its replies (which then wait in the outbox for a running
// instance's sweep).
func (s *Slack) PostNow(ctx context.Context, name string, step func(context.Context, *flows.Engine) ([]flows.Reply, error)) error {
	id, owed, err := s.owedStep(ctx, name, step)
	if err != nil || owed == 0 {
		return err
	}
	return s.Process(ctx, id, false)
}

// owedStep runs the step in one transaction with its replies in the
// outbox, recorded under a delivery of their own, and returns that
// delivery's id and how many calls it owes.
func (s *Slack) owedStep(ctx context.Context, name string, step func(context.Context, *flows.Engine) ([]flows.Reply, error)) (string, int, error) {
	now := s.now()
	d := inbox.Delivery{ID: fmt.Sprintf("%s:%d", name, now.UnixNano()), Kind: kindScheduled, Key: "scheduled/" + name,
		ReceivedAt: now, ProcessedAt: now}
	owed := 0
	err := s.inTx(ctx, func(tx Store) error {
		owed = 0
		replies, err := step(ctx, s.engineOn(tx))
		if err != nil {
			return err
		}
		cs, err := calls(replies, origin{})
		if err != nil || len(cs) == 0 {
			return err
		}
		if _, err := tx.RecordDelivery(ctx, d); err != nil {
			return err
		}
		owed, err = s.owe(ctx, tx, d, cs)
		return err
	})
	if err != nil {
		return "", 0, fmt.Errorf("%s: %w", name, err)
	}
	return d.ID, owed, nil
}

type checkInsWorker struct {
	river.WorkerDefaults[CheckInsArgs]
	s *Slack
}

// Work posts the check-ins that are due.
func (w *checkInsWorker) Work(ctx context.Context, _ *river.Job[CheckInsArgs]) error {
	return w.s.Scheduled(ctx, "checkins", func(ctx context.Context, e *flows.Engine) ([]flows.Reply, error) {
		return e.CheckInsDue(ctx)
	})
}

type idleWorker struct {
	river.WorkerDefaults[IdleArgs]
	s         *Slack
	idleAfter time.Duration
}

// Work nudges or closes quiet reflections.
func (w *idleWorker) Work(ctx context.Context, _ *river.Job[IdleArgs]) error {
	return w.s.Scheduled(ctx, "idle", func(ctx context.Context, e *flows.Engine) ([]flows.Reply, error) {
		return e.TendIdle(ctx, w.idleAfter)
	})
}

// PurgeArgs is the daily job that removes story text older than the
// retention period.
type PurgeArgs struct{}

// Kind names the job in River's tables.
func (PurgeArgs) Kind() string { return "retention_purge" }

type purgeWorker struct {
	river.WorkerDefaults[PurgeArgs]
	s         *Slack
	retention time.Duration
}

// Work purges; it has nothing to say in Slack.
func (w *purgeWorker) Work(ctx context.Context, _ *river.Job[PurgeArgs]) error {
	rep, err := w.s.engineOn(w.s.store).Purge(ctx, w.retention)
	if err != nil {
		return fmt.Errorf("retention purge: %w", err)
	}
	if rep.Answers > 0 {
		w.s.log.InfoContext(ctx, "retention purge", "answers", rep.Answers, "reflections", rep.Reflections)
	}
	return nil
}
