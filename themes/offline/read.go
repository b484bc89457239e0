// Package offline is the offline coder's reading of one answer: it codes
// an answer against the codebook (docs/codebook.md) with rules and a
// lexicon of UK end-of-life care language, with no network and no model,
// and gives the same codes for the same answer every time. It follows the
// codebook's own decision rules (none by default; away only on subject;
// toward wins with one clear instance; the stage tells a short answer what
// it answers), so that its codes can be read, argued with and compared
// with a person's.
//
// Its API is Read (the four directions, the capability tags and the key
// phrases of one answer), KeyPhrases, and the Words and Stem the rest of
// themes groups phrases by. Package themes wraps Read as its Offline
// coder, adding the theme catalogue's phrases.
package offline

import "whatmatters/flows"

// Version is the version of the rules and the lexicon. Bump it by hand
// whenever they change what the coder would say, so that answers coded by
// older rules are coded again.
const Version = "13"

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
