package teams

import (
	"context"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// The Bot Framework's inbound authentication, as documented in "Authenticate
// requests from the Bot Connector service to your bot" (Azure Bot Service,
// REST API, bot-framework-rest-connector-authentication). docs/teams.md lists
// each rule with its source.
const (
	// DefaultOpenIDMetadataURL is the Bot Connector's OpenID metadata
	// document, which names the key set (jwks_uri).
	DefaultOpenIDMetadataURL = "https://login.botframework.com/v1/.well-known/openidconfiguration"
	// BotFrameworkIssuer is the only issuer accepted on inbound tokens.
	BotFrameworkIssuer = "https://api.botframework.com"
	// DefaultClockSkew is the "industry-standard" five minutes the
	// documentation allows either side of nbf and exp.
	DefaultClockSkew = 5 * time.Minute
	// DefaultKeyRefresh is how old the cached keys may get before they are
	// fetched again: the SDKs refresh every 24 hours.
	DefaultKeyRefresh = 24 * time.Hour
	// DefaultUnknownKeyGap is how long after one fetch an unknown kid may
	// make the verifier fetch again, so a flood of made-up kids cannot make
	// it fetch on every request.
	DefaultUnknownKeyGap = 5 * time.Minute
	// DefaultMaxKeyAge is how long keys that could not be refreshed are
	// still used (the documentation says the list "may be cached for long
	// periods of time (by default, 5 days within the Bot Framework SDK)").
	DefaultMaxKeyAge = 5 * 24 * time.Hour

	signingAlg     = "RS256"
	maxMetadataLen = 1 << 20
)

// ErrForbidden is the error every authentication failure wraps; the HTTP
// layer answers it with 403.
var ErrForbidden = errors.New("teams: request not authenticated")

// AuthError says why a request was refused. Reason never contains the token.
type AuthError struct {
	Reason string
	Err    error
}

func (e *AuthError) Error() string {
	if e.Err != nil {
		return "teams: request refused: " + e.Reason + ": " + e.Err.Error()
	}
	return "teams: request refused: " + e.Reason
}

// Is makes every AuthError match ErrForbidden.
func (e *AuthError) Is(target error) bool { return target == ErrForbidden }

func (e *AuthError) Unwrap() error { return e.Err }

func refuse(reason string, err error) error { return &AuthError{Reason: reason, Err: err} }

// VerifierConfig configures a Verifier. AppID is required; the rest have
// defaults.
type VerifierConfig struct {
	// AppID is the bot's Microsoft App ID: the audience of every token.
	AppID string
	// MetadataURL is the OpenID metadata document; DefaultOpenIDMetadataURL
	// when empty (tests point it at a stand-in).
	MetadataURL string
	// Tenants, when not empty, is the allow-list of Entra ID tenant ids an
	// activity may come from.
	Tenants []string
	// Channels are the channel ids accepted; [ChannelTeams] when empty.
	Channels []string
	// ClockSkew is allowed either side of a token's validity;
	// DefaultClockSkew when zero.
	ClockSkew time.Duration
	// KeyRefresh, UnknownKeyGap and MaxKeyAge: see the Default constants.
	KeyRefresh    time.Duration
	UnknownKeyGap time.Duration
	MaxKeyAge     time.Duration
	// HTTPClient fetches the metadata and keys; a client with a 10 s
	// timeout when nil.
	HTTPClient *http.Client
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// Trusted, when set, receives the service URL of every verified
	// activity: the connector only sends to those.
	Trusted *ServiceURLs
}

// Verifier checks the JWT on each request from the Bot Framework.
type Verifier struct {
	cfg     VerifierConfig
	tenants map[string]bool
	keys    *keySet
}

// NewVerifier returns a Verifier for cfg.
func NewVerifier(cfg VerifierConfig) (*Verifier, error) {
	if strings.TrimSpace(cfg.AppID) == "" {
		return nil, errors.New("teams: verifier needs the bot's app id")
	}
	if cfg.MetadataURL == "" {
		cfg.MetadataURL = DefaultOpenIDMetadataURL
	}
	if len(cfg.Channels) == 0 {
		cfg.Channels = []string{ChannelTeams}
	}
	if cfg.ClockSkew == 0 {
		cfg.ClockSkew = DefaultClockSkew
	}
	if cfg.KeyRefresh == 0 {
		cfg.KeyRefresh = DefaultKeyRefresh
	}
	if cfg.UnknownKeyGap == 0 {
		cfg.UnknownKeyGap = DefaultUnknownKeyGap
	}
	if cfg.MaxKeyAge == 0 {
		cfg.MaxKeyAge = DefaultMaxKeyAge
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	v := &Verifier{cfg: cfg}
	if len(cfg.Tenants) > 0 {
		v.tenants = make(map[string]bool, len(cfg.Tenants))
		for _, t := range cfg.Tenants {
			v.tenants[strings.ToLower(strings.TrimSpace(t))] = true
		}
	}
	v.keys = &keySet{
		metadataURL: cfg.MetadataURL,
		client:      cfg.HTTPClient,
		now:         cfg.Now,
		refresh:     cfg.KeyRefresh,
		gap:         cfg.UnknownKeyGap,
		maxAge:      cfg.MaxKeyAge,
	}
	return v, nil
}

// Claims is what a verified request established.
type Claims struct {
	ServiceURL string
	ChannelID  string
	TenantID   string
	Expires    time.Time
}

// Verify checks authorization (the request's Authorization header) against
// the activity it came with. Any failure is an error matching ErrForbidden,
// except that a failure to fetch the keys is also reported as such (the
// request cannot be trusted either way).
func (v *Verifier) Verify(ctx context.Context, authorization string, a *Activity) (*Claims, error) {
	scheme, raw, ok := strings.Cut(strings.TrimSpace(authorization), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(raw) == "" {
		return nil, refuse("no bearer token", nil)
	}
	raw = strings.TrimSpace(raw)
	if a == nil {
		return nil, refuse("no activity", nil)
	}
	if a.ServiceURL == "" {
		return nil, refuse("activity has no serviceUrl", nil)
	}
	if !slices.Contains(v.cfg.Channels, a.ChannelID) {
		return nil, refuse("channel not accepted", nil)
	}

	var endorsements []string
	parser := jwt.NewParser(
		jwt.WithValidMethods([]string{signingAlg}),
		jwt.WithIssuer(BotFrameworkIssuer),
		jwt.WithAudience(v.cfg.AppID),
		jwt.WithLeeway(v.cfg.ClockSkew),
		jwt.WithTimeFunc(v.cfg.Now),
		jwt.WithExpirationRequired(),
	)
	claims := jwt.MapClaims{}
	_, err := parser.ParseWithClaims(raw, claims, func(t *jwt.Token) (any, error) {
		kid, _ := t.Header["kid"].(string)
		if kid == "" {
			return nil, errors.New("token has no kid")
		}
		k, err := v.keys.key(ctx, kid)
		if err != nil {
			return nil, err
		}
		endorsements = k.endorsements
		return k.pub, nil
	})
	if err != nil {
		return nil, refuse("token invalid", err)
	}

	// The serviceurl claim must name the service URL the activity asks the
	// bot to answer at, so a token for one cannot be replayed for another.
	su := stringClaim(claims, "serviceurl")
	if su == "" {
		su = stringClaim(claims, "serviceUrl")
	}
	if su == "" || su != a.ServiceURL {
		return nil, refuse("serviceurl claim does not match the activity", nil)
	}
	// The signing key must be endorsed for the activity's channel.
	if !slices.Contains(endorsements, a.ChannelID) {
		return nil, refuse("signing key not endorsed for the channel", nil)
	}
	tenant, err := v.checkTenant(a)
	if err != nil {
		return nil, err
	}

	c := &Claims{ServiceURL: a.ServiceURL, ChannelID: a.ChannelID, TenantID: tenant}
	if exp, err := claims.GetExpirationTime(); err == nil && exp != nil {
		c.Expires = exp.Time
	}
	if v.cfg.Trusted != nil {
		v.cfg.Trusted.Add(a.ServiceURL)
	}
	return c, nil
}

// checkTenant applies the tenant allow-list. The channel data's tenant and
// the conversation's must agree when both are present.
func (v *Verifier) checkTenant(a *Activity) (string, error) {
	cd, conv := a.TenantIDs()
	if cd != "" && conv != "" && !strings.EqualFold(cd, conv) {
		return "", refuse("tenant ids disagree", nil)
	}
	tenant := cd
	if tenant == "" {
		tenant = conv
	}
	if v.tenants == nil {
		return tenant, nil
	}
	if tenant == "" {
		return "", refuse("activity names no tenant", nil)
	}
	if !v.tenants[strings.ToLower(tenant)] {
		return "", refuse("tenant not allowed", nil)
	}
	return tenant, nil
}

func stringClaim(c jwt.MapClaims, name string) string {
	s, _ := c[name].(string)
	return s
}

// signingKey is one key of the Bot Connector's key set.
type signingKey struct {
	pub          *rsa.PublicKey
	endorsements []string
}

// keySet caches the keys named by the OpenID metadata.
type keySet struct {
	metadataURL string
	client      *http.Client
	now         func() time.Time
	refresh     time.Duration
	gap         time.Duration
	maxAge      time.Duration

	mu        sync.Mutex
	keys      map[string]signingKey
	fetched   time.Time // when keys were last fetched successfully
	attempted time.Time // when a fetch was last tried
	fetches   int       // fetches tried, for tests
}

// key returns the key kid. The set is fetched when it is older than the
// refresh interval, and when kid is unknown, but never twice within the gap
// (noKeysGap while there are no keys at all), so a flood of made-up kids, or
// an unreachable metadata endpoint, cannot make the verifier fetch on every
// request. Keys that could not be refreshed are used until maxAge. The lock
// is held through a fetch, so concurrent requests wait for one fetch rather
// than starting their own.
func (s *keySet) key(ctx context.Context, kid string) (signingKey, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	if s.keys == nil || now.Sub(s.fetched) >= s.refresh {
		if s.mayFetch(now) {
			if err := s.fetch(ctx, now); err != nil && s.keys == nil {
				return signingKey{}, err
			}
		}
	}
	if s.keys == nil {
		return signingKey{}, errors.New("no signing keys (fetch failed recently)")
	}
	if now.Sub(s.fetched) >= s.maxAge {
		return signingKey{}, errors.New("signing keys too old and could not be refreshed")
	}
	if k, ok := s.keys[kid]; ok {
		return k, nil
	}
	if s.mayFetch(now) {
		if err := s.fetch(ctx, now); err != nil {
			return signingKey{}, err
		}
		if k, ok := s.keys[kid]; ok {
			return k, nil
		}
	}
	return signingKey{}, errors.New("unknown signing key")
}

// noKeysGap is the gap between fetches while no key set has ever been had.
const noKeysGap = 30 * time.Second

func (s *keySet) mayFetch(now time.Time) bool {
	if s.attempted.IsZero() {
		return true
	}
	gap := s.gap
	if s.keys == nil {
		gap = min(gap, noKeysGap)
	}
	return now.Sub(s.attempted) >= gap
}

type openIDMetadata struct {
	Issuer        string   `json:"issuer"`
	JWKSURI       string   `json:"jwks_uri"`
	SigningAlgs   []string `json:"id_token_signing_alg_values_supported"`
	TokenEndpoint string   `json:"token_endpoint,omitempty"`
}

type jwk struct {
	Kty          string   `json:"kty"`
	Use          string   `json:"use,omitempty"`
	Kid          string   `json:"kid"`
	N            string   `json:"n"`
	E            string   `json:"e"`
	Endorsements []string `json:"endorsements,omitempty"`
}

// fetch reads the metadata, then its key set, and replaces the cache.
// Called with s.mu held.
func (s *keySet) fetch(ctx context.Context, now time.Time) error {
	s.attempted = now
	s.fetches++
	var md openIDMetadata
	if err := s.getJSON(ctx, s.metadataURL, &md); err != nil {
		return fmt.Errorf("openid metadata: %w", err)
	}
	if md.JWKSURI == "" {
		return errors.New("openid metadata has no jwks_uri")
	}
	if len(md.SigningAlgs) > 0 && !slices.Contains(md.SigningAlgs, signingAlg) {
		return errors.New("openid metadata does not list RS256")
	}
	jwksURL, err := url.Parse(md.JWKSURI)
	if err != nil || (jwksURL.Scheme != "https" && !sameOrigin(s.metadataURL, jwksURL)) {
		return errors.New("openid metadata jwks_uri is not https")
	}
	var set struct {
		Keys []jwk `json:"keys"`
	}
	if err := s.getJSON(ctx, md.JWKSURI, &set); err != nil {
		return fmt.Errorf("key set: %w", err)
	}
	keys := make(map[string]signingKey, len(set.Keys))
	for _, k := range set.Keys {
		if k.Kty != "RSA" || k.Kid == "" || (k.Use != "" && k.Use != "sig") {
			continue
		}
		pub, err := rsaKey(k.N, k.E)
		if err != nil {
			continue
		}
		keys[k.Kid] = signingKey{pub: pub, endorsements: k.Endorsements}
	}
	if len(keys) == 0 {
		return errors.New("key set has no usable RSA keys")
	}
	s.keys = keys
	s.fetched = now
	return nil
}

// sameOrigin lets a test's plain-http stand-in name its own keys.
func sameOrigin(base string, u *url.URL) bool {
	b, err := url.Parse(base)
	return err == nil && b.Scheme == u.Scheme && b.Host == u.Host
}

func (s *keySet) getJSON(ctx context.Context, u string, into any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := s.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %d", resp.StatusCode)
	}
	return json.NewDecoder(io.LimitReader(resp.Body, maxMetadataLen)).Decode(into)
}

func rsaKey(n64, e64 string) (*rsa.PublicKey, error) {
	nb, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(n64, "="))
	if err != nil {
		return nil, err
	}
	eb, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(e64, "="))
	if err != nil {
		return nil, err
	}
	if len(nb) < 256 || len(eb) == 0 || len(eb) > 4 {
		return nil, errors.New("rsa key too small or exponent malformed")
	}
	e := 0
	for _, b := range eb {
		e = e<<8 | int(b)
	}
	if e < 3 {
		return nil, errors.New("rsa exponent too small")
	}
	return &rsa.PublicKey{N: new(big.Int).SetBytes(nb), E: e}, nil
}

