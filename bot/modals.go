package bot

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"whatmatters/flows"
)

// The modals the bot opens, their inputs, and the buttons that open them.
// Block and action ids are the bot's own, so a submission is read by them.
const (
	startModalID    = "wm_start_modal"
	settingsModalID = "wm_settings_modal"

	channelBlock    = "wm_channel"
	channelAction   = "channel"
	nameBlock       = "wm_name"
	nameAction      = "name"
	disciplineBlock = "wm_discipline"
	disciplineInput = "discipline"

	digestChannelBlock  = "wm_digest_channel"
	digestChannelAction = "digest_channel"
	digestDayBlock      = "wm_digest_day"
	digestDayAction     = "digest_day"
	digestHourBlock     = "wm_digest_hour"
	digestHourAction    = "digest_hour"
	facilitatorsBlock   = "wm_facilitators"
	facilitatorsAction  = "facilitators"

	homeStartAction    = "wm_home_start"
	homeSettingsAction = "wm_home_settings"

	// maxLabel and maxDiscipline match what the engine accepts.
	maxLabel      = 40
	maxDiscipline = flows.MaxDisciplineRunes
)

// startModal asks where to start a reflection, and about whom: opened from
// the Home tab, which has no channel of its own.
func startModal() slack.ModalViewRequest {
	channel := slack.NewOptionsSelectBlockElement(slack.OptTypeConversations, plain("Choose a channel"), channelAction)
	channel.DefaultToCurrentConversation = true
	channel.Filter = &slack.SelectBlockElementFilter{Include: []string{"public", "private"}, ExcludeBotUsers: true}
	name := slack.NewPlainTextInputBlockElement(plain("e.g. Kestrel"), nameAction)
	name.MaxLength = maxLabel
	return slack.ModalViewRequest{
		Type:       slack.VTModal,
		CallbackID: startModalID,
		Title:      plain("Start a reflection"),
		Submit:     plain("Start"),
		Close:      plain("Cancel"),
		Blocks: slack.Blocks{BlockSet: []slack.Block{
			slack.NewSectionBlock(mrkdwn("The reflection happens in a thread in the channel you choose: I'll post there and ask one question at a time. Invite me to the channel first."), nil, nil),
			slack.NewInputBlock(channelBlock, plain("Channel"), nil, channel),
			slack.NewInputBlock(nameBlock, plain("Pseudonym of the person (optional)"),
				plain("A name the team chooses, never a real name. Leave empty and I'll choose one."), name).WithOptional(true),
		}},
	}
}

