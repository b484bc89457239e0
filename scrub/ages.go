package scrub

import (
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
		if m := matchAt(birthdayAtRE, text, p); m != nil {
			ss.add(m[0], m[1], Age)
			continue
		}
		if m := matchAt(ageTailAtRE, text, p); m != nil {
			ss.add(m[0], trimDateEnd(text, m[0], m[1]), Age)
			continue
		}
		if isDigit(text[p]) {
			end := p
			for end < len(text) && isDigit(text[end]) {
				end++
			}
			// "92M", "95F": age and sex, as clinicians write them.
			if end < len(text) && (text[end] == 'M' || text[end] == 'F') && !isWordRune(runeAt(text, end+1)) && !afterVital(text, p) {
				ss.add(p, end, Age)
				continue
			}
			// "Dolores, 94, was a dancer": an age between commas after a name.
			if afterNameComma(text, p) && end < len(text) && strings.IndexByte(",;)", text[end]) >= 0 {
				ss.add(p, end, Age)
				continue
			}
		}
		prev := previousWords(text, p)
		switch {
		case prev.at:
			// "at 97 she'd outlived her friends", not "sats at 94" or "at 95%".
			if m := matchAt(ageAtRE, text, p); m != nil && !followedByMeasure(text[m[1]:]) && !followedByNumberPart(text, m[1]) {
				ss.add(m[0], m[1], Age)
			}
		case prev.cue:
			if m := matchAt(ageCuedAtRE, text, p); m != nil {
				ss.add(m[0], trimDateEnd(text, m[0], m[1]), Age)
			}
		case prev.event:
			if m := matchAt(ageAtRE, text, p); m != nil {
				ss.add(m[0], m[1], Age)
			}
		case prev.pronoun:
			if m := matchAt(ageAtRE, text, p); m != nil && !followedByMeasure(text[m[1]:]) {
				ss.add(m[0], m[1], Age)
			}
		case p >= 2 && text[p-1] == '(' && isDigit(text[p]):
			// "Mum (97)": a bracketed age straight after a word.
			if m := matchAt(ageAtRE, text, p); m != nil && m[1] < len(text) && text[m[1]] == ')' {
				prev := strings.TrimRight(text[:p-1], " \t")
				if isLetterRune(runeBefore(prev, len(prev))) {
					ss.add(m[0], m[1], Age)
				}
			}
		}
	}
}

// ageContext says what comes before a possible age.
type ageContext struct {
	cue     bool // "aged", "age:"
	event   bool // "turned", "a lady of"
	pronoun bool // "she was", "she's", "her husband is", "he would have been"
	at      bool // "at 97", not after a reading such as "sats at 94"
}

// previousWords looks at the few words before p.
func previousWords(text string, p int) ageContext {
	var ctx ageContext
	var bufs [4][12]byte
	var w [4]string // w[0] is the nearest word
	var gaps [4]string
	var starts [4]int
	end := p
	for k := 0; k < 4; k++ {
		start := end
		for start > 0 && end-start < 8 && strings.IndexByte(" \t:-", text[start-1]) >= 0 {
			start--
		}
		gaps[k] = text[start:end]
		// The word before the gap, lower-cased, with ’ read as '.
		b := bufs[k][len(bufs[k]):]
		ws := start
		for ws > 0 && len(b) < len(bufs[k]) {
			switch {
			case isLetterByte(text[ws-1]) || text[ws-1] == '\'':
				b = bufs[k][len(bufs[k])-len(b)-1:]
				b[0] = text[ws-1] | 0x20
				ws--
				continue
			case ws >= 3 && text[ws-3:ws] == "’":
				b = bufs[k][len(bufs[k])-len(b)-1:]
				b[0] = '\''
				ws -= 3
				continue
			}
			break
		}
		if ws == start || ws > 0 && isWordRune(runeBefore(text, ws)) {
			break
		}
		w[k] = string(b)
		starts[k] = ws
		end = ws
	}
	spaces := func(g string) bool { return g != "" && strings.Trim(g, " \t") == "" }
	// aged 93, age: 95, Age - 92
	ctx.cue = ageCueWords[w[0]] && gaps[0] != ""
	// turned 93, a lady of 97
	ctx.event = spaces(gaps[0]) && (ageEventWords[w[0]] || w[0] == "of" && spaces(gaps[1]) && ageOfWords[w[1]])
	if !spaces(gaps[0]) {
		return ctx
	}
	ctx.at = w[0] == "at" && !vitalWords[w[1]] && !vitalWords[w[2]]
	subject := func(x string) bool { return ageSubjects[x] }
	contracted := func(x, suffix string) bool {
		return strings.HasSuffix(x, suffix) && subject(x[:len(x)-len(suffix)])
	}
	switch {
	case ageBeVerbs[w[0]]: // she was 94, Ada is 96, [name] is 96
		ctx.pronoun = spaces(gaps[1]) && (subject(w[1]) || nameBefore(text, starts[0]))
	case contracted(w[0], "'s"): // she's 96
		ctx.pronoun = true
	case ageAdverbs[w[0]]: // she is now 101, she's nearly 100
		ctx.pronoun = spaces(gaps[1]) && (ageBeVerbs[w[1]] && spaces(gaps[2]) && subject(w[2]) || contracted(w[1], "'s"))
	case w[0] == "be": // she will be 90, she'll be 90
		ctx.pronoun = spaces(gaps[1]) && (ageFutureAuxes[w[1]] && spaces(gaps[2]) && subject(w[2]) || contracted(w[1], "'ll"))
	case w[0] == "been": // she would have been 93
		ctx.pronoun = spaces(gaps[1]) && w[1] == "have" && spaces(gaps[2]) && ageFutureAuxes[w[2]] && spaces(gaps[3]) && subject(w[3])
	}
	return ctx
}

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
