package scrub

import "regexp"

// window is how many bytes an anchored pattern may look at from its start.
// Every anchored pattern has bounded repetition and matches less than this.
const window = 96

// tokenStarts appends to dst the byte offsets where a run of letters or
// digits starts (the previous rune is not a letter or digit).
func tokenStarts(text string, dst []int) []int {
	prevWord := false
	for i := 0; i < len(text); {
		c := text[i]
		var w int
		var isW bool
		if c < 0x80 {
			w = 1
			isW = asciiWord[c]
		} else {
			var r rune
			r, w = decodeRune(text[i:])
			isW = isWordRune(r)
		}
		if isW && !prevWord {
			dst = append(dst, i)
		}
		prevWord = isW
		i += w
	}
	return dst
}

// matchAt runs re, which must be anchored with ^, on the text from p and
// returns its submatch offsets in text, or nil. A match that reaches the
// end of the window while a word goes on past it is rejected.
func matchAt(re *regexp.Regexp, text string, p int) []int {
	end := p + window
	if end > len(text) {
		end = len(text)
	}
	m := re.FindStringSubmatchIndex(text[p:end])
	if m == nil {
		return nil
	}
	for i := range m {
		if m[i] >= 0 {
			m[i] += p
		}
	}
	if m[1] == end && end < len(text) && isWordRune(runeAt(text, end)) {
		return nil
	}
	return m
}

// asciiWord marks the ASCII letters and digits.
var asciiWord = func() (t [128]bool) {
	for c := range t {
		t[c] = 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
	}
	return t
}()

// isLetterByte reports whether c is an ASCII letter.
func isLetterByte(c byte) bool { return 'A' <= c&^0x20 && c&^0x20 <= 'Z' }

// lowerWordAt returns the lower-case ASCII letters of the word starting at
// p, written into buf; it returns nil if the word is longer than buf.
func lowerWordAt(buf []byte, text string, p int) []byte {
	n := 0
	for i := p; i < len(text) && isLetterByte(text[i]); i++ {
		if n == len(buf) {
			return nil
		}
		buf[n] = text[i] | 0x20
		n++
	}
	return buf[:n]
}
