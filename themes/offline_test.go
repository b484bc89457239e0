package themes

import (
	"context"
	"slices"
	"strings"
	"testing"

	"whatmatters/flows"
)

// offMetaReplies are answers about answering: none on every direction, no
// tags, no phrases.
var offMetaReplies = []string{"will add later", "skip", "+1 to Sam", "ditto", "Ditto.", "n/a", "Skip for now", "same as above", "+1", "agree with Sam", "nothing to add"}

// offTemplateOf returns the template a stage key belongs to.
func offTemplateOf(stage string) string {
	switch stage {
	case "hoped", "happened", "difference", "learn", "those_close":
		return "after_death"
	case "on_your_mind":
		return "check_in"
	}
	return "case"
}

func TestMetaReplies(t *testing.T) {
	o := NewOffline()
	for _, text := range offMetaReplies {
		for _, stage := range []string{"what_matters", "whos_around", "those_close", "on_your_mind"} {
			got, _ := o.Code(context.Background(), flows.CodeInput{Template: offTemplateOf(stage), Stage: stage, Text: text})
			if got.Relationships != flows.None || got.Stories != flows.None || got.Community != flows.None || got.Anticipation != flows.None {
				t.Errorf("%s %q: %+v, want none on all four", stage, text, got)
			}
			if len(got.Capabilities) != 0 || len(got.Phrases) != 0 {
				t.Errorf("%s %q: tags %v phrases %v, want none", stage, text, got.Capabilities, got.Phrases)
			}
		}
	}
	// Short answers that are not meta keep their reading.
	for _, text := range []string{"Same nurse every visit", "Agree, his daughter is exhausted", "home"} {
		got, _ := o.Code(context.Background(), flows.CodeInput{Template: "case", Stage: "what_matters", Text: text})
		if len(got.Capabilities) == 0 {
			t.Errorf("%q read as meta: %+v", text, got)
		}
	}
}

func TestOfflineCodesShape(t *testing.T) {
	o := NewOffline()
	in := flows.CodeInput{Template: "case", Stage: "whos_around", Text: "Wife Jean (not coping), son in Leeds rings daily. DN weekly."}
	a, err := o.Code(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := o.Code(context.Background(), in)
	if a.Coder != OfflineName || a.Version != o.Version() || !strings.HasPrefix(a.Version, OfflineVersion+"+") {
		t.Errorf("coder %q version %q", a.Coder, a.Version)
	}
	for _, dir := range flows.Directions {
		if !a.Direction(dir).Valid() {
			t.Errorf("%s: invalid label %q", dir, a.Direction(dir))
		}
	}
	if !slices.Equal(a.Capabilities, b.Capabilities) || a.Relationships != b.Relationships || len(a.Phrases) != len(b.Phrases) {
		t.Errorf("not deterministic: %+v vs %+v", a, b)
	}
	for _, tag := range a.Capabilities {
		if !slices.Contains(flows.Capabilities, tag) {
			t.Errorf("unknown tag %q", tag)
		}
	}
	// Empty and odd input never fails.
	for _, text := range []string{"", "   ", "!!!", "???", "\u00a0", "x", strings.Repeat("pain ", 2000), "日本語のテキスト", "ça va, très bien"} {
		if _, err := o.Code(context.Background(), flows.CodeInput{Stage: "why", Text: text}); err != nil {
			t.Errorf("%q: %v", text, err)
		}
	}
}
