package bot

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/slack-go/slack"

	"whatmatters/flows"
)

// MaxBodyBytes is the largest request /slack/events reads. Slack's own
// payloads are far smaller; anything bigger is refused with 413.
const MaxBodyBytes = 1 << 20

// EventsHandler returns the handler of POST /slack/events, the one endpoint
// Slack calls in HTTP mode: Events API JSON (with url_verification), slash
// commands and interactions, told apart by their bodies as Slack's Bolt
// frameworks do.
//
// Every request is verified first: a missing or wrong signature, or a
// timestamp more than 5 minutes away, gets 401 and changes nothing. Then the
// delivery is recorded in the inbox and a job enqueued, and only then is
// the request acknowledged; the work and the replies follow from the job.
func (s *Slack) EventsHandler(signingSecret string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		status := s.serveEvents(w, r, signingSecret)
		if status < 400 {
			s.metrics.ackTime.WithLabelValues("http").Observe(time.Since(start).Seconds())
		}
	})
}

// serveEvents handles one request and returns the status it answered with.
func (s *Slack) serveEvents(w http.ResponseWriter, r *http.Request, secret string) int {
	ctx := r.Context()
	refuse := func(status int, reason string) int {
		s.metrics.rejected.WithLabelValues(reasonLabel(status)).Inc()
		// The reason names what was wrong, never what the request said. A
		// flood of refusals is logged a line a second, with a count.
		if ok, more := s.refusals.allow(time.Now()); ok {
			s.log.WarnContext(ctx, "slack: request refused", "status", status, "reason", reason,
				"retry", r.Header.Get("X-Slack-Retry-Num"), "more_refused_unlogged", more)
		}
		http.Error(w, http.StatusText(status), status)
		return status
	}
	body, err := s.readVerified(w, r, secret)
	var rej rejection
	if errors.As(err, &rej) {
		return refuse(rej.status, rej.reason)
	}
	rc, answered, err := s.routeBody(ctx, w, r, body)
	switch {
	case answered != 0:
		return answered
	case errors.As(err, &rej):
		return refuse(rej.status, rej.reason)
	case errors.Is(err, flows.ErrInvalid):
		// The database refused something the request carried.
		return refuse(http.StatusBadRequest, "request the database cannot store")
	case err != nil:
		s.log.ErrorContext(ctx, "slack: request not understood", "err", err)
		http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
		return http.StatusInternalServerError
	}
	if err := s.settle(ctx, rc); err != nil {
		if errors.As(err, &rej) {
			return refuse(rej.status, rej.reason)
		}
		// Not recorded, so not acknowledged: Slack will send it again.
		s.log.ErrorContext(ctx, "slack: could not record a delivery", "kind", rc.kind, "err", err)
		http.Error(w, http.StatusText(http.StatusServiceUnavailable), http.StatusServiceUnavailable)
		return http.StatusServiceUnavailable
	}
	if rc.delivery != nil {
		s.log.DebugContext(ctx, "slack: acknowledged", slog.String("delivery", rc.delivery.ID),
			slog.String("kind", rc.kind), slog.String("retry", r.Header.Get("X-Slack-Retry-Num")))
	}
	if rc.body != nil {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(rc.body)
		return http.StatusOK
	}
	// Slash commands get an empty 200: replies go through the Web API.
	w.WriteHeader(http.StatusOK)
	return http.StatusOK
}

