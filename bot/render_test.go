package bot

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"github.com/slack-go/slack"

	"whatmatters/flows"
)

func TestRenderSimple(t *testing.T) {
	r := flows.Reply{
		Kind:  flows.Post,
		Title: "Reflecting on Rosa",
		Parts: []flows.Part{
			{Label: "What matters to Rosa", Text: "Her garden & her cat.", Quote: true, By: "district nurse"},
			{Text: "Who else should add to this?", Users: []string{"U012AB", "not-a-user"}},
		},
		Buttons: []flows.Button{
			{Label: "Next question", Action: flows.ActionNext, Value: "42", Style: "primary"},
			{Label: "Cancel", Action: flows.ActionCancel, Value: "42", Style: "danger"},
			{Label: "Skip", Action: flows.ActionSkip, Value: "42"},
		},
	}
	next := slack.NewButtonBlockElement("wm_next", "42", plain("Next question"))
	next.Style = slack.StylePrimary
	cancel := slack.NewButtonBlockElement("wm_cancel", "42", plain("Cancel"))
	cancel.Style = slack.StyleDanger
	skip := slack.NewButtonBlockElement("wm_skip", "42", plain("Skip"))
	got := Render(r)
	want := []Message{{
		Text: "Reflecting on Rosa\nHer garden &amp; her cat.",
		Blocks: []slack.Block{
			slack.NewHeaderBlock(plain("Reflecting on Rosa"), slack.HeaderBlockOptionBlockID("wm_title")),
			slack.NewSectionBlock(mrkdwn("*What matters to Rosa*\n> Her garden &amp; her cat.\n_— district nurse_"), nil, nil, slack.SectionBlockOptionBlockID("wm_p0_0")),
			slack.NewSectionBlock(mrkdwn("Who else should add to this? <@U012AB> not-a-user"), nil, nil, slack.SectionBlockOptionBlockID("wm_p1_0")),
			slack.NewActionBlock(got[0].Blocks[3].ID(), next, cancel, skip),
		},
	}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Render (-want +got):\n%s", diff)
	}
	if id := got[0].Blocks[3].ID(); !regexp.MustCompile(`^wm_actions_[0-9a-f]{8}_0$`).MatchString(id) {
		t.Errorf("actions block_id = %q", id)
	}
	if again := Render(r); again[0].Blocks[3].ID() != got[0].Blocks[3].ID() {
		t.Error("actions block_id is not stable")
	}
	other := r
	other.Buttons = []flows.Button{{Label: "Next", Action: flows.ActionNext, Value: "43"}}
	if Render(other)[0].Blocks[3].ID() == got[0].Blocks[3].ID() {
		t.Error("actions block_id is the same for another reflection's buttons")
	}
}

func TestRenderNothing(t *testing.T) {
	for name, r := range map[string]flows.Reply{
		"ack":         {Kind: flows.Ack, Channel: "C1", Message: "1.2", Title: "ignored", Parts: []flows.Part{{Text: "ignored"}}},
		"empty post":  {Kind: flows.Post},
		"empty parts": {Kind: flows.Notice, Parts: []flows.Part{{}, {Text: " \n\t"}, {Label: "  "}}},
	} {
		if got := Render(r); got != nil {
			t.Errorf("%s: Render = %#v, want no messages", name, got)
		}
	}
}

func TestRenderMentionsOnlyRealUsers(t *testing.T) {
	r := flows.Reply{Parts: []flows.Part{{Text: "Around:", Users: []string{
		"U012ABCDEF", "W0123", "U1", "u012abc", "<!channel>", "U012\n<!here>", "C0123ABC", "", "<@U012ABCDEF>",
	}}}}
	text := sectionTexts(t, Render(r))
	want := "Around: <@U012ABCDEF> <@W0123> U1 u012abc &lt;!channel&gt; U012\n&lt;!here&gt; C0123ABC &lt;@U012ABCDEF&gt;"
	if diff := cmp.Diff([]string{want}, text); diff != "" {
		t.Errorf("section text (-want +got):\n%s", diff)
	}
}

