package scrub

import (
	"unicode"
	"unicode/utf8"
)

// isDigit reports whether b is an ASCII digit.
func isDigit(b byte) bool { return '0' <= b && b <= '9' }

// isWordRune reports whether r is part of a word: a letter, digit or mark.
func isWordRune(r rune) bool {
	if r < utf8.RuneSelf {
		return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9'
	}
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r)
}

// runeBefore returns the rune ending at byte i of text, or -1 at the start.
func runeBefore(text string, i int) rune {
	if i <= 0 || i > len(text) {
		return -1
	}
	r, _ := utf8.DecodeLastRuneInString(text[:i])
	return r
}

// runeAt returns the rune starting at byte i of text, or -1 at the end.
func runeAt(text string, i int) rune {
	if i < 0 || i >= len(text) {
		return -1
	}
	r, _ := utf8.DecodeRuneInString(text[i:])
	return r
}

// wordBoundaries reports whether [start, end) is not glued to a word rune
// on either side.
func wordBoundaries(text string, start, end int) bool {
	return !isWordRune(runeBefore(text, start)) && !isWordRune(runeAt(text, end))
}

// hasDigit reports whether s holds an ASCII digit.
func hasDigit(s string) bool {
	for i := 0; i < len(s); i++ {
		if isDigit(s[i]) {
			return true
		}
	}
	return false
}

// atoi2 parses a short run of ASCII digits; it returns -1 if s is not one.
func atoi2(s string) int {
	if s == "" || len(s) > 4 {
		return -1
	}
	n := 0
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return -1
		}
		n = n*10 + int(s[i]-'0')
	}
	return n
}

// decodeRune is utf8.DecodeRuneInString, named here for brevity.
func decodeRune(s string) (rune, int) { return utf8.DecodeRuneInString(s) }

// lookBehind returns where a look-behind window of about n bytes before p
// starts: never inside a word, so a cue's \b is not fooled by a cut word.
func lookBehind(text string, p, n int) int {
	lo := p - n
	if lo <= 0 {
		return 0
	}
	for lo > 0 && lo > p-n-24 && (text[lo]&0xC0 == 0x80 || isWordRune(runeBefore(text, lo))) {
		lo--
	}
	return lo
}
