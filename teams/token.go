package teams

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// The bot's outbound token: client credentials from Entra ID for the Bot
// Connector. A single-tenant bot asks its own tenant's endpoint (the
// multi-tenant "botframework.com" tenant is not used).
const (
	// TokenURLTemplate is the Entra ID v2 token endpoint; %s is the tenant.
	TokenURLTemplate = "https://login.microsoftonline.com/%s/oauth2/v2.0/token"
	// BotFrameworkScope is the scope of a token for the Bot Connector.
	BotFrameworkScope = "https://api.botframework.com/.default"
	// DefaultTokenEarly is how long before its expiry a cached token is
	// replaced.
	DefaultTokenEarly = 5 * time.Minute
)

// TokenConfig configures a TokenSource.
type TokenConfig struct {
	AppID       string // the bot's Microsoft App ID (client id)
	AppPassword string // its client secret; or
	// Certificate, in place of the secret: each token request carries a
	// client assertion signed with it (certificate.go).
	Certificate *Certificate
	TenantID    string // the Entra ID tenant the bot is registered in
	// TokenURL overrides the endpoint built from TenantID (tests).
	TokenURL string
	// Early is how long before expiry a token is replaced;
	// DefaultTokenEarly when zero.
	Early time.Duration
	// HTTPClient makes the token requests; a client with a 10 s timeout
	// when nil.
	HTTPClient *http.Client
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

// TokenSource hands out the bot's access token, fetching a new one only when
// the cached one is within Early of its expiry. It is safe for concurrent
// use; concurrent callers wait for one fetch.
type TokenSource struct {
	cc     clientcredentials.Config
	client *http.Client
	now    func() time.Time
	early  time.Duration
	cert   *Certificate

	mu      sync.Mutex
	token   string
	renewAt time.Time
	fetches int // for tests
}

// NewTokenSource returns a TokenSource for cfg.
func NewTokenSource(cfg TokenConfig) (*TokenSource, error) {
	if cfg.AppID == "" || (cfg.AppPassword == "") == (cfg.Certificate == nil) {
		return nil, errors.New("teams: token source needs the app id, and its password or its certificate (one of them)")
	}
	tokenURL := cfg.TokenURL
	if tokenURL == "" {
		t := strings.TrimSpace(cfg.TenantID)
		if t == "" || strings.ContainsAny(t, "/?#%") {
			return nil, errors.New("teams: token source needs the bot's tenant id")
		}
		tokenURL = fmt.Sprintf(TokenURLTemplate, url.PathEscape(t))
	}
	if cfg.Early == 0 {
		cfg.Early = DefaultTokenEarly
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &TokenSource{
		cc: clientcredentials.Config{
			ClientID:     cfg.AppID,
			ClientSecret: cfg.AppPassword,
			TokenURL:     tokenURL,
			Scopes:       []string{BotFrameworkScope},
			AuthStyle:    oauth2.AuthStyleInParams,
		},
		client: cfg.HTTPClient,
		now:    cfg.Now,
		early:  cfg.Early,
		cert:   cfg.Certificate,
	}, nil
}

// AccessToken returns a valid access token for the Bot Connector.
func (s *TokenSource) AccessToken(ctx context.Context) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	if s.token != "" && now.Before(s.renewAt) {
		return s.token, nil
	}
	s.fetches++
	// clientcredentials.Config.Token fetches every time; the caching is
	// ours, on the injected clock.
	cc := s.cc
	if s.cert != nil {
		assertion, err := s.cert.assertion(cc.ClientID, cc.TokenURL, now)
		if err != nil {
			return "", &TokenError{Err: errors.New("signing the client assertion failed")}
		}
		cc.EndpointParams = url.Values{"client_assertion_type": {ClientAssertionType}, "client_assertion": {assertion}}
	}
	tok, err := cc.Token(context.WithValue(ctx, oauth2.HTTPClient, s.client))
	if err != nil {
		return "", tokenError(err)
	}
	if tok.AccessToken == "" {
		return "", errors.New("teams: token endpoint returned no access token")
	}
	life := lifetime(tok)
	early := s.early
	if early > life/2 {
		early = life / 2
	}
	s.token = tok.AccessToken
	s.renewAt = now.Add(life - early)
	return s.token, nil
}

// Invalidate drops the cached token, e.g. after the connector answered 401.
func (s *TokenSource) Invalidate() {
	s.mu.Lock()
	s.token = ""
	s.mu.Unlock()
}

// lifetime reads expires_in from the response, falling back to the expiry
// the oauth2 package computed.
func lifetime(tok *oauth2.Token) time.Duration {
	switch v := tok.Extra("expires_in").(type) {
	case float64:
		if v > 0 {
			return time.Duration(v) * time.Second
		}
	case string:
		if n, err := strconv.Atoi(v); err == nil && n > 0 {
			return time.Duration(n) * time.Second
		}
	}
	if !tok.Expiry.IsZero() {
		if d := time.Until(tok.Expiry); d > 0 {
			return d
		}
	}
	return time.Minute
}

// TokenError is a failed token request. Status is the token endpoint's
// HTTP status, 0 when it could not be reached; Code the OAuth error code
// (e.g. invalid_client). It never holds the request, which carries the
// secret.
type TokenError struct {
	Status int
	Code   string
	Err    error
}

func (e *TokenError) Error() string {
	if e.Status != 0 {
		return fmt.Sprintf("teams: token endpoint answered %d (%s)", e.Status, e.Code)
	}
	return "teams: token request failed: " + e.Err.Error()
}

func (e *TokenError) Unwrap() error { return e.Err }

// Temporary reports whether asking again later may succeed.
func (e *TokenError) Temporary() bool {
	return e.Status == 0 || e.Status == http.StatusTooManyRequests || e.Status >= 500
}

func tokenError(err error) error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) && re.Response != nil {
		code := re.ErrorCode
		if code == "" {
			code = "unknown"
		}
		return &TokenError{Status: re.Response.StatusCode, Code: code}
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		return &TokenError{Err: fmt.Errorf("%s: %w", ue.Op, ue.Err)}
	}
	return &TokenError{Err: err}
}
