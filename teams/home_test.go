package teams

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"whatmatters/flows"
)

var homeNow = time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)

func homeFull() flows.Home {
	ch := "19:a1b2c3d4e5f60718293a4b5c6d7e8f90@thread.tacv2"
	return flows.Home{
		UserID: dlgLead, Discipline: "district nurse", AwayUntil: homeNow.Add(48 * time.Hour), SnoozedUntil: homeNow.Add(-time.Hour),
		Recent: []flows.HomeReflection{
			{ID: 42, Title: "Case reflection: " + injection, Status: flows.StatusInProgress, Channel: ch, When: homeNow.Add(-time.Hour)},
			{ID: 41, Title: "Reflection after a death: Wren", Status: flows.StatusComplete, Channel: "19:unnamed@thread.tacv2", When: homeNow.Add(-72 * time.Hour)},
		},
		Cases: []flows.HomeCase{
			{Label: "Kestrel <at>Everyone</at>", Reflections: 3, LastReflected: homeNow.Add(-time.Hour)},
			{Label: "Wren", Reflections: 1, LastReflected: homeNow.Add(-72 * time.Hour)},
			{Label: "Heron"},
		},
		Actions: []flows.ActionItem{
			{SessionAction: flows.SessionAction{ID: 5, Text: "Call the GP about [meds](https://evil.example)", Due: "2026-12-10"}, Channel: ch, Session: "Case session: Kestrel"},
			{SessionAction: flows.SessionAction{ID: 6, Text: "Share the plan", DoneAt: homeNow.Add(-time.Hour)}, Channel: ch},
		},
		DigestHeadline: "30 Nov to 6 Dec: 4 reflections on 3 cases, from 5 people; 2 recurring themes.",
		DigestThemes:   []string{"Family carers under strain", "Just-in-case medicines ready in time"},
	}
}

func homeOptions() CardOptions {
	return CardOptions{ChannelName: func(id string) string {
		if id == "19:a1b2c3d4e5f60718293a4b5c6d7e8f90@thread.tacv2" {
			return "ward-7 **now** <at>Ward</at>"
		}
		return ""
	}}
}

func homeRender(t *testing.T, h flows.Home, opt CardOptions) (json.RawMessage, map[string]any) {
	t.Helper()
	raw, err := HomeCard(h, homeNow, opt)
	if err != nil {
		t.Fatal(err)
	}
	return raw, decodeCard(t, raw)
}

// homeByID finds the card's elements by id.
func homeByID(c map[string]any) map[string]map[string]any {
	out := map[string]map[string]any{}
	walk(c["body"], func(m map[string]any) {
		if id, _ := m["id"].(string); id != "" {
			out[id] = m
		}
	})
	return out
}

// homeButtons lists every action in the card, by title.
func homeButtons(c map[string]any) map[string][]map[string]any {
	out := map[string][]map[string]any{}
	walk(c["body"], func(m map[string]any) {
		if m["type"] != "ActionSet" {
			return
		}
		for _, a := range m["actions"].([]any) {
			am := a.(map[string]any)
			out[am["title"].(string)] = append(out[am["title"].(string)], am)
		}
	})
	return out
}

