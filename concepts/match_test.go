package concepts

import (
	"strings"
	"testing"
)

const testCatalogue = `{"version": "t1", "themes": [
 {"id": "preferred_place", "label": "Dying in the place they chose", "definition": "d", "speaks_to": ["what_matters"],
  "cues": ["ppc home", "die .. home", "dying at home", "home to die", "own bed"],
  "excludes": ["care home", "nursing home", "hospice at home", "home game"]},
 {"id": "carer_strain", "label": "Family carers under strain", "definition": "d", "speaks_to": ["those_close"],
  "cues": ["exhaust* + wife", "exhaust* + husband", "not sleeping + wife", "cant keep going", "carer strain"],
  "excludes": ["agency carers", "paid carers"]},
 {"id": "syringe_driver", "label": "Syringe driver", "definition": "d", "speaks_to": ["comfort"],
  "cues": ["syringe driver", "csci", "sd"],
  "excludes": ["sd card"]},
 {"id": "symptom_control", "label": "Pain and symptoms eased", "definition": "d", "speaks_to": ["comfort"],
  "cues": ["pain", "breathless*"],
  "excludes": ["a pain to", "pain in the neck"]},
 {"id": "jic_meds", "label": "Just-in-case medicines", "definition": "d", "speaks_to": ["anticipate"],
  "cues": ["jic meds", "just in case meds", "j.i.c", "anticipatory meds"]}
]}`

