package themes

import (
	"fmt"

	"whatmatters/flows"
)

// directionQuestions invite a team to look again where its stories read
// least toward a direction. They ask; they never tell.
var directionQuestions = map[string]string{
	flows.DirRelationships: "Pick one person we reflected on: who is around them that we have not yet met, and what do they mean to each other?",
	flows.DirStories:       "Which moment with one of these people stays with you, and what did it tell you about them?",
	flows.DirCommunity:     "Beyond services, who in the person's own life or community could be part of what happens next?",
	flows.DirAnticipation:  "What could we talk through with someone now, before it becomes a crisis at a weekend or at night?",
}

// capabilityQuestions open up a capability nobody spoke to.
var capabilityQuestions = map[string]string{
	"recognise":    "How did we know, or not know, that someone was in their last months, and when did we start to say so?",
	"what_matters": "For one person we care for, what would they say matters most to them this week, in their own words?",
	"live_well":    "What gives one of the people we care for a good day, and how can care make room for it?",
	"anticipate":   "Whose wishes have we not yet heard or shared, and who should hear them?",
	"comfort":      "What does comfort mean for the people we are caring for now, in their own terms?",
	"those_close":  "How are the people closest to them doing, and who is looking out for them?",
}

// suggestQuestion picks one question for the team's next learning session:
// about the direction the period's answers read least toward (when enough
// answers touched on it), else about a capability nobody spoke to, else
// about the most recurring theme.
func suggestQuestion(d flows.Digest) string {
	if d.Answers == 0 {
		return capabilityQuestions["what_matters"]
	}
	weakest, share := "", 2.0
	for _, r := range d.Directions {
		if r.Of < 3 {
			continue
		}
		if s := float64(r.Toward) / float64(r.Of); s < share {
			weakest, share = r.Key, s
		}
	}
	if weakest != "" && share < 0.5 {
		q := directionQuestions[weakest]
		if len(d.Recurring) > 0 {
			return fmt.Sprintf("%s came up in %d cases. %s", d.Recurring[0].Label, d.Recurring[0].Cases, q)
		}
		return q
	}
	for _, c := range d.Silent {
		if q, ok := capabilityQuestions[c]; ok {
			return q
		}
	}
	if len(d.Recurring) > 0 {
		return fmt.Sprintf("%s came up in %d cases: what is it telling us, and is there anything we would change?", d.Recurring[0].Label, d.Recurring[0].Cases)
	}
	return directionQuestions[flows.DirAnticipation]
}
