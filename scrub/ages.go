package scrub

import (
	"bytes"
	"regexp"
	"strings"
)

// Pieces of the age patterns: an age of 90 to 119, in digits or words.
const (
	ageNum   = `(?:9[0-9]|1[01][0-9])`
	units    = `(?:one|two|three|four|five|six|seven|eight|nine)`
	ageWords = `(?:ninety(?:[ \-]` + units + `)?|(?:a|one)[ \-]hundred(?:[ \-](?:and[ \-])?(?:` + units + `|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen))?)`
	ageAny   = `(?:` + ageNum + `|` + ageWords + `)`
	// The full "years old" tails: "years old", "-year-old", "years of age",
	// and the short forms "yrs", "yo", "y/o", "y.o.". "93 years" alone may
	// be a duration, so it needs "old" or "of age".
	ageTail = `(?:[ \-]{0,3}(?:years?|yrs?)\.?(?:[ \-]{0,3}old|[ \t]{1,3}of[ \t]{1,3}age)|[ \t]{0,3}(?:yrs?|yo|y/o|y\.o\.?)(?:[ \t]{0,3}old)?\b)`
)

// Age patterns, each anchored at the age itself. The words before an age
// are read by previousWords.
var (
	// 93 years old, 93-year-old, 93yo, 94 years of age.
	ageTailAtRE = regexp.MustCompile(`^(?i)` + ageAny + ageTail)
	// An age after a cue, with an optional tail: "aged 93", "aged 90 years".
	ageCuedAtRE = regexp.MustCompile(`^(?i)` + ageAny + `\b(?:` + ageTail + `|[ \-]{0,3}years?\b)?`)
	// A bare age.
	ageAtRE = regexp.MustCompile(`^(?i)` + ageAny + `\b`)
	// Her 93rd birthday, his ninetieth birthday.
	birthdayAtRE = regexp.MustCompile(`^(?i)(?:` + ageNum + `(?:st|nd|rd|th)|ninetieth|hundredth)[ \t]{1,3}birthday\b`)
)

// Words that come before an age.
var (
	ageCueWords   = setOf(`age aged ages`)
	ageEventWords = setOf(`turned turning turns reach reached reaching celebrated`)
	ageOfWords    = setOf(`lady gentleman man woman widow widower person patient`)
	ageSubjects   = setOf(`she he they who i mum dad mother father husband wife partner brother sister patient pt gentleman lady`)
	// vitalWords before "at" show the number is a reading: "sats at 94".
	vitalWords     = setOf(`temp t sats spo2 o2 hr bp rr temp pulse rate score news news2 weight bed bay room ward page set pump driver running level glucose bm bms cbg`)
	ageBeVerbs     = setOf(`was is were`)
	ageAdverbs     = setOf(`now nearly almost only just`)
	ageFutureAuxes = setOf(`will would`)
)

// measureWords are units that, after a number, show it is a measurement
// rather than an age ("she was 94 % on air", "he was 92 kg").
var measureWords = []string{"%", "degrees", "deg", "°", "percent", "per", "mm", "kg", "bpm", "beats", "breaths", "on air", "o2", "sats", "/", "mmhg", "ml", "mg", "units", "lb", "cm", "minutes", "mins", "hours", "days", "weeks"}

// findAges marks ages over 89, which are rare enough to identify someone.
// Ages of 89 and under are left alone. An age counts when it has a "years
// old" tail, follows a cue ("aged", "turned", "she was", "a lady of"), is a
// birthday ("her 100th birthday") or is in brackets after a word ("Mum
// (97)"). The number and any tail become [age]; the cue is kept.
func findAges(text string, starts []int, ss *spanSet) {
	var buf [12]byte
	for _, p := range starts {
		if !ageCandidate(text, p, buf[:]) {
			continue
		}
		if start, end := ageAt(text, p); end > start {
			ss.add(start, end, Age)
		}
	}
}

// ageAt returns the byte range of the age starting at p, or end <= start
// if it is not one. The first rule that matches decides: a birthday, a
// "years old" tail, an age written next to a sex or between commas, then
// what the words before it say.
func ageAt(text string, p int) (start, end int) {
	if m := matchAt(birthdayAtRE, text, p); m != nil {
		return m[0], m[1]
	}
	if m := matchAt(ageTailAtRE, text, p); m != nil {
		return m[0], trimDateEnd(text, m[0], m[1])
	}
	if end := bareAgeEnd(text, p); end > p {
		return p, end
	}
	return ageAfterWords(text, p)
}

