// Package teamsfake is a stand-in for Microsoft's side of a Teams bot, for
// the programs that check What Matters under faults (cmd/faultcheck): the
// Bot Framework's OpenID metadata and key set, with an RSA key made at
// start that signs the tokens activities carry (Mint, Deliver); the Entra
// ID token endpoint for the bot's client credentials; and a Bot Connector
// over TLS, with a certificate made at start (CertFile, for SSL_CERT_FILE
// in the bot's process), that keeps every message posted and records every
// request with its time and answer. The connector can be told to answer
// slowly (the message is kept on arrival and the answer delayed, so a bot
// killed while waiting leaves a post made but unknown to it) or to fail for
// a while.
//
// It listens on loopback only and never calls Microsoft.
package teamsfake

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"whatmatters/teams"
)

// The bot, tenant and team the fake answers as.
const (
	AppID       = "5f0c3a1e-7b2d-4e6f-9a8b-0c1d2e3f4a5b"
	AppPassword = "teamsfake-client-secret"
	Tenant      = "0d9e8f7a-6b5c-4d3e-8f1a-2b3c4d5e6f70"
	Team        = "19:teamsfaketeam0000000000000000@thread.tacv2"
	keyID       = "teamsfake-key"
)

// Request is one connector request as the fake saw it.
type Request struct {
	Method string
	// Conversation is the conversation posted to, without a reply
	// chain's suffix; Thread is the chain's root, if any.
	Conversation, Thread string
	// ID is the new message's id (a post), or the one updated.
	ID     string
	Marker string // the card's marker (teams.CardMarker)
	Text   string // the card's text, joined
	At     time.Time
	Done   time.Time // when the answer was written
	Status int       // the status answered; 0 when the bot was gone before its answer
}

// Fault makes the connector answer sends with Status (and RetryAfter
// seconds) until a time.
type Fault struct {
	Status     int
	RetryAfter int
	Until      time.Time
}

// Fake is the stand-in: the Bot Framework's metadata and keys and the
// token endpoint over plain HTTP on loopback, the connector over TLS.
type Fake struct {
	// MetadataURL is the OpenID metadata (TEAMS_OPENID_METADATA_URL).
	MetadataURL string
	// TokenURL is the token endpoint (TEAMS_TOKEN_URL).
	TokenURL string
	// ServiceURL is the connector's service URL, which activities carry.
	ServiceURL string
	// CertFile is the connector's certificate, PEM: give it to the bot's
	// process as SSL_CERT_FILE.
	CertFile string

	key      *rsa.PrivateKey
	cert     *x509.Certificate
	plain    *http.Server
	conn     *http.Server
	token    string
	tokens   atomic.Int64
	next     atomic.Int64
	inFlight atomic.Int64

	mu       sync.Mutex
	latency  time.Duration
	fault    Fault
	requests []Request
	chats    map[string]string // a person's Teams id → their 1:1 chat
}

