package bot

import (
	"context"
	"fmt"

	"github.com/slack-go/slack"
)

// An eventRoute takes one type of Events API event: it returns the event
// to record (an edit becomes the edited message) and the ordering key to
// record it under, or why the bot ignores it.
type eventRoute func(s *Slack, team string, ev eventBody) (_ eventBody, key, ignored string)

// eventRoutes routes events by type; the bot ignores any other type.
var eventRoutes = map[string]eventRoute{
	"message":         routeMessage,
	"app_mention":     routeMention,
	"app_home_opened": routeHomeOpened,
}

func routeMessage(s *Slack, team string, ev eventBody) (eventBody, string, string) {
	if ev.Subtype == "message_changed" || ev.Subtype == "message_deleted" {
		edit, why := s.editOf(ev)
		if why != "" {
			return ev, "", why
		}
		ev = edit
	} else if why := s.ignoreMessage(ev); why != "" {
		return ev, "", why
	}
	if ev.ChannelType == "im" && (ev.ThreadTS == "" || ev.ThreadTS == ev.TS) {
		return ev, team + "/" + ev.Channel, "" // a direct message to the bot: help
	}
	if ev.ThreadTS == "" || ev.ThreadTS == ev.TS {
		return ev, "", "message outside a thread"
	}
	return ev, threadKey(team, ev.Channel, ev.ThreadTS), ""
}

func routeMention(s *Slack, team string, ev eventBody) (eventBody, string, string) {
	if ev.BotID != "" || len(ev.BotProfile) > 0 || ev.User == "" || ev.User == s.botUserID {
		return ev, "", "mention by a bot"
	}
	if ev.ThreadTS != "" && ev.ThreadTS != ev.TS {
		// In a thread, the message event carries it as an answer.
		return ev, "", "mention in a thread"
	}
	return ev, team + "/" + ev.Channel, ""
}

func routeHomeOpened(_ *Slack, team string, ev eventBody) (eventBody, string, string) {
	if ev.Tab != "home" || ev.User == "" {
		return ev, "", "app_home_opened on the " + ident(ev.Tab) + " tab"
	}
	return ev, userKey(team, ev.User), ""
}

// An interactionRoute takes one kind of interaction. It fills in what the
// job will need (in) and returns the ordering key to record it under; or,
// for an interaction dealt with before the acknowledgement (a modal
// opened, a form's problems shown, one ignored), the receipt that says so,
// as done.
type interactionRoute func(s *Slack, ctx context.Context, cb slack.InteractionCallback, in *interactionPayload) (key string, done *receipt, err error)

// interactionRoutes routes interactions by type; any other type is
// refused as malformed.
var interactionRoutes = map[slack.InteractionType]interactionRoute{
	slack.InteractionTypeBlockActions:   routeBlockActions,
	slack.InteractionTypeViewSubmission: routeViewSubmission,
	slack.InteractionTypeViewClosed:     ignoreInteraction("view closed"),
	slack.InteractionTypeMessageAction:  routeMessageAction,
	slack.InteractionTypeShortcut:       routeShortcut,
}

// ignored is the receipt of an interaction there is nothing to do about.
func ignored(why string) *receipt { return &receipt{ignored: why} }

func ignoreInteraction(why string) interactionRoute {
	return func(*Slack, context.Context, slack.InteractionCallback, *interactionPayload) (string, *receipt, error) {
		return "", ignored(why), nil
	}
}

func routeBlockActions(s *Slack, ctx context.Context, cb slack.InteractionCallback, in *interactionPayload) (string, *receipt, error) {
	if len(cb.ActionCallback.BlockActions) == 0 {
		return "", nil, malformed("block_actions without an action")
	}
	a := cb.ActionCallback.BlockActions[0]
	in.ActionID, in.Value = a.ActionID, a.Value
	h, ok := buttonHandlers[a.ActionID]
	if reflectionActions[a.ActionID] != "" {
		h, ok = reflectionButton, true
	}
	if !ok {
		return "", ignored("action " + ident(a.ActionID)), nil
	}
	return h.route(s, ctx, cb, in)
}

// routeReflectionButton takes the buttons the engine puts on its replies.
func routeReflectionButton(_ *Slack, _ context.Context, _ slack.InteractionCallback, in *interactionPayload) (string, *receipt, error) {
	if in.ChannelID == "" {
		return "", nil, malformed("reflection button without a channel")
	}
	if in.ThreadTS != "" {
		return threadKey(in.TeamID, in.ChannelID, in.ThreadTS), nil, nil
	}
	return in.TeamID + "/" + in.ChannelID, nil, nil
}

func routeStartButton(_ *Slack, _ context.Context, _ slack.InteractionCallback, in *interactionPayload) (string, *receipt, error) {
	if in.Value == "" {
		return "", nil, malformed("start button without a channel")
	}
	return in.TeamID + "/" + in.Value, nil, nil
}

func routeHomeStart(_ *Slack, _ context.Context, cb slack.InteractionCallback, _ *interactionPayload) (string, *receipt, error) {
	m := startModal()
	return "", &receipt{modal: &m, trigger: cb.TriggerID, ignored: "modal opened"}, nil
}

func routeHomeSettings(s *Slack, ctx context.Context, cb slack.InteractionCallback, in *interactionPayload) (string, *receipt, error) {
	sr, err := s.settingsReceipt(ctx, in.TeamID, in.UserID, in.UserTeam, cb.TriggerID)
	if err != nil {
		return "", nil, err
	}
	return "", &sr, nil
}

func routeActionDone(_ *Slack, _ context.Context, _ slack.InteractionCallback, in *interactionPayload) (string, *receipt, error) {
	return userKey(in.TeamID, in.UserID), nil, nil
}

