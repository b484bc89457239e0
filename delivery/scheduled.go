package delivery

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"whatmatters/flows"
	"whatmatters/inbox"
)

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
func (s *Service) Scheduled(ctx context.Context, name string, step func(context.Context, *flows.Engine) ([]flows.Reply, error)) error {
	ids, owed, err := s.owedStep(ctx, name, step)
	if err != nil || owed == 0 {
		return err
	}
	s.log.InfoContext(ctx, "delivery: scheduled step has replies to send", "step", name, "deliveries", len(ids), "calls", owed)
	for _, id := range ids {
		err := s.Process(ctx, id, false)
		if err == nil {
			continue
		}
		// What must wait (a channel's slot, a hold) is handed to a runner
		// when it is due; anything else is left to the delivery's own job.
		var later *RetryLater
		if errors.As(err, &later) {
			s.wakeFor(id, "outbox:"+id, later)
			continue
		}
		if _, qerr := s.queue.Enqueue(ctx, id); qerr != nil {
			s.log.WarnContext(ctx, "delivery: scheduled replies not sent yet; the sweep will retry", "step", name, "err", err)
		}
	}
	return nil
}

// PostNow runs an engine step like Scheduled, for a command line with no
// job queue behind it: it returns the step's error, or the error of
// sending its replies (which then wait in the outbox for a running
// instance's sweep).
func (s *Service) PostNow(ctx context.Context, name string, step func(context.Context, *flows.Engine) ([]flows.Reply, error)) error {
	ids, owed, err := s.owedStep(ctx, name, step)
	if err != nil || owed == 0 {
		return err
	}
	var errs []error
	for _, id := range ids {
		errs = append(errs, s.Process(ctx, id, false))
	}
	return errors.Join(errs...)
}

// owedStep runs the step in one transaction with its replies in the
// outbox, recorded under a delivery of their own for each platform that
// owes some (its prefix, the step's name and the time), and returns those
// deliveries' ids and how many messages they owe.
func (s *Service) owedStep(ctx context.Context, name string, step func(context.Context, *flows.Engine) ([]flows.Reply, error)) ([]string, int, error) {
	now := s.now()
	var ids []string
	owed := 0
	err := s.InTx(ctx, func(tx Store) error {
		ids, owed = nil, 0
		replies, err := step(ctx, s.engineOn(tx))
		if err != nil || len(replies) == 0 {
			return err
		}
		for prefix, p := range s.platforms {
			payloads, err := p.Render(ctx, tx, replies)
			if err != nil {
				return err
			}
			if len(payloads) == 0 {
				continue
			}
			d := inbox.Delivery{ID: fmt.Sprintf("%s%s:%d", prefix, name, now.UnixNano()), Kind: KindScheduled,
				Key: prefix + "scheduled/" + name, ReceivedAt: now, ProcessedAt: now}
			if _, err := tx.RecordDelivery(ctx, d); err != nil {
				return err
			}
			n, err := s.owe(ctx, tx, d, payloads)
			if err != nil {
				return err
			}
			ids, owed = append(ids, d.ID), owed+n
		}
		return nil
	})
	if err != nil {
		return nil, 0, fmt.Errorf("%s: %w", name, err)
	}
	return ids, owed, nil
}

type checkInsWorker struct {
	river.WorkerDefaults[CheckInsArgs]
	s *Service
}

// Work posts the check-ins that are due.
func (w *checkInsWorker) Work(ctx context.Context, _ *river.Job[CheckInsArgs]) error {
	return w.s.Scheduled(ctx, "checkins", func(ctx context.Context, e *flows.Engine) ([]flows.Reply, error) {
		return e.CheckInsDue(ctx)
	})
}

type idleWorker struct {
	river.WorkerDefaults[IdleArgs]
	s         *Service
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
	s         *Service
	retention time.Duration
}

// Work purges; it has nothing to say in any chat.
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