// bareAgeEnd returns the end of the number at p if it is an age by how it
// is written: with a sex straight after it ("92M", "95F", not "Temp 99F")
// or between commas after a name ("Dolores, 94, was a dancer"); else -1.
func bareAgeEnd(text string, p int) int {
	if !isDigit(text[p]) {
		return -1
	}
	end := p
	for end < len(text) && isDigit(text[end]) {
		end++
	}
	if end < len(text) && (text[end] == 'M' || text[end] == 'F') && !isWordRune(runeAt(text, end+1)) && !afterVital(text, p) {
		return end
	}
	if afterNameComma(text, p) && end < len(text) && strings.IndexByte(",;)", text[end]) >= 0 {
		return end
	}
	return -1
}

// ageAfterWords returns the byte range of the age at p if the words before
// it make it one, or end <= start.
func ageAfterWords(text string, p int) (start, end int) {
	prev := previousWords(text, p)
	switch {
	case prev.at:
		// "at 97 she'd outlived her friends", not "sats at 94" or "at 95%".
		if m := matchAt(ageAtRE, text, p); m != nil && !followedByMeasure(text[m[1]:]) && !followedByNumberPart(text, m[1]) {
			return m[0], m[1]
		}
	case prev.cue:
		if m := matchAt(ageCuedAtRE, text, p); m != nil {
			return m[0], trimDateEnd(text, m[0], m[1])
		}
	case prev.event:
		if m := matchAt(ageAtRE, text, p); m != nil {
			return m[0], m[1]
		}
	case prev.pronoun:
		if m := matchAt(ageAtRE, text, p); m != nil && !followedByMeasure(text[m[1]:]) {
			return m[0], m[1]
		}
	case p >= 2 && text[p-1] == '(' && isDigit(text[p]):
		// "Mum (97)": a bracketed age straight after a word.
		if m := matchAt(ageAtRE, text, p); m != nil && m[1] < len(text) && text[m[1]] == ')' {
			prev := strings.TrimRight(text[:p-1], " \t")
			if isLetterRune(runeBefore(prev, len(prev))) {
				return m[0], m[1]
			}
		}
	}
	return 0, 0
}

// ageContext says what comes before a possible age.
type ageContext struct {
	cue     bool // "aged", "age:"
	event   bool // "turned", "a lady of"
	pronoun bool // "she was", "she's", "her husband is", "he would have been"
	at      bool // "at 97", not after a reading such as "sats at 94"
}

// ageCueKind is which field of ageContext a rule of ageWordRules sets.
type ageCueKind int

const (
	ageAfterCue ageCueKind = iota
	ageAfterEvent
	ageAfterSubject
)

// ageWordTest is a test of one word before an age. Exactly one field is set.
type ageWordTest struct {
	set        map[string]bool // the word is in the set
	word       string          // the word is this one
	contracted string          // the word is a subject and this ending: "she's"
	name       bool            // a name ends before the previous word ("Ada is")
}

// ageWordRules are the words before an age that make it one, nearest
// word first, one row each. Every word of a row is separated from the
// next by spaces, except that a cue word may be followed by a colon or
// dash ("age: 95", "Age - 92").
var ageWordRules = []struct {
	kind  ageCueKind
	words []ageWordTest
}{
	{ageAfterCue, []ageWordTest{{set: ageCueWords}}},                                                            // aged 93, age: 95
	{ageAfterEvent, []ageWordTest{{set: ageEventWords}}},                                                        // turned 93
	{ageAfterEvent, []ageWordTest{{word: "of"}, {set: ageOfWords}}},                                             // a lady of 97
	{ageAfterSubject, []ageWordTest{{set: ageBeVerbs}, {set: ageSubjects}}},                                     // she was 94
	{ageAfterSubject, []ageWordTest{{set: ageBeVerbs}, {name: true}}},                                           // Ada is 96, [name] is 96
	{ageAfterSubject, []ageWordTest{{contracted: "'s"}}},                                                        // she's 96
	{ageAfterSubject, []ageWordTest{{set: ageAdverbs}, {set: ageBeVerbs}, {set: ageSubjects}}},                  // she is now 101
	{ageAfterSubject, []ageWordTest{{set: ageAdverbs}, {contracted: "'s"}}},                                     // she's nearly 100
	{ageAfterSubject, []ageWordTest{{word: "be"}, {set: ageFutureAuxes}, {set: ageSubjects}}},                   // she will be 90
	{ageAfterSubject, []ageWordTest{{word: "be"}, {contracted: "'ll"}}},                                         // she'll be 90
	{ageAfterSubject, []ageWordTest{{word: "been"}, {word: "have"}, {set: ageFutureAuxes}, {set: ageSubjects}}}, // she would have been 93
}

