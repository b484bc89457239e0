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
	// After a date-of-birth cue, a date typed without separators:
	// "DOB 12031941", "dob 030441". Group 1 is the date.
	dobCompactRE = regexp.MustCompile(`^(?i)` + dobCue + `([0-9]{8}|[0-9]{6})\b`)
	// A numeric day and month without a year: "3/4", "28/11".
	dayMonthNumRE = regexp.MustCompile(`^([0-9]{1,2})/([0-9]{1,2})\b`)
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
	for ti, p := range toks.starts {
		switch f := toks.flags[ti]; {
		case isDigit(text[p]):
			findDateAtNumber(text, p, ss)
		case f&lexMonth != 0:
			findMonthFirstDate(text, p, ss)
		case f&lexDOBCue != 0:
			findDOBDate(text, p, ss)
		}
	}
}

// findDateAtNumber marks a date that starts with the number at p: a year
// first ("1941-03-14"), all in numbers ("14/03/1941"), a day and month in
// numbers after a date cue ("died 3/4") or a day and a month name ("14th
// of March"). The first shape the number and the byte after it allow is
// the only one tried, except that a number that is not a full numeric
// date may still be a day and month.
func findDateAtNumber(text string, p int, ss *spanSet) {
	n := 0
	for p+n < len(text) && isDigit(text[p+n]) {
		n++
	}
	var next byte
	if p+n < len(text) {
		next = text[p+n]
	}
	sep := next == '/' || next == '.' || next == '-'
	var buf [12]byte
	switch {
	case n == 4 && sep:
		findISODate(text, p, ss)
	case n > 2:
		// Three digits, or four without a separator: not a date's start.
	case sep && findNumericDate(text, p, ss):
	case next == '/':
		if ss.free(p, p+n) {
			findDayMonthNumber(text, p, ss)
		}
	case monthFollows(text, p+n, buf[:]):
		if m := matchAt(dayMonthRE, text, p); m != nil && monthNameOK(text, m[4], m[6] >= 0, ordinalAfter(text, m[3]), dateCueBefore(text, p) > 0) {
			ss.add(m[0], trimDateEnd(text, m[0], m[1]), Date)
		}
	}
}

// findISODate marks a date written year first with the same separator
// twice: "1941-03-14", "1941/3/14".
func findISODate(text string, p int, ss *spanSet) {
	m := matchAt(isoRE, text, p)
	if m == nil || text[m[4]:m[5]] != text[m[8]:m[9]] || !numericContextOK(text, m[0], m[1]) {
		return
	}
	if mo, d := atoi2(text[m[6]:m[7]]), atoi2(text[m[10]:m[11]]); validDayMonth(d, mo) {
		ss.add(m[0], m[1], Date)
	}
}

// findNumericDate marks a date in numbers with the same separator twice,
// day first or (when the day is over 12) month first: "14/03/1941",
// "14.3.41". It reports whether it marked one.
func findNumericDate(text string, p int, ss *spanSet) bool {
	m := matchAt(numericRE, text, p)
	if m == nil || text[m[4]:m[5]] != text[m[8]:m[9]] || !numericContextOK(text, m[0], m[1]) {
		return false
	}
	a, b := atoi2(text[m[2]:m[3]]), atoi2(text[m[6]:m[7]])
	return (validDayMonth(a, b) || validDayMonth(b, a)) && ss.add(m[0], m[1], Date)
}

// scoreDenominators are the second numbers of a fraction that reads as a
// score or a duration ("7/10", "2/7", "5/12", "3/52").
var scoreDenominators = [...]int{7, 10, 12, 52}

// findDayMonthNumber marks a numeric day and month with no year ("3/4")
// after a strong date cue ("died 3/4"), or after a weak one ("on 3/4")
// when it does not read as a score; not before "ago" and the like.
func findDayMonthNumber(text string, p int, ss *spanSet) {
	m := matchAt(dayMonthNumRE, text, p)
	if m == nil || !numericContextOK(text, m[0], m[1]) {
		return
	}
	d, mo := atoi2(text[m[2]:m[3]]), atoi2(text[m[4]:m[5]])
	score := false
	for _, s := range scoreDenominators {
		score = score || mo == s
	}
	cue := dateCueBefore(text, p)
	if validDayMonth(d, mo) && (cue == 2 || cue == 1 && !score) && !durationAfter(text, m[1]) {
		ss.add(m[0], m[1], Date)
	}
}

// findMonthFirstDate marks a date that starts with the month name at p:
// "March 14 1941", "Sept 3rd".
func findMonthFirstDate(text string, p int, ss *spanSet) {
	if m := matchAt(monthDayRE, text, p); m != nil && monthNameOK(text, m[2], m[6] >= 0, ordinalAfter(text, m[5]), dateCueBefore(text, p) > 0) {
		ss.add(m[0], trimDateEnd(text, m[0], m[1]), Date)
	}
}