func testCat(t *testing.T) *Catalogue {
	t.Helper()
	c, err := Load(strings.NewReader(testCatalogue))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func themesOf(hits []Hit) string {
	var ids []string
	for _, h := range hits {
		ids = append(ids, h.Theme)
	}
	return strings.Join(ids, ",")
}

func TestFindSensesAndNegation(t *testing.T) {
	c := testCat(t)
	for _, tc := range []struct{ text, want string }{
		{"PPC home, wife aware", "preferred_place"},
		{"Wants to die peacefully at home with the dog", "preferred_place"},
		{"Looking at care home options as he can't manage stairs", ""},
		{"Never misses a home game at the Cherries", ""},
		{"Hospice at home team in twice a day", ""},
		// Family carers, not paid ones; and not a negated strain.
		{"Wife exhausted, up three times a night", "carer_strain"},
		{"Husband says he can't keep going like this", "carer_strain"},
		{"Agency carers exhausted by the double-up calls", ""},
		{"No concerns re carer strain, wife coping well", ""},
		{"Husband is fine. The nurse was exhausted after the shift", ""},
		// Syringe driver against driving, and an SD card.
		{"SD started yesterday, midaz and morphine", "syringe_driver"},
		{"Used to be a bus driver; loved driving the coast road", ""},
		{"Photos saved on the SD card for the grandchildren", ""},
		// Pain against "a pain to arrange"; denial.
		{"Pain much better since the patch went up", "symptom_control"},
		{"Transport was a pain to arrange", ""},
		{"Denies pain, settled overnight", ""},
		{"Not in pain but breathless on exertion", "symptom_control"},
		// Phrases with stop words and dotted shorthand.
		{"Just in case meds delivered Friday", "jic_meds"},
		{"j.i.c. in the house", "jic_meds"},
		// A placeholder is never part of a theme.
		{"[name] home", ""},
	} {
		if got := themesOf(c.Find(tc.text)); got != tc.want {
			t.Errorf("Find(%q) = %q, want %q", tc.text, got, tc.want)
		}
	}
}

func TestFindSpansAreTheWords(t *testing.T) {
	c := testCat(t)
	text := "Settled. She wants to die at home, in her own bed."
	hits := c.Find(text)
	if len(hits) != 1 {
		t.Fatalf("hits = %v", hits)
	}
	if got := text[hits[0].Start:hits[0].End]; got != "die at home" {
		t.Errorf("span = %q, want the cue's words", got)
	}
}

func TestFindPrefersACleanSentence(t *testing.T) {
	c := testCat(t)
	text := "Seen by [name] re pain on [date]. Pain settled on the new patch."
	hits := c.Find(text)
	if len(hits) != 1 {
		t.Fatalf("hits = %v", hits)
	}
	if q := QuoteFor(text, hits[0].Start, hits[0].End); q.Text != "Pain settled on the new patch." {
		t.Errorf("quote = %q, want the sentence with nothing scrubbed", q.Text)
	}
}

func TestQuoteNeverCutsInsideBrackets(t *testing.T) {
	text := "Loves his pint at the corner pub, and being left alone (mostly!)."
	i := strings.Index(text, "pint")
	q := QuoteFor(text, i, i+4)
	if q.Text != text {
		t.Errorf("quote = %q, want the whole sentence", q.Text)
	}
	long := "He said " + strings.Repeat("that the visits are fine and ", 8) + "(the pain is worse at night, he thinks) and that is all."
	i = strings.Index(long, "pain")
	q = QuoteFor(long, i, i+4)
	if strings.Count(q.Text, "(") != strings.Count(q.Text, ")") {
		t.Errorf("quote %q is cut inside brackets", q.Text)
	}
	if !strings.Contains(q.Text, "pain") || !(q.CutBefore || q.CutAfter) {
		t.Errorf("quote %+v: want the clause with the theme, marked as cut", q)
	}
	quoted := `Her words: "I want to be in my own bed when it comes, with the radio on and the cat" and then she slept, ` + strings.Repeat("and the family sat with her all afternoon ", 5)
	i = strings.Index(quoted, "own bed")
	q = QuoteFor(quoted, i, i+7)
	if strings.Count(q.Text, `"`)%2 != 0 {
		t.Errorf("quote %q is cut inside a quotation", q.Text)
	}
}

func TestLoadRefusesBrokenCatalogues(t *testing.T) {
	for name, js := range map[string]string{
		"no themes":     `{"version":"1","themes":[]}`,
		"bad id":        `{"version":"1","themes":[{"id":"Bad Id","label":"l","definition":"d","cues":["x"]}]}`,
		"no cues":       `{"version":"1","themes":[{"id":"a_b","label":"l","definition":"d","cues":[]}]}`,
		"short prefix":  `{"version":"1","themes":[{"id":"a_b","label":"l","definition":"d","cues":["ab*"]}]}`,
		"dangling gap":  `{"version":"1","themes":[{"id":"a_b","label":"l","definition":"d","cues":["home .."]}]}`,
		"unknown field": `{"version":"1","themes":[{"id":"a_b","label":"l","definition":"d","cues":["x"],"cue":"y"}]}`,
		"bad target":    `{"version":"1","themes":[{"id":"a_b","label":"l","definition":"d","cues":["x"],"speaks_to":["love"]}]}`,
		"twice":         `{"version":"1","themes":[{"id":"a_b","label":"l","definition":"d","cues":["x"]},{"id":"a_b","label":"l","definition":"d","cues":["y"]}]}`,
	} {
		if _, err := Load(strings.NewReader(js)); err == nil {
			t.Errorf("%s: loaded", name)
		}
	}
}

func TestWithAddsAndReplaces(t *testing.T) {
	c := testCat(t)
	extra, err := Load(strings.NewReader(`{"version":"team1","themes":[
		{"id":"hearing","label":"Hearing aids","definition":"d","cues":["hearing aids"]},
		{"id":"symptom_control","label":"Symptoms","definition":"d","cues":["nausea"]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	all, err := c.With(extra)
	if err != nil {
		t.Fatal(err)
	}
	if got := themesOf(all.Find("Lost his hearing aids again; nausea better")); got != "symptom_control,hearing" {
		t.Errorf("themes = %q", got)
	}
	if got := themesOf(all.Find("Pain worse")); got != "" {
		t.Errorf("a replaced theme kept its old cues: %q", got)
	}
	if all.Fingerprint() == c.Fingerprint() {
		t.Error("the fingerprint did not change with the team's themes")
	}
}

// A weak cue ("~word": a word with other common senses) finds its theme
// only beside another of the theme's cues in the answer: a strong one, or a
// different weak one. The quote is where the theme was first said.
func TestWeakCuesNeedCorroboration(t *testing.T) {
	c, err := Load(strings.NewReader(`{"version": "w1", "themes": [
 {"id": "home_equipment", "label": "Equipment at home", "definition": "d",
  "cues": ["hospital bed", "commode", "~stairs", "~downstairs", "~deliver*"]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		text, want string
		start      int
	}{
		{"Got up the stairs with his son's help to sit with her.", "", 0},
		{"Stairs again today, and the stairs are steep.", "", 0}, // one weak cue twice
		{"Cant manage the stairs, so a bed downstairs now.", "home_equipment", 16},
		{"Stairs are the problem. Commode ordered.", "home_equipment", 24},
		{"Hospital bed delivered Tues.", "home_equipment", 0},
		{"Waiting for it to be delivered, then the stairs.", "home_equipment", 21},
	} {
		hits := c.Find(tc.text)
		if got := themesOf(hits); got != tc.want {
			t.Errorf("%q: themes %q, want %q", tc.text, got, tc.want)
			continue
		}
		if len(hits) > 0 && hits[0].Start != tc.start {
			t.Errorf("%q: found at %d (%q), want %d", tc.text, hits[0].Start, tc.text[hits[0].Start:hits[0].End], tc.start)
		}
	}
}

// Two weak cues that match the same word ("~pain" and "~painful" both
// match "painful") are one word, not corroboration.
func TestWeakCuesOnOneWordAreOne(t *testing.T) {
	c, err := Load(strings.NewReader(`{"version": "w2", "themes": [
 {"id": "symptom_control", "label": "Symptoms eased", "definition": "d", "cues": ["~pain", "~painful", "in pain"]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if got := themesOf(c.Find(`Sister says "it'll be a painful few days whatever happens"`)); got != "" {
		t.Errorf("one weak word found %q", got)
	}
	if got := themesOf(c.Find("Painful hip, and the pain is worse at night.")); got != "symptom_control" {
		t.Errorf("two weak words found %q, want symptom_control", got)
	}
}

// LooksAlike finds a one-part exclusion covering the words asked about,
// and only those: the look-alike must be where the phrase is.
func TestLooksAlike(t *testing.T) {
	c := testCat(t)
	for _, tc := range []struct {
		text, phrase string
		want         bool
	}{
		{"the transport was a pain to arrange", "a pain", true},
		{"getting scripts is a pain in the neck", "the neck", true},
		{"his pain is worse at night", "his pain", false},
		{"a pain to arrange, and the key safe code changed", "key safe", false},
	} {
		at := strings.Index(tc.text, tc.phrase)
		if at < 0 {
			t.Fatalf("%q not in %q", tc.phrase, tc.text)
		}
		if got := c.LooksAlike(tc.text, at, at+len(tc.phrase)); got != tc.want {
			t.Errorf("LooksAlike(%q, %q) = %v, want %v", tc.text, tc.phrase, got, tc.want)
		}
	}
}
