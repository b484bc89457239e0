package prompts

import (
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"
)

func TestEmbeddedTemplates(t *testing.T) {
	set, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"after_death", "case", "check_in", "theme"}, set.Keys()); diff != "" {
		t.Errorf("template keys (-want +got):\n%s", diff)
	}
	c, ok := set.Get("case")
	if !ok {
		t.Fatal("no case template")
	}
	var keys []string
	for _, s := range c.Stages {
		keys = append(keys, s.Key)
	}
	// The contract names these stage keys, in this order.
	if diff := cmp.Diff([]string{"what_matters", "why", "whos_around", "what_happened", "looking_ahead"}, keys); diff != "" {
		t.Errorf("case stages (-want +got):\n%s", diff)
	}
	if !c.NeedsCase {
		t.Error("case template should need a case")
	}
	if ci, _ := set.Get("check_in"); ci.NeedsCase || len(ci.Stages) != 1 {
		t.Errorf("check_in should be one question about no particular case, got %+v", ci)
	}
}

func TestLoadFSRejectsBadTemplates(t *testing.T) {
	good := `{"key":"x","name":"X","intro":"hi","stages":[{"key":"a","title":"A","question":"Q?"}]}`
	tests := []struct {
		name, body, want string
	}{
		{"unknown field", `{"key":"x","nme":"X"}`, "unknown field"},
		{"bad key", strings.Replace(good, `"key":"x"`, `"key":"X Y"`, 1), "lower case"},
		{"no stages", `{"key":"x","name":"X","intro":"hi","stages":[]}`, "no stages"},
		{"duplicate stage", `{"key":"x","name":"X","intro":"hi","stages":[{"key":"a","title":"A","question":"Q?"},{"key":"a","title":"B","question":"Q?"}]}`, "used twice"},
		{"empty question", strings.Replace(good, `"question":"Q?"`, `"question":" "`, 1), "needs a title and a question"},
		{"unknown rule", strings.Replace(good, `"question":"Q?"`, `"question":"Q?","follow_ups":{"vibes":"?"}`, 1), "unknown follow-up rule"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := fstest.MapFS{"t/x.json": {Data: []byte(tt.body)}}
			_, err := LoadFS(fsys, "t")
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("LoadFS error = %v, want it to mention %q", err, tt.want)
			}
		})
	}
	if _, err := LoadFS(fstest.MapFS{"t/x.json": {Data: []byte(good)}}, "t"); err != nil {
		t.Errorf("good template refused: %v", err)
	}
}

func TestFill(t *testing.T) {
	if got := Fill("What matters to {case}?", "Kestrel"); got != "What matters to Kestrel?" {
		t.Errorf("Fill = %q", got)
	}
	if got := Fill("What matters to {case}?", ""); got != "What matters to this person?" {
		t.Errorf("Fill without case = %q", got)
	}
}
