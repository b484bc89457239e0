package offline

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

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
	nameHole    bool   // the scrubber's placeholder for a name, "[name]"
	bracketed   bool   // inside square brackets: a scrubbed detail ("[NHS number]")
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
	z := &tokenizer{
		d:    &doc{text: text, toks: make([]token, 0, len(text)/5+1)},
		text: text, buf: make([]byte, 0, 32), plain: true,
		start: -1, lastEnd: -1, bufEnd: -1, sentStart: true,
	}
	var prev rune
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		next, _ := utf8.DecodeRuneInString(text[i+size:])
		switch {
		case r == '[' && strings.HasPrefix(text[i:], namePlaceholder):
			z.nameHole(i)
			prev = ']'
			i += len(namePlaceholder)
			continue
		case isApostrophe(r) && z.afterNameHole(i):
			// "[name]'s": a possessive, not a quotation opening.
		case isWordRune(r):
			z.letter(r, i, size)
		case isApostrophe(r) && len(z.buf) > 0:
			z.apostrophe(r, i, size, next)
		default:
			z.flush()
			z.mark(r, prev, next, i)
		}
		prev = r
		i += size
	}
	z.flush()
	z.d.indexSpans()
	z.d.countQuotes()
	return z.d
}

// tokenizer is tokenize's state as it walks the text.
type tokenizer struct {
	d    *doc
	text string
	// buf is the word being read, lower-cased; plain reports that it is
	// the text itself (lower-case ASCII), so that no copy need be made.
	buf                         []byte
	plain                       bool
	start, lastEnd, bufEnd      int // where the word starts, its last letter ends, and buf ends
	sent, clause                int
	pendSent, pendClause        bool // a break seen, taken at the next word
	sentStart                   bool
	inDouble, inCurly, inSingle bool // inside "…", “…”, '…' or ‘…’
	inSquare                    bool // inside […]
}

func isApostrophe(r rune) bool { return r == '\'' || r == '’' }

// letter adds a letter or digit to the word being read.
func (z *tokenizer) letter(r rune, i, size int) {
	if len(z.buf) == 0 {
		z.brk()
		z.start = i
	}
	if r >= 0x80 || 'A' <= r && r <= 'Z' {
		z.plain = false
	}
	z.buf = utf8.AppendRune(z.buf, unicode.ToLower(r))
	z.lastEnd, z.bufEnd = i+size, i+size
}

// apostrophe handles an apostrophe after a letter: inside a word ("mum's",
// "don't") it is kept; a trailing one Words keeps and then trims, and it
// may also close a single-quoted span.
func (z *tokenizer) apostrophe(r rune, i, size int, next rune) {
	if r != '\'' {
		z.plain = false
	}
	z.buf = append(z.buf, '\'')
	z.bufEnd = i + size
	if !isWordRune(next) && z.inSingle {
		z.flush()
		z.inSingle = false
		z.pendClause = true
	}
}

// flush ends the word being read, if any, and adds it as a token.
func (z *tokenizer) flush() {
	if len(z.buf) == 0 {
		return
	}
	var w string
	if z.plain {
		// Already lower-case ASCII: the text itself is the word, and no
		// copy is made.
		w = strings.Trim(z.text[z.start:z.bufEnd], "'")
	} else {
		w = strings.Trim(string(z.buf), "'")
	}
	z.buf = z.buf[:0]
	z.plain = true
	if w == "" {
		z.start = -1
		return
	}
	r0, _ := utf8.DecodeRuneInString(z.text[z.start:])
	z.d.toks = append(z.d.toks, token{
		w: w, start: z.start, end: z.lastEnd, upper: unicode.IsUpper(r0),
		sentStart: z.sentStart, sent: z.sent, clause: z.clause,
		quoted: z.inDouble || z.inCurly || z.inSingle, bracketed: z.inSquare,
	})
	z.sentStart = false
	z.start = -1
}

// namePlaceholder is what the scrubber leaves where it took out a name
// (scrub's doc): stored answers are read with their names so replaced.
const namePlaceholder = "[name]"

