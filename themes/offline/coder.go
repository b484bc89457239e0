package offline

import (
	"strings"
	"sync"
	"sync/atomic"
	"unicode"
	"unicode/utf8"

	"whatmatters/flows"
)

var (
	sharedLexOnce sync.Once
	sharedLex     *lexicon
)

// theLexicon compiles the lexicon once per process: it is read-only after.
func theLexicon() *lexicon {
	sharedLexOnce.Do(func() { sharedLex = compileLexicon() })
	return sharedLex
}

// stemCache remembers the stems of words already seen: stemming is most of
// the cost of coding an answer, and a team's vocabulary is small. It stops
// growing at stemCacheMax words, so a flood of odd text cannot fill memory.
var (
	stemCache     sync.Map
	stemCacheSize atomic.Int64
)

const stemCacheMax = 200_000

// cachedStem is Stem, remembered.
func cachedStem(w string) string {
	if s, ok := stemCache.Load(w); ok {
		return s.(string)
	}
	s := Stem(w)
	if stemCacheSize.Load() < stemCacheMax {
		// A clone, so the cache does not keep the whole answer's text.
		if _, loaded := stemCache.LoadOrStore(strings.Clone(w), s); !loaded {
			stemCacheSize.Add(1)
		}
	}
	return s
}

// token is one word of an answer, as themes.Words would give it, with where
// it sits in the text and what the lexicon says of it.
type token struct {
	w, s        string // the lower-case word, and its stem
	start, end  int    // byte offsets of the word in the text
	upper       bool   // written with a capital letter
	sentStart   bool   // first word of its sentence
	sent        int    // sentence index
	clause      int    // clause index (clauses split sentences at commas, brackets, dashes)
	quoted      bool   // inside quotation marks
	synthetic   bool   // not a word of Words ("++" kept as a marker)
	cat         lexCat // categories of every lexicon entry covering the word, as the directions read them
	all         lexCat // the same, before quoted words lose their record categories (for tags)
	name        bool   // a capitalised word the lexicon does not know: likely a name
	wishSpan    bool   // inside a wish of several words ("stay at home")
	familyCarer bool   // inside a family-carer entry of several words ("main carer")
}

// doc is one answer, tokenised and matched against the lexicon.
type doc struct {
	text       string
	toks       []token
	clauses    [][2]int // token index range [from, to) of each clause
	clauseOf   []int    // sentence index of each clause
	sentences  [][2]int // token index range of each sentence
	quoteWords int      // words inside quotation marks of two words or more
	question   bool     // the answer asks something
	meta       bool     // a meta reply: skip, ditto, +1
	plusOne    bool
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// tokenize splits text into words exactly as Words does (letters and
// digits, apostrophes inside words kept), and also records where each word
// is, which sentence and clause it is in, and whether it is quoted.
func tokenize(text string) *doc {
	d := &doc{text: text, toks: make([]token, 0, len(text)/5+1)}
	buf := make([]byte, 0, 32)
	plain := true
	start, lastEnd, bufEnd := -1, -1, -1
	sent, clause := 0, 0
	pendSent, pendClause := false, false
	sentStart := true
	inDouble, inCurly, inSingle := false, false, false
	var prev rune
	flush := func() {
		if len(buf) == 0 {
			return
		}
		var w string
		if plain {
			// Already lower-case ASCII: the text itself is the word, and
			// no copy is made.
			w = strings.Trim(text[start:bufEnd], "'")
		} else {
			w = strings.Trim(string(buf), "'")
		}
		buf = buf[:0]
		plain = true
		if w == "" {
			start = -1
			return
		}
		r0, _ := utf8.DecodeRuneInString(text[start:])
		d.toks = append(d.toks, token{
			w: w, start: start, end: lastEnd, upper: unicode.IsUpper(r0),
			sentStart: sentStart, sent: sent, clause: clause,
			quoted: inDouble || inCurly || inSingle,
		})
		sentStart = false
		start = -1
	}
	brk := func() {
		if pendSent {
			if len(d.toks) > 0 {
				sent++
				clause++
			}
			sentStart = true
		} else if pendClause && len(d.toks) > 0 {
			clause++
		}
		pendSent, pendClause = false, false
	}
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		next, _ := utf8.DecodeRuneInString(text[i+size:])
		switch {
		case isWordRune(r):
			if len(buf) == 0 {
				brk()
				start = i
			}
			if r >= 0x80 || 'A' <= r && r <= 'Z' {
				plain = false
			}
			buf = utf8.AppendRune(buf, unicode.ToLower(r))
			lastEnd, bufEnd = i+size, i+size
		case (r == '\'' || r == '’') && len(buf) > 0 && isWordRune(next):
			// An apostrophe inside a word ("mum's", "don't").
			if r != '\'' {
				plain = false
			}
			buf = append(buf, '\'')
			bufEnd = i + size
		case (r == '\'' || r == '’') && len(buf) > 0:
			// Trailing apostrophe: Words keeps it and then trims it; it may
			// also close a single-quoted span.
			if r != '\'' {
				plain = false
			}
			buf = append(buf, '\'')
			bufEnd = i + size
			if inSingle && (r == '’' || r == '\'') && !isWordRune(next) {
				flush()
				inSingle = false
				pendClause = true
			}
		default:
			flush()
			switch r {
			case '.':
				if !(unicode.IsDigit(prev) && unicode.IsDigit(next)) {
					pendSent = true
				}
			case '!', '?', ';', '\n', ':':
				pendSent = true
				if r == '?' {
					d.question = true
				}
			case ',', '(', ')', '[', ']', '/', '–', '—', '|', '•', '*', '>', '<', '=':
				pendClause = true
			case '-':
				if prev == ' ' || next == ' ' || prev == '-' || next == '-' {
					pendClause = true
				}
			case '+':
				if next == '+' || prev == '+' {
					if prev != '+' {
						brk()
						d.toks = append(d.toks, token{w: "plusplus", s: "plusplus", start: i, end: i + 2,
							sent: sent, clause: clause, synthetic: true})
					}
				} else if next == '1' {
					d.plusOne = true
				}
			case '"':
				inDouble = !inDouble
				pendClause = true
			case '“':
				inCurly = true
				pendClause = true
			case '”':
				inCurly = false
				pendClause = true
			case '‘':
				inSingle = true
				pendClause = true
			case '\'', '’':
				// An apostrophe that is not inside a word opens or closes a
				// single-quoted span.
				if !inSingle && isWordRune(next) {
					inSingle = true
				} else if inSingle {
					inSingle = false
				}
				pendClause = true
			}
		}
		prev = r
		i += size
	}
	flush()
	d.indexSpans()
	d.countQuotes()
	return d
}

