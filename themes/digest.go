package themes

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"whatmatters/concepts"
	"whatmatters/flows"
)

// minTrendWeeks is the fewest weeks the digest's trend covers (its own
// period when longer), and prevWeeks how many weeks before the period its
// readings are compared with.
const (
	minTrendWeeks = 4
	prevWeeks     = 4
)

// maxEmerging bounds how many emerging themes a digest lists, and
// maxQuotes how many candidate quotes each theme carries. Every recurring
// theme is listed.
const (
	maxEmerging = 8
	maxQuotes   = 4
	// shownQuotes is how many of a theme's quotes a digest shows (flows'
	// quotesShown): those a weaker theme avoids repeating.
	shownQuotes = 2
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
	// Shown says which channels' answers the digest may draw on; nil
	// means all (see flows.DigestRequest).
	Shown func(channel string) bool
	// Catalogue names the themes; nil means the built-in catalogue.
	Catalogue *concepts.Catalogue
}

// BuildDigest reads the team's coded answers and builds its digest for the
// period of opts.Weeks weeks ending at opts.Now. A quiet period gives a
// digest with no answers, not an error. It returns flows.ErrNotFound if the
// team does not exist.
func BuildDigest(ctx context.Context, s flows.DigestSource, opts DigestOptions) (flows.Digest, error) {
	d, _, err := BuildDigestWithGrouping(ctx, s, opts)
	return d, err
}

