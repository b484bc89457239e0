package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"

	"github.com/slack-go/slack"

	"whatmatters/flows"
)

// The outcome form: a case's record of what happened (docs/outcomes.md),
// opened by the "Record what happened" button that ends a reflection
// after a death, or by /reflect outcome NAME. Radio buttons and menus
// only: nothing in it is free text, and every question allows not known.
const (
	outcomeModalID = "wm_outcome_modal"
	// outcomeBlockPrefix + a field's key is its block; outcomeAction the
	// element's action id in every block.
	outcomeBlockPrefix = "wm_outcome_"
	outcomeAction      = "value"
	// outcomeWeeks is how many weeks the form offers for the week they
	// died (a menu holds at most 100 options).
	outcomeWeeks = 26
)

// outcomeMeta is what the outcome form carries through Slack and back.
type outcomeMeta struct {
	CaseID  int64  `json:"case_id"`
	Channel string `json:"channel,omitempty"`
}

// outcomeModal is the form for a case's record, showing what it says now.
func outcomeModal(cs flows.Case, o flows.Outcome, weeks []flows.OutcomeChoice, channel string) (slack.ModalViewRequest, error) {
	meta, err := json.Marshal(outcomeMeta{CaseID: cs.ID, Channel: channel})
	if err != nil {
		return slack.ModalViewRequest{}, fmt.Errorf("encoding the outcome form's metadata: %w", err)
	}
	blocks := []slack.Block{
		slack.NewSectionBlock(mrkdwn("What happened for *"+EscapeMrkdwn(shorten(cs.Label, 60))+"*, as far as the team knows. "+
			"Every question allows *not known*, and anyone in the team can change the record later. Only the week is kept, never a date. "+
			"It is read beside the stories each quarter: prompts for learning, never a measure of anyone."), nil, nil),
	}
	for _, f := range flows.OutcomeFields {
		choices := f.Options(weeks)
		opts := make([]*slack.OptionBlockObject, len(choices))
		var initial *slack.OptionBlockObject
		for i, c := range choices {
			opts[i] = slack.NewOptionBlockObject(c.Value, plain(shorten(c.Label, 75)), nil)
			if c.Value == o.Value(f.Key) {
				initial = opts[i]
			}
		}
		var el slack.BlockElement
		if f.Radio {
			r := slack.NewRadioButtonsBlockElement(outcomeAction, opts...)
			r.InitialOption = initial
			el = r
		} else {
			s := slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, plain("Choose"), outcomeAction, opts...)
			s.InitialOption = initial
			el = s
		}
		blocks = append(blocks, slack.NewInputBlock(outcomeBlockPrefix+f.Key, plain(shorten(f.Question, 150)), nil, el).WithOptional(true))
	}
	return slack.ModalViewRequest{
		Type: slack.VTModal, CallbackID: outcomeModalID, PrivateMetadata: string(meta),
		Title: plain("What happened"), Submit: plain("Save"), Close: plain("Cancel"),
		Blocks: slack.Blocks{BlockSet: blocks},
	}, nil
}

// outcomeReceipt opens the outcome form of a case, named by id or (id 0)
// by pseudonym, at once: its trigger id lasts 3 seconds. false when the
// team has no such case.
func (s *Slack) outcomeReceipt(ctx context.Context, teamID string, caseID int64, label, channel, trigger string) (receipt, bool, error) {
	eng := s.engineOn(s.store)
	cs, o, err := eng.OutcomeFor(ctx, teamID, caseID, label)
	if errors.Is(err, flows.ErrNotFound) {
		return receipt{}, false, nil
	}
	if err != nil {
		return receipt{}, false, err
	}
	weeks, err := eng.OutcomeWeeks(ctx, teamID, outcomeWeeks, o.DiedWeek)
	if err != nil {
		return receipt{}, false, err
	}
	m, err := outcomeModal(cs, o, weeks, channel)
	if err != nil {
		return receipt{}, false, err
	}
	return receipt{modal: &m, trigger: trigger, ignored: "outcome form opened"}, true, nil
}

