package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"whatmatters/flows"
	"whatmatters/storage"
	"whatmatters/storage/storagetest"
)

// A forged audit line, as an id with a newline in it once wrote one.
const forgedLine = "2026-01-01 00:00:00  console  cli  role  UMALLORY1  lead"

// Ids are checked by their shape before anything is opened: an escape, a
// newline or Slack markup in an id is a usage error (exit status 2) that
// changes nothing, and so is a Slack team's member id that is no Slack id.
func TestAdminIDsCheckedByShape(t *testing.T) {
	withReflections(t)
	before := runWith(t, "", "audit").stdout
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"lead", "--team", "console", "--user", "U1\x1b[2J\n" + forgedLine}, `lead: --user "U1\x1b[2J\n2026`},
		{[]string{"lead", "--team", "console", "--user", "<!channel>"}, `lead: --user "<!channel>" is not a Slack member id`},
		{[]string{"facilitator", "--team", "console", "--user", "<@U0123ABCD>"}, `facilitator: --user "<@U0123ABCD>" is not a Slack member id`},
		{[]string{"facilitator", "--team", "T0123ABCD", "--user", "unobody9"}, `facilitator: --user "unobody9" is not a Slack member id`},
		{[]string{"lead", "--team", "T0123ABCD", "--user", "U1"}, `lead: --user "U1" is not a Slack member id`},
		{[]string{"lead", "--team", "console\n", "--user", "ann"}, `lead: --team "console\n" is not a Slack team id`},
		{[]string{"lead", "--team", "t0123abcd", "--user", "U0123ABCD"}, `lead: --team "t0123abcd" is not a Slack team id`},
		{[]string{"export", "--user", "U0123ABCD\u202e"}, `export: --user "U0123ABCD\u202e" is not a Slack member id`},
		{[]string{"export", "--team", "C0123ABCD"}, `export: --team "C0123ABCD" is not a Slack team id`},
		{[]string{"forget", "--user", "ann bo"}, `forget: --user "ann bo" is not a Slack member id`},
		{[]string{"audit", "--team", "<!here>"}, `audit: --team "<!here>" is not a Slack team id`},
		{[]string{"digest", "--post", "--channel", "#general"}, `digest: --channel "#general" is not a Slack channel id`},
	} {
		oneLineError(t, runWith(t, "", tt.args...), 2, tt.want)
	}
	if after := runWith(t, "", "audit").stdout; after != before {
		t.Errorf("a refused command changed the audit log:\n%s", after)
	}
	// The shapes that are ids pass the check (and go on to the database).
	for _, args := range [][]string{
		{"lead", "--team", "console", "--user", "ann"},
		{"lead", "--team", "console", "--user", "W0123ABCD"},
		{"export", "--user", "bo"},
	} {
		if res := runWith(t, "", args...); res.err != nil {
			t.Errorf("%q: %v", args, res.err)
		}
	}
	oneLineError(t, runWith(t, "", "lead", "--team", "E0123ABCD", "--user", "U0123ABCD"), 1, `there is no team "E0123ABCD" in this database`)
}

// lead and facilitator warn, on standard error, when the person has never
// used the bot in the team, and go ahead; someone who has answered gets
// no warning. export of someone unknown exits 1 with a kind message and
// prints and records nothing, as forget does.
func TestRolesWarnAndExportRefusesSomeoneUnknown(t *testing.T) {
	urls := map[string]func(testing.TB) string{"sqlite": storagetest.SQLiteURL, "postgres": storagetest.PostgresURL}
	for _, name := range []string{"sqlite", "postgres"} {
		t.Run(name, func(t *testing.T) {
			setEnv(t, "DATABASE_URL", urls[name](t))
			if res := runWith(t, firstHalf+secondHalf, "console"); res.err != nil {
				t.Fatal(res.err)
			}
			const warning = "Warning: UNOBODY9 has never used What Matters in team console"
			for _, cmd := range []string{"facilitator", "lead"} {
				res := runWith(t, "", cmd, "--team", "console", "--user", "UNOBODY9")
				if res.err != nil || !strings.Contains(res.stdout, "UNOBODY9 is now a") {
					t.Errorf("%s UNOBODY9: %v %q", cmd, res.err, res.stdout)
				}
				if !strings.Contains(res.stderr, warning) {
					t.Errorf("%s UNOBODY9: stderr %q, want the warning", cmd, res.stderr)
				}
				if strings.Contains(res.stdout, "Warning") {
					t.Errorf("%s UNOBODY9: the warning went to stdout: %q", cmd, res.stdout)
				}
				res = runWith(t, "", cmd, "--team", "console", "--user", "ann")
				if res.err != nil || strings.Contains(res.stderr, "Warning") {
					t.Errorf("%s ann, who answered: %v, stderr %q", cmd, res.err, res.stderr)
				}
				res = runWith(t, "", cmd, "--team", "console", "--user", "UNOBODY9", "--remove")
				if res.err != nil || strings.Contains(res.stderr, "Warning") {
					t.Errorf("%s --remove: %v, stderr %q", cmd, res.err, res.stderr)
				}
			}

			before := runWith(t, "", "audit").stdout
			oneLineError(t, runWith(t, "", "export", "--user", "UNOBODY1"), 1,
				"export: nothing of UNOBODY1 is stored in this database, so there is nothing to export; check the id")
			oneLineError(t, runWith(t, "", "export", "--user", "U0ANN1", "--team", "T0OTHER1"), 1, `there is no team "T0OTHER1"`)
			if after := runWith(t, "", "audit").stdout; after != before {
				t.Errorf("a refused export was recorded:\n%s", after)
			}
			// Someone given a role is known, though they never used the bot.
			for _, user := range []string{"ann", "UNOBODY9"} {
				res := runWith(t, "", "export", "--user", user, "--team", "console")
				var ex flows.Export
				if res.err != nil || json.Unmarshal([]byte(res.stdout), &ex) != nil {
					t.Errorf("export --user %s: %v %q", user, res.err, res.stdout)
				}
			}
		})
	}
}

