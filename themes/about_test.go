package themes

import (
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

	"whatmatters/internal/logit"
)

var refitAbout = flag.Bool("refit", false, "refit about.json to the theme tuning sets")

// The aboutness fit's settings, chosen by leaving one tuning set out at a
// time (TestAboutnessLeaveOneSetOut), never on a held-out set.
const (
	aboutMinHits = 3   // a feature counts if at least this many hits have it
	aboutL2      = 1.0 // the ridge penalty, per hit
	aboutRounds  = 600 // rounds of gradient descent
	aboutStep    = 0.5
	// aboutThreshold: under it, a theme is marked as named in passing.
	// A wrong answer among a theme's evidence misleads a lead (its quote
	// may be shown under the theme), while a right one marked as passing
	// still counts toward the theme's cases and people: taking the first
	// to cost twice the second puts the threshold at 2/3, not even odds.
	// Left out one set at a time, the thirteen tuning sets' evidence goes
	// from 85.7% at 0.5 to 87.9% at 2/3, and the themes the text shows
	// with quotes that are recurring concepts from 62 of 65 to 64 of 65.
	aboutThreshold = 2.0 / 3
)

// aboutExample is one theme the finder's rules left as an answer's
// subject, in an answer naming two themes or more, and whether the
// labeller said the answer is about it.
type aboutExample struct {
	file     string
	features []string
	about    bool
}

// conceptTuningFiles are the theme finder's tuning sets, each by one
// writer: not the second labelling of one, never a held-out set.
func conceptTuningFiles(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("testdata/concepts_tune*.json")
	if err != nil {
		t.Fatal(err)
	}
	files = slices.DeleteFunc(files, func(f string) bool { return strings.Contains(f, "second") || strings.Contains(f, "heldout") })
	sort.Strings(files)
	if len(files) < 5 {
		t.Fatalf("only %d theme tuning sets", len(files))
	}
	return files
}

func loadAboutExamples(t *testing.T, files []string) []aboutExample {
	t.Helper()
	cat := NewOffline().Catalogue()
	var out []aboutExample
	for _, fn := range files {
		for _, a := range readConceptSet(t, fn).Answers {
			hits := cat.Find(setAnswerText(t, a))
			if len(hits) < 2 {
				continue
			}
			for i, h := range hits {
				if h.Passing {
					continue
				}
				out = append(out, aboutExample{file: filepath.Base(fn), features: aboutFeatures(a.Stage, hits, i),
					about: slices.Contains(a.Themes, h.Theme)})
			}
		}
	}
	return out
}

// fitAboutness fits the logistic regression (package logit), over the
// features at least aboutMinHits hits have; deterministic.
func fitAboutness(ex []aboutExample) map[string]float64 {
	uses := map[string]int{}
	for _, e := range ex {
		for _, f := range e.features {
			uses[f]++
		}
	}
	var names []string
	for f, n := range uses {
		if n >= aboutMinHits {
			names = append(names, f)
		}
	}
	sort.Strings(names)
	index := map[string]int{}
	for i, f := range names {
		index[f] = i
	}
	p := logit.Problem{Features: len(names), Rows: make([][]int, len(ex)), Class: make([]int, len(ex))}
	for i, e := range ex {
		for _, f := range e.features {
			if j, ok := index[f]; ok {
				p.Rows[i] = append(p.Rows[i], j)
			}
		}
		if e.about {
			p.Class[i] = 1
		}
	}
	w := logit.Logistic(p, logit.Options{L2: aboutL2, Step: aboutStep, Rounds: aboutRounds})
	out := make(map[string]float64, len(names))
	for i, f := range names {
		out[f] = math.Round(w[i]*1e5) / 1e5
	}
	return out
}

func encodeAboutness(files []string, hits int, weights map[string]float64) []byte {
	var f aboutFile
	for _, fn := range files {
		f.About.Files = append(f.About.Files, "themes/"+filepath.ToSlash(fn))
	}
	f.About.Hits, f.About.MinHits, f.About.L2 = hits, aboutMinHits, aboutL2
	f.About.Rounds, f.About.Step, f.About.Threshold = aboutRounds, aboutStep, aboutThreshold
	var b bytes.Buffer
	about, _ := json.Marshal(f.About)
	fmt.Fprintf(&b, "{\n\"about\": %s,\n\"weights\": {\n", about)
	keys := sortedKeys(weights)
	for i, k := range keys {
		key, _ := json.Marshal(k)
		sep := ","
		if i == len(keys)-1 {
			sep = ""
		}
		fmt.Fprintf(&b, "  %s: %v%s\n", key, weights[k], sep)
	}
	b.WriteString("}\n}\n")
	return b.Bytes()
}

