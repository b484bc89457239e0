// Command clinical distils the list themes/clinical.tsv from WordNet 3.0
// (Debian's wordnet-base package: apt-get install wordnet-base): the nouns
// whose commonest meaning is an illness, injury or disorder, a symptom, or
// a process of the body or of a disease ("condition"), or a part of the
// body ("body"). The digest does not offer as an emerging theme a phrase
// made only of such words (and of the words for who gives care) with a
// condition among them: "chest infection", "bone mets" and "lung ca" say
// what someone has, not what matters to them; "hair and nails" may matter.
//
//	go run ./scripts/clinical /usr/share/wordnet | gzip -9n > themes/clinical.tsv.gz
//
// A word counts only by its first sense, which WordNet orders by how often
// each sense was tagged, so "stroke" (first: a blow) and "heart" (first:
// the seat of feeling) are not on it, while "lung", "cancer", "pain" and
// "fracture" are. Psychological states ("anxiety", "loneliness", "grief")
// are not diseases in WordNet and stay off it.
//
// WordNet 3.0 is Copyright 2006 by Princeton University, under a licence
// that allows use, copying, modification and distribution with its notice
// (see docs/themes.md, "Emerging themes"); the list carries that notice.
package main

import (
	"fmt"
	"os"
	"path/filepath"

	"whatmatters/internal/wordnet"
)

// roots are the synsets (offsets in data.noun) under which a meaning is
// clinical: pathological state (illness, infection, injury, lesions),
// physical disorder, mental illness, symptom, pathological process and
// bodily process.
var roots = map[string]string{
	"14051917": "pathological_state",
	"14052403": "disorder",
	"14380140": "mental_illness",
	"14299637": "symptom",
	"13533470": "pathologic_process",
	"13440063": "bodily_process",
}

// bodyFile is the lexicographer file of body parts (noun.body).
const bodyFile = 8

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: go run ./scripts/clinical WORDNET_DIR | gzip -9n > themes/clinical.tsv.gz")
		os.Exit(2)
	}
	dir := os.Args[1]
	first, err := wordnet.FirstSenses(filepath.Join(dir, "index.noun"))
	if err != nil {
		fail(err)
	}
	synsets, err := wordnet.Synsets(filepath.Join(dir, "data.noun"))
	if err != nil {
		fail(err)
	}
	clinical := map[string]bool{} // offset -> under a root, worked out once
	var under func(off string, depth int) bool
	under = func(off string, depth int) bool {
		if c, ok := clinical[off]; ok {
			return c
		}
		c := roots[off] != ""
		for _, h := range synsets[off].Hypernyms {
			if c || depth > 40 {
				break
			}
			c = under(h, depth+1)
		}
		clinical[off] = c
		return c
	}
	class := map[string]string{}
	for w, off := range first {
		switch {
		case under(off, 0):
			class[w] = "condition"
		case synsets[off].Lex == bodyFile:
			class[w] = "body"
		}
	}
	if err := wordnet.WriteTable(os.Stdout, "scripts/clinical", class); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "clinical:", err)
	os.Exit(1)
}
