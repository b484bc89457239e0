package offline

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"whatmatters/flows"
	"whatmatters/internal/logit"
	"whatmatters/scrub"
)

var update = flag.Bool("update", false, "refit weighing.json to the tuning data")

// The fit's settings. They were chosen by leaving one tuning file out at a
// time (TestWeighingLeaveOneFileOut), never on held-out data.
const (
	fitMinAnswers = 8   // a word stem is a feature if at least this many answers use it
	fitL2         = 1.0 // the ridge penalty, per answer
	fitRounds     = 600 // rounds of gradient descent
	fitStep       = 0.5 // the step of each round
	// fitAnchorWeight is how many tuning answers each of the codebook's
	// worked examples (codebookCases) counts as: they are few, and they
	// are the codebook's own word.
	fitAnchorWeight = 2
	// fitTagThreshold is the probability at which a tag is given: where,
	// on the files left out, the tags given were about as many as the
	// tags labelled, so the digest's counts of each are not skewed.
	fitTagThreshold = 0.4
)

// example is one labelled tuning answer, read as stored.
type example struct {
	file   string
	weight float64 // how many answers it counts as
	stage  string
	gold   [4]flows.Label
	tags   [6]int8 // per flows.Capabilities: 1 labelled with it, 0 without, -1 not labelled
	f      feats
	stems  []string
}

