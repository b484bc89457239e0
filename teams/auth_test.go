package teams

import (
	"context"
	"crypto/rsa"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// verifierFixture is a verifier wired to a fake Bot Framework and a fake
// clock, with the test key published as "k1", endorsed for msteams.
type verifierFixture struct {
	bf      *fakeBotFramework
	clock   *fakeClock
	v       *Verifier
	trusted *ServiceURLs
	key     *rsa.PrivateKey
	stray   *rsa.PrivateKey
}

func newVerifierFixture(t *testing.T, mutate func(*VerifierConfig)) *verifierFixture {
	t.Helper()
	key, stray := keys(t)
	bf := newFakeBotFramework(t, publishedKey{kid: "k1", pub: &key.PublicKey, endorsements: []string{"msteams", "webchat"}})
	f := &verifierFixture{bf: bf, clock: newClock(), trusted: NewServiceURLs(), key: key, stray: stray}
	cfg := VerifierConfig{
		AppID:       testAppID,
		MetadataURL: bf.metadataURL(),
		HTTPClient:  bf.srv.Client(),
		Now:         f.clock.Now,
		Trusted:     f.trusted,
	}
	if mutate != nil {
		mutate(&cfg)
	}
	v, err := NewVerifier(cfg)
	if err != nil {
		t.Fatal(err)
	}
	f.v = v
	return f
}

func (f *verifierFixture) verify(token string, a *Activity) (*Claims, error) {
	return f.v.Verify(context.Background(), "Bearer "+token, a)
}

func TestVerifyAcceptsAGoodToken(t *testing.T) {
	f := newVerifierFixture(t, func(c *VerifierConfig) { c.Tenants = []string{testTenant} })
	a := activityFor()
	if f.trusted.Allowed(testServiceURL) {
		t.Fatal("service URL trusted before any verified request")
	}
	c, err := f.verify(mint(t, f.key, "k1", goodClaims(f.clock.Now())), a)
	if err != nil {
		t.Fatalf("good token refused: %v", err)
	}
	if c.ServiceURL != testServiceURL || c.ChannelID != ChannelTeams || c.TenantID != testTenant {
		t.Errorf("claims = %+v", c)
	}
	if !c.Expires.Equal(f.clock.Now().Add(time.Hour)) {
		t.Errorf("expires = %v", c.Expires)
	}
	if !f.trusted.Allowed(testServiceURL) || !f.trusted.Allowed(strings.TrimSuffix(testServiceURL, "/")) {
		t.Error("verified service URL not trusted afterwards")
	}
	// The scheme is case-insensitive.
	if _, err := f.v.Verify(context.Background(), "bearer "+mint(t, f.key, "k1", goodClaims(f.clock.Now())), a); err != nil {
		t.Errorf("lower-case scheme refused: %v", err)
	}
}

func TestVerifyRefuses(t *testing.T) {
	key, stray := keys(t)
	type tc struct {
		name     string
		token    func(now time.Time) string
		activity func(*Activity)
		cfg      func(*VerifierConfig)
		header   string // overrides "Bearer <token>"
		want     string // in the error
	}
	with := func(change func(jwt.MapClaims)) func(time.Time) string {
		return func(now time.Time) string {
			c := goodClaims(now)
			change(c)
			return mint(t, key, "k1", c)
		}
	}
	cases := []tc{
		{name: "wrong issuer", want: "invalid issuer", token: with(func(c jwt.MapClaims) { c["iss"] = "https://sts.windows.net/d6d49420-f39b-4df7-a1dc-d59a935871db/" })},
		{name: "no issuer", want: "iss claim is required", token: with(func(c jwt.MapClaims) { delete(c, "iss") })},
		{name: "wrong audience", want: "invalid audience", token: with(func(c jwt.MapClaims) { c["aud"] = "another-bot" })},
		{name: "audience list without the bot", want: "invalid audience", token: with(func(c jwt.MapClaims) { c["aud"] = []string{"a", "b"} })},
		{name: "expired beyond the skew", want: "token is expired", token: with(func(c jwt.MapClaims) {
			c["exp"] = newClock().Now().Add(-DefaultClockSkew - time.Second).Unix()
		})},
		{name: "not yet valid beyond the skew", want: "not valid yet", token: with(func(c jwt.MapClaims) {
			c["nbf"] = newClock().Now().Add(DefaultClockSkew + time.Minute).Unix()
		})},
		{name: "no expiry", want: "exp claim is required", token: with(func(c jwt.MapClaims) { delete(c, "exp") })},
		{name: "wrong serviceurl", want: "serviceurl claim", token: with(func(c jwt.MapClaims) { c["serviceurl"] = "https://evil.example/" })},
		{name: "no serviceurl claim", want: "serviceurl claim", token: with(func(c jwt.MapClaims) { delete(c, "serviceurl") })},
		{name: "activity serviceUrl differs", want: "serviceurl claim", activity: func(a *Activity) { a.ServiceURL = "https://smba.trafficmanager.net/amer/" }},
		{name: "activity without serviceUrl", want: "no serviceUrl", activity: func(a *Activity) { a.ServiceURL = "" }},
		{name: "alg none", want: "signing method none is invalid", token: func(now time.Time) string {
			tok := jwt.NewWithClaims(jwt.SigningMethodNone, goodClaims(now))
			tok.Header["kid"] = "k1"
			s, err := tok.SignedString(jwt.UnsafeAllowNoneSignatureType)
			if err != nil {
				t.Fatal(err)
			}
			return s
		}},
		{name: "HS256 keyed with the public modulus", want: "signing method HS256 is invalid", token: func(now time.Time) string {
			tok := jwt.NewWithClaims(jwt.SigningMethodHS256, goodClaims(now))
			tok.Header["kid"] = "k1"
			s, err := tok.SignedString(key.PublicKey.N.Bytes())
			if err != nil {
				t.Fatal(err)
			}
			return s
		}},
		{name: "RS512", want: "signing method RS512 is invalid", token: func(now time.Time) string {
			tok := jwt.NewWithClaims(jwt.SigningMethodRS512, goodClaims(now))
			tok.Header["kid"] = "k1"
			s, err := tok.SignedString(key)
			if err != nil {
				t.Fatal(err)
			}
			return s
		}},
		{name: "signed by another key under a known kid", want: "verification error", token: func(now time.Time) string {
			return mint(t, stray, "k1", goodClaims(now))
		}},
		{name: "no kid", want: "no kid", token: func(now time.Time) string {
			tok := jwt.NewWithClaims(jwt.SigningMethodRS256, goodClaims(now))
			s, err := tok.SignedString(key)
			if err != nil {
				t.Fatal(err)
			}
			return s
		}},
		{name: "missing endorsement", want: "not endorsed", activity: func(a *Activity) { a.ChannelID = "skype" },
			cfg: func(c *VerifierConfig) { c.Channels = []string{"msteams", "skype"} }},
		{name: "channel not accepted", want: "channel not accepted", activity: func(a *Activity) { a.ChannelID = "webchat" }},
		{name: "unknown tenant", want: "tenant not allowed", cfg: func(c *VerifierConfig) { c.Tenants = []string{"11111111-2222-3333-4444-555555555555"} }},
		{name: "no tenant with an allow-list", want: "names no tenant", cfg: func(c *VerifierConfig) { c.Tenants = []string{testTenant} },
			activity: func(a *Activity) { a.ChannelData = nil; a.Conversation.TenantID = "" }},
		{name: "tenants disagree", want: "tenant ids disagree", activity: func(a *Activity) { a.Conversation.TenantID = "11111111-2222-3333-4444-555555555555" }},
		{name: "no authorization", want: "no bearer token", header: " "},
		{name: "basic scheme", want: "no bearer token", header: "Basic dXNlcjpwYXNz"},
		{name: "bearer without token", want: "no bearer token", header: "Bearer "},
		{name: "garbage token", want: "malformed", header: "Bearer not.a.jwt"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newVerifierFixture(t, c.cfg)
			a := activityFor()
			if c.activity != nil {
				c.activity(a)
			}
			tokenFor := c.token
			if tokenFor == nil {
				tokenFor = func(now time.Time) string { return mint(t, key, "k1", goodClaims(now)) }
			}
			header := "Bearer " + tokenFor(f.clock.Now())
			if c.header != "" {
				header = c.header
			}
			_, err := f.v.Verify(context.Background(), header, a)
			if err == nil {
				t.Fatal("accepted")
			}
			if !errors.Is(err, ErrForbidden) {
				t.Fatalf("error %v does not match ErrForbidden", err)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Fatalf("refused for the wrong reason: %v (want %q)", err, c.want)
			}
			if len(f.trusted.List()) != 0 {
				t.Errorf("a refused request trusted %v", f.trusted.List())
			}
		})
	}
}

