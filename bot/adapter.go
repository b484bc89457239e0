package bot

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"sync/atomic"
	"time"

	"whatmatters/delivery"
	"whatmatters/flows"
	"whatmatters/inbox"
)

// SlackOptions configures the Slack adapter.
type SlackOptions struct {
	// BotToken (xoxb-…) authenticates every Web API call; AppToken
	// (xapp-…), when set, is used for Socket Mode.
	BotToken string
	AppToken string
	// APIURL is the Web API's base URL (SLACK_API_URL); empty means
	// Slack's own.
	APIURL string
	// HTTPClient makes the Web API calls; nil means http.DefaultClient.
	HTTPClient *http.Client
	// BodyTimeout is how long a request to /slack/events may take to send
	// its body once its turn to be verified has come; zero means 5 seconds.
	// A slow body holds a place among the requests being verified (at
	// most 128 at once, 16 from one address) no longer than this.
	BodyTimeout time.Duration
	// ResponseHosts are the hosts (host, or host:port) whose https
	// response_urls the bot calls; nil means Slack's: hooks.slack.com, or
	// "hooks." and APIURL's host for another Slack (GovSlack). A
	// response_url with APIURL's own scheme and host is called too. Any
	// other is never called: the URL comes in the request, and a signed
	// request may still name any host (see responseURLAllowed).
	ResponseHosts []string

	// Delivery is the delivery machinery the adapter registers with (as
	// the platform of every delivery id no other platform claims). Nil
	// makes one from the options below, for the adapter alone.
	Delivery *delivery.Service

	// Store is the database: the inbox, the outbox and what the engine
	// keeps.
	Store Store
	// Engine returns the engine working on the given Store. The adapter
	// calls it with a Store bound to a transaction, so that the step a
	// delivery causes, its replies in the outbox and the mark that it was
	// processed are committed together or not at all.
	Engine func(flows.Store) *flows.Engine
	// Locker, when set, serialises the processing of each ordering key
	// across instances (storage.Locker on PostgreSQL). Within the process
	// the adapter always serialises by key itself.
	Locker Locker

	// PostInterval is the least time between two posts to one channel;
	// zero means one second, as Slack asks. Negative means no pacing
	// (tests).
	PostInterval time.Duration
	// Limits keeps the pace of calls to Slack; nil means the Store's when
	// it keeps them (storage.DB does, for every instance at once), else
	// this process's own.
	Limits Limits
	// RecordConcurrency is how many transactions record deliveries at
	// once; zero means 1, right for SQLite's single writer. PostgreSQL
	// takes several.
	RecordConcurrency int
	// SocketBackoff is the longest wait between attempts to reconnect
	// Socket Mode; zero means 5 seconds.
	SocketBackoff time.Duration
	// SocketPing is how often Slack is pinged over Socket Mode, and
	// SocketDead how long a link may carry nothing (no envelope, ping or
	// pong) before it is replaced; zero means 5 and 15 seconds.
	SocketPing, SocketDead time.Duration
	// SweepAge is how long a delivery or a reply may wait before the
	// sweep enqueues its job again; zero means 10 seconds.
	SweepAge time.Duration

	Metrics *Metrics     // nil: a private set, not served
	Log     *slog.Logger // nil: discard
	// Now is the clock; nil means time.Now. AfterFunc, on the same
	// clock, runs a function after a wait (owed replies handed on when
	// due) and returns a function that stops it; nil means time.AfterFunc.
	Now       func() time.Time
	AfterFunc func(d time.Duration, f func()) (stop func() bool)
}

// Store, Queue and Locker are the delivery machinery's (package delivery).
type (
	Store  = delivery.Store
	Queue  = delivery.Queue
	Locker = delivery.Locker
)

