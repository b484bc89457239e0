package teams

import (
	"encoding/json"
	"errors"
	"maps"
	"strconv"
	"strings"
	"testing"
	"time"

	"whatmatters/flows"
)

const (
	dlgChannel  = "19:a1b2c3d4e5f60718293a4b5c6d7e8f90@thread.tacv2"
	dlgLead     = "6b1f4c7e-2d7a-4c55-9d1e-0a4f3c2b1a90"
	dlgOther    = "0f9e8d7c-6b5a-4c3d-8e2f-1a0b9c8d7e6f"
	dlgPersonal = "a:1pErSoNaLcHaT"
)

// dlgState is a full read-only state for every dialog, with text that
// tries to inject Markdown and mentions wherever the bot shows names.
func dlgState(id DialogID, inChannel bool) Dialog {
	d := Dialog{ID: id, InChannel: inChannel,
		Channels: []ChannelChoice{
			{ID: dlgChannel, Name: "ward-7 [click](https://evil.example) <at>Everyone</at>"},
			{ID: "19:private@thread.tacv2", Name: "secret", Private: true},
			{ID: "19:second@thread.tacv2", Name: "#hospice-at-home"},
		},
		Templates: []flows.HomeTemplate{
			{Key: "after_death", Name: "Reflection after a death", NeedsCase: true},
			{Key: "case", Name: "Case reflection", NeedsCase: true},
			{Key: "theme", Name: "Theme **bold**"},
		},
		Form: flows.Form{Template: "case", Title: "Case reflection", NeedsCase: true, Stages: []flows.FormStage{
			{Key: "what_matters", Title: "What matters", Question: "What matters to this person? " + injection},
			{Key: "why", Title: "Why it matters", Question: "Why does it matter?"},
		}},
		Settings: flows.Settings{Discipline: "district nurse", MayChangeTeam: true,
			Team:         flows.Team{DigestChannel: dlgChannel, DigestDay: time.Tuesday, DigestHour: 8},
			Facilitators: []string{dlgOther, "not-a-guid"}},
		PeopleName: func(id string) string {
			if id == dlgOther {
				return "Sam *Lee*"
			}
			return ""
		},
		SessionTemplates: []flows.SessionTemplate{{Key: "case", Name: "Case", NeedsCase: true}, {Key: "theme", Name: "Theme"}},
		Case:             flows.Case{ID: 7, Label: "Kestrel"},
		Outcome:          flows.NewOutcome("T1", 7, "2026-W45"),
		Weeks:            []flows.OutcomeChoice{{Value: "2026-W45", Label: "this week"}, {Value: "2026-W44", Label: "last week"}},
		Question:         AnswerQuestion{Reflection: "Case reflection: Kestrel", Stage: "What matters", Question: "What matters to this person?"},
	}
	switch id {
	case DialogWrite:
		d.Value = "case"
	case DialogOutcome:
		d.Value = "7"
	case DialogAnswer:
		d.Value = "42"
	case DialogSession:
		d.Value = "families at the bedside"
	}
	return d
}

