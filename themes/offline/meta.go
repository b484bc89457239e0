package offline

import "strings"

// metaWords are the words a meta reply is made of: it says nothing about
// the person, only about answering ("skip", "will add later", "ditto").
var metaWords = map[string]bool{
	"skip": true, "skipping": true, "skipped": true, "pass": true, "later": true, "will": true,
	"add": true, "adding": true, "tbc": true, "tba": true, "n": true, "a": true, "na": true,
	"ditto": true, "same": true, "as": true, "above": true, "see": true, "agree": true,
	"agreed": true, "with": true, "to": true, "me": true, "i": true, "i'll": true, "ill": true,
	"nothing": true, "no": true, "comment": true, "comments": true, "not": true, "yet": true,
	"come": true, "back": true, "this": true, "that": true, "it": true, "here": true, "1": true,
	"fill": true, "in": true, "more": true, "when": true, "can": true, "have": true, "time": true,
	"what": true, "said": true, "sam": true, "ok": true, "okay": true, "thanks": true, "thx": true,
	"sorry": true, "busy": true, "update": true, "tomorrow": true, "tmrw": true, "soon": true,
	"else": true, "from": true, "on": true, "the": true, "and": true, "for": true, "now": true,
	"x": true, "yes": true, "yep": true, "ta": true, "cheers": true, "get": true, "round": true,
	"bit": true, "after": true, "first": true, "one": true, "previous": true, "so": true, "do": true,
	"he": true, "she": true, "they": true, "exactly": true, "totally": true, "completely": true,
	"echo": true, "seconded": true, "second": true, "thought": true, "my": true, "thoughts": true,
	"too": true, "also": true, "all": true, "of": true, "is": true, "are": true, "be": true,
}

// metaCore are the words that make a reply meta, not merely short.
var metaCore = map[string]bool{
	"skip": true, "skipping": true, "skipped": true, "pass": true, "later": true, "tbc": true,
	"tba": true, "ditto": true, "same": true, "above": true, "agree": true, "agreed": true,
	"nothing": true, "echo": true, "seconded": true, "na": true,
}

// metaPhrases mark a reply about answering rather than an answer.
var metaPhrases = []string{
	" will add ", " i'll add ", " ill add ", " add more ", " add later ", " add after ", " add when ",
	" don't know yet ", " dont know yet ", " do not know yet ", " not met ", " haven't met ",
	" nothing really ", " nothing to add ", " nothing much ", " same as above ", " as above ",
	" first visit tomorrow ", " will update ", " update later ", " more later ",
	// "will finish this later" (the codebook's meta reply): "will come
	// back to this after handover".
	" come back to this ", " come back to it ", " finish this later ", " finish this after ",
}

// metaTimes are the team's own events a meta reply is put off until ("I'll
// add more after MDT", "will come back to this after handover"): they say
// when the writer will answer, not what happened.
var metaTimes = map[string]bool{"handover": true, "mdt": true, "huddle": true, "shift": true}

// metaTime reports word i of words as one of metaTimes after "after".
func metaTime(words []token, i int) bool {
	return i > 0 && words[i-1].w == "after" && metaTimes[words[i].w]
}

func wordList(ts []token) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.w
	}
	return out
}

// isMeta recognises replies about answering rather than answers: "skip",
// "will add later", "+1 to Sam", "ditto", "n/a".
func isMeta(d *doc) bool {
	n := 0
	for i := range d.toks {
		if !d.toks[i].synthetic {
			n++
		}
	}
	if n == 0 {
		return true
	}
	if n > 12 {
		return false
	}
	words := make([]token, 0, n)
	for _, t := range d.toks {
		if !t.synthetic {
			words = append(words, t)
		}
	}
	core, unknown := 0, 0
	for i, t := range words {
		if t.cat&(cPerson|cNOK|cPet|cCommunity|cService|cClinical|cMed|cForm|cIntervention|cWish|cLiveWell) != 0 && !metaWords[t.w] && !metaTime(words, i) {
			return false
		}
		switch {
		case metaCore[t.w]:
			core++
		case metaWords[t.w]:
		default:
			unknown++
		}
	}
	if d.plusOne && len(words) <= 6 && core+unknown <= 3 {
		return true
	}
	if found, meta := metaPhrase(words); found {
		return meta
	}
	if len(words) == 2 && words[0].w == "n" && words[1].w == "a" {
		return true
	}
	return core > 0 && unknown <= 1 && len(words) <= 8
}

// metaPhrase looks for a phrase about answering ("will add later", "I'll add
// more after MDT", "don't know yet, first visit tomorrow", "nothing really,
// it went well"): found reports one, and meta whether the reply is about
// answering, not an answer (no word of people, services or care with it).
func metaPhrase(words []token) (found, meta bool) {
	text := " " + strings.Join(wordList(words), " ") + " "
	for _, p := range metaPhrases {
		if strings.Contains(text, p) && len(words) <= 12 {
			for i, t := range words {
				if metaTime(words, i) {
					continue
				}
				if t.cat&(lexOwnLife|lexServices|cClinical|cPatient|cReactive|cAssess|cWish|cStrain|cForm|cLiveWell|cComfort|cTickbox) != 0 {
					return true, false
				}
			}
			return true, true
		}
	}
	return false, false
}
