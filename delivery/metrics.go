package delivery

import "github.com/prometheus/client_golang/prometheus"

// Metrics are the delivery machinery's. Their names begin
// whatmatters_slack_ because Slack was the first platform and dashboards
// use them: they count every platform's deliveries.
type Metrics struct {
	received  *prometheus.CounterVec // deliveries recorded, by kind
	duplicate *prometheus.CounterVec // deliveries already recorded, by kind
	processed *prometheus.CounterVec // deliveries processed, by kind
	failed    *prometheus.CounterVec // failed attempts to process, by kind
	enqueue   prometheus.Counter     // jobs that could not be enqueued (the sweep catches them)
	swept     prometheus.Counter     // deliveries re-enqueued by the sweep
	inHand    prometheus.Gauge       // keys being processed by runners, without a job
	wakes     prometheus.Counter     // deliveries whose owed replies were timed to go when due
	rateWaits *prometheus.CounterVec // waits before a call, by cause (pace, rate_limited, backoff)
	waited    prometheus.Counter     // seconds spent waiting before posts
}

// NewMetrics makes the machinery's metrics and registers them with reg;
// nil reg keeps them unregistered (tests, commands).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		received: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "whatmatters_slack_deliveries_received_total",
			Help: "Deliveries recorded in the inbox, by kind (event, command, interaction).",
		}, []string{"kind"}),
		duplicate: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "whatmatters_slack_deliveries_duplicate_total",
			Help: "Deliveries already in the inbox (retries), acknowledged and not done again.",
		}, []string{"kind"}),
		processed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "whatmatters_slack_deliveries_processed_total",
			Help: "Deliveries processed, their replies written to the outbox.",
		}, []string{"kind"}),
		failed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "whatmatters_slack_deliveries_failed_total",
			Help: "Failed attempts to process a delivery or send its replies; each is retried.",
		}, []string{"kind"}),
		enqueue: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "whatmatters_slack_enqueue_failures_total",
			Help: "Recorded deliveries whose job could not be enqueued at once; the inbox sweep enqueues them.",
		}),
		inHand: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "whatmatters_slack_keys_in_hand",
			Help: "Threads and channels whose new deliveries are being processed at once, in the process that recorded them, without a job.",
		}),
		wakes: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "whatmatters_slack_wakeups_total",
			Help: "Deliveries whose owed replies had to wait (a channel's pace, a hold, a failing platform) and were timed to be handed to a runner when due.",
		}),
		swept: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "whatmatters_slack_deliveries_swept_total",
			Help: "Deliveries and unsent replies found waiting by the inbox sweep and enqueued again.",
		}),
		rateWaits: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "whatmatters_slack_rate_limit_waits_total",
			Help: "Posts held back: to keep one post a second per channel (pace), after a 429 (rate_limited), or while the platform fails the method (backoff).",
		}, []string{"cause"}),
		waited: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "whatmatters_slack_rate_limit_wait_seconds_total",
			Help: "Seconds posts waited to keep the platform's pace.",
		}),
	}
	if reg != nil {
		reg.MustRegister(m.received, m.duplicate, m.processed, m.failed, m.enqueue, m.swept, m.inHand, m.wakes, m.rateWaits, m.waited)
	}
	return m
}

// Failed counts a failed attempt to process a delivery of the given kind
// (a platform's own failure, such as a transport's).
func (m *Metrics) Failed(kind string) { m.failed.WithLabelValues(kind).Inc() }