// Start starts the fake on loopback; dir is where the certificate is
// written. It stops when ctx ends, or on Close.
func Start(ctx context.Context, dir string) (*Fake, error) {
	f := &Fake{chats: map[string]string{}, token: "teamsfake-token-" + strconv.FormatInt(time.Now().UnixNano(), 36)}
	f.next.Store(1_733_600_000_000)
	var err error
	if f.key, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
		return nil, err
	}
	tlsCert, err := f.makeCert()
	if err != nil {
		return nil, err
	}
	f.CertFile = filepath.Join(dir, "teamsfake-connector.pem")
	if err := os.WriteFile(f.CertFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: f.cert.Raw}), 0o644); err != nil {
		return nil, err
	}

	plainLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	connLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		plainLn.Close()
		return nil, err
	}
	base := "http://" + plainLn.Addr().String()
	f.MetadataURL = base + "/v1/.well-known/openidconfiguration"
	f.TokenURL = base + "/" + Tenant + "/oauth2/v2.0/token"
	f.ServiceURL = "https://" + connLn.Addr().String() + "/emea/"

	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/.well-known/openidconfiguration", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{
			"issuer":                                teams.BotFrameworkIssuer,
			"authorization_endpoint":                "https://invalid.botframework.com",
			"jwks_uri":                              base + "/v1/.well-known/keys",
			"id_token_signing_alg_values_supported": []string{"RS256"},
			"token_endpoint_auth_methods_supported": []string{"private_key_jwt"},
		})
	})
	mux.HandleFunc("GET /v1/.well-known/keys", func(w http.ResponseWriter, _ *http.Request) {
		pub := &f.key.PublicKey
		writeJSON(w, http.StatusOK, map[string]any{"keys": []map[string]any{{
			"kty": "RSA", "use": "sig", "kid": keyID, "x5t": keyID,
			"n":            base64.RawURLEncoding.EncodeToString(pub.N.Bytes()),
			"e":            base64.RawURLEncoding.EncodeToString(big.NewInt(int64(pub.E)).Bytes()),
			"endorsements": []string{teams.ChannelTeams},
		}}})
	})
	mux.HandleFunc("POST /"+Tenant+"/oauth2/v2.0/token", f.serveToken)
	f.plain = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	f.conn = &http.Server{Handler: http.HandlerFunc(f.serveConnector), ReadHeaderTimeout: 10 * time.Second,
		TLSConfig: &tls.Config{Certificates: []tls.Certificate{tlsCert}, MinVersion: tls.VersionTLS12}}
	go func() { _ = f.plain.Serve(plainLn) }()
	go func() { _ = f.conn.ServeTLS(connLn, "", "") }()
	go func() {
		<-ctx.Done()
		f.Close()
	}()
	return f, nil
}

// Close stops the servers.
func (f *Fake) Close() {
	_ = f.plain.Close()
	_ = f.conn.Close()
}

// makeCert makes the connector's self-signed certificate for 127.0.0.1,
// a CA of its own so that it can stand as the only root in SSL_CERT_FILE.
func (f *Fake) makeCert() (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		return tls.Certificate{}, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "teamsfake connector"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, err
	}
	if f.cert, err = x509.ParseCertificate(der); err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: f.cert}, nil
}

// Client is an HTTP client that trusts the connector's certificate.
func (f *Fake) Client() *http.Client {
	pool := x509.NewCertPool()
	pool.AddCert(f.cert)
	return &http.Client{Timeout: 15 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}}
}

// serveToken is Entra ID's token endpoint for the bot's client
// credentials.
func (f *Fake) serveToken(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": "invalid_request"})
		return
	}
	id, secret := r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	if u, p, ok := r.BasicAuth(); ok {
		id, secret = u, p
	}
	if r.PostForm.Get("grant_type") != "client_credentials" || id != AppID || secret != AppPassword {
		writeJSON(w, http.StatusUnauthorized, map[string]any{"error": "invalid_client"})
		return
	}
	f.tokens.Add(1)
	writeJSON(w, http.StatusOK, map[string]any{"access_token": f.token, "token_type": "Bearer", "expires_in": 3600})
}

// Tokens is how many tokens the endpoint has issued.
func (f *Fake) Tokens() int { return int(f.tokens.Load()) }

// Mint signs a Bot Framework token for an activity from serviceURL, as
// the Bot Connector does for each request to the bot.
func (f *Fake) Mint(serviceURL string) (string, error) {
	now := time.Now()
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, jwt.MapClaims{
		"iss": teams.BotFrameworkIssuer, "aud": AppID,
		"nbf": now.Add(-time.Minute).Unix(), "exp": now.Add(time.Hour).Unix(),
		"serviceurl": serviceURL,
	})
	tok.Header["kid"] = keyID
	tok.Header["x5t"] = keyID
	return tok.SignedString(f.key)
}

