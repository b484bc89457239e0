package teams

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

const testSecret = "s3cret-value-never-logged"

// fakeTokenEndpoint stands in for Entra ID's v2 token endpoint.
type fakeTokenEndpoint struct {
	srv    *httptest.Server
	hits   atomic.Int32
	status atomic.Int32
}

func newFakeTokenEndpoint(t *testing.T) *fakeTokenEndpoint {
	t.Helper()
	f := &fakeTokenEndpoint{}
	f.status.Store(http.StatusOK)
	f.srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := f.hits.Add(1)
		if r.Method != http.MethodPost || r.URL.Path != "/"+testTenant+"/oauth2/v2.0/token" {
			http.Error(w, "wrong endpoint", http.StatusNotFound)
			return
		}
		if err := r.ParseForm(); err != nil {
			http.Error(w, "bad form", http.StatusBadRequest)
			return
		}
		want := map[string]string{
			"grant_type":    "client_credentials",
			"client_id":     testAppID,
			"client_secret": testSecret,
			"scope":         BotFrameworkScope,
		}
		for k, v := range want {
			if r.PostForm.Get(k) != v {
				http.Error(w, "bad "+k, http.StatusBadRequest)
				return
			}
		}
		w.Header().Set("Content-Type", "application/json")
		if s := int(f.status.Load()); s != http.StatusOK {
			w.WriteHeader(s)
			_ = json.NewEncoder(w).Encode(map[string]string{
				"error":             "invalid_client",
				"error_description": "AADSTS7000215: Invalid client secret provided.",
			})
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{
			"token_type":     "Bearer",
			"expires_in":     3599,
			"ext_expires_in": 3599,
			"access_token":   "access-token-" + string(rune('0'+n)),
		})
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func newTestTokenSource(t *testing.T, f *fakeTokenEndpoint, clock *fakeClock) *TokenSource {
	t.Helper()
	ts, err := NewTokenSource(TokenConfig{
		AppID:       testAppID,
		AppPassword: testSecret,
		TenantID:    testTenant,
		TokenURL:    f.srv.URL + "/" + testTenant + "/oauth2/v2.0/token",
		HTTPClient:  f.srv.Client(),
		Now:         clock.Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	return ts
}

func TestTokenIsCachedUntilShortlyBeforeExpiry(t *testing.T) {
	f := newFakeTokenEndpoint(t)
	clock := newClock()
	ts := newTestTokenSource(t, f, clock)
	ctx := context.Background()
	first, err := ts.AccessToken(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if first != "access-token-1" {
		t.Fatalf("token = %q", first)
	}
	clock.Advance(3599*time.Second - DefaultTokenEarly - time.Second)
	if tok, _ := ts.AccessToken(ctx); tok != first || f.hits.Load() != 1 {
		t.Fatalf("token refetched early: %q after %d fetches", tok, f.hits.Load())
	}
	clock.Advance(time.Second)
	tok, err := ts.AccessToken(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if tok == first || f.hits.Load() != 2 {
		t.Fatalf("token not renewed near expiry: %q after %d fetches", tok, f.hits.Load())
	}
	ts.Invalidate()
	if tok, _ := ts.AccessToken(ctx); tok != "access-token-3" {
		t.Fatalf("token after Invalidate = %q", tok)
	}
}

func TestTokenRefusedCredentialIsPermanentAndSecretFree(t *testing.T) {
	f := newFakeTokenEndpoint(t)
	f.status.Store(http.StatusUnauthorized)
	ts := newTestTokenSource(t, f, newClock())
	_, err := ts.AccessToken(context.Background())
	var te *TokenError
	if !errors.As(err, &te) {
		t.Fatalf("err = %v, want a TokenError", err)
	}
	if te.Status != http.StatusUnauthorized || te.Code != "invalid_client" || te.Temporary() {
		t.Errorf("token error = %+v", te)
	}
	if strings.Contains(err.Error(), testSecret) {
		t.Error("error carries the secret")
	}
}

func TestTokenURLIsTheBotsTenant(t *testing.T) {
	ts, err := NewTokenSource(TokenConfig{AppID: testAppID, AppPassword: testSecret, TenantID: testTenant})
	if err != nil {
		t.Fatal(err)
	}
	if want := "https://login.microsoftonline.com/" + testTenant + "/oauth2/v2.0/token"; ts.cc.TokenURL != want {
		t.Errorf("token URL = %s, want %s", ts.cc.TokenURL, want)
	}
	if len(ts.cc.Scopes) != 1 || ts.cc.Scopes[0] != "https://api.botframework.com/.default" {
		t.Errorf("scopes = %v", ts.cc.Scopes)
	}
	for _, bad := range []string{"", "a/b", "x?y"} {
		if _, err := NewTokenSource(TokenConfig{AppID: testAppID, AppPassword: testSecret, TenantID: bad}); err == nil {
			t.Errorf("tenant %q accepted", bad)
		}
	}
	if _, err := NewTokenSource(TokenConfig{AppID: testAppID, TenantID: testTenant}); err == nil {
		t.Error("no password accepted")
	}
}
