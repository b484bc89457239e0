package themes

import (
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"
	"testing"

	"whatmatters/flows"
)

// Two people labelling the same answers do not agree perfectly, and the
// coder cannot be held to more than they agree with each other. These
// tests read a tuning file labelled a second time, independently, by a
// labeller who saw neither the first labels nor the rules
// (themes/testdata/README.md, "Two labellers"), and log how far the two
// agree: the ceiling the coder's and finder's figures should be read
// against.

// TestTwoLabellersOfCodes compares the two labellings of codes_tune6 with
// each other and with the offline coder. Since v14 the coder's weighing is
// fitted to the first labelling, so its figures here show the fit, not how
// it reads a new writer (docs/themes.md).
func TestTwoLabellersOfCodes(t *testing.T) {
	first := loadGoldFile(t, "testdata/codes_tune6.jsonl")
	second := loadGoldFile(t, "testdata/codes_tune6_second.jsonl")
	if len(first) != len(second) {
		t.Fatalf("%d answers labelled first, %d second", len(first), len(second))
	}
	for i := range first {
		if first[i].ID != second[i].ID || first[i].Text != second[i].Text || first[i].Stage != second[i].Stage {
			t.Fatalf("answer %d differs between the labellings: %s and %s", i, first[i].ID, second[i].ID)
		}
	}
	asCodes := func(gs []Gold) []flows.Codes {
		out := make([]flows.Codes, len(gs))
		for i, g := range gs {
			out[i] = flows.Codes{Relationships: g.Relationships, Stories: g.Stories, Community: g.Community,
				Anticipation: g.Anticipation, Capabilities: g.Capabilities}
		}
		return out
	}
	_, coder := offCodeFile(t, "testdata/codes_tune6.jsonl")
	t.Logf("second labeller against the first:\n%s", Agreement(first, asCodes(second)))
	t.Logf("offline coder v%s against the first:\n%s", OfflineVersion, Agreement(first, coder))
	t.Logf("offline coder v%s against the second:\n%s", OfflineVersion, Agreement(second, coder))
}

func loadGoldFile(t *testing.T, path string) []Gold {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gold, err := LoadGold(f)
	if err != nil {
		t.Fatal(err)
	}
	return gold
}

// TestTwoLabellersOfThemes compares the two labellings of concepts_tune7
// by the theme finder's own measures, the first labeller's labels standing
// as truth: which recurring themes the second finds, how much of the
// second's evidence the first would call about its theme, and per answer.
func TestTwoLabellersOfThemes(t *testing.T) {
	first, second := readTwoLabellings(t, "tune7")
	t.Logf("second labeller against the first:\n%s", compareThemeLabels(first, themeLabels(first), themeLabels(second)))
	t.Logf("theme finder against the first:\n%s", scoreConcepts(t, "testdata/concepts_tune7.json"))
	t.Logf("theme finder against the second:\n%s", scoreConcepts(t, "testdata/concepts_tune7_second.json"))
}

// readTwoLabellings reads testdata/concepts_NAME.json and its second
// labelling, and checks that they hold the same answers.
func readTwoLabellings(t *testing.T, name string) (first, second conceptSet) {
	t.Helper()
	first = readConceptSet(t, "testdata/concepts_"+name+".json")
	second = readConceptSet(t, "testdata/concepts_"+name+"_second.json")
	if len(first.Answers) != len(second.Answers) {
		t.Fatalf("%s: %d answers labelled first, %d second", name, len(first.Answers), len(second.Answers))
	}
	for i := range first.Answers {
		if first.Answers[i].ID != second.Answers[i].ID || first.Answers[i].Text != second.Answers[i].Text {
			t.Fatalf("%s: answer %d differs between the labellings", name, i)
		}
	}
	return first, second
}

// themeLabels gives a set's labels by answer.
func themeLabels(s conceptSet) func(i int) []string {
	return func(i int) []string { return s.Answers[i].Themes }
}