func TestRenderLongTitle(t *testing.T) {
	long := strings.Repeat("Rosa's story, ", 15) // 210 characters: too long for a header
	msgs := Render(flows.Reply{Title: long, Parts: []flows.Part{{Text: "x"}}})
	if _, ok := msgs[0].Blocks[0].(*slack.HeaderBlock); ok {
		t.Fatal("a 210-character title became a header")
	}
	if got, want := sectionTexts(t, msgs)[0], long; got != want {
		t.Errorf("title section = %q, want %q (not bold: it ends in a space)", got, want)
	}
	msgs = Render(flows.Reply{Title: strings.TrimSpace(long)})
	if got, want := sectionTexts(t, msgs)[0], "*"+strings.TrimSpace(long)+"*"; got != want {
		t.Errorf("title section = %q, want %q", got, want)
	}
	huge := strings.Repeat("word ", 1500)
	var back strings.Builder
	for _, s := range sectionTexts(t, Render(flows.Reply{Title: huge})) {
		back.WriteString(unescapeMrkdwn(strings.TrimSuffix(strings.TrimPrefix(s, "*"), "*")))
	}
	if back.String() != huge {
		t.Errorf("a 7,500-character title did not survive rendering")
	}
}

func TestRenderManyButtons(t *testing.T) {
	var buttons []flows.Button
	for i := range 30 {
		buttons = append(buttons, flows.Button{Label: strings.Repeat("long label ", 10), Action: fmt.Sprintf("a%d", i), Value: "7"})
	}
	msgs := Render(flows.Reply{Title: "t", Buttons: buttons})
	var actions []*slack.ActionBlock
	for _, b := range msgs[len(msgs)-1].Blocks {
		if a, ok := b.(*slack.ActionBlock); ok {
			actions = append(actions, a)
		}
	}
	if len(actions) != 2 || len(actions[0].Elements.ElementSet) != 25 || len(actions[1].Elements.ElementSet) != 5 {
		t.Fatalf("30 buttons rendered as %d actions blocks", len(actions))
	}
	if actions[0].BlockID == actions[1].BlockID {
		t.Error("two actions blocks share a block_id")
	}
	label := actions[0].Elements.ElementSet[0].(*slack.ButtonBlockElement).Text.Text
	if utf8.RuneCountInString(label) > maxButtonText || !strings.HasSuffix(label, "…") {
		t.Errorf("button label %q not shortened to %d characters", label, maxButtonText)
	}
}

// replies is the table every limit is checked against.
func replies() map[string]flows.Reply {
	sixty := make([]flows.Part, 60)
	for i := range sixty {
		sixty[i] = flows.Part{Label: fmt.Sprintf("Stage %d", i+1), Text: fmt.Sprintf("Answer %d: %s", i+1, strings.Repeat("she likes the morning light. ", 12)), Quote: i%2 == 0, By: "nurse", Users: []string{"U0AAA"}}
	}
	nextCancel := []flows.Button{{Label: "Next", Action: flows.ActionNext, Value: "9", Style: "primary"}, {Label: "Cancel", Action: flows.ActionCancel, Value: "9", Style: "danger"}}
	return map[string]flows.Reply{
		"simple": {Title: "Rosa", Parts: []flows.Part{{Text: "What matters to Rosa?"}}, Buttons: nextCancel},
		"40,000-character quoted answer": {Title: "Summary for Rosa", Parts: []flows.Part{
			{Label: "What happened", Text: longStory(40_000), Quote: true, By: "district nurse", Users: []string{"U0AAA", "W0BBB"}},
		}, Buttons: nextCancel},
		"40,000 characters without a space": {Parts: []flows.Part{{Text: strings.Repeat("é&<👩‍👩‍👧‍👦🇬🇧e\u0301", 4000), Quote: true}}},
		"60 parts":                          {Title: "Everything said about Rosa", Parts: sixty, Buttons: nextCancel},
		"empty parts":                       {Title: "Rosa", Parts: []flows.Part{{}, {Text: "   "}, {Text: "only this"}, {By: "  "}}},
		"hostile": {
			Title: "<!channel> Rosa <@U0EVIL>",
			Parts: []flows.Part{
				{Label: "<!here>", Text: strings.Join(hostile, "\n"), Quote: true, By: "<!subteam^S1|nurses>", Users: []string{"<!channel>", "<@U0EVIL>"}},
				{Label: "*bold* _label_", Text: strings.Join(hostile, " ")},
			},
			Buttons: []flows.Button{{Label: "<!here> next", Action: flows.ActionNext, Value: "<!channel>"}},
		},
		"unicode": {
			Title: "Zoë 😀 שלום עולם e\u0301",
			Parts: []flows.Part{
				{Label: "مرحبا", Text: strings.Repeat("שלום, זה סיפור ארוך. 👨‍👩‍👧 Ça va? ", 200), Quote: true, By: "ممرضة"},
				{Text: strings.Repeat("🇬🇧🇫🇷", 2000)},
				{Text: strings.Repeat("a\u0301\u0302\u0303", 2000)},
			},
		},
		"huge label": {Parts: []flows.Part{{Label: strings.Repeat("label ", 700), Text: strings.Repeat("text ", 700), Quote: true}}},
		"many users": {Parts: []flows.Part{{Text: "everyone", Users: manyUsers(400)}}},
	}
}

