package themes

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"whatmatters/flows"
)

// trendWeeks is how many weeks the digest's trend covers, and prevWeeks how
// many weeks before the period its readings are compared with.
const (
	trendWeeks = 12
	prevWeeks  = 4
)

// maxRecurring and maxEmerging bound how many themes a digest lists, and
// maxQuotes how many candidate quotes each theme carries.
const (
	maxRecurring = 6
	maxEmerging  = 4
	maxQuotes    = 4
)

// directionPhrases say in people's words what reading toward a direction
// means.
var directionPhrases = map[string]string{
	flows.DirRelationships: "saw the person through the people around them",
	flows.DirStories:       "told a story rather than recording facts",
	flows.DirCommunity:     "found support in relationships and community, not only services",
	flows.DirAnticipation:  "planned ahead or drew a lesson together",
}

// DigestOptions says which digest to build.
type DigestOptions struct {
	TeamID string
	// Weeks is how many weeks the period covers, ending at Now; zero means 1.
	Weeks int
	Now   time.Time
	// Fallback codes, in memory only, answers the coding job has not
	// reached yet, so a digest never leaves an answer out; normally the
	// offline coder.
	Fallback flows.Coder
	// Embedder, when set, joins themes that the stems keep apart but whose
	// phrases mean much the same ("syringe driver", "the sd"): after the
	// stem grouping, each group's most frequent phrase is embedded and
	// groups whose phrases have a cosine similarity of at least
	// MergeThreshold become one theme. If the embedder fails, the themes
	// are those of the stems alone. Nil groups by stems alone.
	Embedder Embedder
	// MergeThreshold is the cosine similarity at or above which two
	// themes' phrases are taken to mean the same. Zero (or less) means
	// DefaultMergeThreshold; above 1 nothing joins.
	MergeThreshold float64
}

// BuildDigest reads the team's coded answers and builds its digest for the
// period of opts.Weeks weeks ending at opts.Now. A quiet period gives a
// digest with no answers, not an error. It returns flows.ErrNotFound if the
// team does not exist.
func BuildDigest(ctx context.Context, s flows.Store, opts DigestOptions) (flows.Digest, error) {
	d, _, err := BuildDigestWithGrouping(ctx, s, opts)
	return d, err
}

// BuildDigestWithGrouping is BuildDigest, and says how the digest's themes
// were grouped: by stems, or by stems and embeddings, and why not by
// embeddings when opts.Embedder failed.
func BuildDigestWithGrouping(ctx context.Context, s flows.Store, opts DigestOptions) (flows.Digest, Grouping, error) {
	if opts.Weeks <= 0 {
		opts.Weeks = 1
	}
	team, err := s.GetTeam(ctx, opts.TeamID)
	if err != nil {
		return flows.Digest{}, Grouping{}, fmt.Errorf("building a digest: %w", err)
	}
	loc, err := time.LoadLocation(team.Timezone)
	if err != nil {
		loc = time.UTC
	}
	to := opts.Now.In(loc)
	from := to.AddDate(0, 0, -7*opts.Weeks)
	prevFrom := from.AddDate(0, 0, -7*prevWeeks)
	trendFrom := to.AddDate(0, 0, -7*trendWeeks)
	earliest := prevFrom
	if trendFrom.Before(earliest) {
		earliest = trendFrom
	}
	all, err := s.ListCodedAnswers(ctx, team.ID, earliest.UTC(), to.UTC())
	if err != nil {
		return flows.Digest{}, Grouping{}, fmt.Errorf("building a digest: %w", err)
	}
	members, err := s.ListMembers(ctx, team.ID)
	if err != nil {
		return flows.Digest{}, Grouping{}, fmt.Errorf("building a digest: %w", err)
	}
	noQuotes := map[string]bool{}
	for _, m := range members {
		if m.NoQuotes {
			noQuotes[m.UserID] = true
		}
	}
	// Answers the coding job has not reached yet are read in memory, and
	// counted, so the digest can say so.
	inMemory := map[int64]bool{}
	for i := range all {
		if all[i].Codes != nil || opts.Fallback == nil {
			continue
		}
		c, err := opts.Fallback.Code(ctx, flows.CodeInput{Template: all[i].Template, Stage: all[i].Stage, Text: all[i].Text})
		if err != nil {
			continue
		}
		all[i].Codes = &c
		inMemory[all[i].ID] = true
	}

	d := flows.Digest{TeamID: team.ID, TeamName: team.Name, Timezone: loc.String(),
		From: from.UTC(), To: to.UTC(), Weeks: opts.Weeks}
	// The store lists answers oldest first, so the period and the weeks
	// before it are slices of all, not copies.
	at := func(t time.Time) int {
		i, _ := slices.BinarySearchFunc(all, t, func(a flows.CodedAnswer, t time.Time) int {
			if a.CreatedAt.Before(t) {
				return -1
			}
			return 1
		})
		return i
	}
	iPrev, iFrom := at(prevFrom), at(from)
	period, prev := all[iFrom:], all[iPrev:iFrom]
	counts(&d, period)
	d.Directions = readings(period, prev)
	d.Spoken, d.Silent = capabilities(period)
	if e, ok := opts.Embedder.(*OpenAIEmbedder); ok && e == nil {
		opts.Embedder = nil // a nil *OpenAIEmbedder means none configured
	}
	var gr Grouping
	d.Recurring, d.Emerging, gr = findThemes(ctx, period, noQuotes, embedGrouping{opts.Embedder, opts.MergeThreshold})
	d.Trend = trend(all, to, loc)
	d.Coder, d.Fallbacks, d.Uncoded, d.QuotesDropped = coderNote(period, inMemory)
	d.Question = suggestQuestion(d)
	if opts.Embedder != nil {
		d.Grouping = gr.By
	}
	return d, gr, nil
}

