package offline

import (
	"os"
	"strings"
	"testing"
)

// TestDebugText prints how the coder reads WM_DEBUG_TEXT, word by word.
func TestDebugText(t *testing.T) {
	text := os.Getenv("WM_DEBUG_TEXT")
	if text == "" {
		t.Skip("set WM_DEBUG_TEXT to trace one answer")
	}
	d := analyse(theLexicon(), text)
	for _, tk := range d.toks {
		t.Logf("%-14s s=%d c=%d q=%v name=%v descr=%v cats=%s", tk.w, tk.sent, tk.clause, tk.quoted, tk.name, tk.descriptive(), catNames(tk.cat))
	}
	f := d.features()
	t.Logf("%+v", f)
	t.Logf("facts: %s", factNames(f.facts))
	stage := os.Getenv("WM_DEBUG_STAGE")
	t.Logf("weighed: %+v", decide(d, stage))
	for _, set := range []struct {
		name  string
		rules []rule
	}{{"relationships", relationshipRules}, {"stories", storyRules}, {"community", communityRules}, {"anticipation", anticipationRules}} {
		for i := range set.rules {
			if f.matches(&set.rules[i], stage) {
				t.Logf("%s: the rule table alone, row %d, gives %s", set.name, i, set.rules[i].label)
				break
			}
		}
	}
}

func catNames(c lexCat) string {
	var out []string
	for i, n := range categoryNames {
		if c&(1<<i) != 0 {
			out = append(out, n)
		}
	}
	return strings.Join(out, ",")
}

// factNames names the facts set in f, in the order rules.go declares them.
func factNames(f fact) string {
	var out []string
	for i, n := range factNameList {
		if f&(1<<i) != 0 {
			out = append(out, n)
		}
	}
	return strings.Join(out, ",")
}
