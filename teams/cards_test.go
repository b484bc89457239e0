package teams

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"unicode/utf16"

	"whatmatters/flows"
)

// walk calls fn on every JSON object in v.
func walk(v any, fn func(map[string]any)) {
	switch x := v.(type) {
	case map[string]any:
		fn(x)
		for _, c := range x {
			walk(c, fn)
		}
	case []any:
		for _, c := range x {
			walk(c, fn)
		}
	}
}

func decodeCard(t *testing.T, raw json.RawMessage) map[string]any {
	t.Helper()
	var c map[string]any
	if err := json.Unmarshal(raw, &c); err != nil {
		t.Fatalf("card is not JSON: %v", err)
	}
	return c
}

func utf16Size(s string) int { return 2 * len(utf16.Encode([]rune(s))) }

var mentionsOnly = regexp.MustCompile(`^<at>[\p{L}\p{N} .,'-]+</at>(, <at>[\p{L}\p{N} .,'-]+</at>)*$`)

const injection = "She said **hold my hand** and _stay_. [Click here](https://evil.example/x) <at>Everyone</at> ![img](https://evil.example/i.png)\n- not a list\n1. nor this"

func reflectionReply() flows.Reply {
	return flows.Reply{
		Title: "Reflection: what mattered to *them*?",
		Parts: []flows.Part{
			{Label: "Question 1", Text: "What mattered most to them in their last days?"},
			{Text: injection, Quote: true, By: "a nurse"},
			{Text: "Thanks to", Users: []string{"29:alex", "29:sam"}, Channels: []string{"19:ward7@thread.tacv2"},
				Link: &flows.MessageLink{Channel: "19:ward7@thread.tacv2", Message: "1733560000000"}},
		},
		Buttons: []flows.Button{
			{Label: "Next", Action: flows.ActionNext, Value: "42", Style: "primary"},
			{Label: "Skip", Action: flows.ActionSkip, Value: "42"},
			{Label: "Cancel", Action: flows.ActionCancel, Value: "42", Style: "danger"},
		},
	}
}

func testCardOptions() CardOptions {
	return CardOptions{
		UserName: func(id string) string {
			return map[string]string{"29:alex": "Alex [Ward](https://evil.example)", "29:sam": "Sam *Lee*"}[id]
		},
		ChannelName: func(id string) string { return "ward-7" },
		MessageURL: func(l flows.MessageLink) string {
			return "https://teams.microsoft.com/l/message/" + l.Channel + "/" + l.Message
		},
	}
}

func TestCardShape(t *testing.T) {
	raw, err := RenderCard(reflectionReply(), testCardOptions())
	if err != nil {
		t.Fatal(err)
	}
	c := decodeCard(t, raw)
	if c["type"] != "AdaptiveCard" || c["version"] != CardVersion || c["$schema"] == nil {
		t.Fatalf("card header = %v %v", c["type"], c["version"])
	}
	actions, _ := c["actions"].([]any)
	if len(actions) != 3 {
		t.Fatalf("%d actions", len(actions))
	}
	wantStyle := []string{"positive", "", "destructive"}
	for i, a := range actions {
		m := a.(map[string]any)
		data, _ := m["data"].(map[string]any)
		b := reflectionReply().Buttons[i]
		if m["type"] != "Action.Execute" || m["verb"] != b.Action || m["title"] != b.Label || data["action"] != b.Action || data["value"] != b.Value {
			t.Errorf("action %d = %v", i, m)
		}
		if style, _ := m["style"].(string); style != wantStyle[i] {
			t.Errorf("action %d style %q, want %q", i, style, wantStyle[i])
		}
		fb, _ := m["fallback"].(map[string]any)
		if fb["type"] != "Action.Submit" || fb["data"].(map[string]any)["action"] != b.Action {
			t.Errorf("action %d fallback = %v", i, fb)
		}
	}
	// The pressed button comes back as the card action it was rendered from.
	inv := &Activity{Type: TypeInvoke, Name: InvokeCardAction}
	act := actions[0].(map[string]any)
	inv.Value, _ = json.Marshal(map[string]any{"action": map[string]any{"type": "Action.Execute", "verb": act["verb"], "data": act["data"]}})
	if ca, err := inv.CardAction(); err != nil || ca.Action != flows.ActionNext || ca.Value != "42" {
		t.Errorf("round trip = %+v, %v", ca, err)
	}
	// Mentions: tags in a TextBlock, entities in msteams.
	ms := c["msteams"].(map[string]any)
	ents, _ := ms["entities"].([]any)
	if len(ents) != 2 {
		t.Fatalf("mention entities = %v", ms["entities"])
	}
	for _, e := range ents {
		m := e.(map[string]any)
		if m["type"] != "mention" || !strings.HasPrefix(m["text"].(string), "<at>") {
			t.Errorf("mention = %v", m)
		}
	}
	if !strings.Contains(string(raw), `"text":"#ward-7"`) || !strings.Contains(string(raw), `"Action.OpenUrl"`) {
		t.Error("channel name or message link missing")
	}
}