// Deliver posts an activity to the bot at endpoint (its /api/messages),
// signed; it returns the status, 0 when no answer came.
func (f *Fake) Deliver(ctx context.Context, client *http.Client, endpoint string, a *teams.Activity) int {
	if a.ServiceURL == "" {
		a.ServiceURL = f.ServiceURL
	}
	token, err := f.Mint(a.ServiceURL)
	if err != nil {
		return 0
	}
	body, err := json.Marshal(a)
	if err != nil {
		return 0
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, bytes.NewReader(body))
	if err != nil {
		return 0
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := client.Do(req)
	if err != nil {
		return 0
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// Person is someone in the team.
type Person struct {
	TeamsID     string // "29:…"
	AADObjectID string // their Entra object id, the engine's user id
	Name        string
}

// PersonN is the n-th person of the fake's team.
func PersonN(n int) Person {
	return Person{
		TeamsID:     fmt.Sprintf("29:teamsfake-person-%04d", n),
		AADObjectID: fmt.Sprintf("6b1f4c7e-2d7a-4c55-9d1e-%012x", n),
		Name:        fmt.Sprintf("Person %d", n),
	}
}

// ChannelN is the n-th channel of the fake's team.
func ChannelN(n int) string { return fmt.Sprintf("19:teamsfakechannel%04d@thread.tacv2", n) }

// Command is "@What Matters reflect <text>" said by p in channel, as a new
// root post with id id.
func (f *Fake) Command(id string, p Person, channel, text string) *teams.Activity {
	a := f.channelMessage(id, p, channel, id, "<at>What Matters</at> reflect "+text)
	a.Entities = []teams.Entity{{Type: "mention", Text: "<at>What Matters</at>",
		Mentioned: &teams.ChannelAccount{ID: "28:" + AppID, Name: "What Matters"}}}
	return a
}

// Reply is p's message with id id in the reply chain under root in
// channel (received without an @mention: the app has the RSC permission).
func (f *Fake) Reply(id string, p Person, channel, root, text string) *teams.Activity {
	a := f.channelMessage(id, p, channel, root, text)
	a.ReplyToID = root
	return a
}

func (f *Fake) channelMessage(id string, p Person, channel, root, text string) *teams.Activity {
	return &teams.Activity{
		Type: teams.TypeMessage, ID: id, Timestamp: time.Now().UTC(), ServiceURL: f.ServiceURL, ChannelID: teams.ChannelTeams,
		From:         &teams.ChannelAccount{ID: p.TeamsID, Name: p.Name, AADObjectID: p.AADObjectID},
		Recipient:    &teams.ChannelAccount{ID: "28:" + AppID, Name: "What Matters"},
		Conversation: &teams.ConversationAccount{ID: channel + ";messageid=" + root, ConversationType: "channel", TenantID: Tenant, IsGroup: true},
		TextFormat:   "plain", Text: text,
		ChannelData: &teams.ChannelData{Team: &teams.TeamInfo{ID: Team}, Channel: &teams.ChannelInfo{ID: channel},
			Tenant: &teams.TenantInfo{ID: Tenant}},
	}
}

// SetLatency delays every connector answer by d (the work is done on
// arrival); a negative d holds every answer until the caller gives up.
func (f *Fake) SetLatency(d time.Duration) {
	f.mu.Lock()
	f.latency = d
	f.mu.Unlock()
}

// SetFault makes the connector answer sends with a failure until a time.
func (f *Fake) SetFault(flt Fault) {
	f.mu.Lock()
	f.fault = flt
	f.mu.Unlock()
}

// InFlight is how many connector requests are waiting for their answer.
func (f *Fake) InFlight() int { return int(f.inFlight.Load()) }

// Requests is every connector request so far, in arrival order.
func (f *Fake) Requests() []Request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Request(nil), f.requests...)
}

// serveConnector is the Bot Connector: posts into conversations and reply
// chains, updates, deletes, and 1:1 chats opened.
func (f *Fake) serveConnector(w http.ResponseWriter, r *http.Request) {
	rec := Request{Method: r.Method, At: time.Now()}
	if r.Header.Get("Authorization") != "Bearer "+f.token {
		f.answer(w, r, rec, http.StatusUnauthorized, map[string]any{"error": map[string]any{"code": "Unauthorized"}})
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		f.answer(w, r, rec, http.StatusBadRequest, nil)
		return
	}
	path := strings.TrimPrefix(r.URL.EscapedPath(), "/emea")
	rest, ok := strings.CutPrefix(path, "/v3/conversations")
	if !ok {
		f.answer(w, r, rec, http.StatusNotFound, nil)
		return
	}
	if rest == "" && r.Method == http.MethodPost {
		f.openChat(w, r, rec, body)
		return
	}
	conv, tail, _ := strings.Cut(strings.TrimPrefix(rest, "/"), "/")
	conv, err = url.PathUnescape(conv)
	if err != nil || conv == "" || !strings.HasPrefix(tail, "activities") {
		f.answer(w, r, rec, http.StatusNotFound, nil)
		return
	}
	rec.Conversation, rec.Thread, _ = strings.Cut(conv, ";messageid=")
	var a teams.Activity
	if err := json.Unmarshal(body, &a); err != nil {
		f.answer(w, r, rec, http.StatusBadRequest, map[string]any{"error": map[string]any{"code": "BadArgument"}})
		return
	}
	for _, att := range a.Attachments {
		if m := teams.CardMarker(att.Content); m != "" {
			rec.Marker = m
			rec.Text = cardText(att.Content)
		}
	}
	f.mu.Lock()
	flt := f.fault
	f.mu.Unlock()
	if r.Method != http.MethodDelete && flt.Status != 0 && time.Now().Before(flt.Until) {
		if flt.RetryAfter > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(flt.RetryAfter))
		}
		f.answer(w, r, rec, flt.Status, map[string]any{"error": map[string]any{"code": "ServiceError"}})
		return
	}
	switch r.Method {
	case http.MethodPost:
		rec.ID = strconv.FormatInt(f.next.Add(1), 10)
		f.answer(w, r, rec, http.StatusCreated, map[string]any{"id": rec.ID})
	case http.MethodPut:
		_, rec.ID, _ = strings.Cut(tail, "/")
		f.answer(w, r, rec, http.StatusOK, map[string]any{"id": rec.ID})
	default:
		f.answer(w, r, rec, http.StatusOK, nil)
	}
}

