package themes

import (
	"cmp"
	"context"
	"math"
	"slices"
	"strings"
	"unicode"

	"whatmatters/concepts"
	"whatmatters/flows"
)

// caseKey identifies what an answer is about, for counting cases: its case,
// whatever the reflection (a check-in or an after-death reflection on a case
// counts toward that case, once); or, for an answer about no case (a
// check-in), the one person its writer had in mind in that reflection.
type caseKey struct {
	caseID     int64
	reflection int64
	author     string
}

func caseOf(a *flows.CodedAnswer) caseKey {
	if a.CaseID != 0 {
		return caseKey{caseID: a.CaseID}
	}
	return caseKey{reflection: a.ReflectionID, author: a.Author}
}

// themeGroup gathers the evidence of one theme across answers.
type themeGroup struct {
	key     string // the catalogue id, or an emerging theme's key
	phrases map[string]int
	cases   map[caseKey]bool
	people  map[string]bool
	disc    map[string]bool
	answers int
	last    int64 // the last answer counted: hits come answer by answer
	quotes  []themeQuote
	// passing are the answers that name the theme only in passing
	// (PassingKey), with their quotes: they count toward its cases and
	// people, but are its evidence only when no answer is about it.
	passing       []int32
	passingQuotes []themeQuote
	// onlyInPassing says that no answer is about the theme, so its evidence
	// is the answers naming it in passing (evidence).
	onlyInPassing bool
}

func newGroup(key string) *themeGroup {
	return &themeGroup{key: key, phrases: map[string]int{}, cases: map[caseKey]bool{},
		people: map[string]bool{}, disc: map[string]bool{}}
}

// add counts answer i of the period, whose phrase j carries the theme.
func (g *themeGroup) add(period []flows.CodedAnswer, i, j int, noQuotes map[string]bool, ans map[*themeGroup][]int32) {
	a := &period[i]
	ph := &a.Codes.Phrases[j]
	g.phrases[ph.Phrase]++
	g.cases[caseOf(a)] = true
	if a.Author != "" {
		g.people[a.Author] = true
	}
	if a.Discipline != "" {
		g.disc[strings.ToLower(a.Discipline)] = true
	}
	if g.last == a.ID {
		return // one answer counts once, and gives one quote
	}
	g.last = a.ID
	if i > math.MaxInt32 || j > math.MaxUint16 {
		return
	}
	var tq *themeQuote
	if q, ok := verifiedQuote(*a, ph.Quote, noQuotes, nil); ok && !concepts.IsPlaceholderOnly(q.Text) {
		tq = &themeQuote{ai: int32(i), pi: uint16(j), fit: uint8(quoteFit(q))}
	}
	if strings.HasPrefix(ph.Key, PassingKey) {
		g.passing = append(g.passing, int32(i))
		if tq != nil {
			g.passingQuotes = append(g.passingQuotes, *tq)
		}
		return
	}
	g.answers++
	ans[g] = append(ans[g], int32(i))
	if tq != nil {
		g.quotes = append(g.quotes, *tq)
	}
}

// evidence makes the answers that name the theme in passing its evidence
// when no answer is about it, so that a recurring theme is never shown
// without its answers.
func (g *themeGroup) evidence(ans map[*themeGroup][]int32) {
	if g.answers > 0 || len(g.passing) == 0 {
		return
	}
	g.answers = len(g.passing)
	ans[g] = g.passing
	g.quotes = g.passingQuotes
	g.passing, g.passingQuotes = nil, nil
	g.onlyInPassing = true
}

// PassingKey starts the key of a theme phrase whose answer names the theme
// only in passing (concepts.Hit.Passing): the answer counts toward the
// theme's cases and people, but its quote and its place among the
// theme's answers go to answers about the theme.
const PassingKey = "passing:"

// recurs is the rule for a theme to be reported as recurring: found in two
// or more cases, from two or more people.
func (g *themeGroup) recurs() bool { return len(g.cases) >= 2 && len(g.people) >= 2 }

// themeQuote is a candidate quote, small: the answer's index in the period
// and the phrase's index in its codes, with the quote's fit (quoteFit).
// The quote itself is made again only for the quotes shown.
type themeQuote struct {
	ai   int32
	pi   uint16
	fit  uint8
	used bool
}