// audit shows every stored field with its control and invisible
// characters escaped, so an entry stored before ids were checked cannot
// forge a line, clear the screen or reverse the text after it.
func TestAuditEscapesStoredFields(t *testing.T) {
	url := withReflections(t)
	db, err := storage.Open(context.Background(), url, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.AddAudit(context.Background(), flows.AuditEntry{TeamID: "console", Actor: "cli", Action: "role",
		Subject: "U1\n" + forgedLine, Detail: "lead\x1b[2J\u202eevil\tcolumn \\n"})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	res := runWith(t, "", "audit")
	if res.err != nil {
		t.Fatal(res.err)
	}
	lines := strings.Split(strings.TrimSuffix(res.stdout, "\n"), "\n")
	for _, l := range lines {
		if strings.HasPrefix(l, "2026-01-01") {
			t.Errorf("audit shows a forged line: %q", l)
		}
	}
	last := lines[len(lines)-1]
	for _, want := range []string{`U1\n` + forgedLine, `lead\x1b[2J\u202eevil\tcolumn \\n`} {
		if !strings.Contains(last, want) {
			t.Errorf("audit's last line %q does not show %q", last, want)
		}
	}
	if strings.ContainsAny(res.stdout, "\x1b\u202e\t") {
		t.Errorf("audit printed a control character as it is: %q", res.stdout)
	}
}

// manifest --url takes only an https URL Slack can call and the bot
// answers at: a bare address gets /slack/events added, another path is
// refused, and so is plain HTTP.
func TestManifestRequestURL(t *testing.T) {
	setEnv(t)
	for in, want := range map[string]string{
		"https://wm.example.org":                      "https://wm.example.org/slack/events",
		"https://wm.example.org/":                     "https://wm.example.org/slack/events",
		"https://wm.example.org:8443/slack/events":    "https://wm.example.org:8443/slack/events",
		"https://proxy.example.org/wm/slack/events":   "https://proxy.example.org/wm/slack/events",
		"https://wm.example.org/slack/events?x=1&y=2": "https://wm.example.org/slack/events?x=1&y=2",
	} {
		res := runWith(t, "", "manifest", "--url", in)
		var m struct {
			Settings struct {
				Events struct {
					RequestURL string `json:"request_url"`
				} `json:"event_subscriptions"`
				Interactivity struct {
					RequestURL string `json:"request_url"`
				} `json:"interactivity"`
			} `json:"settings"`
		}
		if res.err != nil || json.Unmarshal([]byte(res.stdout), &m) != nil {
			t.Errorf("manifest --url %s: %v %q", in, res.err, res.stdout)
			continue
		}
		if m.Settings.Events.RequestURL != want || m.Settings.Interactivity.RequestURL != want {
			t.Errorf("manifest --url %s: request URLs %q and %q, want %q", in, m.Settings.Events.RequestURL, m.Settings.Interactivity.RequestURL, want)
		}
	}
	for in, want := range map[string]string{
		"http://example.org":                   "is not https",
		"http://example.org/slack/events":      "is not https",
		"example.org/slack/events":             "is not an absolute URL",
		"/slack/events":                        "is not an absolute URL",
		"https:///slack/events":                "is not an absolute URL",
		"https://example.org/events":           `has the path "/events", but the bot takes Slack's requests at /slack/events`,
		"https://example.org/slack/events/x":   "but the bot takes Slack's requests at /slack/events",
		"https://example.org/slack/events#top": "has a #fragment",
		"https://bob:S3cret@example.org":       "carries a user name or password",
	} {
		res := runWith(t, "", "manifest", "--url", in)
		oneLineError(t, res, 2, want)
		if res.err != nil && strings.Contains(res.err.Error(), "S3cret") {
			t.Errorf("manifest --url error shows the password: %v", res.err)
		}
	}
}
