package concepts

import (
	"fmt"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/kljensen/snowball/english"
)

// maxGap is how many words ".." in a cue may pass over.
const maxGap = 4

// negationReach is how many words before a cue a negation still denies it.
const negationReach = 3

// token is one word of an answer.
type token struct {
	start, end int    // byte offsets in the text
	norm       string // lower case, apostrophes dropped
	stem       string
	sent       int  // sentence number
	clause     int  // clause number (across the text)
	hole       bool // a scrubber's placeholder ("[name]"): never part of a theme
}

// element is one word of a cue: a literal (matched by its lower-case form
// or its stem) or a prefix ("exhaust*"), optionally after a gap ("..").
type element struct {
	key    string // lower case, apostrophes dropped
	stem   string // "" when the word is too short to stem safely
	prefix bool
	gap    bool // up to maxGap words may come before this one
}

// cue is a compiled cue: one or more parts, all found in one sentence.
// A weak cue ("~word") is a word with other common senses: it finds its
// theme only beside another of the theme's cues in the same answer.
type cue struct {
	raw   string
	weak  bool
	parts [][]element
}

func compileCue(raw string) (cue, error) {
	c := cue{raw: raw}
	body := raw
	if rest, ok := strings.CutPrefix(strings.TrimSpace(raw), "~"); ok {
		c.weak, body = true, rest
	}
	for _, part := range strings.Split(body, "+") {
		fields := strings.Fields(part)
		var els []element
		gap := false
		for _, f := range fields {
			if f == ".." {
				if len(els) == 0 || gap {
					return c, fmt.Errorf(`".." must stand between two words`)
				}
				gap = true
				continue
			}
			e := element{gap: gap}
			gap = false
			if strings.HasSuffix(f, "*") {
				e.prefix = true
				f = strings.TrimSuffix(f, "*")
			}
			words := splitWords(f)
			if len(words) == 0 {
				return c, fmt.Errorf("%q has no letters or digits", f)
			}
			if e.prefix && (len(words) > 1 || utf8.RuneCountInString(words[0]) < 4) {
				return c, fmt.Errorf("a prefix (word*) must be one word of at least 4 letters")
			}
			// "j.i.c" or "end-of-life" are several words in the text too.
			for k, w := range words {
				el := e
				if k > 0 {
					el.gap = false
				}
				el.key = w
				if !el.prefix {
					el.stem = stemOf(w)
				}
				els = append(els, el)
			}
		}
		if gap {
			return c, fmt.Errorf(`".." must stand between two words`)
		}
		if len(els) == 0 {
			return c, fmt.Errorf("an empty part")
		}
		c.parts = append(c.parts, els)
	}
	return c, nil
}

// splitWords splits a cue word the way text is split into tokens.
func splitWords(s string) []string {
	var out []string
	for _, t := range tokenize(s) {
		if !t.hole {
			out = append(out, t.norm)
		}
	}
	return out
}

var stems sync.Map

// stemOf is the Porter2 stem of a lower-case word of four letters or more;
// shorter words ("sd", "dn", "ooh", "pet") are matched as they are.
func stemOf(w string) string {
	if utf8.RuneCountInString(w) < 4 {
		return ""
	}
	if s, ok := stems.Load(w); ok {
		return s.(string)
	}
	s := english.Stem(w, false)
	stems.Store(w, s)
	return s
}

func (e element) matches(t *token) bool {
	switch {
	case t.hole:
		return false
	case e.prefix:
		return strings.HasPrefix(t.norm, e.key)
	case t.norm == e.key:
		return true
	case len(e.stem) >= 4 && t.stem == e.stem:
		// Stems of four letters or more: "carers" is "carer", but "weds"
		// is not "wedding" (both stem to "wed").
		return true
	default:
		// A short word's plural: "pets", "cats", "dns".
		return plural(t.norm, e.key) || plural(e.key, t.norm)
	}
}

// clauseWords end a clause where they stand: what follows may say the
// opposite of what came before.
var clauseWords = map[string]bool{"but": true, "although": true, "though": true, "however": true, "whereas": true, "yet": true}