// openChat answers POST /v3/conversations: the same chat for the same
// person every time, as the service does.
func (f *Fake) openChat(w http.ResponseWriter, r *http.Request, rec Request, body []byte) {
	var p teams.ConversationParameters
	if err := json.Unmarshal(body, &p); err != nil || len(p.Members) != 1 || p.TenantID != Tenant {
		f.answer(w, r, rec, http.StatusBadRequest, map[string]any{"error": map[string]any{"code": "BadArgument"}})
		return
	}
	f.mu.Lock()
	chat, ok := f.chats[p.Members[0].ID]
	if !ok {
		chat = "a:teamsfake-chat-" + strconv.Itoa(len(f.chats)+1)
		f.chats[p.Members[0].ID] = chat
	}
	f.mu.Unlock()
	rec.Conversation = ""
	rec.ID = chat
	f.answer(w, r, rec, http.StatusCreated, map[string]any{"id": chat, "serviceUrl": f.ServiceURL})
}

// answer records the request, waits the latency (the work is done
// already), then answers, unless the bot has gone meanwhile.
func (f *Fake) answer(w http.ResponseWriter, r *http.Request, rec Request, status int, body any) {
	f.mu.Lock()
	i := len(f.requests)
	f.requests = append(f.requests, rec)
	latency := f.latency
	f.mu.Unlock()
	f.inFlight.Add(1)
	defer f.inFlight.Add(-1)
	switch {
	case latency < 0:
		<-r.Context().Done()
		return // gone: Status stays 0
	case latency > 0:
		t := time.NewTimer(latency)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return // gone: Status stays 0
		}
	}
	if body == nil {
		w.WriteHeader(status)
	} else {
		writeJSON(w, status, body)
	}
	f.mu.Lock()
	f.requests[i].Status = status
	f.requests[i].Done = time.Now()
	f.mu.Unlock()
}

// cardText joins a card's TextRuns.
func cardText(content []byte) string {
	var b strings.Builder
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if x["type"] == "TextRun" {
				if s, ok := x["text"].(string); ok {
					b.WriteString(s)
					b.WriteString("\n")
				}
			}
			for _, c := range x {
				walk(c)
			}
		case []any:
			for _, c := range x {
				walk(c)
			}
		}
	}
	var v any
	if json.Unmarshal(content, &v) == nil {
		walk(v)
	}
	return b.String()
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
