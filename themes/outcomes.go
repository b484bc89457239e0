package themes

import (
	"context"
	"fmt"
	"slices"
	"time"

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
func (d Digester) ReadStories(ctx context.Context, s flows.Store, req flows.StoryRequest) (flows.Stories, error) {
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
	var period, prev []flows.CodedAnswer
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
	out.Directions = readings(period, prev)

	type lean struct{ toward, away int }
	leans := map[int64]map[string]*lean{}
	seen := map[int64]map[string]bool{}
	for _, a := range all {
		if !wanted[a.CaseID] || a.Codes == nil {
			continue
		}
		if seen[a.CaseID] == nil {
			seen[a.CaseID] = map[string]bool{}
			leans[a.CaseID] = map[string]*lean{}
			out.Cases[a.CaseID] = []flows.StorySignal{}
		}
		for _, p := range a.Codes.Phrases {
			if p.Theme == "" || seen[a.CaseID][p.Theme] {
				continue
			}
			seen[a.CaseID][p.Theme] = true
			label := cat.Label(p.Theme)
			if label == "" {
				label = p.Theme // a theme no longer in the catalogue keeps its id
			}
			out.Cases[a.CaseID] = append(out.Cases[a.CaseID], flows.StorySignal{Kind: flows.SignalTheme, ID: p.Theme, Label: label})
		}
		for _, dir := range flows.Directions {
			l := leans[a.CaseID][dir]
			if l == nil {
				l = &lean{}
				leans[a.CaseID][dir] = l
			}
			switch a.Codes.Direction(dir) {
			case flows.Toward:
				l.toward++
			case flows.Away:
				l.away++
			}
		}
	}
	for id, byDir := range leans {
		for _, dir := range flows.Directions {
			l := byDir[dir]
			switch {
			case l.toward > l.away:
				out.Cases[id] = append(out.Cases[id], flows.StorySignal{Kind: flows.SignalReading, ID: "toward:" + dir, Label: readingPhrases[dir][0]})
			case l.away > l.toward:
				out.Cases[id] = append(out.Cases[id], flows.StorySignal{Kind: flows.SignalReading, ID: "away:" + dir, Label: readingPhrases[dir][1]})
			}
		}
	}
	return out, nil
}