// indexSpans records the token ranges of clauses and sentences.
func (d *doc) indexSpans() {
	for i := 0; i < len(d.toks); {
		j := i
		for j < len(d.toks) && d.toks[j].clause == d.toks[i].clause {
			j++
		}
		d.clauses = append(d.clauses, [2]int{i, j})
		d.clauseOf = append(d.clauseOf, d.toks[i].sent)
		for k := i; k < j; k++ {
			d.toks[k].clause = len(d.clauses) - 1
		}
		i = j
	}
	for i := 0; i < len(d.toks); {
		j := i
		for j < len(d.toks) && d.toks[j].sent == d.toks[i].sent {
			j++
		}
		d.sentences = append(d.sentences, [2]int{i, j})
		for k := i; k < j; k++ {
			d.toks[k].sent = len(d.sentences) - 1
		}
		i = j
	}
	for ci := range d.clauseOf {
		d.clauseOf[ci] = d.toks[d.clauses[ci][0]].sent
	}
}

// countQuotes counts words in quoted runs of at least two words: a single
// quoted word is more often a label ("home") than speech.
func (d *doc) countQuotes() {
	run := 0
	for i, t := range d.toks {
		if t.quoted && !t.synthetic {
			run++
		}
		if !t.quoted || i == len(d.toks)-1 || !d.toks[i+1].quoted {
			if run >= 2 {
				d.quoteWords += run
			}
			run = 0
		}
	}
}

// analyse tokenises text and matches it against the lexicon: every entry
// that matches inside one clause adds its categories to the words it covers.
func analyse(lx *lexicon, text string) *doc {
	d := tokenize(text)
	for i := range d.toks {
		t := &d.toks[i]
		if !t.synthetic {
			t.s = cachedStem(t.w)
		}
	}
	for i := range d.toks {
		t := &d.toks[i]
		if t.synthetic {
			t.cat |= cProblem
			continue
		}
		matched := false
		for _, es := range [2][]lexEntry{lx.byFirst[t.s], lx.byExact[t.w]} {
			for _, e := range es {
				if d.matchAt(i, e.keys) {
					matched = true
					cat := e.cat
					// "with her mum's death": after "with", a possessive
					// names whose the next thing is, not who keeps the
					// person company.
					if cat&cSupport != 0 && d.possessiveOf(i+len(e.keys)-1) {
						cat &^= cSupport
					}
					for k := i; k < i+len(e.keys); k++ {
						d.toks[k].cat |= cat
						if len(e.keys) > 1 && cat&cWish != 0 {
							d.toks[k].wishSpan = true
						}
						if len(e.keys) > 1 && cat&cFamilyCarer != 0 {
							d.toks[k].familyCarer = true
						}
					}
				}
			}
		}
		if hasDigit(t.w) {
			t.cat |= cNumber
			if isAgeSex(t.w) {
				t.cat |= cClinical
			}
			continue
		}
		if !matched && t.cat == 0 {
			if c := lx.fuzzyCat(t.s, t.w); c != 0 {
				t.cat |= c &^ (cFunction | cGeneric)
			}
		}
	}
	for i := range d.toks {
		t := &d.toks[i]
		if t.upper && !t.sentStart && t.cat == 0 && !t.quoted {
			t.name = true
		}
		// "to stay at home", "be with the dog": words of a wish say what
		// the person wants, not who helps them.
		if t.wishSpan {
			t.cat &^= cSupport
		}
		// "making sure his wife is looked after": a support word in the
		// passive, with no "by" saying who helps, makes its subject the
		// one helped.
		if t.cat&cSupport != 0 && d.passiveSupport(i) {
			for k := i; k < len(d.toks) && d.toks[k].clause == t.clause && d.toks[k].cat&cSupport != 0; k++ {
				d.toks[k].cat &^= cSupport
			}
		}
		// "the men from the shed" are people of their community; "the
		// ladies from the agency" are a service.
		if t.cat&cPerson != 0 && t.w == "from" && i+1 < len(d.toks) {
			for k := i + 1; k < len(d.toks) && k <= i+3 && d.toks[k].clause == t.clause; k++ {
				if d.toks[k].cat&lexServices != 0 {
					for j := i; j >= 0 && j >= i-2 && d.toks[j].cat&cPerson != 0; j-- {
						d.toks[j].cat &^= cPerson
					}
					break
				}
			}
		}
		// "her main carer", "he's her carer": a relative caring, not a
		// paid service.
		if t.familyCarer {
			t.cat &^= cService | cPaidCarer
		}
		// "carer's assessment" is support for those close, not a test.
		if t.cat&cBereave != 0 {
			t.cat &^= cAssess
		}
		// "compassionate neighbours", "good neighbours scheme": a
		// community resource, not the person's own neighbours.
		if t.cat&cCommRes != 0 {
			t.cat &^= cPerson
		}
		// "Father Tom" is a priest.
		if t.w == "father" && t.upper && i+1 < len(d.toks) && d.toks[i+1].upper && d.toks[i+1].cat == 0 {
			t.cat = t.cat&^cPerson | cCommRes
		}
		// "on the ward", "home from the hospital": a place, not help put
		// forward.
		if t.cat&cService != 0 && placeServices[t.s] && d.locative(i) {
			t.cat = t.cat&^(cService|cReactive) | cHome
		}
		// "the young dad on our caseload", "this lady": a relation word
		// after a patient word is the patient, not someone in their life.
		if i > 0 && t.cat&lexOwnLife != 0 && d.toks[i-1].cat&cPatient != 0 && i <= 3 {
			t.cat = t.cat&^lexOwnLife | cPatient
		}
		t.all = t.cat
		if t.quoted {
			t.cat &^= lexQuoteMasked
		}
	}
	d.meta = isMeta(d)
	return d
}

// placeServices are services that are also places: after "on the",
// "in", "from the" they say where someone is, not what helps.
var placeServices = map[string]bool{
	"ward": true, "hospit": true, "hosp": true, "amu": true, "sau": true, "hospic": true, "ipu": true,
}

// locative reports whether word i follows a preposition of place ("on the
// ward", "from hospital", "in the hospice").
func (d *doc) locative(i int) bool {
	for k := i - 1; k >= 0 && k >= i-2; k-- {
		switch d.toks[k].w {
		case "on", "in", "from", "at", "onto":
			return true
		case "the", "a":
			continue
		}
		return false
	}
	return false
}

