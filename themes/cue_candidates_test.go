package themes

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"whatmatters/concepts"
)

// TestCueCandidates scores candidate cues (WM_CUES: a file of "theme<TAB>cue"
// lines) on every tuning set: the answers each finds that the catalogue does
// not, labelled with its theme (right) or not (wrong), per set, so that a
// cue taken from one writer's words is kept only where it does not find
// more wrong answers than right ones in the others'. Never run it on a
// held-out or check set. Run:
// WM_CUES=cues.tsv go test -run TestCueCandidates -v ./themes
func TestCueCandidates(t *testing.T) {
	path := os.Getenv("WM_CUES")
	if path == "" {
		t.Skip()
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	type cand struct{ theme, cue string }
	var cands []cand
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		parts := strings.SplitN(sc.Text(), "\t", 2)
		if len(parts) == 2 {
			cands = append(cands, cand{parts[0], parts[1]})
		}
	}
	off := NewOffline()
	cat := off.Catalogue()
	type ans struct {
		file, text string
		themes     []string
		found      map[string]bool
	}
	var all []ans
	for _, fn := range conceptTuningFiles(t) {
		for _, a := range readConceptSet(t, fn).Answers {
			text := setAnswerText(t, a)
			found := map[string]bool{}
			for _, h := range cat.Find(text) {
				found[h.Theme] = true
			}
			all = append(all, ans{filepath.Base(fn), text, a.Themes, found})
		}
	}
	for _, c := range cands {
		th, _ := cat.Theme(c.theme)
		js, _ := json.Marshal(map[string]any{"version": "x", "themes": []map[string]any{{"id": c.theme, "label": "x", "definition": "x",
			"cues": []string{c.cue}, "excludes": th.Excludes}}})
		one, err := concepts.Load(strings.NewReader(string(js)))
		if err != nil {
			t.Fatalf("%s: %v", c.cue, err)
		}
		right, wrong := map[string]int{}, map[string]int{}
		var ex []string
		for _, a := range all {
			if a.found[c.theme] || len(one.Find(a.text)) == 0 {
				continue
			}
			if slices.Contains(a.themes, c.theme) {
				right[a.file]++
			} else {
				wrong[a.file]++
				if len(ex) < 2 {
					ex = append(ex, a.text[:min(len(a.text), 90)])
				}
			}
		}
		sum := func(m map[string]int) int {
			n := 0
			for _, v := range m {
				n += v
			}
			return n
		}
		t.Logf("CAND\t%s\t%s\tright %d (%d sets)\twrong %d\t%v %q", c.theme, c.cue, sum(right), len(right), sum(wrong), right, ex)
	}
}

// TestThemeRecallByTheme reports, on every tuning set, how many of the
// answers labelled with each theme the catalogue finds (per answer
// recall) and how many it finds that are not labelled with it, weakest
// first: where cues are narrow. With WM_MISSED=<theme id> it lists that
// theme's labelled answers it misses. Never run it on a held-out or check
// set. Run: WM_RECALL=1 go test -run TestThemeRecallByTheme -v ./themes
func TestThemeRecallByTheme(t *testing.T) {
	if os.Getenv("WM_RECALL") == "" && os.Getenv("WM_MISSED") == "" {
		t.Skip("set WM_RECALL=1 (or WM_MISSED=<theme id>) to read the catalogue's recall on the tuning sets")
	}
	missedOf := os.Getenv("WM_MISSED")
	cat := NewOffline().Catalogue()
	type tally struct{ found, labelled, wrong int }
	by := map[string]*tally{}
	get := func(id string) *tally {
		if by[id] == nil {
			by[id] = &tally{}
		}
		return by[id]
	}
	for _, fn := range conceptTuningFiles(t) {
		for _, a := range readConceptSet(t, fn).Answers {
			text := setAnswerText(t, a)
			var got []string
			for _, h := range cat.Find(text) {
				got = append(got, h.Theme)
			}
			for _, th := range a.Themes {
				get(th).labelled++
				if slices.Contains(got, th) {
					get(th).found++
				} else if th == missedOf {
					t.Logf("missed (%s, %s): %s", filepath.Base(fn), a.Stage, text)
				}
			}
			for _, th := range got {
				if !slices.Contains(a.Themes, th) {
					get(th).wrong++
				}
			}
		}
	}
	ids := make([]string, 0, len(by))
	for id := range by {
		ids = append(ids, id)
	}
	share := func(id string) float64 { return float64(by[id].found) / float64(max(by[id].labelled, 1)) }
	slices.SortFunc(ids, func(a, b string) int {
		if d := share(a) - share(b); d != 0 {
			if d < 0 {
				return -1
			}
			return 1
		}
		return strings.Compare(a, b)
	})
	for _, id := range ids {
		tl := by[id]
		t.Logf("%-28s found %3.0f%% of the answers labelled with it (%d of %d); %d found not labelled with it",
			id, 100*share(id), tl.found, tl.labelled, tl.wrong)
	}
}
