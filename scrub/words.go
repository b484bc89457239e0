package scrub

import (
	"unicode"
	"unicode/utf8"
)

// word is one word of the text: letters and marks, with apostrophes and
// hyphens kept when they join two letters ("O'Neill", "Smith-Jones").
type word struct{ start, end int }

// isLetterRune reports whether r can be part of a word for name purposes.
func isLetterRune(r rune) bool {
	if r < utf8.RuneSelf {
		return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z'
	}
	return unicode.IsLetter(r) || unicode.IsMark(r)
}

// isJoiner reports whether r joins two letters into one word.
func isJoiner(r rune) bool {
	return r == '\'' || r == '’' || r == '-' || r == '\u2010' || r == '\u2011'
}

// splitWords appends the words of text to dst. A word glued to a digit
// ("B12", "2nd") is left out: it is not a name word.
func splitWords(text string, dst []word) []word {
	i := 0
	prevDigit := false
	for i < len(text) {
		c := text[i]
		if c < utf8.RuneSelf && !isLetterByte(c) {
			prevDigit = isDigit(c)
			i++
			continue
		}
		w := 1
		if c >= utf8.RuneSelf {
			var r rune
			r, w = utf8.DecodeRuneInString(text[i:])
			if !isLetterRune(r) {
				prevDigit = unicode.IsDigit(r)
				i += w
				continue
			}
		}
		start := i
		i += w
		for i < len(text) {
			c = text[i]
			if c < utf8.RuneSelf {
				if isLetterByte(c) {
					i++
					continue
				}
				if (c == '\'' || c == '-') && i+1 < len(text) && startsWithLetter(text[i+1:]) {
					i++
					continue
				}
				break
			}
			r, w := utf8.DecodeRuneInString(text[i:])
			if isLetterRune(r) || isJoiner(r) && startsWithLetter(text[i+w:]) {
				i += w
				continue
			}
			break
		}
		if !prevDigit && (i == len(text) || !isDigitRune(runeAt(text, i))) {
			dst = append(dst, word{start, i})
		}
		prevDigit = false
	}
	return dst
}

// startsWithLetter reports whether s starts with a letter.
func startsWithLetter(s string) bool {
	if s == "" {
		return false
	}
	if s[0] < utf8.RuneSelf {
		return isLetterByte(s[0])
	}
	r, _ := utf8.DecodeRuneInString(s)
	return isLetterRune(r)
}

// isDigitRune reports whether r is a decimal digit.
func isDigitRune(r rune) bool {
	return r >= 0 && (r < utf8.RuneSelf && '0' <= r && r <= '9' || r >= utf8.RuneSelf && unicode.IsDigit(r))
}

// isCapitalised reports whether s starts with an upper-case or title-case
// letter.
func isCapitalised(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return unicode.IsUpper(r) || unicode.IsTitle(r)
}

// isAllCaps reports whether s has at least two letters and no lower-case one.
func isAllCaps(s string) bool {
	n := 0
	for _, r := range s {
		if unicode.IsLower(r) {
			return false
		}
		if unicode.IsLetter(r) {
			n++
		}
	}
	return n >= 2
}

// foldKey writes the lower-case form of a short ASCII word into buf and
// returns it; it returns nil for long or non-ASCII words.
func foldKey(buf []byte, s string) []byte {
	if len(s) > len(buf) {
		return nil
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'A' <= c && c <= 'Z':
			c += 'a' - 'A'
		case c >= utf8.RuneSelf:
			return nil
		}
		buf[i] = c
	}
	return buf[:len(s)]
}
