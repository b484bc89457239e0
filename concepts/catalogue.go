// Package concepts finds the named themes of end-of-life care (the
// catalogue of docs/themes.md) in an answer's text: which themes an answer
// speaks to, and the words that carry each. It reads text offline, by cue
// phrases in the language care teams type, with the senses each theme
// excludes and negation ("no concerns re carers") taken into account.
//
// A theme here is a concept a team lead can act on ("Family carers under
// strain"), not a frequent word: the digest counts the cases and people
// whose answers carry each theme, and quotes the words that carry it.
package concepts

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"

	"whatmatters/prompts"
)

// Theme is one concept of the catalogue.
type Theme struct {
	ID         string   `json:"id"`
	Label      string   `json:"label"`
	Definition string   `json:"definition"`
	SpeaksTo   []string `json:"speaks_to"`
	Cues       []string `json:"cues"`
	Excludes   []string `json:"excludes,omitempty"`

	cues     []cue
	excludes []cue
}

// Catalogue is a set of themes, in a stable order.
type Catalogue struct {
	Version string  `json:"version"`
	Themes  []Theme `json:"themes"`

	byID        map[string]int
	fingerprint string
	index       map[string][]cueRef // a cue's first literal word → the cues starting with it
	prefixed    map[string][]cueRef // cues whose first word is a prefix, by its first four letters
	// lookAlike are the one-part exclusions of every theme (LooksAlike),
	// by their first word as index and prefixed are.
	lookAlike, lookAlikePrefixed map[string][][]element
	// lookAlikeWords are every word of those exclusions (MayLookAlike).
	lookAlikeWords map[string]bool
}

// commonWords are words too common to say that a phrase may be a
// look-alike (MayLookAlike): an exclusion covering a phrase covers one of
// its other words too.
var commonWords = map[string]bool{"the": true, "and": true, "for": true, "her": true, "his": true, "not": true,
	"off": true, "out": true, "was": true, "has": true, "are": true, "too": true, "any": true, "all": true,
	"but": true, "one": true, "two": true, "its": true, "him": true, "she": true, "who": true, "how": true,
	"day": true, "our": true, "get": true, "got": true, "with": true, "from": true, "into": true, "about": true}

// cueRef names one cue of one theme.
type cueRef struct{ theme, cue int }

var idPattern = regexp.MustCompile(`^[a-z][a-z0-9_]{1,40}$`)

// knownTargets are the codebook's directions and capabilities a theme may
// speak to (docs/codebook.md).
var knownTargets = []string{
	"relationships", "stories", "community", "anticipation",
	"recognise", "what_matters", "live_well", "anticipate", "comfort", "those_close",
}

// Builtin returns the catalogue shipped with What Matters. It panics if the
// embedded file is broken, which its tests rule out.
func Builtin() *Catalogue {
	c, err := load(bytes.NewReader(prompts.ThemeCatalogue()), builtinCues)
	if err != nil {
		panic("the built-in theme catalogue: " + err.Error())
	}
	return c
}

// Load reads a catalogue file (the format of prompts/themes/catalogue.json)
// and checks it: ids, labels and definitions present, ids unique, at least
// one cue per theme, every cue and exclusion well formed.
func Load(r io.Reader) (*Catalogue, error) {
	return load(r, nil)
}

// load reads a catalogue file, adds extra cues to its themes, and checks
// it.
func load(r io.Reader, extra []themeCues) (*Catalogue, error) {
	var c Catalogue
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return nil, fmt.Errorf("reading the theme catalogue: %w", err)
	}
	if err := c.addCues(extra); err != nil {
		return nil, err
	}
	if err := c.compile(); err != nil {
		return nil, err
	}
	return &c, nil
}

// With returns the catalogue with a team's own themes added: a theme whose
// id is already known replaces the built-in one; new ones follow.
func (c *Catalogue) With(extra *Catalogue) (*Catalogue, error) {
	if extra == nil || len(extra.Themes) == 0 {
		return c, nil
	}
	out := &Catalogue{Version: c.Version + "+" + extra.Version}
	out.Themes = slices.Clone(c.Themes)
	for _, t := range extra.Themes {
		if i, ok := c.byID[t.ID]; ok {
			out.Themes[i] = t
			continue
		}
		out.Themes = append(out.Themes, t)
	}
	if err := out.compile(); err != nil {
		return nil, err
	}
	return out, nil
}