// themeFinder finds a period's themes.
type themeFinder struct {
	cat      *concepts.Catalogue
	period   []flows.CodedAnswer
	noQuotes map[string]bool
	// attribute says how a discipline is shown beside a quote: as itself
	// where two or more people of it contributed in the period, else as
	// "a team member", so that nobody is named by their discipline.
	attribute func(discipline string) string
	// avoid are words never made into an emerging theme: the team's case
	// pseudonyms.
	avoid map[string]bool
	eg    embedGrouping
}

// find returns the catalogue themes that recur, and the emerging ones: key
// phrases outside the catalogue that recur the same way. With an embedder,
// emerging groups whose phrases mean the same are joined.
func (f *themeFinder) find(ctx context.Context) (recurring, emerging []flows.Theme, gr Grouping) {
	gr.By = GroupedByStems
	ans := map[*themeGroup][]int32{}
	byTheme := map[string]*themeGroup{}
	for i := range f.period {
		a := &f.period[i]
		if a.Codes == nil {
			continue
		}
		for j := range a.Codes.Phrases {
			id := a.Codes.Phrases[j].Theme
			if id == "" {
				continue
			}
			if _, known := f.cat.Theme(id); !known {
				continue // a theme since taken out of the catalogue
			}
			g := byTheme[id]
			if g == nil {
				g = newGroup(id)
				byTheme[id] = g
			}
			g.add(f.period, i, j, f.noQuotes, ans)
		}
	}
	var recurringGroups, emergingGroups []*themeGroup
	for _, g := range byTheme {
		if !g.recurs() {
			continue
		}
		g.evidence(ans)
		t, _ := f.cat.Theme(g.key)
		recurring = append(recurring, f.theme(g, ans[g], flows.Theme{ID: t.ID, Label: t.Label, Definition: t.Definition,
			SpeaksTo: t.SpeaksTo, Key: t.ID, Phrase: bestPhrase(g.phrases)}))
		recurringGroups = append(recurringGroups, g)
	}
	groups := f.emergingGroups(ans)
	if f.eg.embedder != nil && len(groups) >= 2 {
		gr.Model = embedderModel(f.eg.embedder)
		n, err := mergeSimilar(ctx, groups, ans, f.eg)
		if err != nil {
			gr.Err = err
		} else {
			gr.By, gr.Merged = byEmbeddings(gr.Model), n
		}
	}
	for _, g := range groups {
		if !g.recurs() {
			continue
		}
		p := bestPhrase(g.phrases)
		emerging = append(emerging, f.theme(g, ans[g], flows.Theme{Label: p, Key: g.key, Phrase: p}))
		emergingGroups = append(emergingGroups, g)
	}
	sortThemes(recurring, recurringGroups)
	sortThemes(emerging, emergingGroups)
	if len(emerging) > maxEmerging {
		emerging, emergingGroups = emerging[:maxEmerging], emergingGroups[:maxEmerging]
	}
	// Quotes are chosen strongest theme first, each preferring answers no
	// stronger theme has quoted already, so that one vivid sentence that
	// carries three themes does not stand for all three while others said
	// the same things in other words.
	quoted := map[int32]bool{}
	for i, g := range recurringGroups {
		recurring[i].Quotes = f.pickQuotes(g, quoted)
	}
	for i, g := range emergingGroups {
		emerging[i].Quotes = f.pickQuotes(g, quoted)
	}
	return recurring, emerging, gr
}

// sortThemes orders themes strongest first (the cases with an answer about
// them, then all their cases, then people, then answers, then label),
// keeping each theme's group beside it. A theme named in passing in many
// cases but the subject of few comes after one that is the subject of
// more: across the tuning sets, of the five themes a digest's text shows,
// 6 were not recurring concepts when ordered by all cases, 3 this way.
func sortThemes(ts []flows.Theme, gs []*themeGroup) {
	idx := make([]int, len(ts))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(i, j int) int {
		a, b := &ts[i], &ts[j]
		return cmp.Or(cmp.Compare(b.SubjectCases, a.SubjectCases), cmp.Compare(b.Cases, a.Cases), cmp.Compare(b.People, a.People),
			cmp.Compare(b.Answers, a.Answers), cmp.Compare(a.Label, b.Label))
	})
	sortedT := make([]flows.Theme, len(ts))
	sortedG := make([]*themeGroup, len(gs))
	for k, i := range idx {
		sortedT[k], sortedG[k] = ts[i], gs[i]
	}
	copy(ts, sortedT)
	copy(gs, sortedG)
}

