package themes

import (
	"strings"

	"whatmatters/themes/offline"
)

// Words splits text into lower-case words: runs of letters and digits, with
// apostrophes inside a word kept ("mum's") and curly apostrophes made
// straight. It is the offline coder's own splitting (offline.Words).
func Words(text string) []string { return offline.Words(text) }

// Stem returns the English (Porter2) stem of one lower-case word, so that
// "visits", "visiting" and "visited" group together (offline.Stem).
func Stem(word string) string { return offline.Stem(word) }

// PhraseKey is the key a phrase is grouped by across answers: its words,
// stemmed, in order, separated by single spaces. Two phrases with the same
// key are the same theme.
func PhraseKey(phrase string) string {
	ws := Words(phrase)
	for i, w := range ws {
		ws[i] = Stem(w)
	}
	return strings.Join(ws, " ")
}
