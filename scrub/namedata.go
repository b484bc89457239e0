package scrub

import (
	_ "embed"
	"strings"
	"sync"
)

// The name and word lists, embedded as data. See namedata/README.md and
// docs/scrubbing.md for their sources and licences.
var (
	//go:embed namedata/firstnames.txt
	firstNamesData string
	//go:embed namedata/firstnames_uk.txt
	firstNamesUKData string
	//go:embed namedata/surnames.txt
	surnamesData string
	//go:embed namedata/wordnames.txt
	wordNamesData string
	//go:embed namedata/commonwords.txt
	commonWordsData string
	//go:embed namedata/wordsurnames.txt
	wordSurnamesData string
)

// Classes of a word in the name lists.
const (
	nmFirst       uint8 = 1 << iota // a first name that is not a common word
	nmSurname                       // a surname that is not a common word
	nmWordName                      // a first name that is also a common word: Hope, Will
	nmCommon                        // a common English word
	nmWordSurname                   // a surname that is also a common word: Brown, Wood
)

var (
	nameClassesOnce sync.Once
	nameClassMap    map[string]uint8
)

// nameClasses returns the lower-case word map of the name lists, built on
// first use.
func nameClasses() map[string]uint8 {
	nameClassesOnce.Do(func() {
		m := make(map[string]uint8, 20000)
		for _, l := range []struct {
			data string
			f    uint8
		}{{firstNamesData, nmFirst}, {firstNamesUKData, nmFirst}, {surnamesData, nmSurname}, {wordNamesData, nmWordName}, {commonWordsData, nmCommon}, {wordSurnamesData, nmWordSurname}} {
			for _, w := range strings.Split(l.data, "\n") {
				if w = strings.TrimSpace(w); w != "" && w[0] != '#' {
					m[w] |= l.f
				}
			}
		}
		nameClassMap = m
	})
	return nameClassMap
}

// nameClass returns the name-list classes of w, in any case, with a
// trailing possessive removed and a curly apostrophe read as a straight one.
func nameClass(w string) uint8 {
	w = trimPossessive(w)
	var buf [24]byte
	if len(w) > len(buf) {
		return 0
	}
	n := 0
	for i := 0; i < len(w); i++ {
		c := w[i]
		switch {
		case 'A' <= c && c <= 'Z':
			c += 'a' - 'A'
		case c >= 0x80:
			if strings.HasPrefix(w[i:], "’") {
				buf[n] = '\''
				n++
				i += 2
				continue
			}
			return 0
		}
		buf[n] = c
		n++
	}
	return nameClasses()[string(buf[:n])]
}

// ListedName reports which of the name lists the scrubber uses hold w, in
// any case: first for a first name (firstnames.txt, firstnames_uk.txt, and
// wordnames.txt's names that are also words, such as Rose or Bob), surname
// for a surname that is not also a common English word (surnames.txt).
// Surnames that are words first (wordsurnames.txt: Brown, Wood) are not
// reported: the scrubber takes them for names only after a title or a
// first name. A team's case pseudonyms are checked against these lists, so
// a pseudonym is judged as the scrubber would judge the word in a story.
func ListedName(w string) (first, surname bool) {
	c := nameClass(w)
	return c&(nmFirst|nmWordName) != 0, c&nmSurname != 0
}

// IsTitle reports whether w, in any case and with or without a trailing
// dot, is a title the scrubber reads a name after: Mr, Mrs, Ms, Dr, Prof,
// Nurse, Sister, Father, Rev, Sir, Dame, Lady...
func IsTitle(w string) bool {
	w = strings.ToLower(strings.TrimSuffix(w, "."))
	_, ok := titles[w]
	return ok
}
