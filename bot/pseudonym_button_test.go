package bot

import (
	"net/http"
	"strings"
	"testing"

	"whatmatters/flows"
	"whatmatters/storage"
)

// pressEphemeral presses a button on an ephemeral message of the bot's, as
// Slack sends it: the container says is_ephemeral and no message comes
// with it.
func (h *harness) pressEphemeral(user, channel, actionID, value string) {
	h.t.Helper()
	status, _ := h.post("application/x-www-form-urlencoded", interactionForm(map[string]any{
		"type": "block_actions", "token": "legacy-verification-token", "api_app_id": "A1", "trigger_id": trigger(),
		"is_enterprise_install": false, "enterprise": nil,
		"team":         map[string]any{"id": testTeam, "domain": "care"},
		"user":         map[string]any{"id": user, "username": strings.ToLower(user), "team_id": testTeam},
		"channel":      map[string]any{"id": channel, "name": strings.ToLower(channel)},
		"container":    map[string]any{"type": "message", "message_ts": "1700000400.000001", "channel_id": channel, "is_ephemeral": true},
		"response_url": "https://hooks.slack.invalid/actions/T1/3/z",
		"actions": []map[string]any{{"action_id": actionID, "block_id": "wm_actions", "value": value, "type": "button",
			"text": map[string]any{"type": "plain_text", "text": "go ahead"}, "action_ts": "1700000401.000001"}},
	}), nil)
	if status != http.StatusOK {
		h.t.Fatalf("button press: %d", status)
	}
}

// TestNotTheirNameButton: a pseudonym that is also a name is refused with a
// button; pressing it starts the reflection as the person who pressed,
// where they pressed, and records the confirmation. A button whose value
// is anything but a confirmation (forged, or an older message's) runs
// nothing.
func TestNotTheirNameButton(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, db *storage.DB) {
		api := newSlackServer(t)
		h := newHarness(t, db, api, harnessOptions{workers: 2})
		h.command("U1", "C1", "Hazel")
		refusal := ephemeralsTo(api.waitFor(t, "the refusal", func(cs []apiCall) bool {
			return len(ephemeralsTo(cs, "U1")) > 0
		}), "U1")[0]
		if !strings.Contains(refusal.Text, "Hazel is also a first name") {
			t.Fatalf("refusal = %q", refusal.Text)
		}
		value := buttonValue(t, refusal.Blocks, "wm_"+flows.ActionNotTheirName)
		if value != "case Hazel "+flows.NotTheirName {
			t.Fatalf("button value = %q", value)
		}

		h.pressEphemeral("U1", "C1", "wm_"+flows.ActionNotTheirName, "digest 4")
		h.pressEphemeral("U1", "C1", "wm_"+flows.ActionNotTheirName, value)
		root := api.waitFor(t, "the reflection about Hazel", func(cs []apiCall) bool {
			for _, c := range cs {
				if c.Method == "chat.postMessage" && c.Channel == "C1" && strings.Contains(c.Text, "Hazel") {
					return true
				}
			}
			return false
		})
		_ = root
		assertDrained(t, db)
		cs, err := db.CaseByLabel(t.Context(), testTeam, "Hazel")
		if err != nil {
			t.Fatal(err)
		}
		audits, err := db.ListAudit(t.Context(), testTeam)
		if err != nil {
			t.Fatal(err)
		}
		confirmed := 0
		for _, a := range audits {
			if a.Action == flows.AuditPseudonym && a.Actor == "U1" {
				confirmed++
			}
		}
		if cs.ID == 0 || confirmed != 1 {
			t.Errorf("case %+v, %d confirmations by U1; want the case and one", cs, confirmed)
		}
		// The forged press ran nothing: no digest was shown.
		for _, c := range ephemeralsTo(api.made(), "U1") {
			if strings.Contains(c.Text, "what recurred") || strings.Contains(c.Text, "What recurred") {
				t.Errorf("a forged button value ran a command: %q", c.Text)
			}
		}
	})
}
