package scrub

import "unicode/utf8"

// ValidNHSNumber reports whether digits is a valid NHS number: exactly ten
// digits (spaces and hyphens between them are ignored) whose last digit is
// the modulus 11 check digit of the first nine. The check weights the first
// nine digits 10 down to 2, takes the sum modulo 11 and subtracts the
// remainder from 11; 11 becomes 0, and 10 means no valid number exists.
func ValidNHSNumber(digits string) bool {
	var d [10]int
	n := 0
	for i := 0; i < len(digits); i++ {
		c := digits[i]
		switch {
		case isDigit(c):
			if n == 10 {
				return false
			}
			d[n] = int(c - '0')
			n++
		case c == ' ' || c == '-':
		default:
			return false
		}
	}
	return n == 10 && checkDigitOK(d)
}

// checkDigitOK applies the modulus 11 check to ten digits.
func checkDigitOK(d [10]int) bool {
	sum := 0
	for i := 0; i < 9; i++ {
		sum += d[i] * (10 - i)
	}
	check := 11 - sum%11
	if check == 11 {
		check = 0
	}
	return check != 10 && check == d[9]
}

// isNumberSep reports whether r may separate groups of digits within one
// written number: spaces, tabs, hyphens and the Unicode dashes and spaces
// that word processors substitute for them.
func isNumberSep(r rune) bool {
	switch r {
	case ' ', '\t', '-', '\u00a0', '\u2007', '\u202f', '\u2009', '\u2010', '\u2011', '\u2012', '\u2013', '\u2014', '\u2212':
		return true
	}
	return false
}

// digitGroup is one run of ASCII digits.
type digitGroup struct{ start, end int }

// findNHSNumbers marks NHS numbers. A written number is a maximal sequence
// of digit groups separated by one to three separator characters
// (isNumberSep). Any consecutive groups holding exactly ten digits between
// them that pass the modulus 11 check are an NHS number, however the digits
// are grouped and whatever surrounds them.
func findNHSNumbers(text string, ss *spanSet) {
	var groups []digitGroup
	for i := 0; i < len(text); {
		if !isDigit(text[i]) {
			i++
			continue
		}
		groups = groups[:0]
		j := i
		for {
			gs := j
			for j < len(text) && isDigit(text[j]) {
				j++
			}
			groups = append(groups, digitGroup{gs, j})
			k, n := j, 0
			for n < 3 && k < len(text) {
				r, w := utf8.DecodeRuneInString(text[k:])
				if !isNumberSep(r) {
					break
				}
				k += w
				n++
			}
			if n > 0 && k < len(text) && isDigit(text[k]) {
				j = k
				continue
			}
			break
		}
		checkNHSGroups(text, groups, ss)
		i = j
	}
}

// checkNHSGroups marks each run of consecutive groups that holds exactly
// ten digits forming a valid NHS number.
func checkNHSGroups(text string, groups []digitGroup, ss *spanSet) {
	for a := 0; a < len(groups); a++ {
		total := 0
		for b := a; b < len(groups); b++ {
			total += groups[b].end - groups[b].start
			if total > 10 {
				break
			}
			if total < 10 {
				continue
			}
			var d [10]int
			n := 0
			for g := a; g <= b; g++ {
				for p := groups[g].start; p < groups[g].end; p++ {
					d[n] = int(text[p] - '0')
					n++
				}
			}
			if checkDigitOK(d) && ss.add(groups[a].start, groups[b].end, NHSNumber) {
				a = b
			}
			break
		}
	}
}
