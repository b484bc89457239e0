package offline

import (
	"slices"

	"whatmatters/flows"
)

// decide codes one analysed answer: the directions and the capability
// tags by the weighing (weighing.go) where it has learnt the stage, else
// by the rule table (rules.go).
func decide(d *doc, stage string) flows.Codes {
	c := flows.Codes{Relationships: flows.None, Stories: flows.None, Community: flows.None, Anticipation: flows.None}
	if d.meta {
		return c
	}
	f := d.features()
	if w := sharedWeighing(); w.weighs(stage) {
		stems := d.stems()
		c.Relationships = label(&w.dirs[0], &f, stage, stems)
		c.Stories = label(&w.dirs[1], &f, stage, stems)
		c.Community = label(&w.dirs[2], &f, stage, stems)
		c.Anticipation = label(&w.dirs[3], &f, stage, stems)
		c.Capabilities = w.tagsOf(&f, stage, stems)
	} else {
		c.Relationships, c.Stories, c.Community, c.Anticipation = f.byRules(stage)
		c.Capabilities = f.tags(stage)
	}
	return c
}

// byRules are the four directions by the rule table alone.
func (f *feats) byRules(stage string) (rel, stories, community, anticipation flows.Label) {
	return f.label(relationshipRules, stage), f.label(storyRules, stage), f.label(communityRules, stage), f.label(anticipationRules, stage)
}

// label is the label of the first rule that matches, or none.
func (f *feats) label(rules []rule, stage string) flows.Label {
	for i := range rules {
		if f.matches(&rules[i], stage) {
			return rules[i].label
		}
	}
	return flows.None
}

// tags are the capability tags one of whose rules matches, in
// flows.Capabilities' order.
func (f *feats) tags(stage string) []string {
	var out []string
	for _, tag := range flows.Capabilities {
		for i := range tagRules {
			if r := &tagRules[i]; r.tag == tag && f.matches(r, stage) {
				out = append(out, tag)
				break
			}
		}
	}
	return out
}

// matches reports whether rule r holds for the answer at the stage.
func (f *feats) matches(r *rule, stage string) bool {
	if r.stages != nil && !slices.Contains(r.stages, stage) || slices.Contains(r.except, stage) {
		return false
	}
	if f.facts&r.all != r.all || r.any != 0 && f.facts&r.any == 0 || f.facts&r.none != 0 {
		return false
	}
	return (r.has == 0 || f.has&r.has != 0) && (r.hasQ == 0 || f.hasAll&r.hasQ != 0)
}