// BuildDigestWithGrouping is BuildDigest, and says how the digest's themes
// were grouped: by stems, or by stems and embeddings, and why not by
// embeddings when opts.Embedder failed.
func BuildDigestWithGrouping(ctx context.Context, s flows.DigestSource, opts DigestOptions) (flows.Digest, Grouping, error) {
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
	trendFrom := to.AddDate(0, 0, -7*max(opts.Weeks, minTrendWeeks))
	earliest := prevFrom
	if trendFrom.Before(earliest) {
		earliest = trendFrom
	}
	all, err := s.ListCodedAnswers(ctx, team.ID, earliest.UTC(), to.UTC())
	if err != nil {
		return flows.Digest{}, Grouping{}, fmt.Errorf("building a digest: %w", err)
	}
	if opts.Shown != nil {
		all = slices.DeleteFunc(all, func(a flows.CodedAnswer) bool { return !opts.Shown(a.Channel) })
	}
	cat := opts.Catalogue
	if cat == nil {
		cat = builtinCatalogue()
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
	cases, err := s.ListCases(ctx, team.ID)
	if err != nil {
		return flows.Digest{}, Grouping{}, fmt.Errorf("building a digest: %w", err)
	}
	avoid := map[string]bool{}
	for _, c := range cases {
		for _, w := range concepts.Words(c.Label) {
			avoid[w] = true
		}
	}
	f := themeFinder{cat: cat, period: period, noQuotes: noQuotes, attribute: attribution(period), avoid: avoid,
		eg: embedGrouping{opts.Embedder, opts.MergeThreshold}}
	var gr Grouping
	d.Recurring, d.Emerging, gr = f.find(ctx)
	d.Trend = trend(all, to, max(opts.Weeks, minTrendWeeks), loc)
	d.Coder, d.Fallbacks, d.Uncoded, d.QuotesDropped = coderNote(period, inMemory)
	d.ReadOffline = readOffline(period, inMemory)
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

// sortCounts orders counts most first, then by name as a reader would,
// ignoring case ("chaplain, GP, nurse", not "GP, chaplain, nurse").
func sortCounts(cs []flows.Count) {
	slices.SortFunc(cs, func(a, b flows.Count) int {
		return cmp.Or(cmp.Compare(b.N, a.N), cmp.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)), cmp.Compare(a.Name, b.Name))
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
// have asked not to be quoted. It is attributed as attribute says (by
// discipline, or as "a team member").
func verifiedQuote(a flows.CodedAnswer, quote string, noQuotes map[string]bool, attribute func(string) string) (flows.Quote, bool) {
	quote = strings.TrimSpace(quote)
	if quote == "" || noQuotes[a.Author] || a.Author == "" || !strings.Contains(a.Text, quote) {
		return flows.Quote{}, false
	}
	disc := anonymous
	if attribute != nil && a.Discipline != "" {
		disc = attribute(a.Discipline)
	}
	return flows.Quote{Text: quote, Discipline: disc, AnswerID: a.ID, Channel: a.Channel}, true
}

// quoteFit ranks a quote by how well it reads: a readable length with
// words enough to say something ("says home is where he wants to be, with
// the dog") first, then a readable length in note form ("lung ca,
// deteriorating, PPC home."), then long, then short.
func quoteFit(q flows.Quote) int {
	n := utf8.RuneCountInString(q.Text)
	switch {
	case n >= 30 && n <= 160 && hasWords(q.Text, quoteWords):
		return 0
	case n >= 30 && n <= 160:
		return 1
	case n > 160:
		return 2
	}
	return 3
}

// quoteWords is how many words a quote of a readable length needs to read
// as a sentence rather than a note.
const quoteWords = 7

// hasWords reports whether s holds at least n words separated by white
// space, as strings.Fields counts them, without making them: a digest
// weighs a quote for every answer naming a theme.
func hasWords(s string, n int) bool {
	words, in := 0, false
	for _, r := range s {
		if unicode.IsSpace(r) {
			in = false
			continue
		}
		if !in {
			in = true
			if words++; words >= n {
				return true
			}
		}
	}
	return n <= 0
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

// trend buckets answers into the n weeks ending at to, on the readings'
// basis: for each direction, the answers read toward it of those read on
// it at all. Weeks before the first with an answer are left out.
func trend(all []flows.CodedAnswer, to time.Time, n int, loc *time.Location) []flows.WeekReading {
	weeks := make([]flows.WeekReading, n)
	starts := make([]time.Time, n+1)
	for i := 0; i <= n; i++ {
		starts[i] = to.AddDate(0, 0, -7*(n-i))
	}
	for i := range weeks {
		weeks[i] = flows.WeekReading{Start: starts[i].In(loc), Toward: map[string]int{}, Of: map[string]int{}}
	}
	for _, a := range all {
		if a.Codes == nil || a.CreatedAt.Before(starts[0]) || !a.CreatedAt.Before(starts[n]) {
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
			switch a.Codes.Direction(dir) {
			case flows.Toward:
				w.Toward[dir]++
				w.Of[dir]++
			case flows.Away:
				w.Of[dir]++
			}
		}
	}
	first := slices.IndexFunc(weeks, func(w flows.WeekReading) bool { return w.Answers > 0 })
	if first < 0 {
		return weeks[len(weeks)-1:]
	}
	return weeks[first:]
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

// readOffline lists the period's answers the offline coder read in a
// model's place, and why: answers the model failed on or that read as
// instructions to it (their codes say so), and, when a model coded any of
// the period's answers, those not coded yet (read offline for now) and
// those coded offline before the model was configured.
func readOffline(period []flows.CodedAnswer, inMemory map[int64]bool) []flows.OfflineRead {
	var out []flows.OfflineRead
	model := false
	for i := range period {
		if c := period[i].Codes; c != nil && (c.Coder != OfflineName || c.Fallback || c.OfflineReason != "") {
			model = true
		}
	}
	if !model {
		return nil
	}
	for i := range period {
		a := &period[i]
		switch {
		case a.Codes == nil:
		case inMemory[a.ID]:
			out = append(out, flows.OfflineRead{AnswerID: a.ID, Reason: "not coded yet"})
		case a.Codes.OfflineReason != "":
			out = append(out, flows.OfflineRead{AnswerID: a.ID, Reason: a.Codes.OfflineReason})
		case a.Codes.Fallback:
			out = append(out, flows.OfflineRead{AnswerID: a.ID, Reason: "the model failed"})
		case a.Codes.Coder == OfflineName:
			out = append(out, flows.OfflineRead{AnswerID: a.ID, Reason: "coded before the model was configured"})
		}
	}
	return out
}
