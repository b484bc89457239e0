package teams

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Test stand-ins for Microsoft's endpoints. Nothing here talks to Microsoft.

const (
	testAppID      = "c9e8d7f6-5a4b-4c3d-8e2f-1a0b9c8d7e6f"
	testTenant     = "72f988bf-86f1-41af-91ab-2d7cd011db47"
	testServiceURL = "https://smba.trafficmanager.net/emea/"
)

var (
	keyOnce          sync.Once
	testKey, strayKy *rsa.PrivateKey
)

// keys returns two RSA keys made for the tests: the one the fake key set
// publishes, and one it never does.
func keys(t *testing.T) (*rsa.PrivateKey, *rsa.PrivateKey) {
	t.Helper()
	keyOnce.Do(func() {
		var err error
		if testKey, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
		if strayKy, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
	})
	return testKey, strayKy
}

// fakeClock is a clock tests move by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *fakeClock {
	return &fakeClock{t: time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// publishedKey is one key of the fake key set.
type publishedKey struct {
	kid          string
	pub          *rsa.PublicKey
	endorsements []string
}

// fakeBotFramework serves the OpenID metadata and the key set.
type fakeBotFramework struct {
	srv          *httptest.Server
	mu           sync.Mutex
	keys         []publishedKey
	algs         []string
	down         bool
	metadataHits atomic.Int32
	keySetHits   atomic.Int32
}

func newFakeBotFramework(t *testing.T, ks ...publishedKey) *fakeBotFramework {
	t.Helper()
	f := &fakeBotFramework{keys: ks, algs: []string{"RS256"}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/.well-known/openidconfiguration", func(w http.ResponseWriter, r *http.Request) {
		f.metadataHits.Add(1)
		f.mu.Lock()
		down, algs := f.down, f.algs
		f.mu.Unlock()
		if down {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{
			"issuer":                                BotFrameworkIssuer,
			"authorization_endpoint":                "https://invalid.botframework.com",
			"jwks_uri":                              f.srv.URL + "/v1/.well-known/keys",
			"id_token_signing_alg_values_supported": algs,
			"token_endpoint_auth_methods_supported": []string{"private_key_jwt"},
		})
	})
	mux.HandleFunc("GET /v1/.well-known/keys", func(w http.ResponseWriter, r *http.Request) {
		f.keySetHits.Add(1)
		f.mu.Lock()
		defer f.mu.Unlock()
		var out []map[string]any
		for _, k := range f.keys {
			out = append(out, map[string]any{
				"kty":          "RSA",
				"use":          "sig",
				"kid":          k.kid,
				"x5t":          k.kid,
				"n":            base64.RawURLEncoding.EncodeToString(k.pub.N.Bytes()),
				"e":            base64.RawURLEncoding.EncodeToString(big.NewInt(int64(k.pub.E)).Bytes()),
				"endorsements": k.endorsements,
			})
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"keys": out})
	})
	f.srv = httptest.NewTLSServer(mux)
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeBotFramework) metadataURL() string {
	return f.srv.URL + "/v1/.well-known/openidconfiguration"
}

func (f *fakeBotFramework) setKeys(ks ...publishedKey) {
	f.mu.Lock()
	f.keys = ks
	f.mu.Unlock()
}

func (f *fakeBotFramework) setAlgs(algs ...string) {
	f.mu.Lock()
	f.algs = algs
	f.mu.Unlock()
}

func (f *fakeBotFramework) setDown(down bool) {
	f.mu.Lock()
	f.down = down
	f.mu.Unlock()
}

// mint signs claims with key under kid, RS256.
func mint(t *testing.T, key *rsa.PrivateKey, kid string, claims jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
	tok.Header["kid"] = kid
	tok.Header["x5t"] = kid
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// goodClaims are the claims of a token the Bot Framework would send at now.
func goodClaims(now time.Time) jwt.MapClaims {
	return jwt.MapClaims{
		"iss":        BotFrameworkIssuer,
		"aud":        testAppID,
		"nbf":        now.Add(-time.Minute).Unix(),
		"exp":        now.Add(time.Hour).Unix(),
		"serviceurl": testServiceURL,
	}
}

// activityFor is a Teams message in testTenant at testServiceURL.
func activityFor() *Activity {
	return &Activity{
		Type:         TypeMessage,
		ID:           "1733561234567",
		ServiceURL:   testServiceURL,
		ChannelID:    ChannelTeams,
		From:         &ChannelAccount{ID: "29:someone", AADObjectID: "6b1f4c7e-2d7a-4c55-9d1e-0a4f3c2b1a90"},
		Recipient:    &ChannelAccount{ID: "28:" + testAppID},
		Conversation: &ConversationAccount{ID: "19:abc@thread.tacv2", ConversationType: "channel", TenantID: testTenant},
		ChannelData:  &ChannelData{Tenant: &TenantInfo{ID: testTenant}},
		Text:         "hello",
	}
}
