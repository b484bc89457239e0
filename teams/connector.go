package teams

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// DefaultRequestTimeout bounds every request the connector makes.
const DefaultRequestTimeout = 15 * time.Second

const maxConnectorResponse = 1 << 20

// ErrUntrustedServiceURL is returned, before anything is sent, for a
// service URL that never arrived in a verified token.
var ErrUntrustedServiceURL = errors.New("teams: service URL not trusted")

// AccessTokens gives the connector its bearer token (TokenSource does).
type AccessTokens interface {
	AccessToken(ctx context.Context) (string, error)
}

// SendError is a failed connector request. Retry says whether it may be
// tried again (412, 429, 502, 503, 504 and network errors); RetryAfter is
// the wait the service asked for, zero when it named none (the caller's
// pacing picks the backoff). Uncertain says the request may have taken
// effect (the connection failed or timed out after it was sent, or a
// gateway gave up): before posting again, look for the earlier attempt.
type SendError struct {
	Op         string // "send", "update", "delete", "create conversation"
	Status     int    // 0 for a network error
	Code       string // the connector's error code, when it gave one
	Retry      bool
	RetryAfter time.Duration
	Uncertain  bool
	Err        error
}

func (e *SendError) Error() string {
	var b strings.Builder
	b.WriteString("teams: ")
	b.WriteString(e.Op)
	if e.Status != 0 {
		fmt.Fprintf(&b, ": status %d", e.Status)
	}
	if e.Code != "" {
		b.WriteString(" (" + e.Code + ")")
	}
	if e.Err != nil {
		b.WriteString(": " + e.Err.Error())
	}
	if e.Retry {
		b.WriteString("; retryable")
		if e.RetryAfter > 0 {
			b.WriteString(" after " + e.RetryAfter.String())
		}
	}
	return b.String()
}

func (e *SendError) Unwrap() error { return e.Err }

// Retryable reports whether err may be retried, and after how long at the
// least (zero: the caller's own backoff).
func Retryable(err error) (time.Duration, bool) {
	var se *SendError
	if errors.As(err, &se) && se.Retry {
		return se.RetryAfter, true
	}
	return 0, false
}

// ConnectorConfig configures a Connector.
type ConnectorConfig struct {
	Tokens  AccessTokens
	Trusted *ServiceURLs
	// HTTPClient makes the requests; http.DefaultClient's transport when
	// nil. Each request is bounded by Timeout whatever the client.
	HTTPClient *http.Client
	Timeout    time.Duration
	// Now is the clock, for Retry-After dates; time.Now when nil.
	Now func() time.Time
}

// Connector calls the Bot Connector REST API (v3) at a conversation's
// service URL. It never sleeps or retries: it classifies failures and lets
// the caller's pacing decide.
type Connector struct {
	tokens  AccessTokens
	trusted *ServiceURLs
	client  *http.Client
	timeout time.Duration
	now     func() time.Time
}

