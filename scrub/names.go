package scrub

import (
	"regexp"
	"sort"
	"strings"
	"unicode/utf8"
)

// cueMode says how a name is introduced.
type cueMode int

const (
	notCue   cueMode = iota
	titleCue         // Mrs, Dr, Nurse...: the name may be in capitals
	wordCue          // son, wife, called...: the name may follow a comma
)

// titles maps each title (lower case) to whether it is an abbreviation that
// may take a trailing dot.
var titles = map[string]bool{
	"mr": true, "mrs": true, "ms": true, "miss": false, "mx": true, "dr": true,
	"prof": true, "fr": true, "sr": true, "rev": true, "revd": true, "mstr": true,
	"mister": false, "missus": false, "doctor": false, "professor": false,
	"nurse": false, "sister": false, "father": false, "reverend": false,
	"pastor": false, "rabbi": false, "imam": false, "lady": false, "sir": false,
	"dame": false, "matron": false,
}

// relationWords are words after which a capitalised word is taken to be a
// name: "her son David", "a neighbour, Pat,", "a man called Jim".
const relationWords = `son daughter wife husband partner brother mum mother dad
	grandson granddaughter grandchild grandmother grandfather grandma grandad granddad
	grandpa granny nan nana nanna nephew niece cousin aunt auntie aunty uncle friend
	neighbour neighbor carer fiance fiancé fiancee fiancée stepson stepdaughter
	stepmother stepfather widow widower boyfriend girlfriend twin goddaughter godson
	son-in-law daughter-in-law brother-in-law sister-in-law mother-in-law father-in-law
	called named nicknamed`

// stopWordList holds capitalised words that follow a title or cue without being
// a name: "Dr On call", "Nurse Practitioner", "the Dr. She came".
const stopWordList = `a about after again all also am an and another any are as at
	be because been before being both but by can cannot could did do does doing done
	during each either even every for from had has have having he her here hers him
	his how however i if in into is it its just later let me mine my neither no nor
	not now of off on once only onto or other our ours out over per shall she should
	since so some such than that the their theirs them then there these they this
	those though through thus till to today tomorrow tonight too under until up upon
	us very was we were what when where whether which while who whom whose why with
	without would yesterday yet you your yours
	said says say saying came come comes coming went go goes going arrived arrives
	visited visits rang rings phoned phones called calls asked asks told tells
	explained explains saw sees see seen spoke speaks felt feels thought thinks
	knew knows agreed agrees left leaves stayed stays gave gives prescribed
	reviewed reviews suggested suggests wrote writes noted notes noticed helped
	helps sat sits held holds took takes made makes got gets kept keeps tried
	tries wanted wants needed needs hoped hopes offered offers sang sings
	was were is are has had did will
	team rounds round bank practitioner practitioners specialist specialists lead
	leads manager managers associate associates consultant consultants registrar
	registrars fellow doctor doctors nurse nurses gp gps locum student students
	trainee junior senior staff duty night nights day days evening morning
	afternoon weekend office clinic surgery hospice hospital unit
	department service services verification verified charge colleague colleagues
	community district macmillan palliative chaplain chaplaincy support care
	clinical practice patient patients matron sister father mother mum dad son daughter wife
	husband partner brother friend neighbour who's
	monday tuesday wednesday thursday friday saturday sunday
	yes no ok okay please thanks thank hello hi next first last new old good great
	lovely well sadly unfortunately hmm oh ah
	mr mrs ms miss mx dr prof fr rev revd reverend pastor rabbi imam lady sir dame
	switchboard security reception pharmacy ambulance police social adult
	safeguarding emergency urgent out-of-hours ooh continuing health nhs
	english welsh scottish irish british`

// contStopWordList holds words that may be a surname straight after a title
// ("Mrs Ward") but end a name after its first word ("Dr Patel Ward 7").
const contStopWordList = `ward bay bed room side unit floor wing block level
	street road lane avenue close house home hospice hospital surgery`

// particleWords are lower-case words that may sit inside a name before a
// capitalised word: "Dr van der Berg", "Mrs Anna de Souza".
const particleWords = `van von der den de del della di da du la le ter ten bin binti ibn al el`

// setOf returns the set of whitespace-separated words in s.
func setOf(s string) map[string]bool {
	m := make(map[string]bool)
	for _, w := range strings.Fields(s) {
		m[w] = true
	}
	return m
}

