package flows

import (
	"context"
	"strings"

	"whatmatters/prompts"
)

// A stage's follow-up question is asked when the codebook reader (the
// offline coder: fast, deterministic, never failing) reads the stage's
// answers as leaning away on the direction the follow-up is about. Using
// the same reader as the digest means a follow-up fires on exactly what the
// digest would count as the tendency, and never on an answer the codebook
// reads as fine (a plan "with the hospice volunteers" is community). They
// only ever prompt, never judge.

// followUpRules lists each rule a template's follow_ups may use with the
// direction it is about, most specific first: a stage that puts support in
// services only is asked about people beyond them before it is asked about
// people at all, and both before facts.
var followUpRules = []struct{ rule, direction string }{
	{"services_only", DirCommunity},
	{"no_people", DirRelationships},
	{"facts_only", DirStories},
}

// FollowUpDirection returns the codebook direction a follow-up rule is
// about, or "" for an unknown rule.
func FollowUpDirection(rule string) string {
	for _, r := range followUpRules {
		if r.rule == rule {
			return r.direction
		}
	}
	return ""
}

// FollowUp returns the follow-up question the stage asks of these answers:
// the first of the stage's rules whose direction reader reads as away. With
// no reader, or no answers, it asks none.
func FollowUp(ctx context.Context, reader Coder, template string, st prompts.Stage, answers []string) (string, bool) {
	if reader == nil || len(st.FollowUps) == 0 || len(answers) == 0 {
		return "", false
	}
	codes, err := reader.Code(ctx, CodeInput{Template: template, Stage: st.Key, Text: strings.Join(answers, "\n")})
	if err != nil {
		return "", false
	}
	for _, r := range followUpRules {
		if q, ok := st.FollowUps[r.rule]; ok && codes.Direction(r.direction) == Away {
			return q, true
		}
	}
	return "", false
}
