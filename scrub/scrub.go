package scrub

import (
	"fmt"
	"sort"
	"strings"
	"sync"
)

// Options configures a Scrubber. The zero value gives the default rules.
type Options struct {
	// LocalIDPatterns are Go regular expressions (RE2 syntax) for a trust's
	// local hospital numbers, usually read from WHATMATTERS_LOCAL_ID_PATTERNS
	// with ParsePatternList. A match counts only when it is not glued to a
	// letter or digit on either side.
	LocalIDPatterns []string
	// Names are names on a team's own list. Each is replaced wherever it
	// appears as a whole word or phrase, in any case. Entries shorter than
	// two letters are ignored.
	Names []string
	// Keep are words or phrases never removed, in any case: a team's case
	// pseudonyms ("Hazel", "Birch"), which may also be first names or
	// surnames, and its own vocabulary. A kept word is protected from
	// every rule, so keep nothing that could be an identifier. Entries
	// shorter than two letters are ignored.
	Keep []string
}

// Scrubber finds identifiers in free text and replaces them with typed
// placeholders. It is safe for concurrent use. A nil *Scrubber, or the zero
// Scrubber, applies the default rules.
type Scrubber struct {
	localIDs []*localIDPattern
	names    *nameList
	keep     *nameList
	opts     Options
	// kept remembers Keeping's Scrubbers, by their list of words.
	kept struct {
		mu sync.Mutex
		m  map[string]*Scrubber
	}
}

// New returns a Scrubber for opts. The error names the first pattern that
// does not compile or that matches empty text.
func New(opts Options) (*Scrubber, error) {
	s := &Scrubber{}
	for i, p := range opts.LocalIDPatterns {
		if strings.TrimSpace(p) == "" {
			continue
		}
		re, err := compileLocalID(p)
		if err != nil {
			return nil, fmt.Errorf("scrub: local hospital number pattern %d %q: %w", i+1, p, err)
		}
		s.localIDs = append(s.localIDs, re)
	}
	re, err := compileNameList(opts.Names)
	if err != nil {
		return nil, fmt.Errorf("scrub: names list: %w", err)
	}
	s.names = re
	if s.keep, err = compileNameList(opts.Keep); err != nil {
		return nil, fmt.Errorf("scrub: keep list: %w", err)
	}
	s.opts = opts
	return s, nil
}

// Keeping returns a Scrubber with the rules of s that also never removes
// the given words or phrases (see Options.Keep), for example a team's case
// pseudonyms. s is not changed. The Scrubbers made for the last few lists
// of words are remembered: a team's list changes rarely, and compiling it
// for every answer cost more than scrubbing the answer.
func (s *Scrubber) Keeping(words ...string) (*Scrubber, error) {
	if s == nil {
		return New(Options{Keep: words})
	}
	key := strings.Join(words, "\x00")
	s.kept.mu.Lock()
	k, ok := s.kept.m[key]
	s.kept.mu.Unlock()
	if ok {
		return k, nil
	}
	opts := s.opts
	opts.Keep = append(append([]string(nil), opts.Keep...), words...)
	k, err := New(opts)
	if err != nil {
		return nil, err
	}
	s.kept.mu.Lock()
	if s.kept.m == nil || len(s.kept.m) >= keptScrubbers {
		// Simple and bounded: a workspace has a handful of teams.
		s.kept.m = make(map[string]*Scrubber)
	}
	s.kept.m[key] = k
	s.kept.mu.Unlock()
	return k, nil
}

// keptScrubbers bounds how many Keeping results a Scrubber remembers.
const keptScrubbers = 64

// Result is the scrubbed text and what was removed. It never holds the
// removed values.
type Result struct {
	// Text is the input with every identifier found replaced by its kind's
	// Placeholder.
	Text string
	// Found counts the identifiers removed, by kind. It is nil when nothing
	// was removed.
	Found map[Kind]int
}

// Kinds returns the distinct kinds found, sorted in canonical order (see
// AllKinds).
func (r Result) Kinds() []Kind {
	if len(r.Found) == 0 {
		return nil
	}
	ks := make([]Kind, 0, len(r.Found))
	for k, n := range r.Found {
		if n > 0 {
			ks = append(ks, k)
		}
	}
	sort.Slice(ks, func(i, j int) bool {
		oi, oj := ks[i].order(), ks[j].order()
		if oi != oj {
			return oi < oj
		}
		return ks[i] < ks[j]
	})
	return ks
}

// Total returns how many identifiers were removed.
func (r Result) Total() int {
	n := 0
	for _, c := range r.Found {
		n += c
	}
	return n
}

