// Package wordnet reads the parts of WordNet 3.0's database files
// (Debian's wordnet-base package) that the distilling scripts use: each
// word's commonest sense, and each meaning's words, lexicographer file and
// hypernyms. It is used at build time only, by scripts/synonyms and
// scripts/clinical; nothing the program runs reads WordNet.
package wordnet

import (
	"bufio"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"
)

// Synset is one meaning (a synset of data.noun or data.adj).
type Synset struct {
	// Lex is its lexicographer file: 8 is noun.body, for instance.
	Lex int
	// Words are its words, lower case, in order, adjective markers
	// ("long(a)") dropped.
	Words []string
	// Hypernyms are the offsets of the kinds of which it is one (instances'
	// included), in the same part of speech.
	Hypernyms []string
}

// Letters reports whether s is a word of three letters or more, a to z.
func Letters(s string) bool {
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

// FirstSenses reads an index file (index.noun, index.adj): each word of
// letters (Letters) and the offset of its commonest sense, which WordNet
// lists first (senses are ordered by how often each was tagged).
func FirstSenses(path string) (map[string]string, error) {
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
		if len(fs) < 6 || !Letters(fs[0]) {
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

// Synsets reads a data file (data.noun, data.adj): every meaning by its
// offset.
func Synsets(path string) (map[string]Synset, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	out := map[string]Synset{}
	for _, line := range strings.Split(string(data), "\n") {
		if line == "" || strings.HasPrefix(line, " ") {
			continue // the licence
		}
		line, _, _ = strings.Cut(line, " | ") // the gloss
		// offset lex_filenum ss_type w_cnt word lex_id [word lex_id...] p_cnt [ptr...]
		fs := strings.Fields(line)
		if len(fs) < 4 {
			continue
		}
		lex, err1 := strconv.Atoi(fs[1])
		n, err2 := strconv.ParseInt(fs[3], 16, 32)
		if err1 != nil || err2 != nil {
			continue
		}
		s := Synset{Lex: lex}
		for i := 0; i < int(n) && 4+2*i < len(fs); i++ {
			w := strings.ToLower(fs[4+2*i])
			if k := strings.IndexByte(w, '('); k > 0 {
				w = w[:k]
			}
			s.Words = append(s.Words, w)
		}
		if i := 4 + 2*int(n); i < len(fs) {
			if pcnt, err := strconv.Atoi(fs[i]); err == nil {
				pos := fs[2]
				if pos == "s" {
					pos = "a" // satellite adjectives point like adjectives
				}
				for k, j := 0, i+1; k < pcnt && j+3 < len(fs); k, j = k+1, j+4 {
					if sym, off, p := fs[j], fs[j+1], fs[j+2]; (sym == "@" || sym == "@i") && p == pos {
						s.Hypernyms = append(s.Hypernyms, off)
					}
				}
			}
		}
		out[fs[0]] = s
	}
	return out, nil
}

// WriteTable writes a distilled table as the program reads it: WordNet's
// notice (naming script, the one that distilled it), then one "key<TAB>value"
// line a key, in order of key.
func WriteTable(w io.Writer, script string, table map[string]string) error {
	b := bufio.NewWriter(w)
	fmt.Fprintf(b, "# Distilled from WordNet 3.0 by %s. WordNet 3.0 Copyright 2006 by Princeton University. All rights reserved.\n", script)
	fmt.Fprintln(b, "# THIS SOFTWARE AND DATABASE IS PROVIDED \"AS IS\" AND PRINCETON UNIVERSITY MAKES NO REPRESENTATIONS OR WARRANTIES, EXPRESS OR IMPLIED.")
	for _, k := range slices.Sorted(maps.Keys(table)) {
		fmt.Fprintf(b, "%s\t%s\n", k, table[k])
	}
	return b.Flush()
}
