package scrub

import "regexp"

// niRE matches the shape of a National Insurance number: any two letters,
// six digits (optionally in pairs) and a suffix letter A to D. The suffix is
// optional here; without it a cue such as "NI" must come just before.
var niRE = regexp.MustCompile(`^(?i)([A-Z])([A-Z])[ \-]?\d\d[ \-]?\d\d[ \-]?\d\d(?:[ \-]?([A-D]))?\b`)

// niCueRE matches words that introduce a National Insurance number.
var niCueRE = regexp.MustCompile(`(?i)\b(?:NI|NINO|N\.I\.|national\s+insurance)(?:\s+(?:no\.?|number|num))?\s*[:#\-]?\s*$`)

// findNINumbers marks National Insurance numbers.
func findNINumbers(text string, starts []int, ss *spanSet) {
	for _, p := range starts {
		if p+3 >= len(text) || !isLetterByte(text[p]) || !isLetterByte(text[p+1]) {
			continue
		}
		if c := text[p+2]; !isDigit(c) && !((c == ' ' || c == '-') && isDigit(text[p+3])) {
			continue
		}
		// Any two letters: HMRC's own examples use QQ, which no real
		// number has, and people copy them; a mistyped prefix is still a
		// National Insurance number.
		m := matchAt(niRE, text, p)
		if m == nil {
			continue
		}
		if m[6] < 0 && !niCueRE.MatchString(text[lookBehind(text, m[0], 40):m[0]]) {
			continue // no suffix and no cue
		}
		ss.add(m[0], m[1], NINumber)
	}
}
