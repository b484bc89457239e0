package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"runtime"
	"runtime/debug"
	"strconv"
	"sync"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"

	"whatmatters/bot"
	"whatmatters/delivery"
	"whatmatters/storage"
	"whatmatters/teams"
)

// jobWorkers is how many jobs one instance works at once: deliveries that
// failed, waited for a slot or were swept, and the periodic work.
const jobWorkers = 16

// jobRunners is how many threads and channels one instance processes at
// once straight after recording their deliveries, without a job each. A
// new reflection's runner spends most of its round waiting for Slack (the
// root post, then the first question): with 16, a burst of 64 `/reflect`
// in 64 channels went in waves, the last question out after 0.77-0.92 s;
// with 48, 0.60-0.63 s, the last commands left to jobs (on SQLite River
// polls every 200 ms); with 64, none is (bench/run.sh; docs/performance.md).
const jobRunners = 64

// shutdownTimeout bounds a graceful stop: requests in flight and jobs
// running get this long, together, to finish. Jobs still running then are
// cancelled, which takes up to cancelTimeout more. fly.toml's kill_timeout
// must be longer than both.
const (
	shutdownTimeout = 20 * time.Second
	cancelTimeout   = 5 * time.Second
)

// serve runs the bot against Slack until ctx ends: Socket Mode when
// SLACK_APP_TOKEN is set, else HTTP mode, serving the HTTP endpoints on
// WHATMATTERS_BIND_ADDRESS:PORT in both. It logs JSON lines to stderr.
//
// When ctx ends (SIGTERM, SIGINT) it stops in this order: it takes no new
// deliveries (the HTTP server shuts down, letting requests in flight finish,
// and Socket Mode disconnects); the job queue stops fetching and lets running
// jobs finish, cancelling those still running after shutdownTimeout; then
// the locks and the database are closed.
func serve(ctx context.Context, cfg Config, stdout, stderr io.Writer) error {
	log := newLogger(stderr, true, cfg.LogLevel, string(cfg.DatabaseURL))
	if err := sayWhatIsServed(cfg, stdout); err != nil {
		return err
	}
	slackOn := cfg.SlackBotToken != ""

	db, err := storage.Open(ctx, string(cfg.DatabaseURL), log)
	if err != nil {
		return fmt.Errorf("DATABASE_URL: %w", err)
	}
	// The schema (ours, then the job queue's) is prepared while the engine
	// is built and the token is checked with Slack: on a fresh SQLite
	// database these took 60, 20 and 20 ms one after another. Neither of
	// the others reads the database.
	riverLog := slog.New(minLevel{log.Handler(), slog.LevelWarn})
	schemac := make(chan error, 1)
	go func() {
		err := prepareSchema(ctx, db, cfg.AutoMigrate)
		if err == nil && cfg.AutoMigrate {
			err = migrateJobs(ctx, db, riverLog)
		}
		schemac <- err
	}()
	waitSchema := sync.OnceValue(func() error { return <-schemac })
	// Last of all, after the jobs have stopped (runServe) and the locks are
	// released (below), and never under a migration.
	defer func() {
		_ = waitSchema()
		if err := db.Close(); err != nil {
			log.Warn("shutdown: closing the database failed", "err", err)
			return
		}
		log.Info("shutdown: database closed")
	}()
	var slack *bot.Slack
	var teamsAdapter *teams.Adapter
	privacy := channelPrivacy(func() channelPrivate {
		if slack == nil {
			return nil
		}
		return slack
	}, func() *teams.Adapter { return teamsAdapter })
	metrics := bot.NewMetrics()
	engine, cs, err := buildEngine(cfg, db, log, privacy, metrics.Registry())
	if err != nil {
		return err
	}
	// Each worker and runner may hold a key's lock; a thread's, taken while
	// its channel's is held to send a new reflection's first question,
	// shares the channel's connection (storage.Locker.Hold). One each, and
	// one spare (81; 16 runners took two each, 65), so that no holder
	// waits for a connection while another waits for its key.
	locker, err := storage.NewLocker(ctx, db, jobWorkers+jobRunners+1)
	if err != nil {
		return fmt.Errorf("DATABASE_URL: %w", err)
	}
	defer locker.Close()

	// SQLite has one writer; PostgreSQL records several batches at once.
	recorders := 1
	if db.Dialect() == storage.Postgres {
		recorders = 4
	}
	// The delivery machinery (inbox, runners, outbox, pacing, jobs), which
	// each platform's adapter registers with.
	deliveries := delivery.New(delivery.Options{
		Store: db, Engine: engine.WithStore, Locker: locker,
		Metrics: metrics.Delivery, Log: log, RecordConcurrency: recorders,
	})
	if slackOn {
		slack = bot.NewSlack(bot.SlackOptions{
			BotToken: cfg.SlackBotToken, AppToken: cfg.SlackAppToken, APIURL: cfg.SlackAPIURL,
			HTTPClient: slackHTTPClient(), Delivery: deliveries,
			Store: db, Engine: engine.WithStore,
			Metrics: metrics, Log: log,
		})
	}
	if teamsAdapter, err = newTeams(cfg, deliveries, db, engine.WithStore, log); err != nil {
		return err
	}
	// The jobs, which read what the token's check learns, start after it.
	authc := make(chan error, 1)
	go func() {
		if slack == nil {
			authc <- nil
			return
		}
		authc <- slack.Start(ctx)
	}()
	if err := waitSchema(); err != nil {
		return err
	}
	// Jobs by state, stuck jobs and the outbox, read when /metrics is
	// scraped; a job running past River's rescue time counts as stuck.
	if err := metrics.RegisterQueueMetrics(db, 30*time.Second); err != nil {
		return fmt.Errorf("metrics: %w", err)
	}
	if err := <-authc; err != nil {
		return err
	}
	if teamsAdapter != nil {
		if err := teamsAdapter.Start(ctx); err != nil {
			return err
		}
	}
	opts := delivery.JobOptions{Workers: jobWorkers, Runners: jobRunners, Logger: riverLog, IdleAfter: time.Duration(cfg.IdleAfter),
		Retention: cfg.RetentionDays.Duration(), Coding: cs.coding(db), ModelWorkers: cfg.ModelWorkers}
	if db.Dialect() == storage.Postgres {
		return runServe(ctx, riverpgxv5.New(db.Pool()), cfg, db, deliveries, slack, teamsAdapter, metrics, opts, log)
	}
	// SQLite has no LISTEN/NOTIFY; River polls for new jobs, so poll often.
	opts.FetchPollInterval = 200 * time.Millisecond
	// SQLite takes one write at a time. With a pool of connections, writers
	// that find the lock taken sleep in SQLite's busy handler, and under
	// load an acknowledgement could wait a second or more; through one
	// connection they queue in order instead (measured with cmd/loadslack:
	// p99 430ms → 57ms at 800 deliveries a second). Nothing in the bot
	// holds a connection while it asks for another.
	db.SQL().SetMaxOpenConns(1)
	return runServe(ctx, riversqlite.New(db.SQL()), cfg, db, deliveries, slack, teamsAdapter, metrics, opts, log)
}