// labelledCase is the case a labelled answer counts toward, as caseOf
// counts it: its case, or for an answer about no case, its reflection and
// writer.
func labelledCase(a conceptAnswer) string {
	if a.Case != "" {
		return a.Case
	}
	return fmt.Sprintf("reflection %d by %s", a.Reflection, a.Author)
}

// compareThemeLabels scores labels got against labels want on a set, by
// the digest's rule for recurring (two cases or more, two people or more).
func compareThemeLabels(set conceptSet, want, got func(i int) []string) string {
	recurring := func(labels func(i int) []string) map[string][]int {
		cases, people, answers := map[string]map[string]bool{}, map[string]map[string]bool{}, map[string][]int{}
		for i, a := range set.Answers {
			for _, th := range labels(i) {
				if cases[th] == nil {
					cases[th], people[th] = map[string]bool{}, map[string]bool{}
				}
				cases[th][labelledCase(a)] = true
				people[th][a.Author] = true
				answers[th] = append(answers[th], i)
			}
		}
		out := map[string][]int{}
		for th := range answers {
			if len(cases[th]) >= 2 && len(people[th]) >= 2 {
				out[th] = answers[th]
			}
		}
		return out
	}
	wantRec, gotRec := recurring(want), recurring(got)
	found, evidence, right := 0, 0, 0
	var spurious, missed []string
	for th, ids := range gotRec {
		if _, ok := wantRec[th]; !ok {
			spurious = append(spurious, th)
			continue
		}
		found++
		for _, i := range ids {
			evidence++
			if slices.Contains(want(i), th) {
				right++
			}
		}
	}
	for th := range wantRec {
		if _, ok := gotRec[th]; !ok {
			missed = append(missed, th)
		}
	}
	sort.Strings(spurious)
	sort.Strings(missed)
	tp, fp, fn := 0, 0, 0
	for i := range set.Answers {
		for _, th := range got(i) {
			if slices.Contains(want(i), th) {
				tp++
			} else {
				fp++
			}
		}
		for _, th := range want(i) {
			if !slices.Contains(got(i), th) {
				fn++
			}
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "recurring themes found: %d of %d (%.0f%%); missed %v\n", found, len(wantRec), pct(found, len(wantRec)), missed)
	fmt.Fprintf(&b, "evidence about its theme: %d of %d answers (%.0f%%)\n", right, evidence, pct(right, evidence))
	fmt.Fprintf(&b, "spurious recurring themes: %d %v\n", len(spurious), spurious)
	fmt.Fprintf(&b, "per answer: precision %.0f%%, recall %.0f%%", pct(tp, tp+fp), pct(tp, tp+fn))
	return b.String()
}

// twiceLabelled are the sets labelled a second time (in session 12 every
// held-out and check set then, and the three tuning sets written the way a
// team writes; in session 13 the fifth and sixth held-out sets), each with the floors
// the finder is held to against both labellers: a little under what it
// measures now, so that a change that makes it worse fails. Measured at
// the end of session 12: found (of the concepts both call recurring)
// 31/34, 23/29, 31/31, 16/17, 20/24, 21/23, 10/10 ×3; evidence (about by
// either) 86%, 95%, 85%, 86%, 81%, 88%, 88%, 85%, 83%; recurring for
// neither 1, 2, 0, 5, 2, 5, 4, 5, 7. The fifth held-out set, scored once
// in session 13: 27/31, 89%, 1. After session 13's cues for the four
// themes read worst: the fifth 28/31, check 1 21/24, tune 13 8 recurring
// for neither (stopping treatment now found in a second case there). The
// sixth held-out set, written in session 13 and scored once after those
// cues: 23/25, 82%, 2.
var twiceLabelled = []struct {
	name            string
	found, evidence float64
	neither         int
}{
	{"heldout", 0.9, 0.84, 1},
	{"heldout2", 0.75, 0.93, 2},
	{"heldout3", 0.95, 0.83, 0},
	{"heldout4", 0.9, 0.84, 5},
	{"heldout5", 0.85, 0.87, 1},
	{"heldout6", 0.9, 0.8, 2},
	{"check1", 0.8, 0.79, 2},
	{"check2", 0.9, 0.86, 5},
	{"tune11", 0.95, 0.86, 4},
	{"tune12", 0.95, 0.83, 5},
	{"tune13", 0.95, 0.81, 8},
}

// TestSecondLabellersOfRealisticSets compares two independent labellings
// of each twiceLabelled set, the second by a labeller blind to the first
// labels, the rules and the finder (themes/testdata/README.md, "Second
// labellings"), and scores the finder against both: the concepts both
// labellers call recurring that it finds; its evidence, an answer counted
// as about a theme when either labeller says so; and the themes it reports
// that are recurring for neither. Scored like the finder against the
// writer, the second labeller's own figures show how far two careful
// readers agree. Only figures are read from the held-out and check sets;
// nothing is fitted to any of them.
func TestSecondLabellersOfRealisticSets(t *testing.T) {
	if os.Getenv("WHATMATTERS_NO_HELDOUT") != "" {
		t.Skip("WHATMATTERS_NO_HELDOUT is set: this scores held-out and check sets")
	}
	for _, ts := range twiceLabelled {
		t.Run(ts.name, func(t *testing.T) {
			first, second := readTwoLabellings(t, ts.name)
			t.Logf("second labeller against the first:\n%s", compareThemeLabels(first, themeLabels(first), themeLabels(second)))
			t.Logf("first labeller against the second:\n%s", compareThemeLabels(first, themeLabels(second), themeLabels(first)))
			byFirst := scoreConceptSet(t, first, NewOffline())
			bySecond := scoreConceptSet(t, second, NewOffline())
			either := scoreConceptSet(t, unionOf(first, second), NewOffline())
			t.Logf("theme finder against the second labeller:\n%s", bySecond)
			t.Logf("theme finder against either labeller (an answer is about a theme when either says so):\n%s", either)
			agreed, found := 0, 0
			for _, th := range byFirst.goldIDs {
				if slices.Contains(bySecond.goldIDs, th) {
					agreed++
					if slices.Contains(byFirst.foundIDs, th) {
						found++
					}
				}
			}
			t.Logf("theme finder: of the %d concepts both labellers call recurring, found %d (%.0f%%); spurious against the first labeller %d, against the second %d, recurring for neither (their labels taken together) %d",
				agreed, found, pct(found, agreed), len(byFirst.spurious), len(bySecond.spurious), len(either.spurious))
			if float64(found) < ts.found*float64(agreed) {
				t.Errorf("found %d of the %d concepts both labellers call recurring, want at least %.0f%%", found, agreed, 100*ts.found)
			}
			if float64(either.evidenceRight) < ts.evidence*float64(either.evidence) {
				t.Errorf("%d of %d answers of evidence are about their concept by either labeller, want at least %.0f%%",
					either.evidenceRight, either.evidence, 100*ts.evidence)
			}
			if len(either.spurious) > ts.neither {
				t.Errorf("%d themes recurring for neither labeller (their labels taken together) %v, want at most %d", len(either.spurious), either.spurious, ts.neither)
			}
		})
	}
}

// unionOf is a set whose answers carry the themes either labelling gives
// them.
func unionOf(first, second conceptSet) conceptSet {
	union := first
	union.Answers = slices.Clone(first.Answers)
	for i := range union.Answers {
		a := &union.Answers[i]
		a.Themes = slices.Clone(a.Themes)
		for _, th := range second.Answers[i].Themes {
			if !slices.Contains(a.Themes, th) {
				a.Themes = append(a.Themes, th)
			}
		}
	}
	return union
}
