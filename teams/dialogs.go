package teams

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"whatmatters/flows"
)

// Dialogs (task modules): Teams' forms, where Slack has modals.
//
// A button that opens a dialog is an Action.Submit whose data carries
// msteams {type: "task/fetch"} beside {action: <dialog id>, value: <its
// argument>} (DialogButton). Pressing it sends a task/fetch invoke, which
// must be answered in the HTTP response, within a few seconds, with the
// dialog (DialogFetch): {"task":{"type":"continue","value":{title, height,
// width, card: {contentType: application/vnd.microsoft.card.adaptive,
// content: <card>}}}}. The dialog's own Action.Submit sends a task/submit
// invoke whose value.data is that button's data merged with the inputs,
// keyed by input id (ReadSubmission); it is answered with
// {"task":{"type":"message","value":"…"}} (DialogAccepted) or with the
// dialog again, its values kept and what to fix said beside each field
// (DialogFix).
//
// Everything here is data in, data out: the adapter gathers the engine's
// read-only state, renders, reads, and hands the submission on to the
// inbox. Nothing here writes.
//
// Sources: msteams-docs task-modules-bots.md ("Invoking a task module via
// task/fetch", "The flexibility of task/submit", "Payload of task/fetch and
// task/submit messages", and "Bot Framework card actions vs. Adaptive card
// Action.Submit actions" for the msteams object); the SDKs'
// TaskModuleTaskInfo (title; height and width a number of pixels or
// "small", "medium", "large"; card an attachment), TaskModuleContinueResponse
// and TaskModuleMessageResponse (botbuilder, microsoft/teams.ts); the
// Adaptive Cards schema explorer for Input.Text (maxLength is a hint "may
// be ignored by some clients", so lengths are checked again here),
// Input.ChoiceSet (a multi-select's value is the chosen values joined by
// commas, so no value holds a comma; style "filtered", 1.5) and the inputs'
// label, isRequired and errorMessage (1.3); Action.Submit's data ("sent
// back to the Bot as is, alongside the values of the inputs expressed as
// key/value pairs where the key is the Id of the input", Teams SDK
// SubmitAction); msteams-docs people-picker.md (choices.data Data.Query
// "graph.microsoft.com/users", supported in dialogs; the value is the
// chosen people's Entra object ids joined by commas).

// DialogID names a dialog: the value of "action" in the data of the button
// that opens it and of the dialog's submit button.
type DialogID string

// The dialogs the adapter opens. Each is one of Slack's modals, except
// DialogAnswer, Teams' third way to answer (docs/teams.md: RSC, @mention,
// or a dialog).
const (
	// DialogStart: start a reflection (kind, pseudonym; the channel when
	// opened outside one). Slack: startModal, opened from Home.
	DialogStart DialogID = "start"
	// DialogWrite: a whole reflection written in one form. Value: the
	// template's key. Slack: formModal.
	DialogWrite DialogID = "form"
	// DialogSettings: the person's discipline and, for leads and admins,
	// the weekly digest and the facilitators. Slack: settingsModal.
	DialogSettings DialogID = "settings"
	// DialogSession: open a learning session in the channel. Value: the
	// case or theme offered. Slack: sessionModal.
	DialogSession DialogID = "session"
	// DialogOutcome: a case's record of what happened. Value: the case's
	// id. Slack: outcomeModal. Same name as flows.ActionOutcome.
	DialogOutcome DialogID = "outcome"
	// DialogAnswer: answer a reflection's question in a form. Value: the
	// reflection's id (teams/testdata/invoke_task_fetch.json).
	DialogAnswer DialogID = "answer"
)

// Dialogs lists every dialog, in a stable order.
var Dialogs = []DialogID{DialogStart, DialogWrite, DialogSettings, DialogSession, DialogOutcome, DialogAnswer}

// Keys of a dialog's hidden data: the submit button's data, merged with the
// inputs by Teams. No input uses them as its id.
const (
	dlgKeyAction   = "action"
	dlgKeyValue    = "value"
	dlgKeyMSTeams  = "msteams"
	dlgKeyTeamPart = "team_part" // settings: the team's part was shown
)

// Input ids. A stage of DialogWrite is DialogStagePrefix + the stage's key.
const (
	FieldChannel       = "channel"
	FieldTemplate      = "template"
	FieldLabel         = "label"
	FieldDiscipline    = "discipline"
	FieldDigestChannel = "digest_channel"
	FieldDigestDay     = "digest_day"
	FieldDigestHour    = "digest_hour"
	FieldFacilitators  = "facilitators"
	FieldSubject       = "subject"
	FieldMinutes       = "minutes"
	FieldPace          = "pace"
	FieldAnswer        = "answer"
	DialogStagePrefix  = "stage_"
	// FieldGeneral keys a problem that belongs to no one field; it is
	// shown at the top of the dialog.
	FieldGeneral = ""
)

// Limits, in characters, matching what the engine accepts.
const (
	// MaxPseudonymRunes is flows' pseudonym rule (pseudonym.go: "A
	// pseudonym is a short name, 40 characters at most"); Slack's forms
	// use the same.
	MaxPseudonymRunes = 40
	// MaxSubjectRunes is a session's case or theme: Slack's form allows
	// twice a pseudonym.
	MaxSubjectRunes = 2 * MaxPseudonymRunes
	// dlgMaxIDBytes bounds anything that is an id rather than text: a choice's
	// value, a button's value.
	dlgMaxIDBytes = 256
	// dlgMaxChoices bounds a choice set built from values passed in, so the
	// dialog stays well within a card's size.
	dlgMaxChoices = 100
	// dlgMaxChoiceTitle bounds a choice's title, in characters.
	dlgMaxChoiceTitle = 60
)

// SessionMinutes are the lengths the session dialog offers (Slack's too).
var SessionMinutes = []int{15, 20, 30, 45, 60, 90}

// Session paces.
const (
	PaceTimed  = "timed"
	PaceManual = "manual"
)