// theme fills in a theme's counts, evidence and quotes.
func (f *themeFinder) theme(g *themeGroup, idx []int32, t flows.Theme) flows.Theme {
	t.Cases, t.People, t.Answers = len(g.cases), len(g.people), g.answers
	t.AnswerIDs = make([]int64, 0, len(idx))
	subject := make(map[caseKey]bool, len(idx))
	for _, i := range idx {
		t.AnswerIDs = append(t.AnswerIDs, f.period[i].ID)
		if !g.onlyInPassing {
			subject[caseOf(&f.period[i])] = true
		}
	}
	t.SubjectCases = len(subject)
	for _, i := range g.passing {
		t.PassingAnswerIDs = append(t.PassingAnswerIDs, f.period[i].ID)
	}
	seen := map[string]bool{}
	for d := range g.disc {
		if shown := f.attribute(d); shown != anonymous && !seen[shown] {
			seen[shown] = true
			t.Disciplines = append(t.Disciplines, shown)
		}
	}
	slices.Sort(t.Disciplines)
	return t
}

// emergingGroups groups the period's key phrases outside the catalogue by
// meaning (MeaningKey: lemmas and WordNet's commonest senses, then stems),
// from the answers of people who allow quotes. Only phrases of two or more
// words are candidates (single words recur in any account of care and say
// little: "home", "daughter"), and
// not ones that restate a catalogue theme found in the same answer, hold
// a scrubbed detail, name a case, or are a theme's look-alike where they
// were written (dropLookAlikes). A key whose words all appear in a
// longer key's is the same theme said more briefly, so the longer key's
// answers join it.
func (f *themeFinder) emergingGroups(ans map[*themeGroup][]int32) map[string]*themeGroup {
	inCatalogue := map[string]bool{} // phrase → a catalogue cue finds a theme in it
	// Each phrase's key, worked out once for both passes ("" when it is no
	// candidate).
	kept := make([][]string, len(f.period))
	keys := map[string]bool{}
	for i := range f.period {
		a := &f.period[i]
		if a.Codes == nil {
			continue
		}
		kept[i] = make([]string, len(a.Codes.Phrases))
		for j := range a.Codes.Phrases {
			if k := f.emergingKey(a, &a.Codes.Phrases[j], inCatalogue); k != "" {
				kept[i][j] = k
				keys[k] = true
			}
		}
	}
	home := make(map[string]string, len(keys))
	for k := range keys {
		home[k] = shorterHome(k, keys)
	}
	f.dropLookAlikes(kept, home)
	groups := map[string]*themeGroup{}
	for i := range f.period {
		a := &f.period[i]
		if a.Codes == nil {
			continue
		}
		for j, k := range kept[i] {
			if k == "" {
				continue
			}
			k = home[k]
			g := groups[k]
			if g == nil {
				g = newGroup(k)
				groups[k] = g
			}
			g.add(f.period, i, j, f.noQuotes, ans)
		}
	}
	return groups
}