func TestHomeCardShape(t *testing.T) {
	raw, c := homeRender(t, homeFull(), homeOptions())
	if c["type"] != "AdaptiveCard" || c["version"] != CardVersion || c["msteams"].(map[string]any)["width"] != "Full" {
		t.Fatalf("card header %v %v %v", c["type"], c["version"], c["msteams"])
	}
	if _, ok := c["actions"]; ok {
		t.Error("buttons belong to their sections, not the card's foot")
	}
	ids := homeByID(c)
	for _, id := range []string{"home_start", "home_recent", "home_cases", "home_actions", "home_digest", "home_settings", "home_data", "home_r_42", "home_a_5", "home_a_6"} {
		if ids[id] == nil {
			t.Errorf("no %s", id)
		}
	}
	b := homeButtons(c)
	// Forms open as dialogs: Action.Submit with msteams task/fetch.
	for title, want := range map[string][2]string{
		"Start a reflection": {string(DialogStart), ""},
		"Write it in a form": {string(DialogWrite), "case"},
		"Change settings":    {string(DialogSettings), ""},
	} {
		if len(b[title]) != 1 {
			t.Fatalf("%q buttons: %v", title, b[title])
		}
		a := b[title][0]
		data := a["data"].(map[string]any)
		if a["type"] != "Action.Submit" || data["msteams"].(map[string]any)["type"] != "task/fetch" || data["action"] != want[0] {
			t.Errorf("%q = %v", title, a)
		}
		if v, _ := data["value"].(string); v != want[1] {
			t.Errorf("%q value %q", title, v)
		}
		open, err := ReadDialogOpen(dlgInvoke(t, InvokeTaskFetch, data, false))
		if err != nil || string(open.Dialog) != want[0] || !open.Personal {
			t.Errorf("%q opens %+v, %v", title, open, err)
		}
	}
	// Acting buttons: Action.Execute with the Action.Submit fallback.
	if len(b["Done"]) != 1 {
		t.Fatalf("Done buttons: %v (only the open action has one)", b["Done"])
	}
	for title, want := range map[string][3]string{
		"Done":        {HomeActionDone, "5", ""},
		"Get my data": {HomeMyData, "", ""},
		"Forget me…":  {HomeForgetMe, "", "destructive"},
	} {
		a := b[title][0]
		fb, _ := a["fallback"].(map[string]any)
		if a["type"] != "Action.Execute" || a["verb"] != want[0] || fb["type"] != "Action.Submit" {
			t.Errorf("%q = %v", title, a)
		}
		if s, _ := a["style"].(string); s != want[2] {
			t.Errorf("%q style %q", title, s)
		}
		inv := &Activity{Type: TypeInvoke, Name: InvokeCardAction}
		inv.Value, _ = json.Marshal(map[string]any{"action": map[string]any{"type": "Action.Execute", "verb": a["verb"], "data": a["data"]}})
		ca, err := inv.CardAction()
		if err != nil || ca.Action != want[0] || ca.Value != want[1] {
			t.Errorf("%q round trip = %+v, %v", title, ca, err)
		}
	}
	text := string(raw)
	for _, want := range []string{"Discipline: ", "district nurse", "away until Wednesday 9 December 2026", "Weekly check-in: ", `"on"`,
		"reflected on 3 times, last 7 Dec 2026", "not reflected on yet", "in progress · 7 Dec 2026 · in #ward-7",
		"due 2026-12-10", "Case session: Kestrel", "Family carers under strain; Just-in-case", "30 Nov to 6 Dec"} {
		if !strings.Contains(text, want) {
			t.Errorf("card lacks %q", want)
		}
	}
	// A channel without a name is left out rather than shown as an id.
	if strings.Contains(text, "19:unnamed") {
		t.Error("a channel id shown")
	}
}

func TestHomeCardTextIsSafe(t *testing.T) {
	raw, c := homeRender(t, homeFull(), homeOptions())
	walk(c, func(m map[string]any) {
		switch m["type"] {
		case "TextBlock":
			t.Errorf("TextBlock (Markdown) %v", m["text"])
		case "Action.OpenUrl":
			t.Errorf("link %v", m)
		}
		if _, ok := m["selectAction"]; ok {
			t.Errorf("selectAction %v", m)
		}
	})
	if strings.Contains(string(raw), "<at>") || strings.Contains(string(raw), "</at>") {
		t.Error("mention markup left whole")
	}
	// What people wrote is there, as plain text in runs.
	var found bool
	walk(c, func(m map[string]any) {
		if m["type"] == "TextRun" && strings.Contains(m["text"].(string), "[Click here](https://evil.example/x)") {
			found = true
		}
	})
	if !found {
		t.Error("the title's text is not shown as it was written")
	}
}

func TestHomeCardEmptyAndExternal(t *testing.T) {
	raw, c := homeRender(t, flows.Home{UserID: dlgLead}, CardOptions{})
	ids := homeByID(c)
	if ids["home_actions"] != nil {
		t.Error("an empty actions section")
	}
	for _, want := range []string{"Nothing yet.", "No cases yet.", "No digest yet.", "not set yet", "not away", "may quote your words"} {
		if !strings.Contains(string(raw), want) {
			t.Errorf("empty home lacks %q", want)
		}
	}
	h := homeFull()
	h.External, h.NoQuotes = true, true
	raw, c = homeRender(t, h, homeOptions())
	ids = homeByID(c)
	for _, id := range []string{"home_recent", "home_cases", "home_actions", "home_digest"} {
		if ids[id] != nil {
			t.Errorf("someone from another organisation sees %s", id)
		}
	}
	if ids["home_external"] == nil || ids["home_settings"] == nil || ids["home_data"] == nil || !strings.Contains(string(raw), "never quote your words") {
		t.Error("external home lacks its explanation, settings or data rights")
	}
	if strings.Contains(string(raw), "Kestrel") || strings.Contains(string(raw), "Family carers") {
		t.Error("external home lists the team's cases or digest")
	}
}

func TestHomeCardMarker(t *testing.T) {
	raw, _ := homeRender(t, homeFull(), CardOptions{Marker: MarkerPrefix + "home"})
	if CardMarker(raw) != MarkerPrefix+"home" {
		t.Errorf("marker = %q", CardMarker(raw))
	}
}