// nameHole adds the scrubber's placeholder for a name at i as one word,
// "name" as Words gives it, standing where a name stood: "my [name]" and
// "[name] had been up with him" are read as "my Albert" and "Pat had been
// up with him" are (names.go), and the brackets break no clause.
func (z *tokenizer) nameHole(i int) {
	z.flush()
	z.brk()
	z.d.toks = append(z.d.toks, token{
		w: "name", start: i, end: i + len(namePlaceholder), upper: true,
		sentStart: z.sentStart, sent: z.sent, clause: z.clause,
		quoted: z.inDouble || z.inCurly || z.inSingle, nameHole: true,
	})
	z.sentStart = false
}

// afterNameHole reports whether i is just after a name placeholder.
func (z *tokenizer) afterNameHole(i int) bool {
	n := len(z.d.toks)
	return len(z.buf) == 0 && n > 0 && z.d.toks[n-1].nameHole && z.d.toks[n-1].end == i
}

// brk takes a pending sentence or clause break, before the next word.
func (z *tokenizer) brk() {
	if z.pendSent {
		if len(z.d.toks) > 0 {
			z.sent++
			z.clause++
		}
		z.sentStart = true
	} else if z.pendClause && len(z.d.toks) > 0 {
		z.clause++
	}
	z.pendSent, z.pendClause = false, false
}

// A markKind is what a mark between words does.
type markKind uint8

const (
	markNothing  markKind = iota
	markSentence          // ends a sentence
	markQuestion          // ends a sentence that asks something
	markClause            // ends a clause
)

// marks are the marks that always break a sentence or a clause; '.', '-',
// '+' and quotation marks depend on what is around them (mark).
var marks = map[rune]markKind{
	'!': markSentence, ';': markSentence, '\n': markSentence, ':': markSentence, '?': markQuestion,
	',': markClause, '(': markClause, ')': markClause, '[': markClause, ']': markClause, '/': markClause,
	'–': markClause, '—': markClause, '|': markClause, '•': markClause, '*': markClause, '>': markClause,
	'<': markClause, '=': markClause,
}

// mark handles a character that is not part of a word.
func (z *tokenizer) mark(r, prev, next rune, i int) {
	switch r {
	case '[':
		z.inSquare = true
	case ']':
		z.inSquare = false
	}
	switch marks[r] {
	case markQuestion:
		z.d.question = true
		z.pendSent = true
		return
	case markSentence:
		// Not the colon of a time ("called 02:10 by wife"): "spelling is
		// not substance", and a time is not the end of a sentence.
		if r == ':' && unicode.IsDigit(prev) && unicode.IsDigit(next) {
			z.pendClause = true
			return
		}
		z.pendSent = true
		return
	case markClause:
		z.pendClause = true
		return
	}
	switch r {
	case '.':
		// Not the point of a decimal ("2.5mg").
		if !(unicode.IsDigit(prev) && unicode.IsDigit(next)) {
			z.pendSent = true
		}
	case '-':
		// A dash between spaces, or a double hyphen; not a hyphen.
		if prev == ' ' || next == ' ' || prev == '-' || next == '-' {
			z.pendClause = true
		}
	case '+':
		z.plus(prev, next, i)
	default:
		z.quote(r, next)
	}
}

// plus keeps "++" (note form for "a lot of") as a marker word of its own,
// and notes a "+1".
func (z *tokenizer) plus(prev, next rune, i int) {
	if next != '+' && prev != '+' {
		if next == '1' {
			z.d.plusOne = true
		}
		return
	}
	if prev != '+' {
		z.brk()
		z.d.toks = append(z.d.toks, token{w: "plusplus", s: "plusplus", start: i, end: i + 2,
			sent: z.sent, clause: z.clause, synthetic: true})
	}
}

// quote opens or closes a quoted span, which also breaks a clause.
func (z *tokenizer) quote(r, next rune) {
	switch r {
	case '"':
		z.inDouble = !z.inDouble
	case '“':
		z.inCurly = true
	case '”':
		z.inCurly = false
	case '‘':
		z.inSingle = true
	case '\'', '’':
		// An apostrophe that is not inside a word opens or closes a
		// single-quoted span.
		if !z.inSingle && isWordRune(next) {
			z.inSingle = true
		} else if z.inSingle {
			z.inSingle = false
		}
	default:
		return
	}
	z.pendClause = true
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
