package flows

import (
	"context"
	"fmt"
	"strings"
)

// pseudonyms are neutral names offered when a team starts a reflection
// without one, or chooses one that looks like an identifier: birds and
// trees, unlikely to be mistaken for a person's real name in a care record.
var pseudonyms = []string{
	"Kestrel", "Heron", "Linnet", "Curlew", "Plover", "Siskin", "Dunlin", "Merlin",
	"Osprey", "Redstart", "Wagtail", "Fieldfare", "Alder", "Aspen", "Hornbeam",
	"Juniper", "Larch", "Linden", "Rowan", "Sorrel", "Spindle", "Tamarisk",
}

// caseWords are the words the scrubber must keep in a team's answers: its
// cases' pseudonyms, which the team chose and which may also be first
// names ("Hazel"), whichever reflection mentions them.
func (e *Engine) caseWords(ctx context.Context, s Store, teamID string) ([]string, error) {
	cases, err := s.ListCases(ctx, teamID)
	if err != nil {
		return nil, fmt.Errorf("listing cases: %w", err)
	}
	words := make([]string, 0, len(cases))
	for _, c := range cases {
		if c.Label != "" {
			words = append(words, c.Label)
		}
	}
	return words, nil
}

// nextPseudonym returns the first neutral pseudonym not yet used by a case in
// the list, numbering them once every one is taken.
func nextPseudonym(cases []Case) string {
	used := make(map[string]bool, len(cases))
	for _, c := range cases {
		used[strings.ToLower(c.Label)] = true
	}
	for round := 1; ; round++ {
		for _, p := range pseudonyms {
			name := p
			if round > 1 {
				name = fmt.Sprintf("%s %d", p, round)
			}
			if !used[strings.ToLower(name)] {
				return name
			}
		}
	}
}
