package themes

import (
	"context"
	"strings"
	"testing"
	"unicode/utf8"

	"whatmatters/flows"
)

func TestKeyPhrases(t *testing.T) {
	text := "His wife Irene, married 60 yrs, still reads him the paper every morning. The syringe driver went up on Tuesday."
	ps := KeyPhrases(text, 3)
	if len(ps) == 0 || len(ps) > 3 {
		t.Fatalf("got %d phrases: %+v", len(ps), ps)
	}
	seen := map[string]bool{}
	for _, p := range ps {
		checkKeyPhrase(t, text, p)
		if seen[p.Key] {
			t.Errorf("key %q twice", p.Key)
		}
		seen[p.Key] = true
	}
	if !seen["syring driver"] {
		t.Errorf("want the syringe driver among %+v", ps)
	}
	if got := KeyPhrases(text, 1); len(got) != 1 {
		t.Errorf("max 1: got %d", len(got))
	}
	if got := KeyPhrases(text, 0); len(got) != 0 {
		t.Errorf("max 0: got %d", len(got))
	}
}

// checkKeyPhrase checks the contract of one phrase: lower-case words, its
// key, and a quote found word for word in the text.
func checkKeyPhrase(t *testing.T, text string, p flows.Phrase) {
	t.Helper()
	if p.Phrase == "" || p.Phrase != strings.ToLower(p.Phrase) || strings.Join(Words(p.Phrase), " ") != p.Phrase {
		t.Errorf("phrase %q is not lower-case normalised words", p.Phrase)
	}
	if p.Key != PhraseKey(p.Phrase) {
		t.Errorf("key %q, want PhraseKey %q", p.Key, PhraseKey(p.Phrase))
	}
	if p.Quote == "" || !strings.Contains(text, p.Quote) || len(p.Quote) > phraseMaxQuote || !utf8.ValidString(p.Quote) {
		t.Errorf("quote %q: not a span of the text of at most %d bytes", p.Quote, phraseMaxQuote)
	}
	if p.Quote != strings.TrimSpace(p.Quote) {
		t.Errorf("quote %q is not trimmed", p.Quote)
	}
	if !strings.Contains(strings.Join(Words(p.Quote), " "), p.Phrase) {
		t.Errorf("phrase %q is not in its quote %q", p.Phrase, p.Quote)
	}
}

func TestKeyPhrasesSkipNumbersStopwordsAndGeneric(t *testing.T) {
	for _, text := range []string{"pt needs 2 visits", "the and of to", "123 456", "patient needs care"} {
		for _, p := range KeyPhrases(text, 3) {
			for _, w := range Words(p.Phrase) {
				if strings.ContainsAny(w, "0123456789") || w == "the" || w == "and" {
					t.Errorf("%q: phrase %q holds %q", text, p.Phrase, w)
				}
			}
			if p.Phrase == "patient" || p.Phrase == "pt" || p.Phrase == "needs" || p.Phrase == "patient needs care" {
				t.Errorf("%q: generic phrase %q", text, p.Phrase)
			}
		}
	}
}

func TestKeyPhrasesLongAndOddText(t *testing.T) {
	long := strings.Repeat("and then the district nurse came back again with more dressings for the leg ", 20) + "Her daughter Sue rang from Leeds in tears."
	for _, text := range []string{
		long,
		"Ünïcödé café, naïve façade: the grandchildren’s visit — “lovely”.",
		"wife\n\nson\t\tdaughter",
		"a&e x3, h@h, ++ complaints",
	} {
		for _, p := range KeyPhrases(text, 3) {
			checkKeyPhrase(t, text, p)
		}
	}
}

func TestMetaRepliesHaveNoPhrases(t *testing.T) {
	for _, text := range offMetaReplies {
		if ps := KeyPhrases(text, 3); len(ps) != 0 {
			t.Errorf("%q: phrases %+v", text, ps)
		}
	}
}

func TestCodePhrasesAreChecked(t *testing.T) {
	o := NewOffline()
	texts := []string{
		"husband (not coping, bad back), daughter in Cardiff rings nightly, DN twice weekly, carers x3",
		"She told me 'I've buried two husbands, I'm not frightened of this bit'.",
		"The bowls club drop his paper round and stay for a natter most days.",
	}
	for _, text := range texts {
		c, _ := o.Code(context.Background(), flows.CodeInput{Template: "case", Stage: "whos_around", Text: text})
		keys := 0
		for _, p := range c.Phrases {
			if p.Theme != "" {
				// A catalogue theme: its words and quote as written.
				if strings.TrimPrefix(p.Key, PassingKey) != p.Theme || !strings.Contains(p.Quote, p.Phrase) || !strings.Contains(text, p.Quote) {
					t.Errorf("%q: theme phrase %+v is not its words in its quote in the text", text, p)
				}
				continue
			}
			keys++
			checkKeyPhrase(t, text, p)
		}
		if keys == 0 || keys > 3 {
			t.Errorf("%q: %d key phrases", text, keys)
		}
	}
}

// Single words that say nothing on their own (verbs, days, wants and
// needs) are never key phrases; a topic word standing alone is.
func TestKeyPhrasesDropGenericSingleWords(t *testing.T) {
	cases := []struct {
		text string
		bad  []string // single words that must not be phrases
		want string   // a phrase that must be there, if any
	}{
		{"wants to die at home", []string{"wants", "die", "want"}, "home"},
		{"Wants to stay in her flat. On Tuesday she told me she'd rather not go anywhere", []string{"stay", "tuesday", "rather", "told"}, "flat"},
		{"need to check he's ok, will ask and see", []string{"need", "check", "ask", "see"}, ""},
		{"only met her twice, she talks and talks", []string{"met", "twice", "talks"}, ""},
		{"she sits at the back window watching the feeders", []string{"sits", "watching"}, "feeders"},
	}
	for _, c := range cases {
		ps := KeyPhrases(c.text, 3)
		found := c.want == ""
		for _, p := range ps {
			checkKeyPhrase(t, c.text, p)
			for _, b := range c.bad {
				if p.Phrase == b {
					t.Errorf("%q: generic single word %q as a key phrase (%+v)", c.text, b, ps)
				}
			}
			found = found || p.Phrase == c.want
		}
		if !found {
			t.Errorf("%q: want %q among %+v", c.text, c.want, ps)
		}
	}
}

// A phrase of several words with a topic word in it outranks that word
// alone, and a phrase does not end on a verb.
func TestKeyPhrasesPreferSeveralWords(t *testing.T) {
	ps := KeyPhrases("getting to his granddaughters wedding in june, its all he talks about", 3)
	if len(ps) == 0 || ps[0].Phrase != "granddaughters wedding" {
		t.Errorf("want granddaughters wedding first, got %+v", ps)
	}
	for _, p := range KeyPhrases("the chap from the paper shop drops the racing post in and they sit", 3) {
		if w := Words(p.Phrase); w[len(w)-1] == "sit" || w[len(w)-1] == "drops" {
			t.Errorf("phrase %q ends on a verb", p.Phrase)
		}
	}
}

func TestHasWordsCountsAsFieldsDoes(t *testing.T) {
	for _, s := range []string{"", " ", "one", "one two", "  one\ttwo\nthree  ", "a b c d e f", "a b c d e f g", "déjà vu, à la  maison ce soir\u00a0là"} {
		for n := 0; n <= 8; n++ {
			if got, want := hasWords(s, n), len(strings.Fields(s)) >= n; got != want {
				t.Errorf("hasWords(%q, %d) = %v, want %v", s, n, got, want)
			}
		}
	}
}
