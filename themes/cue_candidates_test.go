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
