package wordnet

import (
	"bytes"
	"slices"
	"strings"
	"testing"
)

func TestFirstSensesTakeTheCommonestSense(t *testing.T) {
	first, err := FirstSenses("testdata/index.noun")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"bone": "05269901", "lung": "05387544"} // "x-ray" is not a word of letters
	if len(first) != len(want) {
		t.Fatalf("read %v, want %v", first, want)
	}
	for w, off := range want {
		if first[w] != off {
			t.Errorf("%s: first sense %q, want %q", w, first[w], off)
		}
	}
}

func TestSynsetsReadWordsFileAndHypernyms(t *testing.T) {
	s, err := Synsets("testdata/data.noun")
	if err != nil {
		t.Fatal(err)
	}
	if len(s) != 3 {
		t.Fatalf("read %d synsets, want 3 (the licence is not one)", len(s))
	}
	lung := s["05387544"]
	if lung.Lex != 8 || !slices.Equal(lung.Words, []string{"lung"}) || !slices.Equal(lung.Hypernyms, []string{"05650820"}) {
		t.Errorf("lung: %+v", lung)
	}
	cancer := s["14239918"]
	if !slices.Equal(cancer.Words, []string{"cancer", "malignant_neoplastic_disease"}) ||
		!slices.Equal(cancer.Hypernyms, []string{"14239425", "99999999"}) {
		t.Errorf("cancer: %+v", cancer)
	}
	if long := s["01382086"]; !slices.Equal(long.Words, []string{"long", "tall"}) || len(long.Hypernyms) != 0 {
		t.Errorf("long: %+v (adjective markers dropped, a similar-to pointer is no hypernym)", long)
	}
}

func TestLetters(t *testing.T) {
	for s, want := range map[string]bool{"lung": true, "ox": false, "x-ray": false, "Lung": false, "abc": true} {
		if got := Letters(s); got != want {
			t.Errorf("Letters(%q) = %v", s, got)
		}
	}
}

func TestWriteTableGivesTheNoticeThenKeysInOrder(t *testing.T) {
	var b bytes.Buffer
	if err := WriteTable(&b, "scripts/test", map[string]string{"lung": "body", "cancer": "condition"}); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	if len(lines) != 4 || !strings.HasPrefix(lines[0], "# Distilled from WordNet 3.0 by scripts/test. WordNet 3.0 Copyright") ||
		!strings.Contains(lines[1], "PROVIDED \"AS IS\"") || lines[2] != "cancer\tcondition" || lines[3] != "lung\tbody" {
		t.Errorf("table written:\n%s", b.String())
	}
}
