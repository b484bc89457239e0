package main

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"whatmatters/teams"
)

const (
	teamsAppID  = "0b7e4c1d-2a3f-4e5d-9c8b-7a6f5e4d3c2b"
	teamsTenant = "72f988bf-86f1-41af-91ab-2d7cd011db47"
	teamsSecret = "hunter2-Teams~secret"
)

func TestTeamsConfigurationRefusals(t *testing.T) {
	tests := []struct {
		name string
		env  []string
		want string
	}{
		{"app id", []string{"TEAMS_APP_ID", "what-matters-bot"}, `TEAMS_APP_ID: "what-matters-bot" is not a GUID`},
		{"tenant", []string{"TEAMS_TENANT_ID", "not a tenant"}, `TEAMS_TENANT_ID: "not a tenant" is not a tenant`},
		{"allowed tenants", []string{"TEAMS_ALLOWED_TENANTS", teamsTenant + ",contoso"}, `TEAMS_ALLOWED_TENANTS: "contoso" is not a tenant GUID`},
		{"metadata over http", []string{"TEAMS_OPENID_METADATA_URL", "http://login.example.com/meta"}, "TEAMS_OPENID_METADATA_URL: \"http://login.example.com/meta\" is not https"},
		{"token URL relative", []string{"TEAMS_TOKEN_URL", "/token"}, "TEAMS_TOKEN_URL: \"/token\" is not an absolute URL"},
		{"token URL with password", []string{"TEAMS_TOKEN_URL", "https://bot:" + teamsSecret + "@login.example.com/token"}, "TEAMS_TOKEN_URL: the URL for host"},
		{"secret with a line break", []string{"TEAMS_APP_PASSWORD", teamsSecret + "\n"}, "TEAMS_APP_PASSWORD: has spaces or a line break"},
		{"secret without app id", []string{"TEAMS_APP_PASSWORD", teamsSecret}, "TEAMS_APP_PASSWORD is set but TEAMS_APP_ID is not"},
		{"allow-list without app id", []string{"TEAMS_ALLOWED_TENANTS", teamsTenant}, "TEAMS_ALLOWED_TENANTS is set but TEAMS_APP_ID is not"},
		{"app id without secret", []string{"TEAMS_APP_ID", teamsAppID, "TEAMS_TENANT_ID", teamsTenant}, "TEAMS_APP_PASSWORD is not set"},
		{"app id without tenant", []string{"TEAMS_APP_ID", teamsAppID, "TEAMS_APP_PASSWORD", teamsSecret}, "TEAMS_TENANT_ID is not set"},
		{"secret and certificate", []string{"TEAMS_APP_ID", teamsAppID, "TEAMS_APP_PASSWORD", teamsSecret, "TEAMS_APP_CERTIFICATE", "/nowhere/bot.pem",
			"TEAMS_TENANT_ID", teamsTenant}, "TEAMS_APP_PASSWORD and TEAMS_APP_CERTIFICATE are both set"},
		{"certificate missing", []string{"TEAMS_APP_ID", teamsAppID, "TEAMS_APP_CERTIFICATE", "/nowhere/bot.pem", "TEAMS_TENANT_ID", teamsTenant},
			"TEAMS_APP_CERTIFICATE: reading the certificate file"},
		{"certificate without app id", []string{"TEAMS_APP_CERTIFICATE", "/nowhere/bot.pem"}, "TEAMS_APP_CERTIFICATE is set but TEAMS_APP_ID is not"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			setEnv(t, append(tt.env, "DATABASE_URL", "sqlite::memory:")...)
			res := runWith(t, "", "console")
			if res.err == nil {
				t.Fatal("run succeeded, want an error")
			}
			msg := res.err.Error()
			if !strings.Contains(msg, tt.want) || strings.Contains(msg, "\n") || exitCode(res.err) != 1 {
				t.Errorf("error %q (exit %d): want one line saying %q, exit 1", msg, exitCode(res.err), tt.want)
			}
			if strings.Contains(msg+res.stdout+res.stderr, "hunter2") {
				t.Errorf("the secret is shown: %q", msg)
			}
		})
	}
}

func setTeamsEnv(t *testing.T, extra ...string) {
	t.Helper()
	setEnv(t, append([]string{"TEAMS_APP_ID", strings.ToUpper(teamsAppID), "TEAMS_APP_PASSWORD", teamsSecret,
		"TEAMS_TENANT_ID", teamsTenant, "TEAMS_ALLOWED_TENANTS", " " + teamsTenant + ", 11111111-2222-3333-4444-555555555555 "}, extra...)...)
}