func TestHomeCardHugeHomeFits(t *testing.T) {
	h := homeFull()
	h.Recent, h.Cases, h.Actions = nil, nil, nil
	for i := range 300 {
		h.Recent = append(h.Recent, flows.HomeReflection{ID: int64(1000 + i), Title: "Case reflection: " + strings.Repeat("Kestrel ", 600),
			Status: flows.StatusComplete, Channel: "19:a1b2c3d4e5f60718293a4b5c6d7e8f90@thread.tacv2", When: homeNow})
		h.Cases = append(h.Cases, flows.HomeCase{Label: strings.Repeat("宿", 300) + strconv.Itoa(i), Reflections: i, LastReflected: homeNow})
		h.Actions = append(h.Actions, flows.ActionItem{SessionAction: flows.SessionAction{ID: int64(i + 1), Text: strings.Repeat("Call the GP 🙂 ", 200)},
			Session: strings.Repeat("A session ", 50)})
	}
	h.DigestHeadline = strings.Repeat("A long headline. ", 2000)
	raw, err := HomeCard(h, homeNow, homeOptions())
	if err != nil {
		t.Fatal(err)
	}
	if n := utf16Size(string(raw)); n > HomeMaxBytes {
		t.Fatalf("home card takes %d bytes, limit %d", n, HomeMaxBytes)
	}
	c := decodeCard(t, raw)
	text := string(raw)
	if !strings.Contains(text, CutNote) || !strings.Contains(text, "more") || !strings.Contains(text, "older, in their reply chains") {
		t.Error("the cut is not said")
	}
	// Still a working home: its buttons, and the first entries of each list.
	b := homeButtons(c)
	if len(b["Start a reflection"]) != 1 || len(b["Change settings"]) != 1 || len(b["Get my data"]) != 1 || len(b["Done"]) == 0 {
		t.Errorf("buttons lost: %d done", len(b["Done"]))
	}
	ids := homeByID(c)
	if ids["home_r_1000"] == nil || ids["home_a_1"] == nil {
		t.Error("the first entries are not shown")
	}
	// A smaller limit is kept too.
	opt := homeOptions()
	opt.MaxBytes = MaxCardBytes
	small, err := HomeCard(h, homeNow, opt)
	if err != nil {
		t.Fatal(err)
	}
	if n := utf16Size(string(small)); n > opt.MaxBytes {
		t.Errorf("home card takes %d bytes, limit %d", n, opt.MaxBytes)
	}
	// A home that fits is not cut.
	raw, _ = homeRender(t, homeFull(), homeOptions())
	if strings.Contains(string(raw), CutNote) {
		t.Error("a small home was cut")
	}
	opt.MaxBytes = 1024
	if _, err := HomeCard(h, homeNow, opt); err == nil {
		t.Error("a home that cannot fit was rendered")
	}
}

func TestHomeCommand(t *testing.T) {
	for action, want := range map[string]string{HomeMyData: "my-data", HomeForgetMe: "forget-me"} {
		if got, ok := HomeCommand(action); !ok || got != want {
			t.Errorf("%s: %q %v", action, got, ok)
		}
	}
	for _, action := range []string{HomeActionDone, HomeRefresh, flows.ActionForgetMe, "digest every monday 09:00", ""} {
		if got, ok := HomeCommand(action); ok {
			t.Errorf("%q runs %q", action, got)
		}
	}
}

// A busy team's home, with short texts, is shown whole: the limit is not
// so tight that an everyday home is cut.
func TestHomeCardBusyHomeIsWhole(t *testing.T) {
	h := homeFull()
	h.Recent, h.Cases, h.Actions = nil, nil, nil
	ch := "19:a1b2c3d4e5f60718293a4b5c6d7e8f90@thread.tacv2"
	for i := range 10 {
		h.Recent = append(h.Recent, flows.HomeReflection{ID: int64(100 + i), Title: "Case reflection: Kestrel " + strconv.Itoa(i),
			Status: flows.StatusComplete, Channel: ch, When: homeNow})
		h.Actions = append(h.Actions, flows.ActionItem{SessionAction: flows.SessionAction{ID: int64(i + 1),
			Text: "Call the GP about the syringe driver", Due: "2026-12-12"}, Session: "Case session: Kestrel", Channel: ch})
	}
	for i := range 30 {
		h.Cases = append(h.Cases, flows.HomeCase{Label: "Kestrel " + strconv.Itoa(i), Reflections: 2, LastReflected: homeNow})
	}
	raw, c := homeRender(t, h, homeOptions())
	if strings.Contains(string(raw), CutNote) || strings.Contains(string(raw), "and ") && strings.Contains(string(raw), " more") {
		t.Error("a busy home was cut")
	}
	if n := len(homeButtons(c)["Done"]); n != 10 {
		t.Errorf("%d Done buttons", n)
	}
	if !strings.Contains(string(raw), "Kestrel 29") {
		t.Error("the 30th case is missing")
	}
}