// settingsModal asks for the person's discipline and, when they may change
// the team's settings, where and when the weekly digest goes out.
func settingsModal(set flows.Settings) slack.ModalViewRequest {
	in := slack.NewPlainTextInputBlockElement(plain("e.g. district nurse"), disciplineInput)
	in.MaxLength = maxDiscipline
	in.InitialValue = set.Discipline
	discipline := slack.NewInputBlock(disciplineBlock, plain("Your discipline"),
		plain("Shown beside your answers instead of your name."), in)
	blocks := []slack.Block{discipline}
	title := "Your settings"
	if set.MayChangeTeam {
		title = "Settings"
		// A lead may change the digest without ever giving a discipline.
		discipline.Optional = set.Discipline == ""
		channel := slack.NewOptionsSelectBlockElement(slack.OptTypeConversations, plain("No weekly digest"), digestChannelAction)
		channel.Filter = &slack.SelectBlockElementFilter{Include: []string{"public", "private"}, ExcludeBotUsers: true}
		if set.Team.DigestChannel != "" {
			channel.InitialConversation = set.Team.DigestChannel
		}
		days := make([]*slack.OptionBlockObject, 7)
		for i := range days {
			d := time.Weekday((i + 1) % 7) // Monday first
			days[i] = slack.NewOptionBlockObject(strconv.Itoa(int(d)), plain(d.String()), nil)
		}
		day := slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, plain("Day"), digestDayAction, days...)
		day.InitialOption = days[(int(set.Team.DigestDay)+6)%7]
		hours := make([]*slack.OptionBlockObject, 24)
		for h := range hours {
			hours[h] = slack.NewOptionBlockObject(strconv.Itoa(h), plain(fmt.Sprintf("%02d:00", h)), nil)
		}
		hour := slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, plain("Hour"), digestHourAction, hours...)
		if set.Team.DigestHour >= 0 && set.Team.DigestHour < 24 {
			hour.InitialOption = hours[set.Team.DigestHour]
		}
		blocks = append(blocks,
			slack.NewDividerBlock(),
			slack.NewSectionBlock(mrkdwn("*The team's weekly digest*: what recurred in the week's reflections, posted in a channel. Leave the channel empty for no weekly digest."), nil, nil),
			slack.NewInputBlock(digestChannelBlock, plain("Channel"), plain("Invite me to it first."), channel).WithOptional(true),
			slack.NewInputBlock(digestDayBlock, plain("Day"), nil, day),
			slack.NewInputBlock(digestHourBlock, plain("Hour, in the team's timezone"), nil, hour),
			slack.NewDividerBlock(),
		)
		fac := slack.NewOptionsMultiSelectBlockElement(slack.MultiOptTypeUser, plain("Choose people"), facilitatorsAction)
		if len(set.Facilitators) > 0 {
			fac.WithInitialUsers(set.Facilitators...)
		}
		blocks = append(blocks, slack.NewInputBlock(facilitatorsBlock, plain("Facilitators"),
			plain("They may run the team's learning sessions, beside its leads and workspace admins."), fac).WithOptional(true))
	}
	return slack.ModalViewRequest{
		Type:       slack.VTModal,
		CallbackID: settingsModalID,
		Title:      plain(title),
		Submit:     plain("Save"),
		Close:      plain("Cancel"),
		Blocks:     slack.Blocks{BlockSet: blocks},
	}
}

// submission reads a submitted view: the fields the bot asked for, by
// name, and a message for each field that is missing or wrong, keyed by
// block id as Slack's response_action "errors" wants.
func submission(v slack.View) (fields map[string]string, problems map[string]string) {
	get := func(block, action string) (slack.BlockAction, bool) {
		if v.State == nil {
			return slack.BlockAction{}, false
		}
		a, ok := v.State.Values[block][action]
		return a, ok
	}
	fields, problems = map[string]string{}, map[string]string{}
	switch v.CallbackID {
	case startModalID:
		ch, _ := get(channelBlock, channelAction)
		if ch.SelectedConversation == "" {
			problems[channelBlock] = "Choose the channel where the team will reflect."
		}
		fields["channel"] = ch.SelectedConversation
		name, _ := get(nameBlock, nameAction)
		label := flows.CleanText(name.Value)
		if utf8.RuneCountInString(label) > maxLabel {
			problems[nameBlock] = "A pseudonym is a short name, 40 characters at most."
		}
		fields["name"] = label
	case settingsModalID:
		// The engine's own check is applied by the caller, which has it.
		d, _ := get(disciplineBlock, disciplineInput)
		fields["discipline"] = flows.CleanText(d.Value)
		if day, ok := get(digestDayBlock, digestDayAction); ok {
			// The team's part of the form, shown to leads and admins.
			hour, _ := get(digestHourBlock, digestHourAction)
			ch, _ := get(digestChannelBlock, digestChannelAction)
			fields["digest_channel"] = ch.SelectedConversation
			if fac, ok := get(facilitatorsBlock, facilitatorsAction); ok {
				fields["facilitators"] = strings.Join(fac.SelectedUsers, ",")
				fields["facilitators_shown"] = "1"
			}
			fields["digest_day"] = day.SelectedOption.Value
			fields["digest_hour"] = hour.SelectedOption.Value
			if d, err := strconv.Atoi(day.SelectedOption.Value); err != nil || d < 0 || d > 6 {
				problems[digestDayBlock] = "Choose the day the digest goes out."
			}
			if h, err := strconv.Atoi(hour.SelectedOption.Value); err != nil || h < 0 || h > 23 {
				problems[digestHourBlock] = "Choose the hour the digest goes out."
			}
		}
	default:
		return nil, nil
	}
	if len(problems) == 0 {
		problems = nil
	}
	return fields, problems
}