// routeDiscuss takes "Discuss in a session" on a digest theme: the session
// form, at once, seeded with the theme, for a facilitator.
func routeDiscuss(s *Slack, ctx context.Context, cb slack.InteractionCallback, in *interactionPayload) (string, *receipt, error) {
	sr, ok, err := s.sessionReceipt(ctx, commandPayload{TeamID: in.TeamID, UserTeam: in.UserTeam, UserID: in.UserID, ChannelID: in.ChannelID, TriggerID: cb.TriggerID}, in.Value)
	if err != nil {
		return "", nil, err
	}
	if ok {
		return "", &sr, nil
	}
	// Anyone else is told, privately, by the job.
	if in.ChannelID == "" {
		return "", nil, malformed("discuss button without a channel")
	}
	return in.TeamID + "/" + in.ChannelID, nil, nil
}

func routeHomeForm(s *Slack, _ context.Context, cb slack.InteractionCallback, _ *interactionPayload) (string, *receipt, error) {
	f, err := s.engineOn(s.store).FormFor("case")
	if err != nil {
		return "", nil, fmt.Errorf("the form of a case reflection: %w", err)
	}
	m, err := formModal(f, "")
	if err != nil {
		return "", nil, err
	}
	return "", &receipt{modal: &m, trigger: cb.TriggerID, ignored: "modal opened"}, nil
}

func routeViewSubmission(s *Slack, ctx context.Context, cb slack.InteractionCallback, in *interactionPayload) (string, *receipt, error) {
	h, ok := viewHandlers[cb.View.CallbackID]
	if !ok {
		// A modal of an older version, or another app's: closing it
		// quietly is kinder than an error shown in it.
		s.log.InfoContext(ctx, "slack: submission of a view the bot does not know; closed", "callback_id", ident(cb.View.CallbackID))
		return "", ignored("submission of an unknown view"), nil
	}
	return h.route(s, ctx, cb, in)
}

func routeFormSubmission(s *Slack, _ context.Context, cb slack.InteractionCallback, in *interactionPayload) (string, *receipt, error) {
	sub, problems := formSubmission(cb.View, in.TeamID, in.UserID, s.engineOn(s.store))
	if problems != nil {
		return "", &receipt{body: slack.NewErrorsViewSubmissionResponse(problems), ignored: "form with problems"}, nil
	}
	in.View = formModalID
	in.Fields = map[string]string{"channel": sub.Channel, "template": sub.Template, "label": sub.Label}
	for k, v := range sub.Answers {
		in.Fields[formAnswerField+k] = v
	}
	return in.TeamID + "/" + sub.Channel, nil, nil
}

func routeSessionSubmission(_ *Slack, _ context.Context, cb slack.InteractionCallback, in *interactionPayload) (string, *receipt, error) {
	fields, problems := sessionSubmission(cb.View)
	if problems != nil {
		return "", &receipt{body: slack.NewErrorsViewSubmissionResponse(problems), ignored: "session form with problems"}, nil
	}
	in.View, in.Fields = sessionModalID, fields
	return in.TeamID + "/" + fields["channel"], nil, nil
}

// routeFieldsSubmission takes a modal of fields (the start form and
// settings): checked before the acknowledgement, so that the
// person sees any problem in the form.
func routeFieldsSubmission(s *Slack, ctx context.Context, cb slack.InteractionCallback, in *interactionPayload) (string, *receipt, error) {
	fields, problems := submission(cb.View)
	if cb.View.CallbackID == settingsModalID && len(problems) == 0 {
		problems = s.settingsProblems(ctx, in.TeamID, in.UserID, in.UserTeam, fields)
	}
	if len(problems) > 0 {
		return "", &receipt{body: slack.NewErrorsViewSubmissionResponse(problems), ignored: "submission with missing fields"}, nil
	}
	in.View, in.Fields = cb.View.CallbackID, fields
	if ch := fields["channel"]; ch != "" {
		return in.TeamID + "/" + ch, nil, nil
	}
	return userKey(in.TeamID, in.UserID), nil, nil
}

// routeMessageAction takes a message shortcut by its callback id.
func routeMessageAction(s *Slack, ctx context.Context, cb slack.InteractionCallback, in *interactionPayload) (string, *receipt, error) {
	h, ok := shortcutHandlers[cb.CallbackID]
	if !ok {
		return routeShortcut(s, ctx, cb, in)
	}
	return h.route(s, ctx, cb, in)
}

// routeMarkAction takes "Mark as agreed action" on a reply in a session's
// thread.
func routeMarkAction(_ *Slack, _ context.Context, cb slack.InteractionCallback, in *interactionPayload) (string, *receipt, error) {
	in.ActionID = markActionShortcut
	in.MessageTS = cb.Message.Timestamp
	in.ThreadTS = cb.Message.ThreadTimestamp
	in.Fields = map[string]string{"author": cb.Message.User, "text": plainText(cb.Message.Text)}
	if in.ChannelID == "" || in.MessageTS == "" {
		return "", nil, malformed("message shortcut without a channel or message")
	}
	if in.ThreadTS != "" {
		return threadKey(in.TeamID, in.ChannelID, in.ThreadTS), nil, nil
	}
	return in.TeamID + "/" + in.ChannelID, nil, nil
}

// routeShortcut ignores shortcuts the bot does not offer (an older
// manifest's).
func routeShortcut(s *Slack, ctx context.Context, cb slack.InteractionCallback, _ *interactionPayload) (string, *receipt, error) {
	s.log.InfoContext(ctx, "slack: shortcut the bot does not offer; ignored", "callback_id", ident(cb.CallbackID))
	return "", ignored("shortcut " + ident(cb.CallbackID)), nil
}
