package scrub

import "unicode/utf8"

// maxPhoneDigits bounds how far one candidate phone number is read.
const maxPhoneDigits = 17

// phoneEnd records where a digit group of a candidate number ends.
type phoneEnd struct {
	end      int // byte offset after the group
	digits   int // digits read so far
	groups   int // groups read so far
	minLater int // fewest digits in any group after the first, so far
}

// phoneRun is a candidate phone number read from one starting point.
type phoneRun struct {
	digits   [maxPhoneDigits]byte
	nd       int
	ends     []phoneEnd
	firstLen int  // digits in the first group
	plus     bool // written with a leading +
}

// readPhoneRun reads digit groups from p, separated by at most three of
// space, hyphen, dot, brackets (or Unicode spaces and dashes).
func readPhoneRun(text string, p int, run *phoneRun) {
	run.nd, run.ends, run.firstLen = 0, run.ends[:0], 0
	minLater := 99
	i := p
	if i < len(text) && text[i] == '+' {
		run.plus = true
		i++
	} else {
		run.plus = false
	}
	seps := 0
	groups := 0
	for i < len(text) {
		c := text[i]
		if isDigit(c) {
			gs := i
			for i < len(text) && isDigit(text[i]) {
				if run.nd == maxPhoneDigits {
					return
				}
				run.digits[run.nd] = text[i]
				run.nd++
				i++
			}
			n := i - gs
			if groups == 0 {
				run.firstLen = n
			} else if n < minLater {
				minLater = n
			}
			groups++
			run.ends = append(run.ends, phoneEnd{i, run.nd, groups, minLater})
			seps = 0
			continue
		}
		r, w := utf8.DecodeRuneInString(text[i:])
		if r == '.' || r == '(' || r == ')' || isNumberSep(r) {
			seps++
			if seps > 3 || r == '\t' {
				return
			}
			i += w
			continue
		}
		return
	}
}

// validInternational reports whether d (digits after + or 00) is a
// plausible international number.
func validInternational(d []byte) bool {
	if len(d) == 0 || d[0] == '0' {
		return false
	}
	if len(d) >= 2 && d[0] == '4' && d[1] == '4' {
		national := d[2:]
		if len(national) > 0 && national[0] == '0' { // +44 (0)...
			national = national[1:]
		}
		return (len(national) == 9 || len(national) == 10) && national[0] != '0'
	}
	return len(d) >= 8 && len(d) <= 15
}

// validUK reports whether d is a plausible UK number written with its
// leading 0.
func validUK(d []byte, firstLen, minLater, groups int) bool {
	if len(d) != 10 && len(d) != 11 || d[0] != '0' {
		return false
	}
	switch d[1] {
	case '1', '2', '3', '5', '7', '8', '9':
	default:
		return false
	}
	return groups == 1 || firstLen >= 3 && minLater >= 2
}

// findInternationalPhones marks numbers written with a leading + or 00.
// They run before NHS numbers so that +44 7700 900123 is one phone number.
func findInternationalPhones(text string, ss *spanSet) {
	var run phoneRun
	for i := 0; i < len(text); i++ {
		c := text[i]
		var intl bool
		switch {
		case c == '+' && i+1 < len(text) && (isDigit(text[i+1]) || text[i+1] == ' ' && i+2 < len(text) && isDigit(text[i+2])):
			intl = true
		case c == '0' && i+1 < len(text) && text[i+1] == '0':
			intl = true
		}
		if !intl || isWordRune(runeBefore(text, i)) {
			continue
		}
		readPhoneRun(text, i, &run)
		best := -1
		for g, e := range run.ends {
			d := run.digits[:e.digits]
			if !run.plus {
				if len(d) < 3 || g == 0 {
					continue
				}
				d = d[2:]
			}
			if validInternational(d) && !isWordRune(runeAt(text, e.end)) {
				best = e.end
			}
		}
		if best > 0 && ss.add(i, best, Phone) {
			i = best - 1
		}
	}
}

// findPhones marks UK numbers written with their leading 0, such as
// 07700 900123, 01202 123456, (01202) 123456 and 020 7946 0958.
func findPhones(text string, ss *spanSet) {
	var run phoneRun
	for i := 0; i < len(text); i++ {
		c := text[i]
		start := i
		switch {
		case c == '0' && i+1 < len(text) && isDigit(text[i+1]) && text[i+1] != '0':
		case c == '(' && i+2 < len(text) && text[i+1] == '0' && isDigit(text[i+2]):
		default:
			continue
		}
		if b := runeBefore(text, i); isWordRune(b) || b == '.' || b == '/' {
			continue
		}
		readPhoneRun(text, i, &run)
		best := -1
		for _, e := range run.ends {
			if validUK(run.digits[:e.digits], run.firstLen, e.minLater, e.groups) && !isWordRune(runeAt(text, e.end)) {
				best = e.end
			}
		}
		if best < 0 {
			continue
		}
		if c == '(' {
			// Keep the bracket unless it closes round the area code:
			// "(01202) 123456" goes whole, "(07700 900123)" keeps its own.
			j := i + 1
			for j < len(text) && isDigit(text[j]) {
				j++
			}
			if j >= len(text) || text[j] != ')' || j >= best {
				start = i + 1
			}
		}
		if ss.add(start, best, Phone) {
			i = best - 1
		}
	}
}
