package themes

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"sync"

	"whatmatters/concepts"
)

// Aboutness: is an answer about a theme it names? The finder's rules
// (concepts/passing.go) mark a theme named in passing: a setting, a time,
// a list item, a clause added after the main statement. Past those rules,
// how likely a named theme is what the answer is about still varies with
// the theme, the cue that found it, the stage answered and how many other
// themes the answer names. about.json holds a logistic regression over
// those features, fitted to the labelled theme-finder tuning sets
// (testdata/concepts_tune*.json, as stored; never a held-out set): a theme
// the rules left as the answer's subject is marked as named in passing
// when the fit gives it less than the file's threshold (2/3: a wrong
// answer among the evidence is taken to cost twice a right one left in
// passing; about_test.go). An answer named in
// passing still counts toward a theme's cases and people; it is its
// evidence and its quote only when no answer is about it (recur.go).
// Refit with: go test ./themes -run TestAboutnessIsFitted -refit

//go:embed about.json
var aboutJSON []byte

// aboutFile is about.json.
type aboutFile struct {
	About struct {
		Files     []string `json:"files"`
		Hits      int      `json:"hits"`
		MinHits   int      `json:"feature_min_hits"`
		L2        float64  `json:"l2"`
		Rounds    int      `json:"rounds"`
		Step      float64  `json:"step"`
		Threshold float64  `json:"threshold"`
	} `json:"about"`
	Weights map[string]float64 `json:"weights"`
}

// aboutness is a fitted model of whether an answer is about a theme it
// names.
type aboutness struct {
	weights   map[string]float64
	threshold float64
}

var sharedAboutness = sync.OnceValue(func() *aboutness {
	a, err := parseAboutness(aboutJSON)
	if err != nil {
		panic(err) // part of the build; TestAboutnessIsFitted catches it first
	}
	return a
})

func parseAboutness(b []byte) (*aboutness, error) {
	var f aboutFile
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("themes: about.json: %w", err)
	}
	if len(f.Weights) == 0 {
		return nil, fmt.Errorf("themes: about.json: no weights")
	}
	if t := f.About.Threshold; !(t >= 0 && t < 1) {
		return nil, fmt.Errorf("themes: about.json: threshold %v is not in [0, 1)", t)
	}
	return &aboutness{weights: f.Weights, threshold: f.About.Threshold}, nil
}

// aboutFeatures are the features of hit i of an answer's hits at a stage.
// A theme a team added has no weight of its own; the rest still apply.
func aboutFeatures(stage string, hits []concepts.Hit, i int) []string {
	h := &hits[i]
	rank := 0
	for j := range hits {
		if hits[j].Start < h.Start {
			rank++
		}
	}
	return []string{
		"bias",
		"theme:" + h.Theme,
		"stage:" + stage,
		"themes:" + strconv.Itoa(min(len(hits), 4)),
		"places:" + strconv.Itoa(min(h.Places, 3)),
		"rank:" + strconv.Itoa(min(rank, 3)),
		"cue:" + h.Cue,
	}
}

// probability is the fitted probability that the answer is about the theme.
func (a *aboutness) probability(features []string) float64 {
	z := 0.0
	for _, f := range features {
		z += a.weights[f]
	}
	return 1 / (1 + math.Exp(-z))
}

// mark marks as named in passing every hit the rules left as the answer's
// subject whose probability is under the threshold. An answer that names
// one theme is about it, whatever the fit says.
func (a *aboutness) mark(stage string, hits []concepts.Hit) {
	if a == nil || len(hits) < 2 {
		return
	}
	for i := range hits {
		if !hits[i].Passing && a.probability(aboutFeatures(stage, hits, i)) < a.threshold {
			hits[i].Passing = true
		}
	}
}