// ChannelChoice is a channel a dialog offers: the engine's channel id
// ("19:…@thread.tacv2") and its name. Private channels are never offered:
// bots cannot post in them.
type ChannelChoice struct {
	ID, Name string
	Private  bool
}

// AnswerQuestion is what the answer dialog asks.
type AnswerQuestion struct {
	// Reflection is the reflection's title, Stage the question's title
	// and Question its text.
	Reflection, Stage, Question string
}

// Dialog is everything a dialog shows, gathered by the adapter from the
// engine's read-only state. Only the fields of its ID are read.
type Dialog struct {
	ID DialogID
	// Value is carried back in the submission: DialogWrite the template's
	// key, DialogOutcome the case's id, DialogAnswer the reflection's id,
	// DialogSession the case or theme it was opened with.
	Value string
	// InChannel is true when the dialog was opened in a channel (its
	// reflection or session goes there); false in the 1:1 chat, where
	// DialogStart and DialogWrite ask for a channel from Channels.
	InChannel bool
	// Channels are the channels a reflection may be started in, or the
	// digest posted in.
	Channels []ChannelChoice

	// DialogStart: the kinds of reflection (flows.Home.Templates).
	Templates []flows.HomeTemplate
	// DialogWrite: the template's questions (flows.Engine.FormFor).
	Form flows.Form
	// DialogSettings: the person's settings (flows.Engine.SettingsFor),
	// and names for the current facilitators (Entra object id to name).
	Settings   flows.Settings
	PeopleName func(userID string) string
	// DialogSession: the kinds of session (flows.Engine.SessionTemplates).
	SessionTemplates []flows.SessionTemplate
	// DialogOutcome: the case, its record and the weeks offered
	// (flows.Engine.OutcomeFor, OutcomeWeeks).
	Case    flows.Case
	Outcome flows.Outcome
	Weeks   []flows.OutcomeChoice
	// DialogAnswer: the question.
	Question AnswerQuestion

	// Values pre-fill inputs by id (a submission shown again); Problems
	// are shown beside their inputs (FieldGeneral at the top).
	Values   map[string]string
	Problems map[string]string
}

// dialogInfo is what each dialog is: its title, size, submit button and the
// message that closes it.
type dialogInfo struct {
	title, submit  string
	width, height  string
	accepted       string
	needsInChannel bool
}

var dialogInfos = map[DialogID]dialogInfo{
	DialogStart: {title: "Start a reflection", submit: "Start", width: "medium", height: "medium",
		accepted: "Thank you. I'll post the reflection in the channel and ask the first question in its thread."},
	DialogWrite: {title: "Write a reflection", submit: "Post it", width: "large", height: "large",
		accepted: "Thank you. I'll post your reflection in the channel, with everything you wrote in its thread."},
	DialogSettings: {title: "Settings", submit: "Save", width: "medium", height: "large",
		accepted: "Thank you. I'll save your settings and tell you here if anything could not be changed."},
	DialogSession: {title: "Learning session", submit: "Open it", width: "medium", height: "large", needsInChannel: true,
		accepted: "Thank you. I'll open the session in this channel and ask each stage's question in its thread."},
	DialogOutcome: {title: "What happened", submit: "Save", width: "large", height: "large",
		accepted: "Thank you. I'll save the record and say so in the thread."},
	DialogAnswer: {title: "Answer", submit: "Send", width: "medium", height: "medium",
		accepted: "Thank you. I'll add your answer to the reflection's thread."},
}

// Errors of reading a dialog invoke. None of them carries what people
// wrote, so they are safe to log.
var (
	ErrNotDialog     = errors.New("teams: not a dialog invoke")
	ErrUnknownDialog = errors.New("teams: unknown dialog")
	ErrDialogData    = errors.New("teams: dialog data not as sent")
)

// DialogProblems is a submission that cannot go on as it is: a kind
// message for each field to fix (FieldGeneral for the whole form), to show
// with DialogFix. Its Error names the fields, never their text.
type DialogProblems struct {
	Dialog   DialogID
	Problems map[string]string
}

func (e *DialogProblems) Error() string {
	fields := make([]string, 0, len(e.Problems))
	for f := range e.Problems {
		if f == FieldGeneral {
			f = "(form)"
		}
		fields = append(fields, ident(f))
	}
	sort.Strings(fields)
	return fmt.Sprintf("teams: dialog %s needs fixing: %s", ident(string(e.Dialog)), strings.Join(fields, ", "))
}

// DialogForAction is the dialog a button of the engine's replies opens
// rather than acting at once: flows.ActionOutcome opens the outcome record,
// flows.ActionDiscuss a session on the theme. Such buttons must be
// rendered with DialogButton (Action.Execute cannot open a dialog).
func DialogForAction(action string) (DialogID, bool) {
	switch action {
	case flows.ActionOutcome:
		return DialogOutcome, true
	case flows.ActionDiscuss:
		return DialogSession, true
	}
	if _, ok := dialogInfos[DialogID(action)]; ok {
		return DialogID(action), true
	}
	return "", false
}

// dialogButton is an Action.Submit that opens a dialog.
type dialogButton struct {
	Type  string         `json:"type"`
	Title string         `json:"title"`
	Style string         `json:"style,omitempty"`
	Data  map[string]any `json:"data"`
}

// DialogButton is the card action that opens dialog id with value: an
// Action.Submit whose data carries msteams {type: task/fetch}, so that
// Teams sends a task/fetch invoke with that data (msteams-docs
// task-modules-bots.md). It marshals to the action's JSON.
func DialogButton(title string, id DialogID, value string) any {
	data := map[string]any{dlgKeyMSTeams: map[string]string{"type": InvokeTaskFetch}, dlgKeyAction: string(id)}
	if value != "" {
		data[dlgKeyValue] = value
	}
	return dialogButton{Type: "Action.Submit", Title: title, Data: data}
}

// DialogOpen is a task/fetch read: which dialog, with what value, opened
// where.
type DialogOpen struct {
	Dialog DialogID
	Value  string
	// Channel and Thread: the channel (and reply chain) it was opened in,
	// from the activity's conversation; empty outside channels.
	Channel, Thread string
	// Personal is true in the person's 1:1 chat with the bot.
	Personal bool
}

