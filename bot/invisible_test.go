package bot

import (
	"fmt"
	"strings"
	"testing"

	"whatmatters/storage"
)

// invisibles are the characters that change how text reads without
// showing themselves: bidirectional controls and invisible formatting.
var invisibles = []rune{
	'\u202a', '\u202b', '\u202c', '\u202d', '\u202e', // embeddings and overrides
	'\u2066', '\u2067', '\u2068', '\u2069', // isolates
	'\u200e', '\u200f', '\u061c', // marks
	'\u200b', '\u200c', '\u200d', '\u2060', '\ufeff', '\u00ad', // zero-width and soft hyphen
}

// Text people wrote is shown back without any of them, by both escapers,
// while the words around them stay as written.
func TestEscapeRemovesInvisibleCharacters(t *testing.T) {
	for _, r := range invisibles {
		in := fmt.Sprintf("She %cwants to be %cat home%c, <not> `here`", r, r, r)
		for name, escape := range map[string]func(string) string{"EscapeMrkdwn": EscapeMrkdwn, "escapePlain": escapePlain} {
			got := escape(in)
			if strings.ContainsRune(got, r) {
				t.Errorf("%s(%q) = %q, still holding U+%04X", name, in, got, r)
			}
			if !strings.Contains(got, "She wants to be at home, &lt;not&gt;") {
				t.Errorf("%s(%q) = %q, lost the words", name, in, got)
			}
		}
	}
	// A quotation mark or code fence hidden behind an invisible character
	// is still neutralised.
	for _, in := range []string{"\u200e> not a quote", "`\u200b`\u2060`"} {
		got := EscapeMrkdwn(in)
		if strings.HasPrefix(got, "&gt;") || strings.Contains(got, "```") {
			t.Errorf("EscapeMrkdwn(%q) = %q", in, got)
		}
	}
	// A zero-width joiner inside an emoji stays: it joins, and hides nothing.
	for _, emoji := range []string{"👩\u200d⚕️", "👩🏽\u200d⚕\ufe0f", "🧑\u200d🤝\u200d🧑"} {
		if got := EscapeMrkdwn("the " + emoji + " came"); got != "the "+emoji+" came" {
			t.Errorf("EscapeMrkdwn kept %q as %q", emoji, got)
		}
	}
	if got := EscapeMrkdwn("a\u200db"); got != "ab" {
		t.Errorf("a joiner between letters: %q", got)
	}
}

// A story with a right-to-left override reaches Slack without it: the
// summary quoting it, over the HTTP receiver and the real engine.
func TestStoryReachesSlackWithoutBidiControls(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, db *storage.DB) {
		api := newSlackServer(t)
		h := newHarness(t, db, api, harnessOptions{workers: 2})
		h.command("U1", "C1", "Kestrel")
		posts := api.waitForCount(t, 2, "chat.postMessage")
		root := posts[0]
		h.message("EvRTL1", "U1", "C1", root.TS, "1700000200.000001", "She wants \u202eemoh ta\u202c to be\u2066 home\u2069 for the wedding.")
		api.waitForCount(t, 3, "chat.postMessage")
		h.message("EvRTL2", "U1", "C1", root.TS, "1700000200.000002", "done")
		posts = api.waitForCount(t, 4, "chat.postMessage")
		summary := posts[len(posts)-1]
		if !strings.Contains(summary.Blocks, "for the wedding") {
			t.Fatalf("the summary lacks the story:\n%s", summary.Blocks)
		}
		for _, p := range posts {
			for _, r := range invisibles {
				for _, form := range []string{string(r), fmt.Sprintf(`\u%04x`, r)} {
					if strings.Contains(p.Blocks, form) || strings.Contains(p.Text, form) {
						t.Errorf("a post holds U+%04X: %q", r, p.Text)
					}
				}
			}
		}
		if !strings.Contains(summary.Blocks, "She wants emoh ta to be home for the wedding.") {
			t.Errorf("the summary does not show the story's words as written:\n%s", summary.Blocks)
		}
	})
}