// Summary describes what was removed in plain English, for a notice such as
// "I removed an NHS number and 2 dates before saving". It is "" when nothing
// was removed.
func (r Result) Summary() string {
	ks := r.Kinds()
	parts := make([]string, len(ks))
	for i, k := range ks {
		parts[i] = k.Describe(r.Found[k])
	}
	switch len(parts) {
	case 0:
		return ""
	case 1:
		return parts[0]
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " and " + parts[len(parts)-1]
}

// Scrub replaces every identifier it finds in text with a typed placeholder
// and counts what it removed. Scrubbing is repeated until nothing more is
// found, so Scrub is idempotent: scrubbing its output again changes nothing.
// Placeholders already in the text are left alone.
func (s *Scrubber) Scrub(text string) Result {
	var res Result
	var spans []span
	for {
		spans = s.find(text, spans[:0])
		if len(spans) == 0 {
			break
		}
		if res.Found == nil {
			res.Found = make(map[Kind]int)
		}
		for _, sp := range spans {
			res.Found[sp.kind]++
		}
		text = replace(text, spans)
	}
	res.Text = text
	return res
}

// span is a byte range of the text and the kind found there. Protected
// spans (existing placeholders) have the empty kind.
type span struct {
	start, end int
	kind       Kind
}

// spanSet holds non-overlapping spans sorted by start.
type spanSet struct {
	s []span
}

// free reports whether [start, end) overlaps no span in the set.
func (ss *spanSet) free(start, end int) bool {
	i := sort.Search(len(ss.s), func(i int) bool { return ss.s[i].end > start })
	return i == len(ss.s) || ss.s[i].start >= end
}

// add inserts the span if it is non-empty and overlaps none already held.
func (ss *spanSet) add(start, end int, k Kind) bool {
	if end <= start {
		return false
	}
	i := sort.Search(len(ss.s), func(i int) bool { return ss.s[i].end > start })
	if i < len(ss.s) && ss.s[i].start < end {
		return false
	}
	ss.s = append(ss.s, span{})
	copy(ss.s[i+1:], ss.s[i:])
	ss.s[i] = span{start, end, k}
	return true
}

// find runs every rule once over text, in priority order: a later rule's
// match that overlaps an earlier one is dropped. Existing placeholders come
// first, so nothing matches inside them; then the rules whose matches are
// most certain (email addresses, numbers written with +, NHS numbers by
// their check digit, NI numbers, configured and cued hospital numbers),
// then dates, UK phone numbers, postcodes, ages and, last, names. It
// appends the spans found (without the protected ones) to dst, sorted by
// start.
func (s *Scrubber) find(text string, dst []span) []span {
	if text == "" {
		return dst
	}
	ss := &spanSet{}
	toks := scanTokens(text)
	starts := toks.starts
	protectPlaceholders(text, ss)
	if s != nil && s.keep != nil {
		markListed(text, s.keep, ss, "")
	}
	findMentions(text, ss)
	findEmails(text, ss)
	findInternationalPhones(text, ss)
	findCuedHealthNumbers(text, toks, ss)
	findNHSNumbers(text, ss)
	findGroupedNHSNumbers(text, ss)
	findNINumbers(text, starts, ss)
	var names *nameList
	if s != nil {
		findLocalIDs(text, starts, s.localIDs, ss)
		names = s.names
	}
	findCuedLocalIDs(text, toks, ss)
	findDates(text, toks, ss)
	findPhones(text, ss)
	findPostcodes(text, starts, ss)
	findAddresses(text, toks, ss)
	findAges(text, starts, ss)
	findNames(text, toks, names, ss)
	for _, sp := range ss.s {
		if sp.kind != "" {
			dst = append(dst, sp)
		}
	}
	return dst
}

// replace writes text with each span replaced by its placeholder. spans
// must be sorted and non-overlapping.
func replace(text string, spans []span) string {
	var b strings.Builder
	b.Grow(len(text) + 16*len(spans))
	last := 0
	for _, sp := range spans {
		b.WriteString(text[last:sp.start])
		b.WriteByte('[')
		b.WriteString(string(sp.kind))
		b.WriteByte(']')
		last = sp.end
	}
	b.WriteString(text[last:])
	return b.String()
}

// protectPlaceholders marks every placeholder already in text as protected,
// so no rule matches inside or across it.
func protectPlaceholders(text string, ss *spanSet) {
	for i := 0; i < len(text); {
		j := strings.IndexByte(text[i:], '[')
		if j < 0 {
			return
		}
		i += j
		n := placeholderAt(text[i:])
		if n > 0 {
			ss.add(i, i+n, "")
			i += n
		} else {
			i++
		}
	}
}

// placeholderAt returns the length of the placeholder at the start of s, or 0.
func placeholderAt(s string) int {
	for _, k := range allKinds {
		p := len(k) + 2
		if len(s) >= p && s[p-1] == ']' && s[1:p-1] == string(k) {
			return p
		}
	}
	return 0
}
