package themes

import (
	"context"
	"sync"

	"whatmatters/concepts"
	"whatmatters/flows"
	"whatmatters/themes/offline"
)

// OfflineName is the offline coder's name, stored with the codes it makes.
const OfflineName = "offline"

// OfflineVersion is stored with the codes (with the theme catalogue's
// fingerprint: see Offline.Version), so that answers coded by older rules
// are coded again. Bump it by hand whenever the rules or the lexicon
// change what a coder would say.
const OfflineVersion = offline.Version

// Offline reads answers against the codebook with the rules and lexicon of
// package offline (no network, no model, the same codes for the same answer
// every time), and adds the phrases of the theme catalogue's themes it
// finds.
//
// An Offline is safe for concurrent use; the zero value is not ready, use
// NewOffline.
type Offline struct {
	cat   *concepts.Catalogue
	about *aboutness // nil: the fitted one (about.json)
}

var (
	builtinOnce sync.Once
	builtinCat  *concepts.Catalogue
)

// builtinCatalogue is the built-in theme catalogue, read once.
func builtinCatalogue() *concepts.Catalogue {
	builtinOnce.Do(func() { builtinCat = concepts.Builtin() })
	return builtinCat
}

// NewOffline returns the offline coder.
func NewOffline() *Offline { return NewOfflineWith(nil) }

// NewOfflineWith returns the offline coder finding the themes of cat (nil:
// the built-in catalogue).
func NewOfflineWith(cat *concepts.Catalogue) *Offline {
	if cat == nil {
		cat = builtinCatalogue()
	}
	return &Offline{cat: cat}
}

// Version is the version its codes carry: the rules' and the catalogue's.
func (o *Offline) Version() string { return OfflineVersion + "+" + o.catalogue().Fingerprint() }

func (o *Offline) catalogue() *concepts.Catalogue {
	if o.cat == nil {
		return builtinCatalogue()
	}
	return o.cat
}

// aboutness is the model of whether an answer is about a theme it names.
func (o *Offline) aboutness() *aboutness {
	if o.about != nil {
		return o.about
	}
	return sharedAboutness()
}

// Catalogue is the theme catalogue the coder finds themes of.
func (o *Offline) Catalogue() *concepts.Catalogue { return o.catalogue() }

var _ flows.Coder = (*Offline)(nil)

// Code reads one answer. It never returns an error: every answer can be
// read by the rules, if only as none on every direction.
func (o *Offline) Code(ctx context.Context, in flows.CodeInput) (flows.Codes, error) {
	r := offline.Read(in.Stage, in.Text)
	c := r.Codes
	c.Coder, c.Version = OfflineName, o.Version()
	if !r.Meta {
		c.Phrases = append(findThemePhrases(o.catalogue(), in.Stage, in.Text, o.aboutness()), r.Phrases...)
	}
	if c.Phrases == nil {
		c.Phrases = []flows.Phrase{}
	}
	return c, nil
}
