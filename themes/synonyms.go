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
		zr, err := gzip.NewReader(bytes.NewReader(synonymsData))
		if err != nil {
			return // the tests rule this out; grouping then uses stems alone
		}
		sc := bufio.NewScanner(zr)
		for sc.Scan() {
			line := sc.Text()
			if word, lemma, ok := strings.Cut(line, "\t"); ok && !strings.HasPrefix(line, "#") {
				synonymTable[word] = lemma
			}
		}
	})
	return synonymTable
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
