package scrub

import "testing"

func TestDbg(t *testing.T) {
	for _, s := range []string{"Home address SW1A 1AA, key", "mail jo@example.com ok", "NI AB 12 34 56 C x", "DOB 14/03/41", "aged 93", "MRN 12345678"} {
		ss := &spanSet{}
		starts := tokenStarts(s, nil)
		findEmails(s, ss)
		findPostcodes(s, starts, ss)
		findNINumbers(s, starts, ss)
		findDates(s, starts, ss)
		findAges(s, starts, ss)
		findCuedLocalIDs(s, starts, ss)
		t.Log(s, starts, ss.s)
	}
}
