package scrub

import (
	"regexp"
	"strings"
)

// emailRE matches an email address: a local part, @, and a domain of at
// least two dot-separated labels.
var emailRE = regexp.MustCompile(`[A-Za-z0-9._%+'\-]+@[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?)+`)

// findEmails marks email addresses.
func findEmails(text string, ss *spanSet) {
	for i := 0; i < len(text); {
		at := strings.IndexByte(text[i:], '@')
		if at < 0 {
			return
		}
		at += i
		lo, hi := at, at+1
		for lo > 0 && isEmailByte(text[lo-1]) {
			lo--
		}
		for hi < len(text) && isEmailByte(text[hi]) {
			hi++
		}
		i = hi
		m := emailRE.FindStringIndex(text[lo:hi])
		if m == nil {
			continue
		}
		start, end := lo+m[0], lo+m[1]
		// A leading dot, quote or hyphen belongs to the sentence, not the address.
		for start < end && strings.IndexByte(".'-", text[start]) >= 0 {
			start++
		}
		ss.add(start, end, Email)
	}
}

// isEmailByte reports whether c may appear in an email address, either
// side of the @.
func isEmailByte(c byte) bool {
	return isDigit(c) || isLetterByte(c) || strings.IndexByte("._%+'-", c) >= 0
}