// ReadDialogOpen reads a task/fetch invoke: the dialog its button names
// (DialogForAction), refusing any other, and where it was opened. The
// adapter then gathers the dialog's state and answers with DialogFetch.
func ReadDialogOpen(a *Activity) (DialogOpen, error) {
	if a == nil || a.Type != TypeInvoke || a.Name != InvokeTaskFetch {
		return DialogOpen{}, ErrNotDialog
	}
	data, err := dlgData(a)
	if err != nil {
		return DialogOpen{}, err
	}
	action, value, err := dlgHidden(data)
	if err != nil {
		return DialogOpen{}, err
	}
	id, ok := DialogForAction(action)
	if !ok {
		return DialogOpen{}, fmt.Errorf("%w: %s", ErrUnknownDialog, ident(action))
	}
	o := DialogOpen{Dialog: id, Value: value}
	o.Channel, o.Thread, o.Personal = dlgWhere(a)
	return o, nil
}

// dialogWhere is where a dialog invoke comes from, as Teams says it (the
// activity's conversation), never as the card's data says it.
func dlgWhere(a *Activity) (channel, thread string, personal bool) {
	switch a.ConversationType() {
	case ConversationChannel:
		return RootConversationID(a.Conversation.ID), ThreadRoot(a.Conversation.ID), false
	case ConversationPersonal:
		return "", "", true
	}
	return "", "", false
}

func dlgData(a *Activity) (map[string]json.RawMessage, error) {
	req, err := a.TaskRequest()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrDialogData, err)
	}
	var data map[string]json.RawMessage
	if len(req.Data) == 0 || json.Unmarshal(req.Data, &data) != nil || data == nil {
		return nil, fmt.Errorf("%w: value.data is not an object", ErrDialogData)
	}
	return data, nil
}

// hiddenAction reads the dialog's id and value, both the bot's own: ids,
// never text, so anything else is refused.
func dlgHidden(data map[string]json.RawMessage) (action, value string, err error) {
	if err := json.Unmarshal(data[dlgKeyAction], &action); err != nil || action == "" {
		return "", "", fmt.Errorf("%w: no action", ErrDialogData)
	}
	if raw, ok := data[dlgKeyValue]; ok {
		if err := json.Unmarshal(raw, &value); err != nil {
			return "", "", fmt.Errorf("%w: value is not a string", ErrDialogData)
		}
	}
	if !dlgIDLike(action) || (value != "" && !dlgTextLike(value, dlgMaxIDBytes)) {
		return "", "", fmt.Errorf("%w: action or value not as sent", ErrDialogData)
	}
	return action, value, nil
}

// idLike reports whether s could be one of the bot's ids.
func dlgIDLike(s string) bool {
	if s == "" || len(s) > dlgMaxIDBytes {
		return false
	}
	for _, r := range s {
		if r > unicode.MaxASCII || unicode.IsSpace(r) || unicode.IsControl(r) || r == ',' {
			return false
		}
	}
	return true
}

// textLike reports whether s is short, valid text without control
// characters: a value the bot itself put in a card.
func dlgTextLike(s string, maxBytes int) bool {
	return len(s) <= maxBytes && utf8.ValidString(s) && dlgControls(s, false) == 0
}

// DialogFetch answers a task/fetch with the dialog d.
func DialogFetch(d Dialog) (InvokeResponse, error) {
	info, ok := dialogInfos[d.ID]
	if !ok {
		return InvokeResponse{}, fmt.Errorf("%w: %s", ErrUnknownDialog, ident(string(d.ID)))
	}
	content, err := DialogCard(d)
	if err != nil {
		return InvokeResponse{}, err
	}
	return TaskContinue(info.title, content, info.width, info.height), nil
}

// DialogFix answers a task/submit that cannot go on: the dialog again, with
// what was submitted kept in its inputs and each problem said beside its
// field. Nothing has been changed; the message at the top says so.
func DialogFix(d Dialog, sub Submission, problems map[string]string) (InvokeResponse, error) {
	d.Values = map[string]string{}
	for k, v := range sub.Fields {
		d.Values[k] = v
	}
	d.Problems = problems
	if d.Value == "" {
		d.Value = sub.Value
	}
	return DialogFetch(d)
}

// DialogAccepted closes a dialog whose submission was taken (recorded for
// the engine), with a message saying what happens next.
func DialogAccepted(id DialogID) InvokeResponse {
	info, ok := dialogInfos[id]
	if !ok {
		return TaskMessage("Thank you.")
	}
	return TaskMessage(info.accepted)
}

// DialogClosed closes a dialog that cannot be shown or submitted any more
// (a case gone, a reflection closed), saying why kindly. text is the bot's
// own, never what someone wrote.
func DialogClosed(text string) InvokeResponse { return TaskMessage(text) }

// The parts of a dialog card.
type dlgCard struct {
	Type    string      `json:"type"`
	Schema  string      `json:"$schema"`
	Version string      `json:"version"`
	Body    []any       `json:"body"`
	Actions []dlgSubmit `json:"actions,omitempty"`
}

type dlgText struct {
	Type      string   `json:"type"`
	ID        string   `json:"id,omitempty"`
	Inlines   []dlgRun `json:"inlines"`
	Spacing   string   `json:"spacing,omitempty"`
	Separator bool     `json:"separator,omitempty"`
}

type dlgRun struct {
	Type     string `json:"type"`
	Text     string `json:"text"`
	Weight   string `json:"weight,omitempty"`
	Size     string `json:"size,omitempty"`
	Color    string `json:"color,omitempty"`
	IsSubtle bool   `json:"isSubtle,omitempty"`
	Italic   bool   `json:"italic,omitempty"`
}

