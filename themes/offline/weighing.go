package offline

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"math"
	"sync"

	"whatmatters/flows"
)

// The weighing gives the four directions and the capability tags. The
// rules (rules.go) name what the codebook asks a reader to look for:
// someone from the person's own life giving help, a service put forward,
// a plan made ahead, note form.
// A rule table that turns those facts into labels, fitted writer by
// writer, carried over to new writers only in part (docs/themes.md). So
// the labels are weighed instead: for each direction, a multinomial
// logistic regression over the answer's facts, its lexicon categories,
// the stage it answers and the stems of its words, fitted to every
// labelled tuning answer (themes/testdata/codes_tune*.jsonl, as stored)
// and never to a held-out one. The weights are data, in weighing.json,
// refitted with
//
//	go test ./themes/offline -run TestWeighingIsFitted -update
//
// The six capability tags are weighed the same way, one binary logistic
// regression a tag: a tag is given where its probability reaches the
// file's tag threshold.
//
// An answer to a stage the tuning data has no labelled answers for (the
// theme session's own stages) is labelled by the rule table, as before.

//go:embed weighing.json
var weighingJSON []byte

// weighLabels are the order of the three weights each feature carries.
var weighLabels = [3]flows.Label{flows.None, flows.Away, flows.Toward}

// directionNames are the directions' names in the weighing file, in
// flows.Codes' order.
var directionNames = [4]string{"relationships", "stories", "community", "anticipation"}

// weighingFile is weighing.json.
type weighingFile struct {
	// About says what the weights were fitted to.
	About      weighingAbout               `json:"about"`
	Labels     [3]flows.Label              `json:"labels"`
	Directions map[string]directionWeights `json:"directions"`
	// TagThreshold is the probability at which a tag is given.
	TagThreshold float64               `json:"tag_threshold"`
	Tags         map[string]tagWeights `json:"tags"`
}

// featureWeights are one regression's weights, by feature: V is a weight
// for each of the three labels (a direction) or one log-odds weight (a
// tag).
type featureWeights[V any] struct {
	Bias       V            `json:"bias"`
	Facts      map[string]V `json:"facts"`
	Categories map[string]V `json:"categories"`
	Stages     map[string]V `json:"stages"`
	Words      map[string]V `json:"words"`
}

// directionWeights are one direction's weights: each feature's weight
// toward none, away and toward, in that order.
type directionWeights = featureWeights[[3]float64]

// tagWeights are one capability tag's weights: each feature's weight
// toward the tag (log odds).
type tagWeights = featureWeights[float64]

// weighingAbout records the fit.
type weighingAbout struct {
	Files   []string `json:"files"`
	Answers int      `json:"answers"`
	// CodebookExamples are the codebook's worked examples fitted beside
	// the answers, each counting as AnchorWeight answers.
	CodebookExamples int     `json:"codebook_examples"`
	AnchorWeight     float64 `json:"codebook_example_weight"`
	MinAnswers       int     `json:"word_min_answers"`
	L2               float64 `json:"l2"`
	Rounds           int     `json:"rounds"`
	Step             float64 `json:"step"`
}

// weighing is weighing.json, ready to use: facts and categories by bit.
type weighing struct {
	dirs         [4]compiled[[3]float64]
	tags         []compiled[float64] // in flows.Capabilities' order
	tagThreshold float64
}

// compiled is one regression's weights with facts and categories by bit.
type compiled[V any] struct {
	bias       V
	facts      [64]V
	categories [64]V
	stages     map[string]V
	words      map[string]V
}

// compile reads one regression's weights, refusing a fact or category the
// rules do not have.
func compile[V any](name string, fw featureWeights[V]) (compiled[V], error) {
	c := compiled[V]{bias: fw.Bias, stages: fw.Stages, words: fw.Words}
	for n, v := range fw.Facts {
		bit := indexOf(factNameList, n)
		if bit < 0 {
			return c, fmt.Errorf("offline: weighing.json: %s: unknown fact %q", name, n)
		}
		c.facts[bit] = v
	}
	for n, v := range fw.Categories {
		bit := indexOf(categoryNames, n)
		if bit < 0 {
			return c, fmt.Errorf("offline: weighing.json: %s: unknown category %q", name, n)
		}
		c.categories[bit] = v
	}
	if len(c.stages) == 0 {
		return c, fmt.Errorf("offline: weighing.json: %s: no stages", name)
	}
	return c, nil
}

// each calls add with the weight of every feature the answer has, the
// bias first.
func (c *compiled[V]) each(f *feats, stage string, stems []string, add func(V)) {
	add(c.bias)
	for b := 0; b < 64; b++ {
		if f.facts&(1<<b) != 0 {
			add(c.facts[b])
		}
		if f.has&(1<<b) != 0 {
			add(c.categories[b])
		}
	}
	if v, ok := c.stages[stage]; ok {
		add(v)
	}
	for _, s := range stems {
		if v, ok := c.words[s]; ok {
			add(v)
		}
	}
}

var (
	weighingOnce sync.Once
	theWeighing  *weighing
)

