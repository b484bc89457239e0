package scrub

import "strings"

// findMentions marks Slack user mentions as Slack sends them in message
// text: "<@U123ABC>" or "<@U123ABC|display name>" (W for Enterprise Grid
// members). A member id is a stable pointer to a colleague, so it is never
// stored; the whole mention becomes "[mention]". Channel links ("<#C…>")
// and special mentions ("<!here>") are left alone.
func findMentions(text string, ss *spanSet) {
	for i := 0; i < len(text); {
		j := strings.Index(text[i:], "<@")
		if j < 0 {
			return
		}
		p := i + j
		i = p + 2
		k := p + 2
		if k >= len(text) || text[k] != 'U' && text[k] != 'W' {
			continue
		}
		k++
		n := 0
		for k < len(text) && n < 24 && ('A' <= text[k] && text[k] <= 'Z' || isDigit(text[k])) {
			k++
			n++
		}
		if n < 2 || k >= len(text) {
			continue
		}
		if text[k] == '|' {
			// The label: up to 80 bytes with no brackets or line break.
			e := k + 1
			for e < len(text) && e-k <= 80 && text[e] != '>' && text[e] != '<' && text[e] != '\n' {
				e++
			}
			k = e
		}
		if k < len(text) && text[k] == '>' {
			ss.add(p, k+1, Mention)
			i = k + 1
		}
	}
}
