package offline

import (
	"sort"
	"strings"

	"whatmatters/flows"
)

// MaxQuote is the longest quote a key phrase carries, in bytes: a
// sentence or clause, shortened around the phrase when longer.
const MaxQuote = 200

// KeyPhrases returns up to max key phrases of text: short runs of one to
// three content words, scored by what the care lexicon knows of them, each
// with its key (its words' stems joined by spaces) and the sentence or
// clause of text it came from, word for word. A meta reply ("skip", "+1")
// has none.
func KeyPhrases(text string, max int) []flows.Phrase {
	d := analyse(theLexicon(), text)
	if d.meta {
		return nil
	}
	return keyPhrases(d, max)
}

// phraseCandidate is one possible key phrase: a run of words [from, to).
type phraseCandidate struct {
	from, to int
	score    float64
}

// phraseWeights say how much a word adds to a phrase's score, by what the
// lexicon says of it: the first row whose categories the word has (and
// none of whose excluded ones), or that is a name, gives its weight; other
// words weigh 1. Words of people, community, what matters and living well
// weigh most: they are what a team's themes are about.
var phraseWeights = []struct {
	any, none lexCat
	name      bool // a likely name, when no row before matched
	weight    float64
}{
	{any: cPerson | cPet | cCommunity | cCommRes | cPlace | cLiveWell | cBereave | cRelCare, none: cFunction, weight: 2.2},
	// "wants", "plan", "needs", "aware": every answer has them.
	{any: cGeneric | cIntent | cLabel, weight: 0.2},
	{any: cWish | cStrain, weight: 2.0},
	{any: cForm | cPlan | cComfort | cRecognise | cLesson | cSupport | cHome, weight: 1.8},
	{any: cService | cMed | cIntervention | cClinical | cReactive | cAssess, weight: 1.6},
	{name: true, weight: 0.4},
}

// phraseWeight is how much word t adds to a phrase's score (phraseWeights).
func phraseWeight(t *token) float64 {
	for _, w := range phraseWeights {
		if w.name && t.name || t.cat&w.any != 0 && t.cat&w.none == 0 {
			return w.weight
		}
	}
	return 1.0
}

// phraseWord reports whether word i can be part of a key phrase: not a
// phraseStopword, not a bare number, not a marker.
func phraseWord(t *token) bool {
	// A scrubbed detail ("[NHS number]", "[name]") is never a key phrase.
	if t.synthetic || t.bracketed || t.nameHole || t.cat&(cFunction|cNegate|cDay) != 0 || len(t.w) < 2 {
		return false
	}
	if hasDigit(t.w) {
		return false
	}
	if phraseStopword[t.w] {
		return false
	}
	return true
}

// phraseStopword lists words that split phraseCandidate phrases besides the lexicon's
// function words.
var phraseStopword = map[string]bool{
	"also": true, "just": true, "really": true, "very": true, "quite": true, "still": true,
	"etc": true, "eg": true, "ie": true, "tbh": true, "pls": true, "yes": true, "ok": true,
	"okay": true, "well": true, "maybe": true, "perhaps": true, "lot": true, "lots": true,
	"thing": true, "things": true, "bit": true, "something": true, "anything": true,
	"everything": true, "someone": true, "anyone": true, "everyone": true, "being": true,
	"doing": true, "done": true, "did": true, "does": true, "not": true, "no": true,
	"yet": true, "now": true, "then": true, "there": true, "here": true, "these": true,
	"those": true, "such": true, "own": true, "lol": true, "x": true, "xx": true,
	"back": true, "once": true, "add": true, "change": true, "couple": true, "whose": true, "pseud": true, "pseudonym": true, "honestly": true,
	"im": true, "ive": true, "dont": true, "didnt": true, "cant": true, "wont": true,
	"isnt": true, "wasnt": true, "thats": true, "its": true, "hes": true, "shes": true,
	// Prepositions the lexicon does not list as function words: a phrase
	// does not run across them ("strangers traipsing through").
	"through": true, "via": true, "til": true, "till": true, "until": true, "onto": true, "upon": true,
	"within": true, "around": true, "across": true, "towards": true, "else": true, "twice": true,
}

