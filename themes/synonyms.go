package themes

import (
	"bufio"
	"bytes"
	"compress/gzip"
	_ "embed"
	"strings"
	"sync"
)

// synonymsData is the table distilled from WordNet 3.0 by scripts/synonyms:
// irregular forms to their base ("children" → "child") and words to the
// one word standing for their commonest meaning ("physician" → "doctor").
//
//go:embed synonyms.tsv.gz
var synonymsData []byte

var (
	synonymsOnce sync.Once
	synonymTable map[string]string
)

func synonyms() map[string]string {
	synonymsOnce.Do(func() {
		synonymTable = map[string]string{}
		// A broken table (the tests rule it out) leaves grouping to stems.
		eachTableLine(synonymsData, func(word, lemma string) { synonymTable[word] = lemma })
	})
	return synonymTable
}

// eachTableLine calls f with the two fields of each line of an embedded,
// gzipped table of "key<TAB>value" lines, past its "#" notice lines.
func eachTableLine(gz []byte, f func(key, value string)) {
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return
	}
	sc := bufio.NewScanner(zr)
	for sc.Scan() {
		line := sc.Text()
		if key, value, ok := strings.Cut(line, "\t"); ok && !strings.HasPrefix(line, "#") {
			f(key, value)
		}
	}
}

// MeaningKey is the key an emerging phrase is grouped by: each word taken
// to its base form and to the word for its commonest meaning, then
// stemmed, so "the physicians' letters" and "doctor letter" group together
// and "children" with "child". Words WordNet does not know are stemmed as
// they are.
func MeaningKey(phrase string) string {
	table := synonyms()
	ws := Words(phrase)
	for i, w := range ws {
		w = strings.TrimSuffix(w, "'s")
		if l, ok := table[w]; ok {
			w = l
		} else if base, ok := table[Stem(w)]; ok && len(w) > 4 {
			w = base
		}
		ws[i] = Stem(w)
	}
	return strings.Join(ws, " ")
}