// Slack is the Slack adapter. Both transports (HTTP and Socket Mode) hand it
// verified requests; it records each delivery in the inbox, enqueues a job
// and lets the transport acknowledge. The job, through Process, runs the
// delivery through the engine and sends the replies from the outbox.
type Slack struct {
	api      slackAPI
	store    Store
	engineOn func(flows.Store) *flows.Engine
	// delivery is the machinery the adapter is a platform of; pacer keeps
	// the pace of its calls.
	delivery *delivery.Service
	pacer    *delivery.Pacer
	refusals refusalLog
	// unverified bounds the bodies read before their signature is checked,
	// and unverifiedFrom those from each address; bodyTimeout is how long
	// one may take to arrive.
	unverified     gate
	unverifiedFrom addressGates
	bodyTimeout    time.Duration

	interval time.Duration // between two posts to a channel; 0: no pacing
	metrics  *Metrics
	log      *slog.Logger
	now      func() time.Time

	// socketBackoff caps the wait before reconnecting Socket Mode;
	// socketPing and socketDead time the link's pings (see RunSocket).
	socketBackoff, socketPing, socketDead time.Duration

	botToken, appToken, apiURL string
	httpClient                 *http.Client
	// responseHosts are the hosts whose response_urls are called.
	responseHosts []string

	// Set by Start.
	botUserID string
	// connected is true while Socket Mode is connected.
	connected atomic.Bool
	admins    admins
	privacy   privacyCache
}

// NewSlack returns the Slack adapter, calling the real Web API. Call Start
// before serving.
func NewSlack(o SlackOptions) *Slack {
	return newSlack(newWebAPI(o.BotToken, o.AppToken, o.APIURL, o.HTTPClient), o)
}

// newSlack returns the adapter over the given Web API, which tests fake.
func newSlack(api slackAPI, o SlackOptions) *Slack {
	s := &Slack{
		api: api, store: o.Store, engineOn: o.Engine,
		metrics: o.Metrics, log: o.Log, now: o.Now,
		botToken: o.BotToken, appToken: o.AppToken, apiURL: o.APIURL, httpClient: o.HTTPClient,
		responseHosts: o.ResponseHosts,
	}
	if s.responseHosts == nil {
		s.responseHosts = slackResponseHosts(o.APIURL)
	}
	if s.metrics == nil {
		s.metrics = NewMetrics()
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	s.bodyTimeout = o.BodyTimeout
	if s.bodyTimeout <= 0 {
		s.bodyTimeout = defaultBodyTimeout
	}
	interval := o.PostInterval
	switch {
	case interval == 0:
		interval = time.Second
	case interval < 0:
		interval = 0
	}
	s.interval = interval
	s.socketBackoff = o.SocketBackoff
	if s.socketBackoff <= 0 {
		s.socketBackoff = 5 * time.Second
	}
	s.socketPing, s.socketDead = o.SocketPing, o.SocketDead
	if s.socketPing <= 0 {
		s.socketPing = 5 * time.Second
	}
	if s.socketDead <= 0 {
		s.socketDead = 15 * time.Second
	}
	s.delivery = o.Delivery
	if s.delivery == nil {
		s.delivery = delivery.New(delivery.Options{
			Store: o.Store, Engine: o.Engine, Locker: o.Locker, Limits: o.Limits,
			RecordConcurrency: o.RecordConcurrency, SweepAge: o.SweepAge,
			Metrics: s.metrics.Delivery, Log: s.log, Now: s.now, AfterFunc: o.AfterFunc,
		})
	}
	s.delivery.Register("", s)
	s.pacer = s.delivery.Pacer()
	return s
}

// Start asks Slack who the bot is (auth.test), so that it can ignore its
// own messages. It fails if the token is refused.
func (s *Slack) Start(ctx context.Context) error {
	resp, err := s.api.AuthTestContext(ctx)
	if err != nil {
		return fmt.Errorf("checking SLACK_BOT_TOKEN with auth.test: %w", err)
	}
	s.botUserID = resp.UserID
	s.log.InfoContext(ctx, "slack: authenticated", "team", resp.TeamID, "bot_user", resp.UserID)
	return nil
}

// Connected reports whether Socket Mode is connected.
func (s *Slack) Connected() bool { return s.connected.Load() }

// accept records a delivery and hands it on (delivery.Service.Accept).
func (s *Slack) accept(ctx context.Context, d inbox.Delivery) error {
	return s.delivery.Accept(ctx, d)
}

// Delivery is the machinery the adapter is a platform of.
func (s *Slack) Delivery() *delivery.Service { return s.delivery }