// dlgResponse decodes an invoke response's body as Teams reads it.
func dlgResponse(t *testing.T, r InvokeResponse) map[string]any {
	t.Helper()
	if r.Status != 200 {
		t.Fatalf("status %d", r.Status)
	}
	raw, err := json.Marshal(r.Body)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// dlgCardOf checks a continue response's envelope and returns its card.
func dlgCardOf(t *testing.T, r InvokeResponse) map[string]any {
	t.Helper()
	task, _ := dlgResponse(t, r)["task"].(map[string]any)
	if task["type"] != "continue" {
		t.Fatalf("task = %v", task)
	}
	v, _ := task["value"].(map[string]any)
	for _, k := range []string{"title", "width", "height"} {
		if s, _ := v[k].(string); s == "" {
			t.Errorf("task value has no %s: %v", k, v)
		}
	}
	for _, k := range []string{"width", "height"} {
		if s := v[k].(string); s != "small" && s != "medium" && s != "large" {
			t.Errorf("%s %q is not a documented size", k, s)
		}
	}
	att, _ := v["card"].(map[string]any)
	if att["contentType"] != ContentTypeAdaptiveCard {
		t.Fatalf("card attachment = %v", att)
	}
	c, _ := att["content"].(map[string]any)
	if c["type"] != "AdaptiveCard" || c["version"] != "1.5" {
		t.Fatalf("card = %v %v", c["type"], c["version"])
	}
	return c
}

// dlgInputs lists a card's inputs by id, in order.
func dlgInputs(c map[string]any) ([]string, map[string]map[string]any) {
	var ids []string
	byID := map[string]map[string]any{}
	walk(c["body"], func(m map[string]any) {
		if ty, _ := m["type"].(string); strings.HasPrefix(ty, "Input.") {
			id := m["id"].(string)
			ids = append(ids, id)
			byID[id] = m
		}
	})
	return ids, byID
}

// dlgSubmitData is the data of the card's one Action.Submit.
func dlgSubmitData(t *testing.T, c map[string]any) map[string]any {
	t.Helper()
	acts, _ := c["actions"].([]any)
	if len(acts) != 1 {
		t.Fatalf("%d actions", len(acts))
	}
	a := acts[0].(map[string]any)
	if a["type"] != "Action.Submit" {
		t.Fatalf("action = %v", a)
	}
	data := a["data"].(map[string]any)
	if _, ok := data["msteams"]; ok {
		t.Error("the dialog's submit would fetch a dialog again")
	}
	return data
}

// dlgFill is what a person's client sends: the submit button's data
// merged with every input, filled in as a person would.
func dlgFill(t *testing.T, c map[string]any) map[string]any {
	t.Helper()
	data := maps.Clone(dlgSubmitData(t, c))
	ids, byID := dlgInputs(c)
	for _, id := range ids {
		in := byID[id]
		v, _ := in["value"].(string)
		if v == "" {
			if cs, _ := in["choices"].([]any); len(cs) > 0 {
				v = cs[0].(map[string]any)["value"].(string)
			} else if in["type"] == "Input.Text" {
				v = "Being at home\r\nmattered most."
				if in["isMultiline"] != true {
					v = "Kestrel"
				}
			}
		}
		data[id] = v
	}
	return data
}

// dlgInvoke is a dialog invoke of Microsoft's shape (the fixtures), with
// data, from a channel's reply chain or a 1:1 chat.
func dlgInvoke(t *testing.T, name string, data map[string]any, inChannel bool) *Activity {
	t.Helper()
	a := fixture(t, "invoke_task_submit.json")
	a.Name = name
	raw, err := json.Marshal(map[string]any{"data": data, "context": map[string]any{"theme": "default"}})
	if err != nil {
		t.Fatal(err)
	}
	a.Value = raw
	if !inChannel {
		a.Conversation = &ConversationAccount{ID: dlgPersonal, ConversationType: ConversationPersonal, TenantID: testTenant}
	}
	return a
}

func TestDialogFetchShapes(t *testing.T) {
	wantMax := map[string]float64{FieldLabel: 40, FieldDiscipline: flows.MaxDisciplineRunes, FieldSubject: 80,
		FieldAnswer: flows.MaxAnswerRunes, "stage_what_matters": flows.MaxAnswerRunes, "stage_why": flows.MaxAnswerRunes}
	wantRequired := map[DialogID][]string{
		DialogStart:    {FieldChannel, FieldTemplate},
		DialogWrite:    {FieldChannel, FieldLabel},
		DialogSettings: {FieldDiscipline, FieldDigestDay, FieldDigestHour},
		DialogSession:  {FieldTemplate, FieldMinutes, FieldPace},
		DialogAnswer:   {FieldAnswer},
	}
	for _, id := range Dialogs {
		inChannel := id == DialogSession || id == DialogAnswer || id == DialogOutcome
		r, err := DialogFetch(dlgState(id, inChannel))
		if err != nil {
			t.Fatalf("%s: %v", id, err)
		}
		c := dlgCardOf(t, r)
		data := dlgSubmitData(t, c)
		if data["action"] != string(id) {
			t.Errorf("%s: submit data %v", id, data)
		}
		ids, byID := dlgInputs(c)
		if len(ids) == 0 {
			t.Fatalf("%s: no inputs", id)
		}
		for _, in := range ids {
			m := byID[in]
			if m["label"] == nil || m["label"] == "" {
				t.Errorf("%s: input %s has no label", id, in)
			}
			if in == "action" || in == "value" || in == "msteams" || in == "team_part" {
				t.Errorf("%s: input %s would clash with the hidden data", id, in)
			}
			if want, ok := wantMax[in]; ok && m["maxLength"] != want {
				t.Errorf("%s: %s maxLength %v, want %v", id, in, m["maxLength"], want)
			}
			if m["type"] == "Input.ChoiceSet" {
				for _, ch := range m["choices"].([]any) {
					v := ch.(map[string]any)["value"].(string)
					if strings.Contains(v, ",") || v == "19:private@thread.tacv2" {
						t.Errorf("%s: %s offers %q", id, in, v)
					}
				}
			}
		}
		for _, req := range wantRequired[id] {
			if byID[req] == nil || byID[req]["isRequired"] != true {
				t.Errorf("%s: %s not required: %v", id, req, byID[req])
			}
		}
		// Nothing the bot did not write reaches Markdown: no TextBlock.
		walk(c, func(m map[string]any) {
			if m["type"] == "TextBlock" {
				t.Errorf("%s: TextBlock %v", id, m["text"])
			}
		})
		raw, _ := json.Marshal(c)
		if strings.Contains(string(raw), "<at>") {
			t.Errorf("%s: mention markup left whole", id)
		}
	}
}

func TestDialogChoicesComeFromTheState(t *testing.T) {
	c := dlgCardOf(t, must(DialogFetch(dlgState(DialogStart, false))))
	_, byID := dlgInputs(c)
	got := map[string]string{}
	for _, ch := range byID[FieldChannel]["choices"].([]any) {
		m := ch.(map[string]any)
		got[m["value"].(string)] = m["title"].(string)
	}
	if len(got) != 2 || got["19:second@thread.tacv2"] != "#hospice-at-home" || !strings.Contains(got[dlgChannel], "<\u200bat>") {
		t.Errorf("channels offered: %v", got)
	}
	tpl := byID[FieldTemplate]
	if tpl["value"] != "case" || len(tpl["choices"].([]any)) != 3 {
		t.Errorf("templates offered: %v", tpl)
	}
	// In a channel, the reflection goes there: no channel to choose.
	c = dlgCardOf(t, must(DialogFetch(dlgState(DialogStart, true))))
	if _, byID := dlgInputs(c); byID[FieldChannel] != nil {
		t.Error("channel asked for in a channel")
	}
	// Settings: the team's part, pre-filled, facilitators by people picker.
	c = dlgCardOf(t, must(DialogFetch(dlgState(DialogSettings, false))))
	_, byID = dlgInputs(c)
	if byID[FieldDiscipline]["value"] != "district nurse" || byID[FieldDigestChannel]["value"] != dlgChannel ||
		byID[FieldDigestDay]["value"] != "2" || byID[FieldDigestHour]["value"] != "8" {
		t.Errorf("settings not pre-filled: %v %v %v", byID[FieldDiscipline], byID[FieldDigestDay], byID[FieldDigestHour])
	}
	fac := byID[FieldFacilitators]
	q, _ := fac["choices.data"].(map[string]any)
	if fac["isMultiSelect"] != true || q["dataset"] != "graph.microsoft.com/users" || fac["value"] != dlgOther {
		t.Errorf("facilitators = %v", fac)
	}
	if dlgSubmitData(t, c)["team_part"] != "1" {
		t.Error("team part not marked")
	}
	// Someone who may not change the team's settings sees only theirs.
	d := dlgState(DialogSettings, false)
	d.Settings.MayChangeTeam = false
	ids, _ := dlgInputs(dlgCardOf(t, must(DialogFetch(d))))
	if len(ids) != 1 || ids[0] != FieldDiscipline {
		t.Errorf("non-lead settings inputs: %v", ids)
	}
	// Outcome: every fact, with the record's values and radio-like sets.
	c = dlgCardOf(t, must(DialogFetch(dlgState(DialogOutcome, true))))
	ids, byID = dlgInputs(c)
	if len(ids) != len(flows.OutcomeFields) {
		t.Fatalf("outcome inputs %v", ids)
	}
	for _, f := range flows.OutcomeFields {
		in := byID[f.Key]
		if in["value"] != flows.OutcomeNotKnown || (f.Radio && in["style"] != "expanded") {
			t.Errorf("outcome %s = %v", f.Key, in)
		}
	}
	if n := len(byID[flows.OutcomeBedDays]["choices"].([]any)); n != 92 {
		t.Errorf("bed days offers %d choices, want not known and 0..90", n)
	}
}

func must(r InvokeResponse, err error) InvokeResponse {
	if err != nil {
		panic(err)
	}
	return r
}

func TestDialogRoundTrip(t *testing.T) {
	for _, id := range Dialogs {
		for _, inChannel := range []bool{true, false} {
			if (id == DialogSession || id == DialogOutcome || id == DialogAnswer) && !inChannel {
				continue // opened from a channel's cards only
			}
			c := dlgCardOf(t, must(DialogFetch(dlgState(id, inChannel))))
			data := dlgFill(t, c)
			sub, err := ReadSubmission(dlgInvoke(t, InvokeTaskSubmit, data, inChannel))
			if err != nil {
				t.Fatalf("%s (in channel %v): %v", id, inChannel, err)
			}
			if sub.Dialog != id || sub.Value != dlgState(id, inChannel).Value {
				t.Errorf("%s: submission %+v", id, sub)
			}
			if sub.Personal == inChannel || (inChannel && sub.OpenedIn != dlgChannel) {
				t.Errorf("%s: where = %q %v", id, sub.OpenedIn, sub.Personal)
			}
			ids, _ := dlgInputs(c)
			for _, in := range ids {
				want := strings.TrimSpace(strings.ReplaceAll(data[in].(string), "\r\n", "\n"))
				if got, ok := sub.Fields[in]; !ok || got != want {
					t.Errorf("%s: field %s = %q, want %q", id, in, got, want)
				}
			}
			switch id {
			case DialogStart, DialogWrite:
				if sub.Channel != dlgChannel {
					t.Errorf("%s: channel %q", id, sub.Channel)
				}
			case DialogSettings:
				if !sub.TeamPart || len(sub.Facilitators) != 1 || sub.Facilitators[0] != dlgOther {
					t.Errorf("settings: %+v", sub)
				}
			case DialogSession, DialogOutcome, DialogAnswer:
				if sub.Channel != dlgChannel {
					t.Errorf("%s: channel %q", id, sub.Channel)
				}
			}
			if id == DialogWrite {
				fs := sub.FormSubmission(flows.Actor{TeamID: "T1", UserID: dlgLead})
				if fs.Template != "case" || fs.Label != "Kestrel" || fs.Answers["what_matters"] != "Being at home\nmattered most." || len(fs.Answers) != 2 {
					t.Errorf("form submission = %+v", fs)
				}
			}
			if _, ok := dlgResponse(t, DialogAccepted(id))["task"].(map[string]any); !ok {
				t.Errorf("%s: no accepted message", id)
			}
		}
	}
}

func TestDialogFixtures(t *testing.T) {
	open, err := ReadDialogOpen(fixture(t, "invoke_task_fetch.json"))
	if err != nil {
		t.Fatal(err)
	}
	if open != (DialogOpen{Dialog: DialogAnswer, Value: "42", Channel: dlgChannel, Thread: "1733560000000"}) {
		t.Errorf("open = %+v", open)
	}
	sub, err := ReadSubmission(fixture(t, "invoke_task_submit.json"))
	if err != nil {
		t.Fatal(err)
	}
	if sub.Dialog != DialogAnswer || sub.Value != "42" || sub.Fields[FieldAnswer] != "Being at home mattered most to him." ||
		sub.Channel != dlgChannel || sub.Thread != "1733560000000" {
		t.Errorf("submission = %+v", sub)
	}
	if _, err := ReadSubmission(fixture(t, "invoke_task_fetch.json")); !errors.Is(err, ErrNotDialog) {
		t.Errorf("a fetch read as a submission: %v", err)
	}
	if _, err := ReadDialogOpen(fixture(t, "invoke_card_action.json")); !errors.Is(err, ErrNotDialog) {
		t.Errorf("a card action read as a dialog: %v", err)
	}
}

func TestDialogButtonOpensItsDialog(t *testing.T) {
	raw, err := json.Marshal(DialogButton("Record what happened", DialogOutcome, "7"))
	if err != nil {
		t.Fatal(err)
	}
	var b struct {
		Type  string         `json:"type"`
		Title string         `json:"title"`
		Data  map[string]any `json:"data"`
	}
	if err := json.Unmarshal(raw, &b); err != nil {
		t.Fatal(err)
	}
	ms, _ := b.Data["msteams"].(map[string]any)
	if b.Type != "Action.Submit" || ms["type"] != "task/fetch" || b.Data["action"] != "outcome" || b.Data["value"] != "7" {
		t.Fatalf("button = %s", raw)
	}
	open, err := ReadDialogOpen(dlgInvoke(t, InvokeTaskFetch, b.Data, true))
	if err != nil || open.Dialog != DialogOutcome || open.Value != "7" || open.Channel != dlgChannel {
		t.Errorf("open = %+v, %v", open, err)
	}
	// The engine's "Discuss in a session" opens the session dialog.
	open, err = ReadDialogOpen(dlgInvoke(t, InvokeTaskFetch, map[string]any{"action": flows.ActionDiscuss, "value": "Family carers"}, true))
	if err != nil || open.Dialog != DialogSession || open.Value != "Family carers" {
		t.Errorf("discuss = %+v, %v", open, err)
	}
}

// dlgProblems asserts err is a DialogProblems naming exactly fields.
func dlgProblems(t *testing.T, what string, err error, fields ...string) {
	t.Helper()
	var p *DialogProblems
	if !errors.As(err, &p) {
		t.Errorf("%s: err = %v, want problems with %v", what, err, fields)
		return
	}
	if len(p.Problems) != len(fields) {
		t.Errorf("%s: problems %v, want %v", what, p.Problems, fields)
	}
	for _, f := range fields {
		if p.Problems[f] == "" {
			t.Errorf("%s: no problem for %q in %v", what, f, p.Problems)
		}
	}
	if strings.Contains(p.Error(), "Kestrel") || strings.Contains(p.Error(), "mattered") {
		t.Errorf("%s: error carries text: %s", what, p.Error())
	}
}

func TestDialogRefusals(t *testing.T) {
	submit := func(data map[string]any, inChannel bool) error {
		_, err := ReadSubmission(dlgInvoke(t, InvokeTaskSubmit, data, inChannel))
		return err
	}
	// What the bot never sent: an error, nothing to show in a form.
	for name, tc := range map[string]struct {
		data      map[string]any
		inChannel bool
		want      error
	}{
		"unknown dialog":          {map[string]any{"action": "delete_everything"}, true, ErrUnknownDialog},
		"no action":               {map[string]any{"answer": "hello"}, true, ErrDialogData},
		"action not a string":     {map[string]any{"action": 42}, true, ErrDialogData},
		"value with a control":    {map[string]any{"action": "answer", "value": "4\x002", "answer": "x"}, true, ErrDialogData},
		"answer without id":       {map[string]any{"action": "answer", "answer": "x"}, true, ErrDialogData},
		"outcome id not a number": {map[string]any{"action": "outcome", "value": "seven"}, true, ErrDialogData},
		"form without template":   {map[string]any{"action": "form", "stage_why": "x"}, true, ErrDialogData},
		"session from a 1:1 chat": {map[string]any{"action": "session", "template": "case", "minutes": "30", "pace": "timed"}, false, ErrDialogData},
		"team part forged":        {map[string]any{"action": "answer", "value": "42", "answer": "x", "team_part": "1"}, true, ErrDialogData},
	} {
		if err := submit(tc.data, tc.inChannel); !errors.Is(err, tc.want) {
			t.Errorf("%s: err = %v, want %v", name, err, tc.want)
		}
	}
	if _, err := ReadSubmission(&Activity{Type: TypeInvoke, Name: InvokeTaskSubmit, Value: json.RawMessage(`{"data":"text"}`)}); !errors.Is(err, ErrDialogData) {
		t.Errorf("data not an object: %v", err)
	}
	if _, err := ReadDialogOpen(dlgInvoke(t, InvokeTaskFetch, map[string]any{"action": "unheard_of"}, true)); !errors.Is(err, ErrUnknownDialog) {
		t.Errorf("fetch of an unknown dialog: %v", err)
	}

	// What the person can fix: said beside the field.
	long := strings.Repeat("é", MaxPseudonymRunes+1)
	dlgProblems(t, "over-long pseudonym", submit(map[string]any{"action": "start", "template": "case", "label": long}, true), FieldLabel)
	if err := submit(map[string]any{"action": "start", "template": "case", "label": long[:2*MaxPseudonymRunes]}, true); err != nil {
		t.Errorf("a 40-character pseudonym refused: %v", err)
	}
	dlgProblems(t, "over-long answer",
		submit(map[string]any{"action": "answer", "value": "42", "answer": strings.Repeat("a", flows.MaxAnswerRunes+1)}, true), FieldAnswer)
	dlgProblems(t, "over-long stage",
		submit(map[string]any{"action": "form", "value": "case", "label": "Kestrel", "stage_why": strings.Repeat("a ", flows.MaxAnswerRunes)}, true), "stage_why")
	dlgProblems(t, "control character",
		submit(map[string]any{"action": "answer", "value": "42", "answer": "Being at home\x07 mattered."}, true), FieldAnswer)
	dlgProblems(t, "line separator",
		submit(map[string]any{"action": "answer", "value": "42", "answer": "Being at home\u2028mattered."}, true), FieldAnswer)
	dlgProblems(t, "newline in a one-line field",
		submit(map[string]any{"action": "settings", "discipline": "nurse\nsecond line"}, false), FieldDiscipline)
	dlgProblems(t, "over-long discipline",
		submit(map[string]any{"action": "settings", "discipline": strings.Repeat("n", flows.MaxDisciplineRunes+1)}, false), FieldDiscipline)
	dlgProblems(t, "missing answer", submit(map[string]any{"action": "answer", "value": "42", "answer": "  \r\n "}, true), FieldAnswer)
	dlgProblems(t, "missing channel in a 1:1 chat", submit(map[string]any{"action": "start", "template": "case"}, false), FieldChannel)
	dlgProblems(t, "missing discipline", submit(map[string]any{"action": "settings"}, false), FieldDiscipline)
	dlgProblems(t, "missing session length",
		submit(map[string]any{"action": "session", "template": "case", "pace": "timed"}, true), FieldMinutes)
	dlgProblems(t, "nothing written", submit(map[string]any{"action": "form", "value": "case", "label": "Kestrel", "stage_why": " "}, true), FieldGeneral)
	dlgProblems(t, "a length never offered",
		submit(map[string]any{"action": "session", "template": "case", "minutes": "600", "pace": "timed"}, true), FieldMinutes)
	dlgProblems(t, "an outcome never offered",
		submit(map[string]any{"action": "outcome", "value": "7", flows.OutcomeDiedAt: "the moon", flows.OutcomeBedDays: "91"}, true),
		flows.OutcomeDiedAt, flows.OutcomeBedDays)
	dlgProblems(t, "a digest hour never offered",
		submit(map[string]any{"action": "settings", "team_part": "1", "digest_day": "1", "digest_hour": "24"}, false), FieldDigestHour)
	dlgProblems(t, "facilitators not people",
		submit(map[string]any{"action": "settings", "team_part": "1", "digest_day": "1", "digest_hour": "9", "facilitators": dlgOther + ",@channel"}, false), FieldFacilitators)
	dlgProblems(t, "a choice that is text",
		submit(map[string]any{"action": "start", "template": "case", "channel": "general, and more"}, false), FieldChannel)
	dlgProblems(t, "an input of the wrong shape",
		submit(map[string]any{"action": "answer", "value": "42", "answer": []string{"a"}}, true), FieldAnswer)

	// Unknown outcome facts are not known; a lead may leave the discipline.
	sub, err := ReadSubmission(dlgInvoke(t, InvokeTaskSubmit, map[string]any{"action": "outcome", "value": "7", flows.OutcomeDiedAt: "home"}, true))
	if err != nil || sub.Fields[flows.OutcomeDiedAt] != "home" || sub.Fields[flows.OutcomeCarePlan] != flows.OutcomeNotKnown {
		t.Errorf("outcome = %+v, %v", sub.Fields, err)
	}
	if _, err := ReadSubmission(dlgInvoke(t, InvokeTaskSubmit, map[string]any{"action": "settings", "team_part": "1", "digest_day": "0", "digest_hour": "0"}, false)); err != nil {
		t.Errorf("a lead's settings without a discipline: %v", err)
	}
}

func TestDialogFixShowsProblemsKeepingValues(t *testing.T) {
	data := map[string]any{"action": "form", "value": "case", "channel": dlgChannel, "label": "Mum", "stage_what_matters": "Being at home."}
	sub, err := ReadSubmission(dlgInvoke(t, InvokeTaskSubmit, data, false))
	if err != nil {
		t.Fatal(err)
	}
	// The engine found the pseudonym is a name (flows.FormProblems).
	problems := FormFields(map[string]string{"label": "That looks like a name <at>x</at>.", "why": "Too long."})
	r, err := DialogFix(dlgState(DialogWrite, false), sub, problems)
	if err != nil {
		t.Fatal(err)
	}
	c := dlgCardOf(t, r)
	_, byID := dlgInputs(c)
	if byID[FieldLabel]["value"] != "Mum" || byID["stage_what_matters"]["value"] != "Being at home." || byID[FieldChannel]["value"] != dlgChannel {
		t.Errorf("values not kept: %v %v", byID[FieldLabel], byID["stage_what_matters"])
	}
	if dlgSubmitData(t, c)["value"] != "case" {
		t.Error("the template was lost")
	}
	// Each problem directly after its input, in the attention colour.
	body := c["body"].([]any)
	shown := map[string]string{}
	for i, el := range body {
		m := el.(map[string]any)
		id, _ := m["id"].(string)
		field, ok := strings.CutPrefix(id, "problem_")
		if !ok {
			continue
		}
		prev := body[i-1].(map[string]any)
		run := m["inlines"].([]any)[0].(map[string]any)
		if prev["id"] != field || run["color"] != "attention" {
			t.Errorf("problem for %s after %v: %v", field, prev["id"], run)
		}
		shown[field] = run["text"].(string)
	}
	if !strings.Contains(shown[FieldLabel], "<\u200bat>") || shown["stage_why"] != "Too long." {
		t.Errorf("problems shown: %v", shown)
	}
	top := body[0].(map[string]any)
	if top["id"] != "problems" || !strings.Contains(mustJSON(t, top), "nothing has been saved") {
		t.Errorf("top = %v", top)
	}
}

func TestDialogWithManyChannelsFits(t *testing.T) {
	d := dlgState(DialogSettings, false)
	d.Channels = nil
	for i := range 500 {
		d.Channels = append(d.Channels, ChannelChoice{ID: "19:" + strconv.Itoa(i) + strings.Repeat("x", 32) + "@thread.tacv2",
			Name: strings.Repeat("ward 7 and the hospice at home ", 10)})
	}
	r, err := DialogFetch(d)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(r.Body)
	if utf16Size(string(raw)) > MaxCardBytes+2048 {
		t.Errorf("dialog takes %d bytes", utf16Size(string(raw)))
	}
	_, byID := dlgInputs(dlgCardOf(t, r))
	ch := byID[FieldDigestChannel]
	if n := len(ch["choices"].([]any)); n < 10 || n > dlgMaxChoices || ch["style"] != "filtered" {
		t.Errorf("%d channels offered, style %v", n, ch["style"])
	}
	for _, c := range ch["choices"].([]any) {
		if title := c.(map[string]any)["title"].(string); len([]rune(title)) > dlgMaxChoiceTitle {
			t.Fatalf("choice title of %d characters", len([]rune(title)))
		}
	}
}

func TestDialogWithNoChannelExplains(t *testing.T) {
	d := dlgState(DialogStart, false)
	d.Channels = []ChannelChoice{{ID: "19:private@thread.tacv2", Name: "secret", Private: true}}
	c := dlgCardOf(t, must(DialogFetch(d)))
	if _, ok := c["actions"]; ok {
		t.Error("a start dialog with no channel offers to submit")
	}
	if !strings.Contains(mustJSON(t, c), "Add me to a team") {
		t.Error("no explanation")
	}
	if _, err := DialogFetch(Dialog{ID: "nonsense"}); !errors.Is(err, ErrUnknownDialog) {
		t.Errorf("unknown dialog rendered: %v", err)
	}
}

func TestStartCommand(t *testing.T) {
	for _, tc := range []struct{ tpl, label, want string }{
		{"case", "", ""},
		{"", "Kestrel", "case Kestrel"},
		{"case", "cases", "case cases"},
		{"after_death", "Kestrel", "template after_death Kestrel"},
		{"theme", "", "template theme"},
	} {
		sub := Submission{Dialog: DialogStart, Fields: map[string]string{FieldTemplate: tc.tpl, FieldLabel: tc.label}}
		if got := sub.StartCommand(); got != tc.want {
			t.Errorf("%q %q: %q, want %q", tc.tpl, tc.label, got, tc.want)
		}
	}
}

// The home card's "Start a reflection" dialog, submitted in the 1:1 chat:
// the channel comes from the dialog, the command from its fields.
func TestDialogSubmitFromThePersonalChat(t *testing.T) {
	sub, err := ReadSubmission(fixture(t, "invoke_task_submit_personal.json"))
	if err != nil {
		t.Fatal(err)
	}
	if sub.Dialog != DialogStart || !sub.Personal || sub.OpenedIn != "" || sub.Channel != dlgChannel || sub.StartCommand() != "case Kestrel" {
		t.Errorf("submission = %+v, command %q", sub, sub.StartCommand())
	}
	if body := dlgResponse(t, DialogAccepted(sub.Dialog)); body["task"].(map[string]any)["type"] != "message" {
		t.Errorf("accepted = %v", body)
	}
}