func TestTeamsConfiguration(t *testing.T) {
	setTeamsEnv(t)
	cfg, err := loadConfig()
	if err != nil {
		t.Fatal(err)
	}
	if !cfg.teamsEnabled() || cfg.TeamsAppID != teamsAppID || cfg.TeamsTenantID != teamsTenant || cfg.TeamsAppPassword != teamsSecret {
		t.Errorf("Teams settings %q %q", cfg.TeamsAppID, cfg.TeamsTenantID)
	}
	if !slices.Equal(cfg.TeamsTenants, []string{teamsTenant, "11111111-2222-3333-4444-555555555555"}) {
		t.Errorf("allowed tenants %v", cfg.TeamsTenants)
	}
	for _, format := range []string{"%v", "%+v", "%#v", "%s"} {
		if s := fmt.Sprintf(format, cfg); strings.Contains(s, "hunter2") {
			t.Errorf("the configuration printed with %s shows the secret", format)
		}
	}
	v := cfg.teamsVerifierConfig()
	if v.AppID != teamsAppID || v.MetadataURL != "" || !slices.Equal(v.Tenants, cfg.TeamsTenants) {
		t.Errorf("verifier config %+v", v)
	}
	if _, err := teams.NewVerifier(v); err != nil {
		t.Errorf("NewVerifier: %v", err)
	}
	tc, err := cfg.teamsTokenConfig()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := teams.NewTokenSource(tc); err != nil {
		t.Errorf("NewTokenSource: %v", err)
	}

	// A tenant may be named by its domain; unset, Teams is off.
	setEnv(t, "TEAMS_APP_ID", teamsAppID, "TEAMS_APP_PASSWORD", teamsSecret, "TEAMS_TENANT_ID", "Trust.onmicrosoft.com")
	if cfg, err := loadConfig(); err != nil || cfg.TeamsTenantID != "trust.onmicrosoft.com" {
		t.Errorf("tenant by domain: %q, %v", cfg.TeamsTenantID, err)
	}
	setEnv(t)
	if cfg, err := loadConfig(); err != nil || cfg.teamsEnabled() {
		t.Errorf("no Teams settings: enabled %v, %v", cfg.teamsEnabled(), err)
	}
}

// The test overrides point the adapter at stand-ins on this machine: the
// token comes from TEAMS_TOKEN_URL with the configured id and secret.
func TestTeamsTokenURLOverride(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		if err := r.ParseForm(); err != nil || r.Form.Get("client_id") != teamsAppID || r.Form.Get("client_secret") != teamsSecret ||
			r.Form.Get("scope") != teams.BotFrameworkScope {
			http.Error(w, `{"error":"invalid_client"}`, http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"access_token":"tok-1","token_type":"Bearer","expires_in":3600}`)
	}))
	defer srv.Close()
	setTeamsEnv(t, "TEAMS_TOKEN_URL", srv.URL+"/token", "TEAMS_OPENID_METADATA_URL", srv.URL+"/meta")
	cfg, err := loadConfig()
	if err != nil {
		t.Fatal(err)
	}
	if cfg.teamsVerifierConfig().MetadataURL != srv.URL+"/meta" {
		t.Errorf("metadata URL %q", cfg.teamsVerifierConfig().MetadataURL)
	}
	tc, err := cfg.teamsTokenConfig()
	if err != nil {
		t.Fatal(err)
	}
	ts, err := teams.NewTokenSource(tc)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := ts.AccessToken(context.Background())
	if err != nil || tok != "tok-1" || calls.Load() != 1 {
		t.Errorf("token %q, %v after %d calls; want tok-1 from the override", tok, err, calls.Load())
	}
}

func TestConfigNeverShowsTheTeamsSecret(t *testing.T) {
	setTeamsEnv(t)
	res := runWith(t, "", "config")
	if res.err != nil {
		t.Fatal(res.err)
	}
	for _, name := range []string{"TEAMS_APP_ID", "TEAMS_APP_PASSWORD", "TEAMS_TENANT_ID", "TEAMS_ALLOWED_TENANTS", "TEAMS_OPENID_METADATA_URL", "TEAMS_TOKEN_URL"} {
		if !strings.Contains(res.stdout, name) {
			t.Errorf("config output lacks %s", name)
		}
	}
	if strings.Contains(res.stdout, "hunter2") {
		t.Error("config output shows the secret")
	}
	if !strings.Contains(res.stdout, "POST /api/messages") {
		t.Error("config output does not say where Teams is served")
	}
}

// A certificate in place of the secret: read and checked at start, handed
// to the token source; a file that is not one is refused, saying so and
// showing nothing of it.
func TestTeamsCertificateSetting(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "bot"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	dir := tempDir(t)
	good := filepath.Join(dir, "bot.pem")
	pemData := append(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})...)
	if err := os.WriteFile(good, pemData, 0o600); err != nil {
		t.Fatal(err)
	}
	setEnv(t, "TEAMS_APP_ID", teamsAppID, "TEAMS_APP_CERTIFICATE", good, "TEAMS_TENANT_ID", teamsTenant)
	cfg, err := loadConfig()
	if err != nil {
		t.Fatal(err)
	}
	tc, err := cfg.teamsTokenConfig()
	if err != nil || tc.Certificate == nil || tc.AppPassword != "" {
		t.Fatalf("token config %+v, %v; want the certificate and no secret", tc, err)
	}
	if _, err := teams.NewTokenSource(tc); err != nil {
		t.Errorf("NewTokenSource: %v", err)
	}

	keyOnly := filepath.Join(dir, "key.pem")
	if err := os.WriteFile(keyOnly, pemData[len(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})):], 0o600); err != nil {
		t.Fatal(err)
	}
	setEnv(t, "TEAMS_APP_ID", teamsAppID, "TEAMS_APP_CERTIFICATE", keyOnly, "TEAMS_TENANT_ID", teamsTenant, "DATABASE_URL", "sqlite::memory:")
	res := runWith(t, "", "console")
	if res.err == nil || !strings.Contains(res.err.Error(), "TEAMS_APP_CERTIFICATE: the certificate file needs the certificate") ||
		strings.Contains(res.err.Error()+res.stderr, "PRIVATE KEY") {
		t.Errorf("a key with no certificate: %v", res.err)
	}
}