func counts(d *flows.Digest, period []flows.CodedAnswer) {
	reflections, cases, people := map[int64]bool{}, map[int64]bool{}, map[string]string{}
	for _, a := range period {
		reflections[a.ReflectionID] = true
		if a.CaseID != 0 {
			cases[a.CaseID] = true
		}
		if a.Author != "" {
			people[a.Author] = a.Discipline
		}
	}
	d.Answers, d.Reflections, d.Cases, d.Contributors = len(period), len(reflections), len(cases), len(people)
	if len(people) < 3 {
		return
	}
	// Grouped ignoring case, shown as first written ("GP", not "gp").
	byDiscipline, shown := map[string]int{}, map[string]string{}
	for _, a := range period {
		if disc := a.Discipline; disc != "" {
			if _, ok := shown[strings.ToLower(disc)]; !ok {
				shown[strings.ToLower(disc)] = disc
			}
		}
	}
	for _, disc := range people {
		if disc == "" {
			disc = "not given"
		}
		byDiscipline[strings.ToLower(disc)]++
	}
	for name, n := range byDiscipline {
		if s, ok := shown[name]; ok {
			name = s
		}
		d.Disciplines = append(d.Disciplines, flows.Count{Name: name, N: n})
	}
	sortCounts(d.Disciplines)
}

func sortCounts(cs []flows.Count) {
	slices.SortFunc(cs, func(a, b flows.Count) int {
		return cmp.Or(cmp.Compare(b.N, a.N), cmp.Compare(a.Name, b.Name))
	})
}

func readings(period, prev []flows.CodedAnswer) []flows.DirectionReading {
	out := make([]flows.DirectionReading, len(flows.Directions))
	for i, dir := range flows.Directions {
		r := flows.DirectionReading{Key: dir, Phrase: directionPhrases[dir]}
		for _, a := range period {
			if a.Codes == nil {
				continue
			}
			switch a.Codes.Direction(dir) {
			case flows.Toward:
				r.Toward++
				r.Of++
			case flows.Away:
				r.Away++
				r.Of++
			}
		}
		for _, a := range prev {
			if a.Codes == nil {
				continue
			}
			switch a.Codes.Direction(dir) {
			case flows.Toward:
				r.PrevToward++
				r.PrevOf++
			case flows.Away:
				r.PrevOf++
			}
		}
		out[i] = r
	}
	return out
}