// ServiceURLs is the set of service URLs the bot may send to: those that
// arrived in a verified token. The verifier fills it; the connector refuses
// any other. After a restart the integration may Add the service URLs it
// stored with conversations, since only verified ones were ever stored.
type ServiceURLs struct {
	mu   sync.RWMutex
	urls map[string]bool
}

// NewServiceURLs returns an empty set.
func NewServiceURLs() *ServiceURLs { return &ServiceURLs{urls: map[string]bool{}} }

// Add trusts u.
func (s *ServiceURLs) Add(u string) {
	k := normalizeServiceURL(u)
	if k == "" {
		return
	}
	s.mu.Lock()
	s.urls[k] = true
	s.mu.Unlock()
}

// Allowed reports whether u is trusted.
func (s *ServiceURLs) Allowed(u string) bool {
	if s == nil {
		return false
	}
	k := normalizeServiceURL(u)
	s.mu.RLock()
	defer s.mu.RUnlock()
	return k != "" && s.urls[k]
}

// List returns the trusted service URLs, sorted.
func (s *ServiceURLs) List() []string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]string, 0, len(s.urls))
	for u := range s.urls {
		out = append(out, u)
	}
	slices.Sort(out)
	return out
}

// normalizeServiceURL lower-cases the scheme and host and drops a trailing
// slash, so "https://smba.trafficmanager.net/emea/" and ".../emea" are one.
func normalizeServiceURL(u string) string {
	p, err := url.Parse(strings.TrimSpace(u))
	if err != nil || p.Host == "" || (p.Scheme != "https" && p.Scheme != "http") || p.User != nil || p.RawQuery != "" || p.Fragment != "" {
		return ""
	}
	return strings.ToLower(p.Scheme) + "://" + strings.ToLower(p.Host) + strings.TrimRight(p.EscapedPath(), "/")
}
