package slacksign

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/slack-go/slack"
)

// TestSignedRequestsVerify: what Sign signs, slack-go's verifier (the one
// the bot uses) accepts; a changed body or another secret it refuses.
func TestSignedRequestsVerify(t *testing.T) {
	body := []byte(`{"type":"event_callback","event_id":"Ev1"}`)
	verify := func(secret string, sent []byte) error {
		req := httptest.NewRequest(http.MethodPost, "/slack/events", bytes.NewReader(sent))
		Sign(req.Header, "s3cret", time.Now(), body)
		v, err := slack.NewSecretsVerifier(req.Header, secret)
		if err != nil {
			return err
		}
		_, _ = v.Write(sent)
		return v.Ensure()
	}
	if err := verify("s3cret", body); err != nil {
		t.Fatalf("a signed request did not verify: %v", err)
	}
	if verify("s3cret", append(body, ' ')) == nil {
		t.Error("a changed body verified")
	}
	if verify("other", body) == nil {
		t.Error("another secret verified")
	}
}