// findNames marks names: the one or two capitalised words (with initials
// and particles) after a title or a relation word, names on the team's
// list, and further capitalised uses in the same text of any name word
// found after a title or relation word. The title or relation word itself
// is kept.
func findNames(text string, toks tokens, list *nameList, ss *spanSet) {
	if list != nil {
		findListedNames(text, list, ss)
	}
	words := splitWords(text, make([]word, 0, len(text)/5+1))
	var found []string // name words found after cues
	ti := 0
	for i := 0; i+1 < len(words); i++ {
		// The word's classes: from its token when the word is plain
		// letters, otherwise looked up.
		for ti < len(toks.starts) && toks.starts[ti] < words[i].start {
			ti++
		}
		var f uint16
		if ti < len(toks.starts) && toks.starts[ti] == words[i].start && plainWord(text, words[i]) {
			f = toks.flags[ti]
		} else {
			f = lookupWord(text[words[i].start:words[i].end])
		}
		if f&(lexTitle|lexRelation) == 0 && !twoWordCue(text, words, i) {
			continue
		}
		mode := cueAt(text, words, i, f)
		if mode == notCue {
			continue
		}
		start, end, last := nameAfter(text, words, i, mode)
		if end <= start {
			continue
		}
		ss.add(start, end, Name)
		for k := i + 1; k <= last; k++ {
			w := text[words[k].start:words[k].end]
			if utf8.RuneCountInString(w) < 2 || !isCapitalised(w) || lexHas(w, lexStop|lexContStop|lexRelation) {
				continue
			}
			found = append(found, trimPossessive(w))
		}
		i = last
	}
	if found != nil {
		findRepeatedNames(text, words, found, ss)
	}
}

// plainWord reports whether w is all ASCII letters.
func plainWord(text string, w word) bool {
	for i := w.start; i < w.end; i++ {
		if !isLetterByte(text[i]) {
			return false
		}
	}
	return true
}

// twoWordCue reports whether words[i] ends a two-word cue: "known as",
// "name is", "name was", "names are".
func twoWordCue(text string, words []word, i int) bool {
	if i == 0 {
		return false
	}
	w := text[words[i].start:words[i].end]
	p := text[words[i-1].start:words[i-1].end]
	if !spaceGap(text[words[i-1].end:words[i].start], 1, 2) {
		return false
	}
	switch {
	case strings.EqualFold(w, "as"):
		return strings.EqualFold(p, "known")
	case strings.EqualFold(w, "is"), strings.EqualFold(w, "was"), strings.EqualFold(w, "are"):
		return strings.EqualFold(p, "name") || strings.EqualFold(p, "names")
	}
	return false
}

// cueAt reports whether words[i], whose lexicon classes are f, introduces
// a name.
func cueAt(text string, words []word, i int, f uint16) cueMode {
	w := text[words[i].start:words[i].end]
	if len(w) < 2 || len(w) > 15 {
		return notCue
	}
	if f&lexTitle != 0 {
		if gapOK(text[words[i].end:words[i+1].start], f&lexTitleAbbrev != 0, false) {
			return titleCue
		}
		return notCue
	}
	cue := f&lexRelation != 0 || twoWordCue(text, words, i)
	if cue && gapOK(text[words[i].end:words[i+1].start], false, true) {
		return wordCue
	}
	return notCue
}

// gapOK reports whether the text between a cue and the next word is a
// plain gap: one to three spaces, after a dot for an abbreviated title or a
// comma for a relation word.
func gapOK(gap string, dot, comma bool) bool {
	if dot && strings.HasPrefix(gap, ".") {
		return spaceGap(gap[1:], 0, 3)
	} else if comma && strings.HasPrefix(gap, ",") {
		gap = gap[1:]
	}
	return spaceGap(gap, 1, 3)
}

// spaceGap reports whether gap is between lo and hi spaces, tabs or
// no-break spaces.
func spaceGap(gap string, lo, hi int) bool {
	n := 0
	for _, r := range gap {
		if r != ' ' && r != '\t' && r != '\u00a0' && r != '\u202f' {
			return false
		}
		n++
	}
	return lo <= n && n <= hi
}

// nameAfter reads the name after the cue at words[i]. It returns the byte
// range of the name and the index of its last word; end <= start if there
// is none.
func nameAfter(text string, words []word, i int, mode cueMode) (start, end, last int) {
	start, end, last = words[i+1].start, -1, i
	nWords, nInitials, nParticles := 0, 0, 0
	prevInitial := false
	// A title in capitals ("MS", "MR", "DR") is more often an abbreviation
	// (multiple sclerosis, mitral regurgitation) unless the name is in
	// capitals too ("MRS JONES").
	capsOnly := isAllCaps(text[words[i].start:words[i].end])
	for k := i + 1; k < len(words); k++ {
		if k > i+1 {
			gap := text[words[k-1].end:words[k].start]
			ok := spaceGap(gap, 1, 2)
			if prevInitial {
				ok = ok || gap == "." || strings.HasPrefix(gap, ".") && spaceGap(gap[1:], 1, 2)
			}
			if !ok {
				break
			}
		}
		w := text[words[k].start:words[k].end]
		switch {
		case nWords == 0 && nInitials < 3 && isInitial(w):
			nInitials++
			prevInitial = true
			continue
		case nParticles < 3 && !isCapitalised(w) && lexHas(w, lexParticle):
			nParticles++
			prevInitial = false
			continue
		}
		prevInitial = false
		f := lookupWord(w)
		if !isCapitalised(w) || f&lexStop != 0 || mode == wordCue && isAllCaps(w) || capsOnly && !isAllCaps(w) {
			break
		}
		if nWords > 0 && f&(lexContStop|lexRelation) != 0 || f&lexTitle != 0 {
			break
		}
		nWords++
		trimmed := trimPossessive(w)
		end, last = words[k].start+len(trimmed), k
		if nWords == 2 || len(trimmed) < len(w) {
			break
		}
	}
	if nWords == 0 {
		// Initials alone ("Mrs B."): a name, unless the letter is I or A.
		if nInitials > 0 && mode == titleCue && !capsOnly {
			w := text[words[i+1].start:words[i+1].end]
			if w != "I" && w != "A" {
				return start, words[i+nInitials].end, i + nInitials
			}
		}
		return 0, -1, i
	}
	return start, end, last
}

