package main

import (
	"bytes"
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"whatmatters/internal/teamsfake"
	"whatmatters/storage/storagetest"
)

// TestServeTeamsAlone starts whatmatters serve as main would with only the
// Teams settings (no Slack token) against a stand-in for the Bot Framework
// and the connector: its first lines say it serves Teams, /readyz waits
// for the bot's token, an unsigned activity is refused, and a signed
// command's reflection is posted through the connector, its first question
// in the root's reply chain.
func TestServeTeamsAlone(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	fake, err := teamsfake.Start(ctx, tempDir(t))
	if err != nil {
		t.Fatal(err)
	}
	defer fake.Close()
	port := freePort(t)
	// The connector's certificate is the stand-in's own: trusted as
	// serve's child processes trust it in the fault runs (SSL_CERT_FILE),
	// read when this process first needs its system roots.
	setEnv(t, "DATABASE_URL", storagetest.SQLiteURL(t), "PORT", strconv.Itoa(port), "WHATMATTERS_LOG_LEVEL", "warn",
		"TEAMS_APP_ID", teamsfake.AppID, "TEAMS_APP_PASSWORD", teamsfake.AppPassword, "TEAMS_TENANT_ID", teamsfake.Tenant,
		"TEAMS_ALLOWED_TENANTS", teamsfake.Tenant, "TEAMS_OPENID_METADATA_URL", fake.MetadataURL, "TEAMS_TOKEN_URL", fake.TokenURL,
		"TEAMS_GRAPH_URL", "http://127.0.0.1:1/v1.0", "SSL_CERT_FILE", fake.CertFile)
	var out, errOut bytes.Buffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, nil, func(string) string { return "" }, strings.NewReader(""), &out, &errOut)
	}()
	base := "http://127.0.0.1:" + strconv.Itoa(port)
	waitReady(t, base, done)
	if fake.Tokens() == 0 {
		t.Error("ready before any token was had from Entra ID (the stand-in)")
	}

	unsigned, err := http.Post(base+"/api/messages", "application/json", strings.NewReader(`{"type":"message","id":"1"}`))
	if err != nil {
		t.Fatal(err)
	}
	unsigned.Body.Close()
	if unsigned.StatusCode != http.StatusForbidden {
		t.Errorf("an unsigned activity answered %d; want 403", unsigned.StatusCode)
	}

	channel := teamsfake.ChannelN(1)
	if code := fake.Deliver(ctx, http.DefaultClient, base+"/api/messages", fake.Command("1733600000001", teamsfake.PersonN(1), channel, "Kestrel")); code != http.StatusOK {
		t.Fatalf("a signed command answered %d; stderr:\n%s", code, errOut.String())
	}
	deadline := time.NewTimer(30 * time.Second)
	defer deadline.Stop()
	for {
		var root, first bool
		for _, r := range fake.Requests() {
			root = root || (r.Conversation == channel && r.Thread == "" && strings.Contains(r.Text, "Kestrel"))
			first = first || (r.Conversation == channel && r.Thread != "")
		}
		if root && first {
			break
		}
		look := time.NewTimer(20 * time.Millisecond)
		select {
		case <-deadline.C:
			t.Fatalf("the reflection was not posted through the connector: %+v; stderr:\n%s", fake.Requests(), errOut.String())
		case <-look.C:
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("serve: %v", err)
	}
	lines := strings.SplitN(out.String(), "\n", 3)
	if len(lines) < 2 || !strings.HasPrefix(lines[0], "What Matters: serve mode, because TEAMS_APP_ID is set.") ||
		!strings.HasPrefix(lines[1], "What Matters: Microsoft Teams, because TEAMS_APP_ID is set") {
		t.Errorf("first lines %q", lines)
	}
	if strings.Contains(errOut.String(), teamsfake.AppPassword) || strings.Contains(errOut.String(), "Kestrel") {
		t.Errorf("a secret or story text in the logs:\n%s", errOut.String())
	}
}
