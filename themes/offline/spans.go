package offline

import "strings"

// sentenceStrain reports a word of how someone close is doing in sentence
// si, or at the start of the next sentence after a pronoun ("She's
// shattered").
func (d *doc) sentenceStrain(si int) bool {
	s := d.sentences[si]
	for i := s[0]; i < s[1]; i++ {
		if d.toks[i].cat&cStrain != 0 {
			return true
		}
	}
	if si+1 < len(d.sentences) {
		n := d.sentences[si+1]
		if n[0] < n[1] {
			switch d.toks[n[0]].w {
			case "she", "he", "they", "she's", "he's", "they're", "shes", "hes":
				for i := n[0]; i < n[1] && i <= n[0]+3; i++ {
					if d.toks[i].cat&cStrain != 0 {
						return true
					}
				}
			}
		}
	}
	return false
}

// nobodyApart reports that the sentence's words of isolation ("lives
// alone") sit in another clause than ci and do not follow it: "lives
// alone, the owner takes her a fish supper" still says who helps.
func (d *doc) nobodyApart(ci int) bool {
	s := d.sentences[d.clauseOf[ci]]
	for i := s[0]; i < s[1]; i++ {
		if d.toks[i].cat&cNobody != 0 && (d.toks[i].clause == ci || i >= d.clauses[ci][1] || d.toks[i].cat&cNegate != 0) {
			return false
		}
	}
	return true
}

// passiveSupport reports a support word at i told in the passive ("is
// looked after", "being cared for") with no "by" after it in the clause.
func (d *doc) passiveSupport(i int) bool {
	if i == 0 || !strings.HasSuffix(d.toks[i].w, "ed") && d.toks[i].w != "fed" {
		return false
	}
	switch d.toks[i-1].w {
	case "is", "be", "being", "been", "are", "was", "were", "gets", "get", "got", "is't":
	default:
		return false
	}
	for k := i + 1; k < len(d.toks) && d.toks[k].clause == d.toks[i].clause; k++ {
		if d.toks[k].w == "by" {
			return false
		}
	}
	return true
}

// theyWords open a sentence about people named before.
var theyWords = map[string]bool{"they": true, "they've": true, "they're": true, "they'd": true, "theyve": true, "theyre": true}

// heSheWords open a sentence about one person named before.
var heSheWords = map[string]bool{"she": true, "he": true, "she's": true, "he's": true, "shes": true, "hes": true, "she'd": true, "he'd": true}

// heSheSentenceSupport reports a sentence opened by "she" or "he", after a
// sentence naming someone from the person's own life, in which that one
// gives help or care to the person, named as "him" or "her" just after
// the support word ("Anita, the wife of one of ours. She's been caring for
// him on her own for two years"): "a family carer shown giving care …
// is toward".
func (d *doc) heSheSentenceSupport() bool {
	for si, s := range d.sentences {
		if si == 0 || s[0] >= s[1] || !heSheWords[d.toks[s[0]].w] || !d.sentenceOwnLife(si-1) {
			continue
		}
		for i := s[0]; i < s[1]; i++ {
			if d.toks[i].cat&cSupport == 0 || d.toks[i].cat&cFunction != 0 || d.negated(i) || d.clauseHas(d.toks[i].clause, lexServices) {
				continue
			}
			for k := i + 1; k < s[1] && k <= i+2; k++ {
				if objectPronouns[d.toks[k].w] {
					return true
				}
			}
		}
	}
	return false
}

// sentenceOwnLife reports someone from the person's own life, not negated,
// in sentence si.
func (d *doc) sentenceOwnLife(si int) bool {
	s := d.sentences[si]
	for i := s[0]; i < s[1]; i++ {
		if d.toks[i].cat&lexOwnLife != 0 && !d.negated(i) {
			return true
		}
	}
	return false
}

