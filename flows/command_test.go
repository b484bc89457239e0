package flows

import (
	"strings"
	"testing"
)

func TestLooksLikeSubcommand(t *testing.T) {
	tests := []struct {
		text string
		want bool
	}{
		{"Kestrel", false},
		{"Rose", false},
		{"Mary Ann", false},
		{"Hal", false},
		{"Kate", false},
		{"hepl", true},
		{"cases", false}, // exact subcommands are handled before this check
		{"casse", true},
		{"checkin-now", true},
		{"my-data", true},
		{"--verbose", true},
		{"discipine nurse", true},
		{"Rose is the person in bed four on the ward", true},
		{"rose", false},
	}
	for _, tt := range tests {
		word, rest := tt.text, ""
		for i, r := range tt.text {
			if r == ' ' {
				word, rest = tt.text[:i], tt.text[i+1:]
				break
			}
		}
		if got := looksLikeSubcommand(word, rest); got != tt.want {
			t.Errorf("looksLikeSubcommand(%q) = %v, want %v", tt.text, got, tt.want)
		}
	}
}

func TestCleanText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"  hello  ", "hello"},
		{"a\r\nb", "a\nb"},
		{"bell\x07 and \x1b[31mred\x1b[0m", "bell and [31mred[0m"},
		{"nul\x00byte", "nulbyte"},
		{"bad \xff utf8", "bad \uFFFD utf8"},
		{"tab\tkept", "tab\tkept"},
		{"\u202ebidi is kept, zero-width\ufeff is not", "\u202ebidi is kept, zero-width is not"},
	}
	for _, tt := range tests {
		if got := CleanText(tt.in); got != tt.want {
			t.Errorf("CleanText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestControlWord(t *testing.T) {
	for _, in := range []string{"skip", " Skip ", "NEXT.", "done!", "cancel"} {
		if _, ok := controlWord(in); !ok {
			t.Errorf("controlWord(%q) not recognised", in)
		}
	}
	for _, in := range []string{"skip this one please", "doneness", "", "I'm done with the dressing"} {
		if w, ok := controlWord(in); ok {
			t.Errorf("controlWord(%q) = %q, want none", in, w)
		}
	}
}

func TestNextPseudonym(t *testing.T) {
	if got := nextPseudonym(nil); got != "Kestrel" {
		t.Errorf("first pseudonym = %q", got)
	}
	if got := nextPseudonym([]Case{{Label: "kestrel"}}); got != "Heron" {
		t.Errorf("after kestrel = %q", got)
	}
	var all []Case
	for _, p := range pseudonyms {
		all = append(all, Case{Label: p})
	}
	if got := nextPseudonym(all); got != "Kestrel 2" {
		t.Errorf("when all are used = %q", got)
	}
}

// The subcommand table is the one place a subcommand is added: every entry
// runs, every entry but the bare pseudonym says what it does in help, and
// every line of help begins with a word that the table dispatches to that
// same entry, so help never offers a word that does something else.
func TestSubcommandTable(t *testing.T) {
	for i, sc := range subcommands {
		if sc.run == nil || len(sc.words) == 0 {
			t.Errorf("subcommand %d (%v) has no run or no words", i, sc.words)
		}
		if len(sc.help) == 0 && sc.words[0] != "case" {
			t.Errorf("subcommand %v has no help", sc.words)
		}
		for _, u := range sc.help {
			first, _, _ := strings.Cut(u.name, " ")
			if first == "NAME" {
				first = ""
			}
			got, ok := subcommandFor(first)
			if !ok || got.words[0] != sc.words[0] {
				t.Errorf("help line %q: /reflect %s dispatches to %v, not to %v", u.name, first, got.words, sc.words)
			}
		}
	}
	// Each word calls one subcommand only.
	seen := map[string]bool{}
	for _, sc := range subcommands {
		for _, w := range sc.words {
			if seen[w] {
				t.Errorf("the word %q calls two subcommands", w)
			}
			seen[w] = true
		}
	}
}