// sharedWeighing parses weighing.json once per process. The file is part
// of the build, so a fault in it is a fault in the build: it panics, and
// TestWeighingIsFitted catches it first.
func sharedWeighing() *weighing {
	weighingOnce.Do(func() {
		w, err := parseWeighing(weighingJSON)
		if err != nil {
			panic(err)
		}
		theWeighing = w
	})
	return theWeighing
}

// parseWeighing reads a weighing file, refusing one that names a fact or
// category the rules do not have or leaves out a direction.
func parseWeighing(b []byte) (*weighing, error) {
	var f weighingFile
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("offline: weighing.json: %w", err)
	}
	if f.Labels != weighLabels {
		return nil, fmt.Errorf("offline: weighing.json: labels %v, want %v", f.Labels, weighLabels)
	}
	w := &weighing{}
	for i, name := range directionNames {
		dw, ok := f.Directions[name]
		if !ok {
			return nil, fmt.Errorf("offline: weighing.json: no weights for %s", name)
		}
		c, err := compile(name, dw)
		if err != nil {
			return nil, err
		}
		w.dirs[i] = c
	}
	if t := f.TagThreshold; !(t > 0 && t < 1) {
		return nil, fmt.Errorf("offline: weighing.json: tag threshold %v is not between 0 and 1", t)
	}
	w.tagThreshold = f.TagThreshold
	for _, tag := range flows.Capabilities {
		tw, ok := f.Tags[tag]
		if !ok {
			return nil, fmt.Errorf("offline: weighing.json: no weights for the tag %s", tag)
		}
		c, err := compile("tag "+tag, tw)
		if err != nil {
			return nil, err
		}
		w.tags = append(w.tags, c)
	}
	return w, nil
}

// tagsOf are the capability tags whose probability reaches the threshold,
// in flows.Capabilities' order.
func (w *weighing) tagsOf(f *feats, stage string, stems []string) []string {
	var out []string
	for i := range w.tags {
		var z float64
		w.tags[i].each(f, stage, stems, func(v float64) { z += v })
		if 1/(1+math.Exp(-z)) >= w.tagThreshold {
			out = append(out, flows.Capabilities[i])
		}
	}
	return out
}

func indexOf(names []string, n string) int {
	for i, m := range names {
		if m == n {
			return i
		}
	}
	return -1
}

// weighs reports whether the weighing has learnt the stage.
func (w *weighing) weighs(stage string) bool {
	_, ok := w.dirs[0].stages[stage]
	return ok
}

// label is the direction's most likely label for an answer with the
// facts, categories, stage and word stems given.
func label(c *compiled[[3]float64], f *feats, stage string, stems []string) flows.Label {
	var z [3]float64
	c.each(f, stage, stems, func(v [3]float64) {
		for k := range z {
			z[k] += v[k]
		}
	})
	best := 0
	for k := 1; k < len(z); k++ {
		if z[k] > z[best] {
			best = k
		}
	}
	return weighLabels[best]
}

// stems are the distinct stems of an answer's words, in order of first
// appearance.
func (d *doc) stems() []string {
	seen := make(map[string]bool, len(d.toks))
	out := make([]string, 0, len(d.toks))
	for i := range d.toks {
		t := &d.toks[i]
		if t.synthetic || t.s == "" || seen[t.s] {
			continue
		}
		seen[t.s] = true
		out = append(out, t.s)
	}
	return out
}

// factNameList names the facts in the order rules.go declares them.
var factNameList = []string{"OwnLife", "NamedOwnLife", "ClearPerson", "ProblemPerson", "NegPeople", "OwnLifeAround", "SupportPerson", "CommunitySrc", "RelCare", "ServiceHelp", "ServiceAny", "FormHelp", "WentWrong", "Failing", "FixOutside", "FailingOnly", "StrainPerson", "Question", "HomeCompany", "Voice", "Moment", "FormPlan", "StrongPlan", "Wish", "Recognises", "PlanWord", "StrongBereave", "Nobody", "History", "Experience", "Lesson", "Hypothetical", "TeamTalk", "Unsure", "Intent", "Reason", "Telegraphic", "MostlyRecord", "Chronology", "Reactive", "Reactive2", "Clinical", "Clinical3", "ClinicalInTeam", "PersonState", "Services2", "Tickbox", "Tickbox2", "FewContent", "TwoContent", "RecordWord", "Events", "EightWords", "HistoryWeak", "TwoCore", "CareEvents", "Refusal", "ActOnMay"}

// categoryNames names the lexicon's categories in the order lexicon.go
// declares them.
var categoryNames = []string{"Person", "NOK", "Pet", "Community", "Service", "Intervention", "Med", "Form", "Clinical", "Reactive", "Assess", "Chrono", "Day", "Plan", "Lesson", "Team", "Comfort", "Recognise", "Wish", "LiveWell", "Strain", "Bereave", "Support", "RelCare", "Label", "Problem", "Refuse", "Fix", "Voice", "Moment", "History", "Feeling", "Negate", "Nobody", "Home", "Tickbox", "Generic", "Experience", "Question", "PaidCarer", "FamilyCarer", "Hypothetical", "WentWrong", "Function", "Intent", "Reason", "Early", "Seq", "HistoryWeak", "When", "Number", "Place", "CommRes", "Unsure", "Patient", "IntentStrong", "Process", "OwnPlan"}