// clauseFamilyCarer reports a family-carer entry of several words ("main
// carer") in clause ci: with someone from their own life in the clause, a
// relative is shown caring.
func (d *doc) clauseFamilyCarer(ci int) bool {
	for i := d.clauses[ci][0]; i < d.clauses[ci][1]; i++ {
		if d.toks[i].familyCarer && !d.negated(i) {
			return true
		}
	}
	return false
}

// clauseHas reports whether clause ci holds a word of the category.
func (d *doc) clauseHas(ci int, cat lexCat) bool {
	for i := d.clauses[ci][0]; i < d.clauses[ci][1]; i++ {
		if d.toks[i].cat&cat != 0 {
			return true
		}
	}
	return false
}

// placeWithPeople reports whether a place of community life in clause ci
// comes with its people ("the pub her parents ran"): a place alone is
// context, not a relationship.
func (d *doc) placeWithPeople(ci int) bool {
	return d.clauseHas(ci, lexOwnLife|cHistory)
}

// sentenceHasOther reports whether the sentence of clause ci has more than
// a list of names: a verb or description somewhere.
func (d *doc) sentenceHasOther(ci int) bool {
	s := d.sentences[d.clauseOf[ci]]
	for i := s[0]; i < s[1]; i++ {
		t := &d.toks[i]
		if t.descriptive() || t.cat&(cSupport|cIntent|cWish) != 0 {
			return true
		}
	}
	return false
}

// formPlanned reports a form named as done, in place or to be done: not
// negated ("no ACP", "not PPD"), not in a clause telling a failure ("OOH
// couldn't find a ReSPECT form"), and not only saying who someone is
// ("son is LPA").
func (d *doc) formPlanned() bool {
	for i := range d.toks {
		t := &d.toks[i]
		if t.cat&cForm == 0 || d.negated(i) {
			continue
		}
		if d.clauseHas(t.clause, cRefuse|cWentWrong) {
			continue
		}
		// "A form named only to say who someone is ('daughter has LPA') is
		// not a plan", in brackets after them too ("Son (LPA H&W)").
		if lpaWords[t.w] && (d.clauseHas(t.clause, cPerson|cNOK) || i > 0 && d.toks[i-1].sent == t.sent && d.toks[i-1].cat&(cPerson|cNOK) != 0) {
			continue
		}
		return true
	}
	return false
}

// planOutsideForms reports a plan word that is not itself a form (forms
// are judged by formPlanned).
func (d *doc) planOutsideForms() bool {
	for i := range d.toks {
		t := &d.toks[i]
		if t.cat&cPlan == 0 || t.cat&cForm != 0 {
			continue
		}
		// "A failure without a lesson is away ('the JICs weren't in, so
		// the out-of-hours GP sent him in')": a plan told as missing or
		// failed is not one, as for forms.
		if d.negated(i) || d.clauseHas(t.clause, cRefuse|cWentWrong) {
			continue
		}
		return true
	}
	return false
}

// teamActor are the words that make the writer or the team the one who
// acts in a clause.
var teamActor = map[string]bool{"we": true, "we'll": true, "we'd": true, "we've": true, "us": true, "i": true, "i'll": true, "i'd": true, "let's": true}

// actsOnWhatMayHappen reports a plan or fix word that is "what to do about
// it", not part of the possibility or worry itself: "what may happen,
// named together with what to do about it" is toward, but a worry with no
// action ("Worried how she'll manage when she can't do the stairs", "still
// asks every morning if the hooter's gone") names what may happen and no
// more. A word of plan or fix counts outside a clause of what may happen,
// or inside one where the writer or the team acts ("could we ask the
// chapel if someone could sit with her").
func (d *doc) actsOnWhatMayHappen() bool {
	for i := range d.toks {
		t := &d.toks[i]
		if t.cat&(cIntent|cFix) == 0 || t.descriptive() || d.negated(i) {
			continue
		}
		if !d.clauseHas(t.clause, cHypothetical) {
			return true
		}
		for k := range d.toks {
			if d.toks[k].clause == t.clause && teamActor[d.toks[k].w] {
				return true
			}
		}
	}
	return false
}
