package bot

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"whatmatters/flows"
	"whatmatters/storage"
)

// outcomeOption is a selected option as Slack sends it in a view's state.
func outcomeOption(label, value string) map[string]any {
	return map[string]any{"text": map[string]any{"type": "plain_text", "text": label, "emoji": true}, "value": value}
}

// outcomeState is the state of a submitted outcome form in Slack's shape:
// a static_select or radio_buttons element in each block, its selected
// option (or null, for a question left unanswered).
func outcomeState(values map[string]string) map[string]any {
	state := map[string]any{}
	for _, f := range flows.OutcomeFields {
		typ := "static_select"
		if f.Radio {
			typ = "radio_buttons"
		}
		el := map[string]any{"type": typ, "selected_option": nil}
		if v, ok := values[f.Key]; ok {
			el["selected_option"] = outcomeOption(v, v)
		}
		state[outcomeBlockPrefix+f.Key] = map[string]any{outcomeAction: el}
	}
	return map[string]any{"values": state}
}

// TestOutcomeFormEndToEnd: "Record what happened" opens the outcome form
// at once, with every question's answers; submitting it in Slack's real
// view_submission shape records the facts (not known where left empty),
// audited by field name only, and confirms privately in the channel; a
// value the form never offered is shown in the form, changing nothing;
// /reflect outcome NAME opens the form again showing what is recorded, and
// names a case the team does not have in a notice instead.
func TestOutcomeFormEndToEnd(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		api := newSlackServer(t)
		h := newHarness(t, db, api, harnessOptions{workers: 2})
		const form = "application/x-www-form-urlencoded"
		if _, err := db.EnsureTeam(ctx, flows.Team{ID: testTeam, Timezone: "Europe/London", CreatedAt: time.Now()}); err != nil {
			t.Fatal(err)
		}
		cs, err := db.CreateCase(ctx, flows.Case{TeamID: testTeam, Label: "Kestrel", CreatedAt: time.Now()})
		if err != nil {
			t.Fatal(err)
		}
		caseID := strconv.FormatInt(cs.ID, 10)

		// The button that ends a reflection after a death.
		status, _ := h.post(form, interactionForm(map[string]any{
			"type": "block_actions", "trigger_id": "outcome-trigger", "team": map[string]any{"id": testTeam, "domain": "care"},
			"user": map[string]any{"id": "U1", "team_id": testTeam}, "api_app_id": "A1",
			"channel":   map[string]any{"id": "C7", "name": "ward-7"},
			"container": map[string]any{"type": "message", "channel_id": "C7", "message_ts": "1700000800.000002", "thread_ts": "1700000800.000001"},
			"message":   map[string]any{"ts": "1700000800.000002", "thread_ts": "1700000800.000001"},
			"actions":   []map[string]any{{"action_id": "wm_" + flows.ActionOutcome, "block_id": "wm_actions_1", "value": caseID, "type": "button", "text": map[string]any{"type": "plain_text", "text": "Record what happened"}}},
		}), nil)
		opened := api.made("views.open")
		if status != http.StatusOK || len(opened) != 1 || opened[0].TS != "outcome-trigger" {
			t.Fatalf("Record what happened: %d, views.open %+v; want the outcome form opened before the answer", status, opened)
		}
		var view struct {
			CallbackID      string `json:"callback_id"`
			PrivateMetadata string `json:"private_metadata"`
			Blocks          []struct {
				BlockID string          `json:"block_id"`
				Element json.RawMessage `json:"element"`
			} `json:"blocks"`
		}
		if err := json.Unmarshal([]byte(opened[0].Blocks), &view); err != nil {
			t.Fatal(err)
		}
		if view.CallbackID != outcomeModalID || !strings.Contains(view.PrivateMetadata, caseID) || !strings.Contains(view.PrivateMetadata, "C7") {
			t.Fatalf("view = %s; want the outcome form of case %s from C7", opened[0].Blocks, caseID)
		}
		elements := map[string]string{}
		for _, b := range view.Blocks {
			elements[b.BlockID] = string(b.Element)
		}
		for _, f := range flows.OutcomeFields {
			el := elements[outcomeBlockPrefix+f.Key]
			want := `"static_select"`
			if f.Radio {
				want = `"radio_buttons"`
			}
			if !strings.Contains(el, want) || !strings.Contains(el, `"value":"not_known"`) {
				t.Errorf("%s's element = %s; want %s offering not known", f.Key, el, want)
			}
			if strings.Contains(el, "plain_text_input") {
				t.Errorf("%s is free text: %s", f.Key, el)
			}
		}

		submit := func(values map[string]string, metadata string) (int, string) {
			return h.post(form, interactionForm(map[string]any{
				"type": "view_submission", "team": map[string]any{"id": testTeam, "domain": "care"},
				"user": map[string]any{"id": "U2", "username": "sam", "name": "sam", "team_id": testTeam}, "api_app_id": "A1",
				"token": "legacy-verification-token", "trigger_id": trigger(), "is_enterprise_install": false, "enterprise": nil,
				"view": map[string]any{
					"id": "V1", "team_id": testTeam, "type": "modal", "callback_id": outcomeModalID, "private_metadata": metadata,
					"hash": "1700000900.abc", "title": map[string]any{"type": "plain_text", "text": "What happened"},
					"state": outcomeState(values), "app_id": "A1", "bot_id": "B1", "root_view_id": "V1",
				},
				"response_urls": []any{},
			}), nil)
		}

		// A value the form never offered is shown in the form.
		status, body := submit(map[string]string{flows.OutcomeDiedAt: "the moon"}, view.PrivateMetadata)
		if status != http.StatusOK || !strings.Contains(body, `"response_action":"errors"`) || !strings.Contains(body, outcomeBlockPrefix+flows.OutcomeDiedAt) {
			t.Fatalf("forged value: %d %s; want the form to show the problem", status, body)
		}
		if _, err := db.OutcomeByCase(ctx, cs.ID); err == nil {
			t.Fatal("a forged value made a record")
		}

		// Submitted: every fact given but the carer's strain.
		values := map[string]string{
			flows.OutcomeDiedWeek: flows.ISOWeekKey(time.Now(), time.UTC), flows.OutcomePreferredPlace: "home", flows.OutcomeDiedAt: "hospital",
			flows.OutcomeCarePlan: "yes", flows.OutcomePlanShared: "no", flows.OutcomeJICMeds: "yes",
			flows.OutcomeAdmissions: "2", flows.OutcomeBedDays: "9", flows.OutcomeInformalSupport: "strong",
		}
		if status, body := submit(values, view.PrivateMetadata); status != http.StatusOK || body != "" {
			t.Fatalf("submission: %d %q; want 200 and an empty body, closing the form", status, body)
		}
		confirm := api.waitFor(t, "the confirmation", func(cs []apiCall) bool {
			for _, c := range cs {
				if c.Method == "chat.postEphemeral" && strings.Contains(c.Text, "Recorded what happened for Kestrel") {
					return true
				}
			}
			return false
		})
		for _, c := range confirm {
			if c.Method == "chat.postEphemeral" && strings.Contains(c.Text, "Recorded") && (c.User != "U2" || c.Channel != "C7") {
				t.Errorf("confirmation %+v; want it for U2 in C7", c)
			}
		}
		o, err := db.OutcomeByCase(ctx, cs.ID)
		if err != nil {
			t.Fatal(err)
		}
		if o.PreferredPlace != "home" || o.DiedAt != "hospital" || o.CarePlan != "yes" || o.PlanShared != "no" || o.JICMeds != "yes" ||
			o.Admissions != 2 || o.BedDays != 9 || o.InformalSupport != "strong" || o.CarerStrain != flows.OutcomeNotKnown ||
			o.DiedWeek != values[flows.OutcomeDiedWeek] || o.TeamID != testTeam {
			t.Fatalf("record = %+v; want what was submitted, the carer's strain not known", o)
		}
		entries, err := db.ListAudit(ctx, testTeam)
		if err != nil {
			t.Fatal(err)
		}
		var audited *flows.AuditEntry
		for i, e := range entries {
			if e.Action == flows.AuditOutcome {
				audited = &entries[i]
			}
		}
		if audited == nil || audited.Actor != "U2" || !strings.Contains(audited.Detail, "died_at") || strings.Contains(audited.Detail, "hospital") {
			t.Errorf("audit = %+v; want the change recorded by field name, never its value", entries)
		}

		// /reflect outcome Kestrel: the form again, showing the record.
		h.command("U3", "C7", "outcome Kestrel")
		opened = api.waitForCount(t, 2, "views.open")
		if err := json.Unmarshal([]byte(opened[1].Blocks), &view); err != nil {
			t.Fatal(err)
		}
		for _, b := range view.Blocks {
			var el struct {
				Initial *struct {
					Value string `json:"value"`
				} `json:"initial_option"`
			}
			_ = json.Unmarshal(b.Element, &el)
			key := strings.TrimPrefix(b.BlockID, outcomeBlockPrefix)
			if key == b.BlockID {
				continue
			}
			want := o.Value(key)
			if el.Initial == nil || el.Initial.Value != want {
				t.Errorf("the form again shows %s as %+v; want %q", key, el.Initial, want)
			}
		}
		// A case the team does not have: a notice, no form.
		h.command("U3", "C7", "outcome Nobody")
		api.waitFor(t, "the notice about no such case", func(cs []apiCall) bool {
			for _, c := range cs {
				if c.Method == "chat.postEphemeral" && strings.Contains(c.Text, "no such case") {
					return true
				}
			}
			return false
		})
		if n := len(api.made("views.open")); n != 2 {
			t.Errorf("views.open made %d times; want no form for a case the team does not have", n)
		}
		assertDrained(t, db)
		if strings.Contains(h.logs.String(), "hospital") {
			t.Errorf("a recorded fact reached the log")
		}
	})
}
