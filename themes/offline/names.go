package offline

import (
	"strings"

	"whatmatters/scrub"
)

// markNamedPeople reads first names as people of the person's own life
// where the text shows them as such (relationships toward: "at least one
// person, pet or community from the person's own life appears as part of
// that life, with something about the bond, what they do together"):
//
//   - a name said to be someone's own ("my Albert", "our Denise"): the
//     way a person, or a relative in their own voice, names one of their
//     own;
//   - a name as the one who does something to or with the person, named as
//     "him" or "her" later in its clause ("Pat had been up with him three
//     nights running", "Ron coming in at 2 every day … doing the crossword
//     with her", "Ron holding her hand"): someone who does something to
//     "him" is not "him", so the name is not the case's own pseudonym.
//
// A name with a service or staff role beside it ("his key worker Dawn",
// "Marie's been her support worker") is staff, not someone of their own
// life: "a whos_around … answer that names only services" is away, and
// staff appear among "inputs from services". Once one mention of a name
// qualifies, every mention of it in the answer is the same person. A
// name that is none of these (the case's pseudonym, "Edna in room 4",
// "Jim, who stopped coming to day unit") stays a name.
func (d *doc) markNamedPeople() {
	var people, staff map[string]bool
	for i := range d.toks {
		if !d.firstName(i) {
			continue
		}
		w := nameKey(d.toks[i].w)
		if d.staffName(i) {
			if staff == nil {
				staff = map[string]bool{}
			}
			staff[w] = true
			continue
		}
		if d.ownedName(i) || d.agentName(i) {
			if people == nil {
				people = map[string]bool{}
			}
			people[w] = true
		}
	}
	if people == nil {
		return
	}
	for i := range d.toks {
		if w := nameKey(d.toks[i].w); people[w] && !staff[w] && d.firstName(i) {
			d.toks[i].cat |= cPerson
		}
	}
}

// nameKey is a name without its possessive ("Ron's" is Ron).
func nameKey(w string) string {
	return strings.TrimSuffix(strings.TrimSuffix(w, "'s"), "’s")
}

// firstName reports word i as a likely first name: the scrubber's
// placeholder for one (stored answers have their names taken out), or a
// word capitalised, unknown to the lexicon, on the scrubber's first-name
// lists, and not a word that opens a question ("Will he cope", "May
// she").
func (d *doc) firstName(i int) bool {
	t := &d.toks[i]
	if t.nameHole {
		return true // a name the scrubber took out
	}
	if !t.upper || t.synthetic || t.cat != 0 || hasDigit(t.w) {
		return false
	}
	if first, _ := scrub.ListedName(nameKey(t.w)); !first {
		return false
	}
	if t.sentStart && i+1 < len(d.toks) && subjectWords[d.toks[i+1].w] {
		return false
	}
	return true
}

// subjectWords are the subjects a modal opening a question is followed by.
var subjectWords = map[string]bool{"he": true, "she": true, "they": true, "we": true, "i": true, "you": true, "it": true}

// ownedName reports word i said to be someone's own: "my", "our", "his",
// "her" or "their" just before it in its clause.
func (d *doc) ownedName(i int) bool {
	return i > 0 && d.toks[i-1].clause == d.toks[i].clause && possessives[d.toks[i-1].w]
}

// agentName reports word i as the one who does something to or with the
// person: "him", or "her" as an object (at the end of the clause or before
// a function word: "with her", "gave her the"), or a support phrase with
// them in it ("holding her hand"), later in its clause.
func (d *doc) agentName(i int) bool {
	c := d.toks[i].clause
	for k := i + 1; k < len(d.toks) && d.toks[k].clause == c; k++ {
		t := &d.toks[k]
		if t.cat&lexOwnLife != 0 {
			// "Jade and her sister": the pronoun belongs to someone else
			// named in between.
			return false
		}
		switch t.w {
		case "him":
			return true
		case "her":
			if t.cat&cSupport != 0 || k+1 >= len(d.toks) || d.toks[k+1].clause != c || d.toks[k+1].cat&cFunction != 0 {
				return true
			}
		}
	}
	return false
}

// staffName reports word i named as staff: a service or a paid carer just
// before it in its sentence ("his key worker Dawn", "the night HCA,
// Precious"), in its own clause ("Marie's been her support worker eleven
// years"), or in a short clause just after it ("Dawn (keyworker 15 yrs)").
func (d *doc) staffName(i int) bool {
	const role = cService | cPaidCarer
	t := &d.toks[i]
	for k := i - 1; k >= 0 && k >= i-2 && d.toks[k].sent == t.sent; k-- {
		if d.toks[k].cat&role != 0 && d.toks[k].cat&lexOwnLife == 0 {
			return true
		}
	}
	if d.clauseHas(t.clause, role) {
		return true
	}
	n := t.clause + 1
	return n < len(d.clauses) && d.clauseOf[n] == t.sent && d.clauses[n][1]-d.clauses[n][0] <= 4 && d.clauseHas(n, role)
}