func TestVerifyAllowsClockSkew(t *testing.T) {
	f := newVerifierFixture(t, nil)
	now := f.clock.Now()
	c := goodClaims(now)
	c["exp"] = now.Add(-DefaultClockSkew + time.Second).Unix()
	if _, err := f.verify(mint(t, f.key, "k1", c), activityFor()); err != nil {
		t.Errorf("token expired within the skew refused: %v", err)
	}
	c = goodClaims(now)
	c["nbf"] = now.Add(DefaultClockSkew - time.Second).Unix()
	if _, err := f.verify(mint(t, f.key, "k1", c), activityFor()); err != nil {
		t.Errorf("token valid within the skew refused: %v", err)
	}
	// Once the clock passes expiry plus skew, the same token is refused.
	tok := mint(t, f.key, "k1", goodClaims(now))
	f.clock.Advance(time.Hour + DefaultClockSkew + time.Second)
	if _, err := f.verify(tok, activityFor()); err == nil {
		t.Error("token accepted after expiry plus skew")
	}
}

func TestVerifyTenantFromEitherPlace(t *testing.T) {
	f := newVerifierFixture(t, func(c *VerifierConfig) { c.Tenants = []string{strings.ToUpper(testTenant)} })
	a := activityFor()
	a.ChannelData = nil // only conversation.tenantId
	if _, err := f.verify(mint(t, f.key, "k1", goodClaims(f.clock.Now())), a); err != nil {
		t.Errorf("conversation tenant refused: %v", err)
	}
	a = activityFor()
	a.Conversation.TenantID = "" // only channelData.tenant.id
	if _, err := f.verify(mint(t, f.key, "k1", goodClaims(f.clock.Now())), a); err != nil {
		t.Errorf("channel data tenant refused: %v", err)
	}
}

