package themes

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	openai "github.com/sashabaranov/go-openai"
)

// maxRetryAfter caps the wait a server can ask for in Retry-After.
const maxRetryAfter = time.Hour

// ModelError is why the model coder could not code an answer. Its message
// never holds the answer text, the model's reply or the API key: the
// endpoint's own error message is left out too, since it can echo part of
// the key ("Incorrect API key provided: sk-...").
type ModelError struct {
	// Retryable is true when trying again later may succeed: a rate limit
	// (429), a server error (5xx), a timeout, a network error, a reply that
	// was not the JSON asked for or held an invalid value, or a refusal.
	// It is false for a request the endpoint rejected (400, 401, 403, 404)
	// or one the client would not send.
	Retryable bool
	// RetryAfter is how long the endpoint asked to wait (its Retry-After
	// header on a 429 or 503), or 0.
	RetryAfter time.Duration
	// Reason says what went wrong, in words safe to log.
	Reason string
	// StatusCode is the endpoint's HTTP status, or 0 when there was none.
	StatusCode int
	// Instructions is true when the answer was not sent because it reads
	// as instructions to the model (ReadsAsInstructions): the offline
	// coder reads it instead, at once. Not Retryable.
	Instructions bool
	// Held is true when no request was made because the endpoint's pace
	// holds calls back (an earlier Retry-After or failure, see
	// Coding.Pace); RetryAfter says for how long.
	Held bool

	// down is true when the endpoint itself failed (a 429, a 5xx or 408,
	// a timeout, a network error, a response that could not be read),
	// rather than its reply to this answer: calls to it are then held back
	// for a while (see Coding).
	down bool
	err  error
}

// EndpointDown reports whether the error says the endpoint itself failed
// (rate limited, a server error, a timeout, unreachable), rather than that
// its reply to this one answer was unusable.
func (e *ModelError) EndpointDown() bool { return e.down }

// Error returns "model coder: " and the reason.
func (e *ModelError) Error() string { return "model coder: " + e.Reason }

// Unwrap returns the underlying error, when it holds nothing unsafe to log:
// context.DeadlineExceeded or context.Canceled, a network error (without
// the URL), a JSON syntax error, or an *openai.APIError with the status,
// type and code but not the endpoint's message.
func (e *ModelError) Unwrap() error { return e.err }

// retryAfterKey is the context key under which Code leaves a
// *retryAfterNote for retryAfterTransport to fill.
type retryAfterKey struct{}

// retryAfterNote holds the Retry-After of one request's 429 or 503
// response. Each call to Code has its own note, carried in the request's
// context, so concurrent requests never see each other's.
type retryAfterNote struct {
	mu         sync.Mutex
	retryAfter string
	retryMS    string
}

func (n *retryAfterNote) record(h http.Header) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.retryAfter = h.Get("Retry-After")
	n.retryMS = h.Get("Retry-After-Ms")
}

// wait returns the recorded wait, read at now.
func (n *retryAfterNote) wait(now time.Time) time.Duration {
	n.mu.Lock()
	defer n.mu.Unlock()
	if d, ok := parseRetryAfter(n.retryAfter, now); ok {
		return d
	}
	// Azure OpenAI also sends retry-after-ms.
	if ms, err := strconv.ParseFloat(strings.TrimSpace(n.retryMS), 64); err == nil && ms > 0 {
		if ms >= float64(maxRetryAfter/time.Millisecond) {
			return maxRetryAfter
		}
		return time.Duration(ms * float64(time.Millisecond))
	}
	return 0
}

// parseRetryAfter reads a Retry-After value: a number of seconds or an HTTP
// date. The wait is never negative and at most maxRetryAfter.
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if s, err := strconv.ParseFloat(v, 64); err == nil {
		if math.IsNaN(s) || s < 0 {
			return 0, false
		}
		if s >= maxRetryAfter.Seconds() {
			return maxRetryAfter, true
		}
		return time.Duration(s * float64(time.Second)), true
	}
	if t, err := http.ParseTime(v); err == nil {
		return min(max(t.Sub(now), 0), maxRetryAfter), true
	}
	return 0, false
}

// retryAfterTransport passes requests to base and notes the Retry-After of
// a 429 or 503 response in the request's retryAfterNote, since go-openai's
// errors do not carry response headers. It changes neither request nor
// response.
type retryAfterTransport struct {
	base http.RoundTripper
}

// RoundTrip implements http.RoundTripper.
func (t *retryAfterTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(req)
	if err == nil && (resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable) {
		if n, ok := req.Context().Value(retryAfterKey{}).(*retryAfterNote); ok {
			n.record(resp.Header)
		}
	}
	return resp, err
}

