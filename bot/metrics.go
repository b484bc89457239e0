package bot

import (
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"whatmatters/delivery"
)

// Metrics counts what the Slack adapter does, for GET /metrics. Labels carry
// kinds, methods and outcomes, never ids or text.
type Metrics struct {
	registry *prometheus.Registry
	// Delivery are the delivery machinery's, in the same registry.
	Delivery *delivery.Metrics

	ignored  *prometheus.CounterVec   // verified requests with nothing to do, by kind
	rejected *prometheus.CounterVec   // requests refused, by reason
	ackTime  *prometheus.HistogramVec // time to acknowledge, by transport
	// unknownThread counts replies in threads that are no reflection's.
	unknownThread prometheus.Counter
	posts         *prometheus.CounterVec // Web API calls, by method and result
	connected     prometheus.Gauge       // 1 while Socket Mode is connected
}

// NewMetrics returns the adapter's metrics in a registry of their own, with
// the Go runtime's and the process's.
func NewMetrics() *Metrics {
	reg := prometheus.NewRegistry()
	m := &Metrics{
		registry: reg,
		ignored: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "whatmatters_slack_deliveries_ignored_total",
			Help: "Verified Slack requests with nothing to do (bot messages, edits, other events).",
		}, []string{"kind"}),
		rejected: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "whatmatters_slack_requests_rejected_total",
			Help: "Requests to /slack/events refused, by reason (signature, too_large, too_slow, malformed, unknown).",
		}, []string{"reason"}),
		ackTime: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "whatmatters_slack_ack_seconds",
			Help:    "Time from receiving a Slack request to acknowledging it.",
			Buckets: []float64{.0005, .001, .002, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"transport"}),
		posts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "whatmatters_slack_posts_total",
			Help: "Slack Web API calls for replies, by method and result (ok, retry, dropped).",
		}, []string{"method", "result"}),
		unknownThread: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "whatmatters_slack_unknown_thread_replies_total",
			Help: "Thread replies in threads that are no reflection's (the team's own conversations, or answers the bot could not place).",
		}),
		connected: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "whatmatters_slack_socket_connected",
			Help: "1 while the Socket Mode connection is up.",
		}),
	}
	reg.MustRegister(m.ignored, m.rejected,
		m.ackTime, m.unknownThread, m.posts, m.connected,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m.Delivery = delivery.NewMetrics(reg)
	return m
}

// Handler serves the metrics in Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{})
}

// Registry is where other parts of the program (the model coder) register
// their metrics, so /metrics serves them beside the adapter's.
func (m *Metrics) Registry() prometheus.Registerer { return m.registry }

// RegisterQueueMetrics adds the figures read from the database when
// /metrics is scraped (delivery.RegisterQueueMetrics).
func (m *Metrics) RegisterQueueMetrics(db delivery.QueueReader, stuckAfter time.Duration) error {
	return delivery.RegisterQueueMetrics(m.registry, db, stuckAfter)
}