func manyUsers(n int) []string {
	users := make([]string, n)
	for i := range users {
		users[i] = fmt.Sprintf("U%08d", i)
	}
	return users
}

// longStory is n characters of varied text: paragraphs, sentences, long
// runs without spaces, markup, escapable characters and Unicode.
func longStory(n int) string {
	fragments := []string{
		"She told us the garden matters most. ",
		"Her daughter visits on Sundays & brings <cake>. ",
		"> she said this herself\n",
		"```\n",
		strings.Repeat("x", 700) + " ",
		strings.Repeat("&", 400) + " ",
		"Emoji 😀👩‍⚕️🇬🇧 and marks e\u0301 a\u0308. ",
		"עברית מימין לשמאל. العربية أيضاً. ",
		"<!here> <@U0EVIL> <http://evil.example|click>! ",
		"\n\n",
		"Why? Because it is hers… ",
	}
	var b strings.Builder
	count := 0
	for i := 0; count < n; i++ {
		f := fragments[i%len(fragments)]
		for _, r := range f {
			if count == n {
				break
			}
			b.WriteRune(r)
			count++
		}
	}
	return b.String()
}

// decoded is a rendered message as Slack receives it.
type decoded struct {
	Text   string
	Blocks []map[string]any
}

func decode(t *testing.T, msgs []Message) []decoded {
	t.Helper()
	out := make([]decoded, len(msgs))
	for i, m := range msgs {
		raw, err := json.Marshal(m.Blocks)
		if err != nil {
			t.Fatalf("marshalling message %d: %v", i, err)
		}
		if err := json.Unmarshal(raw, &out[i].Blocks); err != nil {
			t.Fatalf("unmarshalling message %d: %v", i, err)
		}
		out[i].Text = m.Text
	}
	return out
}

func textOf(v any) string {
	if m, ok := v.(map[string]any); ok {
		s, _ := m["text"].(string)
		return s
	}
	return ""
}

// allStrings collects every string Slack shows in a decoded JSON value
// (a button's value is data returned to the app, never shown).
func allStrings(v any, out *[]string) {
	switch v := v.(type) {
	case string:
		*out = append(*out, v)
	case map[string]any:
		for k, x := range v {
			if k != "value" {
				allStrings(x, out)
			}
		}
	case []any:
		for _, x := range v {
			allStrings(x, out)
		}
	}
}