// possessiveOf reports whether word i is a possessive ("mum's") followed,
// in its clause, by a word that is not a person: "her mum's death" is
// about the death.
func (d *doc) possessiveOf(i int) bool {
	if i+1 >= len(d.toks) || d.toks[i+1].clause != d.toks[i].clause {
		return false
	}
	w := d.toks[i].w
	if !strings.HasSuffix(w, "'s") {
		return false
	}
	next := &d.toks[i+1]
	if next.synthetic || hasDigit(next.w) {
		return false
	}
	// Matching runs word by word, so the next word's categories may be
	// incomplete: look it up on its own.
	lx := theLexicon()
	c := lx.single[cachedStem(next.w)]
	for _, e := range lx.byExact[next.w] {
		if len(e.keys) == 1 {
			c |= e.cat
		}
	}
	return c&(cPerson|cPet|cFunction|cNegate) == 0 && !strings.HasSuffix(next.w, "ing")
}

// matchAt reports whether the entry keys match the words from i on, inside
// one clause.
func (d *doc) matchAt(i int, keys []string) bool {
	if i+len(keys) > len(d.toks) {
		return false
	}
	c := d.toks[i].clause
	for k, key := range keys {
		t := d.toks[i+k]
		if t.clause != c || t.synthetic {
			return false
		}
		if strings.HasPrefix(key, "=") {
			if key[1:] != t.w {
				return false
			}
		} else if key != t.s {
			return false
		}
	}
	return true
}

func hasDigit(w string) bool {
	for i := range len(w) {
		if w[i] >= '0' && w[i] <= '9' {
			return true
		}
	}
	return false
}

// isAgeSex reports note-form age and sex ("85m", "72f", "85yo").
func isAgeSex(w string) bool {
	n := 0
	for n < len(w) && w[n] >= '0' && w[n] <= '9' {
		n++
	}
	if n == 0 || n > 3 {
		return false
	}
	switch w[n:] {
	case "m", "f", "yo", "yrs", "yr", "y":
		return true
	}
	return false
}

// metaWords are the words a meta reply is made of: it says nothing about
// the person, only about answering ("skip", "will add later", "ditto").
var metaWords = map[string]bool{
	"skip": true, "skipping": true, "skipped": true, "pass": true, "later": true, "will": true,
	"add": true, "adding": true, "tbc": true, "tba": true, "n": true, "a": true, "na": true,
	"ditto": true, "same": true, "as": true, "above": true, "see": true, "agree": true,
	"agreed": true, "with": true, "to": true, "me": true, "i": true, "i'll": true, "ill": true,
	"nothing": true, "no": true, "comment": true, "comments": true, "not": true, "yet": true,
	"come": true, "back": true, "this": true, "that": true, "it": true, "here": true, "1": true,
	"fill": true, "in": true, "more": true, "when": true, "can": true, "have": true, "time": true,
	"what": true, "said": true, "sam": true, "ok": true, "okay": true, "thanks": true, "thx": true,
	"sorry": true, "busy": true, "update": true, "tomorrow": true, "tmrw": true, "soon": true,
	"else": true, "from": true, "on": true, "the": true, "and": true, "for": true, "now": true,
	"x": true, "yes": true, "yep": true, "ta": true, "cheers": true, "get": true, "round": true,
	"bit": true, "after": true, "first": true, "one": true, "previous": true, "so": true, "do": true,
	"he": true, "she": true, "they": true, "exactly": true, "totally": true, "completely": true,
	"echo": true, "seconded": true, "second": true, "thought": true, "my": true, "thoughts": true,
	"too": true, "also": true, "all": true, "of": true, "is": true, "are": true, "be": true,
}

// metaCore are the words that make a reply meta, not merely short.
var metaCore = map[string]bool{
	"skip": true, "skipping": true, "skipped": true, "pass": true, "later": true, "tbc": true,
	"tba": true, "ditto": true, "same": true, "above": true, "agree": true, "agreed": true,
	"nothing": true, "echo": true, "seconded": true, "na": true,
}

// metaPhrases mark a reply about answering rather than an answer.
var metaPhrases = []string{
	" will add ", " i'll add ", " ill add ", " add more ", " add later ", " add after ", " add when ",
	" don't know yet ", " dont know yet ", " do not know yet ", " not met ", " haven't met ",
	" nothing really ", " nothing to add ", " nothing much ", " same as above ", " as above ",
	" first visit tomorrow ", " will update ", " update later ", " more later ",
}

func wordList(ts []token) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.w
	}
	return out
}

// isMeta recognises replies about answering rather than answers: "skip",
// "will add later", "+1 to Sam", "ditto", "n/a".
func isMeta(d *doc) bool {
	n := 0
	for i := range d.toks {
		if !d.toks[i].synthetic {
			n++
		}
	}
	if n == 0 {
		return true
	}
	if n > 10 {
		return false
	}
	words := make([]token, 0, n)
	for _, t := range d.toks {
		if !t.synthetic {
			words = append(words, t)
		}
	}
	core, unknown := 0, 0
	for _, t := range words {
		if t.cat&(cPerson|cNOK|cPet|cCommunity|cService|cClinical|cMed|cForm|cIntervention|cWish|cLiveWell) != 0 && !metaWords[t.w] {
			return false
		}
		switch {
		case metaCore[t.w]:
			core++
		case metaWords[t.w]:
		default:
			unknown++
		}
	}
	if d.plusOne && len(words) <= 6 && core+unknown <= 3 {
		return true
	}
	// "will add later", "I'll add more after MDT", "don't know yet, first
	// visit tomorrow", "nothing really, it went well": about answering, not
	// an answer.
	text := " " + strings.Join(wordList(words), " ") + " "
	for _, p := range metaPhrases {
		if strings.Contains(text, p) && len(words) <= 10 {
			for _, t := range words {
				if t.cat&(lexOwnLife|lexServices|cClinical|cPatient|cReactive|cAssess|cWish|cStrain|cForm|cLiveWell|cComfort|cTickbox) != 0 {
					return false
				}
			}
			return true
		}
	}
	if len(words) == 2 && words[0].w == "n" && words[1].w == "a" {
		return true
	}
	return core > 0 && unknown <= 1 && len(words) <= 8
}

