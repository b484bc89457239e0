package bot

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"whatmatters/flows"
)

// handler is everything the bot does with one kind of interaction, found
// by its id: a button's action_id, a modal's or a message shortcut's
// callback_id. A new button, form or shortcut is one row in one of the
// tables below, which both the receiving side (before the
// acknowledgement) and the job read.
type handler struct {
	// route runs before the acknowledgement: it checks the payload, fills
	// in what the job will need, and returns the ordering key to record
	// it under, or a receipt when it has done everything (a modal opened,
	// a form's problems shown).
	route interactionRoute
	// run does the work in the delivery's job; nil when route always
	// finishes it.
	run interactionRun
	// chosen names the channel the person asked the bot to post in rather
	// than where they acted (a form's channel), so that the job first
	// checks they are in it; nil when there is none.
	chosen func(s *Slack, ctx context.Context, in interactionPayload) string
}

// interactionRun does an interaction's work in its job, returning the
// calls to make.
type interactionRun func(s *Slack, ctx context.Context, eng *flows.Engine, in interactionPayload, actor flows.Actor, o origin) ([]call, origin, error)

// buttonHandlers are the buttons that are not a reflection's or a
// session's (reflectionButton takes those, by reflectionActions).
var buttonHandlers = map[string]handler{
	startAction:                      {route: routeStartButton, run: runStartButton, chosen: valueChannel},
	homeStartAction:                  {route: routeHomeStart},
	homeSettingsAction:               {route: routeHomeSettings},
	homeActionDone:                   {route: routeActionDone, run: runHomeActionDone},
	"wm_" + flows.ActionDiscuss:      {route: routeDiscuss, run: runDiscuss},
	homeFormAction:                   {route: routeHomeForm},
	"wm_" + flows.ActionOutcome:      {route: routeOutcomeButton},
	"wm_" + flows.ActionNotTheirName: {route: routeReflectionButton, run: runNotTheirName},
}

// reflectionButton takes the buttons the engine puts on its replies.
var reflectionButton = handler{route: routeReflectionButton, run: runReflectionButton}

// viewHandlers are the modals, by callback id. Any other submission is of
// an older version's modal or another app's, and is closed quietly.
var viewHandlers = map[string]handler{
	startModalID:    {route: routeFieldsSubmission, run: runStartForm, chosen: fieldChannel("channel")},
	settingsModalID: {route: routeFieldsSubmission, run: runSettingsForm, chosen: digestChannelMoved},
	formModalID:     {route: routeFormSubmission, run: runWrittenForm, chosen: fieldChannel("channel")},
	sessionModalID:  {route: routeSessionSubmission, run: runSessionForm, chosen: fieldChannel("channel")},
	outcomeModalID:  {route: routeOutcomeSubmission, run: runOutcomeForm, chosen: fieldChannel("channel")},
}

// shortcutHandlers are the message shortcuts, by callback id.
var shortcutHandlers = map[string]handler{
	markActionShortcut: {route: routeMarkAction, run: runMarkAction},
}

// handlerFor finds a recorded interaction's handler: a submitted modal's
// by its view, a button's or shortcut's by its action id.
func handlerFor(in interactionPayload) (handler, bool) {
	if in.View != "" {
		h, ok := viewHandlers[in.View]
		return h, ok
	}
	if reflectionActions[in.ActionID] != "" {
		return reflectionButton, true
	}
	if h, ok := shortcutHandlers[in.ActionID]; ok {
		return h, true
	}
	h, ok := buttonHandlers[in.ActionID]
	return h, ok
}

func (s *Slack) runInteraction(ctx context.Context, eng *flows.Engine, in interactionPayload, actor flows.Actor) ([]call, origin, error) {
	o := origin{team: in.TeamID, channel: in.ChannelID, thread: in.ThreadTS, user: in.UserID, responseURL: in.ResponseURL}
	h, ok := handlerFor(in)
	if !ok || h.run == nil {
		return nil, o, fmt.Errorf("%w: interaction %q", errUnreadable, in.ActionID)
	}
	return h.run(s, ctx, eng, in, actor, o)
}

// fieldChannel is the channel a form names in one of its fields.
func fieldChannel(field string) func(*Slack, context.Context, interactionPayload) string {
	return func(_ *Slack, _ context.Context, in interactionPayload) string { return in.Fields[field] }
}

