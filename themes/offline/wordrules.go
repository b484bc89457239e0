package offline

import "strings"

// wordRules adjust a word's categories, once the lexicon has been matched,
// by the words around it. They run in this order, word by word from the
// first; a rule may change the words after or before the one it reads.
// Adding a rule is adding a row.
var wordRules = []func(d *doc, i int){
	// "Still going to the mandir every morning": "going to" before a
	// place is going somewhere, a habit told ("loves a bacon roll on a
	// Saturday" is everyday words), not "a plan ... made ahead of need".
	func(d *doc, i int) {
		if i+2 >= len(d.toks) || d.toks[i].w != "going" || d.toks[i+1].w != "to" || !goingToPlace[d.toks[i+2].w] {
			return
		}
		d.toks[i].cat &^= cIntent | cIntentStrong
		d.toks[i+1].cat &^= cIntent | cIntentStrong
	},
	// A capitalised word inside a sentence that the lexicon does not know
	// is likely a name.
	func(d *doc, i int) {
		t := &d.toks[i]
		if t.upper && !t.sentStart && t.cat == 0 && !t.quoted {
			t.name = true
		}
	},
	// "to stay at home", "be with the dog": words of a wish say what the
	// person wants, not who helps them.
	func(d *doc, i int) {
		if t := &d.toks[i]; t.wishSpan {
			t.cat &^= cSupport
		}
	},
	// "making sure his wife is looked after": a support word in the
	// passive, with no "by" saying who helps, makes its subject the one
	// helped.
	func(d *doc, i int) {
		t := &d.toks[i]
		if t.cat&cSupport == 0 || !d.passiveSupport(i) {
			return
		}
		for k := i; k < len(d.toks) && d.toks[k].clause == t.clause && d.toks[k].cat&cSupport != 0; k++ {
			d.toks[k].cat &^= cSupport
		}
	},
	// "the men from the shed" are people of their community; "the ladies
	// from the agency", "the girls from the agency" are a service.
	func(d *doc, i int) {
		t := &d.toks[i]
		if t.cat&(cPerson|cCommunity) == 0 || t.w != "from" || i+1 >= len(d.toks) {
			return
		}
		for k := i + 1; k < len(d.toks) && k <= i+3 && d.toks[k].clause == t.clause; k++ {
			if d.toks[k].cat&lexServices != 0 {
				for j := i; j >= 0 && j >= i-2 && d.toks[j].cat&(cPerson|cCommunity) != 0; j-- {
					d.toks[j].cat &^= cPerson | cCommunity
				}
				return
			}
		}
	},
	// "Warden at the sheltered flats": a sheltered-housing warden is
	// housing staff, a service, not someone of the person's own life.
	func(d *doc, i int) {
		t := &d.toks[i]
		if t.w != "warden" && t.w != "wardens" {
			return
		}
		for k := i - 3; k <= i+3; k++ {
			if k >= 0 && k < len(d.toks) && d.toks[k].clause == t.clause && d.toks[k].w == "sheltered" {
				t.cat = t.cat&^cPerson | cService
				return
			}
		}
	},
	// "her main carer", "he's her carer": a relative caring, not a paid
	// service.
	func(d *doc, i int) {
		if t := &d.toks[i]; t.familyCarer {
			t.cat &^= cService | cPaidCarer
		}
	},
	// "carer's assessment" is support for those close, not a test.
	func(d *doc, i int) {
		if t := &d.toks[i]; t.cat&cBereave != 0 {
			t.cat &^= cAssess
		}
	},
	// "compassionate neighbours", "good neighbours scheme": a community
	// resource, not the person's own neighbours.
	func(d *doc, i int) {
		if t := &d.toks[i]; t.cat&cCommRes != 0 {
			t.cat &^= cPerson
		}
	},
	// "Widow. Lives alone.": "widow" with no one's before it is the
	// person's own state, a trait of their past, not someone "from the
	// person's own life"; "his widow" is.
	func(d *doc, i int) {
		t := &d.toks[i]
		if t.w != "widow" && t.w != "widower" || i > 0 && possessives[d.toks[i-1].w] && d.toks[i-1].clause == t.clause {
			return
		}
		t.cat = t.cat&^cPerson | cHistoryWeak
	},
	// "Father Tom" is a priest.
	func(d *doc, i int) {
		t := &d.toks[i]
		if t.w == "father" && t.upper && i+1 < len(d.toks) && d.toks[i+1].upper && d.toks[i+1].cat == 0 {
			t.cat = t.cat&^cPerson | cCommRes
		}
	},
	// "on the ward", "home from the hospital": a place, not help put
	// forward.
	func(d *doc, i int) {
		t := &d.toks[i]
		if t.cat&cService != 0 && placeServices[t.s] && d.locative(i) {
			t.cat = t.cat&^(cService|cReactive) | cHome
		}
	},
	// "the young dad on our caseload", "this lady": a relation word after a
	// patient word is the patient, not someone in their life.
	func(d *doc, i int) {
		t := &d.toks[i]
		if i > 0 && t.cat&lexOwnLife != 0 && d.toks[i-1].cat&cPatient != 0 && i <= 3 {
			t.cat = t.cat&^lexOwnLife | cPatient
		}
	},
	// "husband giving all the medication", "his wife does all his
	// injections": someone from the person's own life giving their care
	// is support ("a family carer shown giving care … is toward").
	func(d *doc, i int) {
		t := &d.toks[i]
		if !careVerbs[t.w] || d.negated(i) {
			return
		}
		if d.near(i, -4, lexOwnLife) && d.near(i, 4, cMed|cIntervention|cComfort) {
			t.cat |= cSupport
		}
	},
	// "Admitted Sat", "home Sat": "Sat" written with a capital inside a
	// sentence, or after a care event, is Saturday, not sitting with
	// someone ("spelling is not substance").
	func(d *doc, i int) {
		t := &d.toks[i]
		if t.w != "sat" || !(t.upper && !t.sentStart || i > 0 && d.toks[i-1].cat&(cChrono|cReactive) != 0 && d.toks[i-1].clause == t.clause) {
			return
		}
		for k := i; k < len(d.toks) && k <= i+1 && d.toks[k].clause == t.clause && d.toks[k].cat&(cSupport|cRelCare) != 0; k++ {
			d.toks[k].cat &^= cSupport | cRelCare
		}
		t.cat |= cDay
	},
	// "Daughter (NOK)": a relative followed by "(NOK)" or "(LPA" is named
	// as next of kin, a bare label ("a relative who appears only as a label ('NOK')").
	func(d *doc, i int) {
		t := &d.toks[i]
		// The same of "Son (LPA H&W)": "'LPA held by son'" is the
		// codebook's own bare label.
		if t.cat&cPerson == 0 || i+1 >= len(d.toks) || d.toks[i+1].cat&cNOK == 0 && !lpaWords[d.toks[i+1].w] {
			return
		}
		if strings.Contains(d.text[t.end:d.toks[i+1].start], "(") {
			t.cat |= cNOK
		}
	},
	// "when I went in": the writer's visit told as a moment is not an
	// admission. Anticipation away is "events dealt with as they came
	// (call-outs, crises, admissions …)"; a moment is the stories
	// direction's "particular moment or scene".
	func(d *doc, i int) {
		if t := &d.toks[i]; t.cat&cMoment != 0 {
			t.cat &^= cReactive
		}
	},
}

// careVerbs give or do care, when someone close is their subject.
var careVerbs = map[string]bool{
	"give": true, "gives": true, "gave": true, "giving": true, "do": true, "does": true, "did": true,
	"doing": true, "manage": true, "manages": true, "managed": true, "managing": true,
	"administer": true, "administers": true, "administered": true, "administering": true,
}

// near reports a word of the category within n words after word i (before
// it, for a negative n), in its clause.
func (d *doc) near(i, n int, cat lexCat) bool {
	step, end := 1, i+n
	if n < 0 {
		step = -1
	}
	for k := i + step; k >= 0 && k < len(d.toks) && k != end+step && d.toks[k].clause == d.toks[i].clause; k += step {
		if d.toks[k].cat&cat != 0 {
			return true
		}
	}
	return false
}

// goingToPlace are the words after "going to" that make it going
// somewhere ("going to the mandir", "going to church"), not an intention
// ("going to ring").
var goingToPlace = map[string]bool{"the": true, "a": true, "an": true, "his": true, "her": true, "their": true, "my": true, "our": true,
	"church": true, "chapel": true, "mass": true, "mosque": true, "bingo": true, "college": true, "school": true, "work": true, "bed": true}
