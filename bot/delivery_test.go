package bot

import (
	"context"
	"log/slog"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"

	"whatmatters/delivery"
	"whatmatters/flows"
)

// The bot's tests drive the delivery machinery through the adapter that
// registers with it, as serve does.

type JobOptions = delivery.JobOptions

func NewJobs[TTx any](driver riverdriver.Driver[TTx], s *Slack, o JobOptions) (*river.Client[TTx], error) {
	return delivery.NewJobs(driver, s.delivery, o)
}

func MigrateJobs[TTx any](ctx context.Context, driver riverdriver.Driver[TTx], log *slog.Logger) error {
	return delivery.MigrateJobs(ctx, driver, log)
}

func (s *Slack) Process(ctx context.Context, id string, giveUp bool) error {
	return s.delivery.Process(ctx, id, giveUp)
}

func (s *Slack) RequeueWaiting(ctx context.Context) (int, error) {
	return s.delivery.RequeueWaiting(ctx)
}

func (s *Slack) RequeueAllWaiting(ctx context.Context) (int, error) {
	return s.delivery.RequeueAllWaiting(ctx)
}

func (s *Slack) StopRunners(ctx context.Context) error { return s.delivery.StopRunners(ctx) }

func (s *Slack) Scheduled(ctx context.Context, name string, step func(context.Context, *flows.Engine) ([]flows.Reply, error)) error {
	return s.delivery.Scheduled(ctx, name, step)
}

func (s *Slack) PostNow(ctx context.Context, name string, step func(context.Context, *flows.Engine) ([]flows.Reply, error)) error {
	return s.delivery.PostNow(ctx, name, step)
}

// queueFuncs is a job queue of functions: a test's stand-in for River.
type queueFuncs struct {
	enqueue  func(ctx context.Context, ids ...string) (int, error)
	schedule func(ctx context.Context, id string, at time.Time) error
}

func (q queueFuncs) Enqueue(ctx context.Context, ids ...string) (int, error) {
	if q.enqueue == nil {
		return len(ids), nil
	}
	return q.enqueue(ctx, ids...)
}

func (q queueFuncs) Schedule(ctx context.Context, id string, at time.Time) error {
	if q.schedule == nil {
		return nil
	}
	return q.schedule(ctx, id, at)
}