// dropLookAlikes takes out of kept the phrases the catalogue sets aside,
// where they were written, as a theme's look-alike ("a dog's dinner of a
// discharge", "a real pain to arrange"): a figure of speech, not a theme.
// Only phrases whose group holds two answers or more are read, since a
// group of one never recurs.
func (f *themeFinder) dropLookAlikes(kept [][]string, home map[string]string) {
	n := map[string]int{}
	for i := range kept {
		for _, k := range kept[i] {
			if k != "" {
				n[home[k]]++
			}
		}
	}
	may := map[string]bool{}   // phrase → it holds a word of a look-alike
	alike := map[string]bool{} // phrase and the words around it → a look-alike there
	for i := range kept {
		for j, k := range kept[i] {
			if k == "" || n[home[k]] < 2 {
				continue
			}
			ph := &f.period[i].Codes.Phrases[j]
			lower := strings.ToLower(ph.Phrase)
			m, seen := may[lower]
			if !seen {
				m = f.cat.MayLookAlike(lower)
				may[lower] = m
			}
			if !m {
				continue
			}
			q := strings.ToLower(ph.Quote)
			at := strings.Index(q, lower)
			if at < 0 {
				continue
			}
			// An exclusion is a few words: those around the phrase are
			// enough to read.
			lo, hi := wordStart(q, max(at-lookAround, 0)), wordEnd(q, min(at+len(lower)+lookAround, len(q)))
			key := lower + "\x00" + q[lo:hi]
			a, seen := alike[key]
			if !seen {
				a = f.cat.LooksAlike(q[lo:hi], at-lo, at-lo+len(lower))
				alike[key] = a
			}
			if a {
				kept[i][j] = ""
			}
		}
	}
}

// lookAround is how many bytes either side of a phrase dropLookAlikes
// reads: more than the longest exclusion.
const lookAround = 60

// wordStart moves i back to the start of the word it falls in.
func wordStart(s string, i int) int {
	for i > 0 && s[i-1] != ' ' {
		i--
	}
	return i
}

// wordEnd moves i on to the end of the word it falls in.
func wordEnd(s string, i int) int {
	for i < len(s) && s[i] != ' ' {
		i++
	}
	return i
}

// lowerWords splits a short phrase into lower-case words, punctuation
// trimmed.
func lowerWords(p string) []string {
	fs := strings.Fields(strings.ToLower(p))
	for i, w := range fs {
		fs[i] = strings.TrimFunc(w, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	}
	return fs
}

// emergingKey is the meaning key of a phrase that may be an emerging theme,
// or "" when it may not: a catalogue theme's phrase, the words of someone
// with quotes off, a single word, a scrubbed detail, a phrase naming only
// who was there or only a condition ("chest infection", clinicalOnly), a
// case's pseudonym, a phrase a catalogue cue reads, or one sharing a word
// with a theme found in the same answer.
func (f *themeFinder) emergingKey(a *flows.CodedAnswer, ph *flows.Phrase, inCatalogue map[string]bool) string {
	// An emerging theme is named in people's own words: never those of
	// someone who asked not to be quoted.
	if ph.Theme != "" || f.noQuotes[a.Author] {
		return ""
	}
	k := MeaningKey(ph.Phrase)
	if strings.Count(k, " ") < 1 || strings.ContainsAny(ph.Phrase, "[]") {
		return ""
	}
	words := lowerWords(ph.Phrase)
	if rolesOnly(words) || clinicalOnly(words) {
		return ""
	}
	for _, w := range words {
		if f.avoid[w] {
			return ""
		}
	}
	// A phrase a catalogue cue reads as a theme ("fast track") is that
	// theme said where its other cues did not find it, not a theme
	// outside the catalogue.
	lower := strings.ToLower(ph.Phrase)
	in, seen := inCatalogue[lower]
	if !seen {
		in = len(f.cat.Find(ph.Phrase)) > 0
		inCatalogue[lower] = in
	}
	if in {
		return ""
	}
	for j := range a.Codes.Phrases {
		if t := &a.Codes.Phrases[j]; t.Theme != "" && sharesWord(lowerWords(t.Phrase), words) {
			return ""
		}
	}
	return k
}

// roles are words that name who gives care or who someone is to the
// person, what they did in passing and how often: a phrase made of them
// alone ("hospice cns", "ooh gp", "agency carers", "wife rang", "dn
// daily", "carers bd") says who was there, which is no theme.
var roles = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`gp gps cns dn dns ooh hospice nurse nurses carer carers agency team teams
		doctor doctors dr consultant registrar reg sw ot ots physio physios chaplain macmillan hca hcas staff
		paramedic paramedics crew ward wards district community palliative pall care service services social
		worker workers cnss sister brother mum mam dad wife husband hubby son sons daughter daughters dtr
		family families partner niece nephew grandson granddaughter rang rung called phoned visited came
		saw seen night day weekend manager matron eldest youngest rings ringing phones visits pops
		daily weekly nightly fortnightly twice bd tds qds od`) {
		roles[w] = true
	}
}