// dobDateREs are the dates after a date-of-birth cue, each with the date
// as group 1: a month and year ("DOB 03/1941", "born March 1941") and,
// after "DOB" or "date of birth", a year alone.
var dobDateREs = [...]*regexp.Regexp{dobRE, dobYearRE}

// findDOBDate marks the date after a date-of-birth cue at p, the cue
// kept: a month and year, a year alone, or a date typed without
// separators ("DOB 12031941").
func findDOBDate(text string, p int, ss *spanSet) {
	for _, re := range dobDateREs {
		if m := matchAt(re, text, p); m != nil && numericContextOK(text, m[2], m[3]) {
			ss.add(m[2], trimDateEnd(text, m[2], m[3]), Date)
		}
	}
	if m := matchAt(dobCompactRE, text, p); m != nil && compactDateOK(text[m[2]:m[3]]) {
		ss.add(m[2], m[3], Date)
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
// date. With a year any month will do. Without one, any case will do
// ("3rd march", "sept 3rd", "12 mar") except for "may", which is a date
// only when capitalised ("3 May"), with an ordinal ("12th may", "may
// 12th") or after a date cue ("seen 12 may"), so "the 3 may help" stays.
// ord says whether the day has an ordinal suffix; cue whether a date cue
// comes before the match.
func monthNameOK(text string, start int, withYear, ord, cue bool) bool {
	if withYear {
		return true
	}
	if start+3 <= len(text) && strings.EqualFold(text[start:start+3], "may") && (start+3 == len(text) || !isLetterByte(text[start+3])) {
		if modalMay(text, start+3) {
			return false // "5 May be the right dose"
		}
		return ord || cue || text[start] == 'M'
	}
	return true
}

// dateCues are words after which a bare day and month ("3/4") is a date:
// strong cues, and weak ones ("on", "since", "until") after which a
// fraction that reads as a score or a duration ("7/10", "2/7", "5/12",
// "3/52") is kept.
var (
	strongDateCues = setOf(`died dies death dod rip seen admitted admission adm discharged dc funeral buried cremated visited reviewed passed`)
	weakDateCues   = setOf(`on since until til till from`)
)

// dateCueBefore returns 2 if a strong date cue, 1 if a weak one, ends just
// before p (with an optional "the"), else 0.
func dateCueBefore(text string, p int) int {
	var buf [12]byte
	for k := 0; k < 2; k++ {
		e := p
		for e > 0 && (text[e-1] == ' ' || text[e-1] == '\t') && p-e < 3 {
			e--
		}
		if e == p || e == 0 {
			return 0
		}
		s := e
		for s > 0 && (isLetterByte(text[s-1]) || text[s-1] == '/') && e-s < len(buf) {
			s--
		}
		if s == e || s > 0 && isWordRune(runeBefore(text, s)) {
			return 0
		}
		w := lowerWordAt(buf[:], strings.ReplaceAll(text[s:e], "/", ""), 0)
		word := string(w)
		switch {
		case strongDateCues[word]:
			return 2
		case weakDateCues[word]:
			return 1
		case word == "the" && k == 0:
			p = s
			continue
		}
		return 0
	}
	return 0
}

// durationAfter reports whether the words after a bare day and month show
// it is a time span ("2/7 ago").
func durationAfter(text string, end int) bool {
	rest := strings.TrimLeft(text[end:], " \t")
	if len(rest) > 8 {
		rest = rest[:8]
	}
	rest = strings.ToLower(rest)
	for _, w := range [...]string{"ago", "hx", "history", "prior", "previously"} {
		if strings.HasPrefix(rest, w) {
			return true
		}
	}
	return false
}

// ordinalAfter reports whether the day number ending at i has an ordinal
// suffix ("3rd", "12th").
func ordinalAfter(text string, i int) bool {
	if i+2 > len(text) {
		return false
	}
	switch strings.ToLower(text[i : i+2]) {
	case "st", "nd", "rd", "th":
		return true
	}
	return false
}

// compactDateOK checks a date typed without separators after a DOB cue:
// DDMMYY or DDMMYYYY with a real day and month (and a year from 1880 to
// 2099 when it has four digits).
func compactDateOK(s string) bool {
	d, m := atoi2(s[0:2]), atoi2(s[2:4])
	if !validDayMonth(d, m) {
		return false
	}
	if len(s) == 8 {
		y := atoi2(s[4:8])
		return y >= 1880 && y <= 2099
	}
	return true
}

// modalVerbs follow "may" as a verb: "may be", "may need".
var modalVerbs = setOf(`be have need help not also well want take get go become cause
	require make mean feel find give keep last lead like prefer seem start stop try
	use wish benefit change come continue die eat improve increase just only still`)

// modalMay reports whether the word after "may" (ending at i) is a verb,
// so "may" is the verb, not the month.
func modalMay(text string, i int) bool {
	j := i
	for j < len(text) && (text[j] == ' ' || text[j] == '\t') && j-i < 3 {
		j++
	}
	if j == i {
		return false
	}
	var buf [12]byte
	w := lowerWordAt(buf[:], text, j)
	return w != nil && modalVerbs[string(w)]
}
