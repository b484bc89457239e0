package scrub

import (
	"math/rand/v2"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

// digitRunRE finds written numbers for the NHS number check: digit groups
// separated by single spaces or hyphens.
var digitRunRE = regexp.MustCompile(`[0-9]+(?:[ \-][0-9]+)*`)

// validNHSInText returns the first valid NHS number written in text: ten
// digits made of whole consecutive groups of a written number, once the
// spaces and hyphens between the groups are removed. "943 476 5919",
// "9434765919" and "12 943-476-5919" all contain one; "19434765919" (one
// eleven-digit group) does not, since no whole groups make ten digits.
func validNHSInText(text string) string {
	for _, run := range digitRunRE.FindAllString(text, -1) {
		groups := strings.FieldsFunc(run, func(r rune) bool { return r == ' ' || r == '-' })
		for a := range groups {
			d := ""
			for b := a; b < len(groups) && len(d) < 10; b++ {
				d += groups[b]
				if len(d) == 10 && refNHSValid(d) {
					return d
				}
			}
		}
	}
	return ""
}

// countPlaceholders counts the placeholders in text.
func countPlaceholders(text string) int {
	n := 0
	for i := 0; i < len(text); i++ {
		if text[i] == '[' {
			if p := placeholderAt(text[i:]); p > 0 {
				n++
				i += p - 1
			}
		}
	}
	return n
}

var fuzzScrubbers = func() []*Scrubber {
	s, err := New(evalOptions)
	if err != nil {
		panic(err)
	}
	return []*Scrubber{nil, s}
}()

func FuzzScrub(f *testing.F) {
	seeds := []string{
		"", "943 476 5919", "9434765919", "94 34 76 59 19", "12 943-476-5919 3",
		"+44 943 476 5919", "0 943 476 5919", "Mrs Smith [name] [date]", "[[name]]",
		"DOB 14/03/41 aged 93 at BH1 1AA, 07700 900123", "\xff\xfe943 476 5919\x00",
		"a@b.co 9434765919@x.com", "Dr \u00a0Jones", "Nurse\tJackie", "AB 12 34 56 C",
		"RBD1234567 K123456", "Edie Lambourne edie lambourne", "\u2028\u0000\u202e",
		"1 2 3 4 5 6 7 8 9 1 0", "+1 2 943 476 5919 3 4 5",
	}
	for _, s := range seeds {
		f.Add(s)
	}
	for _, l := range loadLabelled(f)[:120] {
		f.Add(l.text)
	}
	f.Fuzz(func(t *testing.T, in string) {
		for _, s := range fuzzScrubbers {
			checkScrubInvariants(t, s, in)
		}
	})
}

// checkScrubInvariants checks what FuzzScrub checks, for one input.
func checkScrubInvariants(t *testing.T, s *Scrubber, in string) {
	t.Helper()
	r := s.Scrub(in)
	out := r.Text
	if again := s.Scrub(out); again.Text != out || again.Found != nil {
		t.Fatalf("not idempotent:\n in:    %q\n out:   %q\n again: %q", in, out, again.Text)
	}
	if nhs := validNHSInText(out); nhs != "" {
		t.Fatalf("valid NHS number %s left in output:\n in:  %q\n out: %q", nhs, in, out)
	}
	if utf8.ValidString(in) && !utf8.ValidString(out) {
		t.Fatalf("invalid UTF-8 out of valid input:\n in:  %q\n out: %q", in, out)
	}
	if got, want := countPlaceholders(out), countPlaceholders(in)+r.Total(); got != want {
		t.Fatalf("%d placeholders in output, want %d:\n in:  %q\n out: %q", got, want, in, out)
	}
	if r.Found == nil && out != in {
		t.Fatalf("text changed but nothing reported:\n in:  %q\n out: %q", in, out)
	}
}

// pieces are fragments that the rules care about, for building awkward
// inputs at random.
var pieces = []string{
	"0", "1", "9", "12", "943", "476", "5919", "999", "07700", "900123", "44", "+", "00", "(", ")",
	" ", " ", "  ", "-", "–", ".", "/", ",", ":", "'", "’", "@", "\u00a0", "\t", "\n", "\xff", "é",
	"Mrs", "Dr", "Nurse", "son", "called", "Smith", "Jean", "de", "J", "A", "I", "MS",
	"March", "May", "14th", "of", "DOB", "born", "aged", "93", "101", "years", "old", "yo", "she", "was",
	"BH1", "1AA", "SW1A", "AB", "C", "NI", "MRN", "RBD1234567", "K123456", "hospital", "number",
	"[", "]", "[name]", "[date]", "[NHS number]", "name]", "[hospital", "x", "example.com", "nhs.net",
}

func TestScrubProperties(t *testing.T) {
	seed := uint64(1)
	n := 20000
	if testing.Short() {
		n = 2000
	}
	// SCRUB_PROPERTY_RUNS and SCRUB_PROPERTY_SEED allow a longer search.
	if v, err := strconv.Atoi(os.Getenv("SCRUB_PROPERTY_RUNS")); err == nil {
		n = v
	}
	if v, err := strconv.ParseUint(os.Getenv("SCRUB_PROPERTY_SEED"), 10, 64); err == nil {
		seed = v
	}
	rng := rand.New(rand.NewPCG(seed, 2))
	var b strings.Builder
	for i := 0; i < n; i++ {
		b.Reset()
		for k := rng.IntN(30); k >= 0; k-- {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		for _, s := range fuzzScrubbers {
			checkScrubInvariants(t, s, b.String())
		}
	}
}