// Categories that mark words of the record register, and words of
// everyday description.
const (
	lexOwnLife    = cPerson | cPet | cCommunity | cFamilyCarer
	lexServices   = cService | cIntervention | cMed
	lexRecord     = cService | cIntervention | cMed | cForm | cClinical | cReactive | cAssess | cChrono | cTickbox | cNumber | cNOK | cPaidCarer | cLabel | cPatient
	lexDescribing = cSupport | cStrain | cLiveWell | cHistory | cHistoryWeak | cMoment | cRelCare | cWish | cExperience
	// lexNonDescribing are words that say nothing about someone by
	// themselves: who they are (labels), what is done to them, function
	// words.
	lexNonDescribing = lexOwnLife | cNOK | cPlace | cBereave | lexServices | cForm | cClinical | cLabel | cProblem | cGeneric | cNumber |
		cTickbox | cReactive | cAssess | cDay | cNegate | cTeam | cPaidCarer | cChrono | cFunction | cSeq | cIntent | cFix |
		cVoice | cCommRes | cPatient | cHome | cUnsure
	// lexQuoteMasked are categories a quoted word does not bring to the
	// directions: an ambulance in "I'll leave in a box, not an ambulance"
	// is the person's voice, not a service put forward.
	lexQuoteMasked = lexServices | cClinical | cReactive | cAssess | cChrono | cForm | cPlan | cIntent | cTickbox |
		cNumber | cLabel | cRefuse | cWentWrong | cFix | cPatient | cHypothetical | cLesson
)

// coreFunction are pronouns, articles and auxiliaries: the words note form
// leaves out. An answer with none of them is written in note form.
var coreFunction = map[string]bool{
	"he": true, "she": true, "they": true, "i": true, "we": true, "you": true, "it": true,
	"him": true, "her": true, "them": true, "his": true, "their": true, "its": true, "my": true,
	"our": true, "your": true, "me": true, "us": true, "the": true, "a": true, "an": true,
	"is": true, "was": true, "were": true, "are": true, "be": true, "been": true, "has": true,
	"had": true, "have": true, "do": true, "does": true, "did": true, "will": true, "would": true,
	"could": true, "should": true, "can": true, "may": true, "might": true, "must": true,
	"she's": true, "he's": true, "it's": true, "they're": true, "i'm": true, "we're": true,
	"she'd": true, "he'd": true, "i'd": true, "we'd": true, "they'd": true, "i've": true,
	"we've": true, "they've": true, "she'll": true, "he'll": true, "i'll": true, "we'll": true,
	"im": true, "ive": true, "hes": true, "shes": true, "theyre": true, "thats": true,
	"that's": true, "there's": true, "this": true, "who": true, "whose": true,
}

// descriptive reports whether a word says something about someone: a
// bond, a state, a habit, their history. Labels, services, clinical words
// and speech verbs do not, nor do names or quoted words.
func (t *token) descriptive() bool {
	if t.synthetic || t.name || t.cat&(lexOwnLife|cNOK|cFunction|cLabel) != 0 {
		return false
	}
	if t.cat&lexDescribing != 0 {
		return true
	}
	return t.cat&lexNonDescribing == 0 && !hasDigit(t.w) && len(t.w) > 2 && !countWords[t.w]
}

// countWords say how many, not what someone is like: "two sons" is
// still a bare label.
var countWords = map[string]bool{
	"one": true, "two": true, "three": true, "four": true, "five": true, "six": true, "seven": true,
	"eight": true, "nine": true, "ten": true, "both": true, "several": true, "few": true,
}

// clauseFacts is what one clause holds.
type clauseFacts struct {
	ownLife, place, nok, negPeople bool
	descr, label, problem, support bool
	strain, bereave, service       bool
	refuse, fix, relCare, commRes  bool
	history, nobodyInSentence      bool
	warmth                         bool // more than a problem: a state, history, a moment
}

func (d *doc) clauseInfo(ci int) clauseFacts {
	var c clauseFacts
	from, to := d.clauses[ci][0], d.clauses[ci][1]
	for i := from; i < to; i++ {
		t := &d.toks[i]
		if t.cat&lexOwnLife != 0 {
			if d.negated(i) {
				c.negPeople = true
			} else {
				c.ownLife = true
			}
		}
		if t.cat&cPlace != 0 {
			c.place = true
		}
		if t.cat&cNOK != 0 {
			if d.negated(i) {
				c.negPeople = true
			} else {
				c.nok = true
			}
		}
		if t.descriptive() {
			c.descr = true
		}
		c.label = c.label || t.cat&cLabel != 0
		c.problem = c.problem || t.cat&cProblem != 0
		if t.cat&cSupport != 0 && !d.negated(i) {
			c.support = true
		}
		c.strain = c.strain || t.cat&cStrain != 0
		c.bereave = c.bereave || t.cat&cBereave != 0
		c.service = c.service || t.cat&lexServices != 0 && !d.negated(i)
		c.refuse = c.refuse || t.cat&cRefuse != 0 || t.cat&lexServices != 0 && d.negated(i)
		c.fix = c.fix || t.cat&(cFix|cIntent) != 0
		c.relCare = c.relCare || t.cat&cRelCare != 0
		c.commRes = c.commRes || t.cat&cCommRes != 0 && !d.negated(i)
		c.history = c.history || t.cat&(cHistory|cHistoryWeak) != 0
		c.warmth = c.warmth || t.cat&(cStrain|cHistory|cMoment|cLiveWell|cRelCare|cExperience) != 0
	}
	s := d.sentences[d.clauseOf[ci]]
	for i := s[0]; i < s[1]; i++ {
		if d.toks[i].cat&cNobody != 0 {
			c.nobodyInSentence = true
		}
	}
	return c
}

// negated reports whether word i follows a negation in its clause ("no
// family", "no NOK", "couldn't be with him").
func (d *doc) negated(i int) bool {
	c := d.toks[i].clause
	for k := i - 1; k >= 0 && k >= i-3; k-- {
		if d.toks[k].clause != c {
			return false
		}
		if d.toks[k].cat&cNegate != 0 {
			return true
		}
	}
	return false
}

