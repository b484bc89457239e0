package scrub

import (
	"regexp"
	"strings"
)

// Pieces of the date patterns. Repetition is bounded so that every match
// fits in a window (see matchAt).
const (
	monthPat = `(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\b\.?`
	dayPat   = `(0?[1-9]|[12][0-9]|3[01])(?:st|nd|rd|th)?\b`
	yearPat  = `((?:1[89]|20)[0-9][0-9]|['’]?[0-9][0-9])\b`
	yearOnly = `(?:1[89]|20)[0-9][0-9]\b`
	dobCue   = `(?:DOB|D\.O\.B\.?|date[ \t]+of[ \t]+birth|born(?:[ \t]+(?:on|in))?)[ \t]{0,3}[:\-]?[ \t]{0,3}`
)

// Date patterns, each anchored at the start of a word or number and
// matched case-insensitively; findDates checks the values.
var (
	// 14 March 1941, 14th of March, 3rd Sept '41, 14-Mar-41.
	dayMonthRE = regexp.MustCompile(`^(?i)` + dayPat + `(?:[ \t]{0,3}(?:of[ \t]{1,3})?|[\-/. ])` + monthPat + `(?:,?[ \t\-/.]{1,2}` + yearPat + `)?`)
	// March 14 1941, March 14th, 1941, Sept 3.
	monthDayRE = regexp.MustCompile(`^(?i)` + monthPat + `[ \t]{1,3}(?:the[ \t]{1,3})?` + dayPat + `(?:,?[ \t]{1,2}` + yearPat + `)?`)
	// 14/03/1941, 14-03-41, 14.3.41 (and month first when the day is over 12).
	numericRE = regexp.MustCompile(`^([0-9]{1,2})([/.\-])([0-9]{1,2})([/.\-])([0-9]{4}|[0-9]{2})\b`)
	// 1941-03-14, 1941/3/14.
	isoRE = regexp.MustCompile(`^((?:1[89]|20)[0-9][0-9])([/.\-])([0-9]{1,2})([/.\-])([0-9]{1,2})\b`)
	// After a date-of-birth cue, a month and year is enough: "DOB 03/1941",
	// "born March 1941". Group 1 is the date.
	dobRE = regexp.MustCompile(`^(?i)` + dobCue + `((?:[0-9]{1,2}[/.\-])?[0-9]{1,2}[/.\-](?:(?:1[89]|20)[0-9][0-9]|[0-9][0-9])\b|` +
		`(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?,?[ \t]{1,3}(?:` + yearOnly + `|['’][0-9][0-9]\b))`)
	// After "DOB" or "date of birth" (not after "born"), a year alone.
	dobYearRE = regexp.MustCompile(`^(?i)(?:DOB|D\.O\.B\.?|date[ \t]+of[ \t]+birth)[ \t]{0,3}[:\-]?[ \t]{0,3}(` + yearOnly + `)`)
)

// monthWords are the month names and abbreviations, in lower case.
const monthWordList = `jan january feb february mar march apr april may jun june jul july
	aug august sep sept september oct october nov november dec december`

