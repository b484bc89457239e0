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