// valueChannel is the channel a Start button carries.
func valueChannel(_ *Slack, _ context.Context, in interactionPayload) string { return in.Value }

// digestChannelMoved is the settings form's digest channel when it moves
// the digest there; "" when it goes there already (moving nothing).
func digestChannelMoved(s *Slack, ctx context.Context, in interactionPayload) string {
	channel := in.Fields["digest_channel"]
	if t, err := s.store.GetTeam(ctx, in.TeamID); err == nil && t.DigestChannel == channel {
		return ""
	}
	return channel
}

func runStartForm(s *Slack, ctx context.Context, eng *flows.Engine, in interactionPayload, actor flows.Actor, o origin) ([]call, origin, error) {
	o.channel, o.thread = in.Fields["channel"], ""
	text := ""
	if name := in.Fields["name"]; name != "" {
		text = "case " + name // a pseudonym, never read as a subcommand
	}
	replies, err := eng.Command(ctx, flows.Command{Actor: actor, Channel: o.channel, Text: text})
	return s.replied(replies, o, err)
}

func runWrittenForm(s *Slack, ctx context.Context, eng *flows.Engine, in interactionPayload, actor flows.Actor, o origin) ([]call, origin, error) {
	o.channel, o.thread = in.Fields["channel"], ""
	sub := flows.FormSubmission{Actor: actor, Channel: o.channel, Template: in.Fields["template"],
		Label: in.Fields["label"], Answers: map[string]string{}}
	for k, v := range in.Fields {
		if stage, ok := strings.CutPrefix(k, formAnswerField); ok {
			sub.Answers[stage] = v
		}
	}
	replies, err := eng.SubmitForm(ctx, sub)
	return s.replied(replies, o, err)
}

func runSettingsForm(s *Slack, ctx context.Context, eng *flows.Engine, in interactionPayload, actor flows.Actor, o origin) ([]call, origin, error) {
	o.channel = ""
	if d := in.Fields["discipline"]; d != "" || in.Fields["digest_day"] == "" {
		if err := eng.SetDiscipline(ctx, actor, d); err != nil {
			return nil, o, err
		}
	}
	var replies []flows.Reply
	if _, team := in.Fields["digest_day"]; team {
		rs, err := teamSettings(ctx, eng, in, actor)
		if err != nil {
			return nil, o, err
		}
		replies = rs
	}
	return s.repliedWithHome(ctx, eng, replies, o, actor)
}

// teamSettings applies the settings form's team part (a lead's or an
// admin's): the digest's channel and time, and the facilitators.
func teamSettings(ctx context.Context, eng *flows.Engine, in interactionPayload, actor flows.Actor) ([]flows.Reply, error) {
	day, derr := strconv.Atoi(in.Fields["digest_day"])
	hour, herr := strconv.Atoi(in.Fields["digest_hour"])
	if derr != nil || herr != nil {
		return nil, fmt.Errorf("%w: settings form without a digest day or hour", errUnreadable)
	}
	replies, err := eng.SetDigestSchedule(ctx, actor, flows.DigestSchedule{
		Channel: in.Fields["digest_channel"], Day: time.Weekday(day), Hour: hour})
	if err != nil || in.Fields["facilitators_shown"] == "" {
		return replies, err
	}
	var users []string
	if f := in.Fields["facilitators"]; f != "" {
		users = strings.Split(f, ",")
	}
	rs, err := eng.SetFacilitators(ctx, actor, users)
	if err != nil {
		return nil, err
	}
	return append(replies, rs...), nil
}

func runSessionForm(s *Slack, ctx context.Context, eng *flows.Engine, in interactionPayload, actor flows.Actor, o origin) ([]call, origin, error) {
	o.channel, o.thread = in.Fields["channel"], ""
	minutes, _ := strconv.Atoi(in.Fields["minutes"])
	var quotes []flows.SessionQuote
	if in.Fields["template"] == "theme" {
		// A theme from the digest brings its quotes shared in this channel.
		q, err := eng.ThemeQuotes(ctx, in.TeamID, o.channel, in.Fields["subject"])
		if err != nil {
			return nil, o, err
		}
		quotes = q
	}
	replies, err := eng.StartSession(ctx, flows.SessionStart{Actor: actor, Channel: o.channel,
		Template: in.Fields["template"], Subject: in.Fields["subject"], Minutes: minutes, Manual: in.Fields["manual"] == "true",
		Quotes: quotes})
	return s.replied(replies, o, err)
}