// NewConnector returns a Connector for cfg.
func NewConnector(cfg ConnectorConfig) (*Connector, error) {
	if cfg.Tokens == nil || cfg.Trusted == nil {
		return nil, errors.New("teams: connector needs a token source and the trusted service URLs")
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{}
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultRequestTimeout
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Connector{tokens: cfg.Tokens, trusted: cfg.Trusted, client: cfg.HTTPClient, timeout: cfg.Timeout, now: cfg.Now}, nil
}

// ResourceResponse is the connector's answer to a send: the new activity's id.
type ResourceResponse struct {
	ID string `json:"id"`
}

// Send posts a into the conversation and returns the new message's id.
func (c *Connector) Send(ctx context.Context, serviceURL, conversationID string, a *Activity) (string, error) {
	if conversationID == "" {
		return "", errors.New("teams: send needs a conversation id")
	}
	var r ResourceResponse
	err := c.do(ctx, "send", http.MethodPost, serviceURL, "/v3/conversations/"+url.PathEscape(conversationID)+"/activities", a, &r)
	return r.ID, err
}

// ReplyInThread posts a into the reply chain under rootMessageID in a
// channel (the conversation "<channel>;messageid=<root id>").
func (c *Connector) ReplyInThread(ctx context.Context, serviceURL, channelConversationID, rootMessageID string, a *Activity) (string, error) {
	if rootMessageID == "" {
		return "", errors.New("teams: reply needs the thread's root message id")
	}
	return c.Send(ctx, serviceURL, ThreadConversationID(channelConversationID, rootMessageID), a)
}

// Update replaces the bot's message activityID with a (setting a.ID).
func (c *Connector) Update(ctx context.Context, serviceURL, conversationID, activityID string, a *Activity) error {
	if conversationID == "" || activityID == "" {
		return errors.New("teams: update needs a conversation and an activity id")
	}
	a.ID = activityID
	return c.do(ctx, "update", http.MethodPut, serviceURL, activityPath(conversationID, activityID), a, nil)
}

// Delete deletes the bot's message activityID.
func (c *Connector) Delete(ctx context.Context, serviceURL, conversationID, activityID string) error {
	if conversationID == "" || activityID == "" {
		return errors.New("teams: delete needs a conversation and an activity id")
	}
	return c.do(ctx, "delete", http.MethodDelete, serviceURL, activityPath(conversationID, activityID), nil, nil)
}

func activityPath(conversationID, activityID string) string {
	return "/v3/conversations/" + url.PathEscape(conversationID) + "/activities/" + url.PathEscape(activityID)
}

// ConversationParameters asks for a new conversation: for a 1:1 chat, one
// member (the person), the bot, and the tenant.
type ConversationParameters struct {
	IsGroup     bool             `json:"isGroup"`
	Bot         *ChannelAccount  `json:"bot,omitempty"`
	Members     []ChannelAccount `json:"members"`
	TenantID    string           `json:"tenantId,omitempty"`
	ChannelData *ChannelData     `json:"channelData,omitempty"`
	Activity    *Activity        `json:"activity,omitempty"`
}

// ConversationResource is the connector's answer to creating a conversation.
type ConversationResource struct {
	ID         string `json:"id"`
	ActivityID string `json:"activityId,omitempty"`
	ServiceURL string `json:"serviceUrl,omitempty"`
}

// CreatePersonalConversation opens (or finds: the service returns the same
// id each time) the 1:1 chat between the bot and the person userID (a Teams
// user id or "29:..."), for private notices.
func (c *Connector) CreatePersonalConversation(ctx context.Context, serviceURL, botID, userID, tenantID string) (ConversationResource, error) {
	if userID == "" || tenantID == "" {
		return ConversationResource{}, errors.New("teams: a 1:1 chat needs the person and the tenant")
	}
	p := ConversationParameters{
		Members:     []ChannelAccount{{ID: userID}},
		TenantID:    tenantID,
		ChannelData: &ChannelData{Tenant: &TenantInfo{ID: tenantID}},
	}
	if botID != "" {
		p.Bot = &ChannelAccount{ID: botID}
	}
	return c.CreateConversation(ctx, serviceURL, p)
}

// CreateConversation posts p to {serviceUrl}/v3/conversations.
func (c *Connector) CreateConversation(ctx context.Context, serviceURL string, p ConversationParameters) (ConversationResource, error) {
	var r ConversationResource
	err := c.do(ctx, "create conversation", http.MethodPost, serviceURL, "/v3/conversations", p, &r)
	if err == nil && r.ID == "" {
		err = &SendError{Op: "create conversation", Status: http.StatusOK, Err: errors.New("no conversation id in the answer")}
	}
	return r, err
}

// do makes one request: refuses an untrusted service URL, bounds the
// request by the timeout, and classifies the outcome.
func (c *Connector) do(ctx context.Context, op, method, serviceURL, path string, body, out any) error {
	if !c.trusted.Allowed(serviceURL) {
		return ErrUntrustedServiceURL
	}
	base, err := url.Parse(serviceURL)
	if err != nil || base.Scheme != "https" {
		return ErrUntrustedServiceURL
	}
	endpoint := strings.TrimRight(serviceURL, "/") + path

	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	token, err := c.tokens.AccessToken(ctx)
	if err != nil {
		// Nothing was sent. A refused credential is permanent; an
		// unreachable or overloaded token endpoint is not.
		var te *TokenError
		retry := !errors.As(err, &te) || te.Temporary()
		return &SendError{Op: op, Retry: retry, Err: err}
	}
	var reader io.Reader
	if body != nil {
		buf, err := json.Marshal(body)
		if err != nil {
			return &SendError{Op: op, Err: err}
		}
		reader = bytes.NewReader(buf)
	}
	req, err := http.NewRequestWithContext(ctx, method, endpoint, reader)
	if err != nil {
		return &SendError{Op: op, Err: err}
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json; charset=utf-8")
	}
	resp, err := c.client.Do(req)
	if err != nil {
		// The request may or may not have reached the service.
		return &SendError{Op: op, Retry: true, Uncertain: method != http.MethodDelete, Err: networkError(err)}
	}
	defer resp.Body.Close()
	data, readErr := io.ReadAll(io.LimitReader(resp.Body, maxConnectorResponse))

	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		if readErr != nil {
			return &SendError{Op: op, Status: resp.StatusCode, Retry: true, Uncertain: true, Err: readErr}
		}
		if out != nil && len(bytes.TrimSpace(data)) > 0 {
			if err := json.Unmarshal(data, out); err != nil {
				return &SendError{Op: op, Status: resp.StatusCode, Uncertain: true, Err: fmt.Errorf("answer not understood: %w", err)}
			}
		}
		return nil
	}
	return c.classify(op, method, resp, data)
}

// classify turns a non-2xx answer into a SendError: 412, 429, 502, 503 and
// 504 may be retried (after Retry-After when given); every other status is
// permanent.
func (c *Connector) classify(op, method string, resp *http.Response, body []byte) error {
	se := &SendError{Op: op, Status: resp.StatusCode, Code: errorCode(body)}
	switch resp.StatusCode {
	case http.StatusPreconditionFailed, http.StatusTooManyRequests,
		http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		se.Retry = true
		se.RetryAfter = retryAfter(resp.Header.Get("Retry-After"), c.now())
		// A gateway that gave up may have passed the request on.
		se.Uncertain = method != http.MethodDelete &&
			(resp.StatusCode == http.StatusBadGateway || resp.StatusCode == http.StatusGatewayTimeout)
	case http.StatusUnauthorized:
		if inv, ok := c.tokens.(interface{ Invalidate() }); ok {
			inv.Invalidate()
		}
	}
	return se
}

// errorCode reads the connector's {"error":{"code":...}}; the message is
// not kept (it may echo content).
func errorCode(body []byte) string {
	var e struct {
		Error struct {
			Code string `json:"code"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &e) != nil {
		return ""
	}
	code := e.Error.Code
	if len(code) > 64 {
		code = code[:64]
	}
	return code
}

// retryAfter reads Retry-After as seconds or as an HTTP date.
func retryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(v); err == nil {
		if n < 0 {
			return 0
		}
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return d
		}
	}
	return 0
}

// networkError strips the URL from a client error: the path carries
// conversation ids, which need not be in logs.
func networkError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		var ne net.Error
		if errors.As(ue.Err, &ne) && ne.Timeout() {
			return fmt.Errorf("%s: timeout", ue.Op)
		}
		return fmt.Errorf("%s: %w", ue.Op, ue.Err)
	}
	return err
}
