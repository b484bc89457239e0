package themes

import (
	"context"
	"testing"

	"whatmatters/flows"
)

func phraseAnswer(id, caseID int64, author, disc, text, phrase string) flows.CodedAnswer {
	return flows.CodedAnswer{
		Answer: flows.Answer{ID: id, ReflectionID: id, Author: author, Discipline: disc, Text: text},
		CaseID: caseID,
		Codes:  &flows.Codes{Phrases: []flows.Phrase{{Phrase: phrase, Key: PhraseKey(phrase), Quote: text}}},
	}
}

// An emerging theme is named in people's words, so never in the words of
// someone who asked not to be quoted: without theirs, the phrase is one
// person's and does not recur.
func TestEmergingNeverFromQuotesOff(t *testing.T) {
	period := []flows.CodedAnswer{
		phraseAnswer(1, 1, "U1", "district nurse", "The walking frame is by the door now.", "walking frame"),
		phraseAnswer(2, 2, "UQUIET", "GP", "New walking frame arrived.", "walking frame"),
	}
	find := func(noQuotes map[string]bool) []flows.Theme {
		f := themeFinder{cat: builtinCatalogue(), period: period, noQuotes: noQuotes, attribute: attribution(period)}
		_, emerging, _ := f.find(context.Background())
		return emerging
	}
	if got := find(map[string]bool{}); len(got) != 1 || got[0].Label != "walking frame" {
		t.Fatalf("with quotes allowed, emerging = %+v; want the walking frame", got)
	}
	if got := find(map[string]bool{"UQUIET": true}); len(got) != 0 {
		t.Errorf("with UQUIET's quotes off, emerging = %+v; want nothing", got)
	}
}

// A case's pseudonym and a scrubbed detail are never an emerging theme.
func TestEmergingNeverAPseudonymOrPlaceholder(t *testing.T) {
	period := []flows.CodedAnswer{
		phraseAnswer(1, 1, "U1", "district nurse", "Kestrel family are worn out.", "kestrel family"),
		phraseAnswer(2, 2, "U2", "GP", "Kestrel family meeting next week.", "kestrel family"),
		phraseAnswer(3, 1, "U1", "district nurse", "Seen by [name] today.", "[name] today"),
		phraseAnswer(4, 2, "U2", "GP", "Rang [name] today.", "[name] today"),
	}
	f := themeFinder{cat: builtinCatalogue(), period: period, noQuotes: map[string]bool{}, attribute: attribution(period),
		avoid: map[string]bool{"kestrel": true}}
	if _, emerging, _ := f.find(context.Background()); len(emerging) != 0 {
		t.Errorf("emerging = %+v; want nothing", emerging)
	}
}

// A phrase that a catalogue cue reads as a theme is that theme, not one
// outside the catalogue; a phrase naming only who was there and how often
// ("hospice cns", "wife rang", "carers bd") is no theme, nor one the
// catalogue sets aside as a theme's look-alike ("a real pain to arrange").
// A phrase outside all of them recurs as emerging.
func TestEmergingNeitherCatalogueNorRoles(t *testing.T) {
	period := []flows.CodedAnswer{
		phraseAnswer(1, 1, "U1", "district nurse", "Fast track went in Monday.", "fast track"),
		phraseAnswer(2, 2, "U2", "GP", "Fast track signed today.", "fast track"),
		phraseAnswer(3, 1, "U1", "district nurse", "Hospice CNS saw him.", "hospice cns"),
		phraseAnswer(4, 2, "U2", "GP", "Hospice CNS to review.", "hospice cns"),
		phraseAnswer(5, 1, "U1", "district nurse", "Wife rang at 6.", "wife rang"),
		phraseAnswer(6, 2, "U2", "GP", "Wife rang the surgery.", "wife rang"),
		phraseAnswer(7, 1, "U1", "district nurse", "The key safe code has changed.", "key safe"),
		phraseAnswer(8, 2, "U2", "GP", "No key safe yet.", "key safe"),
		// How often someone comes is who was there too.
		phraseAnswer(9, 1, "U1", "district nurse", "Carers bd, DN daily.", "carers bd"),
		phraseAnswer(10, 2, "U2", "GP", "Son, carers BD.", "carers bd"),
		// Words the catalogue sets aside as a look-alike of a theme, where
		// they were written, are a figure of speech, not a theme.
		phraseAnswer(11, 1, "U1", "district nurse", "The transport was a real pain to arrange.", "real pain"),
		phraseAnswer(12, 2, "U2", "GP", "Getting the bed was a real pain.", "real pain"),
		phraseAnswer(13, 1, "U1", "district nurse", "Honestly a dog's dinner of a discharge.", "dog's dinner"),
		phraseAnswer(14, 2, "U2", "GP", "Another dog's dinner from the ward.", "dog's dinner"),
	}
	f := themeFinder{cat: builtinCatalogue(), period: period, noQuotes: map[string]bool{}, attribute: attribution(period)}
	_, emerging, _ := f.find(context.Background())
	if len(emerging) != 1 || emerging[0].Label != "key safe" {
		t.Errorf("emerging = %+v; want only the key safe", emerging)
	}
}