func TestRenderLimits(t *testing.T) {
	for name, r := range replies() {
		t.Run(name, func(t *testing.T) {
			msgs := decode(t, Render(r))
			if len(msgs) == 0 {
				t.Fatal("no messages")
			}
			for i, m := range msgs {
				if m.Text == "" || textLen(m.Text) > maxFallbackText {
					t.Errorf("message %d: fallback text of %d characters", i, textLen(m.Text))
				}
				if n := len(m.Blocks); n == 0 || n > maxMessageBlocks {
					t.Errorf("message %d: %d blocks", i, n)
				}
				total := 0
				ids := map[string]bool{}
				for j, b := range m.Blocks {
					id, _ := b["block_id"].(string)
					if id == "" || len(id) > 255 || ids[id] {
						t.Errorf("message %d block %d: block_id %q missing, too long or repeated", i, j, id)
					}
					ids[id] = true
					switch b["type"] {
					case "header":
						text := b["text"].(map[string]any)
						if text["type"] != "plain_text" || textLen(textOf(text)) > maxHeaderText {
							t.Errorf("message %d block %d: header %v", i, j, text)
						}
						total += textLen(textOf(text))
					case "section":
						text := b["text"].(map[string]any)
						n := textLen(textOf(text))
						if text["type"] != "mrkdwn" || text["verbatim"] != true || n == 0 || n > maxSectionText {
							t.Errorf("message %d block %d: section of %d characters, %v %v", i, j, n, text["type"], text["verbatim"])
						}
						total += n
					case "actions":
						if i != len(msgs)-1 {
							t.Errorf("message %d of %d has buttons", i+1, len(msgs))
						}
						elems := b["elements"].([]any)
						if len(elems) > maxActionButtons {
							t.Errorf("message %d block %d: %d buttons", i, j, len(elems))
						}
						for _, e := range elems {
							e := e.(map[string]any)
							label := textOf(e["text"])
							if label == "" || textLen(label) > maxButtonText || !strings.HasPrefix(e["action_id"].(string), "wm_") {
								t.Errorf("button %v", e)
							}
							total += textLen(label)
						}
					default:
						t.Errorf("message %d block %d: unexpected block type %v", i, j, b["type"])
					}
				}
				if total > maxMessageText {
					t.Errorf("message %d: %d characters of text", i, total)
				}
			}
		})
	}
}

func TestRenderHostileText(t *testing.T) {
	allowed := regexp.MustCompile(`<@U0AAA>|<@W0BBB>|<@U\d{8}>`)
	for name, r := range replies() {
		msgs := Render(r)
		for i, m := range decode(t, msgs) {
			ss := []string{m.Text}
			for _, b := range m.Blocks {
				allStrings(b, &ss)
			}
			for _, s := range ss {
				s = allowed.ReplaceAllString(s, "")
				for _, bad := range []string{"<!", "<@", "<#", "<http", "```"} {
					if strings.Contains(s, bad) {
						t.Errorf("%s: message %d contains %q in %.80q", name, i, bad, s)
					}
				}
			}
		}
	}
}

// partSections returns, for each part, the texts of the sections it
// rendered to, in order across all messages.
func partSections(t *testing.T, msgs []Message) map[int][]string {
	t.Helper()
	out := map[int][]string{}
	re := regexp.MustCompile(`^wm_p(\d+)_\d+$`)
	for _, m := range msgs {
		for _, b := range m.Blocks {
			s, ok := b.(*slack.SectionBlock)
			if !ok {
				continue
			}
			if sub := re.FindStringSubmatch(s.BlockID); sub != nil {
				var i int
				fmt.Sscan(sub[1], &i)
				out[i] = append(out[i], s.Text.Text)
			}
		}
	}
	return out
}

func sectionTexts(t *testing.T, msgs []Message) []string {
	t.Helper()
	var out []string
	for _, m := range msgs {
		for _, b := range m.Blocks {
			if s, ok := b.(*slack.SectionBlock); ok {
				out = append(out, s.Text.Text)
			}
		}
	}
	return out
}

// unquote removes the "> " the renderer puts before each line of a quote.
func unquote(s string) string {
	lines := strings.Split(s, "\n")
	for k, line := range lines {
		lines[k] = strings.TrimPrefix(line, "> ")
	}
	return strings.Join(lines, "\n")
}