// phraseNounCats are the lexicon's categories of things a team's themes
// are about: a single word stands as a key phrase only if it is one of
// these, and not a verb form ("dogs", "hospice", "syringe driver" stand;
// "wants", "talks", "met" do not).
const phraseNounCats = cPerson | cNOK | cPet | cCommunity | cCommRes | cPlace | cService | cIntervention | cMed |
	cForm | cClinical | cComfort | cRecognise | cLiveWell | cBereave | cHome | cPaidCarer | cFamilyCarer

// phraseVerbs are common verbs of care talk the lexicon files under a
// topic ("die", "stay", "sit", "laugh"): never a key phrase on their own,
// nor the last word of one.
var phraseVerbs = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`sit sits sat stay stays stayed die dies died live lives lived talk talks talked
		walk walked know knows mean means meet met ask asks pop pops turn turned say says tell tells help helps
		feel feels seem seems want wants like likes love loves loved let put keep keeps try tries watch watches
		watching laugh laughs enjoy enjoys hope hopes prefer prefers rather wish wishes matter matters reads
		bring brings take takes give gives make makes go goes come comes see sees look looks visit visits assess
		sleep sleeps eat eats drink drinks rings ring call calls cope copes manage manages need needs stop stops
		smile smiles cry cries sing sings sang dance dances cook cooks share shares miss misses worry worries`) {
		phraseVerbs[w] = true
	}
}

// phraseVerbForm reports a word that reads as a verb: listed, or a
// participle ("crying", "escalated") the lexicon does not file as an
// activity or a clinical word.
func phraseVerbForm(t *token) bool {
	if phraseVerbs[t.w] {
		return true
	}
	if len(t.w) > 4 && (strings.HasSuffix(t.w, "ing") || strings.HasSuffix(t.w, "ed")) {
		return t.cat&(cLiveWell|cClinical|cIntervention|cMed|cService|cForm|cPerson|cCommunity|cCommRes|cPlace) == 0
	}
	return false
}

// keyPhrases scores phraseCandidate phrases of an analysed answer and keeps the
// best max that do not overlap or share a key.
func keyPhrases(d *doc, max int) []flows.Phrase {
	if max <= 0 || len(d.toks) == 0 {
		return nil
	}
	var cands []phraseCandidate
	for _, cl := range d.clauses {
		i := cl[0]
		for i < cl[1] {
			if !phraseWord(&d.toks[i]) {
				i++
				continue
			}
			j := i
			for j < cl[1] && phraseWord(&d.toks[j]) {
				j++
			}
			for a := i; a < j; a++ {
				for b := a + 1; b <= j && b-a <= 3; b++ {
					if s := d.phraseScore(a, b); s > 0 {
						cands = append(cands, phraseCandidate{from: a, to: b, score: s})
					}
				}
			}
			i = j
		}
	}
	sort.SliceStable(cands, func(i, j int) bool {
		if cands[i].score != cands[j].score {
			return cands[i].score > cands[j].score
		}
		return cands[i].from < cands[j].from
	})
	used := make([]bool, len(d.toks))
	keys := map[string]bool{}
	var out []flows.Phrase
	for _, c := range cands {
		if len(out) == max {
			break
		}
		overlap := false
		for k := c.from; k < c.to; k++ {
			if used[k] {
				overlap = true
			}
		}
		if overlap {
			continue
		}
		words := make([]string, 0, c.to-c.from)
		stems := make([]string, 0, c.to-c.from)
		for k := c.from; k < c.to; k++ {
			words = append(words, d.toks[k].w)
			stems = append(stems, d.toks[k].s)
		}
		phrase := strings.Join(words, " ")
		// The words are Words' own, so their stems joined are
		// PhraseKey(phrase) without stemming again.
		key := strings.Join(stems, " ")
		if key == "" || keys[key] {
			continue
		}
		keys[key] = true
		for k := c.from; k < c.to; k++ {
			used[k] = true
		}
		out = append(out, flows.Phrase{Phrase: phrase, Key: key, Quote: d.quoteFor(c.from, c.to)})
	}
	return out
}