type dlgInput struct {
	Type          string       `json:"type"`
	ID            string       `json:"id"`
	Label         string       `json:"label"`
	IsRequired    bool         `json:"isRequired,omitempty"`
	ErrorMessage  string       `json:"errorMessage,omitempty"`
	Placeholder   string       `json:"placeholder,omitempty"`
	Value         string       `json:"value,omitempty"`
	MaxLength     int          `json:"maxLength,omitempty"`
	IsMultiline   bool         `json:"isMultiline,omitempty"`
	Style         string       `json:"style,omitempty"`
	Choices       []dlgChoice  `json:"choices,omitempty"`
	ChoicesData   *dlgDataQery `json:"choices.data,omitempty"`
	IsMultiSelect bool         `json:"isMultiSelect,omitempty"`
	Wrap          bool         `json:"wrap,omitempty"`
	Spacing       string       `json:"spacing,omitempty"`
}

type dlgChoice struct {
	Title string `json:"title"`
	Value string `json:"value"`
}

type dlgDataQery struct {
	Type    string `json:"type"`
	Dataset string `json:"dataset"`
}

type dlgSubmit struct {
	Type  string         `json:"type"`
	Title string         `json:"title"`
	Style string         `json:"style,omitempty"`
	Data  map[string]any `json:"data"`
}

// DialogCard is the Adaptive Card a dialog shows: version 1.5 inputs with
// ids, labels, isRequired and maxLength, and one Action.Submit whose data
// names the dialog (and its value). Text the bot did not write (names,
// titles, questions) goes into TextRuns and choice titles, through plain.
func DialogCard(d Dialog) (json.RawMessage, error) {
	info, ok := dialogInfos[d.ID]
	if !ok {
		return nil, fmt.Errorf("%w: %s", ErrUnknownDialog, ident(string(d.ID)))
	}
	// Channels are offered up to dlgMaxChoices, fewer when that would not
	// fit: the adapter passes the likeliest first.
	for limit := dlgMaxChoices; ; limit /= 2 {
		out, err := dlgRender(d, info, limit)
		if err != nil {
			return nil, err
		}
		if utf16Bytes(out) <= MaxCardBytes {
			return out, nil
		}
		if limit <= 10 {
			return nil, fmt.Errorf("teams: dialog %s does not fit in a card", d.ID)
		}
	}
}

func dlgRender(d Dialog, info dialogInfo, channelLimit int) (json.RawMessage, error) {
	b := &dlgBuilder{d: d, channelLimit: channelLimit}
	if len(d.Problems) > 0 {
		msg := "Please check what is marked below: nothing has been saved yet."
		if p := d.Problems[FieldGeneral]; p != "" {
			msg = p + " Nothing has been saved yet."
		}
		b.body = append(b.body, dlgText{Type: "RichTextBlock", ID: "problems",
			Inlines: []dlgRun{{Type: "TextRun", Text: plain(msg), Color: "attention", Weight: "bolder"}}})
	}
	data := map[string]any{dlgKeyAction: string(d.ID)}
	if d.Value != "" {
		data[dlgKeyValue] = d.Value
	}
	submit := true
	switch d.ID {
	case DialogStart:
		submit = b.start()
	case DialogWrite:
		submit = b.write()
	case DialogSettings:
		if b.settings() {
			data[dlgKeyTeamPart] = "1"
		}
	case DialogSession:
		submit = b.session()
	case DialogOutcome:
		b.outcome()
	case DialogAnswer:
		b.answer()
	}
	c := dlgCard{Type: "AdaptiveCard", Schema: cardSchema, Version: CardVersion, Body: b.body}
	if submit {
		c.Actions = []dlgSubmit{{Type: "Action.Submit", Title: info.submit, Style: "positive", Data: data}}
	}
	return dlgEncode(c)
}

func dlgEncode(v any) (json.RawMessage, error) {
	var buf strings.Builder
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return json.RawMessage(strings.TrimRight(buf.String(), "\n")), nil
}

type dlgBuilder struct {
	d            Dialog
	body         []any
	channelLimit int
}

func (b *dlgBuilder) text(s string) {
	b.body = append(b.body, dlgText{Type: "RichTextBlock", Inlines: []dlgRun{{Type: "TextRun", Text: plain(s)}}})
}

func (b *dlgBuilder) heading(s string) {
	b.body = append(b.body, dlgText{Type: "RichTextBlock", Spacing: "medium",
		Inlines: []dlgRun{{Type: "TextRun", Text: plain(s), Weight: "bolder"}}})
}

// input adds in, pre-filled from Values when they have it, and the
// problem for it after it.
func (b *dlgBuilder) input(in dlgInput) {
	if v, ok := b.d.Values[in.ID]; ok {
		in.Value = v
	}
	in.Label = plain(in.Label)
	in.Placeholder = plain(in.Placeholder)
	b.body = append(b.body, in)
	if p := b.d.Problems[in.ID]; p != "" {
		b.body = append(b.body, dlgText{Type: "RichTextBlock", ID: "problem_" + in.ID,
			Inlines: []dlgRun{{Type: "TextRun", Text: plain(p), Color: "attention"}}})
	}
}

func dlgTextInput(id, label string, required bool, maxRunes int) dlgInput {
	in := dlgInput{Type: "Input.Text", ID: id, Label: label, IsRequired: required, MaxLength: maxRunes}
	if required {
		in.ErrorMessage = "Please fill this in."
	}
	return in
}

func dlgChoiceInput(id, label string, required bool, choices []dlgChoice) dlgInput {
	in := dlgInput{Type: "Input.ChoiceSet", ID: id, Label: label, IsRequired: required, Choices: choices, Style: "compact", Wrap: true}
	if len(choices) > 10 {
		in.Style = "filtered" // a searchable list (1.5)
	}
	if required {
		in.ErrorMessage = "Please choose one."
	}
	return in
}

// choice is a choice of a set: its title shortened and made plain, its
// value kept as it is (an id).
func dlgChoiceOf(title, value string) dlgChoice {
	return dlgChoice{Title: plain(dlgShort(strings.TrimSpace(title), dlgMaxChoiceTitle)), Value: value}
}

