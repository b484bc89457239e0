package concepts

import "strings"

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
//   - and its one place is subordinate: past the first clause of an
//     answer naming three themes or more; in a clause that a subordinating
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
		for i := range hits {
			markListed(toks, &hits[i])
		}
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
		h.Passing = listed(toks, at) || crowded(toks, at, hits) || subordinate(toks, at) ||
			prepositional(toks, at) && 100*at >= openingShare*len(toks) ||
			most[i] > h.Places && (toks[at].sent > 0 || !firstClause(toks, at))
	}
}

// crowded reports whether token at is past the first clause of an answer
// naming three themes or more: such an answer (a long account of a week)
// is about what it opens with and what it dwells on, and a theme said once
// further on is one detail among several.
func crowded(toks []token, at int, hits []Hit) bool {
	return len(hits) >= 3 && (toks[at].sent > 0 || !firstClause(toks, at))
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

// A theme named among the people around. "Partner, the quiz team, a
// brother in Scotland" says who is there, not what anyone does: the quiz
// team is one of the person's people, named. The labelling conventions of
// every set (docs/themes.md) give a bare list of who is around no theme,
// while "the ladies from church do a rota" or "a neighbour who does the
// shopping" is about what they do. So a theme whose one place is an item
// of a list of people, an item that says nothing done, is named in
// passing, even when it is the answer's only theme.

// people are the words that open an item naming one of the person's
// people or services around them.
var people = map[string]bool{
	"wife": true, "husband": true, "hubby": true, "partner": true, "son": true, "sons": true, "daughter": true,
	"daughters": true, "dtr": true, "dau": true, "brother": true, "brothers": true, "sister": true, "sisters": true,
	"niece": true, "nephew": true, "grandson": true, "granddaughter": true, "grandkids": true, "grandchildren": true,
	"kids": true, "children": true, "mum": true, "dad": true, "mother": true, "father": true, "friend": true,
	"friends": true, "neighbour": true, "neighbours": true, "nok": true, "family": true, "cousin": true,
	"aunt": true, "uncle": true, "carers": true, "dns": true, "dn": true, "gp": true, "girls": true, "lads": true,
	"boys": true, "twins": true, "stepson": true, "stepdaughter": true, "fiance": true, "fiancee": true,
	"goddaughter": true, "godson": true, "lodger": true, "housemate": true, "ex": true,
}

// deeds are the words that make an item say what someone does or is,
// rather than name them.
var deeds = map[string]bool{
	"do": true, "does": true, "did": true, "doing": true, "done": true, "help": true, "helps": true, "helped": true,
	"helping": true, "bring": true, "brings": true, "brought": true, "bringing": true, "pop": true, "pops": true,
	"popping": true, "sit": true, "sits": true, "sat": true, "sitting": true, "ring": true, "rings": true,
	"visit": true, "visits": true, "visiting": true, "come": true, "comes": true, "came": true, "coming": true,
	"care": true, "cares": true, "caring": true, "look": true, "looks": true, "run": true, "runs": true,
	"drive": true, "drives": true, "take": true, "takes": true, "took": true, "stay": true, "stays": true,
	"rota": true, "feed": true, "feeds": true, "fed": true, "cook": true, "cooks": true, "shop": true,
	"shops": true, "check": true, "checks": true, "sang": true, "sing": true, "sings": true, "pray": true,
	"prays": true, "is": true, "are": true, "was": true, "were": true, "has": true, "have": true, "had": true,
	"who": true, "that": true, "which": true, "know": true, "knows": true, "keeps": true, "keep": true,
	"sleeps": true, "lives": true, "live": true, "living": true, "works": true, "work": true, "worried": true,
	"exhausted": true, "struggling": true, "main": true,
}

// listed reports whether token at stands in a bare item of a list of
// people: a sentence of three items or more, two of them opening with one
// of people, the item holding at saying nothing done.
func listed(toks []token, at int) bool {
	sent := toks[at].sent
	items, named := 0, 0
	prev := -1
	opening := true
	for j := range toks {
		if toks[j].sent != sent {
			continue
		}
		if toks[j].clause != prev {
			prev, opening = toks[j].clause, true
			items++
		}
		if opening {
			n := toks[j].norm
			if determiners[n] || isNumber(n) || n == "and" || n == "two" || n == "three" || n == "four" || n == "her" || n == "his" {
				continue
			}
			opening = false
			if people[n] || people[strings.TrimSuffix(n, "s")] {
				named++
			}
		}
		if toks[j].clause == toks[at].clause && deeds[toks[j].norm] {
			return false
		}
	}
	return items >= 3 && named >= 2
}

func isNumber(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// markListed marks a theme said in one place, an item of a list of
// people, as named in passing.
func markListed(toks []token, h *Hit) {
	if h.Places != 1 {
		return
	}
	for at := range toks {
		if toks[at].start == h.Start {
			h.Passing = listed(toks, at)
			return
		}
	}
}