// phraseScore scores the words [a, b) as a key phrase, or 0 when they make
// a poor one: only generic words, or a name, or starting or ending on a
// generic word.
func (d *doc) phraseScore(a, b int) float64 {
	first, last := &d.toks[a], &d.toks[b-1]
	if first.cat&cGeneric != 0 && phraseWeight(first) < 1 || last.cat&cGeneric != 0 && phraseWeight(last) < 1 {
		return 0
	}
	n := b - a
	// A single word stands only if it names a thing of the lexicon's
	// topics; a phrase does not end on a verb.
	if n == 1 && (first.cat&phraseNounCats == 0 || first.cat&(cGeneric|cIntent|cLabel|cVoice) != 0) {
		return 0
	}
	if phraseVerbForm(last) {
		return 0
	}
	sum, names := 0.0, 0
	for k := a; k < b; k++ {
		t := &d.toks[k]
		sum += phraseWeight(t)
		if t.name {
			names++
		}
	}
	if names == n {
		return 0
	}
	// Several words say more than one: a phrase of two holding a topic
	// word ("granddaughters wedding") outranks a single topic word.
	score := sum / float64(n) * (1 + 0.5*float64(n-1))
	// A phrase the lexicon knows as one entry holds together.
	if n > 1 && d.oneEntry(a, b) {
		score += 0.8
	}
	return score
}

// oneEntry reports whether the words [a, b) are a multi-word lexicon entry.
func (d *doc) oneEntry(a, b int) bool {
	lx := theLexicon()
	for _, es := range [2][]lexEntry{lx.byFirst[d.toks[a].s], lx.byExact[d.toks[a].w]} {
		for _, e := range es {
			if len(e.keys) == b-a && e.cat&^(cFunction|cGeneric) != 0 && d.matchAt(a, e.keys) {
				return true
			}
		}
	}
	return false
}

// quoteFor returns the sentence holding words [a, b), or its clause when
// the sentence is too long, or a window of the clause around the words: in
// every case a span of the answer's text, word for word.
func (d *doc) quoteFor(a, b int) string {
	s := d.sentences[d.toks[a].sent]
	if q := d.span(s[0], s[1]); len(q) <= MaxQuote {
		return q
	}
	cl := d.clauses[d.toks[a].clause]
	if q := d.span(cl[0], cl[1]); len(q) <= MaxQuote {
		return q
	}
	from, to := a, b
	for {
		grew := false
		if from > cl[0] && d.toks[to-1].end-d.toks[from-1].start <= MaxQuote {
			from--
			grew = true
		}
		if to < cl[1] && d.toks[to].end-d.toks[from].start <= MaxQuote {
			to++
			grew = true
		}
		if !grew {
			break
		}
	}
	return d.span(from, to)
}

// span returns the text from the start of word a to the end of word b-1,
// keeping a closing bracket or quote mark that directly follows it.
func (d *doc) span(a, b int) string {
	start, end := d.toks[a].start, d.toks[b-1].end
	for end < len(d.text) && strings.IndexByte(")]\"'", d.text[end]) >= 0 {
		end++
	}
	for _, closing := range []string{"”", "’"} {
		if strings.HasPrefix(d.text[end:], closing) {
			end += len(closing)
		}
	}
	// A scrubbed detail is kept whole: "born [date]", not "born [date".
	if open := strings.LastIndexByte(d.text[start:end], '['); open >= 0 && !strings.Contains(d.text[start+open:end], "]") {
		if close := strings.IndexByte(d.text[end:], ']'); close >= 0 && close < 40 {
			end += close + 1
		}
	}
	return strings.TrimSpace(d.text[start:end])
}
