// Package offline is the offline coder's reading of one answer: it codes
// an answer against the codebook (docs/codebook.md) with a lexicon of UK
// end-of-life care language, rules and fitted weights, with no network and
// no model, and gives the same codes for the same answer every time. Rules
// read the facts the codebook asks a reader to look for (someone from the
// person's own life giving help, a service put forward, a plan made ahead,
// note form); the four directions and the capability tags are those
// facts, the stage and the answer's words weighed by regressions fitted to
// labelled tuning answers and the codebook's worked examples
// (weighing.go); at stages the tuning data does not cover, they are
// decided by rules that quote the codebook (rules.go).
//
// Its API is Read (the four directions, the capability tags and the key
// phrases of one answer), KeyPhrases, and the Words and Stem the rest of
// themes groups phrases by. Package themes wraps Read as its Offline
// coder, adding the theme catalogue's phrases.
package offline

import "whatmatters/flows"

// Version is the version of the rules, the lexicon and the weighing, and
// of package themes' aboutness (themes/about.json). Bump it by hand
// whenever they change what the coder would say (a refit of either file
// included), so that answers coded by older versions are coded again.
const Version = "17"

// phrasesPerAnswer is how many key phrases Read gives an answer.
const phrasesPerAnswer = 3

// Result is what the rules read in one answer.
type Result struct {
	// Codes holds the four directions and the capability tags (never nil);
	// its coder, version and phrases are left for the caller.
	Codes flows.Codes
	// Meta reports a reply about answering ("skip", "ditto", "+1"): none
	// on every direction, no tags and no phrases.
	Meta bool
	// Phrases are the answer's key phrases (KeyPhrases), none for a meta
	// reply.
	Phrases []flows.Phrase
}

// Read codes one answer, given the stage it answers. It is safe for
// concurrent use.
func Read(stage, text string) Result {
	d := analyse(theLexicon(), text)
	r := Result{Codes: decide(d, stage), Meta: d.meta}
	if r.Codes.Capabilities == nil {
		r.Codes.Capabilities = []string{}
	}
	if !d.meta {
		r.Phrases = keyPhrases(d, phrasesPerAnswer)
	}
	return r
}
