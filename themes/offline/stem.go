package offline

import (
	"strings"
	"unicode"

	"github.com/kljensen/snowball/english"
)

// Words splits text into lower-case words: runs of letters and digits, with
// apostrophes inside a word kept ("mum's") and curly apostrophes made
// straight.
func Words(text string) []string {
	var out []string
	var b strings.Builder
	flush := func() {
		if b.Len() > 0 {
			out = append(out, strings.Trim(b.String(), "'"))
			b.Reset()
		}
	}
	for _, r := range strings.ToLower(text) {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(r)
		case (r == '\'' || r == '’') && b.Len() > 0:
			b.WriteByte('\'')
		default:
			flush()
		}
	}
	flush()
	return out
}

// Stem returns the English (Porter2) stem of one lower-case word, so that
// "visits", "visiting" and "visited" group together.
func Stem(word string) string {
	word = strings.TrimSuffix(strings.ToLower(word), "'s")
	if len(word) < 3 {
		return word
	}
	return english.Stem(word, false)
}