// previousWords looks at the few words before p and applies ageWordRules
// to them.
func previousWords(text string, p int) ageContext {
	var ctx ageContext
	var b wordsBefore
	b.read(text, p)
	for _, r := range ageWordRules {
		if !b.match(text, r.kind == ageAfterCue, r.words) {
			continue
		}
		switch r.kind {
		case ageAfterCue:
			ctx.cue = true
		case ageAfterEvent:
			ctx.event = true
		case ageAfterSubject:
			ctx.pronoun = true
		}
	}
	// at 97, but not sats at 94, BP at 90
	ctx.at = string(b.word(0)) == "at" && onlySpaces(b.gaps[0]) && !vitalWords[string(b.word(1))] && !vitalWords[string(b.word(2))]
	return ctx
}

// wordsBefore are up to four words before a point of the text, nearest
// first, each in lower-case ASCII with ’ read as ', and the gap after
// each. A word not there is empty. The words are kept in byte arrays, so
// reading them allocates nothing.
type wordsBefore struct {
	bufs   [4][12]byte // word k is the last n[k] bytes of bufs[k]
	n      [4]int
	gaps   [4]string
	starts [4]int
}

// word returns the k-th word before the point.
func (b *wordsBefore) word(k int) []byte { return b.bufs[k][len(b.bufs[k])-b.n[k]:] }

// read reads the words before p. A gap is up to eight spaces, tabs,
// colons and dashes.
func (b *wordsBefore) read(text string, p int) {
	end := p
	for k := 0; k < 4; k++ {
		start := end
		for start > 0 && end-start < 8 && strings.IndexByte(" \t:-", text[start-1]) >= 0 {
			start--
		}
		b.gaps[k] = text[start:end]
		n, ws := lowerWordBefore(text, start, &b.bufs[k])
		if ws == start || ws > 0 && isWordRune(runeBefore(text, ws)) {
			break
		}
		b.n[k] = n
		b.starts[k] = ws
		end = ws
	}
}

// lowerWordBefore writes the word of ASCII letters and apostrophes ending
// at end into the end of buf, lower-cased with ’ read as ', and returns
// its length in buf and where it starts in text. It stops when buf is
// full.
func lowerWordBefore(text string, end int, buf *[12]byte) (n, ws int) {
	ws = end
	for ws > 0 && n < len(buf) {
		switch {
		case isLetterByte(text[ws-1]) || text[ws-1] == '\'':
			n++
			buf[len(buf)-n] = text[ws-1] | 0x20
			ws--
			continue
		case ws >= 3 && text[ws-3:ws] == "’":
			n++
			buf[len(buf)-n] = '\''
			ws -= 3
			continue
		}
		break
	}
	return n, ws
}

// match reports whether the words before the age pass tests, nearest
// first. anyGap lets the gap after the nearest word be any gap read, not
// only spaces.
func (b *wordsBefore) match(text string, anyGap bool, tests []ageWordTest) bool {
	for i, t := range tests {
		gapOK := onlySpaces(b.gaps[i]) || i == 0 && anyGap && b.gaps[i] != ""
		if !gapOK || !t.matches(text, b, i) {
			return false
		}
	}
	return true
}