// readVerified reads a POST's body and checks Slack's signature on it, or
// returns the rejection that says why not.
func (s *Slack) readVerified(w http.ResponseWriter, r *http.Request, secret string) ([]byte, error) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		return nil, rejection{http.StatusMethodNotAllowed, "method " + r.Method}
	}
	verifier, err := slack.NewSecretsVerifier(r.Header, secret)
	if err != nil {
		return nil, rejection{http.StatusUnauthorized, "signature headers: " + verifyProblem(err)}
	}
	// Reading and hashing a body not yet known to be Slack's is bounded:
	// at most maxUnverifiedPerAddress at once from one address and
	// maxUnverified in all; past that, a request waits a little, then is
	// told to come again (Slack retries). A body must arrive within
	// bodyTimeout of its turn, so a slow one holds its place no longer:
	// slow bodies from one address cannot hold every place, nor hold
	// theirs for long.
	ctx := r.Context()
	from := remoteKey(r.RemoteAddr)
	if !s.unverifiedFrom.acquire(ctx, from, unverifiedWait) {
		return nil, rejection{http.StatusServiceUnavailable, "too many requests being verified from one address"}
	}
	if !s.unverified.acquire(ctx, unverifiedWait) {
		s.unverifiedFrom.release(from)
		return nil, rejection{http.StatusServiceUnavailable, "too many requests being verified"}
	}
	if err := http.NewResponseController(w).SetReadDeadline(time.Now().Add(s.bodyTimeout)); err != nil {
		s.log.DebugContext(ctx, "slack: no read deadline for the body", "err", err)
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	s.unverified.release()
	s.unverifiedFrom.release(from)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, rejection{http.StatusRequestEntityTooLarge, "body over the size limit"}
		}
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return nil, rejection{http.StatusRequestTimeout, "body too slow"}
		}
		return nil, rejection{http.StatusBadRequest, "reading the body failed"}
	}
	if _, err := verifier.Write(body); err != nil {
		return nil, rejection{http.StatusUnauthorized, "signature: " + err.Error()}
	}
	if err := verifier.Ensure(); err != nil {
		return nil, rejection{http.StatusUnauthorized, "signature does not match"}
	}
	return body, nil
}

// routeBody reads a verified body: an Events API envelope (JSON), or a
// slash command or interaction (a form). It returns the receipt to
// settle, or the status it answered with itself (a URL verification, an
// ssl_check, Slack saying it is rate-limiting the app), or why it was
// refused.
func (s *Slack) routeBody(ctx context.Context, w http.ResponseWriter, r *http.Request, body []byte) (receipt, int, error) {
	if looksLikeJSON(r, body) {
		var env envelope
		if err := json.Unmarshal(body, &env); err != nil {
			return receipt{}, 0, malformed("malformed JSON")
		}
		switch env.Type {
		case "url_verification":
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(map[string]string{"challenge": env.Challenge})
			return receipt{}, http.StatusOK, nil
		case "app_rate_limited":
			s.log.WarnContext(ctx, "slack: Slack is rate-limiting the events it sends this app", "team", env.TeamID)
			w.WriteHeader(http.StatusOK)
			return receipt{}, http.StatusOK, nil
		case "event_callback":
			rc, err := s.routeEvent(env)
			return rc, 0, err
		}
		return receipt{}, 0, malformed("unknown request type " + ident(env.Type))
	}
	form, err := url.ParseQuery(string(body))
	switch {
	case err != nil:
		return receipt{}, 0, malformed("malformed form")
	case form.Get("ssl_check") == "1":
		// Slack checking the endpoint's certificate: nothing to do.
		s.log.DebugContext(ctx, "slack: ssl_check answered")
		w.WriteHeader(http.StatusOK)
		return receipt{}, http.StatusOK, nil
	case form.Has("payload"):
		var cb slack.InteractionCallback
		if err := json.Unmarshal([]byte(form.Get("payload")), &cb); err != nil {
			return receipt{}, 0, malformed("malformed interaction payload")
		}
		rc, err := s.routeInteraction(ctx, cb)
		return rc, 0, err
	case form.Has("command"):
		rc, err := s.routeCommand(ctx, commandFromForm(form.Get))
		return rc, 0, err
	}
	return receipt{}, 0, malformed("form with neither payload nor command")
}

// looksLikeJSON tells the Events API's JSON from the form-encoded commands
// and interactions.
func looksLikeJSON(r *http.Request, body []byte) bool {
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		return true
	}
	return len(bytes.TrimSpace(body)) > 0 && bytes.TrimSpace(body)[0] == '{'
}

// verifyProblem names what was wrong with the signature headers.
func verifyProblem(err error) string {
	switch {
	case errors.Is(err, slack.ErrMissingHeaders):
		return "missing"
	case errors.Is(err, slack.ErrExpiredTimestamp):
		return "timestamp more than 5 minutes away"
	case errors.Is(err, slack.ErrInvalidConfiguration):
		return "no signing secret configured"
	}
	return "malformed"
}