// negators deny what follows them in their clause. "Won't" and "can't" are
// not among them: refusing night sitters or not coping are themes.
var negators = map[string]bool{
	"no": true, "not": true, "nil": true, "nor": true, "never": true, "without": true,
	"denies": true, "denied": true, "deny": true, "none": true, "nothing": true,
	"isnt": true, "wasnt": true, "arent": true, "werent": true, "dont": true,
	"doesnt": true, "didnt": true, "hasnt": true, "havent": true, "hadnt": true,
}

// tokenize splits text into words with their sentence and clause numbers.
// A sentence ends at . ! ? ; or a line break (a full stop only when a space
// or the end follows and it does not close a single letter, as in "j.i.c"
// or "e.g."); a clause also ends at , : brackets, dashes and words such as
// "but". A scrubber's placeholder in square brackets is one token, a hole.
func tokenize(text string) []token {
	t := tokenizer{text: text}
	for t.i < len(text) {
		r, size := utf8.DecodeRuneInString(text[t.i:])
		switch {
		case r == '[' && t.hole():
			continue
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			t.word()
			continue
		default:
			t.punct(r, size)
		}
		t.i += size
	}
	return t.toks
}

// tokenizer is tokenize's state: where it is in the text, and the
// sentence and clause it is in.
type tokenizer struct {
	text         string
	i            int
	toks         []token
	sent, clause int
}

func (t *tokenizer) last() *token {
	if len(t.toks) == 0 {
		return nil
	}
	return &t.toks[len(t.toks)-1]
}

// endSentence starts a new sentence (and clause), unless nothing was said
// in this one.
func (t *tokenizer) endSentence() {
	if l := t.last(); l != nil && l.sent == t.sent {
		t.sent++
		t.clause++
	}
}

// endClause starts a new clause, unless nothing was said in this one.
func (t *tokenizer) endClause() {
	if l := t.last(); l != nil && l.clause == t.clause {
		t.clause++
	}
}

// hole takes a scrubber's placeholder ("[name]") at t.i as one token, and
// reports whether there was one.
func (t *tokenizer) hole() bool {
	j := strings.IndexByte(t.text[t.i:], ']')
	if j <= 0 || j >= 40 {
		return false
	}
	t.toks = append(t.toks, token{start: t.i, end: t.i + j + 1, sent: t.sent, clause: t.clause, hole: true, norm: "\x00"})
	t.i += j + 1
	return true
}

// word takes the word at t.i, in lower case, an apostrophe inside it
// dropped ("won't" → "wont").
func (t *tokenizer) word() {
	text, start := t.text, t.i
	var b strings.Builder
	for t.i < len(text) {
		r, size := utf8.DecodeRuneInString(text[t.i:])
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(unicode.ToLower(r))
			t.i += size
			continue
		}
		if r == '\'' || r == '’' {
			if n, _ := utf8.DecodeRuneInString(text[t.i+size:]); t.i+size < len(text) && unicode.IsLetter(n) {
				t.i += size
				continue
			}
		}
		break
	}
	norm := b.String()
	if clauseWords[norm] {
		t.endClause()
	}
	t.toks = append(t.toks, token{start: start, end: t.i, norm: norm, stem: stemOf(norm), sent: t.sent, clause: t.clause})
}

// punct ends a sentence or a clause where the character r at t.i does.
func (t *tokenizer) punct(r rune, size int) {
	switch r {
	case '.':
		next, _ := utf8.DecodeRuneInString(t.text[t.i+size:])
		l := t.last()
		single := l != nil && l.end == t.i && l.end-l.start == 1
		if (t.i+size >= len(t.text) || unicode.IsSpace(next)) && !single {
			t.endSentence()
		}
	case '!', '?', ';', '\n':
		t.endSentence()
	case ',', ':', '(', ')', '–', '—':
		t.endClause()
	case '-':
		// A dash between spaces parts clauses; a hyphen joins words.
		if t.i > 0 && t.text[t.i-1] == ' ' {
			t.endClause()
		}
	}
}

// span is one place a cue or exclusion matched: its tokens' indexes.
type span []int

// matchPart finds a part of a cue starting at token i, within its
// sentence; it returns the tokens matched.
func matchPart(toks []token, i int, els []element) (span, bool) {
	if !els[0].matches(&toks[i]) {
		return nil, false
	}
	got := span{i}
	at := i
	for _, e := range els[1:] {
		reach := 1
		if e.gap {
			reach = maxGap + 1
		}
		found := -1
		for j := at + 1; j <= at+reach && j < len(toks) && toks[j].sent == toks[i].sent; j++ {
			if !e.gap && toks[j].clause != toks[at].clause {
				break // side by side means within one clause: not "nightly, DN"
			}
			if e.matches(&toks[j]) {
				found = j
				break
			}
		}
		if found < 0 {
			return nil, false
		}
		got = append(got, found)
		at = found
	}
	return got, true
}

