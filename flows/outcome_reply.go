package flows

import (
	"context"
	"fmt"
	"strconv"
	"strings"
)

// OutcomeSectionParts is an outcome report as parts of a reply: the
// deaths recorded, each figure beside the period before, how the stories
// read on the four directions over the same weeks, where stories and
// outcomes meet, and what it all is and is not. Buttons offer each
// meeting with something to discuss to a learning session.
func OutcomeSectionParts(rep OutcomeReport) ([]Part, []Button) {
	var parts []Part
	var buttons []Button
	add := func(p Part) { parts = append(parts, p) }
	add(Part{Label: "What happened, beside the stories", Text: fmt.Sprintf("Deaths recorded in %s: %s; %s: %s.",
		rep.Period(), recordsText(rep.Records), rep.previousWords(), recordsText(rep.PrevRecords))})
	for _, f := range rep.Figures {
		add(Part{Text: f.Text})
	}
	var lines []string
	for _, d := range rep.Directions {
		if d.Of == 0 && d.PrevOf == 0 {
			continue
		}
		line := fmt.Sprintf("%s: %d of %s", upperFirst(d.Phrase), d.Toward, count(d.Of, "answer"))
		if d.PrevOf > 0 {
			line += fmt.Sprintf(", against %d of %d %s", d.PrevToward, d.PrevOf, rep.previousWords())
		}
		lines = append(lines, line+".")
	}
	if len(lines) > 0 {
		add(Part{Label: "The stories over the same weeks", Text: strings.Join(lines, "\n")})
	}
	first := true
	for _, m := range rep.Meetings {
		label := ""
		if first {
			label = "Where stories and outcomes meet (prompts for a learning session, never causes)"
			first = false
		}
		add(Part{Label: label, Text: strings.Join(m.Lines, "\n")})
		if len(m.Signals) > 0 {
			buttons = append(buttons, Button{Label: shortLabel("Discuss “"+m.Subject+"” in a session", 75), Action: ActionDiscuss, Value: m.Subject})
		}
	}
	add(Part{Text: rep.Note})
	return parts, buttons
}

// OutcomesReply is an outcome report on its own (/reflect outcomes).
func OutcomesReply(rep OutcomeReport, channel string) Reply {
	r := Reply{Kind: Post, Channel: channel, Title: "What happened, beside the stories: " + rep.Period()}
	if rep.Empty() {
		r.Parts = []Part{{Text: fmt.Sprintf("No outcome records for %s or %s. After a death, the reflection's "+
			"\"Record what happened\" (or /reflect outcome NAME) keeps a short record, read here beside the stories.", rep.Period(), rep.previousWords())}}
		return r
	}
	r.Parts, r.Buttons = OutcomeSectionParts(rep)
	r.Parts[0].Label = "" // the title says it
	return r
}

// recordsText is how many deaths were recorded: none, or the count as a
// Tally shows it.
func recordsText(n Tally) string {
	if n == 0 {
		return "none"
	}
	return n.String()
}

// outcomesCommand handles /reflect outcomes [QUARTERS]: the report of the
// last quarter (or QUARTERS quarters) beside the one before, shown to the
// person, drawing the stories only from channels this one may show.
func (e *Engine) outcomesCommand(ctx context.Context, c Command, args string) ([]Reply, error) {
	quarters := 1
	if f := strings.Fields(strings.ToLower(args)); len(f) == 1 {
		n, err := strconv.Atoi(strings.TrimSuffix(f[0], "q"))
		if err != nil || n < 1 || n > MaxOutcomeQuarters {
			return []Reply{notice(c.Channel, c.UserID, "How many quarters?",
				fmt.Sprintf("Say, for example, /reflect outcomes 2 for the last two quarters (1 to %d). Nothing was changed.", MaxOutcomeQuarters))}, nil
		}
		quarters = n
	} else if len(f) > 1 {
		return []Reply{notice(c.Channel, c.UserID, "I didn't follow that.",
			"/reflect outcomes shows the last quarter's outcomes beside the stories; /reflect outcomes 2 the last two quarters; /reflect outcome NAME one case's record.")}, nil
	}
	return e.outcomesOn(e.store).showReport(ctx, c, quarters)
}

// showReport is /reflect outcomes' report, shown to the person: the
// outcomes part's own.
func (oc *outcomes) showReport(ctx context.Context, c Command, quarters int) ([]Reply, error) {
	if _, _, err := oc.member(ctx, oc.st, c.Actor); err != nil {
		return nil, err
	}
	rep, err := oc.reports().outcomeReport(ctx, OutcomeRequest{TeamID: c.TeamID, Quarters: quarters, To: oc.clock(), Shown: oc.shownIn(ctx, c.TeamID, c.Channel)})
	if err != nil {
		return nil, err
	}
	r := OutcomesReply(rep, c.Channel)
	r.Kind, r.User = Notice, c.UserID
	return []Reply{r}, nil
}