func reasonLabel(status int) string {
	switch status {
	case http.StatusUnauthorized:
		return "signature"
	case http.StatusRequestEntityTooLarge:
		return "too_large"
	case http.StatusMethodNotAllowed:
		return "method"
	case http.StatusRequestTimeout:
		return "too_slow"
	}
	return "malformed"
}

// refusalLog lets through one log line a second about refused requests and
// counts the rest, so that a flood of forged or malformed requests costs
// little and leaves a readable log; the metrics count every one.
type refusalLog struct {
	mu         sync.Mutex
	last       time.Time
	suppressed int
}

// allow reports whether a refusal may be logged now, and how many were
// left unlogged since the last line.
func (l *refusalLog) allow(now time.Time) (bool, int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.last) < time.Second {
		l.suppressed++
		return false, 0
	}
	n := l.suppressed
	l.last, l.suppressed = now, 0
	return true, n
}

// maxUnverified bounds the requests whose bodies are read and hashed at
// once, before their signatures are known good, and
// maxUnverifiedPerAddress those from one address (see remoteKey);
// unverifiedWait is how long one more may wait for a turn, and
// defaultBodyTimeout how long a body may take to arrive once it has one.
const (
	maxUnverified           = 128
	maxUnverifiedPerAddress = 16
	unverifiedWait          = 2 * time.Second
	defaultBodyTimeout      = 5 * time.Second
)

// remoteKey is the address a request's share of unverified places is
// counted by: its IP, or for IPv6 its /64, which one host is commonly
// given whole.
func remoteKey(remoteAddr string) string {
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		host = remoteAddr
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	ip = ip.Unmap()
	if ip.Is6() {
		if p, err := ip.Prefix(64); err == nil {
			return p.String()
		}
	}
	return ip.String()
}

// addressGates is a counting semaphore for each address, each of
// maxUnverifiedPerAddress places, kept only while someone holds or waits
// for one of its places.
type addressGates struct {
	mu sync.Mutex
	m  map[string]*addressGate
}

type addressGate struct {
	ch    chan struct{}
	users int // holding or waiting
}

// acquire takes one of key's places, waiting at most wait (or until ctx
// ends).
func (g *addressGates) acquire(ctx context.Context, key string, wait time.Duration) bool {
	g.mu.Lock()
	if g.m == nil {
		g.m = map[string]*addressGate{}
	}
	a := g.m[key]
	if a == nil {
		a = &addressGate{ch: make(chan struct{}, maxUnverifiedPerAddress)}
		g.m[key] = a
	}
	a.users++
	g.mu.Unlock()
	ok := false
	select {
	case a.ch <- struct{}{}:
		ok = true
	default:
		t := time.NewTimer(wait)
		select {
		case a.ch <- struct{}{}:
			ok = true
		case <-t.C:
		case <-ctx.Done():
		}
		t.Stop()
	}
	if !ok {
		g.leave(key, a)
	}
	return ok
}

// release gives back one of key's places.
func (g *addressGates) release(key string) {
	g.mu.Lock()
	a := g.m[key]
	g.mu.Unlock()
	<-a.ch
	g.leave(key, a)
}

// leave counts one user out of key's gate, forgetting the gate when it
// has none.
func (g *addressGates) leave(key string, a *addressGate) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if a.users--; a.users == 0 {
		delete(g.m, key)
	}
}

// held is how many places key's gate has given out now.
func (g *addressGates) held(key string) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	if a := g.m[key]; a != nil {
		return len(a.ch)
	}
	return 0
}

// gate is a counting semaphore.
type gate struct {
	once sync.Once
	ch   chan struct{}
}

func (g *gate) init() { g.once.Do(func() { g.ch = make(chan struct{}, maxUnverified) }) }

// held is how many places are taken now.
func (g *gate) held() int {
	g.init()
	return len(g.ch)
}

// acquire takes a place, waiting at most wait (or until ctx ends).
func (g *gate) acquire(ctx context.Context, wait time.Duration) bool {
	g.init()
	select {
	case g.ch <- struct{}{}:
		return true
	default:
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case g.ch <- struct{}{}:
		return true
	case <-t.C:
		return false
	case <-ctx.Done():
		return false
	}
}

func (g *gate) release() { <-g.ch }
