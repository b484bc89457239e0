package themes

import (
	"context"
	"os"
	"slices"
	"strings"
	"testing"

	"whatmatters/flows"
)

// TestTuneDisagreements prints, for the tune set only, every answer where
// the offline coder and the gold labels disagree: the list the rules were
// improved from. It runs only when WM_TUNE_DUMP is set, and never reads
// the held-out file.
func TestTuneDisagreements(t *testing.T) {
	if os.Getenv("WM_TUNE_DUMP") == "" {
		t.Skip("set WM_TUNE_DUMP=1 to list the tune set's disagreements")
	}
	path := "testdata/codes_tune.jsonl"
	if p := os.Getenv("WM_TUNE_FILE"); p != "" && !strings.Contains(p, "heldout") {
		path = p
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gold, err := LoadGold(f)
	if err != nil {
		t.Fatal(err)
	}
	o := NewOffline()
	var got []flows.Codes
	only := os.Getenv("WM_TUNE_DIR")
	for _, g := range gold {
		c, _ := o.Code(context.Background(), g.Input())
		got = append(got, c)
		for _, dir := range flows.Directions {
			if only != "" && only != dir && only != "tags" {
				continue
			}
			if only == "tags" {
				continue
			}
			if g.Direction(dir) != c.Direction(dir) {
				t.Logf("%s %-13s %-13s gold %-6s got %-6s | %s", g.ID, g.Stage, dir, g.Direction(dir), c.Direction(dir), g.Text)
			}
		}
		if only == "" || only == "tags" {
			var miss, extra []string
			for _, tag := range g.Capabilities {
				if !slices.Contains(c.Capabilities, tag) {
					miss = append(miss, tag)
				}
			}
			for _, tag := range c.Capabilities {
				if !slices.Contains(g.Capabilities, tag) {
					extra = append(extra, tag)
				}
			}
			if len(miss)+len(extra) > 0 {
				t.Logf("%s %-13s tags missing %v extra %v | %s", g.ID, g.Stage, miss, extra, g.Text)
			}
		}
	}
	t.Logf("\n%s", Agreement(gold, got))
}

// TestDebugText prints how the coder reads WM_DEBUG_TEXT, word by word.
func TestDebugText(t *testing.T) {
	text := os.Getenv("WM_DEBUG_TEXT")
	if text == "" {
		t.Skip("set WM_DEBUG_TEXT to trace one answer")
	}
	d := offAnalyse(theLexicon(), text)
	for _, tk := range d.toks {
		t.Logf("%-14s s=%d c=%d q=%v name=%v descr=%v cats=%s", tk.w, tk.sent, tk.clause, tk.quoted, tk.name, tk.descriptive(), offCatNames(tk.cat))
	}
	f := d.features()
	t.Logf("%+v", f)
	stage := os.Getenv("WM_DEBUG_STAGE")
	t.Logf("%+v", offDecide(d, stage))
}

func offCatNames(c lexCat) string {
	names := []string{"Person", "NOK", "Pet", "Community", "Service", "Intervention", "Med", "Form", "Clinical", "Reactive", "Assess", "Chrono", "Day", "Plan", "Lesson", "Team", "Comfort", "Recognise", "Wish", "LiveWell", "Strain", "Bereave", "Support", "RelCare", "Label", "Problem", "Refuse", "Fix", "Voice", "Moment", "History", "Feeling", "Negate", "Nobody", "Home", "Tickbox", "Generic", "Experience", "Question", "PaidCarer", "FamilyCarer", "Hypothetical", "WentWrong", "Function", "Intent", "Reason", "Early", "Seq", "HistoryWeak", "When", "Number", "Place", "CommRes", "Unsure", "Patient"}
	var out []string
	for i, n := range names {
		if c&(1<<i) != 0 {
			out = append(out, n)
		}
	}
	return strings.Join(out, ",")
}
