package console

import (
	"context"
	"strings"

	"whatmatters/flows"
)

// outcomeUsage says how to write an outcome line.
const outcomeUsage = "(only you) One fact a line: :outcome NAME FACT VALUE, for example :outcome Kestrel died_at home; " +
	":outcome NAME shows the record. The facts: died_week, preferred_place, died_at, care_plan, plan_shared, jic_meds, " +
	"admissions, bed_days, informal_support, carer_strain; every one takes not_known.\n"

// outcome handles :outcome NAME [FACT VALUE]: with a fact, it records it in
// the case's outcome record (what happened after a death: docs/outcomes.md),
// as Slack's form does; without, it shows the record. NAME may be more than
// one word: the fact is the first word after it that names one.
func (c *Console) outcome(ctx context.Context, rest string) error {
	words := strings.Fields(rest)
	at := -1
	for i, w := range words {
		if _, ok := flows.OutcomeFieldByKey(w); ok && i > 0 {
			at = i
			break
		}
	}
	if len(words) == 0 || at == 0 {
		c.printf("%s", outcomeUsage)
		return nil
	}
	if at < 0 {
		replies, err := c.engine.Command(ctx, flows.Command{Actor: c.actor(), Channel: Channel, Text: "outcome " + strings.Join(words, " ")})
		if err != nil {
			return c.failed(err)
		}
		return c.render(ctx, replies)
	}
	if at == len(words)-1 {
		c.printf("(only you) What does the record say for %s? For example :outcome %s %s not_known.\n",
			words[at], strings.Join(words[:at], " "), words[at])
		return nil
	}
	replies, err := c.engine.EditOutcome(ctx, flows.OutcomeEdit{Actor: c.actor(), Channel: Channel,
		Case: strings.Join(words[:at], " "), Values: map[string]string{words[at]: strings.Join(words[at+1:], " ")}})
	if err != nil {
		return c.failed(err)
	}
	return c.render(ctx, replies)
}