// CloseIdleConnections passes the call on to the base transport.
func (t *retryAfterTransport) CloseIdleConnections() {
	if c, ok := t.base.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

// withRetryAfter returns a copy of c (or of a default client) whose
// transport notes Retry-After headers.
func withRetryAfter(c *http.Client) *http.Client {
	if c == nil {
		c = &http.Client{Timeout: DefaultModelTimeout}
	}
	cc := *c
	base := cc.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	cc.Transport = &retryAfterTransport{base: base}
	return &cc
}

// safeIdent matches an error type or code from the endpoint that is short
// and plain enough to put in a reason ("rate_limit_exceeded").
var safeIdent = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,64}$`)

// classify turns an error from go-openai into a *ModelError.
func classify(err error, note *retryAfterNote) *ModelError {
	var apiErr *openai.APIError
	var reqErr *openai.RequestError
	switch {
	case errors.As(err, &apiErr):
		return statusError(apiErr.HTTPStatusCode, apiErr.HTTPStatus, apiErr.Type, apiErr.Code, note)
	case errors.As(err, &reqErr):
		if reqErr.HTTPStatusCode == 0 {
			return &ModelError{Retryable: true, Reason: "the response could not be read", down: true}
		}
		return statusError(reqErr.HTTPStatusCode, reqErr.HTTPStatus, "", nil, note)
	case errors.Is(err, context.DeadlineExceeded) || isTimeout(err):
		return &ModelError{Retryable: true, Reason: "the request timed out", err: context.DeadlineExceeded, down: true}
	case errors.Is(err, context.Canceled):
		return &ModelError{Retryable: true, Reason: "the request was cancelled", err: context.Canceled}
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		// ue's message holds the URL; its inner error does not.
		if ue.Op == "parse" {
			return &ModelError{Reason: "the endpoint's URL is not valid; check OPENAI_BASE_URL"}
		}
		return &ModelError{Retryable: true, Reason: "could not reach the endpoint: " + ue.Err.Error(), err: ue.Err, down: true}
	}
	var syntaxErr *json.SyntaxError
	var typeErr *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntaxErr):
		return &ModelError{Retryable: true, Reason: "the response was not valid JSON", err: syntaxErr}
	case errors.As(err, &typeErr):
		return &ModelError{Retryable: true, Reason: "the response was not a chat completion", err: typeErr}
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		return &ModelError{Retryable: true, Reason: "the response was cut off", err: io.ErrUnexpectedEOF, down: true}
	}
	// go-openai would not build the request (say, a parameter the model
	// does not take); its messages are fixed texts.
	return &ModelError{Reason: "the request was not sent: " + err.Error(), err: err}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// statusError describes an HTTP error status. The endpoint's message is
// left out; its type and code are kept when they are plain identifiers.
func statusError(status int, statusText, typ string, code any, note *retryAfterNote) *ModelError {
	var ids []string
	cause := &openai.APIError{HTTPStatusCode: status, HTTPStatus: statusText}
	if safeIdent.MatchString(typ) {
		ids = append(ids, typ)
		cause.Type = typ
	}
	if c := fmt.Sprint(code); code != nil && safeIdent.MatchString(c) && c != typ {
		ids = append(ids, c)
		cause.Code = c
	}
	detail := fmt.Sprintf("HTTP %d", status)
	if len(ids) > 0 {
		detail += ", " + strings.Join(ids, ", ")
	}
	e := &ModelError{StatusCode: status, err: cause}
	switch {
	case status == http.StatusTooManyRequests:
		e.Retryable, e.down = true, true
		e.RetryAfter = note.wait(time.Now())
		e.Reason = "rate limited (" + detail + ")"
		if e.RetryAfter > 0 {
			e.Reason += fmt.Sprintf(", retry after %s", e.RetryAfter)
		}
	case status >= 500:
		e.Retryable, e.down = true, true
		e.RetryAfter = note.wait(time.Now())
		e.Reason = "the endpoint failed (" + detail + ")"
	case status == http.StatusRequestTimeout:
		e.Retryable, e.down = true, true
		e.Reason = "the endpoint timed out (" + detail + ")"
	case code == "content_filter":
		// Azure OpenAI rejects a prompt its content filter catches with a
		// 400; like a refusal, the job may try again, then fall back.
		e.Retryable = true
		e.Reason = "the endpoint's content filter refused the answer (" + detail + ")"
	case status == http.StatusUnauthorized:
		e.Reason = "the endpoint did not accept the API key; check OPENAI_API_KEY (" + detail + ")"
	case status == http.StatusForbidden:
		e.Reason = "the endpoint refused access; check the key's permissions (" + detail + ")"
	case status == http.StatusNotFound:
		e.Reason = "the endpoint or model was not found; check OPENAI_BASE_URL and OPENAI_MODEL (" + detail + ")"
	default:
		e.Reason = "the endpoint rejected the request (" + detail + ")"
	}
	return e
}