// shortRunes keeps at most n characters of s, ending with "…" when cut.
func dlgShort(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return strings.TrimRightFunc(string(r[:n-1]), unicode.IsSpace) + "…"
}

// channelChoices are the channels a dialog offers: never a private one,
// none whose id could not come back in a choice, at most dlgMaxChoices.
func dlgChannelChoices(chs []ChannelChoice, limit int) []dlgChoice {
	var out []dlgChoice
	for _, ch := range chs {
		if ch.Private || !dlgIDLike(ch.ID) || len(out) == limit {
			continue
		}
		name := ch.Name
		if strings.TrimSpace(name) == "" {
			name = ch.ID
		}
		out = append(out, dlgChoiceOf("#"+strings.TrimPrefix(name, "#"), ch.ID))
	}
	return out
}

// channelInput adds the channel to post in, when the dialog was opened
// outside a channel; false when there is none to choose (the dialog then
// explains, and offers no submit).
func (b *dlgBuilder) channelInput(id, label string) bool {
	chs := dlgChannelChoices(b.d.Channels, b.channelLimit)
	if len(chs) == 0 {
		b.text("I'm not in any channel you can choose yet. Add me to a team, then try again from one of its channels: " +
			"say reflect after @mentioning me there. (Bots cannot post in private channels.)")
		return false
	}
	b.input(dlgChoiceInput(id, label, true, chs))
	return true
}

func (b *dlgBuilder) start() bool {
	b.text("The reflection happens in a reply chain in the channel: I'll post there and ask one question at a time.")
	if !b.d.InChannel && !b.channelInput(FieldChannel, "Channel") {
		return false
	}
	var kinds []dlgChoice
	initial := ""
	for _, t := range b.d.Templates {
		if !dlgIDLike(t.Key) || len(kinds) == dlgMaxChoices {
			continue
		}
		kinds = append(kinds, dlgChoiceOf(t.Name, t.Key))
		if t.Key == "case" || initial == "" {
			initial = t.Key
		}
	}
	if len(kinds) > 0 {
		in := dlgChoiceInput(FieldTemplate, "Kind of reflection", true, kinds)
		in.Value = initial
		b.input(in)
	}
	name := dlgTextInput(FieldLabel, "Pseudonym of the person (optional)", false, MaxPseudonymRunes)
	name.Placeholder = "e.g. Kestrel: a name the team chooses, never a real name"
	b.input(name)
	return true
}

func (b *dlgBuilder) write() bool {
	f := b.d.Form
	b.heading(f.Title)
	b.text("Write as much or as little as you like; leave a question empty to skip it. " +
		"I post the reflection, with everything you wrote, in a reply chain in the channel.")
	if !b.d.InChannel && !b.channelInput(FieldChannel, "Channel") {
		return false
	}
	if f.NeedsCase {
		name := dlgTextInput(FieldLabel, "Pseudonym of the person", true, MaxPseudonymRunes)
		name.Placeholder = "A name the team chooses, never a real name"
		b.input(name)
	}
	for _, st := range f.Stages {
		if !dlgIDLike(st.Key) {
			continue
		}
		if q := strings.TrimSpace(st.Question); q != "" {
			b.heading(st.Title)
			b.text(q)
		}
		in := dlgTextInput(DialogStagePrefix+st.Key, st.Title, false, flows.MaxAnswerRunes)
		in.IsMultiline = true
		b.input(in)
	}
	return true
}

// settings adds the person's part and, for leads and admins, the team's;
// true when the team's part is shown.
func (b *dlgBuilder) settings() bool {
	set := b.d.Settings
	// A lead may change the digest without ever giving a discipline.
	d := dlgTextInput(FieldDiscipline, "Your discipline", !set.MayChangeTeam || set.Discipline != "", flows.MaxDisciplineRunes)
	d.Placeholder = "e.g. district nurse: shown beside your answers instead of your name"
	d.Value = set.Discipline
	b.input(d)
	if !set.MayChangeTeam {
		return false
	}
	b.heading("The team's weekly digest")
	b.text("What recurred in the week's reflections, posted in a channel. Leave the channel empty for no weekly digest.")
	ch := dlgChoiceInput(FieldDigestChannel, "Channel", false, dlgChannelChoices(b.d.Channels, b.channelLimit))
	ch.Placeholder = "No weekly digest"
	if set.Team.DigestChannel != "" && slices.ContainsFunc(ch.Choices, func(c dlgChoice) bool { return c.Value == set.Team.DigestChannel }) {
		ch.Value = set.Team.DigestChannel
	}
	b.input(ch)
	days := make([]dlgChoice, 7)
	for i := range days {
		wd := time.Weekday((i + 1) % 7) // Monday first
		days[i] = dlgChoiceOf(wd.String(), strconv.Itoa(int(wd)))
	}
	day := dlgChoiceInput(FieldDigestDay, "Day", true, days)
	day.Value = strconv.Itoa(int(set.Team.DigestDay))
	b.input(day)
	hours := make([]dlgChoice, 24)
	for h := range hours {
		hours[h] = dlgChoiceOf(fmt.Sprintf("%02d:00", h), strconv.Itoa(h))
	}
	hour := dlgChoiceInput(FieldDigestHour, "Hour, in the team's timezone", true, hours)
	if set.Team.DigestHour >= 0 && set.Team.DigestHour < 24 {
		hour.Value = strconv.Itoa(set.Team.DigestHour)
	}
	b.input(hour)
	b.heading("Facilitators")
	b.text("They may run the team's learning sessions, beside its leads and admins.")
	// A people picker (Data.Query over the organisation's people); the
	// current facilitators are its static choices, so that each is shown
	// by name and kept unless removed.
	var current []dlgChoice
	var ids []string
	for _, u := range set.Facilitators {
		if !IsGUID(u) {
			continue
		}
		name := ""
		if b.d.PeopleName != nil {
			name = b.d.PeopleName(u)
		}
		if strings.TrimSpace(name) == "" {
			name = "someone no longer listed"
		}
		current = append(current, dlgChoiceOf(name, u))
		ids = append(ids, u)
	}
	fac := dlgChoiceInput(FieldFacilitators, "Facilitators", false, current)
	fac.Style = ""
	fac.IsMultiSelect = true
	fac.ChoicesData = &dlgDataQery{Type: "Data.Query", Dataset: "graph.microsoft.com/users"}
	fac.Value = strings.Join(ids, ",")
	if fac.Choices == nil {
		fac.Choices = []dlgChoice{}
	}
	b.input(fac)
	return true
}