// sayWhatIsServed checks that serve has a platform to answer, with what
// each needs, and says on the first lines what it serves and why.
func sayWhatIsServed(cfg Config, stdout io.Writer) error {
	slackOn := cfg.SlackBotToken != ""
	if !slackOn && !cfg.teamsEnabled() {
		return errors.New("SLACK_BOT_TOKEN is not set: serve needs the bot token (xoxb-…) from the app's OAuth & Permissions page, or TEAMS_APP_ID and its settings for Microsoft Teams")
	}
	socket := slackOn && cfg.SlackAppToken != ""
	if slackOn && !socket && cfg.SlackSigningSecret == "" {
		return errors.New("SLACK_SIGNING_SECRET is not set: HTTP mode needs it to verify Slack's requests (or set SLACK_APP_TOKEN for Socket Mode)")
	}
	switch {
	case socket:
		fmt.Fprintf(stdout, "What Matters: Socket Mode, because SLACK_APP_TOKEN is set. Health and metrics on port %d.\n", cfg.Port)
	case slackOn:
		fmt.Fprintf(stdout, "What Matters: HTTP mode, because SLACK_APP_TOKEN is not set: Slack calls POST /slack/events on port %d.\n", cfg.Port)
	}
	if cfg.teamsEnabled() {
		also := " too"
		if !slackOn {
			also = ""
		}
		fmt.Fprintf(stdout, "What Matters: Microsoft Teams%s, because TEAMS_APP_ID is set: Teams calls POST /api/messages on port %d.\n", also, cfg.Port)
	}
	return nil
}

