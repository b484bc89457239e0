package scrub

import "strconv"

// Kind names a kind of identifier. Its String is the human name used in
// notices and placeholders, for example "NHS number".
type Kind string

// The kinds of identifier the scrubber finds.
const (
	NHSNumber Kind = "NHS number"
	Date      Kind = "date"
	Age       Kind = "age"
	Postcode  Kind = "postcode"
	Phone     Kind = "phone number"
	Email     Kind = "email address"
	NINumber  Kind = "National Insurance number"
	LocalID   Kind = "hospital number"
	Name      Kind = "name"
)

// allKinds lists every kind in the canonical order used by Result.Kinds.
var allKinds = []Kind{NHSNumber, Date, Age, Postcode, Phone, Email, NINumber, LocalID, Name}

// AllKinds returns every kind the scrubber can find, in canonical order
// (the order of the constants above).
func AllKinds() []Kind {
	return append([]Kind(nil), allKinds...)
}

// String returns the human name of the kind, e.g. "NHS number".
func (k Kind) String() string { return string(k) }

// Placeholder returns the typed placeholder written in place of a found
// identifier: the kind's name in square brackets, e.g. "[NHS number]".
func (k Kind) Placeholder() string { return "[" + string(k) + "]" }

// Plural returns the plural of the kind's name, e.g. "email addresses".
func (k Kind) Plural() string {
	switch k {
	case Email:
		return "email addresses"
	case "":
		return ""
	}
	return string(k) + "s"
}

// Describe returns the count and name for n identifiers of this kind, as
// used in notices: "an NHS number", "a date", "3 names".
func (k Kind) Describe(n int) string {
	if n == 1 {
		return article(string(k)) + " " + string(k)
	}
	return strconv.Itoa(n) + " " + k.Plural()
}

// order gives the canonical position of a kind; unknown kinds sort last.
func (k Kind) order() int {
	for i, c := range allKinds {
		if c == k {
			return i
		}
	}
	return len(allKinds)
}

// article returns "an" for names pronounced with a leading vowel sound.
func article(s string) string {
	switch {
	case s == "":
		return "a"
	case s[0] == 'N' && len(s) > 1 && s[1] == 'H': // "an NHS number"
		return "an"
	}
	switch s[0] {
	case 'a', 'e', 'i', 'o', 'u', 'A', 'E', 'I', 'O', 'U':
		return "an"
	}
	return "a"
}
