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
	// CHINumber is a Scottish Community Health Index number, named as such
	// ("CHI 0101011234"). It has the NHS number's modulus 11 check.
	CHINumber Kind = "CHI number"
	// HCNumber is a Northern Ireland Health and Care number, named as such
	// ("H&C 320 000 0010"). It has the NHS number's modulus 11 check.
	HCNumber Kind = "H&C number"
	// Address is a street address: a house or flat number, capitalised
	// words and a street type ("14 Harbour Road", "flat 3, Seaview Court").
	Address Kind = "address"
	// Mention is a Slack user mention (<@U123ABC>), a stable pointer to a
	// colleague; it is stored as "[mention]", never as the member id.
	Mention Kind = "mention"
)

// allKinds lists every kind in the canonical order used by Result.Kinds.
var allKinds = []Kind{NHSNumber, CHINumber, HCNumber, Date, Age, Postcode, Address, Phone, Email, NINumber, LocalID, Name, Mention}

// AllKinds returns every kind the scrubber can find, in canonical order:
// NHS number, CHI number, H&C number, date, age, postcode, address, phone
// number, email address, National Insurance number, hospital number, name,
// mention.
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
	case s[0] == 'H' && len(s) > 1 && s[1] == '&': // "an H&C number"
		return "an"
	}
	switch s[0] {
	case 'a', 'e', 'i', 'o', 'u', 'A', 'E', 'I', 'O', 'U':
		return "an"
	}
	return "a"
}