// outcomeReportFor is the outcome section a digest carries: the quarter
// ending with the digest's period, over the channels it may show; nil
// when the team has recorded no outcomes in it or the quarter before.
func (oc *outcomeReports) outcomeReportFor(ctx context.Context, d Digest, shown func(string) bool) (*OutcomeReport, error) {
	rep, err := oc.outcomeReport(ctx, OutcomeRequest{TeamID: d.TeamID, Quarters: 1, To: d.To, Shown: shown})
	if err != nil || rep.Empty() {
		return nil, err
	}
	return &rep, nil
}

// outcomeSeedBy stands where a quote's discipline would: a session's
// outcome seeds are What Matters' reading, not anyone's words.
const outcomeSeedBy = "What Matters, from the outcome records"

// outcomeSubject finds the meeting a session's subject names; the subjects a meeting offers to a learning session.
func outcomeSubject(subject string) (string, bool) {
	for _, s := range outcomeSides {
		if strings.EqualFold(strings.TrimSpace(subject), s.subject) {
			return s.key, true
		}
	}
	return "", false
}

// OutcomeSeeds are what a learning session about an outcome meeting
// ("dying where they wished") opens with: the meeting's lines for the
// latest quarter, read only from reflections given in the session's own
// channel (other channels' privacy cannot be asked inside the session's
// step). Each seed is the bot's words, not a person's: no answer, and
// outcomeSeedBy in a discipline's place. false when subject names no
// meeting.
func (e *Engine) OutcomeSeeds(ctx context.Context, teamID, channel, subject string) ([]SessionQuote, bool, error) {
	return e.digestsOn(e.store).outcomeSeeds(ctx, teamID, channel, subject)
}

// outcomeSeeds is OutcomeSeeds, the digests part's own: it seeds a
// session as ThemeQuotes does.
func (dg *digests) outcomeSeeds(ctx context.Context, teamID, channel, subject string) ([]SessionQuote, bool, error) {
	key, ok := outcomeSubject(subject)
	if !ok {
		return nil, false, nil
	}
	rep, err := dg.reports().outcomeReport(ctx, OutcomeRequest{TeamID: teamID, Quarters: 1, To: dg.clock(),
		Shown: func(ch string) bool { return ch == channel || ch == "" }})
	if isNotFound(err) {
		return nil, true, nil
	}
	if err != nil {
		return nil, true, err
	}
	var seeds []SessionQuote
	for _, m := range rep.Meetings {
		if m.Key != key {
			continue
		}
		for _, l := range m.Lines {
			seeds = append(seeds, SessionQuote{Text: l, Discipline: outcomeSeedBy})
		}
		seeds = append(seeds, SessionQuote{Text: "Offered as a prompt for discussion, never as a cause: what do we notice, and what would we try?", Discipline: outcomeSeedBy})
	}
	return seeds, true, nil
}

// OutcomeCharter draws an outcome report's chart, the quarter's outcomes
// beside the stories' directions, as a PNG; the themes package provides
// one (themes.Digester). An engine's DigestMaker that is also an
// OutcomeCharter draws the digest's outcome chart.
type OutcomeCharter interface {
	OutcomeChart(rep OutcomeReport) ([]byte, error)
}

// OutcomeChart draws an outcome report's chart.
func (e *Engine) OutcomeChart(rep OutcomeReport) ([]byte, error) { return e.outcomeChart(rep) }

func (k *kernel) outcomeChart(rep OutcomeReport) ([]byte, error) {
	c, ok := k.digests.(OutcomeCharter)
	if !ok {
		return nil, fmt.Errorf("%w: outcome charts are not configured", ErrInvalid)
	}
	return c.OutcomeChart(rep)
}

// outcomeChartPost is the post after a digest that carries its outcome
// chart.
func outcomeChartPost(rep OutcomeReport, channel, weekKey string, png []byte) Reply {
	name := "what-matters-outcomes.png"
	if weekKey != "" {
		name = "what-matters-outcomes-" + weekKey + ".png"
	}
	return Reply{Kind: Post, Channel: channel, Title: "What happened, beside the stories: the chart",
		Parts: []Part{{Text: fmt.Sprintf("Each outcome and each direction of the stories over %s, beside %s. Numbers under %d are not drawn.",
			rep.Period(), rep.previousWords(), SmallNumber)}},
		Attachment: &Attachment{Name: name, Type: "image/png", Data: png}}
}