// tuningFiles are the labelled tuning files, each by one writer: every
// codes_tune*.jsonl but a second labelling of one of them.
func tuningFiles(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("../testdata/codes_tune*.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	files = slices.DeleteFunc(files, func(f string) bool { return strings.Contains(f, "second") || strings.Contains(f, "heldout") })
	if len(files) < 5 {
		t.Fatalf("only %d tuning files", len(files))
	}
	sort.Strings(files)
	return files
}

// loadExamples reads the tuning files' answers as stored (scrubbed).
func loadExamples(t *testing.T, files []string) []example {
	t.Helper()
	sc, err := scrub.New(scrub.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var out []example
	for _, fn := range files {
		b, err := os.ReadFile(fn)
		if err != nil {
			t.Fatal(err)
		}
		s := bufio.NewScanner(bytes.NewReader(b))
		s.Buffer(make([]byte, 1<<20), 1<<20)
		for s.Scan() {
			var g struct {
				Stage, Text                                     string
				Relationships, Stories, Community, Anticipation flows.Label
				Capabilities                                    []string
			}
			if err := json.Unmarshal(s.Bytes(), &g); err != nil {
				t.Fatalf("%s: %v", fn, err)
			}
			d := analyse(theLexicon(), sc.Scrub(g.Text).Text)
			if d.meta {
				continue // meta replies are none on every direction, not weighed
			}
			out = append(out, example{file: filepath.Base(fn), stage: g.Stage, weight: 1,
				gold: [4]flows.Label{g.Relationships, g.Stories, g.Community, g.Anticipation},
				tags: tagLabels(g.Capabilities), f: d.features(), stems: d.stems()})
		}
	}
	return out
}

// anchorExamples are the codebook's worked examples (codebookCases) and
// the borderline cases written in its terms (communityCases,
// anticipationCases, typoTexts), read as stored. A direction a case leaves
// unlabelled is not fitted to it.
func anchorExamples(t *testing.T) []example {
	t.Helper()
	sc, err := scrub.New(scrub.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var out []example
	unlabelled := [6]int8{-1, -1, -1, -1, -1, -1}
	addTagged := func(stage, text string, gold [4]flows.Label, tags [6]int8) {
		d := analyse(theLexicon(), sc.Scrub(text).Text)
		if d.meta {
			return
		}
		out = append(out, example{file: "codebook", stage: stage, weight: fitAnchorWeight, gold: gold, tags: tags, f: d.features(), stems: d.stems()})
	}
	add := func(stage, text string, gold [4]flows.Label) { addTagged(stage, text, gold, unlabelled) }
	for _, c := range codebookCases {
		tags := unlabelled
		if c.tags != nil {
			tags = tagLabels(c.tags)
		}
		for _, tag := range c.mustTags {
			tags[slices.Index(flows.Capabilities, tag)] = 1
		}
		for _, tag := range c.notTags {
			tags[slices.Index(flows.Capabilities, tag)] = 0
		}
		addTagged(c.stage, c.text, [4]flows.Label{c.rel, c.sto, c.com, c.ant}, tags)
	}
	for _, c := range communityCases {
		add(c.stage, c.text, [4]flows.Label{2: c.want})
	}
	for _, c := range anticipationCases {
		add(c.stage, c.text, [4]flows.Label{3: c.want})
	}
	for _, text := range typoTexts {
		add("on_your_mind", text, [4]flows.Label{0: flows.Toward, 2: flows.Toward})
	}
	return out
}

// tagLabels are an answer's capability tags as fit labels: 1 for each tag
// it holds, 0 for the rest.
func tagLabels(tags []string) [6]int8 {
	var out [6]int8
	for i, tag := range flows.Capabilities {
		if slices.Contains(tags, tag) {
			out[i] = 1
		}
	}
	return out
}

// featureSpace numbers the features of a fit: the bias, the facts, the
// categories, the stages and the word stems seen in its examples.
type featureSpace struct {
	stages []string
	words  []string
	stage  map[string]int
	word   map[string]int
}

const (
	featBias  = 0
	featFacts = 1
	featCats  = featFacts + 64
	featRest  = featCats + 64
)

func newFeatureSpace(ex []example) *featureSpace {
	sp := &featureSpace{stage: map[string]int{}, word: map[string]int{}}
	uses := map[string]int{}
	for _, e := range ex {
		if _, ok := sp.stage[e.stage]; !ok {
			sp.stage[e.stage] = 0
			sp.stages = append(sp.stages, e.stage)
		}
		for _, s := range e.stems {
			uses[s]++
		}
	}
	for w, n := range uses {
		if n >= fitMinAnswers {
			sp.words = append(sp.words, w)
		}
	}
	sort.Strings(sp.stages)
	sort.Strings(sp.words)
	for i, s := range sp.stages {
		sp.stage[s] = featRest + i
	}
	for i, w := range sp.words {
		sp.word[w] = featRest + len(sp.stages) + i
	}
	return sp
}

func (sp *featureSpace) size() int { return featRest + len(sp.stages) + len(sp.words) }

// active are the features an example has.
func (sp *featureSpace) active(e *example) []int {
	out := []int{featBias}
	for b := 0; b < 64; b++ {
		if e.f.facts&(1<<b) != 0 {
			out = append(out, featFacts+b)
		}
		if e.f.has&(1<<b) != 0 {
			out = append(out, featCats+b)
		}
	}
	if i, ok := sp.stage[e.stage]; ok {
		out = append(out, i)
	}
	for _, s := range e.stems {
		if i, ok := sp.word[s]; ok {
			out = append(out, i)
		}
	}
	return out
}

// fit fits one direction's multinomial logistic regression (package
// logit). It is deterministic.
func fit(sp *featureSpace, ex []example, dir int) [][]float64 {
	p := logit.Problem{Features: sp.size(), Rows: make([][]int, len(ex)), Class: make([]int, len(ex)), Weight: make([]float64, len(ex))}
	for i := range ex {
		p.Rows[i] = sp.active(&ex[i])
		p.Class[i] = slices.Index(weighLabels[:], ex[i].gold[dir]) // -1: not labelled on dir
		p.Weight[i] = ex[i].weight
	}
	return logit.Softmax(p, len(weighLabels), logit.Options{L2: fitL2, Step: fitStep, Rounds: fitRounds})
}

// weightsOf turns a fit into a regression's weights, by feature name,
// rounded as weighing.json stores them: at gives feature j's weight.
func weightsOf[V any](sp *featureSpace, at func(j int) V) featureWeights[V] {
	fw := featureWeights[V]{Bias: at(featBias), Facts: map[string]V{}, Categories: map[string]V{},
		Stages: map[string]V{}, Words: map[string]V{}}
	for b, n := range factNameList {
		fw.Facts[n] = at(featFacts + b)
	}
	for b, n := range categoryNames {
		fw.Categories[n] = at(featCats + b)
	}
	for _, s := range sp.stages {
		fw.Stages[s] = at(sp.stage[s])
	}
	for _, s := range sp.words {
		fw.Words[s] = at(sp.word[s])
	}
	return fw
}

// round5 is v to five decimal places, as weighing.json stores weights.
func round5(v float64) float64 { return math.Round(v*1e5) / 1e5 }

// compile turns a direction's fit into its weights.
func (sp *featureSpace) compile(w [][]float64) directionWeights {
	return weightsOf(sp, func(j int) (out [3]float64) {
		for k := range out {
			out[k] = round5(w[j][k])
		}
		return out
	})
}

// fitAll fits every direction to the examples.
func fitAll(files []string, ex []example) weighingFile {
	sp := newFeatureSpace(ex)
	wf := weighingFile{Labels: weighLabels, Directions: map[string]directionWeights{},
		About: weighingAbout{AnchorWeight: fitAnchorWeight, MinAnswers: fitMinAnswers, L2: fitL2, Rounds: fitRounds, Step: fitStep}}
	for _, f := range files {
		wf.About.Files = append(wf.About.Files, "themes/testdata/"+filepath.Base(f))
	}
	for _, e := range ex {
		if e.file == "codebook" {
			wf.About.CodebookExamples++
		} else {
			wf.About.Answers++
		}
	}
	for i, name := range directionNames {
		wf.Directions[name] = sp.compile(fit(sp, ex, i))
	}
	wf.TagThreshold, wf.Tags = fitTagThreshold, map[string]tagWeights{}
	for i, tag := range flows.Capabilities {
		wf.Tags[tag] = sp.compileTag(fitTag(sp, ex, i))
	}
	return wf
}

// fitTag fits one capability tag's binary logistic regression.
func fitTag(sp *featureSpace, ex []example, tag int) []float64 {
	p := logit.Problem{Features: sp.size(), Rows: make([][]int, len(ex)), Class: make([]int, len(ex)), Weight: make([]float64, len(ex))}
	for i := range ex {
		p.Rows[i] = sp.active(&ex[i])
		p.Class[i] = int(ex[i].tags[tag])
		p.Weight[i] = ex[i].weight
	}
	return logit.Logistic(p, logit.Options{L2: fitL2, Step: fitStep, Rounds: fitRounds})
}

// compileTag turns a tag's fit into its weights.
func (sp *featureSpace) compileTag(w []float64) tagWeights {
	return weightsOf(sp, func(j int) float64 { return round5(w[j]) })
}

// encodeWeighing writes a weighing file with one feature a line, so that a
// refit reads as a diff.
func encodeWeighing(wf weighingFile) []byte {
	var b bytes.Buffer
	about, _ := json.Marshal(wf.About)
	labels, _ := json.Marshal(wf.Labels)
	fmt.Fprintf(&b, "{\n\"about\": %s,\n\"labels\": %s,\n\"directions\": {\n", about, labels)
	for i, name := range directionNames {
		dw := wf.Directions[name]
		bias, _ := json.Marshal(dw.Bias)
		fmt.Fprintf(&b, " %q: {\n  \"bias\": %s,\n", name, bias)
		writeSection(&b, "facts", dw.Facts, false)
		writeSection(&b, "categories", dw.Categories, false)
		writeSection(&b, "stages", dw.Stages, false)
		writeSection(&b, "words", dw.Words, true)
		b.WriteString(closing(" }", i == len(directionNames)-1))
	}
	fmt.Fprintf(&b, "},\n\"tag_threshold\": %v,\n\"tags\": {\n", wf.TagThreshold)
	for i, tag := range flows.Capabilities {
		tw := wf.Tags[tag]
		fmt.Fprintf(&b, " %q: {\n  \"bias\": %v,\n", tag, tw.Bias)
		writeSection(&b, "facts", tw.Facts, false)
		writeSection(&b, "categories", tw.Categories, false)
		writeSection(&b, "stages", tw.Stages, false)
		writeSection(&b, "words", tw.Words, true)
		b.WriteString(closing(" }", i == len(flows.Capabilities)-1))
	}
	b.WriteString("}\n}\n")
	return b.Bytes()
}

// writeSection writes one section of a weighing file, one feature a line,
// in order of the features' names.
func writeSection[V any](b *bytes.Buffer, name string, m map[string]V, last bool) {
	fmt.Fprintf(b, "  %q: {\n", name)
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for i, k := range keys {
		v, _ := json.Marshal(m[k])
		key, _ := json.Marshal(k)
		fmt.Fprintf(b, "    %s: %s%s\n", key, v, closing("", i == len(keys)-1))
	}
	b.WriteString(closing("  }", last))
}

// closing is s and a comma and a new line, or s and a new line where it
// is the last of its list.
func closing(s string, last bool) string {
	if last {
		return s + "\n"
	}
	return s + ",\n"
}

// TestWeighingIsFitted refits the weighing to the tuning files and checks
// that weighing.json holds that fit: the weights, and so every label, are
// what the data and the code give. With -update it writes the refit.
func TestWeighingIsFitted(t *testing.T) {
	files := tuningFiles(t)
	ex := append(loadExamples(t, files), anchorExamples(t)...)
	wf := fitAll(files, ex)
	got := encodeWeighing(wf)
	if *update {
		if err := os.WriteFile("weighing.json", got, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("weighing.json refitted to %d answers in %d files", len(ex), len(files))
		return
	}
	stored, err := parseWeighing(weighingJSON)
	if err != nil {
		t.Fatal(err)
	}
	refit, err := parseWeighing(got)
	if err != nil {
		t.Fatal(err)
	}
	var storedFile weighingFile
	if err := json.Unmarshal(weighingJSON, &storedFile); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(storedFile.About.Files, wf.About.Files) || storedFile.About.Answers != wf.About.Answers {
		t.Fatalf("weighing.json was fitted to %d answers in %v; the tuning data now holds %d in %v: refit with -update",
			storedFile.About.Answers, storedFile.About.Files, wf.About.Answers, wf.About.Files)
	}
	for i, name := range directionNames {
		if d := differ(&stored.dirs[i], &refit.dirs[i], close3); d != "" {
			t.Fatalf("%s: %s stored and refitted: refit with -update", name, d)
		}
	}
	if stored.tagThreshold != refit.tagThreshold {
		t.Fatalf("tag threshold %v stored, %v refitted: refit with -update", stored.tagThreshold, refit.tagThreshold)
	}
	near := func(x, y float64) bool { return math.Abs(x-y) <= 1e-3 }
	for i, tag := range flows.Capabilities {
		if d := differ(&stored.tags[i], &refit.tags[i], near); d != "" {
			t.Fatalf("tag %s: %s stored and refitted: refit with -update", tag, d)
		}
	}
}

// differ says where two compiled regressions weigh differently, or "" if
// they do not: same is whether two weights are the same, to rounding.
func differ[V any](a, b *compiled[V], same func(V, V) bool) string {
	if !same(a.bias, b.bias) {
		return fmt.Sprintf("the bias weighs %v and %v", a.bias, b.bias)
	}
	if len(a.words) != len(b.words) {
		return fmt.Sprintf("%d and %d words", len(a.words), len(b.words))
	}
	for s, v := range b.words {
		if !same(a.words[s], v) {
			return fmt.Sprintf("word %q weighs %v and %v", s, a.words[s], v)
		}
	}
	for bit := range a.facts {
		if !same(a.facts[bit], b.facts[bit]) || !same(a.categories[bit], b.categories[bit]) {
			return fmt.Sprintf("bit %d weighs differently", bit)
		}
	}
	return ""
}

func close3(a, b [3]float64) bool {
	for k := range a {
		if math.Abs(a[k]-b[k]) > 1e-3 {
			return false
		}
	}
	return true
}

// TestWeighingLeaveOneFileOut fits the weighing to all tuning files but
// one and scores it on the one left out, for each file: how the weighing
// reads a writer it was not fitted to. It fails if the mean kappa on any
// direction falls below 0.68. It is slow (a fit per file and direction):
// run it with WM_LEAVE_ONE_OUT=1.
func TestWeighingLeaveOneFileOut(t *testing.T) {
	if os.Getenv("WM_LEAVE_ONE_OUT") == "" {
		t.Skip("set WM_LEAVE_ONE_OUT=1 to fit the weighing once per tuning file left out")
	}
	files := tuningFiles(t)
	ex := loadExamples(t, files)
	anchors := anchorExamples(t)
	for dir, name := range directionNames {
		var sum float64
		for _, fn := range files {
			base := filepath.Base(fn)
			train, test := leaveOut(ex, anchors, base)
			sp := newFeatureSpace(train)
			w := fit(sp, train, dir)
			var gold, got []flows.Label
			for i := range test {
				best := logit.Argmax(logit.Probabilities(w, sp.active(&test[i]), make([]float64, len(weighLabels))))
				gold = append(gold, test[i].gold[dir])
				got = append(got, weighLabels[best])
			}
			k := cohen(gold, got)
			sum += k
			t.Logf("%-13s %-24s kappa %.3f (%d answers)", name, base, k, len(test))
		}
		mean := sum / float64(len(files))
		t.Logf("%-13s mean kappa left out %.3f", name, mean)
		if mean < 0.68 {
			t.Errorf("%s: mean kappa on files left out %.3f, below 0.68", name, mean)
		}
	}
	// The capability tags, pooled over the files left out, beside the
	// rule table's tags on the same answers (fitted to those files, so
	// flattered).
	var weighed, rules [3]int // right, wrong, missed
	for _, fn := range files {
		train, test := leaveOut(ex, anchors, filepath.Base(fn))
		sp := newFeatureSpace(train)
		for tag := range flows.Capabilities {
			w := fitTag(sp, train, tag)
			for i := range test {
				gold := test[i].tags[tag] == 1
				tally(&weighed, logit.Sigmoid(w, sp.active(&test[i])) >= fitTagThreshold, gold)
				tally(&rules, slices.Contains(test[i].f.tags(test[i].stage), flows.Capabilities[tag]), gold)
			}
		}
	}
	f1 := func(c [3]int) float64 { return 2 * float64(c[0]) / float64(2*c[0]+c[1]+c[2]) }
	t.Logf("capability tags left out: micro-F1 %.3f (%d right, %d wrong, %d missed); the rule table's %.3f (%d, %d, %d)",
		f1(weighed), weighed[0], weighed[1], weighed[2], f1(rules), rules[0], rules[1], rules[2])
	if f1(weighed) < 0.74 {
		t.Errorf("capability tags: micro-F1 on files left out %.3f, below 0.74", f1(weighed))
	}
}

// leaveOut splits the examples into those of every file but one, with the
// codebook's examples, to fit to, and those of the one, to score.
func leaveOut(ex, anchors []example, file string) (train, test []example) {
	for _, e := range ex {
		if e.file == file {
			test = append(test, e)
		} else {
			train = append(train, e)
		}
	}
	return append(train, anchors...), test
}

// tally adds one decision to c: right, wrong or missed.
func tally(c *[3]int, given, gold bool) {
	switch {
	case given && gold:
		c[0]++
	case given:
		c[1]++
	case gold:
		c[2]++
	}
}

// cohen is Cohen's kappa between two labellings.
func cohen(a, b []flows.Label) float64 {
	n := float64(len(a))
	var agree float64
	ca, cb := map[flows.Label]float64{}, map[flows.Label]float64{}
	for i := range a {
		if a[i] == b[i] {
			agree++
		}
		ca[a[i]]++
		cb[b[i]]++
	}
	pe := 0.0
	for l, v := range ca {
		pe += v / n * cb[l] / n
	}
	if pe == 1 {
		return 1
	}
	return (agree/n - pe) / (1 - pe)
}

// TestWeighingCoversTheReflectionStages checks that every stage of the
// case, after-death and check-in templates is weighed, and that the theme
// session's own stages, which no labelled answer covers, are decided by
// the rule table.
func TestWeighingCoversTheReflectionStages(t *testing.T) {
	w := sharedWeighing()
	for _, name := range []string{"case", "after_death", "check_in", "theme"} {
		b, err := os.ReadFile("../../prompts/templates/" + name + ".json")
		if err != nil {
			t.Fatal(err)
		}
		var tpl struct {
			Stages []struct{ Key string } `json:"stages"`
		}
		if err := json.Unmarshal(b, &tpl); err != nil {
			t.Fatal(err)
		}
		for _, st := range tpl.Stages {
			if name != "theme" && !w.weighs(st.Key) {
				t.Errorf("%s: stage %s is not weighed", name, st.Key)
			}
		}
	}
	for _, stage := range []string{"noticing", "between_us", "next_time"} {
		if w.weighs(stage) {
			t.Errorf("stage %s is weighed, but no labelled answer covers it", stage)
		}
		for _, text := range []string{"Her daughter does all the nights now.", "Referred to the hospice at home team, package of care x4.", "We should ring the GP before Friday next time."} {
			d := analyse(theLexicon(), text)
			f := d.features()
			rel, sto, com, ant := f.byRules(stage)
			got := Read(stage, text).Codes
			if tags := f.tags(stage); !slices.Equal(got.Capabilities, tags) && (len(tags) > 0 || len(got.Capabilities) > 0) {
				t.Errorf("%s %q: tags %v, the rules give %v", stage, text, got.Capabilities, tags)
			}
			if got.Relationships != rel || got.Stories != sto || got.Community != com || got.Anticipation != ant {
				t.Errorf("%s %q: %+v, the rule table gives %s %s %s %s", stage, text, got, rel, sto, com, ant)
			}
		}
	}
}

// TestWeighingRefusesABrokenFile checks that a weighing file that does not
// fit the rules is refused with a message that says why, not read as
// zeros.
func TestWeighingRefusesABrokenFile(t *testing.T) {
	edit := func(f func(*weighingFile)) []byte {
		var wf weighingFile
		if err := json.Unmarshal(weighingJSON, &wf); err != nil {
			t.Fatal(err)
		}
		f(&wf)
		b, err := json.Marshal(wf)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	for _, c := range []struct {
		name string
		file []byte
		want string
	}{
		{"not JSON", []byte(`{"labels": [`), "weighing.json"},
		{"labels in another order", edit(func(wf *weighingFile) { wf.Labels = [3]flows.Label{flows.Toward, flows.Away, flows.None} }), "labels"},
		{"a direction left out", edit(func(wf *weighingFile) { delete(wf.Directions, "community") }), "no weights for community"},
		{"a fact the rules do not have", edit(func(wf *weighingFile) { wf.Directions["stories"].Facts["Telepathy"] = [3]float64{1, 0, 0} }), `unknown fact "Telepathy"`},
		{"a category the lexicon does not have", edit(func(wf *weighingFile) { wf.Directions["stories"].Categories["Weather"] = [3]float64{1, 0, 0} }), `unknown category "Weather"`},
		{"a tag left out", edit(func(wf *weighingFile) { delete(wf.Tags, "comfort") }), "no weights for the tag comfort"},
		{"a tag threshold of 1", edit(func(wf *weighingFile) { wf.TagThreshold = 1 }), "tag threshold 1 is not between 0 and 1"},
		{"a tag with a fact the rules do not have", edit(func(wf *weighingFile) { wf.Tags["recognise"].Facts["Telepathy"] = 1 }), `tag recognise: unknown fact "Telepathy"`},
		{"no stages", edit(func(wf *weighingFile) {
			d := wf.Directions["anticipation"]
			d.Stages = nil
			wf.Directions["anticipation"] = d
		}), "anticipation: no stages"},
	} {
		_, err := parseWeighing(c.file)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one saying %q", c.name, err, c.want)
		}
	}
	if _, err := parseWeighing(weighingJSON); err != nil {
		t.Errorf("the stored file: %v", err)
	}
}
