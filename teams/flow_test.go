package teams

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
)

// A service URL becomes usable by the connector only by arriving in a
// verified request; a refused request leaves it unusable.
func TestOnlyVerifiedServiceURLsReachTheConnector(t *testing.T) {
	conn := newFakeConnector(t)
	key, _ := keys(t)
	bf := newFakeBotFramework(t, publishedKey{kid: "k1", pub: &key.PublicKey, endorsements: []string{"msteams"}})
	clock := newClock()
	trusted := NewServiceURLs()
	v, err := NewVerifier(VerifierConfig{AppID: testAppID, MetadataURL: bf.metadataURL(), HTTPClient: bf.srv.Client(), Now: clock.Now, Trusted: trusted})
	if err != nil {
		t.Fatal(err)
	}
	c, err := NewConnector(ConnectorConfig{Tokens: &staticTokens{token: "t"}, Trusted: trusted, HTTPClient: conn.srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	h := Handler(v, slog.New(slog.NewTextHandler(&logs, nil)), func(ctx context.Context, a *Activity, _ *Claims) (InvokeResponse, error) {
		_, err := c.Send(ctx, a.ServiceURL, a.Conversation.ID, &Activity{Type: TypeMessage, Text: "thanks"})
		return InvokeResponse{}, err
	})
	a := activityFor()
	a.ServiceURL = conn.serviceURL()
	a.Text = "a story nobody should see in a log"
	claims := goodClaims(clock.Now())
	claims["serviceurl"] = a.ServiceURL

	// Refused: a token for another service URL.
	bad := goodClaims(clock.Now())
	badToken := mint(t, key, "k1", bad)
	f := &handlerFixture{h: h}
	if w := f.post(t, "Bearer "+badToken, activityJSON(t, a)); w.Code != http.StatusForbidden {
		t.Fatalf("mismatched token got %d", w.Code)
	}
	if _, err := c.Send(context.Background(), a.ServiceURL, "19:x@thread.tacv2", &Activity{Type: TypeMessage}); !errors.Is(err, ErrUntrustedServiceURL) {
		t.Fatalf("send after a refused request: %v", err)
	}
	// Verified: the reply goes out.
	goodToken := mint(t, key, "k1", claims)
	if w := f.post(t, "Bearer "+goodToken, activityJSON(t, a)); w.Code != http.StatusOK {
		t.Fatalf("verified request got %d", w.Code)
	}
	if conn.count() != 1 {
		t.Fatalf("%d requests reached the connector, want 1", conn.count())
	}
	for _, secret := range []string{badToken, goodToken, "a story nobody", "thanks"} {
		if strings.Contains(logs.String(), secret) {
			t.Errorf("log carries %q", secret[:10])
		}
	}
	if !strings.Contains(logs.String(), "serviceurl claim") {
		t.Errorf("refusal not logged with its reason: %s", logs.String())
	}
}

// Concurrent requests on a cold cache make one fetch between them.
func TestConcurrentVerificationsFetchOnce(t *testing.T) {
	f := newVerifierFixture(t, nil)
	token := mint(t, f.key, "k1", goodClaims(f.clock.Now()))
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for range 20 {
		wg.Go(func() {
			if _, err := f.verify(token, activityFor()); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if got := f.bf.keySetHits.Load(); got != 1 {
		t.Errorf("key set fetched %d times, want 1", got)
	}
}