// findDates marks full dates (day, month and year), day-and-month dates
// written with a month name ("14 March", "March 14th"), and after a
// date-of-birth cue also a month and year, or (after "DOB" or "date of
// birth") a year alone. A year alone, a month and year without a cue
// ("March 2019"), a weekday, and a numeric day/month without a year
// ("14/3", which reads like a score) are left alone.
func findDates(text string, toks tokens, ss *spanSet) {
	if !hasDigit(text) {
		return
	}
	var buf [12]byte
	for ti, p := range toks.starts {
		c := text[p]
		if isDigit(c) {
			n := 0
			for p+n < len(text) && isDigit(text[p+n]) {
				n++
			}
			var next byte
			if p+n < len(text) {
				next = text[p+n]
			}
			sep := next == '/' || next == '.' || next == '-'
			if n == 4 && sep {
				if m := matchAt(isoRE, text, p); m != nil && text[m[4]:m[5]] == text[m[8]:m[9]] && numericContextOK(text, m[0], m[1]) {
					mo, d := atoi2(text[m[6]:m[7]]), atoi2(text[m[10]:m[11]])
					if validDayMonth(d, mo) {
						ss.add(m[0], m[1], Date)
					}
				}
				continue
			}
			if n > 2 {
				continue
			}
			if sep {
				if m := matchAt(numericRE, text, p); m != nil && text[m[4]:m[5]] == text[m[8]:m[9]] && numericContextOK(text, m[0], m[1]) {
					a, b := atoi2(text[m[2]:m[3]]), atoi2(text[m[6]:m[7]])
					if (validDayMonth(a, b) || validDayMonth(b, a)) && ss.add(m[0], m[1], Date) {
						continue
					}
				}
			}
			if monthFollows(text, p+n, buf[:]) {
				if m := matchAt(dayMonthRE, text, p); m != nil && monthNameOK(text, m[4], m[6] >= 0) {
					ss.add(m[0], trimDateEnd(text, m[0], m[1]), Date)
				}
			}
			continue
		}
		switch f := toks.flags[ti]; {
		case f&lexMonth != 0:
			if m := matchAt(monthDayRE, text, p); m != nil && monthNameOK(text, m[2], m[6] >= 0) {
				ss.add(m[0], trimDateEnd(text, m[0], m[1]), Date)
			}
		case f&lexDOBCue != 0:
			for _, re := range [...]*regexp.Regexp{dobRE, dobYearRE} {
				if m := matchAt(re, text, p); m != nil && numericContextOK(text, m[2], m[3]) {
					ss.add(m[2], trimDateEnd(text, m[2], m[3]), Date)
				}
			}
		}
	}
}

// monthFollows reports whether a month name comes soon after a day number
// ending at i: after an optional ordinal suffix, up to three spaces or
// separators and an optional "of".
func monthFollows(text string, i int, buf []byte) bool {
	for k := 0; k < 2 && i < len(text) && isLetterByte(text[i]) && !monthStartsAt(text, i, buf); k++ {
		i++ // st, nd, rd, th
	}
	for k := 0; k < 3 && i < len(text) && strings.IndexByte(" \t-/.", text[i]) >= 0; k++ {
		i++
	}
	if i+3 < len(text) && (text[i]|0x20) == 'o' && (text[i+1]|0x20) == 'f' && (text[i+2] == ' ' || text[i+2] == '\t') {
		i += 3
		for i < len(text) && (text[i] == ' ' || text[i] == '\t') {
			i++
		}
	}
	return monthStartsAt(text, i, buf)
}

// monthStartsAt reports whether a month name or abbreviation is the word at i.
func monthStartsAt(text string, i int, buf []byte) bool {
	if i >= len(text) || !isLetterByte(text[i]) || i > 0 && isLetterByte(text[i-1]) {
		return false
	}
	k := lowerWordAt(buf, text, i)
	return len(k) <= maxLexWord && lexicon[string(k)]&lexMonth != 0
}

// trimDateEnd drops trailing dots, commas and spaces (the end of a
// sentence) from a match.
func trimDateEnd(text string, start, end int) int {
	for end > start && (text[end-1] == '.' || text[end-1] == ' ' || text[end-1] == ',') {
		end--
	}
	return end
}

// numericContextOK rejects numeric dates that are part of a longer dotted
// or slashed sequence, such as a version number.
func numericContextOK(text string, start, end int) bool {
	if start >= 2 && strings.IndexByte("/.-", text[start-1]) >= 0 && isDigit(text[start-2]) {
		return false
	}
	if end+1 < len(text) && strings.IndexByte("/.-", text[end]) >= 0 && isDigit(text[end+1]) {
		return false
	}
	return true
}

// validDayMonth reports whether d and m can be a day and month.
func validDayMonth(d, m int) bool {
	if d < 1 || m < 1 || m > 12 {
		return false
	}
	switch m {
	case 2:
		return d <= 29
	case 4, 6, 9, 11:
		return d <= 30
	}
	return d <= 31
}

// monthNameOK decides whether a month name at start makes the match a
// date. With a year any case will do; without one the month must be
// capitalised, so "the 3 may help" and "14 march" in lower case are not
// dates.
func monthNameOK(text string, start int, withYear bool) bool {
	if withYear {
		return true
	}
	c := text[start]
	return 'A' <= c && c <= 'Z'
}
