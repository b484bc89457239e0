package scrub

import (
	"regexp"
	"unicode/utf8"
)

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

// Cues that name a health service number: "NHS no:", "CHI number is",
// "H&C", "H+C no.". Each is anchored at the start of a word and takes any
// "no", "number" or "#" and any "is", ":", "=" or dash after it.
const numCueTail = `(?:[ \t]{0,2}(?:no\b\.?|number\b|num\b|nbr\b|#))?(?:[ \t]{0,2}(?:is\b|was\b|=|:|-|–|#))?[ \t]{0,3}\(?`

var (
	nhsCueRE = regexp.MustCompile(`^(?i)nhs` + numCueTail)
	chiCueRE = regexp.MustCompile(`^(?i)chi` + numCueTail)
	hcCueRE  = regexp.MustCompile(`^(?i)(?:h[ \t]?[&+][ \t]?c|hcn|health[ \t]+(?:and|&)[ \t]+care)` + numCueTail)
)

// tenDigitsAt reads a written number of exactly ten digits starting at p:
// digit groups separated by one separator each (a space, hyphen, dash or
// dot). It returns the end of the number, or -1 if there are not exactly
// ten digits or the number is glued to a letter or digit.
func tenDigitsAt(text string, p int) int {
	n, i, end := 0, p, -1
	for i < len(text) {
		if !isDigit(text[i]) {
			break
		}
		for i < len(text) && isDigit(text[i]) {
			i++
			n++
		}
		if n > 10 {
			return -1
		}
		end = i
		if n == 10 {
			break
		}
		if _, w := groupSepAt(text, i); w > 0 {
			i += w
			continue
		}
		break
	}
	if n != 10 || isWordRune(runeAt(text, end)) {
		return -1
	}
	// A further group after a separator makes it a longer number.
	if _, w := groupSepAt(text, end); w > 0 {
		return -1
	}
	return end
}

// findCuedHealthNumbers marks ten-digit numbers named as NHS, CHI or H&C
// numbers. A CHI or H&C number has its own kind. A number after an NHS cue
// is removed even when its check digit fails: it is a mistyped real one.
func findCuedHealthNumbers(text string, toks tokens, ss *spanSet) {
	if !hasDigit(text) {
		return
	}
	for _, p := range toks.starts {
		if p+3 > len(text) {
			continue
		}
		var re *regexp.Regexp
		var k Kind
		switch c0, c1, c2 := text[p]|0x20, text[p+1]|0x20, text[p+2]|0x20; {
		case c0 == 'n' && c1 == 'h' && c2 == 's':
			re, k = nhsCueRE, NHSNumber
		case c0 == 'c' && c1 == 'h' && c2 == 'i':
			re, k = chiCueRE, CHINumber
		case c0 == 'h' && (c1 == '&' || c1 == '+' || c1 == ' ' || c1 == 'c' || c1 == 'e'):
			re, k = hcCueRE, HCNumber
		default:
			continue
		}
		m := matchAt(re, text, p)
		if m == nil || m[1] >= len(text) || !isDigit(text[m[1]]) {
			continue
		}
		if end := tenDigitsAt(text, m[1]); end > 0 {
			ss.add(m[1], end, k)
		}
	}
}

// findGroupedNHSNumbers marks numbers written in the NHS number's 3-3-4
// grouping (943 476 5919, 943-476-5919, 943.476.5919) even when the check
// digit fails, since a mistyped NHS number is still one. A number that
// starts with 0 or follows a + is left for the phone rules. Numbers that
// pass the check in any grouping are found by findNHSNumbers.
func findGroupedNHSNumbers(text string, ss *spanSet) {
	for i := 0; i < len(text); i++ {
		if !isDigit(text[i]) || i > 0 && (isWordRune(runeBefore(text, i)) || text[i-1] == '+' || text[i-1] == '.' || text[i-1] == '-') {
			continue
		}
		if end := groupedNHSEnd(text, i); end > 0 && text[i] != '0' && ss.free(i, end) {
			ss.add(i, end, NHSNumber)
		}
		for i < len(text) && isDigit(text[i]) {
			i++
		}
	}
}

// nhsGrouping is how an NHS number is written in groups.
var nhsGrouping = [...]int{3, 3, 4}

// groupedNHSEnd returns the end of a number written in nhsGrouping at i,
// with the same separator between each group, not glued to a letter or
// digit and not followed by a further group; else -1.
func groupedNHSEnd(text string, i int) int {
	j := i
	var sep rune
	for g, want := range nhsGrouping {
		n := 0
		for j < len(text) && isDigit(text[j]) {
			j++
			n++
		}
		if n != want {
			return -1
		}
		if g == len(nhsGrouping)-1 {
			break
		}
		r, w := groupSepAt(text, j)
		if g == 0 {
			sep = r
		}
		if w == 0 || r != sep {
			return -1
		}
		j += w
	}
	if _, w := groupSepAt(text, j); w > 0 || isWordRune(runeAt(text, j)) {
		return -1
	}
	return j
}

// groupSepAt returns the rune at i and, if it separates two groups of
// digits (a dot or a separator of isNumberSep before a digit), its width;
// the width is 0 if not.
func groupSepAt(text string, i int) (rune, int) {
	r, w := utf8.DecodeRuneInString(text[i:])
	if (r == '.' || isNumberSep(r)) && i+w < len(text) && isDigit(text[i+w]) {
		return r, w
	}
	return r, 0
}