// The digest says which answers the offline coder read in a model's place,
// and why, even when the model coded none of them.
func TestReadOfflineSaysWhy(t *testing.T) {
	coded := func(id int64, c flows.Codes) flows.CodedAnswer {
		return flows.CodedAnswer{Answer: flows.Answer{ID: id}, Codes: &c}
	}
	period := []flows.CodedAnswer{
		coded(1, flows.Codes{Coder: OfflineName, Fallback: true, OfflineReason: "the model failed"}),
		coded(2, flows.Codes{Coder: OfflineName, OfflineReason: "read as instructions to the model"}),
		coded(3, flows.Codes{Coder: OfflineName}),
		coded(4, flows.Codes{Coder: OfflineName}),
	}
	got := readOffline(period, map[int64]bool{4: true})
	want := []flows.OfflineRead{{AnswerID: 1, Reason: "the model failed"}, {AnswerID: 2, Reason: "read as instructions to the model"},
		{AnswerID: 3, Reason: "coded before the model was configured"}, {AnswerID: 4, Reason: "not coded yet"}}
	if len(got) != len(want) {
		t.Fatalf("read offline = %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("read offline[%d] = %+v, want %+v", i, got[i], want[i])
		}
	}
	// With no model at all, nothing is read "in a model's place".
	if got := readOffline(period[2:], nil); len(got) != 0 {
		t.Errorf("offline only: %+v", got)
	}
}

// One sentence that carries two themes is quoted for the stronger theme;
// the weaker one quotes the other answers that carry it, rather than the
// same words twice, while it has any.
func TestQuotesNotRepeatedAcrossThemes(t *testing.T) {
	themed := func(id, caseID int64, author, text string, themes ...string) flows.CodedAnswer {
		a := flows.CodedAnswer{Answer: flows.Answer{ID: id, ReflectionID: id, Author: author, Discipline: "district nurse", Text: text},
			CaseID: caseID, Codes: &flows.Codes{}}
		for _, th := range themes {
			a.Codes.Phrases = append(a.Codes.Phrases, flows.Phrase{Phrase: text, Quote: text, Theme: th})
		}
		return a
	}
	shared := "Wife exhausted and the JIC meds only came on Monday."
	period := []flows.CodedAnswer{
		themed(1, 1, "U1", shared, "carer_strain", "jic_meds"),
		themed(2, 2, "U2", "Anticipatories were in the house by Friday.", "jic_meds"),
		themed(3, 3, "U3", "The JIC box was there when the pain came.", "jic_meds"),
		themed(4, 2, "U2", "Her husband is on his knees.", "carer_strain"),
		themed(5, 3, "U3", "Son is not sleeping, up every night with her.", "carer_strain"),
		themed(6, 4, "U4", "Daughter is worn out.", "carer_strain"),
	}
	f := themeFinder{cat: builtinCatalogue(), period: period, noQuotes: map[string]bool{}, attribute: attribution(period)}
	recurring, _, _ := f.find(context.Background())
	if len(recurring) != 2 || recurring[0].ID != "carer_strain" || recurring[1].ID != "jic_meds" {
		t.Fatalf("recurring = %+v; want carer strain (4 cases), then JIC meds (3 cases)", recurring)
	}
	first := map[string]bool{}
	for _, th := range recurring {
		if len(th.Quotes) < shownQuotes {
			t.Fatalf("%s has %d quotes, want at least %d", th.ID, len(th.Quotes), shownQuotes)
		}
		for _, q := range th.Quotes[:shownQuotes] {
			if first[q.Text] {
				t.Errorf("%s repeats the quote %q shown for a stronger theme", th.ID, q.Text)
			}
			first[q.Text] = true
		}
	}
}

// Of two quotes of a readable length, one that says something in words
// comes before a note: "lung ca, deteriorating, PPC home." stands for
// dying at home only where nobody said it in a sentence.
func TestQuotesPreferSentencesToNotes(t *testing.T) {
	themed := func(id, caseID int64, author, text string) flows.CodedAnswer {
		return flows.CodedAnswer{Answer: flows.Answer{ID: id, ReflectionID: id, Author: author, Discipline: "district nurse", Text: text},
			CaseID: caseID, Codes: &flows.Codes{Phrases: []flows.Phrase{{Phrase: "home", Key: "preferred_place", Quote: text, Theme: "preferred_place"}}}}
	}
	note := "lung ca, deteriorating, PPC home."
	said := "She says home is where she wants to be, with the dog."
	period := []flows.CodedAnswer{themed(1, 1, "U1", note), themed(2, 2, "U2", said)}
	f := themeFinder{cat: builtinCatalogue(), period: period, noQuotes: map[string]bool{}, attribute: attribution(period)}
	recurring, _, _ := f.find(context.Background())
	if len(recurring) != 1 || len(recurring[0].Quotes) != 2 {
		t.Fatalf("recurring = %+v; want one theme with two quotes", recurring)
	}
	if got := recurring[0].Quotes[0].Text; got != said {
		t.Errorf("first quote %q, want the sentence %q before the note %q", got, said, note)
	}
}