func (c *Catalogue) compile() error {
	if len(c.Themes) == 0 {
		return fmt.Errorf("the theme catalogue has no themes")
	}
	c.byID = make(map[string]int, len(c.Themes))
	c.index = map[string][]cueRef{}
	c.prefixed = map[string][]cueRef{}
	c.lookAlike, c.lookAlikePrefixed = map[string][][]element{}, map[string][][]element{}
	c.lookAlikeWords = map[string]bool{}
	for i := range c.Themes {
		t := &c.Themes[i]
		where := fmt.Sprintf("theme %d (%q)", i+1, t.ID)
		switch {
		case !idPattern.MatchString(t.ID):
			return fmt.Errorf("%s: an id is lower-case letters, digits and underscores", where)
		case strings.TrimSpace(t.Label) == "" || len(t.Label) > 80:
			return fmt.Errorf("%s: needs a label of at most 80 characters", where)
		case strings.TrimSpace(t.Definition) == "":
			return fmt.Errorf("%s: needs a definition", where)
		case len(t.Cues) == 0:
			return fmt.Errorf("%s: needs at least one cue", where)
		}
		if _, dup := c.byID[t.ID]; dup {
			return fmt.Errorf("%s: the id is used twice", where)
		}
		for _, s := range t.SpeaksTo {
			if !slices.Contains(knownTargets, s) {
				return fmt.Errorf("%s: speaks_to %q is not a direction or capability of the codebook", where, s)
			}
		}
		c.byID[t.ID] = i
		t.cues = t.cues[:0]
		for _, raw := range t.Cues {
			cu, err := compileCue(raw)
			if err != nil {
				return fmt.Errorf("%s: cue %q: %w", where, raw, err)
			}
			ref := cueRef{i, len(t.cues)}
			t.cues = append(t.cues, cu)
			if first := cu.parts[0][0]; first.prefix {
				k := prefixKey(first.key)
				c.prefixed[k] = append(c.prefixed[k], ref)
			} else {
				c.index[first.indexKey()] = append(c.index[first.indexKey()], ref)
			}
		}
		t.excludes = t.excludes[:0]
		for _, raw := range t.Excludes {
			cu, err := compileCue(raw)
			if err != nil {
				return fmt.Errorf("%s: exclusion %q: %w", where, raw, err)
			}
			t.excludes = append(t.excludes, cu)
			if len(cu.parts) == 1 {
				for _, e := range cu.parts[0] {
					switch {
					case e.prefix:
						c.lookAlikeWords[prefixKey(e.key)] = true
					case len(e.key) >= 3 && !commonWords[e.key]:
						c.lookAlikeWords[e.key] = true
						if e.stem != "" {
							c.lookAlikeWords[e.stem] = true
						}
					}
				}
				if first := cu.parts[0][0]; first.prefix {
					k := prefixKey(first.key)
					c.lookAlikePrefixed[k] = append(c.lookAlikePrefixed[k], cu.parts[0])
				} else {
					c.lookAlike[first.indexKey()] = append(c.lookAlike[first.indexKey()], cu.parts[0])
				}
			}
		}
	}
	canon, err := json.Marshal(struct {
		V string
		T []Theme
	}{c.Version, c.Themes})
	if err != nil {
		return err
	}
	sum := sha256.Sum256(canon)
	c.fingerprint = hex.EncodeToString(sum[:6])
	return nil
}

// Fingerprint identifies the catalogue's content: answers are read again
// when it changes.
func (c *Catalogue) Fingerprint() string { return c.fingerprint }

// Theme returns the theme with the given id.
func (c *Catalogue) Theme(id string) (Theme, bool) {
	i, ok := c.byID[id]
	if !ok {
		return Theme{}, false
	}
	return c.Themes[i], true
}

// Label returns the plain label of a theme id, or "" for an unknown id.
func (c *Catalogue) Label(id string) string {
	t, _ := c.Theme(id)
	return t.Label
}

// prefixKey is the first four letters of a word (a prefix cue has at least
// four), under which prefix cues are found.
func prefixKey(w string) string {
	n := 0
	for i := range w {
		if n == 4 {
			return w[:i]
		}
		n++
	}
	return w
}
