package themes

import "testing"

func TestMeaningKeyJoinsLemmasAndSynonyms(t *testing.T) {
	if len(synonyms()) < 10000 {
		t.Fatalf("the WordNet table has %d entries", len(synonyms()))
	}
	for _, pair := range [][2]string{
		{"children's letters", "child letter"},
		{"physician review", "doctor review"},
		{"scared wife", "frightened wife"},
		{"car park", "auto park"},
	} {
		if a, b := MeaningKey(pair[0]), MeaningKey(pair[1]); a != b {
			t.Errorf("%q → %q but %q → %q; want one key", pair[0], a, pair[1], b)
		}
	}
	// Different meanings stay apart.
	for _, pair := range [][2]string{
		{"home visit", "place visit"},
		{"dog walk", "chase walk"},
	} {
		if a, b := MeaningKey(pair[0]), MeaningKey(pair[1]); a == b {
			t.Errorf("%q and %q share the key %q", pair[0], pair[1], a)
		}
	}
}
