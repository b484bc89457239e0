package flows

import (
	"fmt"
	"slices"
	"strings"

	"whatmatters/prompts"
)

// Summary is the story of a closed reflection, stage by stage, with who
// contributed by discipline. by is who closed it early, if anyone.
func Summary(tpl prompts.Template, cs Case, r Reflection, answers []Answer, by string) Reply {
	reply := Reply{Kind: Post, Channel: r.Channel, Thread: r.Thread}
	name := reflectionTitle(tpl, cs)
	switch r.Status {
	case StatusAbandoned:
		reply.Title = name + ": cancelled"
		reply.Parts = append(reply.Parts, Part{Text: "This reflection was cancelled. What was said before is kept with it, and each person can withdraw their own answers."})
		if by != "" {
			// The label names the person beside it, not the text above.
			reply.Parts = append(reply.Parts, Part{Label: "Cancelled by", Users: []string{by}})
		}
		return reply
	default:
		reply.Title = name + ": the story so far"
	}
	live := slices.DeleteFunc(slices.Clone(answers), func(a Answer) bool { return !a.WithdrawnAt.IsZero() })
	if len(live) == 0 {
		reply.Parts = append(reply.Parts, Part{Text: "Nobody answered this time, so there is nothing to sum up. The case is still here for next time."})
		return reply
	}
	for _, st := range tpl.Stages {
		first := true
		for _, a := range live {
			if a.Stage != st.Key {
				continue
			}
			p := Part{Text: a.Text, Quote: true, By: disciplineOrUnknown(a.Discipline)}
			if first {
				p.Label = st.Title
				first = false
			}
			reply.Parts = append(reply.Parts, p)
		}
	}
	reply.Parts = append(reply.Parts, Part{Label: "Contributed", Text: Contributors(live)})
	if by != "" {
		reply.Parts = append(reply.Parts, Part{Label: "Finished early by", Users: []string{by}})
	}
	if tpl.OffersOutcome && r.Status == StatusComplete && cs.ID != 0 {
		parts, button := outcomeOffer(cs)
		reply.Parts = append(reply.Parts, parts...)
		reply.Buttons = append(reply.Buttons, button)
	}
	return reply
}

// Contributors counts the people who answered, by discipline: "2 nurses, a
// chaplain". Each person counts once, under the discipline of their latest
// answer.
func Contributors(answers []Answer) string {
	latest := map[string]string{}
	for _, a := range answers {
		latest[a.Author] = a.Discipline
	}
	counts := map[string]int{}
	for _, d := range latest {
		counts[disciplineOrUnknown(d)]++
	}
	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int {
		if counts[a] != counts[b] {
			return counts[b] - counts[a]
		}
		return strings.Compare(a, b)
	})
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%d × %s", counts[k], k)
	}
	total := len(latest)
	return fmt.Sprintf("%d %s: %s", total, pluralWord(total, "person", "people"), strings.Join(parts, ", "))
}
