package offline

import "strings"

// analyse tokenises text and matches it against the lexicon: every entry
// that matches inside one clause adds its categories to the words it covers.
// Then wordRules adjust each word's categories by the words around it.
func analyse(lx *lexicon, text string) *doc {
	d := tokenize(text)
	for i := range d.toks {
		t := &d.toks[i]
		if !t.synthetic {
			t.s = cachedStem(t.w)
		}
	}
	for i := range d.toks {
		d.categorise(lx, i)
	}
	d.markNamedPeople()
	for i := range d.toks {
		for _, r := range wordRules {
			r(d, i)
		}
		t := &d.toks[i]
		t.all = t.cat
		if t.quoted {
			t.cat &^= lexQuoteMasked
		}
	}
	d.meta = isMeta(d)
	return d
}

// categorise gives word i the categories of the lexicon entries that start
// at it, of a number, or of the word it is a likely typo of.
func (d *doc) categorise(lx *lexicon, i int) {
	t := &d.toks[i]
	if t.synthetic {
		t.cat |= cProblem
		return
	}
	matched := d.matchEntries(lx.byFirst[t.s], i)
	matched = d.matchEntries(lx.byExact[t.w], i) || matched
	if hasDigit(t.w) {
		t.cat |= cNumber
		if isAgeSex(t.w) {
			t.cat |= cClinical
		}
		return
	}
	if !matched && t.cat == 0 {
		if c := lx.fuzzyCat(t.s, t.w); c != 0 {
			t.cat |= c &^ (cFunction | cGeneric)
		}
	}
}

// matchEntries adds the categories of every entry of es that matches from
// word i on to the words it covers, and reports whether any matched.
func (d *doc) matchEntries(es []lexEntry, i int) bool {
	matched := false
	for _, e := range es {
		if !d.matchAt(i, e.keys) {
			continue
		}
		matched = true
		cat := e.cat
		// "with her mum's death": after "with", a possessive names whose
		// the next thing is, not who keeps the person company.
		if cat&cSupport != 0 && d.possessiveOf(i+len(e.keys)-1) {
			cat &^= cSupport
		}
		for k := i; k < i+len(e.keys); k++ {
			d.toks[k].cat |= cat
			if len(e.keys) > 1 && cat&cWish != 0 {
				d.toks[k].wishSpan = true
			}
			if len(e.keys) > 1 && cat&cFamilyCarer != 0 {
				d.toks[k].familyCarer = true
			}
		}
	}
	return matched
}

// placeServices are services that are also places: after "on the",
// "in", "from the" they say where someone is, not what helps.
var placeServices = map[string]bool{
	"ward": true, "hospit": true, "hosp": true, "amu": true, "sau": true, "hospic": true, "ipu": true,
}

// locative reports whether word i follows a preposition of place ("on the
// ward", "from hospital", "in the hospice", "back into the hospice", "out of
// hospital").
func (d *doc) locative(i int) bool {
	for k := i - 1; k >= 0 && k >= i-2; k-- {
		switch d.toks[k].w {
		case "on", "in", "from", "at", "onto", "into":
			return true
		case "of":
			// "out of hospital"
			return k > 0 && d.toks[k-1].w == "out"
		case "the", "a":
			continue
		}
		return false
	}
	return false
}

// possessiveOf reports whether word i is a possessive ("mum's") followed,
// in its clause, by a word that is not a person: "her mum's death" is
// about the death.
func (d *doc) possessiveOf(i int) bool {
	if i+1 >= len(d.toks) || d.toks[i+1].clause != d.toks[i].clause {
		return false
	}
	w := d.toks[i].w
	if !strings.HasSuffix(w, "'s") {
		return false
	}
	next := &d.toks[i+1]
	if next.synthetic || hasDigit(next.w) {
		return false
	}
	// Matching runs word by word, so the next word's categories may be
	// incomplete: look it up on its own.
	lx := theLexicon()
	c := lx.single[cachedStem(next.w)]
	for _, e := range lx.byExact[next.w] {
		if len(e.keys) == 1 {
			c |= e.cat
		}
	}
	return c&(cPerson|cPet|cFunction|cNegate) == 0 && !strings.HasSuffix(next.w, "ing")
}

// matchAt reports whether the entry keys match the words from i on, inside
// one clause.
func (d *doc) matchAt(i int, keys []string) bool {
	if i+len(keys) > len(d.toks) {
		return false
	}
	c := d.toks[i].clause
	for k, key := range keys {
		t := d.toks[i+k]
		if t.clause != c || t.synthetic {
			return false
		}
		if strings.HasPrefix(key, "=") {
			if key[1:] != t.w {
				return false
			}
		} else if key != t.s {
			return false
		}
	}
	return true
}

func hasDigit(w string) bool {
	for i := range len(w) {
		if w[i] >= '0' && w[i] <= '9' {
			return true
		}
	}
	return false
}

// isAgeSex reports note-form age and sex ("85m", "72f", "85yo").
func isAgeSex(w string) bool {
	n := 0
	for n < len(w) && w[n] >= '0' && w[n] <= '9' {
		n++
	}
	if n == 0 || n > 3 {
		return false
	}
	switch w[n:] {
	case "m", "f", "yo", "yrs", "yr", "y":
		return true
	}
	return false
}