// TestAboutnessIsFitted refits about.json to the theme tuning sets and
// checks that the stored file is that fit; with -refit it writes it.
func TestAboutnessIsFitted(t *testing.T) {
	files := conceptTuningFiles(t)
	ex := loadAboutExamples(t, files)
	got := encodeAboutness(files, len(ex), fitAboutness(ex))
	if *refitAbout {
		if err := os.WriteFile("about.json", got, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("about.json refitted to %d hits in %d sets", len(ex), len(files))
		return
	}
	stored, err := parseAboutness(aboutJSON)
	if err != nil {
		t.Fatal(err)
	}
	refit, err := parseAboutness(got)
	if err != nil {
		t.Fatal(err)
	}
	if stored.threshold != refit.threshold || len(stored.weights) != len(refit.weights) {
		t.Fatalf("about.json holds %d weights at threshold %v; a refit gives %d at %v: refit with -refit",
			len(stored.weights), stored.threshold, len(refit.weights), refit.threshold)
	}
	for k, v := range refit.weights {
		if math.Abs(stored.weights[k]-v) > 1e-3 {
			t.Fatalf("weight %q is %v stored, %v refitted: refit with -refit", k, stored.weights[k], v)
		}
	}
}

// TestAboutnessLeaveOneSetOut fits the aboutness to all theme tuning sets
// but one and scores the finder on the one left out, with and without it.
// Slow: run it with WM_LEAVE_ONE_OUT=1.
func TestAboutnessLeaveOneSetOut(t *testing.T) {
	if os.Getenv("WM_LEAVE_ONE_OUT") == "" {
		t.Skip("set WM_LEAVE_ONE_OUT=1 to fit the aboutness once per tuning set left out")
	}
	files := conceptTuningFiles(t)
	ex := loadAboutExamples(t, files)
	thresholds := []float64{0.5, 0.6, 2.0 / 3, 0.7}
	type total struct{ found, gold, ev, evRight, spurious, shown, shownRight int }
	sums := make([]total, len(thresholds)+1)
	for _, fn := range files {
		base := filepath.Base(fn)
		var train []aboutExample
		for _, e := range ex {
			if e.file != base {
				train = append(train, e)
			}
		}
		w := fitAboutness(train)
		for k := -1; k < len(thresholds); k++ {
			about := &aboutness{weights: w}
			if k >= 0 {
				about.threshold = thresholds[k]
			}
			s := scoreConceptsWith(t, fn, &Offline{about: about})
			tot := &sums[k+1]
			tot.found += s.found
			tot.gold += s.goldRecurring
			tot.ev += s.evidence
			tot.evRight += s.evidenceRight
			tot.spurious += len(s.spurious)
			tot.shown += s.top5
			tot.shownRight += s.top5Right
			t.Logf("%-22s threshold %.1f: found %d of %d, evidence %d of %d (%.0f%%), spurious %d", base, about.threshold,
				s.found, s.goldRecurring, s.evidenceRight, s.evidence, pct(s.evidenceRight, s.evidence), len(s.spurious))
		}
	}
	for k, tot := range sums {
		th := 0.0
		if k > 0 {
			th = thresholds[k-1]
		}
		t.Logf("all sets, threshold %.2f: found %d of %d, evidence %d of %d (%.1f%%), spurious %d; shown with quotes %d, of them recurring concepts %d", th,
			tot.found, tot.gold, tot.evRight, tot.ev, pct(tot.evRight, tot.ev), tot.spurious, tot.shown, tot.shownRight)
	}
}

// TestAboutnessMarksOnlyWhereTheFitDoubts checks mark: a theme the fit
// gives less than the threshold is named in passing, one it gives more
// stays the subject, and an answer naming one theme is about it whatever
// the fit says.
func TestAboutnessMarksOnlyWhereTheFitDoubts(t *testing.T) {
	cat := NewOffline().Catalogue()
	two := "Wants to die at home with the dog on the bed. Son worried about the syringe driver."
	one := "Syringe driver up and running since Tuesday."
	if n := len(cat.Find(two)); n < 2 {
		t.Fatalf("the catalogue finds %d themes in %q; the test needs two or more", n, two)
	}
	if n := len(cat.Find(one)); n != 1 {
		t.Fatalf("the catalogue finds %d themes in %q; the test needs one", n, one)
	}
	passing := func(about *aboutness, text string) (n int) {
		for _, ph := range findThemePhrases(cat, "what_matters", text, about) {
			if strings.HasPrefix(ph.Key, PassingKey) {
				n++
			}
		}
		return n
	}
	doubtful := &aboutness{weights: map[string]float64{"bias": -5}, threshold: 0.5}
	sure := &aboutness{weights: map[string]float64{"bias": 5}, threshold: 0.5}
	none := &aboutness{weights: map[string]float64{"bias": 5}, threshold: 0}
	rules := passing(none, two)
	if got := passing(sure, two); got != rules {
		t.Errorf("a sure fit marks %d themes in passing, the rules alone %d", got, rules)
	}
	if got, want := passing(doubtful, two), len(cat.Find(two)); got != want {
		t.Errorf("a doubtful fit marks %d of %d themes in passing", got, want)
	}
	if got := passing(doubtful, one); got != 0 {
		t.Errorf("an answer naming one theme has %d named in passing", got)
	}
}

// TestAboutnessRefusesABrokenFile checks that a broken about.json is
// refused with a message saying why.
func TestAboutnessRefusesABrokenFile(t *testing.T) {
	for _, c := range []struct{ file, want string }{
		{`{"about": {`, "about.json"},
		{`{"about": {"threshold": 0.5}, "weights": {}}`, "no weights"},
		{`{"about": {"threshold": 1.5}, "weights": {"bias": 1}}`, "threshold 1.5"},
		{`{"about": {"threshold": -0.1}, "weights": {"bias": 1}}`, "threshold -0.1"},
	} {
		if _, err := parseAboutness([]byte(c.file)); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one saying %q", c.file, err, c.want)
		}
	}
}

