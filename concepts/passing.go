package concepts

// A theme named in passing. An answer often carries the words of several
// themes while it is about one of them: "wife exhausted after the trip to
// the hospital pharmacy for the drugs" is about a wife under strain, not
// about medicines; "she's been in the chapel choir since she was a girl"
// is about singing, not faith; "her husband left when the kids were small"
// is about her life, not her children. The answer still speaks to each
// theme, so each is found; but a theme named in passing is weak evidence
// of it, and the digest quotes and lists the answers that are about a
// theme before those that only name it (themes/recur.go).
//
// markPassing reads an answer's hits together and marks a theme as named
// in passing when all of these hold:
//
//   - another theme is found in the same answer (an answer with one theme
//     is about it);
//   - the theme's cues match in one place only (a theme named twice, or in
//     two ways, is what the answer dwells on);
//   - and its one place is subordinate: in a clause that a subordinating
//     word opens before it ("when the kids were small", "after the trip
//     to", "since she was a girl", "who was a joiner"); or after a
//     preposition, past the answer's opening ("a volunteer from the
//     church", "met at the Legion dances", "copy in the yellow folder");
//     or outside the answer's first clause while another theme of the
//     answer is named in more places.
//
// These are the marks of a clinician's reading of "what is this answer
// about": the main statement comes first and is dwelt on; a setting, a
// time or a modifier is added in passing. They were chosen, and checked,
// on the tuning sets only (themes/testdata/concepts_tune*.json).

// subordinators open a clause that says when, why, where or whose: what
// follows them in their sentence is background to its main statement.
var subordinators = map[string]bool{
	"after": true, "when": true, "while": true, "whilst": true, "since": true, "before": true, "until": true,
	"till": true, "because": true, "as": true, "so": true, "like": true, "who": true, "which": true,
	"where": true, "if": true, "whose": true, "than": true,
}

// prepositions put a noun in the setting of another: "the trip to the
// pharmacy", "the lads at the bookies".
var prepositions = map[string]bool{
	"to": true, "at": true, "from": true, "with": true, "in": true, "on": true, "for": true, "of": true,
	"by": true, "about": true, "into": true,
}

// determiners may stand between a preposition and its noun.
var determiners = map[string]bool{
	"the": true, "a": true, "an": true, "his": true, "her": true, "their": true, "my": true, "our": true, "your": true,
}

// openingShare is the share of an answer's words (in percent) that counts
// as its opening: a preposition before a theme's words there is part of
// the main statement ("Out in the garden as long as possible").
const openingShare = 25

func markPassing(toks []token, hits []Hit) {
	if len(hits) < 2 {
		return
	}
	most := make([]int, len(hits)) // the most places of any other theme
	for i := range hits {
		for j := range hits {
			if j != i {
				most[i] = max(most[i], hits[j].Places)
			}
		}
	}
	at := 0
	for i := range hits {
		h := &hits[i]
		if h.Places != 1 {
			continue
		}
		// The token where the kept match starts.
		for at = 0; at < len(toks) && toks[at].start != h.Start; at++ {
		}
		if at == len(toks) {
			continue
		}
		h.Passing = subordinate(toks, at) ||
			prepositional(toks, at) && 100*at >= openingShare*len(toks) ||
			most[i] > h.Places && (toks[at].sent > 0 || !firstClause(toks, at))
	}
}

// subordinate reports whether a subordinating word stands before token at
// in its sentence.
func subordinate(toks []token, at int) bool {
	for j := at - 1; j >= 0 && toks[j].sent == toks[at].sent; j-- {
		if subordinators[toks[j].norm] {
			return true
		}
	}
	return false
}

// prepositional reports whether token at follows a preposition in its
// clause, determiners aside.
func prepositional(toks []token, at int) bool {
	for j := at - 1; j >= 0 && j >= at-3 && toks[j].clause == toks[at].clause; j-- {
		switch n := toks[j].norm; {
		case determiners[n]:
			continue
		case prepositions[n]:
			return true
		}
		return false
	}
	return false
}

// firstClause reports whether token at is in the first clause of its
// sentence.
func firstClause(toks []token, at int) bool {
	j := at
	for j > 0 && toks[j-1].sent == toks[at].sent {
		j--
	}
	return toks[j].clause == toks[at].clause
}

// countPlaces counts the matches that share no word with an earlier one.
func countPlaces(ms []span) int {
	used := map[int]bool{}
	n := 0
	for _, m := range ms {
		fresh := true
		for _, w := range m {
			if used[w] {
				fresh = false
			}
			used[w] = true
		}
		if fresh {
			n++
		}
	}
	return n
}