func capabilities(period []flows.CodedAnswer) (spoken []flows.Count, silent []string) {
	n := map[string]int{}
	for _, a := range period {
		if a.Codes == nil {
			continue
		}
		for _, c := range a.Codes.Capabilities {
			n[c]++
		}
	}
	for _, c := range flows.Capabilities {
		if n[c] > 0 {
			spoken = append(spoken, flows.Count{Name: c, N: n[c]})
		} else {
			silent = append(silent, c)
		}
	}
	sortCounts(spoken)
	return spoken, silent
}

// genericKeys are single stemmed words too common in any account of care
// to be a theme on their own ("want", "check"): they recur everywhere and
// say nothing. Phrases that contain them ("wants to die at home") still
// count.
var genericKeys = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`want wants need needs check checked go going get got say said says tell told
		feel felt make made take took come came see saw know knew think thought look looked like ask asked
		keep kept try tried use used start started talk talked well good bit lot thing things day days time
		week weeks today yesterday really still also just now later plan plans`) {
		genericKeys[Stem(w)] = true
	}
}

// themeGroup gathers the phrases of one key across answers.
type themeGroup struct {
	key     string
	phrases map[string]int
	cases   map[int64]bool // caseID, or -reflectionID for answers with no case
	people  map[string]bool
	disc    map[string]bool
	answers int
	last    int64 // the last answer counted: hits come answer by answer
	quotes  []themeQuote
}

// themeQuote is a candidate quote, small: the answer's index in the period
// and the phrase's index in its codes, with the quote's fit (quoteFit).
// The quote itself is made again only for the few quotes shown.
type themeQuote struct {
	ai   int32
	pi   uint16
	fit  uint8
	used bool
}

// caseOf identifies an answer's case without building a string: the case
// ID, or the negated reflection ID when the answer has no case.
func caseOf(a *flows.CodedAnswer) int64 {
	if a.CaseID != 0 {
		return a.CaseID
	}
	return -a.ReflectionID
}