func runOutcomeForm(s *Slack, ctx context.Context, eng *flows.Engine, in interactionPayload, actor flows.Actor, o origin) ([]call, origin, error) {
	return s.runOutcomeForm(ctx, eng, in, actor, o)
}

func runMarkAction(s *Slack, ctx context.Context, eng *flows.Engine, in interactionPayload, actor flows.Actor, o origin) ([]call, origin, error) {
	o.channel, o.thread = in.ChannelID, in.ThreadTS
	writer := flows.Actor{TeamID: in.TeamID, UserID: in.Fields["author"]}
	replies, err := eng.MarkAction(ctx, actor, flows.Message{Actor: writer, Channel: in.ChannelID, Thread: in.ThreadTS,
		ID: in.MessageTS, Text: in.Fields["text"]})
	return s.replied(replies, o, err)
}

func runDiscuss(s *Slack, _ context.Context, _ *flows.Engine, in interactionPayload, _ flows.Actor, o origin) ([]call, origin, error) {
	// Facilitators got the session form before the acknowledgement.
	return s.replied([]flows.Reply{flows.FacilitateRefused(in.ChannelID, in.UserID)}, o, nil)
}

func runHomeActionDone(s *Slack, ctx context.Context, eng *flows.Engine, in interactionPayload, actor flows.Actor, o origin) ([]call, origin, error) {
	o.channel = ""
	id, _ := strconv.ParseInt(in.Value, 10, 64)
	replies, err := eng.ActionDone(ctx, actor, "", id)
	if errors.Is(err, flows.ErrForbidden) || errors.Is(err, flows.ErrNotFound) {
		// Said privately; the Home tab, published again, shows the truth.
		replies, err = []flows.Reply{flows.HomeActionRefused(in.UserID)}, nil
	}
	if err != nil {
		return nil, o, err
	}
	return s.repliedWithHome(ctx, eng, replies, o, actor)
}

// runNotTheirName runs the refused command again with the confirmation
// that the pseudonym is not the person's name, as the person who pressed,
// where they pressed. Only a command that confirms is run: the button's
// value is the bot's own, but nothing else may come through it.
func runNotTheirName(s *Slack, ctx context.Context, eng *flows.Engine, in interactionPayload, actor flows.Actor, o origin) ([]call, origin, error) {
	o.thread = ""
	if !strings.HasSuffix(in.Value, " "+flows.NotTheirName) {
		return nil, o, fmt.Errorf("%w: not-their-name button without the confirmation", errUnreadable)
	}
	replies, err := eng.Command(ctx, flows.Command{Actor: actor, Channel: in.ChannelID, Text: in.Value})
	return s.replied(replies, o, err)
}

func runStartButton(s *Slack, ctx context.Context, eng *flows.Engine, in interactionPayload, actor flows.Actor, o origin) ([]call, origin, error) {
	o.channel, o.thread = in.Value, ""
	replies, err := eng.Command(ctx, flows.Command{Actor: actor, Channel: in.Value})
	return s.replied(replies, o, err)
}

func runReflectionButton(s *Slack, ctx context.Context, eng *flows.Engine, in interactionPayload, actor flows.Actor, o origin) ([]call, origin, error) {
	a := flows.Action{Actor: actor, Channel: in.ChannelID, Name: reflectionActions[in.ActionID]}
	// An id that does not parse is 0, which names nothing: the engine
	// then says the reflection or answer no longer exists.
	id, _ := strconv.ParseInt(in.Value, 10, 64)
	switch a.Name {
	case flows.ActionWithdraw:
		a.AnswerID = id
	case flows.ActionForgetMe:
		if in.Value != in.UserID {
			// Someone else's confirmation button: it is not theirs to press.
			return s.replied([]flows.Reply{{Kind: flows.Notice, Channel: in.ChannelID, User: in.UserID,
				Title: "That button is for the person who asked to be forgotten.",
				Parts: []flows.Part{{Text: "Nothing was changed. To delete your own contributions: /reflect forget-me."}}}}, o, nil)
		}
	default:
		a.ReflectionID, a.Stage = flows.ParseReflectionButton(in.Value)
	}
	replies, err := eng.Act(ctx, a)
	return s.replied(replies, o, err)
}