// feats are the answer-level facts the decision rules read.
type feats struct {
	has    lexCat // every category present, quoted words' record categories left out
	hasAll lexCat // every category present, quoted words included (for tags)

	nWords, nContent, nCore, nRecord int

	ownLife       bool // someone from the person's own life, not negated
	namedOwnLife  bool // someone from their own life named as more than a bare label
	clearPerson   bool // a clear instance: someone with something about them
	problemPerson bool // a relative described only as a problem
	negPeople     bool // "no family", "no NOK"
	nobody        bool // "nobody", "lives alone", "on his own"
	supportPerson bool // someone from their own life gives help, care or company
	communitySrc  bool // a community resource put forward (befriending, the vicar)
	relCare       bool // care given as a relationship
	serviceHelp   bool // a service, intervention or medicine put forward as help
	serviceAny    bool
	failing       bool // services refused, failing, or a care failure told
	fixOutside    bool // a fix or plan outside the failing clauses
	strainPerson  bool // how someone close is doing

	voice, moment, history, experience bool
	chronology, telegraphic            bool
	mostlyRecord                       bool
	tickboxRuns                        int
	formPlan                           bool // a form named as done or planned
	strongPlan, lesson, hypothetical   bool
	wish, teamTalk, unsure             bool

	personState    int // clinical words about the person, events that happened to them
	clinical       int
	reactive       int
	events         int
	services       int
	assess         int
	clinicalInTeam int // clinical and patient words alone (for team-centred stages)
}

func (d *doc) features() feats {
	var f feats
	for i := range d.toks {
		t := &d.toks[i]
		if t.synthetic {
			continue
		}
		f.has |= t.cat
		f.hasAll |= t.all
		f.nWords++
		if coreFunction[t.w] {
			f.nCore++
		}
		if t.cat&(cFunction|cNegate) == 0 {
			f.nContent++
			if t.cat&lexRecord != 0 && t.cat&(lexDescribing|lexOwnLife) == 0 {
				f.nRecord++
			}
		}
		neg := d.negated(i)
		if t.cat&cClinical != 0 && !neg {
			f.clinical++
		}
		if t.cat&(cClinical|cPatient) != 0 && !neg {
			f.clinicalInTeam++
		}
		if t.cat&(cReactive|cAssess) != 0 {
			f.reactive++
		}
		if t.cat&cAssess != 0 {
			f.assess++
		}
		if t.cat&cChrono != 0 && (i == 0 || d.toks[i-1].cat&cChrono == 0) {
			f.events++
		}
		if t.cat&lexServices != 0 && !neg {
			f.services++
		}
		if t.cat&(cClinical|cPatient|cChrono|cAssess) != 0 && !neg || t.cat&cReactive != 0 && t.cat&cService != 0 {
			f.personState++
		}
		if t.cat&cTickbox != 0 && (i == 0 || d.toks[i-1].cat&cTickbox == 0) {
			f.tickboxRuns++
		}
	}

	infos := make([]clauseFacts, len(d.clauses))
	for ci := range d.clauses {
		infos[ci] = d.clauseInfo(ci)
	}
	anyHelp := false
	for ci, c := range infos {
		if c.ownLife {
			f.ownLife = true
			if !c.nok && !c.label && !(c.problem && !c.warmth) {
				f.namedOwnLife = true
			}
		}
		if c.negPeople {
			f.negPeople = true
		}
		problemOnly := c.problem && !c.warmth
		if c.ownLife && problemOnly {
			f.problemPerson = true
		}
		clear := false
		if (c.ownLife || c.place) && !problemOnly {
			switch {
			case c.descr:
				clear = c.ownLife || d.placeWithPeople(ci)
			case c.ownLife && !c.label && ci+1 < len(infos):
				// "His wife Irene, married 60 yrs": the clause after a bare
				// name may say what the person is to them.
				n := infos[ci+1]
				near := d.clauseOf[ci+1] == d.clauseOf[ci] || d.clauses[ci][1]-d.clauses[ci][0] <= 4
				if near && !n.ownLife && n.descr && !n.service && !(n.problem && !n.warmth) {
					clear = true
				}
			}
		}
		if clear {
			f.clearPerson = true
		}
		if (c.ownLife || c.place) && c.support && !problemOnly && !(c.nobodyInSentence && !d.nobodyApart(ci)) {
			f.supportPerson = true
		}
		if c.ownLife && d.clauseHas(ci, cFamilyCarer) && (c.descr || d.clauseFamilyCarer(ci)) {
			f.supportPerson = true
		}
		if c.ownLife && (c.strain || c.bereave) {
			f.strainPerson = true
		}
		// "dtr does everything. She's shattered": the state may follow in
		// the same sentence, or the next one, about her.
		if c.ownLife && d.sentenceStrain(d.clauseOf[ci]) {
			f.strainPerson = true
		}
		// "husband (not coping, bad back)": the state may follow in the
		// next clause of the sentence.
		if c.ownLife && ci+1 < len(infos) && d.clauseOf[ci+1] == d.clauseOf[ci] && !infos[ci+1].ownLife && infos[ci+1].strain {
			f.strainPerson = true
		}
		if c.relCare {
			f.relCare = true
		}
		if c.commRes && !c.refuse && (c.descr || c.fix || c.support || d.sentenceHasOther(ci)) {
			f.communitySrc = true
		}
		if c.refuse {
			f.failing = true
		} else if c.fix {
			f.fixOutside = true
		}
		if c.service && !c.history && !c.refuse {
			anyHelp = true
		}
		if c.service {
			f.serviceAny = true
		}
	}
	// "they help her to the loo": a support verb after "they" when people
	// from their own life are named.
	if f.ownLife && !f.supportPerson {
		for i := 1; i < len(d.toks); i++ {
			if d.toks[i].cat&cSupport == 0 || d.negated(i) || d.clauseHas(d.toks[i].clause, lexServices) {
				continue
			}
			if d.toks[i-1].w == "they" || i+1 < len(d.toks) && d.toks[i+1].w == "them" && d.toks[i+1].clause == d.toks[i].clause {
				f.supportPerson = true
			}
		}
	}
	// "Church is where all her friends are. They've been bringing
	// flowers round": a sentence whose subject is "they", after people
	// from their own life, says what those people do.
	if f.ownLife && !f.supportPerson {
		for si, s := range d.sentences {
			if si == 0 || s[0] >= s[1] || !theyWords[d.toks[s[0]].w] || !d.sentenceOwnLife(si-1) {
				continue
			}
			for i := s[0]; i < s[1]; i++ {
				if d.toks[i].cat&cSupport != 0 && !d.negated(i) && !d.clauseHas(d.toks[i].clause, lexServices) {
					f.supportPerson = true
				}
			}
		}
	}
	// "to watch the cricket with his nephew": company with someone from
	// their own life.
	for i := range d.toks {
		if d.toks[i].w != "with" || d.negated(i) {
			continue
		}
		for k := i + 1; k < len(d.toks) && k <= i+2 && d.toks[k].clause == d.toks[i].clause; k++ {
			if d.toks[k].cat&cPerson != 0 && d.toks[k].cat&cGeneric == 0 && !d.clauseHas(d.toks[i].clause, cPlan|cForm|cLabel|cProblem|cHistory|cChrono) {
				f.supportPerson = true
			}
		}
	}
	f.serviceHelp = anyHelp
	f.nobody = f.has&cNobody != 0
	f.voice = d.speech() || d.hasVoice()
	f.moment = d.hasMoment()
	f.history = f.has&cHistory != 0
	f.experience = f.has&cExperience != 0
	f.formPlan = d.formPlanned()
	f.strongPlan = d.planOutsideForms()
	f.lesson = f.has&cLesson != 0
	f.hypothetical = f.has&cHypothetical != 0
	f.wish = d.hasWish()
	f.teamTalk = f.has&cTeam != 0
	f.unsure = f.has&cUnsure != 0

	f.telegraphic = f.nWords >= 2 && f.nCore == 0 || f.nWords >= 8 && float64(f.nCore) < 0.08*float64(f.nWords)
	f.mostlyRecord = f.nRecord >= 2 && float64(f.nRecord) >= 0.5*float64(f.nContent)
	if f.nContent <= 2 && f.nRecord == f.nContent && f.nRecord > 0 {
		f.mostlyRecord = true
	}
	dates := 0
	for i := range d.toks {
		if d.toks[i].cat&(cDay|cNumber) != 0 {
			dates++
		}
	}
	f.chronology = f.events >= 2 || f.events >= 1 && dates >= 2 && f.has&(cSeq|cDay) != 0
	return f
}

