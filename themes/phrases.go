package themes

import (
	"whatmatters/flows"
	"whatmatters/themes/offline"
)

// phraseMaxQuote is the longest quote a key phrase carries, in bytes: a
// sentence or clause, shortened around the phrase when longer.
const phraseMaxQuote = offline.MaxQuote

// KeyPhrases returns up to max key phrases of text: short runs of one to
// three content words, scored by what the care lexicon knows of them, each
// with its key (PhraseKey) and the sentence or clause of text it came
// from, word for word. A meta reply ("skip", "+1") has none. The model
// coder may use it for answers a model gave no phrases for. The offline
// coder's own reading finds them (offline.KeyPhrases).
func KeyPhrases(text string, max int) []flows.Phrase { return offline.KeyPhrases(text, max) }