// rolesOnly reports whether every word of a phrase is one of roles.
func rolesOnly(words []string) bool {
	for _, w := range words {
		if !roles[w] {
			return false
		}
	}
	return len(words) > 0
}

// sharesWord reports whether two phrases share a word of three letters or
// more.
func sharesWord(a, b []string) bool {
	for _, w := range b {
		if len(w) > 2 && slices.Contains(a, w) {
			return true
		}
	}
	return false
}

// pickQuotes orders a theme's quotes: first one from each case (so the
// evidence is not one story told twice), answers that no stronger theme
// quoted (quoted, which it adds to) before those that one did, the
// readable length first. Only the first maxQuotes are kept, so only they
// are made: the best quote of each case, in order, then the best of the
// rest.
func (f *themeFinder) pickQuotes(g *themeGroup, quoted map[int32]bool) []flows.Quote {
	period := f.period
	less := func(a, b *themeQuote) bool {
		if qa, qb := quoted[a.ai], quoted[b.ai]; qa != qb {
			return qb
		}
		return a.fit < b.fit || a.fit == b.fit && period[a.ai].ID < period[b.ai].ID
	}
	qs := g.quotes
	for i := range qs {
		qs[i].used = false
	}
	var out []flows.Quote
	seen := map[caseKey]bool{}
	for round := 0; round < 2 && len(out) < maxQuotes; round++ {
		for len(out) < maxQuotes {
			best := -1
			for i := range qs {
				if qs[i].used || round == 0 && seen[caseOf(&period[qs[i].ai])] {
					continue
				}
				if best < 0 || less(&qs[i], &qs[best]) {
					best = i
				}
			}
			if best < 0 {
				break
			}
			qs[best].used = true
			a := &period[qs[best].ai]
			if len(out) < shownQuotes {
				quoted[qs[best].ai] = true
			}
			seen[caseOf(a)] = true
			ph := a.Codes.Phrases[qs[best].pi]
			q, _ := verifiedQuote(*a, ph.Quote, f.noQuotes, f.attribute)
			q.CutBefore, q.CutAfter = ph.CutBefore, ph.CutAfter
			out = append(out, q)
		}
	}
	return out
}

// anonymous is how a quote is attributed when its discipline would name
// its writer.
const anonymous = "a team member"

// attribution returns how each discipline is shown in a period: as itself
// where at least two people of that discipline contributed, else as "a
// team member".
func attribution(period []flows.CodedAnswer) func(string) string {
	people := map[string]map[string]bool{}
	for i := range period {
		a := &period[i]
		d := strings.ToLower(strings.TrimSpace(a.Discipline))
		if d == "" || a.Author == "" {
			continue
		}
		if people[d] == nil {
			people[d] = map[string]bool{}
		}
		people[d][a.Author] = true
	}
	shown := map[string]string{}
	for i := range period {
		d := strings.TrimSpace(period[i].Discipline)
		if _, ok := shown[strings.ToLower(d)]; !ok && d != "" {
			shown[strings.ToLower(d)] = d
		}
	}
	return func(disc string) string {
		d := strings.ToLower(strings.TrimSpace(disc))
		if len(people[d]) < 2 {
			return anonymous
		}
		return shown[d]
	}
}

// findThemePhrases finds the catalogue's themes in an answer's text at a
// stage, each as a phrase: the words that carry it, the theme's id, and
// the sentence (or clauses) to quote, word for word. Its key is the
// theme's id, after PassingKey where the answer names the theme only in
// passing, by the finder's rules or by the aboutness.
func findThemePhrases(cat *concepts.Catalogue, stage, text string, about *aboutness) []flows.Phrase {
	hits := cat.Find(text)
	about.mark(stage, hits)
	out := make([]flows.Phrase, 0, len(hits))
	for _, h := range hits {
		q := concepts.QuoteFor(text, h.Start, h.End)
		key := h.Theme
		if h.Passing {
			key = PassingKey + h.Theme
		}
		out = append(out, flows.Phrase{Phrase: text[h.Start:h.End], Key: key, Theme: h.Theme, Quote: q.Text,
			CutBefore: q.CutBefore, CutAfter: q.CutAfter})
	}
	return out
}
