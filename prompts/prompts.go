// Package prompts holds the texts What Matters speaks with: the reflection
// templates, embedded as JSON data so that adding or rewording a template
// needs no change to Go code.
package prompts

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strings"
)

//go:embed templates/*.json
var templateFiles embed.FS

// Template is one kind of reflection: an ordered list of stages, each with
// one question.
type Template struct {
	Key   string `json:"key"`
	Name  string `json:"name"`
	About string `json:"about"`
	// NeedsCase is true when the reflection is about one person, so it is
	// started with a pseudonym.
	NeedsCase bool `json:"needs_case"`
	// Gather is true for a template that collects answers from everyone
	// (a check-in): nobody's answer moves it on; it stays open until the
	// person who started it says done, or the next week's check-in.
	Gather bool `json:"gather,omitempty"`
	// OffersOutcome is true for a template that ends, once complete, by
	// offering to record what happened to the person (an outcome record:
	// where they died, what was in place).
	OffersOutcome bool    `json:"offers_outcome,omitempty"`
	Intro         string  `json:"intro"`
	Stages        []Stage `json:"stages"`
}

// Stage is one question of a template.
type Stage struct {
	Key      string `json:"key"`
	Title    string `json:"title"`
	Question string `json:"question"`
	// FollowUps maps a rule name (facts_only, no_people, services_only) to
	// the follow-up question asked when an answer meets that rule.
	FollowUps map[string]string `json:"follow_ups,omitempty"`
}

// StageIndex returns the position of the stage with the given key, or -1.
func (t Template) StageIndex(key string) int {
	return slices.IndexFunc(t.Stages, func(s Stage) bool { return s.Key == key })
}

// Fill replaces {case} in a template text with the case's label.
func Fill(text, caseLabel string) string {
	if caseLabel == "" {
		caseLabel = "this person"
	}
	return strings.ReplaceAll(text, "{case}", caseLabel)
}

// Set is the collection of known templates.
type Set struct {
	byKey map[string]Template
	keys  []string
}

// FollowUpRules are the rule names a stage's follow_ups may use.
var FollowUpRules = []string{"facts_only", "no_people", "services_only"}

var keyPattern = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// Load reads and checks every embedded template.
func Load() (*Set, error) {
	return LoadFS(templateFiles, "templates")
}

// LoadFS reads and checks every *.json template in dir of fsys.
func LoadFS(fsys fs.FS, dir string) (*Set, error) {
	names, err := fs.Glob(fsys, path.Join(dir, "*.json"))
	if err != nil {
		return nil, fmt.Errorf("listing templates: %w", err)
	}
	set := &Set{byKey: map[string]Template{}}
	for _, name := range names {
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("reading template %s: %w", name, err)
		}
		var t Template
		dec := json.NewDecoder(strings.NewReader(string(data)))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&t); err != nil {
			return nil, fmt.Errorf("template %s: %w", name, err)
		}
		if err := t.check(); err != nil {
			return nil, fmt.Errorf("template %s: %w", name, err)
		}
		if _, dup := set.byKey[t.Key]; dup {
			return nil, fmt.Errorf("template %s: key %q is used twice", name, t.Key)
		}
		set.byKey[t.Key] = t
		set.keys = append(set.keys, t.Key)
	}
	if len(set.keys) == 0 {
		return nil, fmt.Errorf("no templates in %s", dir)
	}
	slices.Sort(set.keys)
	return set, nil
}

func (t Template) check() error {
	if !keyPattern.MatchString(t.Key) {
		return fmt.Errorf("key %q must be lower case letters, digits and underscores", t.Key)
	}
	if strings.TrimSpace(t.Name) == "" || strings.TrimSpace(t.Intro) == "" {
		return fmt.Errorf("name and intro must not be empty")
	}
	if len(t.Stages) == 0 {
		return fmt.Errorf("no stages")
	}
	seen := map[string]bool{}
	for _, s := range t.Stages {
		if !keyPattern.MatchString(s.Key) {
			return fmt.Errorf("stage key %q must be lower case letters, digits and underscores", s.Key)
		}
		if seen[s.Key] {
			return fmt.Errorf("stage key %q is used twice", s.Key)
		}
		seen[s.Key] = true
		if strings.TrimSpace(s.Title) == "" || strings.TrimSpace(s.Question) == "" {
			return fmt.Errorf("stage %q needs a title and a question", s.Key)
		}
		for rule, q := range s.FollowUps {
			if !slices.Contains(FollowUpRules, rule) {
				return fmt.Errorf("stage %q: unknown follow-up rule %q (known: %s)", s.Key, rule, strings.Join(FollowUpRules, ", "))
			}
			if strings.TrimSpace(q) == "" {
				return fmt.Errorf("stage %q: follow-up %q is empty", s.Key, rule)
			}
		}
	}
	return nil
}

// Get returns the template with the given key.
func (s *Set) Get(key string) (Template, bool) {
	t, ok := s.byKey[key]
	return t, ok
}

// Keys returns the template keys in alphabetical order.
func (s *Set) Keys() []string { return slices.Clone(s.keys) }

//go:embed themes/catalogue.json
var catalogueJSON []byte

// ThemeCatalogue returns the built-in theme catalogue as JSON (see
// docs/themes.md): the named concepts of end-of-life care a digest reports.
func ThemeCatalogue() []byte { return catalogueJSON }