// findThemes groups the period's key phrases by key across answers. A key
// whose words all appear in a longer key's is the same theme said more
// briefly, so the longer key's answers join it. With an embedder, groups
// whose phrases' embeddings are close are then joined (mergeSimilar).
// Themes in two or more cases recur; the others are emerging.
func findThemes(ctx context.Context, period []flows.CodedAnswer, noQuotes map[string]bool, eg embedGrouping) (recurring, emerging []flows.Theme, gr Grouping) {
	gr.By = GroupedByStems
	// With an embedder, each group's answers (their indexes, in order) are
	// kept aside, so that joined groups count the union of their answers.
	var ans map[*themeGroup][]int32
	if eg.embedder != nil {
		ans = map[*themeGroup][]int32{}
	}
	// phraseKey is the key a phrase is grouped by, or "" when it is not
	// grouped (no key, or a generic single word).
	phraseKey := func(ph *flows.Phrase) string {
		k := ph.Key
		if k == "" {
			k = PhraseKey(ph.Phrase)
		}
		if genericKeys[k] {
			return ""
		}
		return k
	}
	// First pass: the keys in use, so that each key's home is known
	// before any answer is counted.
	keys := map[string]bool{}
	for i := range period {
		a := &period[i]
		if a.Codes == nil {
			continue
		}
		for j := range a.Codes.Phrases {
			if k := phraseKey(&a.Codes.Phrases[j]); k != "" {
				keys[k] = true
			}
		}
	}
	// A key absorbs into the shortest other key made of some of its words
	// ("jic med weekend" into "jic med"): key phrases are at most a few
	// words, so trying every subset of a key's words is cheap.
	home := make(map[string]string, len(keys))
	for k := range keys {
		home[k] = shorterHome(k, keys)
	}
	final := map[string]*themeGroup{}
	// Second pass: count each phrase in its key's home.
	for i := range period {
		a := &period[i]
		if a.Codes == nil {
			continue
		}
		for j := range a.Codes.Phrases {
			ph := &a.Codes.Phrases[j]
			k := phraseKey(ph)
			if k == "" {
				continue
			}
			k = home[k]
			g := final[k]
			if g == nil {
				g = &themeGroup{key: k, phrases: map[string]int{}, cases: map[int64]bool{}, people: map[string]bool{},
					disc: map[string]bool{}}
				final[k] = g
			}
			g.phrases[ph.Phrase]++
			g.cases[caseOf(a)] = true
			if a.Author != "" {
				g.people[a.Author] = true
			}
			if a.Discipline != "" {
				g.disc[a.Discipline] = true
			}
			if g.last == a.ID {
				continue // one answer counts once, and gives one quote
			}
			g.last = a.ID
			g.answers++
			if ans != nil && i <= math.MaxInt32 {
				ans[g] = append(ans[g], int32(i))
			}
			if q, ok := verifiedQuote(*a, ph.Quote, noQuotes); ok && i <= math.MaxInt32 && j <= math.MaxUint16 {
				g.quotes = append(g.quotes, themeQuote{ai: int32(i), pi: uint16(j), fit: uint8(quoteFit(q))})
			}
		}
	}
	if ans != nil && len(final) >= 2 {
		gr.Model = embedderModel(eg.embedder)
		n, err := mergeSimilar(ctx, final, ans, eg)
		if err != nil {
			gr.Err = err
		} else {
			gr.By, gr.Merged = byEmbeddings(gr.Model), n
		}
	}
	// Themes are ordered and cut before their quotes are picked: only the
	// themes shown need them.
	type ranked struct {
		t flows.Theme
		g *themeGroup
	}
	var rec, emg []ranked
	for _, g := range final {
		t := flows.Theme{Key: g.key, Phrase: bestPhrase(g.phrases), Cases: len(g.cases), People: len(g.people),
			Answers: g.answers}
		if t.Cases >= 2 {
			rec = append(rec, ranked{t, g})
		} else if t.Answers >= 2 || wordCount(g.key) >= 2 {
			emg = append(emg, ranked{t, g})
		}
	}
	order := func(x, y ranked) int {
		a, b := x.t, y.t
		return cmp.Or(cmp.Compare(b.Cases, a.Cases), cmp.Compare(b.People, a.People),
			cmp.Compare(b.Answers, a.Answers), cmp.Compare(wordCount(b.Key), wordCount(a.Key)),
			cmp.Compare(a.Key, b.Key))
	}
	finish := func(rs []ranked, max int) []flows.Theme {
		slices.SortFunc(rs, order)
		if len(rs) > max {
			rs = rs[:max]
		}
		var out []flows.Theme
		for _, r := range rs {
			r.t.Disciplines = sortedKeys(r.g.disc)
			r.t.Quotes = pickQuotes(r.g, period, noQuotes)
			out = append(out, r.t)
		}
		return out
	}
	return finish(rec, maxRecurring), finish(emg, maxEmerging), gr
}

// shorterHome returns the key k's theme joins: the shortest (then first
// in order) key in groups made of a proper subset of k's words, in k's
// order, or k itself.
func shorterHome(k string, groups map[string]bool) string {
	words := strings.Fields(k)
	if len(words) < 2 || len(words) > 6 {
		return k
	}
	best := k
	bestN := len(words)
	for mask := 1; mask < 1<<len(words)-1; mask++ {
		var sub []string
		for i, w := range words {
			if mask&(1<<i) != 0 {
				sub = append(sub, w)
			}
		}
		cand := strings.Join(sub, " ")
		if !groups[cand] {
			continue
		}
		if len(sub) < bestN || (len(sub) == bestN && cand < best) {
			best, bestN = cand, len(sub)
		}
	}
	return best
}

// verifiedQuote makes a quote of an answer, if it may be shown: its text
// must appear word for word in the stored answer, and its author must not
// have asked not to be quoted.
func verifiedQuote(a flows.CodedAnswer, quote string, noQuotes map[string]bool) (flows.Quote, bool) {
	quote = strings.TrimSpace(quote)
	if quote == "" || noQuotes[a.Author] || a.Author == "" || !strings.Contains(a.Text, quote) {
		return flows.Quote{}, false
	}
	disc := a.Discipline
	if disc == "" {
		disc = "a colleague"
	}
	return flows.Quote{Text: quote, Discipline: disc, AnswerID: a.ID, Channel: a.Channel}, true
}

