package scrub

import (
	"regexp"
	"strings"
)

// niRE matches the shape of a National Insurance number: two letters, six
// digits (optionally in pairs) and a suffix letter A to D. The suffix is
// optional here; without it a cue such as "NI" must come just before.
var niRE = regexp.MustCompile(`^(?i)([A-Z])([A-Z])[ \-]?\d\d[ \-]?\d\d[ \-]?\d\d(?:[ \-]?([A-D]))?\b`)

// niCueRE matches words that introduce a National Insurance number.
var niCueRE = regexp.MustCompile(`(?i)\b(?:NI|NINO|N\.I\.|national\s+insurance)(?:\s+(?:no\.?|number|num))?\s*[:#\-]?\s*$`)

// validNIPrefix reports whether the two letters can start a National
// Insurance number: the first is not D, F, I, Q, U or V; the second is not
// D, F, I, O, Q, U or V; and the pair is not BG, GB, KN, NK, NT, TN or ZZ.
func validNIPrefix(a, b byte) bool {
	a, b = a&^0x20, b&^0x20 // upper case
	if strings.IndexByte("DFIQUV", a) >= 0 || strings.IndexByte("DFIOQUV", b) >= 0 {
		return false
	}
	switch string([]byte{a, b}) {
	case "BG", "GB", "KN", "NK", "NT", "TN", "ZZ":
		return false
	}
	return true
}

// findNINumbers marks National Insurance numbers.
func findNINumbers(text string, starts []int, ss *spanSet) {
	for _, p := range starts {
		if p+3 >= len(text) || !isLetterByte(text[p]) || !isLetterByte(text[p+1]) {
			continue
		}
		if c := text[p+2]; !isDigit(c) && !((c == ' ' || c == '-') && isDigit(text[p+3])) {
			continue
		}
		m := matchAt(niRE, text, p)
		if m == nil || !validNIPrefix(text[m[2]], text[m[4]]) {
			continue
		}
		if m[6] < 0 && !niCueRE.MatchString(text[lookBehind(text, m[0], 40):m[0]]) {
			continue // no suffix and no cue
		}
		ss.add(m[0], m[1], NINumber)
	}
}
