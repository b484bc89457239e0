package teamsfake

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"whatmatters/teams"
)

// The stand-in holds together with the adapter's own pieces: the verifier
// accepts its tokens (keys from its metadata, the tenant, the service URL),
// the token source gets a token for the bot's credentials, and the
// connector, trusting its certificate, posts and opens a 1:1 chat, each
// recorded.
func TestFakeWithTheAdaptersPieces(t *testing.T) {
	ctx := context.Background()
	f, err := Start(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.Close)

	trusted := teams.NewServiceURLs()
	v, err := teams.NewVerifier(teams.VerifierConfig{AppID: AppID, MetadataURL: f.MetadataURL, Tenants: []string{Tenant}, Trusted: trusted})
	if err != nil {
		t.Fatal(err)
	}
	var got *teams.Activity
	h := teams.Handler(v, nil, func(_ context.Context, a *teams.Activity, _ *teams.Claims) (teams.InvokeResponse, error) {
		got = a
		return teams.InvokeResponse{}, nil
	})
	bot := httptest.NewServer(h)
	t.Cleanup(bot.Close)
	cmd := f.Command("1733700000001", PersonN(1), ChannelN(1), "Kestrel")
	if st := f.Deliver(ctx, bot.Client(), bot.URL, cmd); st != http.StatusOK || got == nil {
		t.Fatalf("a signed command answered %d (handed on: %v)", st, got != nil)
	}
	in := teams.ReadInbound(got, "")
	if in.Kind != teams.InboundCommand || in.Text != "Kestrel" || in.UserID != PersonN(1).AADObjectID || !trusted.Allowed(f.ServiceURL) {
		t.Fatalf("read as %+v; service URL trusted %v", in, trusted.Allowed(f.ServiceURL))
	}
	// A token for another service URL is refused.
	body, _ := json.Marshal(cmd)
	bad, _ := f.Mint("https://elsewhere.example/")
	req, _ := http.NewRequest(http.MethodPost, bot.URL, bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+bad)
	resp, err := bot.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("a token for another service URL answered %d; want 403", resp.StatusCode)
	}

	tokens, err := teams.NewTokenSource(teams.TokenConfig{AppID: AppID, AppPassword: AppPassword, TokenURL: f.TokenURL})
	if err != nil {
		t.Fatal(err)
	}
	c, err := teams.NewConnector(teams.ConnectorConfig{Tokens: tokens, Trusted: trusted, HTTPClient: f.Client()})
	if err != nil {
		t.Fatal(err)
	}
	card := json.RawMessage(`{"type":"AdaptiveCard","version":"1.5","body":[{"type":"RichTextBlock","id":"wm-000000000000000000000001","inlines":[{"type":"TextRun","text":"What matters to Kestrel?"}]}]}`)
	msg := &teams.Activity{Type: teams.TypeMessage, Attachments: []teams.Attachment{{ContentType: teams.ContentTypeAdaptiveCard, Content: card}}}
	id, err := c.ReplyInThread(ctx, f.ServiceURL, ChannelN(1), "1733700000001", msg)
	if err != nil || id == "" {
		t.Fatalf("reply = %q, %v", id, err)
	}
	chat, err := c.CreatePersonalConversation(ctx, f.ServiceURL, "28:"+AppID, PersonN(1).TeamsID, Tenant)
	if err != nil || chat.ID == "" {
		t.Fatalf("chat = %+v, %v", chat, err)
	}
	again, err := c.CreatePersonalConversation(ctx, f.ServiceURL, "28:"+AppID, PersonN(1).TeamsID, Tenant)
	if err != nil || again.ID != chat.ID {
		t.Fatalf("the chat opened again is %q, %v; want %q", again.ID, err, chat.ID)
	}
	reqs := f.Requests()
	if len(reqs) != 3 || reqs[0].Conversation != ChannelN(1) || reqs[0].Thread != "1733700000001" || reqs[0].ID != id ||
		reqs[0].Marker != "wm-000000000000000000000001" || reqs[0].Text != "What matters to Kestrel?\n" || reqs[0].Status != http.StatusCreated {
		t.Fatalf("recorded %+v", reqs)
	}
	if f.Tokens() != 1 {
		t.Errorf("%d tokens issued; want 1, cached", f.Tokens())
	}

	// Slow: the post is kept on arrival; a caller that gives up leaves it
	// recorded with no answer. The fake holds the answer until the caller
	// has gone, with no timer that a stalled machine could let fire first
	// (it did, with a second's latency, and again with an hour's).
	f.SetLatency(-1)
	short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	if _, err := c.Send(short, f.ServiceURL, ChannelN(1), msg); err == nil {
		t.Fatal("a send cut short succeeded")
	}
	deadline := time.Now().Add(5 * time.Second)
	for f.InFlight() > 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if reqs := f.Requests(); len(reqs) != 4 || reqs[3].Status != 0 || reqs[3].ID == "" {
		t.Fatalf("the send cut short recorded as %+v; want kept, unanswered", reqs[len(reqs)-1])
	}
}
