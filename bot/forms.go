package bot

import (
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"whatmatters/flows"
)

// The "write it in a form" modal: a whole reflection in one form, for
// people who prefer that to a conversation. Opened by /reflect form [KEY]
// or a Home tab button with action_id wm_home_form.
const (
	formModalID    = "wm_form_modal"
	homeFormAction = "wm_home_form"

	formChannelBlock = "wm_form_channel"
	formLabelBlock   = "wm_form_label"
	formStagePrefix  = "wm_form_stage_" // + stage key; + "_more" for the second box
	formInput        = "text"

	// maxInput is the most one plain-text input takes (Slack's limit).
	maxInput = 3000

	// formAnswerField prefixes a stage key among a recorded form's fields.
	formAnswerField = "answer:"
)

// formMeta is what a form modal carries through Slack and back.
type formMeta struct {
	Template string `json:"template"`
}

// formModal builds the modal for a template. Each question has two boxes
// of 3,000 characters, Slack's most for one input: a longer answer carries
// on in the second, and the two are joined, never cut.
func formModal(f flows.Form, channel string) (slack.ModalViewRequest, error) {
	meta, err := json.Marshal(formMeta{Template: f.Template})
	if err != nil {
		return slack.ModalViewRequest{}, fmt.Errorf("encoding a form's metadata: %w", err)
	}
	where := slack.NewOptionsSelectBlockElement(slack.OptTypeConversations, plain("Choose a channel"), channelAction)
	where.DefaultToCurrentConversation = channel == ""
	where.InitialConversation = channel
	where.Filter = &slack.SelectBlockElementFilter{Include: []string{"public", "private"}, ExcludeBotUsers: true}
	label := slack.NewPlainTextInputBlockElement(plain("e.g. Kestrel"), formInput)
	label.MaxLength = maxLabel
	blocks := []slack.Block{
		slack.NewSectionBlock(mrkdwn(EscapeMrkdwn(shorten(f.Title, 150))+"\nWrite as much or as little as you like; leave a question empty to skip it. "+
			"Each box holds 3,000 characters: if you need more, carry on in the box below it. I post the reflection, "+
			"with everything you wrote, in a thread in the channel you choose."), nil, nil),
		slack.NewInputBlock(formChannelBlock, plain("Channel"), nil, where),
	}
	if f.NeedsCase {
		blocks = append(blocks, slack.NewInputBlock(formLabelBlock, plain("Pseudonym of the person"),
			plain("A name the team chooses, never a real name."), label))
	}
	for _, st := range f.Stages {
		first := slack.NewPlainTextInputBlockElement(nil, formInput)
		first.Multiline, first.MaxLength = true, maxInput
		more := slack.NewPlainTextInputBlockElement(nil, formInput)
		more.Multiline, more.MaxLength = true, maxInput
		blocks = append(blocks,
			slack.NewInputBlock(formStagePrefix+st.Key, plain(shorten(st.Title, 150)), plain(shorten(st.Question, 1900)), first).WithOptional(true),
			slack.NewInputBlock(formStagePrefix+st.Key+"_more", plain(shorten(st.Title+" (continued)", 150)), nil, more).WithOptional(true),
		)
	}
	return slack.ModalViewRequest{
		Type: slack.VTModal, CallbackID: formModalID, PrivateMetadata: string(meta),
		Title: plain("Write a reflection"), Submit: plain("Post it"), Close: plain("Cancel"),
		Blocks: slack.Blocks{BlockSet: blocks},
	}, nil
}

// formSubmission reads a submitted form modal into the engine's terms,
// with problems the modal can show at once (keyed by block id): a missing
// channel, and whatever the engine finds wrong.
func formSubmission(v slack.View, team, user string, eng *flows.Engine) (flows.FormSubmission, map[string]string) {
	var meta formMeta
	_ = json.Unmarshal([]byte(v.PrivateMetadata), &meta)
	get := func(block, action string) slack.BlockAction {
		if v.State == nil {
			return slack.BlockAction{}
		}
		return v.State.Values[block][action]
	}
	sub := flows.FormSubmission{
		Actor:    flows.Actor{TeamID: team, UserID: user},
		Channel:  get(formChannelBlock, channelAction).SelectedConversation,
		Template: meta.Template,
		Label:    get(formLabelBlock, formInput).Value,
		Answers:  map[string]string{},
	}
	problems := map[string]string{}
	if sub.Channel == "" {
		problems[formChannelBlock] = "Choose the channel where the reflection should go."
	}
	stageBlocks := map[string]bool{}
	if v.State != nil {
		for block := range v.State.Values {
			if key, ok := strings.CutPrefix(block, formStagePrefix); ok {
				stageBlocks[strings.TrimSuffix(key, "_more")] = true
			}
		}
	}
	for key := range stageBlocks {
		block := formStagePrefix + key
		text := get(block, formInput).Value
		more := get(block+"_more", formInput).Value
		switch {
		case strings.TrimSpace(more) == "":
		case utf8.RuneCountInString(text) >= maxInput:
			// The first box was full: the story carries straight on.
			text += more
		case strings.TrimSpace(text) == "":
			text = more
		default:
			text = strings.TrimRight(text, " \t\n") + "\n\n" + strings.TrimLeft(more, " \t\n")
		}
		sub.Answers[key] = text
	}
	for field, msg := range eng.FormProblems(sub) {
		switch {
		case field == "label":
			problems[formLabelBlock] = msg
		case stageBlocks[field]:
			problems[formStagePrefix+field] = msg
		default:
			problems[formChannelBlock] = msg
		}
	}
	if len(problems) == 0 {
		problems = nil
	}
	return sub, problems
}
