// Command synonyms distils the table themes/synonyms.tsv from WordNet 3.0
// (Debian's wordnet-base package: apt-get install wordnet-base), for
// grouping the digest's emerging phrases by lemma and meaning:
//
//	go run ./scripts/synonyms /usr/share/wordnet > themes/synonyms.tsv
//
// Each line is "word<TAB>lemma": an irregular form and its base ("children"
// → "child", from WordNet's exception lists), or a word and the one word
// that stands for its commonest meaning. Two single words are joined only
// when that meaning is each one's commonest (their first sense in WordNet,
// which is ordered by how often each sense was tagged), so "carer" and
// "caregiver" join but "home" (first: a dwelling) and "place" do not. The
// stand-in is the first word of four letters or more WordNet lists in the
// meaning. Meanings of nouns and adjectives only, irregular forms of verbs
// too, and only words of letters.
//
// WordNet 3.0 is Copyright 2006 by Princeton University, under a licence
// that allows use, copying, modification and distribution with its notice
// (see docs/themes.md, "Emerging themes"); the table carries that notice.
package main

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"whatmatters/internal/wordnet"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: go run ./scripts/synonyms WORDNET_DIR > themes/synonyms.tsv")
		os.Exit(2)
	}
	dir := os.Args[1]
	table := map[string]string{}
	// Irregular forms first, of every part of speech ("fell" is "fall"
	// before it is a hide); then meanings of nouns and adjectives only
	// (verbs' commonest senses join words like "dog" and "chase").
	for _, pos := range []string{"noun", "verb", "adj"} {
		if err := exceptions(filepath.Join(dir, pos+".exc"), table); err != nil {
			fail(err)
		}
	}
	for _, pos := range []string{"noun", "adj"} {
		if err := synonyms(filepath.Join(dir, "index."+pos), filepath.Join(dir, "data."+pos), table); err != nil {
			fail(err)
		}
	}
	if err := wordnet.WriteTable(os.Stdout, "scripts/synonyms", table); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "synonyms:", err)
	os.Exit(1)
}

// exceptions reads an exception list: "form base" lines.
func exceptions(path string, table map[string]string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fs := strings.Fields(sc.Text())
		if len(fs) >= 2 && wordnet.Letters(fs[0]) && wordnet.Letters(fs[1]) && fs[0] != fs[1] {
			if _, ok := table[fs[0]]; !ok {
				table[fs[0]] = fs[1]
			}
		}
	}
	return sc.Err()
}

// synonyms joins words whose first senses are one synset.
func synonyms(indexPath, dataPath string, table map[string]string) error {
	first, err := wordnet.FirstSenses(indexPath)
	if err != nil {
		return err
	}
	synsets, err := wordnet.Synsets(dataPath)
	if err != nil {
		return err
	}
	for w, off := range first {
		if _, ok := table[w]; ok {
			continue
		}
		for _, cand := range synsets[off].Words {
			if !wordnet.Letters(cand) || len(cand) < 4 || first[cand] != off {
				continue // the stand-in must be a word with this meaning first too
			}
			if cand != w {
				table[w] = cand
			}
			break
		}
	}
	return nil
}
