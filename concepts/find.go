package concepts

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Hit is one theme found in an answer: the theme, the cue that found it,
// and where its words are in the text (byte offsets, [Start, End)): the
// words of the cue's first part, for a cue of several.
type Hit struct {
	Theme string
	Cue   string
	Start int
	End   int
	// Places is how many different places in the answer the theme's plain
	// cues matched (matches sharing no word); 0 for a theme found by weak
	// cues alone.
	Places int
	// Passing says the theme is named in passing in an answer about
	// something else (see passing): the answer speaks to it, but is weak
	// evidence of it.
	Passing bool
}

// indexKey is the key a cue is indexed under by its first word: its stem
// where that is long enough to match by (see matches), else the word.
func (e element) indexKey() string {
	if len(e.stem) >= 4 {
		return e.stem
	}
	return e.key
}

// Find returns the themes an answer's text speaks to, each once, in the
// catalogue's order, with the first place it is said (preferring a sentence
// with no scrubbed detail in it, which makes a better quote).
func (c *Catalogue) Find(text string) []Hit {
	toks := tokenize(text)
	if len(toks) == 0 {
		return nil
	}
	holes := map[int]bool{}
	for _, t := range toks {
		if t.hole {
			holes[t.sent] = true
		}
	}
	best := make(map[int]Hit)      // theme index → hit
	bestHole := make(map[int]bool) // whether the kept hit's sentence has a hole
	weak := map[int][]Hit{}        // theme index → hits of its weak cues
	seen := map[cueRef]bool{}
	places := map[int][]span{}
	excl := map[int]*exclusions{} // theme index → where its exclusions hold
	parts := partsSeen{}
	try := func(ref cueRef, i int) {
		t := &c.Themes[ref.theme]
		cu := &t.cues[ref.cue]
		m := findCue(toks, i, cu, true, parts)
		if m == nil {
			return
		}
		x := excl[ref.theme]
		if x == nil {
			x = exclusionsOf(toks, t, parts)
			excl[ref.theme] = x
		}
		if x.excludes(toks, m) {
			return
		}
		if !cu.weak {
			places[ref.theme] = append(places[ref.theme], m)
		}
		// The words of the cue's first part, which are side by side (or a
		// gap apart): the other parts may be anywhere in the sentence.
		first := m[:len(cu.parts[0])]
		h := Hit{Theme: t.ID, Cue: cu.raw, Start: toks[first[0]].start, End: toks[first[len(first)-1]].end}
		if cu.weak {
			weak[ref.theme] = append(weak[ref.theme], h)
			return
		}
		hole := holes[toks[i].sent]
		if old, ok := best[ref.theme]; ok {
			// Keep the earlier one unless this one is in a clean sentence
			// and the kept one is not.
			if !(bestHole[ref.theme] && !hole) && old.Start <= h.Start {
				return
			}
		}
		best[ref.theme], bestHole[ref.theme] = h, hole
	}
	for i := range toks {
		if toks[i].hole {
			continue
		}
		clear(seen)
		norm := toks[i].norm
		for _, key := range [4]string{norm, toks[i].stem, strings.TrimSuffix(norm, "s"), strings.TrimSuffix(norm, "es")} {
			if key == "" {
				continue
			}
			for _, ref := range c.index[key] {
				if !seen[ref] {
					seen[ref] = true
					try(ref, i)
				}
			}
		}
		for _, ref := range c.prefixed[prefixKey(norm)] {
			try(ref, i)
		}
	}
	corroborate(best, weak)
	if len(best) == 0 {
		return nil
	}
	out := make([]Hit, 0, len(best))
	for i := range c.Themes {
		if h, ok := best[i]; ok {
			h.Places = countPlaces(places[i])
			out = append(out, h)
		}
	}
	markPassing(toks, out)
	return out
}

