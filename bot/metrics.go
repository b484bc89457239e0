package bot

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics counts what the Slack adapter does, for GET /metrics. Labels carry
// kinds, methods and outcomes, never ids or text.
type Metrics struct {
	registry *prometheus.Registry

	received  *prometheus.CounterVec   // deliveries recorded, by kind
	duplicate *prometheus.CounterVec   // deliveries already recorded, by kind
	ignored   *prometheus.CounterVec   // verified requests with nothing to do, by kind
	rejected  *prometheus.CounterVec   // requests refused, by reason
	processed *prometheus.CounterVec   // deliveries processed, by kind
	failed    *prometheus.CounterVec   // failed attempts to process, by kind
	ackTime   *prometheus.HistogramVec // time to acknowledge, by transport
	enqueue   prometheus.Counter       // jobs that could not be enqueued (the sweep catches them)
	swept     prometheus.Counter       // deliveries re-enqueued by the sweep
	inHand    prometheus.Gauge         // keys being processed by runners, without a job
	wakes     prometheus.Counter       // deliveries whose owed replies were timed to go when due
	// unknownThread counts replies in threads that are no reflection's.
	unknownThread prometheus.Counter
	posts         *prometheus.CounterVec // Web API calls, by method and result
	rateWaits     *prometheus.CounterVec // waits before a post, by cause (pace, rate_limited, backoff)
	waited        prometheus.Counter     // seconds spent waiting before posts
	connected     prometheus.Gauge       // 1 while Socket Mode is connected
}

// NewMetrics returns the adapter's metrics in a registry of their own, with
// the Go runtime's and the process's.
func NewMetrics() *Metrics {
	reg := prometheus.NewRegistry()
	m := &Metrics{
		registry: reg,
		received: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "whatmatters_slack_deliveries_received_total",
			Help: "Slack deliveries recorded in the inbox, by kind (event, command, interaction).",
		}, []string{"kind"}),
		duplicate: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "whatmatters_slack_deliveries_duplicate_total",
			Help: "Slack deliveries already in the inbox (retries), acknowledged and not done again.",
		}, []string{"kind"}),
		ignored: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "whatmatters_slack_deliveries_ignored_total",
			Help: "Verified Slack requests with nothing to do (bot messages, edits, other events).",
		}, []string{"kind"}),
		rejected: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "whatmatters_slack_requests_rejected_total",
			Help: "Requests to /slack/events refused, by reason (signature, too_large, too_slow, malformed, unknown).",
		}, []string{"reason"}),
		processed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "whatmatters_slack_deliveries_processed_total",
			Help: "Slack deliveries processed, their replies written to the outbox.",
		}, []string{"kind"}),
		failed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "whatmatters_slack_deliveries_failed_total",
			Help: "Failed attempts to process a Slack delivery or send its replies; each is retried.",
		}, []string{"kind"}),
		ackTime: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "whatmatters_slack_ack_seconds",
			Help:    "Time from receiving a Slack request to acknowledging it.",
			Buckets: []float64{.0005, .001, .002, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"transport"}),
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
			Help: "Deliveries whose owed replies had to wait (a channel's pace, a hold, a failing Slack) and were timed to be handed to a runner when due.",
		}),
		swept: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "whatmatters_slack_deliveries_swept_total",
			Help: "Deliveries and unsent replies found waiting by the inbox sweep and enqueued again.",
		}),
		posts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "whatmatters_slack_posts_total",
			Help: "Slack Web API calls for replies, by method and result (ok, retry, dropped).",
		}, []string{"method", "result"}),
		rateWaits: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "whatmatters_slack_rate_limit_waits_total",
			Help: "Posts held back: to keep one post a second per channel (pace), after a 429 (rate_limited), or while Slack fails the method (backoff).",
		}, []string{"cause"}),
		waited: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "whatmatters_slack_rate_limit_wait_seconds_total",
			Help: "Seconds posts waited to keep Slack's pace.",
		}),
		unknownThread: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "whatmatters_slack_unknown_thread_replies_total",
			Help: "Thread replies in threads that are no reflection's (the team's own conversations, or answers the bot could not place).",
		}),
		connected: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "whatmatters_slack_socket_connected",
			Help: "1 while the Socket Mode connection is up.",
		}),
	}
	reg.MustRegister(m.received, m.duplicate, m.ignored, m.rejected, m.processed, m.failed,
		m.ackTime, m.enqueue, m.swept, m.inHand, m.wakes, m.unknownThread, m.posts, m.rateWaits, m.waited, m.connected,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Handler serves the metrics in Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{})
}

// Registry is where other parts of the program (the model coder) register
// their metrics, so /metrics serves them beside the adapter's.
func (m *Metrics) Registry() prometheus.Registerer { return m.registry }
