package scrub

import (
	"strings"
	"unicode/utf8"
)

// streetTypes are the last words of a street name, in lower case.
var streetTypes = setOf(`road rd street st avenue ave av lane ln close drive court ct way
	crescent cres gardens gdns place pl terrace terr tce grove hill row square sq
	mews walk rise parade pde view park green mount vale wharf quay yard parkway
	boulevard broadway promenade esplanade chase gate croft meadow meadows fields
	heights ridge wynd causeway circus cottages villas buildings embankment
	approach drove hey brow`)

// flatWords introduce a flat number: "flat 3, Seaview Court".
var flatWords = setOf(`flat apartment apt unit`)

// findAddresses marks street addresses: a house or flat number (with an
// optional letter, "22a"), an optional comma, one to three capitalised words
// and a street type ("14 Harbour Road", "7 Orchard Close", "2 St Mary's
// Terrace"). A flat word before the number is part of the address ("flat 3,
// Seaview Court", "Flat 2b, 14 Marlow Place"). A place of care named
// without a number ("Mapleton Court Care Home") is not an address.
func findAddresses(text string, toks tokens, ss *spanSet) {
	if !hasDigit(text) {
		return
	}
	var buf [16]byte
	for ti, p := range toks.starts {
		if !isDigit(text[p]) {
			continue
		}
		start := p
		// A flat word just before: "flat 3", "Flat 2b,".
		if ti > 0 {
			q := toks.starts[ti-1]
			w := lowerWordAt(buf[:], text, q)
			if w != nil && flatWords[string(w)] && spaceGap(text[q+len(w):p], 1, 2) {
				start = q
			} else if text[p-1] == ' ' && !wordBoundaryBefore(text, p) {
				continue
			}
		}
		end := addressAfterNumber(text, p)
		if end < 0 && start < p {
			// "flat 3, 14 Harbour Road"
			if n := houseNumberEnd(text, p); n > 0 {
				i := skipComma(text, n)
				if i < len(text) && isDigit(text[i]) {
					end = addressAfterNumber(text, i)
				}
			}
		}
		if end > 0 && !orgFollows(text, end) {
			ss.add(start, end, Address)
		}
	}
}

// wordBoundaryBefore reports whether the number at p starts a new item:
// the byte before the space before it is not a digit (so "1 2 Hill Road"
// is not misread) and not a time or measure.
func wordBoundaryBefore(text string, p int) bool {
	i := p - 1
	for i > 0 && text[i] == ' ' {
		i--
	}
	return !isDigit(text[i])
}

// houseNumberEnd returns the end of a house number at p: one to four
// digits and an optional single letter, or -1.
func houseNumberEnd(text string, p int) int {
	i := p
	for i < len(text) && isDigit(text[i]) && i-p < 5 {
		i++
	}
	if i-p > 4 || i-p == 0 {
		return -1
	}
	if i < len(text) && isLetterByte(text[i]) && (i+1 == len(text) || !isWordRune(runeAt(text, i+1))) {
		i++
	}
	if isWordRune(runeAt(text, i)) {
		return -1
	}
	return i
}

// skipComma skips an optional comma and one to two spaces.
func skipComma(text string, i int) int {
	if i < len(text) && text[i] == ',' {
		i++
	}
	n := 0
	for i < len(text) && (text[i] == ' ' || text[i] == '\t') && n < 2 {
		i++
		n++
	}
	return i
}

// addressAfterNumber returns the end of a street address whose number
// starts at p, or -1: after the number and an optional comma, up to three
// capitalised words and a street type ("14 Harbour Road", "2 St Mary's
// Terrace").
func addressAfterNumber(text string, p int) int {
	i := houseNumberEnd(text, p)
	if i < 0 {
		return -1
	}
	j := skipComma(text, i)
	if j == i {
		return -1
	}
	for nWords := 0; nWords < 5 && j < len(text); nWords++ {
		end := addressWordEnd(text, j)
		if end < 0 {
			return -1
		}
		word := text[j:end]
		switch streetWordAt(text, word, end, nWords) {
		case streetEnds:
			return end
		case streetGoesOn:
			if !isCapitalised(word) || nWords >= 3 {
				return -1
			}
		default:
			if !isCapitalised(word) || isAllCaps(word) && len(word) > 1 || nWords >= 3 {
				return -1
			}
		}
		if !spaceGap1(text, end) {
			return -1
		}
		j = end + 1
	}
	return -1
}

// addressWordEnd returns the end of the word of an address starting at i:
// letters, with apostrophes and hyphens between letters ("Mary's",
// "Stow-on-the-Wold"). It returns -1 if no letter starts at i.
func addressWordEnd(text string, i int) int {
	r, w := utf8.DecodeRuneInString(text[i:])
	if !isLetterRune(r) {
		return -1
	}
	for i += w; i < len(text); i += w {
		r, w = utf8.DecodeRuneInString(text[i:])
		if !isLetterRune(r) && !((r == '\'' || r == '’' || r == '-') && startsWithLetter(text[i+w:])) {
			break
		}
	}
	return i
}

// streetWord says what a word of an address is.
type streetWord int

const (
	notStreet    streetWord = iota // a word of the street's name
	streetEnds                     // a street type that ends the address: "Road"
	streetGoesOn                   // St, Ct or Pl before a capitalised word: "2 St Mary's Road"
)

// streetTypesBeforeName are the short street types that may also come
// before more of a street's name: they end a street only when no
// capitalised word follows ("12 High St, Poole", not "2 St Mary's Road").
var streetTypesBeforeName = setOf(`st ct pl`)

// streetWordAt says whether word, ending at end and preceded by nWords
// words of the address, is a street type.
func streetWordAt(text, word string, end, nWords int) streetWord {
	var buf [16]byte
	lw := lowerWordAt(buf[:], word, 0)
	if nWords == 0 || lw == nil || len(lw) != len(word) || !streetTypes[string(lw)] {
		return notStreet
	}
	if streetTypesBeforeName[string(lw)] && capitalisedWordAfter(text, end) {
		return streetGoesOn
	}
	return streetEnds
}

// capitalisedWordAfter reports whether a capitalised word that is not an
// acronym follows a space (after an optional dot) at i.
func capitalisedWordAfter(text string, i int) bool {
	if i < len(text) && text[i] == '.' {
		i++
	}
	return i+1 < len(text) && text[i] == ' ' && isCapitalised(text[i+1:]) && !isAllCaps(nextWord(text, i+1))
}

// spaceGap1 reports whether a single space follows at i and a letter after it.
func spaceGap1(text string, i int) bool {
	return i+1 < len(text) && text[i] == ' ' && startsWithLetter(text[i+1:])
}

// nextWord returns the run of letters at i.
func nextWord(text string, i int) string {
	j := i
	for j < len(text) && isLetterByte(text[j]) {
		j++
	}
	return text[i:j]
}

// orgFollows reports whether a capitalised organisation word follows at i
// ("2 Harbour View Care Home" is a place of care, not a home address).
func orgFollows(text string, i int) bool {
	if i+1 >= len(text) || text[i] != ' ' {
		return false
	}
	w := nextWord(text, i+1)
	return w != "" && isCapitalised(w) && orgWords[strings.ToLower(w)]
}