// negated reports whether a negation stands shortly before token i in its
// clause ("no concerns re carers", "not in pain", "denies pain").
func negated(toks []token, i int) bool {
	for j := i - 1; j >= 0 && j >= i-negationReach; j-- {
		if toks[j].clause != toks[i].clause {
			return false
		}
		if negators[toks[j].norm] {
			return true
		}
	}
	return false
}

// findCue returns where a cue matches in token i's sentence, its first
// part starting at token i (for a cue of several parts, the other parts
// anywhere in the sentence), or nil. With denied set, a part that a
// negation stands before does not match (cues); without, it does
// (exclusions hold negated or not). seen, when not nil, remembers where
// the other parts were found in each sentence, so that a text saying a
// cue's first part many times looks for the others once per sentence.
func findCue(toks []token, i int, c *cue, denied bool, seen partsSeen) span {
	first, ok := matchPart(toks, i, c.parts[0])
	if !ok || denied && negated(toks, i) {
		return nil
	}
	all := append(span(nil), first...)
	for k, p := range c.parts[1:] {
		key := partKey{cue: c, part: k, sent: toks[i].sent, denied: denied}
		got, ok := seen[key]
		if !ok {
			got = findPart(toks, toks[i].sent, p, denied)
			if seen != nil {
				seen[key] = got
			}
		}
		if got == nil {
			return nil
		}
		all = append(all, got...)
	}
	return all
}

// findPart is the first place part p matches in sentence sent, or nil.
func findPart(toks []token, sent int, p []element, denied bool) span {
	for j := range toks {
		if toks[j].sent != sent {
			continue
		}
		if m, ok := matchPart(toks, j, p); ok && !(denied && negated(toks, j)) {
			return m
		}
	}
	return nil
}

// partsSeen remembers, in one text, where each cue's later parts were
// found in each sentence (nil: not found).
type partsSeen map[partKey]span

type partKey struct {
	cue    *cue
	part   int
	sent   int
	denied bool
}

// exclusions are where a theme's exclusions hold in one text: the
// sentences holding a many-part exclusion (which excludes every match in
// its sentence), and the words a one-part exclusion covers (which exclude
// a match that shares one). Made once for each theme a text matches, so
// that a text with a cue said many times (a long answer, or a word
// repeated) costs a pass over it per exclusion, not one per match.
type exclusions struct {
	sentences map[int]bool
	covered   []bool
}

// exclusionsOf finds where t's exclusions hold in toks.
func exclusionsOf(toks []token, t *Theme, seen partsSeen) *exclusions {
	x := &exclusions{}
	for k := range t.excludes {
		ex := &t.excludes[k]
		for j := range toks {
			if len(ex.parts) > 1 {
				if (x.sentences == nil || !x.sentences[toks[j].sent]) && findCue(toks, j, ex, false, seen) != nil {
					if x.sentences == nil {
						x.sentences = map[int]bool{}
					}
					x.sentences[toks[j].sent] = true
				}
				continue
			}
			got, ok := matchPart(toks, j, ex.parts[0])
			if !ok {
				continue
			}
			if x.covered == nil {
				x.covered = make([]bool, len(toks))
			}
			for w := got[0]; w <= got[len(got)-1]; w++ {
				x.covered[w] = true
			}
		}
	}
	return x
}

// excludes reports whether an exclusion of the theme covers a word of m:
// an exclusion of one part covers the words from its first to its last; one
// of several parts, found in m's sentence, covers the whole sentence.
func (x *exclusions) excludes(toks []token, m span) bool {
	if x.sentences[toks[m[0]].sent] {
		return true
	}
	if x.covered == nil {
		return false
	}
	for _, w := range m {
		if x.covered[w] {
			return true
		}
	}
	return false
}

// plural reports whether w is base with "s" or "es" added.
func plural(w, base string) bool {
	if !strings.HasPrefix(w, base) {
		return false
	}
	rest := w[len(base):]
	return rest == "s" || rest == "es"
}
