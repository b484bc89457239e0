package themes

import (
	_ "embed"
	"strings"
	"sync"
)

// clinicalData is the list distilled from WordNet 3.0 by scripts/clinical:
// nouns whose commonest meaning is an illness, injury, disorder, symptom or
// process of the body or of a disease ("condition"), or a part of the body
// ("body").
//
//go:embed clinical.tsv.gz
var clinicalData []byte

// clinicalShorthand are the conditions teams write in shorthand or by a name
// whose commonest meaning in WordNet is something else ("stroke" is first
// a blow): none of them says what matters to anyone.
var clinicalShorthand = strings.Fields(`ca mets metastatic metastases malignancy malignant
	copd mnd als hf ccf chf ckd eskd esrf aki af mi nstemi stemi cva tia stroke strokes
	uti utis lrti urti sob dvt pe ild ipf gbm nsclc sclc hcc aml cll cml mds
	parkinsons parkinson's alzheimers alzheimer's dementias`)

// clinicalWord is how a word counts toward a phrase being clinical.
type clinicalWord uint8

const (
	notClinical clinicalWord = iota
	bodyPart
	condition
)

var clinicalWords = sync.OnceValue(func() map[string]clinicalWord {
	words := map[string]clinicalWord{}
	// A broken list (the tests rule it out) leaves only the shorthand.
	eachTableLine(clinicalData, func(word, class string) {
		switch class {
		case "condition":
			words[word] = condition
		case "body":
			words[word] = bodyPart
		}
	})
	for _, w := range clinicalShorthand {
		words[w] = condition
	}
	return words
})

// linkWords join a clinical phrase's words without changing what it names
// ("cancer of the bowel", "breast ca w bone mets").
var linkWords = map[string]bool{"of": true, "the": true, "a": true, "an": true, "and": true, "with": true,
	"w": true, "in": true, "on": true, "his": true, "her": true, "their": true, "to": true}

// clinical says how a lower-case word counts: as itself, as the word the
// synonym table gives for it (its base form, "children" to "child", or
// the word for its commonest meaning, "tumour" to "tumor"), or without a
// plural's s.
func clinical(w string) clinicalWord {
	words := clinicalWords()
	if c, ok := words[w]; ok {
		return c
	}
	if base, ok := synonyms()[w]; ok {
		if c, ok := words[base]; ok {
			return c
		}
	}
	if s, ok := strings.CutSuffix(w, "s"); ok && len(s) >= 3 {
		return words[s]
	}
	return notClinical
}

// clinicalOnly reports whether a phrase names only a condition: every word
// a condition, a part of the body, one of the roles (who gives care) or a
// word linking them, and at least one a condition. "chest infection",
// "bone mets", "lung ca" and "hf nurse" say what someone has or who sees
// them for it, not what matters to them; "hair and nails", with no
// condition, may.
func clinicalOnly(words []string) bool {
	found := false
	for _, w := range words {
		switch {
		case w == "" || linkWords[w] || roles[w]:
		default:
			switch clinical(w) {
			case condition:
				found = true
			case bodyPart:
			default:
				return false
			}
		}
	}
	return found
}
