package themes

import "testing"

func TestClinicalWordsAreLoaded(t *testing.T) {
	words := clinicalWords()
	if len(words) < 2000 {
		t.Fatalf("%d clinical words loaded; the WordNet list holds about 2,800", len(words))
	}
	for w, want := range map[string]clinicalWord{"cancer": condition, "infection": condition, "pain": condition,
		"fracture": condition, "lung": bodyPart, "chest": bodyPart, "mets": condition, "loneliness": notClinical,
		"grief": notClinical, "home": notClinical, "heart": notClinical, "infections": condition, "lungs": bodyPart} {
		if got := clinical(w); got != want {
			t.Errorf("clinical(%q) = %d, want %d", w, got, want)
		}
	}
}

func TestClinicalOnlyPhrasesAreNoEmergingTheme(t *testing.T) {
	for phrase, want := range map[string]bool{
		"chest infection":       true,
		"bone mets":             true,
		"lung ca":               true,
		"hf nurse":              true,
		"back pain":             true,
		"cancer of the bowel":   true,
		"hair and nails":        false, // no condition: it may matter to someone
		"learning disability":   false,
		"allotment society":     false,
		"crew mates":            false,
		"pain control":          false,
		"lonely evenings":       false,
		"district nurse visits": false,
	} {
		if got := clinicalOnly(lowerWords(phrase)); got != want {
			t.Errorf("clinicalOnly(%q) = %v, want %v", phrase, got, want)
		}
	}
}
