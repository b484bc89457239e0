package flows

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
)

// Label is how one answer reads on one of the codebook's four directions
// (docs/codebook.md): toward the direction, away from it (the
// tendency), or neither.
type Label string

// The three labels a direction can take. None is the default: a coder gives
// Toward or Away only for something the answer says.
const (
	Toward Label = "toward"
	Away   Label = "away"
	None   Label = "none"
)

// Valid reports whether l is one of the three labels.
func (l Label) Valid() bool { return l == Toward || l == Away || l == None }

// The codebook's four directions, by their short keys.
const (
	DirRelationships = "relationships"
	DirStories       = "stories"
	DirCommunity     = "community"
	DirAnticipation  = "anticipation"
)

// Directions lists the four direction keys in the codebook's order.
var Directions = []string{DirRelationships, DirStories, DirCommunity, DirAnticipation}

// Capabilities lists the six capability tags in the codebook's order.
var Capabilities = []string{"recognise", "what_matters", "live_well", "anticipate", "comfort", "those_close"}

// Phrase is one key phrase of an answer: a short normalised phrase, the key
// it is grouped by across answers (its stemmed words), and the exact text
// of the answer it came from.
type Phrase struct {
	Phrase string `json:"phrase"`
	Key    string `json:"key"`
	// Quote is a span of the answer's stored text, word for word: the
	// sentence or clause the phrase was found in.
	Quote string `json:"quote"`
	// Theme is the id of the catalogue theme (docs/themes.md) the phrase
	// carries; empty for a key phrase outside the catalogue.
	Theme string `json:"theme,omitempty"`
	// CutBefore and CutAfter say that the quote leaves out words of its
	// sentence before or after it, to be shown with an ellipsis.
	CutBefore bool `json:"cut_before,omitempty"`
	CutAfter  bool `json:"cut_after,omitempty"`
}

// Codes is one answer read against the codebook.
type Codes struct {
	Relationships Label    `json:"relationships"`
	Stories       Label    `json:"stories"`
	Community     Label    `json:"community"`
	Anticipation  Label    `json:"anticipation"`
	Capabilities  []string `json:"capabilities"`
	Phrases       []Phrase `json:"phrases"`
	// Coder names the coder that made these codes ("offline", "model"),
	// and Version its version, so codes are made again when it changes.
	Coder   string `json:"coder"`
	Version string `json:"coder_version,omitempty"`
	// Fallback is true when the model coder was configured but could not
	// code the answer, so the offline coder's codes stand.
	Fallback bool `json:"fallback,omitempty"`
	// DroppedQuotes counts quotes a model gave that do not appear word for
	// word in the answer, and were dropped.
	DroppedQuotes int `json:"dropped_quotes,omitempty"`
	// OfflineReason says why the offline coder read an answer although a
	// model was configured: "the model failed", "read as instructions to
	// the model". Empty otherwise.
	OfflineReason string `json:"offline_reason,omitempty"`
}

// Direction returns the label of the direction with the given key, or None
// for an unknown key.
func (c Codes) Direction(key string) Label {
	var l Label
	switch key {
	case DirRelationships:
		l = c.Relationships
	case DirStories:
		l = c.Stories
	case DirCommunity:
		l = c.Community
	case DirAnticipation:
		l = c.Anticipation
	}
	if l == "" {
		return None
	}
	return l
}

// CodeInput is what a coder reads: one answer's scrubbed text and the
// template and stage it answers. The coding scheme judges an answer on its
// own words plus its stage.
type CodeInput struct {
	Template string
	Stage    string
	Text     string
	// Keep are words the scrubber kept when the text was stored (the
	// team's case pseudonyms, the answer's own case first): a coder that
	// scrubs the text again before sending it keeps them too, so the text
	// it sends, and the quotes it checks, still hold them.
	Keep []string
}

// Coder reads one answer against the codebook. Code returns an error only
// when it could not read the answer at all (a model that failed); the
// offline coder never fails.
type Coder interface {
	Code(ctx context.Context, in CodeInput) (Codes, error)
}

// TextHash is a short fingerprint of an answer's text, stored with its
// codes, so codes made from a text an edit has since replaced are never
// saved over the new text's.
func TextHash(text string) string {
	sum := sha256.Sum256([]byte(text))
	return hex.EncodeToString(sum[:12])
}
