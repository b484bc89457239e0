package scrub

import "strings"

// refNHSValid is an independent reference for the NHS number check digit,
// used by tests: ten ASCII digits, weights 10..2, 11 - sum mod 11, 11 -> 0,
// 10 -> invalid.
func refNHSValid(d string) bool {
	if len(d) != 10 {
		return false
	}
	sum := 0
	for i := 0; i < 9; i++ {
		if d[i] < '0' || d[i] > '9' {
			return false
		}
		sum += int(d[i]-'0') * (10 - i)
	}
	c := 11 - sum%11
	switch c {
	case 11:
		c = 0
	case 10:
		return false
	}
	return d[9] >= '0' && d[9] <= '9' && int(d[9]-'0') == c
}

// digitsOnly keeps the ASCII digits of s.
func digitsOnly(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			b.WriteByte(s[i])
		}
	}
	return b.String()
}
