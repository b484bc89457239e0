package flows

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxAnswerRunes is the longest answer, in characters, that is stored. It
// matches the longest message Slack accepts, so no answer typed in Slack is
// ever refused; longer text (from the console or a form) is refused whole,
// never cut.
const MaxAnswerRunes = 40000

// CleanText makes text people wrote safe to store: invalid UTF-8 becomes
// U+FFFD, control characters other than newline and tab are dropped, line
// endings become \n, and surrounding space is trimmed.
func CleanText(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r == '\n' || r == '\t':
			b.WriteRune(r)
		case r == '\r':
			b.WriteRune('\n')
		case unicode.IsControl(r), r == '\u2028', r == '\u2029', r == '\ufeff':
			// dropped: invisible, and breaks terminals and some renderers
		default:
			b.WriteRune(r)
		}
	}
	return strings.TrimSpace(b.String())
}

// controlWord reports which action a one-word message names, if any:
// "skip", "Next.", " DONE " and the like.
func controlWord(text string) (string, bool) {
	w := strings.ToLower(strings.TrimSpace(strings.TrimRight(strings.TrimSpace(text), ".!")))
	switch w {
	case ActionNext, ActionSkip, ActionDone, ActionCancel:
		return w, true
	}
	return "", false
}