// migrateJobs applies the job queue's (River's) own migrations, on the
// database's dialect.
func migrateJobs(ctx context.Context, db *storage.DB, log *slog.Logger) error {
	if db.Dialect() == storage.Postgres {
		return delivery.MigrateJobs(ctx, riverpgxv5.New(db.Pool()), log)
	}
	return delivery.MigrateJobs(ctx, riversqlite.New(db.SQL()), log)
}

// runServe starts the job queue, the transports and the HTTP server, and
// stops them in reverse order when ctx ends.
func runServe[TTx any](ctx context.Context, driver riverdriver.Driver[TTx], cfg Config, db *storage.DB, deliveries *delivery.Service,
	slack *bot.Slack, teamsAdapter *teams.Adapter, metrics *bot.Metrics, opts delivery.JobOptions, log *slog.Logger) error {
	jobs, err := delivery.NewJobs(driver, deliveries, opts)
	if err != nil {
		return err
	}
	// Not ctx itself: River cancels every running job when its start
	// context ends, and a SIGTERM should let them finish (stopJobs).
	if err := jobs.Start(context.WithoutCancel(ctx)); err != nil {
		return fmt.Errorf("starting the job queue: %w", err)
	}
	// Set once the deliveries have stopped; until then (an early return)
	// the jobs get a fresh shutdownTimeout.
	var jobsDeadline time.Time
	defer func() {
		if jobsDeadline.IsZero() {
			jobsDeadline = time.Now().Add(shutdownTimeout)
		}
		// Deliveries in hand without a job are finished first: what
		// they leave (a failure, a post to schedule) may need the jobs.
		rctx, rcancel := context.WithDeadline(context.Background(), jobsDeadline)
		if err := deliveries.StopRunners(rctx); err != nil {
			log.Warn("shutdown: deliveries in hand did not finish in time; the inbox sweep will finish them", "err", err)
		}
		rcancel()
		stopJobs(jobs, jobsDeadline, log)
	}()
	// Deliveries left by an instance that stopped are taken up at once; the
	// periodic sweep waits for River's leader election. On SQLite no other
	// instance shares the database, so everything waiting was left by a
	// process that is gone, however recent; on PostgreSQL another instance
	// may be working on the recent ones.
	requeue := deliveries.RequeueWaiting
	if db.Dialect() != storage.Postgres {
		requeue = deliveries.RequeueAllWaiting
	}
	if _, err := requeue(ctx); err != nil {
		log.WarnContext(ctx, "first sweep of the inbox failed; the periodic sweep will retry", "err", err)
	}

	socket := slack != nil && cfg.SlackAppToken != ""
	srvOpts := bot.ServerOptions{
		Metrics: metrics.Handler(),
		Ready: func(ctx context.Context) error {
			if err := db.Ping(ctx); err != nil {
				return errors.New("the database does not answer")
			}
			if socket && !slack.Connected() {
				return errors.New("not connected to Slack")
			}
			if teamsAdapter != nil {
				return teamsAdapter.Ready(ctx)
			}
			return nil
		},
	}
	if slack != nil && cfg.SlackSigningSecret != "" {
		srvOpts.Events = slack.EventsHandler(cfg.SlackSigningSecret)
	}
	if teamsAdapter != nil {
		srvOpts.Teams = teamsAdapter.Handler()
	}
	srv := &http.Server{
		Handler:           bot.NewServer(srvOpts),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(string(cfg.BindAddress), strconv.Itoa(int(cfg.Port))))
	if err != nil {
		return fmt.Errorf("WHATMATTERS_BIND_ADDRESS and PORT: %w", err)
	}
	errc := make(chan error, 2)
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			errc <- fmt.Errorf("serving HTTP: %w", err)
		}
	}()
	socketCtx, stopSocket := context.WithCancel(ctx)
	defer stopSocket()
	socketDone := make(chan struct{})
	if socket {
		go func() {
			defer close(socketDone)
			if err := slack.RunSocket(socketCtx); err != nil {
				errc <- err
			}
		}()
	} else {
		close(socketDone)
	}
	log.InfoContext(ctx, "serving", "addr", ln.Addr().String(), "socket_mode", socket, "teams", teamsAdapter != nil, "dialect", db.Dialect())
	// Start-up leaves garbage the heap would keep until the next collection,
	// which an idle bot may not need for hours: chiefly the migrations'
	// parse buffers, pooled by goose (12 MB, held by a sync.Pool until a
	// second collection). Two collections drop them and the memory goes
	// back to the system.
	runtime.GC()
	debug.FreeOSMemory()

	var runErr error
	select {
	case <-ctx.Done():
		log.Info("shutdown: started", "cause", context.Cause(ctx).Error())
	case runErr = <-errc:
		log.Error("shutdown: started after an error", "err", runErr)
	}
	// First take no new deliveries, letting those in hand be recorded and
	// acknowledged; then the jobs (deferred above), then the database
	// (deferred in serve).
	deadline := time.Now().Add(shutdownTimeout)
	shutCtx, cancel := context.WithDeadline(context.WithoutCancel(ctx), deadline)
	defer cancel()
	stopSocket()
	if err := srv.Shutdown(shutCtx); err != nil {
		log.Warn("shutdown: HTTP requests still in flight were dropped", "err", err)
	}
	select {
	case <-socketDone:
	case <-shutCtx.Done():
		log.Warn("shutdown: Socket Mode did not disconnect in time")
	}
	log.Info("shutdown: no longer taking deliveries")
	jobsDeadline = deadline
	return runErr
}