// sortedKeys are m's keys in order.
func sortedKeys(m map[string]float64) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// teamStyleTuningSets are the tuning sets written the way a team writes
// (ten themes recurring, two dozen others each the subject of one case
// and named in passing in others), whose writers mark "in passing" more
// often than the others'.
var teamStyleTuningSets = []string{"concepts_tune11.json", "concepts_tune12.json", "concepts_tune13.json", "concepts_tune14.json"}

// TestPassingMarksByWriter measures, on the tuning sets only, how far the
// writers of the two kinds of set agree about "named in passing": of the
// hits the rules mark as named in passing, and of those the fitted
// aboutness marks, how many each kind's writers labelled as what the
// answer is about; and, with the aboutness fitted to all sets but the one
// scored, how often a theme found recurring but the subject of one case at
// most is a recurring concept. Slow: run it with WM_PASSING=1.
func TestPassingMarksByWriter(t *testing.T) {
	if os.Getenv("WM_PASSING") == "" {
		t.Skip("set WM_PASSING=1 to measure how the tuning sets' writers mark themes named in passing")
	}
	files := conceptTuningFiles(t)
	ex := loadAboutExamples(t, files)
	cat := NewOffline().Catalogue()
	about := sharedAboutness()
	type tally struct{ rules, rulesAbout, fit, fitAbout, fewSubject, fewSubjectReal int }
	var team, other tally
	for _, fn := range files {
		base := filepath.Base(fn)
		tl := &other
		if slices.Contains(teamStyleTuningSets, base) {
			tl = &team
		}
		for _, a := range readConceptSet(t, fn).Answers {
			hits := cat.Find(setAnswerText(t, a))
			byRules := make([]bool, len(hits))
			for i := range hits {
				byRules[i] = hits[i].Passing
			}
			about.mark(a.Stage, hits)
			for i, h := range hits {
				labelled := slices.Contains(a.Themes, h.Theme)
				switch {
				case byRules[i]:
					tl.rules++
					if labelled {
						tl.rulesAbout++
					}
				case h.Passing:
					tl.fit++
					if labelled {
						tl.fitAbout++
					}
				}
			}
		}
		var train []aboutExample
		for _, e := range ex {
			if e.file != base {
				train = append(train, e)
			}
		}
		s := scoreConceptsWith(t, fn, &Offline{about: &aboutness{weights: fitAboutness(train), threshold: aboutThreshold}})
		for _, id := range s.foundIDs {
			if s.subjectCases[id] <= 1 {
				tl.fewSubject++
				if slices.Contains(s.goldIDs, id) {
					tl.fewSubjectReal++
				}
			}
		}
	}
	for _, c := range []struct {
		name string
		tl   tally
	}{{"written the way a team writes", team}, {"the others", other}} {
		t.Logf("tuning sets %s: named in passing by the rules, labelled as about the theme %d of %d (%.0f%%); by the fitted aboutness, %d of %d (%.0f%%); "+
			"themes found recurring but the subject of one case at most, recurring concepts %d of %d",
			c.name, c.tl.rulesAbout, c.tl.rules, pct(c.tl.rulesAbout, c.tl.rules), c.tl.fitAbout, c.tl.fit, pct(c.tl.fitAbout, c.tl.fit),
			c.tl.fewSubjectReal, c.tl.fewSubject)
	}
}
