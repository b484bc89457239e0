package scrub

import (
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

func TestPlaceholder(t *testing.T) {
	want := map[Kind]string{
		NHSNumber: "[NHS number]", Date: "[date]", Age: "[age]", Postcode: "[postcode]",
		Phone: "[phone number]", Email: "[email address]", NINumber: "[National Insurance number]",
		LocalID: "[hospital number]", Name: "[name]", CHINumber: "[CHI number]",
		HCNumber: "[H&C number]", Address: "[address]", Mention: "[mention]",
	}
	for k, p := range want {
		if k.Placeholder() != p {
			t.Errorf("%v.Placeholder() = %q, want %q", k, k.Placeholder(), p)
		}
		if k.String() != string(k) {
			t.Errorf("String() = %q", k.String())
		}
	}
	if len(AllKinds()) != len(want) {
		t.Errorf("AllKinds() has %d kinds, want %d", len(AllKinds()), len(want))
	}
}

func TestNilAndZeroScrubbers(t *testing.T) {
	const in = "Mrs Marsh, NHS 943 476 5919, DOB 14/03/41."
	const want = "Mrs [name], NHS [NHS number], DOB [date]."
	var nilS *Scrubber
	zero := &Scrubber{}
	fromZero, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	for name, s := range map[string]*Scrubber{"nil": nilS, "zero": zero, "New(Options{})": fromZero} {
		if got := s.Scrub(in).Text; got != want {
			t.Errorf("%s: got %q, want %q", name, got, want)
		}
	}
}

func TestNewErrors(t *testing.T) {
	for _, c := range []struct {
		pats []string
		want string // in the error
	}{
		{[]string{`RBD\d{7}`, `K[0-9`}, `pattern 2 "K[0-9"`},
		{[]string{`(`}, `pattern 1 "("`},
		{[]string{`\d*`}, "matches empty text"},
		{[]string{`x|`}, "matches empty text"},
	} {
		_, err := New(Options{LocalIDPatterns: c.pats})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("New(%q) error = %v, want it to mention %s", c.pats, err, c.want)
		}
	}
	if _, err := New(Options{LocalIDPatterns: []string{"", "  "}}); err != nil {
		t.Errorf("blank patterns should be skipped: %v", err)
	}
}

func TestParsePatternList(t *testing.T) {
	for _, c := range []struct {
		in   string
		want []string
	}{
		{"", nil},
		{`RBD\d{7}`, []string{`RBD\d{7}`}},
		{`RBD\d{7}, K\d{6}`, []string{`RBD\d{7}`, `K\d{6}`}},
		{`RBD\d{6,8},[A-Z]{2}\d{6}`, []string{`RBD\d{6,8}`, `[A-Z]{2}\d{6}`}},
		{`[,;]\d{6}, (?:A|B),\d{3}`, []string{`[,;]\d{6}`, `(?:A|B)`, `\d{3}`}},
		{`AB\,\d{4}`, []string{`AB\,\d{4}`}},
		{"RBD\\d{7}\nK\\d{6}\n", []string{`RBD\d{7}`, `K\d{6}`}},
		{` , ,RBD\d{7},, `, []string{`RBD\d{7}`}},
		{`[]a,]\d{3},X`, []string{`[]a,]\d{3}`, `X`}},
	} {
		got := ParsePatternList(c.in)
		if diff := cmp.Diff(c.want, got); diff != "" {
			t.Errorf("ParsePatternList(%q) (-want +got):\n%s", c.in, diff)
		}
		if _, err := New(Options{LocalIDPatterns: got}); err != nil {
			t.Errorf("ParsePatternList(%q) gave a pattern New rejects: %v", c.in, err)
		}
	}
	// An escaped comma matches a literal comma.
	s, err := New(Options{LocalIDPatterns: ParsePatternList(`AB\,\d{4}, K\d{6}`)})
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Scrub("ref AB,1234 and K123456").Text; got != "ref [hospital number] and [hospital number]" {
		t.Errorf("got %q", got)
	}
}

func TestResult(t *testing.T) {
	r := scrubDefault("Mrs Marsh and Mr Jones, 943 476 5919, DOB 14/03/41, aged 93")
	want := map[Kind]int{NHSNumber: 1, Date: 1, Age: 1, Name: 2}
	if diff := cmp.Diff(want, r.Found); diff != "" {
		t.Errorf("Found (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]Kind{NHSNumber, Date, Age, Name}, r.Kinds()); diff != "" {
		t.Errorf("Kinds (-want +got):\n%s", diff)
	}
	if got := r.Summary(); got != "an NHS number, a date, an age and 2 names" {
		t.Errorf("Summary() = %q", got)
	}
	if r.Total() != 5 {
		t.Errorf("Total() = %d", r.Total())
	}
	empty := scrubDefault("nothing to see")
	if empty.Found != nil || empty.Kinds() != nil || empty.Summary() != "" || empty.Total() != 0 {
		t.Errorf("empty result: %+v", empty)
	}
	if got := (Result{Found: map[Kind]int{Email: 2}}).Summary(); got != "2 email addresses" {
		t.Errorf("Summary() = %q", got)
	}
	if got := (Result{Found: map[Kind]int{Phone: 1, Postcode: 1}}).Summary(); got != "a postcode and a phone number" {
		t.Errorf("Summary() = %q", got)
	}
}

// scrubDefault scrubs with the default rules.
func scrubDefault(s string) Result { return (*Scrubber)(nil).Scrub(s) }

func TestOddInput(t *testing.T) {
	for _, in := range []string{
		"", "\x00", "\xff\xfe\xfd", "Mrs \xffSmith", "Mrs Sm\xffith", "943 476 5919\xff",
		"\u202e943 476 5919\u202c", strings.Repeat("9", 10000), strings.Repeat("Mrs ", 2000),
		strings.Repeat("1 ", 5000), strings.Repeat("[name]", 500), "[", "]", "[nam", "[NHS number",
		strings.Repeat("a@", 3000), strings.Repeat("07700 ", 2000), "\t\r\n\v\f",
	} {
		r := scrubDefault(in)
		if utf8.ValidString(in) && !utf8.ValidString(r.Text) {
			t.Errorf("invalid UTF-8 out of %q", in)
		}
		if again := scrubDefault(r.Text); again.Text != r.Text {
			t.Errorf("not idempotent on %q", in)
		}
	}
	// Invalid bytes outside identifiers are kept as they were.
	if got := scrubDefault("\xff Mrs Smith \xfe").Text; got != "\xff Mrs [name] \xfe" {
		t.Errorf("got %q", got)
	}
}

func TestIdempotentOnLabelledSet(t *testing.T) {
	s, err := New(evalOptions)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range loadFiles(t, append(append([]string(nil), labelledFiles...), tuneFiles...)) {
		once := s.Scrub(l.text)
		twice := s.Scrub(once.Text)
		if twice.Text != once.Text || twice.Found != nil {
			t.Errorf("%s: not idempotent:\n once  %q\n twice %q", l.line, once.Text, twice.Text)
		}
		if nhs := validNHSInText(once.Text); nhs != "" {
			t.Errorf("%s: NHS number %s left in %q", l.line, nhs, once.Text)
		}
	}
}

func TestConcurrentUse(t *testing.T) {
	s, err := New(evalOptions)
	if err != nil {
		t.Fatal(err)
	}
	want := s.Scrub(benchParagraph).Text
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				if got := s.Scrub(benchParagraph).Text; got != want {
					t.Errorf("concurrent result differs: %q", got)
					return
				}
			}
		}()
	}
	wg.Wait()
}