// wordCount is len(strings.Fields(s)), without building the fields.
func wordCount(s string) int {
	n, in := 0, false
	for _, r := range s {
		space := unicode.IsSpace(r)
		if !space && !in {
			n++
		}
		in = !space
	}
	return n
}

// quoteFit ranks a quote's length: readable first, then long, then short.
func quoteFit(q flows.Quote) int {
	n := utf8.RuneCountInString(q.Text)
	switch {
	case n >= 30 && n <= 160:
		return 0
	case n > 160:
		return 1
	}
	return 2
}

// pickQuotes orders a theme's quotes: first one from each case (so the
// evidence is not one story told twice), the readable length first. Only
// the first maxQuotes are kept, so only they are looked for: the best
// quote of each case, in order, then the best of the rest.
func pickQuotes(g *themeGroup, period []flows.CodedAnswer, noQuotes map[string]bool) []flows.Quote {
	less := func(a, b *themeQuote) bool {
		return a.fit < b.fit || a.fit == b.fit && period[a.ai].ID < period[b.ai].ID
	}
	qs := g.quotes
	for i := range qs {
		qs[i].used = false
	}
	var out []flows.Quote
	seen := map[int64]bool{}
	// Round one: the best quote of a case not yet quoted; round two: the
	// best quote not yet taken.
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
			seen[caseOf(a)] = true
			q, _ := verifiedQuote(*a, a.Codes.Phrases[qs[best].pi].Quote, noQuotes)
			out = append(out, q)
		}
	}
	return out
}

func bestPhrase(phrases map[string]int) string {
	best, n := "", -1
	for p, c := range phrases {
		if c > n || (c == n && (len(p) < len(best) || (len(p) == len(best) && p < best))) {
			best, n = p, c
		}
	}
	return best
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// trend buckets answers into the twelve weeks ending at to.
func trend(all []flows.CodedAnswer, to time.Time, loc *time.Location) []flows.WeekReading {
	weeks := make([]flows.WeekReading, trendWeeks)
	starts := make([]time.Time, trendWeeks+1)
	for i := 0; i <= trendWeeks; i++ {
		starts[i] = to.AddDate(0, 0, -7*(trendWeeks-i))
	}
	for i := range weeks {
		weeks[i] = flows.WeekReading{Start: starts[i].In(loc), Toward: map[string]int{}}
	}
	for _, a := range all {
		if a.Codes == nil || a.CreatedAt.Before(starts[0]) || !a.CreatedAt.Before(starts[trendWeeks]) {
			continue
		}
		i, _ := slices.BinarySearchFunc(starts[1:], a.CreatedAt, func(s, t time.Time) int {
			if !s.After(t) {
				return -1
			}
			return 1
		})
		w := &weeks[i]
		w.Answers++
		for _, dir := range flows.Directions {
			if a.Codes.Direction(dir) == flows.Toward {
				w.Toward[dir]++
			}
		}
	}
	return weeks
}

// coderNote says which coder made the period's codes; inMemory are the
// answers read now because the coding job has not stored their codes yet.
func coderNote(period []flows.CodedAnswer, inMemory map[int64]bool) (name string, fallbacks, uncoded, dropped int) {
	byCoder := map[string]int{}
	for _, a := range period {
		if a.Codes == nil || inMemory[a.ID] {
			uncoded++
		}
		if a.Codes == nil {
			continue
		}
		if a.Codes.Fallback {
			fallbacks++
		}
		dropped += a.Codes.DroppedQuotes
		byCoder[a.Codes.Coder]++
	}
	names := make([]string, 0, len(byCoder))
	for k := range byCoder {
		names = append(names, k)
	}
	slices.Sort(names)
	if len(names) == 0 {
		return OfflineName, fallbacks, uncoded, dropped
	}
	return strings.Join(names, " and "), fallbacks, uncoded, dropped
}