func (b *dlgBuilder) session() bool {
	if !b.d.InChannel {
		b.text("A learning session happens in a channel's reply chain: open this form from the channel, by saying reflect session after @mentioning me there.")
		return false
	}
	b.text("I'll post the session in this channel and ask each stage's question in its reply chain, keeping time and the record. You lead it.")
	subject := b.d.Value
	var kinds []dlgChoice
	initial := ""
	for _, t := range b.d.SessionTemplates {
		if !dlgIDLike(t.Key) || len(kinds) == dlgMaxChoices {
			continue
		}
		kinds = append(kinds, dlgChoiceOf(t.Name, t.Key))
		if initial == "" || t.Key == "theme" && subject != "" || t.Key == "case" && subject == "" {
			initial = t.Key
		}
	}
	tpl := dlgChoiceInput(FieldTemplate, "Kind of session", true, kinds)
	tpl.Value = initial
	b.input(tpl)
	subj := dlgTextInput(FieldSubject, "The case or theme", false, MaxSubjectRunes)
	subj.Placeholder = "A case's pseudonym, never a real name, or a theme from the digest"
	subj.Value = dlgShort(subject, MaxSubjectRunes)
	b.input(subj)
	mins := make([]dlgChoice, len(SessionMinutes))
	for i, m := range SessionMinutes {
		mins[i] = dlgChoiceOf(strconv.Itoa(m)+" minutes", strconv.Itoa(m))
	}
	length := dlgChoiceInput(FieldMinutes, "Length", true, mins)
	length.Value = "30"
	b.input(length)
	pace := dlgChoiceInput(FieldPace, "Stages move on", true, []dlgChoice{
		dlgChoiceOf("On a timer, with a minute's warning", PaceTimed), dlgChoiceOf("When I say (press Next)", PaceManual)})
	pace.Style = "expanded"
	pace.Value = PaceTimed
	b.input(pace)
	return true
}

func (b *dlgBuilder) outcome() {
	b.text("What happened for " + dlgShort(b.d.Case.Label, 60) + ", as far as the team knows. " +
		"Every question allows not known, and anyone in the team can change the record later. Only the week is kept, never a date. " +
		"It is read beside the stories each quarter: prompts for learning, never a measure of anyone.")
	for _, f := range flows.OutcomeFields {
		var cs []dlgChoice
		for _, c := range f.Options(b.d.Weeks) {
			if dlgIDLike(c.Value) {
				cs = append(cs, dlgChoiceOf(c.Label, c.Value))
			}
		}
		in := dlgChoiceInput(f.Key, f.Question, false, cs)
		if f.Radio {
			in.Style = "expanded"
		}
		in.Value = b.d.Outcome.Value(f.Key)
		if in.Value == "" {
			in.Value = flows.OutcomeNotKnown
		}
		b.input(in)
	}
}

func (b *dlgBuilder) answer() {
	q := b.d.Question
	if q.Reflection != "" {
		b.heading(q.Reflection)
	}
	if q.Stage != "" {
		b.heading(q.Stage)
	}
	if q.Question != "" {
		b.text(q.Question)
	}
	in := dlgTextInput(FieldAnswer, "Your answer", true, flows.MaxAnswerRunes)
	in.IsMultiline = true
	b.input(in)
}

// Submission is a task/submit read: the dialog, its value, where it was
// submitted from (as Teams says, not the card), and the inputs, checked.
// The hidden value and every choice came through the person's client, so
// the adapter and the engine check them again (the channel is one the
// person may post in, the case is the team's, the template exists).
type Submission struct {
	Dialog DialogID
	Value  string
	// Channel is where the reflection or session goes: the channel chosen
	// in the dialog, else the one it was opened in. Empty for settings,
	// outcome (opened in a channel: that channel) and answers outside one.
	Channel string
	// OpenedIn and Thread: the channel and reply chain the dialog was
	// opened in; Personal in the 1:1 chat.
	OpenedIn, Thread string
	Personal         bool
	// Fields are the inputs by id, as submitted (line endings made \n,
	// surrounding space trimmed). Inputs left empty are "".
	Fields map[string]string
	// Answers (DialogWrite) are the stages' texts by stage key, without
	// empty ones.
	Answers map[string]string
	// TeamPart (DialogSettings) is true when the team's part was shown;
	// Facilitators are then the chosen people's Entra object ids.
	TeamPart     bool
	Facilitators []string
}

// dlgRule is how one input is read.
type dlgRule struct {
	id        string
	maxRunes  int  // 0: an id (a choice), at most dlgMaxIDBytes
	multiline bool // newlines allowed
	required  bool
	problem   string // said when required and empty
}

