package teams

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
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// selfSigned is a PEM certificate and key, as openssl writes them.
func selfSigned(t *testing.T, key *rsa.PrivateKey) []byte {
	t.Helper()
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "what-matters-bot"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(365 * 24 * time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	out := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	return append(out, pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})...)
}

// With a certificate in place of the secret, each token request carries a
// client assertion Entra ID can check: signed by the certificate's key,
// naming it by thumbprint, for this client at this endpoint, short-lived;
// and no client secret.
func TestCertificateCredential(t *testing.T) {
	key, other := keys(t)
	cert, err := ParseCertificate(selfSigned(t, key))
	if err != nil {
		t.Fatal(err)
	}
	var seen []string
	clock := newClock()
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			t.Error(err)
		}
		if r.Form.Has("client_secret") || r.Form.Get("client_assertion_type") != ClientAssertionType {
			t.Errorf("form %v: want an assertion and no secret", r.Form)
		}
		var claims jwt.MapClaims
		tok, err := jwt.ParseWithClaims(r.Form.Get("client_assertion"), &claims, func(*jwt.Token) (any, error) { return &key.PublicKey, nil },
			jwt.WithValidMethods([]string{"RS256"}), jwt.WithAudience(srv.URL+"/token"), jwt.WithIssuer(testAppID), jwt.WithTimeFunc(clock.Now))
		if err != nil || !tok.Valid {
			t.Errorf("assertion not valid: %v", err)
		} else {
			exp, _ := claims.GetExpirationTime()
			iat, _ := claims.GetIssuedAt()
			if claims["sub"] != testAppID || claims["jti"] == "" || exp.Sub(iat.Time) > 10*time.Minute || tok.Header["x5t"] == "" || tok.Header["x5t#S256"] == "" {
				t.Errorf("assertion claims %v, header %v", claims, tok.Header)
			}
			seen = append(seen, claims["jti"].(string))
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"access_token":"tok","token_type":"Bearer","expires_in":60}`)
	}))
	defer srv.Close()
	ts, err := NewTokenSource(TokenConfig{AppID: testAppID, Certificate: cert, TokenURL: srv.URL + "/token", Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if tok, err := ts.AccessToken(context.Background()); err != nil || tok != "tok" {
			t.Fatalf("token %q, %v", tok, err)
		}
		clock.Advance(time.Minute) // past the token's life: fetched again
	}
	if len(seen) != 2 || seen[0] == seen[1] {
		t.Errorf("assertion ids %v; want a fresh one for each request", seen)
	}

	// A key that is not the certificate's, an encrypted key, a file with
	// no key: each refused with a message that carries no key material.
	mixed := selfSigned(t, key)
	mixed = mixed[:strings.Index(string(mixed), "-----BEGIN RSA PRIVATE KEY-----")]
	mixed = append(mixed, pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(other)})...)
	for name, in := range map[string][]byte{
		"another key": mixed,
		"encrypted":   append(selfSigned(t, key)[:0:0], pem.EncodeToMemory(&pem.Block{Type: "ENCRYPTED PRIVATE KEY", Bytes: []byte{1}})...),
		"no key":      pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte{1}}),
	} {
		if _, err := ParseCertificate(in); err == nil || strings.Contains(err.Error(), "BEGIN") {
			t.Errorf("%s: %v; want it refused", name, err)
		}
	}
	if _, err := NewTokenSource(TokenConfig{AppID: testAppID, AppPassword: "s", Certificate: cert, TokenURL: srv.URL}); err == nil {
		t.Error("a secret and a certificate together: want it refused")
	}
}
