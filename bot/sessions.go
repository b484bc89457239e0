package bot

import (
	"context"
	"strconv"

	"github.com/slack-go/slack"

	"whatmatters/flows"
)

// The learning session form: opened by /reflect session in a channel, for
// the team's facilitators, leads and admins.
const (
	sessionModalID = "wm_session_modal"

	sessionTemplateBlock  = "wm_session_template"
	sessionTemplateAction = "template"
	sessionSubjectBlock   = "wm_session_subject"
	sessionSubjectAction  = "subject"
	sessionMinutesBlock   = "wm_session_minutes"
	sessionMinutesAction  = "minutes"
	sessionPaceBlock      = "wm_session_pace"
	sessionPaceAction     = "pace"

	homeActionDone = "wm_action_done"
	// markActionShortcut is the message shortcut "Mark as agreed action".
	markActionShortcut = "wm_mark_action"
)

// sessionMinutes are the lengths the form offers.
var sessionMinutes = []int{15, 20, 30, 45, 60, 90}

// sessionModal asks how to run a session in channel; subject is what
// followed /reflect session, offered as the case or theme.
func sessionModal(templates []flows.SessionTemplate, channel, subject string) slack.ModalViewRequest {
	var opts []*slack.OptionBlockObject
	var initial *slack.OptionBlockObject
	for _, t := range templates {
		o := slack.NewOptionBlockObject(t.Key, plain(shorten(t.Name, 70)), nil)
		opts = append(opts, o)
		if initial == nil || t.Key == "theme" && subject != "" || t.Key == "case" && subject == "" {
			initial = o
		}
	}
	tpl := slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, plain("Choose"), sessionTemplateAction, opts...)
	tpl.InitialOption = initial
	subj := slack.NewPlainTextInputBlockElement(plain("e.g. Kestrel, or: families at the bedside"), sessionSubjectAction)
	subj.MaxLength = maxLabel * 2
	subj.InitialValue = subject
	var mins []*slack.OptionBlockObject
	for _, m := range sessionMinutes {
		mins = append(mins, slack.NewOptionBlockObject(strconv.Itoa(m), plain(strconv.Itoa(m)+" minutes"), nil))
	}
	length := slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, plain("Length"), sessionMinutesAction, mins...)
	length.InitialOption = mins[2]
	timed := slack.NewOptionBlockObject("timed", plain("On a timer"), plain("Each stage moves on at its time, with a minute's warning"))
	manual := slack.NewOptionBlockObject("manual", plain("When I say"), plain("Stages move on only when you press Next"))
	pace := slack.NewRadioButtonsBlockElement(sessionPaceAction, timed, manual)
	pace.InitialOption = timed
	return slack.ModalViewRequest{
		Type:            slack.VTModal,
		CallbackID:      sessionModalID,
		PrivateMetadata: channel,
		Title:           plain("Learning session"),
		Submit:          plain("Open it"),
		Close:           plain("Cancel"),
		Blocks: slack.Blocks{BlockSet: []slack.Block{
			slack.NewSectionBlock(mrkdwn("I'll post the session in this channel and ask each stage's question in its thread, keeping time and the record. You lead it."), nil, nil),
			slack.NewInputBlock(sessionTemplateBlock, plain("Kind of session"), nil, tpl),
			slack.NewInputBlock(sessionSubjectBlock, plain("The case or theme"), plain("A case's pseudonym, never a real name, or a theme from the digest."), subj).WithOptional(true),
			slack.NewInputBlock(sessionMinutesBlock, plain("Length"), nil, length),
			slack.NewInputBlock(sessionPaceBlock, plain("Stages move on"), nil, pace),
		}},
	}
}

// sessionSubmission reads the session form.
func sessionSubmission(v slack.View) (fields, problems map[string]string) {
	get := func(block, action string) slack.BlockAction {
		if v.State == nil {
			return slack.BlockAction{}
		}
		return v.State.Values[block][action]
	}
	fields = map[string]string{
		"channel":  v.PrivateMetadata,
		"template": get(sessionTemplateBlock, sessionTemplateAction).SelectedOption.Value,
		"subject":  flows.CleanText(get(sessionSubjectBlock, sessionSubjectAction).Value),
		"minutes":  get(sessionMinutesBlock, sessionMinutesAction).SelectedOption.Value,
		"manual":   strconv.FormatBool(get(sessionPaceBlock, sessionPaceAction).SelectedOption.Value == "manual"),
	}
	problems = map[string]string{}
	if fields["template"] == "" {
		problems[sessionTemplateBlock] = "Choose the kind of session."
	}
	if n, err := strconv.Atoi(fields["minutes"]); err != nil || n < 5 || n > 240 {
		problems[sessionMinutesBlock] = "Choose how long the session lasts."
	}
	if fields["channel"] == "" {
		problems[sessionTemplateBlock] = "Open the form with /reflect session in the channel the session is for."
	}
	if len(problems) == 0 {
		problems = nil
	}
	return fields, problems
}

// sessionReceipt opens the session form for a facilitator. For anyone
// else it returns false, and the command goes on to the engine, which
// refuses kindly.
func (s *Slack) sessionReceipt(ctx context.Context, c commandPayload, subject string) (receipt, bool, error) {
	eng := s.engineOn(s.store)
	ok, err := eng.MayFacilitate(ctx, s.actor(ctx, c.TeamID, c.UserID, c.UserTeam))
	if err != nil || !ok {
		return receipt{}, false, err
	}
	m := sessionModal(eng.SessionTemplates(), c.ChannelID, subject)
	return receipt{kind: kindCommand, modal: &m, trigger: c.TriggerID, ignored: "session form opened"}, true, nil
}