func TestCardTextCannotInjectMarkdown(t *testing.T) {
	raw, err := RenderCard(reflectionReply(), testCardOptions())
	if err != nil {
		t.Fatal(err)
	}
	c := decodeCard(t, raw)
	var runs []string
	walk(c, func(m map[string]any) {
		switch m["type"] {
		case "TextBlock":
			// The only TextBlock holds mention tags, with names cleaned.
			text, _ := m["text"].(string)
			if !mentionsOnly.MatchString(text) {
				t.Errorf("TextBlock carries %q", text)
			}
		case "TextRun":
			runs = append(runs, m["text"].(string))
		case "Action.OpenUrl":
			if u := m["url"].(string); !strings.HasPrefix(u, "https://teams.microsoft.com/") {
				t.Errorf("link to %s", u)
			}
		case "Image":
			t.Error("an image in the card")
		}
	})
	// What the person wrote arrives whole, as plain text runs, with only
	// the mention markup broken by an invisible space.
	all := strings.Join(runs, "\n")
	if strings.Contains(all, "<at>") {
		t.Error("a story's <at> markup left whole")
	}
	all = strings.ReplaceAll(all, "\u200b", "")
	for _, line := range strings.Split(injection, "\n") {
		if !strings.Contains(all, line) {
			t.Errorf("story line %q not shown as written", line)
		}
	}
	if !strings.Contains(all, "Reflection: what mattered to *them*?") {
		t.Error("title not shown as written")
	}
	if strings.Contains(all, `\*`) || strings.Contains(all, `\[`) {
		t.Error("text runs carry escapes that would show")
	}
}

