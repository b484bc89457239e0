package delivery

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"whatmatters/inbox"
)

// QueueReader reads how much work waits in the database; storage.DB is
// one.
type QueueReader interface {
	QueueStats(ctx context.Context, stuckBefore time.Time) (inbox.QueueStats, error)
}

// queueCollector reads, when /metrics is scraped, how much work waits in
// the database: River's jobs by kind and state (and those running longer
// than a rescue takes: stuck), and the outbox's depth and oldest message.
// A database that does not answer leaves the figures out rather than
// failing the scrape.
type queueCollector struct {
	db          QueueReader
	stuckAfter  time.Duration
	jobs        *prometheus.Desc
	stuck       *prometheus.Desc
	outboxDepth *prometheus.Desc
	outboxAge   *prometheus.Desc
}

// RegisterQueueMetrics adds the job and outbox gauges to m, read from db;
// jobs running longer than stuckAfter count as stuck.
func RegisterQueueMetrics(reg prometheus.Registerer, db QueueReader, stuckAfter time.Duration) error {
	return reg.Register(&queueCollector{
		db: db, stuckAfter: stuckAfter,
		jobs: prometheus.NewDesc("whatmatters_jobs", "River jobs by kind and state (available, scheduled, running, retryable, completed, discarded, cancelled).",
			[]string{"kind", "state"}, nil),
		stuck: prometheus.NewDesc("whatmatters_jobs_stuck", "Jobs running for longer than a job may: their instance probably died; River rescues them.",
			[]string{"kind"}, nil),
		outboxDepth: prometheus.NewDesc("whatmatters_outbox_messages", "Replies owed to the chat platforms and not yet sent.", nil, nil),
		outboxAge:   prometheus.NewDesc("whatmatters_outbox_oldest_seconds", "Age of the oldest reply owed to a chat platform; 0 when none.", nil, nil),
	})
}

func (c *queueCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.jobs
	ch <- c.stuck
	ch <- c.outboxDepth
	ch <- c.outboxAge
}

func (c *queueCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	qs, err := c.db.QueueStats(ctx, time.Now().Add(-c.stuckAfter))
	if err != nil {
		return
	}
	for k, n := range qs.Jobs {
		ch <- prometheus.MustNewConstMetric(c.jobs, prometheus.GaugeValue, float64(n), k[0], k[1])
	}
	for kind, n := range qs.Stuck {
		ch <- prometheus.MustNewConstMetric(c.stuck, prometheus.GaugeValue, float64(n), kind)
	}
	ch <- prometheus.MustNewConstMetric(c.outboxDepth, prometheus.GaugeValue, float64(qs.Outbox))
	age := 0.0
	if !qs.OutboxOldest.IsZero() {
		age = max(time.Since(qs.OutboxOldest).Seconds(), 0)
	}
	ch <- prometheus.MustNewConstMetric(c.outboxAge, prometheus.GaugeValue, age)
}
