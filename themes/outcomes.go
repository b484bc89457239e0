package themes

import (
	"context"
	"fmt"
	"slices"
	"time"

	"whatmatters/concepts"
	"whatmatters/flows"
)

// Reading the stories beside the outcomes (docs/outcomes.md): which
// catalogue themes and codebook readings each case's reflections carry,
// and how a period's answers read on the four directions. Digester
// satisfies flows.StoryReader with it.

// readingPhrases say a case's reflections leaning toward or away from a
// direction, as in "the reflections of 3 read as reacting rather than
// anticipating". Away is the tendency the seed's work named.
var readingPhrases = map[string][2]string{
	flows.DirRelationships: {"seeing the person through the people around them", "seeing the person in isolation"},
	flows.DirStories:       {"telling a story rather than recording facts", "recording facts rather than a story"},
	flows.DirCommunity:     {"finding support in relationships and community", "leaning on services rather than relationships"},
	flows.DirAnticipation:  {"planning ahead or drawing a lesson together", "reacting rather than anticipating"},
}

// ReadStories reads, over every answer of req.CaseIDs whenever given (in
// the channels req.Shown allows), the catalogue themes the answers carry
// and which way each case's answers lean on each direction (toward when
// more of its answers read toward than away, away when more read away);
// and, over the team's answers in [req.From, req.To) beside [req.PrevFrom,
// req.From), how they read on the four directions. Answers the coding job
// has not reached are read by the fallback coder, in memory.
func (d Digester) ReadStories(ctx context.Context, s flows.AnswerLister, req flows.StoryRequest) (flows.Stories, error) {
	out := flows.Stories{Cases: map[int64][]flows.StorySignal{}}
	cat := d.Catalogue
	if cat == nil {
		cat = builtinCatalogue()
	}
	all, err := s.ListCodedAnswers(ctx, req.TeamID, time.Time{}, time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		return out, fmt.Errorf("reading the stories: %w", err)
	}
	if req.Shown != nil {
		all = slices.DeleteFunc(all, func(a flows.CodedAnswer) bool { return !req.Shown(a.Channel) })
	}
	wanted := map[int64]bool{}
	for _, id := range req.CaseIDs {
		wanted[id] = true
	}
	period, prev := d.periods(ctx, all, wanted, req)
	out.Directions = readings(period, prev)
	cases := caseReadings{}
	for _, a := range all {
		if wanted[a.CaseID] && a.Codes != nil {
			cases.add(a, cat)
		}
	}
	cases.signals(out.Cases)
	return out, nil
}

// periods returns the answers of [req.From, req.To) and of [req.PrevFrom,
// req.From). Answers of those periods or of a wanted case that the coding
// job has not reached are read by the fallback coder, in memory (in all).
func (d Digester) periods(ctx context.Context, all []flows.CodedAnswer, wanted map[int64]bool, req flows.StoryRequest) (period, prev []flows.CodedAnswer) {
	for i := range all {
		a := &all[i]
		inPeriod := !a.CreatedAt.Before(req.From) && a.CreatedAt.Before(req.To)
		inPrev := !a.CreatedAt.Before(req.PrevFrom) && a.CreatedAt.Before(req.From)
		if !wanted[a.CaseID] && !inPeriod && !inPrev {
			continue
		}
		if a.Codes == nil && d.Fallback != nil {
			if c, err := d.Fallback.Code(ctx, flows.CodeInput{Template: a.Template, Stage: a.Stage, Text: a.Text}); err == nil {
				a.Codes = &c
			}
		}
		switch {
		case inPeriod:
			period = append(period, *a)
		case inPrev:
			prev = append(prev, *a)
		}
	}
	return period, prev
}

// caseReadings gathers, case by case, the catalogue themes its answers
// carry (each once, in the order first met) and how many of its answers
// read toward and away on each direction.
type caseReadings map[int64]*caseReading

type caseReading struct {
	themes []flows.StorySignal
	seen   map[string]bool
	lean   map[string]*[2]int // direction → toward, away
}

func (cs caseReadings) add(a flows.CodedAnswer, cat *concepts.Catalogue) {
	c := cs[a.CaseID]
	if c == nil {
		c = &caseReading{seen: map[string]bool{}, lean: map[string]*[2]int{}}
		for _, dir := range flows.Directions {
			c.lean[dir] = &[2]int{}
		}
		cs[a.CaseID] = c
	}
	for _, p := range a.Codes.Phrases {
		if p.Theme == "" || c.seen[p.Theme] {
			continue
		}
		c.seen[p.Theme] = true
		label := cat.Label(p.Theme)
		if label == "" {
			label = p.Theme // a theme no longer in the catalogue keeps its id
		}
		c.themes = append(c.themes, flows.StorySignal{Kind: flows.SignalTheme, ID: p.Theme, Label: label})
	}
	for _, dir := range flows.Directions {
		switch a.Codes.Direction(dir) {
		case flows.Toward:
			c.lean[dir][0]++
		case flows.Away:
			c.lean[dir][1]++
		}
	}
}

// signals puts each case's themes, then its leaning on each direction
// (toward when more of its answers read toward than away, away when more
// read away), into out.
func (cs caseReadings) signals(out map[int64][]flows.StorySignal) {
	for id, c := range cs {
		sig := append([]flows.StorySignal{}, c.themes...)
		for _, dir := range flows.Directions {
			switch l := c.lean[dir]; {
			case l[0] > l[1]:
				sig = append(sig, flows.StorySignal{Kind: flows.SignalReading, ID: "toward:" + dir, Label: readingPhrases[dir][0]})
			case l[1] > l[0]:
				sig = append(sig, flows.StorySignal{Kind: flows.SignalReading, ID: "away:" + dir, Label: readingPhrases[dir][1]})
			}
		}
		out[id] = sig
	}
}