// sentenceStrain reports a word of how someone close is doing in sentence
// si, or at the start of the next sentence after a pronoun ("She's
// shattered").
func (d *doc) sentenceStrain(si int) bool {
	s := d.sentences[si]
	for i := s[0]; i < s[1]; i++ {
		if d.toks[i].cat&cStrain != 0 {
			return true
		}
	}
	if si+1 < len(d.sentences) {
		n := d.sentences[si+1]
		if n[0] < n[1] {
			switch d.toks[n[0]].w {
			case "she", "he", "they", "she's", "he's", "they're", "shes", "hes":
				for i := n[0]; i < n[1] && i <= n[0]+3; i++ {
					if d.toks[i].cat&cStrain != 0 {
						return true
					}
				}
			}
		}
	}
	return false
}

// nobodyApart reports that the sentence's words of isolation ("lives
// alone") sit in another clause than ci and do not follow it: "lives
// alone, the owner takes her a fish supper" still says who helps.
func (d *doc) nobodyApart(ci int) bool {
	s := d.sentences[d.clauseOf[ci]]
	for i := s[0]; i < s[1]; i++ {
		if d.toks[i].cat&cNobody != 0 && (d.toks[i].clause == ci || i >= d.clauses[ci][1] || d.toks[i].cat&cNegate != 0) {
			return false
		}
	}
	return true
}

// passiveSupport reports a support word at i told in the passive ("is
// looked after", "being cared for") with no "by" after it in the clause.
func (d *doc) passiveSupport(i int) bool {
	if i == 0 || !strings.HasSuffix(d.toks[i].w, "ed") && d.toks[i].w != "fed" {
		return false
	}
	switch d.toks[i-1].w {
	case "is", "be", "being", "been", "are", "was", "were", "gets", "get", "got", "is't":
	default:
		return false
	}
	for k := i + 1; k < len(d.toks) && d.toks[k].clause == d.toks[i].clause; k++ {
		if d.toks[k].w == "by" {
			return false
		}
	}
	return true
}

// theyWords open a sentence about people named before.
var theyWords = map[string]bool{"they": true, "they've": true, "they're": true, "they'd": true, "theyve": true, "theyre": true}

// sentenceOwnLife reports someone from the person's own life, not negated,
// in sentence si.
func (d *doc) sentenceOwnLife(si int) bool {
	s := d.sentences[si]
	for i := s[0]; i < s[1]; i++ {
		if d.toks[i].cat&lexOwnLife != 0 && !d.negated(i) {
			return true
		}
	}
	return false
}

// clauseFamilyCarer reports a family-carer entry of several words ("main
// carer") in clause ci: with someone from their own life in the clause, a
// relative is shown caring.
func (d *doc) clauseFamilyCarer(ci int) bool {
	for i := d.clauses[ci][0]; i < d.clauses[ci][1]; i++ {
		if d.toks[i].familyCarer && !d.negated(i) {
			return true
		}
	}
	return false
}

// clauseHas reports whether clause ci holds a word of the category.
func (d *doc) clauseHas(ci int, cat lexCat) bool {
	for i := d.clauses[ci][0]; i < d.clauses[ci][1]; i++ {
		if d.toks[i].cat&cat != 0 {
			return true
		}
	}
	return false
}

// placeWithPeople reports whether a place of community life in clause ci
// comes with its people ("the pub her parents ran"): a place alone is
// context, not a relationship.
func (d *doc) placeWithPeople(ci int) bool {
	return d.clauseHas(ci, lexOwnLife|cHistory)
}

// sentenceHasOther reports whether the sentence of clause ci has more than
// a list of names: a verb or description somewhere.
func (d *doc) sentenceHasOther(ci int) bool {
	s := d.sentences[d.clauseOf[ci]]
	for i := s[0]; i < s[1]; i++ {
		t := &d.toks[i]
		if t.descriptive() || t.cat&(cSupport|cIntent|cWish) != 0 {
			return true
		}
	}
	return false
}

// formPlanned reports a form named as done, in place or to be done: not
// negated ("no ACP", "not PPD"), not in a clause telling a failure ("OOH
// couldn't find a ReSPECT form"), and not only saying who someone is
// ("son is LPA").
func (d *doc) formPlanned() bool {
	for i := range d.toks {
		t := &d.toks[i]
		if t.cat&cForm == 0 || d.negated(i) {
			continue
		}
		if d.clauseHas(t.clause, cRefuse|cWentWrong) {
			continue
		}
		if (t.w == "lpa" || t.w == "lpoa" || t.w == "attorney") && d.clauseHas(t.clause, cPerson|cNOK) {
			continue
		}
		return true
	}
	return false
}

// planOutsideForms reports a plan word that is not itself a form (forms
// are judged by formPlanned).
func (d *doc) planOutsideForms() bool {
	for i := range d.toks {
		t := &d.toks[i]
		if t.cat&cPlan != 0 && t.cat&cForm == 0 {
			return true
		}
	}
	return false
}