// routeOutcomeButton takes "Record what happened": the case's form, at
// once. A case the team does not have (a forged value) is ignored.
func routeOutcomeButton(s *Slack, ctx context.Context, cb slack.InteractionCallback, in *interactionPayload) (string, *receipt, error) {
	id, err := strconv.ParseInt(in.Value, 10, 64)
	if err != nil || id <= 0 {
		return "", nil, malformed("outcome button without a case")
	}
	r, ok, err := s.outcomeReceipt(ctx, in.TeamID, id, "", in.ChannelID, cb.TriggerID)
	if err != nil {
		return "", nil, err
	}
	if !ok {
		return "", ignored("outcome button for a case the team does not have"), nil
	}
	return "", &r, nil
}

// routeOutcomeSubmission reads a submitted outcome form before it is
// acknowledged, so a value the form never offered is shown in it.
func routeOutcomeSubmission(_ *Slack, _ context.Context, cb slack.InteractionCallback, in *interactionPayload) (string, *receipt, error) {
	fields, problems := outcomeSubmission(cb.View)
	if problems != nil {
		return "", &receipt{body: slack.NewErrorsViewSubmissionResponse(problems), ignored: "outcome form with problems"}, nil
	}
	in.View, in.Fields = outcomeModalID, fields
	if ch := fields["channel"]; ch != "" {
		return in.TeamID + "/" + ch, nil, nil
	}
	return userKey(in.TeamID, in.UserID), nil, nil
}

// outcomeSubmission reads the outcome form: each fact's chosen value by
// its key, the case's id and the channel it was opened from, and a
// problem for each value the form does not offer (keyed by block id). A
// question left without an answer is not known.
func outcomeSubmission(v slack.View) (map[string]string, map[string]string) {
	var meta outcomeMeta
	if err := json.Unmarshal([]byte(v.PrivateMetadata), &meta); err != nil || meta.CaseID <= 0 {
		return nil, map[string]string{outcomeBlockPrefix + flows.OutcomeFields[0].Key: "This form has lost track of its case: close it and open it again."}
	}
	fields := map[string]string{"case_id": strconv.FormatInt(meta.CaseID, 10), "channel": meta.Channel}
	problems := map[string]string{}
	for _, f := range flows.OutcomeFields {
		block := outcomeBlockPrefix + f.Key
		value := flows.OutcomeNotKnown
		if v.State != nil {
			if a, ok := v.State.Values[block][outcomeAction]; ok && a.SelectedOption.Value != "" {
				value = a.SelectedOption.Value
			}
		}
		if !outcomeValueOffered(f, value) {
			problems[block] = "Choose one of the answers offered."
			continue
		}
		fields[f.Key] = value
	}
	if len(problems) > 0 {
		return nil, problems
	}
	return fields, nil
}

// outcomeValueOffered reports whether value is one the form's element for
// f could have given: a choice, a number up to its most, a week, or not
// known.
func outcomeValueOffered(f flows.OutcomeField, value string) bool {
	if value == flows.OutcomeNotKnown {
		return true
	}
	switch {
	case f.Key == flows.OutcomeDiedWeek:
		_, ok := flows.ISOWeekStart(value)
		return ok
	case f.Choices == nil:
		n, err := strconv.Atoi(value)
		return err == nil && n >= 0 && n <= f.Max
	}
	return slices.ContainsFunc(f.Choices, func(c flows.OutcomeChoice) bool { return c.Value == value })
}

// runOutcomeForm records a submitted outcome form.
func (s *Slack) runOutcomeForm(ctx context.Context, eng *flows.Engine, in interactionPayload, actor flows.Actor, o origin) ([]call, origin, error) {
	o.channel, o.thread = in.Fields["channel"], ""
	id, err := strconv.ParseInt(in.Fields["case_id"], 10, 64)
	if err != nil {
		return nil, o, fmt.Errorf("%w: outcome form without a case", errUnreadable)
	}
	values := map[string]string{}
	for _, f := range flows.OutcomeFields {
		if v, ok := in.Fields[f.Key]; ok {
			values[f.Key] = v
		}
	}
	replies, err := eng.EditOutcome(ctx, flows.OutcomeEdit{Actor: actor, Channel: o.channel, CaseID: id, Values: values})
	return s.replied(replies, o, err)
}
