package scrub

import (
	"errors"
	"regexp"
	"strings"
)

// ParsePatternList splits the value of WHATMATTERS_LOCAL_ID_PATTERNS into
// patterns. Patterns are separated by commas or newlines. A comma inside
// braces, brackets or parentheses does not separate, so `RBD\d{6,8}` stays
// whole, and a comma after a backslash (`\,`) is kept in the pattern, where
// it matches a literal comma. Space around each pattern is trimmed and empty
// patterns are dropped. For example `RBD\d{7}, [A-Z]{2}\d{6,8}` gives
// `RBD\d{7}` and `[A-Z]{2}\d{6,8}`.
func ParsePatternList(s string) []string {
	var out []string
	depth := 0       // open ( and { outside character classes
	inClass := false // inside [...]
	start := 0
	flush := func(end int) {
		if p := strings.TrimSpace(s[start:end]); p != "" {
			out = append(out, p)
		}
		start = end + 1
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s) && s[i+1] != '\n':
			i++ // the next byte is escaped
		case c == '\n':
			depth, inClass = 0, false
			flush(i)
		case inClass:
			if c == ']' {
				inClass = false
			}
		case c == '[':
			inClass = true
			// A ] straight after [ or [^ is a literal.
			if i+1 < len(s) && s[i+1] == '^' {
				i++
			}
			if i+1 < len(s) && s[i+1] == ']' {
				i++
			}
		case c == '(' || c == '{':
			depth++
		case c == ')' || c == '}':
			if depth > 0 {
				depth--
			}
		case c == ',' && depth == 0:
			flush(i)
		}
	}
	flush(len(s))
	return out
}

// localIDPattern is one configured pattern for local hospital numbers.
type localIDPattern struct {
	re       *regexp.Regexp // as configured
	anchored *regexp.Regexp // ^(?:pattern), tried at each candidate start
	prefix   bool           // re has a literal prefix, so searching is fast
}

// compileLocalID compiles one local hospital number pattern.
func compileLocalID(p string) (*localIDPattern, error) {
	p = strings.TrimSpace(p)
	re, err := regexp.Compile(p)
	if err != nil {
		return nil, err
	}
	if re.MatchString("") {
		return nil, errors.New("pattern matches empty text")
	}
	anchored, err := regexp.Compile(`^(?:` + p + `)`)
	if err != nil {
		return nil, err
	}
	prefix, _ := re.LiteralPrefix()
	return &localIDPattern{re: re, anchored: anchored, prefix: prefix != ""}, nil
}

// findLocalIDs marks matches of the configured patterns that are not glued
// to a letter or digit on either side.
func findLocalIDs(text string, starts []int, pats []*localIDPattern, ss *spanSet) {
	for _, lp := range pats {
		if lp.prefix {
			findLocalIDsByPrefix(text, lp.re, ss)
			continue
		}
		// A match not glued on its left starts a word or number, or at
		// punctuation.
		next := 0
		for i := 0; i < len(text); i++ {
			c := text[i]
			isStart := false
			if next < len(starts) && starts[next] == i {
				next++
				isStart = true
			} else if c < 0x80 && c > ' ' && !isLetterByte(c) && !isDigit(c) {
				isStart = true
			}
			if !isStart {
				continue
			}
			m := matchAt(lp.anchored, text, i)
			if m == nil || m[1] == i || !wordBoundaries(text, i, m[1]) {
				continue
			}
			if ss.add(i, m[1], LocalID) {
				i = m[1] - 1
				for next < len(starts) && starts[next] <= i {
					next++
				}
			}
		}
	}
}

// findLocalIDsByPrefix searches for a pattern with a literal prefix.
func findLocalIDsByPrefix(text string, re *regexp.Regexp, ss *spanSet) {
	for p := 0; p < len(text); {
		m := re.FindStringIndex(text[p:])
		if m == nil {
			return
		}
		start, end := p+m[0], p+m[1]
		if end > start && wordBoundaries(text, start, end) && ss.add(start, end, LocalID) {
			p = end
			continue
		}
		_, w := decodeRune(text[start:])
		p = start + w
	}
}

// cuedIDRE matches an identifier introduced by words that name a local
// record number, such as "hospital number", "MRN" or "PAS no". Group 1 is
// the identifier.
var cuedIDRE = regexp.MustCompile(`^(?i)(?:hospital[ \t]{1,3}(?:number|no\b\.?|num|id)|hosp\.?[ \t]{0,3}(?:no\b\.?|num(?:ber)?)|unit[ \t]{1,3}(?:number|no\b\.?)|patient[ \t]{1,3}(?:id|number|no\b\.?)|PAS[ \t]{0,3}(?:number|no\b\.?|id)?|MRN|CRN|medical[ \t]{1,3}record[ \t]{1,3}(?:number|no\b\.?)|case[ \t]{1,3}(?:number|no\b\.?))[ \t]{0,3}(?:is[ \t]{1,3})?[:#.\-]?[ \t]{0,3}([A-Za-z]{0,4}[\-/ ]?[0-9][0-9A-Za-z\-/]{2,15})\b`)

// idCueWords are the first words of the cues cuedIDRE knows.
const idCueWordList = `hospital hosp unit patient pas mrn crn medical case`

// findCuedLocalIDs marks record numbers that follow a cue such as
// "hospital number" or "MRN", whether or not a pattern is configured. The
// number must hold at least four digits.
func findCuedLocalIDs(text string, toks tokens, ss *spanSet) {
	for ti, p := range toks.starts {
		if toks.flags[ti]&lexIDCue == 0 {
			continue
		}
		m := matchAt(cuedIDRE, text, p)
		if m == nil {
			continue
		}
		id := text[m[2]:m[3]]
		digits := 0
		for i := 0; i < len(id); i++ {
			if isDigit(id[i]) {
				digits++
			}
		}
		if digits >= 4 {
			ss.add(m[2], m[3], LocalID)
		}
	}
}