// matches reports whether the i-th word before the age passes t.
func (t ageWordTest) matches(text string, b *wordsBefore, i int) bool {
	w := b.word(i)
	switch {
	case t.set != nil:
		return t.set[string(w)]
	case t.word != "":
		return string(w) == t.word
	case t.contracted != "":
		return bytes.HasSuffix(w, []byte(t.contracted)) && ageSubjects[string(w[:len(w)-len(t.contracted)])]
	case t.name:
		return i > 0 && nameBefore(text, b.starts[i-1])
	}
	return false
}

// onlySpaces reports whether g is one or more spaces and tabs.
func onlySpaces(g string) bool { return g != "" && strings.Trim(g, " \t") == "" }

// ageCandidate reports whether an age may start at p: a number from 90 to
// 119, or a word that starts one ("ninety", "a hundred", "ninetieth").
func ageCandidate(text string, p int, buf []byte) bool {
	c := text[p]
	if isDigit(c) {
		n, i := 0, p
		for i < len(text) && isDigit(text[i]) && i-p < 4 {
			n = n*10 + int(text[i]-'0')
			i++
		}
		return i-p <= 3 && (i == len(text) || !isDigit(text[i])) && n >= 90 && n <= 119
	}
	switch string(lowerWordAt(buf, text, p)) {
	case "ninety", "ninetieth", "hundredth":
		return true
	case "a", "one":
		rest := text[p:]
		if i := strings.IndexAny(rest, " -"); i > 0 && i <= 3 && len(rest) >= i+8 {
			return strings.EqualFold(rest[i+1:i+8], "hundred")
		}
	}
	return false
}

// followedByMeasure reports whether rest starts with a unit of measure.
func followedByMeasure(rest string) bool {
	rest = strings.TrimLeft(rest, " \t")
	if len(rest) > 12 {
		rest = rest[:12]
	}
	rest = strings.ToLower(rest)
	if len(rest) > 1 && rest[0] == '.' && isDigit(rest[1]) {
		return true
	}
	for _, w := range measureWords {
		if strings.HasPrefix(rest, w) {
			return true
		}
	}
	return false
}

// afterNameComma reports whether the number at p follows ", " after a
// capitalised word or a name placeholder: "Harold, 94,".
func afterNameComma(text string, p int) bool {
	i := p
	if i < 2 || text[i-1] != ' ' {
		return false
	}
	i--
	if text[i-1] != ',' {
		return false
	}
	i--
	if i > 0 && text[i-1] == ']' {
		return strings.HasSuffix(text[:i], Name.Placeholder())
	}
	s := i
	for s > 0 && isLetterByte(text[s-1]) {
		s--
	}
	if s == i || s > 0 && isWordRune(runeBefore(text, s)) {
		return false
	}
	w := text[s:i]
	return isCapitalised(w) && !isAllCaps(w) && !lexHas(w, lexStop|lexMonth)
}

// followedByNumberPart reports whether the number ending at i goes on as a
// time, decimal, range or fraction ("at 0930", "at 95.5", "at 90-100").
func followedByNumberPart(text string, i int) bool {
	if i+1 >= len(text) {
		return false
	}
	return strings.IndexByte(":./-", text[i]) >= 0 && isDigit(text[i+1]) || text[i] == '%'
}

// afterVital reports whether the word before p is a vital sign or reading
// ("Temp 99F"), so the number is not an age.
func afterVital(text string, p int) bool {
	i := p
	for i > 0 && (text[i-1] == ' ' || text[i-1] == ':') && p-i < 3 {
		i--
	}
	s := i
	for s > 0 && isLetterByte(text[s-1]) && i-s < 12 {
		s--
	}
	return s < i && vitalWords[strings.ToLower(text[s:i])]
}

// nameBefore reports whether a name ends just before the spaces before i:
// a capitalised word on the name lists, or a name placeholder.
func nameBefore(text string, i int) bool {
	for i > 0 && (text[i-1] == ' ' || text[i-1] == '\t') {
		i--
	}
	if strings.HasSuffix(text[:i], Name.Placeholder()) {
		return true
	}
	s := i
	for s > 0 && isLetterByte(text[s-1]) {
		s--
	}
	if s == i || s > 0 && isWordRune(runeBefore(text, s)) {
		return false
	}
	w := text[s:i]
	return isCapitalised(w) && !isAllCaps(w) && nameClass(w)&(nmFirst|nmSurname|nmWordName) != 0
}