func TestUnknownKidRefreshesOnceThenIsRateLimited(t *testing.T) {
	f := newVerifierFixture(t, nil)
	good := func() string { return mint(t, f.key, "k1", goodClaims(f.clock.Now())) }
	if _, err := f.verify(good(), activityFor()); err != nil {
		t.Fatal(err)
	}
	if got := f.bf.keySetHits.Load(); got != 1 {
		t.Fatalf("key set fetched %d times, want 1", got)
	}
	f.clock.Advance(DefaultUnknownKeyGap) // the next unknown kid may fetch

	// An unknown kid makes it fetch once; still unknown, it is refused.
	if _, err := f.verify(mint(t, f.stray, "k-unknown", goodClaims(f.clock.Now())), activityFor()); err == nil {
		t.Fatal("unknown kid accepted")
	}
	if got := f.bf.keySetHits.Load(); got != 2 {
		t.Fatalf("key set fetched %d times after an unknown kid, want 2", got)
	}
	// A flood of made-up kids within the gap fetches nothing more.
	for i := range 50 {
		kid := "made-up-" + string(rune('a'+i%26))
		if _, err := f.verify(mint(t, f.stray, kid, goodClaims(f.clock.Now())), activityFor()); err == nil {
			t.Fatal("made-up kid accepted")
		}
	}
	if got := f.bf.keySetHits.Load(); got != 2 {
		t.Fatalf("key set fetched %d times during a flood, want 2", got)
	}
	// Known keys keep working meanwhile.
	if _, err := f.verify(good(), activityFor()); err != nil {
		t.Fatalf("good token refused during a flood: %v", err)
	}
}

func TestKeyRotationIsPickedUpOnUnknownKid(t *testing.T) {
	f := newVerifierFixture(t, nil)
	if _, err := f.verify(mint(t, f.key, "k1", goodClaims(f.clock.Now())), activityFor()); err != nil {
		t.Fatal(err)
	}
	// Microsoft rotates in a new key; a token signed with it arrives.
	f.bf.setKeys(
		publishedKey{kid: "k1", pub: &f.key.PublicKey, endorsements: []string{"msteams"}},
		publishedKey{kid: "k2", pub: &f.stray.PublicKey, endorsements: []string{"msteams"}},
	)
	f.clock.Advance(DefaultUnknownKeyGap)
	if _, err := f.verify(mint(t, f.stray, "k2", goodClaims(f.clock.Now())), activityFor()); err != nil {
		t.Fatalf("token signed with a rotated-in key refused: %v", err)
	}
}