// stopJobs stops fetching jobs and lets running ones finish until deadline,
// then cancels those that have not.
func stopJobs[TTx any](jobs *river.Client[TTx], deadline time.Time, log *slog.Logger) {
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	log.Info("shutdown: waiting for running jobs")
	if err := jobs.Stop(ctx); err != nil {
		log.Warn("shutdown: jobs did not finish in time; cancelling them", "err", err)
		cctx, ccancel := context.WithTimeout(context.Background(), cancelTimeout)
		defer ccancel()
		if err := jobs.StopAndCancel(cctx); err != nil {
			log.Warn("shutdown: jobs did not stop after cancelling", "err", err)
			return
		}
	}
	log.Info("shutdown: jobs stopped")
}

// manifestFlags is manifest [--url URL] [--name NAME]: the Slack app
// manifest, HTTP mode with --url, else Socket Mode.
func manifestFlags(fs *flag.FlagSet) func(context.Context, *env, []string) error {
	reqURL := fs.String("url", "", "the public https `URL` of POST /slack/events, e.g. https://example.fly.dev/slack/events (https://HOST alone gets /slack/events added), for HTTP mode (default: Socket Mode)")
	name := fs.String("name", "What Matters", "the app's `NAME` in Slack")
	return func(_ context.Context, e *env, _ []string) error {
		m, err := bot.Manifest(bot.ManifestOptions{Name: *name, RequestURL: *reqURL})
		if err != nil {
			return usageError{"manifest: " + err.Error()}
		}
		_, err = e.stdout.Write(m)
		return err
	}
}

// minLevel drops records below a level: River's info logs are for its
// developers.
type minLevel struct {
	slog.Handler
	level slog.Level
}

// Enabled drops records below the level.
func (h minLevel) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= h.level && h.Handler.Enabled(ctx, l)
}

// WithAttrs keeps the level on the derived handler.
func (h minLevel) WithAttrs(attrs []slog.Attr) slog.Handler {
	return minLevel{h.Handler.WithAttrs(attrs), h.level}
}

// WithGroup keeps the level on the derived handler.
func (h minLevel) WithGroup(name string) slog.Handler {
	return minLevel{h.Handler.WithGroup(name), h.level}
}

// slackHTTPClient is the client for Slack's Web API. Go's default keeps two
// idle connections per host, so calls made side by side (a busy thread's
// ticks, posts to many channels) would each open a new TLS connection to
// slack.com and close it again; this one keeps enough for the calls in
// flight at once.
func slackHTTPClient() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = 128
	t.MaxIdleConnsPerHost = 64
	return &http.Client{Timeout: 30 * time.Second, Transport: t}
}