// speech reports quoted words that are someone's speech, not scare quotes:
// a quote of one word, or a short quote right after an article ("the
// 'right moment'"), is a label.
func (d *doc) speech() bool {
	for i := 0; i < len(d.toks); {
		if !d.toks[i].quoted || d.toks[i].synthetic {
			i++
			continue
		}
		j := i
		for j < len(d.toks) && d.toks[j].quoted {
			j++
		}
		n := j - i
		scare := false
		if i > 0 && n <= 3 {
			switch d.toks[i-1].w {
			case "the", "a", "an", "our", "this", "that", "their", "so", "called":
				scare = true
			}
		}
		if n >= 2 && !scare {
			return true
		}
		i = j
	}
	return false
}

// hasVoice finds the person's or a relative's own words: speech verbs not
// said by a professional or by the writer's team.
func (d *doc) hasVoice() bool {
	for i := range d.toks {
		t := &d.toks[i]
		if t.cat&cVoice == 0 {
			continue
		}
		ok := true
		for k := i - 1; k >= 0 && k >= i-2 && d.toks[k].clause == t.clause; k-- {
			u := &d.toks[k]
			if u.cat&(cService|cForm) != 0 && u.cat&lexOwnLife == 0 || u.w == "we" || u.w == "we've" || u.w == "i" || u.w == "i've" || u.w == "we'd" {
				ok = false
			}
		}
		if ok {
			return true
		}
	}
	return false
}

// pastWords are common past-tense verbs a "when" clause tells a moment
// with; words ending in -ed count too.
var pastWords = map[string]bool{
	"went": true, "came": true, "saw": true, "brought": true, "held": true, "sat": true,
	"said": true, "told": true, "got": true, "was": true, "were": true, "took": true,
	"gave": true, "made": true, "found": true, "heard": true, "had": true, "met": true,
	"left": true, "ran": true, "sang": true, "began": true, "knew": true, "thought": true,
	"felt": true, "wore": true, "put": true, "rang": true, "drove": true, "stood": true,
	"walked": true, "arrived": true, "visited": true, "asked": true, "opened": true,
}

// hasMoment finds a particular moment or scene: a moment marker in a
// sentence that is not mostly record, or a "when" clause told in the past.
func (d *doc) hasMoment() bool {
	for _, s := range d.sentences {
		rec, content := 0, 0
		moment := false
		for i := s[0]; i < s[1]; i++ {
			t := &d.toks[i]
			if t.cat&cFunction == 0 {
				content++
				if t.cat&lexRecord != 0 && t.cat&(lexDescribing|lexOwnLife) == 0 {
					rec++
				}
			}
			if t.cat&cMoment != 0 {
				moment = true
			}
			if t.cat&cWhen != 0 && d.whenPast(i, s[1]) {
				moment = true
			}
		}
		if moment && !(rec >= 2 && rec*3 >= content*2) {
			return true
		}
	}
	return false
}

// whenPast reports whether "when" at i opens a clause told in the past
// ("when his grandson brought the baby in"), not a condition ("when she
// deteriorates"), a question ("what to do when"), or a time of life ("when
// she was young" is history).
func (d *doc) whenPast(i, end int) bool {
	if i > 0 {
		switch d.toks[i-1].w {
		case "knew", "know", "knows", "do", "to", "what", "about", "ask", "asked", "remember", "or":
			return false
		}
	}
	for k := i + 1; k < end && k <= i+5; k++ {
		t := &d.toks[k]
		if t.cat&(cHypothetical|cClinical|cReactive|cChrono) != 0 || t.w == "will" || t.w == "comes" || t.w == "needs" {
			return false
		}
		if k == i+1 && (t.w == "something" || t.w == "anything" || t.w == "it" || t.w == "things") {
			return false
		}
		if t.w == "was" && k+1 < end && (d.toks[k+1].w == "young" || d.toks[k+1].w == "little" || d.toks[k+1].w == "a") {
			return false
		}
		if pastWords[t.w] || (strings.HasSuffix(t.w, "ed") && len(t.w) > 4) {
			return true
		}
	}
	return false
}

// hasWish finds something the person or their family wants, not the team.
func (d *doc) hasWish() bool {
	for i := range d.toks {
		t := &d.toks[i]
		if t.all&cWish == 0 {
			continue
		}
		if t.quoted {
			return true
		}
		team := false
		for k := i - 1; k >= 0 && k >= i-2 && d.toks[k].clause == t.clause; k-- {
			u := d.toks[k]
			if u.w == "we" || u.w == "i" || u.w == "team" || u.cat&cService != 0 && u.cat&lexOwnLife == 0 {
				team = true
			}
		}
		if !team {
			return true
		}
	}
	return false
}

// personStage reports stages that ask about the person (what matters,
// why, who is around, what we hoped for): there a plan is rare, and an
// answer that only describes the person is off the subject of planning.
func personStage(stage string) bool {
	switch stage {
	case "what_matters", "why", "whos_around", "hoped":
		return true
	}
	return false
}

// teamStage reports stages that ask about the team's own work (looking
// ahead, why the difference, what we learn): there a clinical word is
// usually the object of a team action, not a description of the person.
func teamStage(stage string) bool {
	switch stage {
	case "looking_ahead", "difference", "learn":
		return true
	}
	return false
}

// decide applies the codebook's decision rules to one analysed answer.
func decide(d *doc, stage string) flows.Codes {
	c := flows.Codes{Relationships: flows.None, Stories: flows.None, Community: flows.None, Anticipation: flows.None}
	if d.meta {
		return c
	}
	f := d.features()
	c.Relationships = relationships(d, &f, stage)
	c.Stories = stories(d, &f, stage)
	c.Community = community(d, &f, stage)
	c.Anticipation = anticipation(d, &f, stage)
	c.Capabilities = capabilities(d, &f, stage)
	return c
}