func TestKeysRefreshDaily(t *testing.T) {
	f := newVerifierFixture(t, nil)
	good := func() string { return mint(t, f.key, "k1", goodClaims(f.clock.Now())) }
	if _, err := f.verify(good(), activityFor()); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(23 * time.Hour)
	if _, err := f.verify(good(), activityFor()); err != nil {
		t.Fatal(err)
	}
	if got := f.bf.metadataHits.Load(); got != 1 {
		t.Fatalf("metadata fetched %d times within a day, want 1", got)
	}
	f.clock.Advance(time.Hour)
	if _, err := f.verify(good(), activityFor()); err != nil {
		t.Fatal(err)
	}
	if got := f.bf.metadataHits.Load(); got != 2 {
		t.Fatalf("metadata fetched %d times after a day, want 2", got)
	}
	// A key withdrawn at the daily refresh stops working.
	f.bf.setKeys(publishedKey{kid: "k2", pub: &f.stray.PublicKey, endorsements: []string{"msteams"}})
	f.clock.Advance(24 * time.Hour)
	if _, err := f.verify(good(), activityFor()); err == nil {
		t.Fatal("token signed with a withdrawn key accepted")
	}
}

func TestKeysSurviveAFailedRefreshButNotForever(t *testing.T) {
	f := newVerifierFixture(t, nil)
	good := func() string { return mint(t, f.key, "k1", goodClaims(f.clock.Now())) }
	if _, err := f.verify(good(), activityFor()); err != nil {
		t.Fatal(err)
	}
	f.bf.setDown(true)
	f.clock.Advance(25 * time.Hour)
	if _, err := f.verify(good(), activityFor()); err != nil {
		t.Fatalf("cached keys not used while the metadata is down: %v", err)
	}
	hits := f.bf.metadataHits.Load()
	if _, err := f.verify(good(), activityFor()); err != nil {
		t.Fatal(err)
	}
	if f.bf.metadataHits.Load() != hits {
		t.Error("a failing refresh was retried at once")
	}
	f.clock.Advance(DefaultMaxKeyAge)
	if _, err := f.verify(good(), activityFor()); err == nil {
		t.Fatal("keys older than the maximum age still used")
	}
}

func TestNoKeysAtAll(t *testing.T) {
	f := newVerifierFixture(t, nil)
	f.bf.setDown(true)
	for range 5 {
		if _, err := f.verify(mint(t, f.key, "k1", goodClaims(f.clock.Now())), activityFor()); !errors.Is(err, ErrForbidden) {
			t.Fatalf("err = %v, want ErrForbidden", err)
		}
	}
	if got := f.bf.metadataHits.Load(); got != 1 {
		t.Fatalf("metadata fetched %d times while down, want 1 (rate-limited)", got)
	}
	f.bf.setDown(false)
	f.clock.Advance(noKeysGap)
	if _, err := f.verify(mint(t, f.key, "k1", goodClaims(f.clock.Now())), activityFor()); err != nil {
		t.Fatalf("not recovered once the metadata is back: %v", err)
	}
}

func TestMetadataWithoutRS256IsRefused(t *testing.T) {
	f := newVerifierFixture(t, nil)
	f.bf.setAlgs("ES256")
	if _, err := f.verify(mint(t, f.key, "k1", goodClaims(f.clock.Now())), activityFor()); err == nil {
		t.Fatal("accepted although the metadata does not list RS256")
	}
}

func TestNewVerifierNeedsAppID(t *testing.T) {
	if _, err := NewVerifier(VerifierConfig{}); err == nil {
		t.Fatal("verifier without an app id")
	}
}

func TestServiceURLs(t *testing.T) {
	s := NewServiceURLs()
	s.Add("HTTPS://SMBA.trafficmanager.net/emea/")
	for _, u := range []string{"https://smba.trafficmanager.net/emea", "https://smba.trafficmanager.net/emea/"} {
		if !s.Allowed(u) {
			t.Errorf("%s not allowed", u)
		}
	}
	for _, u := range []string{"https://smba.trafficmanager.net/amer/", "https://smba.trafficmanager.net.evil.example/emea/",
		"https://smba.trafficmanager.net/emea/?x=1", "https://user@smba.trafficmanager.net/emea/", "", "not a url"} {
		if s.Allowed(u) {
			t.Errorf("%q allowed", u)
		}
	}
	var none *ServiceURLs
	if none.Allowed("https://smba.trafficmanager.net/emea/") {
		t.Error("nil set allows")
	}
}
