package bot

import (
	"context"
	"net/http"
	"time"
)

// ServerOptions are what the HTTP server serves.
type ServerOptions struct {
	// Events handles POST /slack/events (HTTP mode); nil when the bot
	// takes Slack's requests over Socket Mode only.
	Events http.Handler
	// Teams handles POST /api/messages, the Bot Framework's activities,
	// when the Teams adapter is served; nil means 404.
	Teams http.Handler
	// Ready reports whether the instance can do its work: the database
	// answers and, in Socket Mode, Slack is connected. Nil means ready.
	Ready func(ctx context.Context) error
	// Metrics serves GET /metrics; nil means 404.
	Metrics http.Handler
}

// NewServer returns the bot's HTTP handler, every route in one place:
//
//	POST /slack/events  Slack's events, commands and interactions (HTTP mode)
//	POST /api/messages  Microsoft Teams' activities (when Teams is served)
//	GET  /healthz       200 while the process runs
//	GET  /readyz        200 when ready (see ServerOptions.Ready), else 503
//	GET  /metrics       Prometheus text format
func NewServer(o ServerOptions) http.Handler {
	mux := http.NewServeMux()
	if o.Events != nil {
		mux.Handle("/slack/events", o.Events)
	} else {
		mux.HandleFunc("/slack/events", func(w http.ResponseWriter, _ *http.Request) {
			http.Error(w, "this instance takes Slack's requests over Socket Mode", http.StatusNotFound)
		})
	}
	if o.Teams != nil {
		mux.Handle("POST /api/messages", o.Teams)
	}
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if o.Ready != nil {
			ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
			defer cancel()
			if err := o.Ready(ctx); err != nil {
				w.WriteHeader(http.StatusServiceUnavailable)
				_, _ = w.Write([]byte("not ready: " + err.Error() + "\n"))
				return
			}
		}
		_, _ = w.Write([]byte("ready\n"))
	})
	if o.Metrics != nil {
		mux.Handle("GET /metrics", o.Metrics)
	}
	return mux
}