// dialogFields are the inputs of each dialog and how to read them. The
// stages of DialogWrite are read by prefix.
func dlgFields(id DialogID, inChannel, teamPart bool) []dlgRule {
	switch id {
	case DialogStart:
		rs := []dlgRule{{id: FieldTemplate}, {id: FieldLabel, maxRunes: MaxPseudonymRunes}}
		if !inChannel {
			rs = append(rs, dlgRule{id: FieldChannel, required: true, problem: "Choose the channel where the team will reflect."})
		}
		return rs
	case DialogWrite:
		rs := []dlgRule{{id: FieldLabel, maxRunes: MaxPseudonymRunes}}
		if !inChannel {
			rs = append(rs, dlgRule{id: FieldChannel, required: true, problem: "Choose the channel where the reflection should go."})
		}
		return rs
	case DialogSettings:
		rs := []dlgRule{{id: FieldDiscipline, maxRunes: flows.MaxDisciplineRunes, required: !teamPart,
			problem: "Say your discipline in a word or two, such as nurse or social worker."}}
		if teamPart {
			rs = append(rs, dlgRule{id: FieldDigestChannel},
				dlgRule{id: FieldDigestDay, required: true, problem: "Choose the day the digest goes out."},
				dlgRule{id: FieldDigestHour, required: true, problem: "Choose the hour the digest goes out."},
				dlgRule{id: FieldFacilitators, maxRunes: 0})
		}
		return rs
	case DialogSession:
		return []dlgRule{
			{id: FieldTemplate, required: true, problem: "Choose the kind of session."},
			{id: FieldSubject, maxRunes: MaxSubjectRunes},
			{id: FieldMinutes, required: true, problem: "Choose how long the session lasts."},
			{id: FieldPace}}
	case DialogOutcome:
		rs := make([]dlgRule, 0, len(flows.OutcomeFields))
		for _, f := range flows.OutcomeFields {
			rs = append(rs, dlgRule{id: f.Key})
		}
		return rs
	case DialogAnswer:
		return []dlgRule{{id: FieldAnswer, maxRunes: flows.MaxAnswerRunes, multiline: true, required: true,
			problem: "Write your answer, or close the form to leave it."}}
	}
	return nil
}

// ReadSubmission reads a task/submit invoke into a Submission. It returns
// ErrNotDialog, ErrUnknownDialog or ErrDialogData (wrapped) for what the
// bot never sent, and a *DialogProblems for what the person can fix: a
// required field left empty, text over the engine's limit or holding
// control characters, a choice the dialog never offered. Text is never
// shortened or cleaned silently: what is refused is said.
func ReadSubmission(a *Activity) (Submission, error) {
	if a == nil || a.Type != TypeInvoke || a.Name != InvokeTaskSubmit {
		return Submission{}, ErrNotDialog
	}
	data, err := dlgData(a)
	if err != nil {
		return Submission{}, err
	}
	sub, err := dlgSubmissionOf(a, data)
	if err != nil {
		return sub, err
	}
	problems := map[string]string{}
	for _, r := range dlgRules(sub, data) {
		text, p := dlgReadField(data, r)
		sub.Fields[r.id] = text
		if p != "" {
			problems[r.id] = p
		}
	}
	sub.check(problems)
	if len(problems) > 0 {
		return sub, &DialogProblems{Dialog: sub.Dialog, Problems: problems}
	}
	return sub, nil
}

// dlgSubmissionOf reads what the bot itself put in a submission: the
// dialog, its value, the team part's mark; and where it came from.
func dlgSubmissionOf(a *Activity, data map[string]json.RawMessage) (Submission, error) {
	action, value, err := dlgHidden(data)
	if err != nil {
		return Submission{}, err
	}
	id := DialogID(action)
	if _, ok := dialogInfos[id]; !ok {
		return Submission{}, fmt.Errorf("%w: %s", ErrUnknownDialog, ident(action))
	}
	sub := Submission{Dialog: id, Value: value, Fields: map[string]string{}}
	sub.OpenedIn, sub.Thread, sub.Personal = dlgWhere(a)
	if dialogInfos[id].needsInChannel && sub.OpenedIn == "" {
		return sub, fmt.Errorf("%w: %s submitted outside a channel", ErrDialogData, id)
	}
	if raw, ok := data[dlgKeyTeamPart]; ok {
		var s string
		if json.Unmarshal(raw, &s) != nil || s != "1" || id != DialogSettings {
			return sub, fmt.Errorf("%w: team_part not as sent", ErrDialogData)
		}
		sub.TeamPart = true
	}
	switch id {
	case DialogOutcome, DialogAnswer:
		if n, err := strconv.ParseInt(value, 10, 64); err != nil || n <= 0 {
			return sub, fmt.Errorf("%w: %s without its id", ErrDialogData, id)
		}
	case DialogWrite:
		if value == "" || !dlgIDLike(value) {
			return sub, fmt.Errorf("%w: form without its template", ErrDialogData)
		}
	}
	return sub, nil
}

// dlgRules are the inputs to read from a submission: its dialog's, and for
// DialogWrite each stage submitted (the engine keeps only its template's).
func dlgRules(sub Submission, data map[string]json.RawMessage) []dlgRule {
	rules := dlgFields(sub.Dialog, sub.OpenedIn != "", sub.TeamPart)
	if sub.Dialog != DialogWrite {
		return rules
	}
	for k := range data {
		if key, ok := strings.CutPrefix(k, DialogStagePrefix); ok && dlgIDLike(key) {
			rules = append(rules, dlgRule{id: k, maxRunes: flows.MaxAnswerRunes, multiline: true})
		}
	}
	sort.Slice(rules, func(i, j int) bool { return rules[i].id < rules[j].id })
	return rules
}

// readField reads one input: a string, or absent (empty). Text inputs are
// held to their limit and refused with control characters; choices must
// look like the bot's ids.
func dlgReadField(data map[string]json.RawMessage, r dlgRule) (string, string) {
	raw, ok := data[r.id]
	var s string
	if ok && string(raw) != "null" {
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", "This field came back in a shape I don't know: please fill it in again."
		}
	}
	if !utf8.ValidString(s) {
		return "", "This text has characters I can't read: please type it again."
	}
	s = strings.TrimSpace(strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n"))
	if s == "" {
		if r.required {
			return "", r.problem
		}
		return "", ""
	}
	if r.maxRunes == 0 {
		if r.id == FieldFacilitators {
			return s, ""
		}
		if !dlgIDLike(s) {
			return "", "Choose one of the answers offered."
		}
		return s, ""
	}
	if n := dlgControls(s, r.multiline); n > 0 {
		return s, "This text holds invisible control characters I can't keep (often from copying and pasting): please remove them or type it again."
	}
	if n := utf8.RuneCountInString(s); n > r.maxRunes {
		return s, fmt.Sprintf("This has %d characters; I keep at most %d here. Please shorten it: nothing was cut.", n, r.maxRunes)
	}
	return s, ""
}

