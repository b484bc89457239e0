package flows

import (
	"fmt"
	"strings"
	"testing"

	"whatmatters/scrub"
)

// realScrub is the scrubber the command line wires in, keeping words as
// it does.
func realScrub(t *testing.T) ScrubFunc {
	t.Helper()
	s, err := scrub.New(scrub.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return func(text string, keep ...string) (string, []string) {
		sc := s
		if len(keep) > 0 {
			if k, err := s.Keeping(keep...); err == nil {
				sc = k
			}
		}
		res := sc.Scrub(text)
		var kinds []string
		for _, k := range res.Kinds() {
			kinds = append(kinds, string(k))
		}
		return res.Text, kinds
	}
}

// TestPseudonymRule: one rule, in any letter case. A word on the
// scrubber's name lists is refused, saying why, unless it is confirmed not
// to be the person's name; a title with a name or an initial, initials, a
// full name and anything the scrubber removes are refused, confirmed or
// not.
func TestPseudonymRule(t *testing.T) {
	e := NewEngine(Options{Scrub: realScrub(t)})
	alsoNames := []string{"Rowan", "Willow", "Holly", "Hazel", "Robin", "Ivy", "Heather", "Poppy", "Daisy",
		"Fern", "Lily", "Jay", "Quill", "Linnet", "Birch", "Wren", "Bob", "Rose", "willow", "bob", "BOB", "hazel", "Margaret", "Patel"}
	for _, label := range alsoNames {
		v := e.judgePseudonym(label, false)
		if v.problem == "" || len(v.names) != 1 {
			t.Errorf("%q: accepted, or not offered the confirmation: %+v", label, v)
			continue
		}
		if !strings.HasPrefix(v.problem, label+" is also a ") || !strings.Contains(v.problem, " in the name lists the scrubber uses") {
			t.Errorf("%q: the refusal does not say why: %s", label, v.problem)
		}
		if v := e.judgePseudonym(label, true); v.problem != "" {
			t.Errorf("%q confirmed not their name: still refused: %s", label, v.problem)
		}
	}
	for label, why := range map[string]string{
		"Hazel":  "Hazel is also a first name in the name lists the scrubber uses",
		"Birch":  "Birch is also a first name and a surname in the name lists the scrubber uses",
		"Patel":  "Patel is also a surname in the name lists the scrubber uses",
		"willow": "willow is also a first name",
	} {
		if v := e.judgePseudonym(label, false); !strings.Contains(v.problem, why) {
			t.Errorf("%q: %q, want %q", label, v.problem, why)
		}
	}
	refused := map[string]string{
		"Mrs B":         "Mrs is a title",
		"mrs b":         "mrs is a title",
		"Mrs. B.":       "Mrs is a title",
		"Dr Kestrel":    "Dr is a title",
		"Sister Hazel":  "Sister is a title",
		"B":             "initials",
		"J.S.":          "initials",
		"Rose Patel":    "full name",
		"Mary Ann":      "full name",
		"943 476 5919":  "reads as an NHS number",
		"14/03/1941":    "reads as a date",
		"Hazel 7 Jan":   "reads as a date",
		"Kestrel@x.com": "reads as an email address",
	}
	for label, why := range refused {
		for _, confirmed := range []bool{false, true} {
			v := e.judgePseudonym(label, confirmed)
			if !strings.Contains(v.problem, why) || len(v.names) > 0 && !confirmed {
				t.Errorf("%q (confirmed %v): %+v, want refused as %q, with no confirmation", label, confirmed, v, why)
			}
		}
	}
	for _, label := range []string{"Kestrel", "kestrel", "Kestrel 2", "Godwit", "Heron", "Mrs", "Sister", "O'Kestrel", "Alder-Aspen"} {
		if v := e.judgePseudonym(label, false); v.problem != "" || len(v.names) > 0 {
			t.Errorf("%q refused: %+v", label, v)
		}
	}
}

// TestSuggestedPseudonymsPassTheRule: never suggest what would be refused,
// numbered or not.
func TestSuggestedPseudonymsPassTheRule(t *testing.T) {
	e := NewEngine(Options{Scrub: realScrub(t)})
	var cases []Case
	for range 3 * len(pseudonyms) {
		p := nextPseudonym(cases)
		if v := e.judgePseudonym(p, false); v.problem != "" || len(v.names) > 0 {
			t.Errorf("suggested %q, which the rule refuses: %s", p, v.problem)
		}
		cases = append(cases, Case{Label: p})
	}
	if last := cases[len(cases)-1].Label; last != fmt.Sprintf("%s 3", pseudonyms[len(pseudonyms)-1]) {
		t.Errorf("last suggestion %q", last)
	}
}

func TestTakeNotTheirName(t *testing.T) {
	for in, want := range map[string]string{
		"Hazel --not-their-name": "Hazel", "--NOT-THEIR-NAME Hazel": "Hazel", "Hazel —not-their-name": "Hazel",
	} {
		if got, ok := takeNotTheirName(in); !ok || got != want {
			t.Errorf("takeNotTheirName(%q) = %q, %v", in, got, ok)
		}
	}
	if got, ok := takeNotTheirName("Hazel  Kestrel"); ok || got != "Hazel  Kestrel" {
		t.Errorf("no flag: %q, %v", got, ok)
	}
}
