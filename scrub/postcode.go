package scrub

import (
	"regexp"
	"strings"
)

// postcodeRE matches the shape of a full UK postcode, in any case, with or
// without the space: an outward code (A9, A99, A9A, AA9, AA99, AA9A) and an
// inward code (9AA). validPostcode checks the letters allowed in each place.
var postcodeRE = regexp.MustCompile(`^(?i)(?:([A-Z]{1,2}[0-9][A-Z0-9]?)(?:[ \t]|\x{00a0})?([0-9][A-Z]{2})|GIR ?0AA)\b`)

// validPostcode applies the Royal Mail letter rules to a postcode's outward
// and inward codes: the first letter is not Q, V or X; a second letter is
// not I, J or Z; a letter after the district digit is one of ABCDEFGHJKPSTUW
// (A9A) or ABEHMNPRVWXY (AA9A); the inward letters are not C, I, K, M, O or V.
func validPostcode(out, in string) bool {
	out, in = strings.ToUpper(out), strings.ToUpper(in)
	if strings.IndexByte("QVX", out[0]) >= 0 {
		return false
	}
	if strings.ContainsAny(in[1:], "CIKMOV") {
		return false
	}
	isLetter := func(c byte) bool { return 'A' <= c && c <= 'Z' }
	if isLetter(out[1]) { // AA9, AA99, AA9A
		if strings.IndexByte("IJZ", out[1]) >= 0 {
			return false
		}
		if len(out) == 4 && isLetter(out[3]) && strings.IndexByte("ABEHMNPRVWXY", out[3]) < 0 {
			return false
		}
		return true
	}
	// A9, A99, A9A
	if len(out) == 3 && isLetter(out[2]) && strings.IndexByte("ABCDEFGHJKPSTUW", out[2]) < 0 {
		return false
	}
	return true
}

// findPostcodes marks full UK postcodes. An outward code alone ("BH1") is
// left alone.
func findPostcodes(text string, starts []int, ss *spanSet) {
	for _, p := range starts {
		// A postcode starts with one or two letters and a digit.
		if p+2 >= len(text) || !isLetterByte(text[p]) {
			continue
		}
		if !(isDigit(text[p+1]) || isLetterByte(text[p+1]) && isDigit(text[p+2])) && !strings.EqualFold(text[p:p+3], "GIR") {
			continue
		}
		m := matchAt(postcodeRE, text, p)
		if m == nil {
			continue
		}
		if m[2] >= 0 && (!validPostcode(text[m[2]:m[3]], text[m[4]:m[5]]) || isOrdinal(text[m[4]:m[5]])) {
			continue
		}
		ss.add(m[0], m[1], Postcode)
	}
}

// isOrdinal reports whether an inward code is written as a lower-case
// ordinal ("2nd", "5th"), which in prose is far more likely than a postcode.
func isOrdinal(in string) bool {
	switch in[1:] {
	case "st", "nd", "rd", "th":
		return true
	}
	return false
}
