package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"whatmatters/flows"
	"whatmatters/inbox"
	"whatmatters/storage"
	"whatmatters/storage/storagetest"
	"whatmatters/teams"
)

func TestForgetAuditLeadAndPurge(t *testing.T) {
	urls := map[string]func(testing.TB) string{"sqlite": storagetest.SQLiteURL, "postgres": storagetest.PostgresURL}
	for _, name := range []string{"sqlite", "postgres"} {
		t.Run(name, func(t *testing.T) {
			databaseURL := urls[name](t)
			setEnv(t, "DATABASE_URL", databaseURL)
			if res := runWith(t, firstHalf+secondHalf, "console"); res.err != nil {
				t.Fatal(res.err)
			}
			// bo has a 1:1 chat with the bot in Teams too: forgetting them
			// everywhere deletes its record (their ids).
			rememberChat(t, databaseURL, inbox.Conversation{Platform: teams.Platform, ID: "a:bo-chat",
				ServiceURL: "https://smba.trafficmanager.net/emea/", TenantID: "tenant-1", Type: teams.ConversationPersonal, UserID: "bo"})
			if res := runWith(t, "", "export", "--user", "bo"); res.err != nil {
				t.Fatal(res.err)
			}
			res := runWith(t, "", "forget", "--user", "bo")
			if res.err != nil || !strings.Contains(res.stdout, "Forgot bo: deleted 2 answers") ||
				!strings.Contains(res.stdout, "Deleted the record of 1 Teams 1:1 chat with them.") {
				t.Fatalf("forget: %v %q", res.err, res.stdout)
			}
			var ex flows.Export
			res = runWith(t, "", "export")
			if err := json.Unmarshal([]byte(res.stdout), &ex); err != nil {
				t.Fatal(err)
			}
			for _, a := range ex.Reflections[0].Answers {
				if a.Author == "bo" {
					t.Errorf("bo's answer survived forget: %+v", a)
				}
			}
			if len(ex.Reflections[0].Answers) != 3 {
				t.Errorf("ann's three answers should stay, got %d", len(ex.Reflections[0].Answers))
			}
			res = runWith(t, "", "lead", "--team", "console", "--user", "ann")
			if res.err != nil || !strings.Contains(res.stdout, "ann is now a lead of team console") {
				t.Errorf("lead: %v %q", res.err, res.stdout)
			}
			res = runWith(t, "", "facilitator", "--team", "console", "--user", "ann")
			if res.err != nil || !strings.Contains(res.stdout, "ann is now a facilitator of team console") {
				t.Errorf("facilitator: %v %q", res.err, res.stdout)
			}
			if res := runWith(t, "", "facilitator", "--team", "nosuch", "--user", "ann"); res.err == nil {
				t.Error("facilitator of an unknown team succeeded")
			}
			if res := runWith(t, "", "facilitator", "--user", "ann"); exitCode(res.err) != 2 {
				t.Errorf("facilitator without --team: %v", res.err)
			}
			if res := runWith(t, "", "lead", "--user", "ann"); exitCode(res.err) != 2 {
				t.Errorf("lead without --team: %v", res.err)
			}
			if res := runWith(t, "", "forget"); exitCode(res.err) != 2 {
				t.Errorf("forget without --user: %v", res.err)
			}
			res = runWith(t, "", "purge")
			if res.err != nil || !strings.Contains(res.stdout, "Removed the text of 0 answers older than 365 days") {
				t.Errorf("purge: %v %q", res.err, res.stdout)
			}
			res = runWith(t, "", "audit")
			if res.err != nil {
				t.Fatal(res.err)
			}
			// The log names the export's subject, the forgetting without the
			// person it forgot, and the new lead; never any content.
			lines := strings.Split(strings.TrimSpace(res.stdout), "\n")
			if len(lines) != 6 || !strings.Contains(res.stdout, "forget") || !strings.Contains(res.stdout, "facilitator") {
				t.Fatalf("audit:\n%s", res.stdout)
			}
			if strings.Contains(res.stdout, "bo ") || strings.Contains(res.stdout, "wedding") {
				t.Errorf("audit names the forgotten person or holds content:\n%s", res.stdout)
			}
		})
	}
}

func TestLogsHoldNoStoryText(t *testing.T) {
	dir := tempDir(t)
	setEnv(t, "DATABASE_URL", "sqlite:"+filepath.Join(dir, "wm.db"), "WHATMATTERS_LOG_LEVEL", "debug",
		"OPENAI_API_KEY", "sk-test-secret-key")
	script := firstHalf + secondHalf + ":edit Changed words about the garden gate.\n/reflect my-data\n/reflect forget-me\n"
	res := runWith(t, script, "console")
	if res.err != nil {
		t.Fatal(res.err)
	}
	if !strings.Contains(res.stderr, `level=DEBUG msg="answer saved"`) {
		t.Fatalf("no log output at debug level to check: %q", res.stderr)
	}
	for _, line := range strings.Split(firstHalf+secondHalf, "\n") {
		if line == "" || strings.HasPrefix(line, ":") || strings.HasPrefix(line, "/") || len(line) < 12 {
			continue
		}
		if strings.Contains(res.stderr, line) {
			t.Errorf("the log holds story text %q", line)
		}
	}
	for _, secret := range []string{"garden gate", "sk-test-secret-key", "Kestrel"} {
		if strings.Contains(res.stderr, secret) {
			t.Errorf("the log holds %q", secret)
		}
	}
}

func TestIdentifierLikePseudonymsAreRefused(t *testing.T) {
	setEnv(t, "DATABASE_URL", "sqlite:"+filepath.Join(tempDir(t), "wm.db"))
	res := runWith(t, "/reflect Mrs Smith\n/reflect 943 476 5919\n/reflect 14/03/1941\n/reflect Kestrel\n", "console")
	if res.err != nil {
		t.Fatal(res.err)
	}
	for _, kind := range []string{"reads as a name", "reads as an NHS number", "reads as a date"} {
		if !strings.Contains(res.stdout, kind) {
			t.Errorf("no refusal that %s:\n%s", kind, res.stdout)
		}
	}
	exported := runWith(t, "", "export")
	var ex flows.Export
	if err := json.Unmarshal([]byte(exported.stdout), &ex); err != nil {
		t.Fatal(err)
	}
	if len(ex.Cases) != 1 || ex.Cases[0].Label != "Kestrel" {
		t.Errorf("only the real pseudonym should make a case: %+v", ex.Cases)
	}
}

// rememberChat stores where a Teams conversation lives, as the adapter
// does, in the database at databaseURL.
func rememberChat(t *testing.T, databaseURL string, c inbox.Conversation) {
	t.Helper()
	db, err := storage.Open(t.Context(), databaseURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.RememberConversation(t.Context(), c); err != nil {
		t.Fatal(err)
	}
}