func TestCardQuoteShowsWhoBy(t *testing.T) {
	raw, _ := RenderCard(reflectionReply(), CardOptions{})
	c := decodeCard(t, raw)
	var quoted bool
	walk(c, func(m map[string]any) {
		if m["type"] == "Container" && m["style"] == "emphasis" {
			quoted = strings.Contains(mustJSON(t, m), "— a nurse")
		}
	})
	if !quoted {
		t.Error("quote not in an emphasis container with its author")
	}
	// Without a name resolver nobody is mentioned and nothing breaks.
	if strings.Contains(string(raw), "<at>") || strings.Contains(string(raw), "Open the message") {
		t.Error("mention or link rendered without a resolver")
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestLongTextIsCutWithANote(t *testing.T) {
	long := strings.Repeat("She wanted the window open so she could hear the birds. ", 2000) // ~112 KB
	r := flows.Reply{
		Title:   "Digest",
		Parts:   []flows.Part{{Label: "Story", Text: long, Quote: true, By: "a doctor"}, {Text: "Short part stays whole."}},
		Buttons: []flows.Button{{Label: "Done", Action: flows.ActionDone, Value: "7"}},
	}
	raw, err := RenderCard(r, CardOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if n := utf16Size(string(raw)); n > MaxCardBytes {
		t.Fatalf("card is %d UTF-16 bytes, over %d", n, MaxCardBytes)
	}
	if n := utf16Size(string(raw)); n < MaxCardBytes*3/4 {
		t.Errorf("card cut to %d bytes: far more than needed", n)
	}
	s := string(raw)
	if !strings.Contains(s, CutNote) || !strings.Contains(s, "Short part stays whole.") || !strings.Contains(s, "…") {
		t.Error("cut note, ellipsis or the short part missing")
	}
	if !strings.Contains(s, "Action.Execute") {
		t.Error("buttons lost")
	}
}

func TestManyPartsAndWideCharactersFit(t *testing.T) {
	var parts []flows.Part
	for range 40 {
		parts = append(parts, flows.Part{Text: strings.Repeat("心 😀 ", 400), Quote: true, By: "a carer"})
	}
	raw, err := RenderCard(flows.Reply{Title: "Themes", Parts: parts}, CardOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if n := utf16Size(string(raw)); n > MaxCardBytes {
		t.Fatalf("card is %d UTF-16 bytes, over %d", n, MaxCardBytes)
	}
	if !json.Valid(raw) || strings.ContainsRune(string(raw), '\uFFFD') {
		t.Fatal("cut split a character")
	}
}

func TestCardTooManyPartsFails(t *testing.T) {
	var parts []flows.Part
	for range 2000 {
		parts = append(parts, flows.Part{Label: "Label", Text: "x"})
	}
	if _, err := RenderCard(flows.Reply{Parts: parts}, CardOptions{}); err == nil {
		t.Fatal("a card of 2000 parts rendered")
	}
}

func TestCardActivity(t *testing.T) {
	a, err := CardActivity(reflectionReply(), testCardOptions())
	if err != nil {
		t.Fatal(err)
	}
	if a.Type != TypeMessage || len(a.Attachments) != 1 || a.Attachments[0].ContentType != ContentTypeAdaptiveCard || a.Summary == "" {
		t.Fatalf("activity = %+v", a)
	}
	b, _ := json.Marshal(a)
	var back Activity
	if err := json.Unmarshal(b, &back); err != nil || !json.Valid(back.Attachments[0].Content) {
		t.Fatalf("activity does not round-trip: %v", err)
	}
	// omitzero keeps an unset timestamp out of what is sent.
	if strings.Contains(string(b), `"timestamp"`) {
		t.Error("zero timestamp sent")
	}
}

func TestEmptyReplyRendersAValidCard(t *testing.T) {
	raw, err := RenderCard(flows.Reply{}, CardOptions{})
	if err != nil {
		t.Fatal(err)
	}
	c := decodeCard(t, raw)
	if body, ok := c["body"].([]any); !ok || len(body) != 0 {
		t.Errorf("body = %v", c["body"])
	}
}

// The engine's words name commands as Teams has them; what people wrote is
// shown as they wrote it, even when it says /reflect.
func TestCardsSayCommandsTheTeamsWay(t *testing.T) {
	r := flows.Reply{Kind: flows.Notice, Title: "Try /reflect help",
		Parts: []flows.Part{{Text: "Tell me once with /reflect discipline ROLE."}, {Text: "we used /reflect a lot", Quote: true, By: "a nurse"}}}
	out, err := RenderCard(r, CardOptions{})
	if err != nil {
		t.Fatal(err)
	}
	s := string(out)
	if !strings.Contains(s, "Try @What Matters reflect help") || !strings.Contains(s, "with @What Matters reflect discipline ROLE") {
		t.Errorf("the engine's words still say /reflect: %s", s)
	}
	if !strings.Contains(s, "we used /reflect a lot") {
		t.Errorf("a quote was changed: %s", s)
	}
}