// relationships: seeing the person in isolation (away) or through the
// people and context around them (toward).
func relationships(d *doc, f *feats, stage string) flows.Label {
	switch stage {
	case "whos_around":
		// Naming people from their own life as around them is enough;
		// naming only services, bare labels, or "nobody" sees no one.
		if f.clearPerson || f.namedOwnLife {
			return flows.Toward
		}
		if f.serviceAny || f.negPeople || f.nobody || f.has&(cNOK|cPaidCarer) != 0 || f.ownLife {
			return flows.Away
		}
		return flows.None
	case "those_close":
		if f.clearPerson {
			return flows.Toward
		}
		if f.serviceAny || f.has&(cBereave|cLabel|cNOK|cTickbox) != 0 || f.ownLife || f.negPeople || f.nobody {
			return flows.Away
		}
		return flows.None
	}
	if f.clearPerson {
		return flows.Toward
	}
	if (stage == "what_matters" || stage == "hoped") && f.namedOwnLife {
		return flows.Toward
	}
	if f.problemPerson {
		return flows.Away
	}
	// The person described in their own words, a moment, their history or
	// what they enjoy is not seen "only as a patient".
	if f.voice || f.moment || f.history || f.experience || f.has&(cLiveWell|cRelCare) != 0 {
		return flows.None
	}
	if teamStage(stage) {
		if f.clinicalInTeam > 0 {
			return flows.Away
		}
		return flows.None
	}
	if f.personState > 0 {
		return flows.Away
	}
	if !f.teamTalk && !d.question && (f.services >= 2 || f.ownLife && f.serviceAny || f.tickboxRuns > 0 && f.nContent <= 4 && f.has&(cLabel|cNOK) != 0) {
		return flows.Away
	}
	return flows.None
}

// stories: recording facts (away) or telling stories (toward).
func stories(d *doc, f *feats, stage string) flows.Label {
	if f.voice || f.moment || f.history || f.experience {
		return flows.Toward
	}
	if f.chronology || f.mostlyRecord || f.tickboxRuns >= 2 {
		return flows.Away
	}
	if f.tickboxRuns >= 1 && f.nContent <= 4 {
		return flows.Away
	}
	if f.telegraphic && f.nRecord >= 1 && f.nContent >= 2 {
		return flows.Away
	}
	return flows.None
}

// community: help located in services (away) or in relationships and
// community (toward).
func community(d *doc, f *feats, stage string) flows.Label {
	if stage == "whos_around" {
		if f.supportPerson || f.communitySrc || d.ownLifeAround() {
			return flows.Toward
		}
		if f.serviceHelp {
			return flows.Away
		}
		return flows.None
	}
	if f.supportPerson || f.communitySrc || f.relCare {
		return flows.Toward
	}
	if stage == "those_close" && f.clearPerson && f.has&cSupport != 0 {
		return flows.Toward
	}
	// Services named only as refused or failing put nothing forward.
	if f.serviceHelp && !(f.failing && !f.fixOutside) {
		return flows.Away
	}
	return flows.None
}

// ownLifeAround reports someone from the person's own life named as around
// them, outside a sentence that says they are gone or estranged.
func (d *doc) ownLifeAround() bool {
	for ci := range d.clauses {
		c := d.clauseInfo(ci)
		if c.ownLife && !c.nobodyInSentence && !c.nok && !(c.problem && !c.warmth) {
			return true
		}
	}
	return false
}

// anticipation: reacting to what happened (away) or planning ahead and
// learning together (toward).
func anticipation(d *doc, f *feats, stage string) flows.Label {
	toward := f.formPlan || f.strongPlan || f.lesson
	if personStage(stage) {
		switch {
		case toward:
			return flows.Toward
		case f.reactive > 0 || f.clinical >= 3:
			return flows.Away
		}
		return flows.None
	}
	intent := f.has&(cIntent|cFix) != 0
	if f.hypothetical && intent && f.reactive == 0 {
		toward = true
	}
	if f.has&cEarly != 0 && !f.failing && (f.lesson || f.has&cReason != 0 || intent) {
		toward = true
	}
	switch stage {
	case "learn":
		if (intent || f.has&(cReason|cEarly) != 0) && !f.unsure {
			toward = true
		}
	case "difference":
		if f.has&cReason != 0 && !f.failing {
			toward = true
		}
	case "looking_ahead":
		if intent && f.reactive == 0 && !f.unsure {
			toward = true
		}
	case "those_close", "on_your_mind":
		if f.has&cIntentStrong != 0 && f.reactive == 0 && !f.unsure {
			toward = true
		}
	}
	if toward {
		return flows.Toward
	}
	storyish := f.voice || f.moment
	switch {
	case storyish && f.reactive <= 1 && f.clinical == 0 && !f.failing && !f.chronology:
		return flows.None
	case f.reactive > 0 || f.chronology || f.clinical >= 1:
		return flows.Away
	case f.failing && (f.serviceAny || f.events > 0):
		return flows.Away
	case f.events > 0 || f.has&(cMed|cIntervention) != 0 && f.tickboxRuns > 0:
		// Care events told as they came ("SD set up Tuesday, settled since").
		return flows.Away
	}
	return flows.None
}

// capabilities tags what the answer speaks to, met, missed or planned.
func capabilities(d *doc, f *feats, stage string) []string {
	var out []string
	add := func(tag string, ok bool) {
		if ok {
			out = append(out, tag)
		}
	}
	add("recognise", d.recognises())
	add("what_matters", stage == "what_matters" || stage == "hoped" || f.wish ||
		stage == "why" && (f.voice || f.history || f.experience || f.nWords >= 8 && f.personState == 0))
	add("live_well", f.hasAll&cLiveWell != 0 && stage != "those_close")
	add("anticipate", f.hasAll&(cForm|cPlan) != 0 || d.hasStem("plan"))
	add("comfort", f.hasAll&cComfort != 0)
	add("those_close", f.strainPerson || f.hasAll&cBereave != 0 && d.strongBereave() ||
		stage == "those_close" && (f.ownLife || f.hasAll&cBereave != 0))
	return out
}

// recognises reports words about the last phase of life, leaving out a
// fear of it ("not scared of dying") and a process named as its object
// ("monitor for deterioration").
func (d *doc) recognises() bool {
	for i := range d.toks {
		if d.toks[i].all&cRecognise == 0 {
			continue
		}
		if i > 0 && (d.toks[i-1].w == "of" || d.toks[i-1].w == "for") {
			continue
		}
		return true
	}
	return false
}

// hasStem reports whether any word of the answer has the stem.
func (d *doc) hasStem(s string) bool {
	for i := range d.toks {
		if d.toks[i].s == s {
			return true
		}
	}
	return false
}

// strongBereave reports bereavement and carer-support words that speak to
// those close by themselves.
func (d *doc) strongBereave() bool {
	for i := range d.toks {
		t := &d.toks[i]
		if t.all&cBereave != 0 && t.all&cService == 0 {
			return true
		}
	}
	return false
}
