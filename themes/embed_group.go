package themes

import (
	"cmp"
	"context"
	"math"
	"slices"
)

// DefaultMergeThreshold is the cosine similarity of two themes' phrases at
// or above which the digest joins them, when DigestOptions.MergeThreshold
// is zero.
const DefaultMergeThreshold = 0.85

// maxEmbedGroups bounds how many stem groups one digest embeds and
// compares (the largest first): comparing is quadratic, and a group
// beyond the largest few hundred is one phrase said once.
const maxEmbedGroups = 512

// GroupedByStems is Grouping.By when themes were grouped by their stemmed
// words alone.
const GroupedByStems = "stems"

// Grouping says how a digest's themes were grouped, for its footnote and
// logs.
type Grouping struct {
	// By is GroupedByStems, or "stems and embeddings" followed by the
	// embedding model's name in brackets when the model's vectors were
	// compared (whether or not any themes were then joined). It is never
	// the latter when the embeddings call failed.
	By string
	// Model is the embedding model's name when the embedder names it
	// (OpenAIEmbedder does), else "".
	Model string
	// Merged counts the stem groups joined into another group.
	Merged int
	// Err is why the embedder could not be used, when one was given and it
	// failed; the themes are then grouped by stems alone.
	Err error
}

// embedGrouping is how findThemes is to use embeddings.
type embedGrouping struct {
	embedder  Embedder
	threshold float64
}

// embedderModel names an embedder's model, if it says.
func embedderModel(e Embedder) string {
	if m, ok := e.(interface{ Model() string }); ok {
		return m.Model()
	}
	return ""
}

// byEmbeddings is Grouping.By when embeddings were compared.
func byEmbeddings(model string) string {
	if model == "" {
		return "stems and embeddings"
	}
	return "stems and embeddings (" + model + ")"
}

// mergeSimilar joins stem groups whose representative phrases (each
// group's most frequent) have embeddings with a cosine similarity of at
// least eg.threshold. Groups are taken largest first (cases, then
// answers, then key), and each group not yet joined absorbs every later
// one close enough to its own phrase, so the result does not depend on map
// order and a chain of near neighbours does not drift. ans holds each
// group's answer indexes, in order. It returns how many groups were joined
// into others; on an error, groups is unchanged.
func mergeSimilar(ctx context.Context, groups map[string]*themeGroup, ans map[*themeGroup][]int32, eg embedGrouping) (int, error) {
	order := make([]*themeGroup, 0, len(groups))
	for _, g := range groups {
		order = append(order, g)
	}
	slices.SortFunc(order, func(a, b *themeGroup) int {
		return cmp.Or(cmp.Compare(len(b.cases), len(a.cases)), cmp.Compare(b.answers, a.answers), cmp.Compare(a.key, b.key))
	})
	if len(order) > maxEmbedGroups {
		order = order[:maxEmbedGroups]
	}
	// Each distinct phrase is embedded once.
	var texts []string
	textAt := map[string]int{}
	rep := make([]int, len(order))
	for i, g := range order {
		p := bestPhrase(g.phrases)
		j, ok := textAt[p]
		if !ok {
			j = len(texts)
			textAt[p] = j
			texts = append(texts, p)
		}
		rep[i] = j
	}
	vecs, err := eg.embedder.Embed(ctx, texts)
	if err != nil {
		return 0, err
	}
	unit, err := unitVectors(vecs, len(texts))
	if err != nil {
		return 0, err
	}
	threshold := eg.threshold
	if threshold <= 0 {
		threshold = DefaultMergeThreshold
	}
	merged := 0
	gone := make([]bool, len(order))
	for i, g := range order {
		if gone[i] || unit[rep[i]] == nil {
			continue
		}
		for j := i + 1; j < len(order); j++ {
			if gone[j] || unit[rep[j]] == nil || cosine(unit[rep[i]], unit[rep[j]]) < threshold {
				continue
			}
			absorb(g, order[j], ans)
			delete(groups, order[j].key)
			gone[j] = true
			merged++
		}
	}
	return merged, nil
}

// unitVectors checks an embedder's vectors (n of them, of one length;
// nil allowed) and scales each to length 1; a zero vector becomes nil.
func unitVectors(vecs [][]float32, n int) ([][]float64, error) {
	if len(vecs) != n {
		return nil, errNoVectors
	}
	out := make([][]float64, n)
	dim := -1
	for i, v := range vecs {
		if v == nil {
			continue
		}
		if dim < 0 {
			dim = len(v)
		}
		if len(v) != dim {
			return nil, errNoVectors
		}
		var sum float64
		for _, x := range v {
			sum += float64(x) * float64(x)
		}
		norm := math.Sqrt(sum)
		if norm == 0 || math.IsNaN(norm) || math.IsInf(norm, 0) {
			continue
		}
		u := make([]float64, len(v))
		for k, x := range v {
			u[k] = float64(x) / norm
		}
		out[i] = u
	}
	return out, nil
}

func cosine(a, b []float64) float64 {
	var s float64
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

// absorb joins src's evidence to dst's: phrase counts add up; cases,
// people, disciplines and answers are unions (an answer or a case in both
// counts once); each answer keeps one candidate quote, the better fitting.
// dst keeps its key.
func absorb(dst, src *themeGroup, ans map[*themeGroup][]int32) {
	for p, n := range src.phrases {
		dst.phrases[p] += n
	}
	for c := range src.cases {
		dst.cases[c] = true
	}
	for p := range src.people {
		dst.people[p] = true
	}
	for d := range src.disc {
		dst.disc[d] = true
	}
	ans[dst] = unionSorted(ans[dst], ans[src])
	dst.answers = len(ans[dst])
	dst.quotes = mergeQuotes(dst.quotes, src.quotes)
}

// unionSorted merges two ascending lists of answer indexes, each index
// once.
func unionSorted(a, b []int32) []int32 {
	out := make([]int32, 0, len(a)+len(b))
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case j == len(b) || i < len(a) && a[i] < b[j]:
			out = append(out, a[i])
			i++
		case i == len(a) || b[j] < a[i]:
			out = append(out, b[j])
			j++
		default:
			out = append(out, a[i])
			i++
			j++
		}
	}
	return out
}

// mergeQuotes merges two lists of candidate quotes, each in answer order
// with one quote an answer, keeping one quote an answer: the better
// fitting, or a's on a tie.
func mergeQuotes(a, b []themeQuote) []themeQuote {
	out := make([]themeQuote, 0, len(a)+len(b))
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case j == len(b) || i < len(a) && a[i].ai < b[j].ai:
			out = append(out, a[i])
			i++
		case i == len(a) || b[j].ai < a[i].ai:
			out = append(out, b[j])
			j++
		default:
			q := a[i]
			if b[j].fit < q.fit {
				q = b[j]
			}
			out = append(out, q)
			i++
			j++
		}
	}
	return out
}
