package scrub

import "strings"

// Word classes in the lexicon.
const (
	lexTitle       uint16 = 1 << iota // Mrs, Dr, Nurse...
	lexTitleAbbrev                    // a title that may take a dot: Mr., Dr.
	lexRelation                       // son, wife, called...: a name may follow
	lexStop                           // never a name after a title or cue
	lexContStop                       // ends a name after its first word
	lexParticle                       // van, de, al...: inside a name
	lexMonth                          // a month name or abbreviation
	lexIDCue                          // starts a record number cue: hospital, MRN
	lexDOBCue                         // starts a date of birth cue: DOB, born
)

// lexicon maps lower-case words to their classes, so each word of a text
// is looked up once.
var lexicon = buildLexicon()

// maxLexWord is the length of the longest word in the lexicon.
var maxLexWord = func() int {
	n := 0
	for w := range lexicon {
		n = max(n, len(w))
	}
	return n
}()

func buildLexicon() map[string]uint16 {
	m := make(map[string]uint16)
	add := func(words string, f uint16) {
		for _, w := range strings.Fields(words) {
			m[w] |= f
		}
	}
	for t, abbrev := range titles {
		add(t, lexTitle)
		if abbrev {
			add(t, lexTitleAbbrev)
		}
	}
	add(relationWords, lexRelation)
	add(stopWordList, lexStop)
	add(contStopWordList, lexContStop)
	add(particleWords, lexParticle)
	add(monthWordList, lexMonth)
	add(idCueWordList, lexIDCue)
	add(`dob d date born`, lexDOBCue)
	return m
}

// lookupWord returns the classes of w, in any case.
func lookupWord(w string) uint16 {
	var buf [24]byte
	if len(w) > len(buf) {
		return 0
	}
	if k := foldKey(buf[:], w); k != nil {
		return lexicon[string(k)]
	}
	return lexicon[strings.ToLower(w)]
}

// lexHas reports whether w is in any of the classes f.
func lexHas(w string, f uint16) bool { return lookupWord(w)&f != 0 }

// tokens are the starts of the runs of letters or digits in a text, with
// the lexicon classes of those that are words.
type tokens struct {
	starts []int
	flags  []uint16
}

// scanTokens finds the tokens of text.
func scanTokens(text string) tokens {
	starts := tokenStarts(text, make([]int, 0, len(text)/4+1))
	flags := make([]uint16, len(starts))
	var buf [16]byte
	for i, p := range starts {
		if isLetterByte(text[p]) {
			if k := lowerWordAt(buf[:], text, p); len(k) <= maxLexWord {
				flags[i] = lexicon[string(k)]
			}
		}
	}
	return tokens{starts, flags}
}