// controlIn counts the control characters in s that are not kept: all but
// newline and tab in text that may have lines, and the invisible line and
// paragraph separators and byte-order mark that flows.CleanText drops.
func dlgControls(s string, multiline bool) int {
	n := 0
	for _, r := range s {
		switch {
		case (r == '\n' || r == '\t') && multiline:
		case unicode.IsControl(r), r == '\u2028', r == '\u2029', r == '\ufeff':
			n++
		}
	}
	return n
}

// check applies what each dialog needs beyond its fields' rules, and fills
// the typed parts (Channel, Answers, Facilitators).
func (sub *Submission) check(problems map[string]string) {
	switch sub.Dialog {
	case DialogStart:
		sub.Channel = sub.OpenedIn
		if ch := sub.Fields[FieldChannel]; ch != "" {
			sub.Channel = ch
		}
	case DialogWrite:
		sub.checkWrite(problems)
	case DialogSettings:
		if sub.TeamPart {
			sub.checkTeamPart(problems)
		}
	case DialogSession:
		sub.Channel = sub.OpenedIn
		f := sub.Fields
		if m, err := strconv.Atoi(f[FieldMinutes]); f[FieldMinutes] != "" && (err != nil || !slices.Contains(SessionMinutes, m)) {
			problems[FieldMinutes] = "Choose how long the session lasts."
		}
		if p := f[FieldPace]; p != "" && p != PaceTimed && p != PaceManual {
			problems[FieldPace] = "Choose how the stages move on."
		}
	case DialogOutcome:
		sub.Channel = sub.OpenedIn
		for _, fld := range flows.OutcomeFields {
			switch v := sub.Fields[fld.Key]; {
			case v == "":
				sub.Fields[fld.Key] = flows.OutcomeNotKnown
			case !dlgOutcomeOffered(fld, v):
				problems[fld.Key] = "Choose one of the answers offered."
			}
		}
	case DialogAnswer:
		sub.Channel = sub.OpenedIn
	}
}

// checkWrite takes the channel and the stages' answers of a written
// reflection, which must answer at least one question.
func (sub *Submission) checkWrite(problems map[string]string) {
	sub.Channel = sub.OpenedIn
	if ch := sub.Fields[FieldChannel]; ch != "" {
		sub.Channel = ch
	}
	sub.Answers = map[string]string{}
	for k, v := range sub.Fields {
		if key, ok := strings.CutPrefix(k, DialogStagePrefix); ok && v != "" {
			sub.Answers[key] = v
		}
	}
	if len(sub.Answers) == 0 && len(problems) == 0 {
		problems[FieldGeneral] = "Answer at least one question, or close the form to leave nothing."
	}
}

// checkTeamPart checks the settings' team part: a day and an hour offered,
// facilitators who are people (Entra object ids).
func (sub *Submission) checkTeamPart(problems map[string]string) {
	f := sub.Fields
	if d, err := strconv.Atoi(f[FieldDigestDay]); f[FieldDigestDay] != "" && (err != nil || d < 0 || d > 6) {
		problems[FieldDigestDay] = "Choose the day the digest goes out."
	}
	if h, err := strconv.Atoi(f[FieldDigestHour]); f[FieldDigestHour] != "" && (err != nil || h < 0 || h > 23) {
		problems[FieldDigestHour] = "Choose the hour the digest goes out."
	}
	for u := range strings.SplitSeq(f[FieldFacilitators], ",") {
		if u = strings.TrimSpace(u); u == "" {
			continue
		}
		if !IsGUID(u) {
			problems[FieldFacilitators] = "Choose people from the list."
			sub.Facilitators = nil
			return
		}
		sub.Facilitators = append(sub.Facilitators, strings.ToLower(u))
	}
}

// outcomeOffered reports whether value is one the outcome dialog's choice
// set for f could have given (the rule of Slack's form).
func dlgOutcomeOffered(f flows.OutcomeField, value string) bool {
	if value == flows.OutcomeNotKnown {
		return true
	}
	switch {
	case f.Key == flows.OutcomeDiedWeek:
		_, ok := flows.ISOWeekStart(value)
		return ok
	case f.Choices == nil:
		n, err := strconv.Atoi(value)
		return err == nil && n >= 0 && n <= f.Max && strconv.Itoa(n) == value
	}
	return slices.ContainsFunc(f.Choices, func(c flows.OutcomeChoice) bool { return c.Value == value })
}

// FormSubmission is a DialogWrite submission in the engine's terms, for
// flows.Engine.FormProblems and SubmitForm.
func (sub Submission) FormSubmission(actor flows.Actor) flows.FormSubmission {
	answers := map[string]string{}
	for k, v := range sub.Answers {
		answers[k] = v
	}
	return flows.FormSubmission{Actor: actor, Channel: sub.Channel, Template: sub.Value,
		Label: sub.Fields[FieldLabel], Answers: answers}
}

// FormFields maps the engine's form problems (keyed "label", "template" or
// a stage key: flows.Engine.FormProblems) to the dialog's fields, for
// DialogFix.
func FormFields(engineProblems map[string]string) map[string]string {
	out := map[string]string{}
	for k, msg := range engineProblems {
		switch k {
		case "label":
			out[FieldLabel] = msg
		case "template", "":
			out[FieldGeneral] = msg
		default:
			out[DialogStagePrefix+k] = msg
		}
	}
	return out
}

// StartCommand is what follows "/reflect" for a DialogStart submission:
// the kind of reflection and the pseudonym, for flows.Engine.Command in
// the chosen channel. A pseudonym is never read as a subcommand: a case
// reflection is "case NAME", any other template "template KEY NAME".
func (sub Submission) StartCommand() string {
	tpl, name := sub.Fields[FieldTemplate], sub.Fields[FieldLabel]
	if tpl == "" || tpl == "case" {
		if name == "" {
			return ""
		}
		return "case " + name
	}
	return strings.TrimSpace("template " + tpl + " " + name)
}