// corroborate counts a theme found only by weak cues when two different
// weak cues of it were found in the answer, on different words: "stairs" alone is a staircase,
// "stairs" beside "commode" is getting the home ready. The first weak hit
// stands for it.
func corroborate(best map[int]Hit, weak map[int][]Hit) {
	for th, hits := range weak {
		if _, ok := best[th]; ok {
			continue
		}
		for _, h := range hits[1:] {
			// A different cue on different words: "painful" is one word,
			// whether "~pain" or "~painful" found it.
			if h.Cue != hits[0].Cue && (h.End <= hits[0].Start || h.Start >= hits[0].End) {
				first := hits[0]
				for _, o := range hits {
					if o.Start < first.Start {
						first = o
					}
				}
				best[th] = first
				break
			}
		}
	}
}

// maxQuoteWords is the longest quote kept whole; a longer sentence is cut to
// the clauses around the theme's words.
const maxQuoteWords = 40

// Quote is a span of an answer's text to quote for a hit: the sentence that
// carries it, or when that is long, the clauses around it. A cut never
// falls inside brackets or quotation marks. CutBefore and CutAfter say
// where text was left out, for an ellipsis.
type Quote struct {
	Text                string
	Start, End          int
	CutBefore, CutAfter bool
}

// QuoteFor returns the quote for the words at [start, end) of text.
func QuoteFor(text string, start, end int) Quote {
	toks := tokenize(text)
	at := -1
	for i, t := range toks {
		if t.end > start {
			at = i
			break
		}
	}
	if at < 0 {
		return Quote{}
	}
	sent := toks[at].sent
	first, last := at, at
	for first > 0 && toks[first-1].sent == sent {
		first--
	}
	for last+1 < len(toks) && toks[last+1].sent == sent {
		last++
	}
	lo, hi := first, last
	if last-first+1 > maxQuoteWords {
		// The clauses around the theme's words, widened a clause at a time
		// while they stay short.
		endTok := at
		for endTok+1 <= last && toks[endTok+1].start < end {
			endTok++
		}
		lo, hi = at, endTok
		for lo > first && toks[lo-1].clause == toks[at].clause {
			lo--
		}
		for hi < last && toks[hi+1].clause == toks[endTok].clause {
			hi++
		}
		for hi-lo+1 < maxQuoteWords/2 && (lo > first || hi < last) {
			if lo > first {
				c := toks[lo-1].clause
				for lo > first && toks[lo-1].clause == c {
					lo--
				}
			}
			if hi < last {
				c := toks[hi+1].clause
				for hi < last && toks[hi+1].clause == c {
					hi++
				}
			}
		}
	}
	qs, qe := spanEdges(text, toks[lo].start, toks[hi].end)
	return Quote{
		Text:      text[qs:qe],
		Start:     qs,
		End:       qe,
		CutBefore: lo > first,
		CutAfter:  hi < last,
	}
}

// spanEdges widens [s, e) to take in the punctuation that belongs to it (a
// closing bracket, quotation mark or full stop), and out to whole pairs of
// brackets and quotation marks.
func spanEdges(text string, s, e int) (int, int) {
	// Take in trailing closers and sentence punctuation.
	for e < len(text) {
		r, size := utf8.DecodeRuneInString(text[e:])
		if strings.ContainsRune(`)]"'’”.!?`, r) {
			e += size
			continue
		}
		break
	}
	// Take in leading openers.
	for s > 0 {
		r, size := utf8.DecodeLastRuneInString(text[:s])
		if strings.ContainsRune(`(["'‘“`, r) {
			s -= size
			continue
		}
		break
	}
	// Widen to balance brackets and quotation marks.
	for range 8 {
		ns, ne := balance(text, s, e)
		if ns == s && ne == e {
			break
		}
		s, e = ns, ne
	}
	return s, e
}

