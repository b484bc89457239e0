// Package slacksign signs a request body as Slack does, for the programs
// and tests that play Slack: the one copy of the signing scheme outside
// slack-go's verifier.
package slacksign

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"time"
)

// Sign sets X-Slack-Request-Timestamp and X-Slack-Signature on h:
// v0=HMAC-SHA256(secret, "v0:" + timestamp + ":" + body), made at the
// given time.
func Sign(h http.Header, secret string, at time.Time, body []byte) {
	ts := strconv.FormatInt(at.Unix(), 10)
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte("v0:" + ts + ":"))
	mac.Write(body)
	h.Set("X-Slack-Request-Timestamp", ts)
	h.Set("X-Slack-Signature", "v0="+hex.EncodeToString(mac.Sum(nil)))
}
