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
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
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
	first, err := firstSenses(filepath.Join(dir, "index.noun"))
	if err != nil {
		fail(err)
	}
	lex, hypernyms, err := synsets(filepath.Join(dir, "data.noun"))
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
		for _, h := range hypernyms[off] {
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
		case lex[off] == bodyFile:
			class[w] = "body"
		}
	}
	words := make([]string, 0, len(class))
	for w := range class {
		words = append(words, w)
	}
	slices.Sort(words)
	out := bufio.NewWriter(os.Stdout)
	fmt.Fprintln(out, "# Distilled from WordNet 3.0 by scripts/clinical. WordNet 3.0 Copyright 2006 by Princeton University. All rights reserved.")
	fmt.Fprintln(out, "# THIS SOFTWARE AND DATABASE IS PROVIDED \"AS IS\" AND PRINCETON UNIVERSITY MAKES NO REPRESENTATIONS OR WARRANTIES, EXPRESS OR IMPLIED.")
	for _, w := range words {
		fmt.Fprintf(out, "%s\t%s\n", w, class[w])
	}
	if err := out.Flush(); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "clinical:", err)
	os.Exit(1)
}

// letters reports whether s is a word of three letters or more, a to z.
func letters(s string) bool {
	if len(s) < 3 {
		return false
	}
	for _, r := range s {
		if r < 'a' || r > 'z' {
			return false
		}
	}
	return true
}

// firstSenses reads index.noun: each single word and the offset of its
// commonest sense.
func firstSenses(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	first := map[string]string{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, " ") {
			continue // the licence
		}
		fs := strings.Fields(line)
		if len(fs) < 6 || !letters(fs[0]) {
			continue
		}
		// lemma pos synset_cnt p_cnt [ptr_symbol...] sense_cnt tagsense_cnt synset_offset...
		pcnt, err := strconv.Atoi(fs[3])
		if err != nil || len(fs) < 4+pcnt+3 {
			continue
		}
		first[fs[0]] = fs[4+pcnt+2]
	}
	return first, sc.Err()
}

// synsets reads data.noun: each synset's lexicographer file and its
// hypernyms (kinds of which it is one, instances' included).
func synsets(path string) (lex map[string]int, hypernyms map[string][]string, err error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	lex, hypernyms = map[string]int{}, map[string][]string{}
	for _, line := range strings.Split(string(data), "\n") {
		if line == "" || strings.HasPrefix(line, " ") {
			continue
		}
		line, _, _ = strings.Cut(line, " | ")
		// offset lex_filenum ss_type w_cnt word lex_id [word lex_id...] p_cnt [ptr...]
		fs := strings.Fields(line)
		if len(fs) < 5 {
			continue
		}
		file, err1 := strconv.Atoi(fs[1])
		n, err2 := strconv.ParseInt(fs[3], 16, 32)
		if err1 != nil || err2 != nil {
			continue
		}
		lex[fs[0]] = file
		i := 4 + 2*int(n)
		if i >= len(fs) {
			continue
		}
		pcnt, err := strconv.Atoi(fs[i])
		if err != nil {
			continue
		}
		i++
		for k := 0; k < pcnt && i+3 < len(fs); k++ {
			sym, off, pos := fs[i], fs[i+1], fs[i+2]
			if (sym == "@" || sym == "@i") && pos == "n" {
				hypernyms[fs[0]] = append(hypernyms[fs[0]], off)
			}
			i += 4
		}
	}
	return lex, hypernyms, nil
}