// balance widens [s, e) so that every bracket or double quotation mark
// opened in it is closed in it, and every one closed in it was opened.
func balance(text string, s, e int) (int, int) {
	span := text[s:e]
	depth, minDepth := 0, 0
	for _, r := range span {
		switch r {
		case '(':
			depth++
		case ')':
			depth--
			minDepth = min(minDepth, depth)
		}
	}
	if minDepth < 0 { // closed a bracket opened before: start at the opener
		if i := strings.LastIndexByte(text[:s], '('); i >= 0 {
			s = i
		}
	}
	if depth-minDepth > 0 { // opened a bracket left open: end after the closer
		if i := strings.IndexByte(text[e:], ')'); i >= 0 {
			e += i + 1
		} else {
			e = lineEnd(text, e)
		}
	}
	for _, pair := range [][2]rune{{'“', '”'}} {
		o, c := strings.Count(text[s:e], string(pair[0])), strings.Count(text[s:e], string(pair[1]))
		if o > c {
			if i := strings.IndexRune(text[e:], pair[1]); i >= 0 {
				e += i + utf8.RuneLen(pair[1])
			}
		} else if c > o {
			if i := strings.LastIndex(text[:s], string(pair[0])); i >= 0 {
				s = i
			}
		}
	}
	if strings.Count(text[s:e], `"`)%2 == 1 {
		before := strings.Count(text[:s], `"`)
		if before%2 == 1 { // inside a quotation that began before
			s = strings.LastIndexByte(text[:s], '"')
		} else if i := strings.IndexByte(text[e:], '"'); i >= 0 {
			e += i + 1
		}
	}
	return s, e
}

func lineEnd(text string, e int) int {
	if i := strings.IndexByte(text[e:], '\n'); i >= 0 {
		return e + i
	}
	return len(text)
}

// IsPlaceholderOnly reports whether s is nothing but scrubbed details and
// punctuation, which is never a theme or a quote.
func IsPlaceholderOnly(s string) bool {
	in := false
	for _, r := range s {
		switch {
		case r == '[':
			in = true
		case r == ']':
			in = false
		case !in && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			return false
		}
	}
	return true
}

// Words returns the lower-case words of s as the matcher sees them (without
// placeholders), for labels built from a quote's words.
func Words(s string) []string {
	var out []string
	for _, t := range tokenize(s) {
		if !t.hole {
			out = append(out, t.norm)
		}
	}
	return out
}

// MayLookAlike reports whether a phrase holds a word of any one-part
// exclusion: when it holds none, no exclusion can cover it, and LooksAlike
// need not read its sentence.
func (c *Catalogue) MayLookAlike(phrase string) bool {
	for _, t := range tokenize(phrase) {
		if c.lookAlikeWords[t.norm] || t.stem != "" && c.lookAlikeWords[t.stem] || c.lookAlikeWords[prefixKey(t.norm)] {
			return true
		}
	}
	return false
}

// LooksAlike reports whether words of text between bytes start and end
// are covered by one of the catalogue's one-part exclusions: words that
// only look like a theme ("a dog's dinner", "a real pain to arrange", "a
// nursing home placement" beside home as the place to die). The
// catalogue's authors set such words aside as a theme's look-alike on
// purpose, so a phrase among them is no theme of its own either
// (themes/recur.go keeps them out of emerging themes).
func (c *Catalogue) LooksAlike(text string, start, end int) bool {
	if !c.MayLookAlike(text[start:end]) {
		return false
	}
	toks := tokenize(text)
	covers := func(got span) bool {
		return toks[got[0]].start < end && toks[got[len(got)-1]].end > start
	}
	for i := range toks {
		if toks[i].hole {
			continue
		}
		norm := toks[i].norm
		for _, key := range [4]string{norm, toks[i].stem, strings.TrimSuffix(norm, "s"), strings.TrimSuffix(norm, "es")} {
			for _, els := range c.lookAlike[key] {
				if got, ok := matchPart(toks, i, els); ok && covers(got) {
					return true
				}
			}
		}
		for _, els := range c.lookAlikePrefixed[prefixKey(norm)] {
			if got, ok := matchPart(toks, i, els); ok && covers(got) {
				return true
			}
		}
	}
	return false
}