func TestRenderKeepsEveryCharacter(t *testing.T) {
	texts := []string{
		longStory(40_000),
		strings.Repeat("é&<👩‍👩‍👧‍👦🇬🇧e\u0301", 4000),
		strings.Repeat("🇬🇧🇫🇷", 2000),
		strings.Repeat("a\u0301\u0302\u0303", 2000),
		strings.Repeat("שלום, זה סיפור ארוך. 👨‍👩‍👧 Ça va?\n", 300),
		strings.Join(hostile, "\n"),
		"short",
		"ends with newlines\n\n",
		"\n\nstarts with newlines",
	}
	for _, quote := range []bool{true, false} {
		for k, text := range texts {
			parts := []flows.Part{{Text: text, Quote: quote}, {Text: "after", Quote: quote}}
			msgs := Render(flows.Reply{Title: "Rosa", Parts: parts, Buttons: []flows.Button{{Label: "Next", Action: "next", Value: "1"}}})
			sections := partSections(t, msgs)
			for i, p := range parts {
				var back strings.Builder
				for j, s := range sections[i] {
					if quote {
						s = unquote(s)
					}
					piece := unescapeMrkdwn(s)
					if !utf8.ValidString(s) {
						t.Errorf("text %d: section %d is not valid UTF-8", k, j)
					}
					if j > 0 {
						checkBoundary(t, back.String(), piece)
					}
					back.WriteString(piece)
				}
				if got := back.String(); got != p.Text {
					t.Errorf("quote=%v text %d part %d: %d characters back, want %d; first difference at %d",
						quote, k, i, utf8.RuneCountInString(got), utf8.RuneCountInString(p.Text), firstDiff(got, p.Text))
				}
			}
			if n, least := len(sections[0]), textLen(text)/maxSectionText; n < least {
				t.Errorf("text %d: %d sections, fewer than the %d its length needs", k, n, least)
			}
		}
	}
}

// checkBoundary fails when a piece starts with something that belongs to
// the character before it.
func checkBoundary(t *testing.T, before, piece string) {
	t.Helper()
	first, _ := utf8.DecodeRuneInString(piece)
	last, _ := utf8.DecodeLastRuneInString(before)
	if unicode.In(first, unicode.Mn, unicode.Me, unicode.Mc) || first == '\u200d' || last == '\u200d' ||
		(first >= 0xfe00 && first <= 0xfe0f) || (isRegionalIndicator(first) && oddRegionalRun(before)) {
		t.Errorf("split between %q and %q", string(last), string(first))
	}
}

func firstDiff(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	for i := range min(len(ra), len(rb)) {
		if ra[i] != rb[i] {
			return i
		}
	}
	return min(len(ra), len(rb))
}

func TestRenderSplitsAtBoundaries(t *testing.T) {
	para := strings.Repeat("This is one sentence of a long story. ", 30) // 1,140 characters
	text := strings.Join([]string{para, para, para, para}, "\n\n")
	sections := partSections(t, Render(flows.Reply{Parts: []flows.Part{{Text: text}}}))[0]
	if len(sections) < 2 {
		t.Fatalf("%d sections", len(sections))
	}
	for j, s := range sections[:len(sections)-1] {
		if !strings.HasSuffix(s, "\n\n") {
			t.Errorf("section %d ends %q, not at a paragraph break", j, s[len(s)-20:])
		}
	}
	sentences := strings.Repeat("One more sentence here, with words. ", 200)
	for j, s := range partSections(t, Render(flows.Reply{Parts: []flows.Part{{Text: sentences}}}))[0] {
		if !strings.HasSuffix(s, ". ") && j < 2 {
			t.Errorf("section %d ends %q, not after a sentence", j, s[len(s)-20:])
		}
	}
}

func TestRenderSixtyParts(t *testing.T) {
	r := replies()["60 parts"]
	msgs := Render(r)
	if len(msgs) < 2 {
		t.Fatalf("60 parts in %d message(s)", len(msgs))
	}
	sections := partSections(t, msgs)
	for i, p := range r.Parts {
		joined := strings.Join(sections[i], "")
		if !strings.Contains(unquote(joined), EscapeMrkdwn(p.Text)) {
			t.Errorf("part %d is missing from %q", i, joined)
		}
		if !strings.Contains(joined, "*Stage "+fmt.Sprint(i+1)+"*") || !strings.Contains(joined, "_— nurse_ <@U0AAA>") {
			t.Errorf("part %d lacks its label or attribution: %q", i, joined)
		}
	}
	for i, m := range msgs[1:] {
		if !strings.Contains(m.Text, "continued") {
			t.Errorf("message %d text %q", i+2, m.Text)
		}
	}
}
