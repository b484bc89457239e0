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