// isInitial reports whether w is a single capital letter.
func isInitial(w string) bool {
	r, n := utf8.DecodeRuneInString(w)
	return n == len(w) && isCapitalised(w) && r != utf8.RuneError
}

// trimPossessive drops a trailing 's or ’s.
func trimPossessive(w string) string {
	for _, s := range [...]string{"'s", "’s", "'S", "’S"} {
		if len(w) > len(s)+1 && strings.HasSuffix(w, s) {
			return w[:len(w)-len(s)]
		}
	}
	return w
}

// findRepeatedNames marks capitalised words elsewhere in the text that
// equal a name word already found after a title or relation word ("Mrs
// Edith Marsh ... Edith said"). Adjacent ones become one name.
func findRepeatedNames(text string, words []word, found []string, ss *spanSet) {
	start, end := -1, -1
	flush := func() {
		if start >= 0 {
			ss.add(start, end, Name)
		}
		start = -1
	}
	for _, wd := range words {
		w := text[wd.start:wd.end]
		t := trimPossessive(w)
		if !isCapitalised(w) || !equalFoldAny(t, found) || !ss.free(wd.start, wd.start+len(t)) {
			flush()
			continue
		}
		if start >= 0 && spaceGap(text[end:wd.start], 1, 2) {
			end = wd.start + len(t)
		} else {
			flush()
			start, end = wd.start, wd.start+len(t)
		}
		if len(t) < len(w) {
			flush()
		}
	}
	flush()
}

// equalFoldAny reports whether w equals any of list, ignoring case.
func equalFoldAny(w string, list []string) bool {
	for _, x := range list {
		if strings.EqualFold(w, x) {
			return true
		}
	}
	return false
}

// nameList is a team's list of names, ready to search for.
type nameList struct {
	entries  []nameEntry    // longest first
	fallback *regexp.Regexp // entries whose first word is not plain ASCII
}

// nameEntry is one name on the list.
type nameEntry struct {
	first string         // its first word in lower-case ASCII
	re    *regexp.Regexp // the whole name, anchored, any case, any spacing
}

// compileNameList prepares the team's list of names; it returns nil for an
// empty list.
func compileNameList(names []string) (*nameList, error) {
	var nl nameList
	var fallback []string
	sorted := append([]string(nil), names...)
	sort.SliceStable(sorted, func(i, j int) bool { return len(sorted[i]) > len(sorted[j]) })
	for _, n := range sorted {
		f := strings.Fields(n)
		if len(f) == 0 || len(f) == 1 && utf8.RuneCountInString(f[0]) < 2 {
			continue
		}
		first := f[0]
		for i := range f {
			f[i] = regexp.QuoteMeta(f[i])
		}
		pat := strings.Join(f, `[\s\x{00a0}]{1,3}`)
		if !isASCII(first) || len(n) > window/2 {
			fallback = append(fallback, pat)
			continue
		}
		re, err := regexp.Compile(`^(?i)` + pat)
		if err != nil {
			return nil, err
		}
		nl.entries = append(nl.entries, nameEntry{strings.ToLower(first), re})
	}
	if len(fallback) > 0 {
		re, err := regexp.Compile(`(?i)(?:` + strings.Join(fallback, "|") + `)`)
		if err != nil {
			return nil, err
		}
		nl.fallback = re
	}
	if len(nl.entries) == 0 && nl.fallback == nil {
		return nil, nil
	}
	return &nl, nil
}

// isASCII reports whether s is plain ASCII.
func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// lowerASCII returns s with ASCII letters in lower case; other bytes are
// kept, so offsets stay the same.
func lowerASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// findListedNames marks whole-word matches of the team's list.
func findListedNames(text string, nl *nameList, ss *spanSet) {
	if len(nl.entries) > 0 {
		lower := lowerASCII(text)
		for _, e := range nl.entries {
			for i := 0; i < len(lower); {
				j := strings.Index(lower[i:], e.first)
				if j < 0 {
					break
				}
				pos := i + j
				i = pos + 1
				if isWordRune(runeBefore(text, pos)) {
					continue
				}
				if m := matchAt(e.re, text, pos); m != nil && wordBoundaries(text, m[0], m[1]) {
					ss.add(m[0], m[1], Name)
				}
			}
		}
	}
	if nl.fallback == nil {
		return
	}
	for p := 0; p < len(text); {
		m := nl.fallback.FindStringIndex(text[p:])
		if m == nil {
			return
		}
		start, end := p+m[0], p+m[1]
		if end > start && wordBoundaries(text, start, end) && ss.add(start, end, Name) {
			p = end
			continue
		}
		_, w := utf8.DecodeRuneInString(text[start:])
		p = start + w
	}
}
