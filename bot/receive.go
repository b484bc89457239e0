package bot

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"whatmatters/flows"
	"whatmatters/inbox"
)

// This file turns a verified request from either transport into what to do
// about it: a delivery to record, a modal to open at once, an answer to give,
// or nothing. What is recorded is the adapter's own summary of the request
// (the payload types below), not Slack's JSON: it holds only what processing
// needs, never the verification token, and it is the same whichever
// transport brought it.

// The kinds of delivery.
const (
	kindEvent       = "event"
	kindCommand     = "command"
	kindInteraction = "interaction"
)

// eventPayload is what the inbox keeps of an Events API event.
type eventPayload struct {
	TeamID  string    `json:"team_id"`
	EventID string    `json:"event_id"`
	Event   eventBody `json:"event"`
}

// eventBody is the inner event, for the event types the bot handles.
type eventBody struct {
	Type        string          `json:"type"`
	Subtype     string          `json:"subtype,omitempty"`
	User        string          `json:"user,omitempty"`
	BotID       string          `json:"bot_id,omitempty"`
	BotProfile  json.RawMessage `json:"bot_profile,omitempty"`
	Channel     string          `json:"channel,omitempty"`
	ChannelType string          `json:"channel_type,omitempty"`
	ThreadTS    string          `json:"thread_ts,omitempty"`
	TS          string          `json:"ts,omitempty"`
	Text        string          `json:"text,omitempty"`
	Tab         string          `json:"tab,omitempty"`
	// UserTeam is the author's own workspace when it is not the
	// installation's (a Slack Connect channel); kept beside the user id.
	UserTeam string `json:"user_team,omitempty"`
	// Message and PreviousMessage are the message as it now is and as it
	// was, in message_changed and message_deleted events. They are read
	// when the request arrives and not kept.
	Message         *eventBody `json:"message,omitempty"`
	PreviousMessage *eventBody `json:"previous_message,omitempty"`
	DeletedTS       string     `json:"deleted_ts,omitempty"`
}

// envelope is an Events API request body.
type envelope struct {
	Type         string     `json:"type"`
	Challenge    string     `json:"challenge"`
	TeamID       string     `json:"team_id"`
	EnterpriseID string     `json:"enterprise_id"`
	EventID      string     `json:"event_id"`
	Event        *eventBody `json:"event"`
	// Authorizations name the installation the event is delivered to. In
	// a Slack Connect channel, TeamID is the sending organisation's
	// workspace, not the one the bot is installed in; for an org-wide
	// install the authorization's team_id is null and its enterprise_id
	// names the installation.
	Authorizations []struct {
		EnterpriseID        string `json:"enterprise_id"`
		TeamID              string `json:"team_id"`
		IsEnterpriseInstall bool   `json:"is_enterprise_install"`
	} `json:"authorizations"`
}

// installation is the workspace (or, for an org-wide install, the
// organisation) the bot is installed in, which a delivery belongs to:
// the authorization's team first, then the envelope's team.
func (env envelope) installation() string {
	if len(env.Authorizations) > 0 {
		a := env.Authorizations[0]
		switch {
		case a.IsEnterpriseInstall && a.EnterpriseID != "":
			return a.EnterpriseID
		case a.TeamID != "":
			return a.TeamID
		case a.EnterpriseID != "":
			return a.EnterpriseID
		}
	}
	if env.TeamID != "" {
		return env.TeamID
	}
	return env.EnterpriseID
}

// commandPayload is what the inbox keeps of a slash command. TeamID is
// the installation's: the organisation's for an org-wide install.
type commandPayload struct {
	TeamID      string `json:"team_id"`
	UserTeam    string `json:"user_team,omitempty"` // the person's own workspace, when not the installation's
	ChannelID   string `json:"channel_id"`
	UserID      string `json:"user_id"`
	UserName    string `json:"user_name,omitempty"`
	Command     string `json:"command"`
	Text        string `json:"text"`
	ResponseURL string `json:"response_url,omitempty"`
	TriggerID   string `json:"trigger_id,omitempty"`
}

// interactionPayload is what the inbox keeps of a button press or a
// submitted modal.
type interactionPayload struct {
	Type        string            `json:"type"` // block_actions or view_submission
	TeamID      string            `json:"team_id"`
	UserID      string            `json:"user_id"`
	UserName    string            `json:"user_name,omitempty"`
	UserTeam    string            `json:"user_team,omitempty"` // the person's own workspace, when not the installation's
	ChannelID   string            `json:"channel_id,omitempty"`
	ThreadTS    string            `json:"thread_ts,omitempty"`
	MessageTS   string            `json:"message_ts,omitempty"`
	ActionID    string            `json:"action_id,omitempty"`
	Value       string            `json:"value,omitempty"`
	View        string            `json:"view,omitempty"`   // the submitted modal's callback id
	Fields      map[string]string `json:"fields,omitempty"` // the submitted modal's inputs
	ResponseURL string            `json:"response_url,omitempty"`
}

// receipt is what to do about one verified request.
type receipt struct {
	delivery *inbox.Delivery // to record, then process in a job
	body     any             // the acknowledgement's JSON body; nil for an empty one
	modal    *slack.ModalViewRequest
	trigger  string // the trigger id to open modal with
	kind     string // for metrics and logs
	ignored  string // why there is nothing to do, for the log
	// fallback is recorded instead when modal cannot be opened.
	fallback *inbox.Delivery
}

// rejection is a request refused with a 4xx status. Its reason names what
// was wrong, never what the request said.
type rejection struct {
	status int
	reason string
}

func (r rejection) Error() string { return r.reason }

func malformed(reason string) error { return rejection{http.StatusBadRequest, reason} }

// The buttons the engine puts on its replies, by action_id: "wm_" and the
// flows action, for every button Engine.Act takes (flows.ActActions: a new
// one is added there alone). Their values are flows.ReflectionButton
// values (reflection or session id and stage), except withdraw's (an
// answer id) and forget_me's (the person's user id).
var reflectionActions = func() map[string]string {
	m := map[string]string{}
	for _, a := range flows.ActActions() {
		m["wm_"+a] = a
	}
	return m
}()

// startAction is the Start button of the help the bot gives when mentioned:
// it starts a reflection in the channel its value names.
const startAction = "wm_start"

// routeEvent decides what to do with an Events API event_callback.
func (s *Slack) routeEvent(env envelope) (receipt, error) {
	team := env.installation()
	if env.Event == nil || env.Event.Type == "" || team == "" {
		return receipt{}, malformed("event_callback without team_id or event type")
	}
	env.TeamID = team
	if env.EventID == "" {
		return receipt{}, malformed("event_callback without event_id")
	}
	ev := *env.Event
	r := receipt{kind: kindEvent}
	route := eventRoutes[ev.Type]
	if route == nil {
		r.ignored = "event type " + ident(ev.Type)
		return r, nil
	}
	ev, key, why := route(s, env.TeamID, ev)
	if why != "" {
		r.ignored = why
		return r, nil
	}
	if ev.Channel == "" && ev.Type != "app_home_opened" {
		return receipt{}, malformed(ev.Type + " event without a channel")
	}
	ev.BotProfile = nil
	ev.BotID = ""
	payload, err := json.Marshal(eventPayload{TeamID: env.TeamID, EventID: env.EventID, Event: ev})
	if err != nil {
		return receipt{}, fmt.Errorf("encoding an event: %w", err)
	}
	r.delivery = &inbox.Delivery{ID: env.EventID, Kind: kindEvent, Key: key, Payload: payload}
	return r, nil
}

// ignoreMessage says why a message event is not for the bot, or "" if it
// is: the bot answers people, never bots (itself included), and edits,
// deletions and joins are not answers.
func (s *Slack) ignoreMessage(ev eventBody) string {
	switch ev.Subtype {
	case "", "thread_broadcast", "file_share":
	default:
		return "message subtype " + ident(ev.Subtype)
	}
	switch {
	case ev.BotID != "" || len(ev.BotProfile) > 0:
		return "message from a bot"
	case ev.User == "":
		return "message without a user"
	case ev.User == s.botUserID:
		return "the bot's own message"
	}
	return ""
}

// editOf reads a message_changed or message_deleted event as the change
// to a thread reply it is, kept in the event's own fields: Subtype says
// which, User is the author, TS the reply and ThreadTS its thread, Text the
// new text. Changes to messages outside threads, to bots' messages and
// changes that leave the text as it was (Slack sends those when it adds a
// link preview) are not answers changed.
func (s *Slack) editOf(ev eventBody) (eventBody, string) {
	now, was := ev.Message, ev.PreviousMessage
	if ev.Subtype == "message_deleted" {
		now = was
	}
	if now == nil {
		return eventBody{}, ev.Subtype + " without the message"
	}
	edit := eventBody{Type: "message", Subtype: ev.Subtype, User: now.User, Channel: ev.Channel,
		ChannelType: ev.ChannelType, ThreadTS: now.ThreadTS, TS: now.TS, Text: now.Text}
	if ev.Subtype == "message_deleted" {
		edit.Text = ""
		if ev.DeletedTS != "" {
			edit.TS = ev.DeletedTS
		}
	}
	switch {
	case now.BotID != "" || len(now.BotProfile) > 0 || now.User == "" || now.User == s.botUserID:
		return eventBody{}, ev.Subtype + " of a bot's message"
	case edit.ThreadTS == "" || edit.ThreadTS == edit.TS:
		return eventBody{}, ev.Subtype + " outside a thread"
	case ev.Subtype == "message_changed" && was != nil && was.Text == now.Text:
		return eventBody{}, "message_changed without a change of text"
	}
	return edit, ""
}

// commandDelivery is a slash command as the inbox records it.
func commandDelivery(c commandPayload) (*inbox.Delivery, error) {
	payload, err := json.Marshal(c)
	if err != nil {
		return nil, fmt.Errorf("encoding a command: %w", err)
	}
	id := c.TriggerID
	if id == "" {
		id = digest(payload)
	}
	return &inbox.Delivery{ID: "command:" + id, Kind: kindCommand, Key: c.TeamID + "/" + c.ChannelID, Payload: payload}, nil
}

// routeCommand decides what to do with a slash command.
func (s *Slack) routeCommand(ctx context.Context, c commandPayload) (receipt, error) {
	if c.TeamID == "" || c.ChannelID == "" || c.UserID == "" {
		return receipt{}, malformed("slash command without team, channel or user")
	}
	if bad := unstorableIDs(c.TeamID, c.ChannelID, c.UserID, c.TriggerID); bad != "" {
		return receipt{}, malformed("slash command with " + bad)
	}
	word, rest, _ := strings.Cut(strings.TrimSpace(plainText(c.Text)), " ")
	if open := commandForms[strings.ToLower(word)]; open != nil {
		if r, done, err := open(s, ctx, c, strings.TrimSpace(rest)); err != nil || done {
			return r, err
		}
	}
	d, err := commandDelivery(c)
	if err != nil {
		return receipt{}, err
	}
	return receipt{kind: kindCommand, delivery: d}, nil
}

// A formOpener opens a command's form before the acknowledgement (its
// trigger id lasts 3 seconds). It reports whether it dealt with the
// command; when it did not (not a facilitator, a case the team does not
// have), the command goes on to the engine, which says why.
type formOpener func(s *Slack, ctx context.Context, c commandPayload, rest string) (receipt, bool, error)

// commandForms are the subcommands that open a form in Slack, by word.
var commandForms = map[string]formOpener{
	"settings": openSettingsForm,
	"session":  openSessionForm,
	"outcome":  openOutcomeForm,
	"form":     openWrittenForm,
}

// openSettingsForm opens the settings form. If Slack will not open it, the
// command goes to the engine, which lists the settings and the commands
// that change them.
func openSettingsForm(s *Slack, ctx context.Context, c commandPayload, rest string) (receipt, bool, error) {
	if rest != "" || c.TriggerID == "" {
		return receipt{}, false, nil
	}
	r, err := s.settingsReceipt(ctx, c.TeamID, c.UserID, c.UserTeam, c.TriggerID)
	r.kind = kindCommand
	if err == nil {
		r.fallback, err = commandDelivery(c)
	}
	return r, true, err
}

// openSessionForm opens the session form, for a facilitator; anyone
// else's command goes on to the engine, which says who may run sessions,
// as it does (with how to open one) if Slack will not open the form.
func openSessionForm(s *Slack, ctx context.Context, c commandPayload, rest string) (receipt, bool, error) {
	if !flows.SessionOpens(rest) || c.TriggerID == "" {
		return receipt{}, false, nil
	}
	r, ok, err := s.sessionReceipt(ctx, c, rest)
	if err == nil && ok {
		r.fallback, err = commandDelivery(c)
	}
	return r, err != nil || ok, err
}

// openOutcomeForm opens a case's outcome form (bot/outcomes.go); a case
// the team does not have, or a form Slack will not open, goes on to the
// engine, which says so or shows the record.
func openOutcomeForm(s *Slack, ctx context.Context, c commandPayload, rest string) (receipt, bool, error) {
	if rest == "" || c.TriggerID == "" {
		return receipt{}, false, nil
	}
	r, ok, err := s.outcomeReceipt(ctx, c.TeamID, 0, rest, c.ChannelID, c.TriggerID)
	r.kind = kindCommand
	if err == nil && ok {
		r.fallback, err = commandDelivery(c)
	}
	return r, err != nil || ok, err
}

// openWrittenForm opens the form that writes a whole reflection at once.
func openWrittenForm(s *Slack, _ context.Context, c commandPayload, rest string) (receipt, bool, error) {
	key := rest
	if key == "" {
		key = "case"
	}
	f, err := s.engineOn(s.store).FormFor(key)
	if err != nil {
		return receipt{kind: kindCommand, ignored: "form for an unknown template", body: map[string]string{
			"response_type": "ephemeral",
			"text":          "I don't know that kind of reflection. /reflect templates lists them; /reflect form on its own is a case reflection.",
		}}, true, nil
	}
	m, err := formModal(f, c.ChannelID)
	if err != nil {
		return receipt{}, true, err
	}
	return receipt{kind: kindCommand, modal: &m, trigger: c.TriggerID, ignored: "form opened"}, true, nil
}

// routeInteraction decides what to do with an interaction payload.
func (s *Slack) routeInteraction(ctx context.Context, cb slack.InteractionCallback) (receipt, error) {
	// The installation: an org-wide install's organisation; a modal's
	// installed workspace (in a Slack Connect channel, team is the
	// person's own workspace); else the team, then the person's team.
	teamID := cb.Team.ID
	if teamID == "" {
		teamID = cb.User.TeamID
	}
	userTeam := cb.User.TeamID
	switch {
	case cb.IsEnterpriseInstall && cb.Enterprise.ID != "":
		teamID = cb.Enterprise.ID
	case cb.View.AppInstalledTeamID != "":
		teamID = cb.View.AppInstalledTeamID
	case cb.Message.Team != "" && (cb.Message.BotID != "" || cb.Message.User == s.botUserID):
		// A button on the bot's own message: the message belongs to the
		// workspace the bot is installed in, whoever pressed it.
		teamID = cb.Message.Team
	}
	if teamID == "" || cb.User.ID == "" {
		return receipt{}, malformed("interaction without team or user")
	}
	if bad := unstorableIDs(teamID, cb.User.ID, cb.Channel.ID, cb.Container.ChannelID, cb.TriggerID); bad != "" {
		return receipt{}, malformed("interaction with " + bad)
	}
	in := interactionPayload{
		Type: string(cb.Type), TeamID: teamID, UserID: cb.User.ID, UserName: cb.User.Name, UserTeam: userTeam,
		ChannelID: cb.Channel.ID, ThreadTS: cb.Container.ThreadTs, MessageTS: cb.Container.MessageTs,
		ResponseURL: cb.ResponseURL,
	}
	if in.ChannelID == "" {
		in.ChannelID = cb.Container.ChannelID
	}
	if in.ThreadTS == "" {
		in.ThreadTS = cb.Message.ThreadTimestamp
	}
	route := interactionRoutes[cb.Type]
	if route == nil {
		return receipt{}, malformed("interaction type " + ident(string(cb.Type)))
	}
	key, done, err := route(s, ctx, cb, &in)
	if err != nil {
		return receipt{}, err
	}
	if done != nil {
		done.kind = kindInteraction
		return *done, nil
	}
	payload, err := json.Marshal(in)
	if err != nil {
		return receipt{}, fmt.Errorf("encoding an interaction: %w", err)
	}
	id := cb.TriggerID
	if id == "" {
		id = digest(payload)
	}
	d := &inbox.Delivery{ID: "interaction:" + id, Kind: kindInteraction, Key: key, Payload: payload}
	return receipt{kind: kindInteraction, delivery: d}, nil
}

// settingsReceipt opens the settings form for a person: their discipline
// and, for the team's leads and workspace admins, the weekly digest.
func (s *Slack) settingsReceipt(ctx context.Context, teamID, userID, userTeam, trigger string) (receipt, error) {
	eng := s.engineOn(s.store)
	set, err := eng.SettingsFor(ctx, s.actor(ctx, teamID, userID, userTeam))
	if err != nil {
		return receipt{}, err
	}
	m := settingsModal(set)
	return receipt{modal: &m, trigger: trigger, ignored: "modal opened"}, nil
}

// settingsProblems checks a settings submission before it is acknowledged,
// so that the person sees what is wrong in the form: a discipline the
// engine refuses, or team settings from someone who may not change them.
func (s *Slack) settingsProblems(ctx context.Context, teamID, userID, userTeam string, fields map[string]string) map[string]string {
	eng := s.engineOn(s.store)
	if _, team := fields["digest_day"]; team {
		set, err := eng.SettingsFor(ctx, s.actor(ctx, teamID, userID, userTeam))
		if err == nil && !set.MayChangeTeam {
			return map[string]string{digestChannelBlock: "Only the team's leads and workspace admins can change the weekly digest."}
		}
	}
	if d := fields["discipline"]; d != "" || fields["digest_day"] == "" {
		if p := eng.DisciplineProblem(d); p != "" {
			return map[string]string{disciplineBlock: p}
		}
	}
	return nil
}

// settle does what a receipt asks before the acknowledgement: opens its
// modal (which must happen within 3 seconds of the click, so cannot wait
// for a job) and records its delivery. Only a failure to record is
// returned: without the record, the request must not be acknowledged.
func (s *Slack) settle(ctx context.Context, r receipt) error {
	if r.modal != nil {
		mctx, cancel := context.WithTimeout(ctx, 2500*time.Millisecond)
		_, err := s.api.OpenViewContext(mctx, r.trigger, *r.modal)
		cancel()
		if err != nil {
			// A trigger id lasts 3 seconds: there is nothing to retry, but
			// the command may have another way to answer.
			s.metrics.posts.WithLabelValues("views.open", "dropped").Inc()
			s.log.WarnContext(ctx, "slack: could not open a modal", "err", err)
			if r.fallback != nil {
				r.delivery = r.fallback
			}
		} else {
			s.metrics.posts.WithLabelValues("views.open", "ok").Inc()
		}
	}
	if r.delivery == nil {
		s.metrics.ignored.WithLabelValues(r.kind).Inc()
		s.log.DebugContext(ctx, "slack: nothing to do", "kind", r.kind, "why", r.ignored)
		return nil
	}
	if reason := unstorable(*r.delivery); reason != "" {
		// No database would take it however often Slack sent it: refuse
		// it as the bad request it is, rather than ask for a retry.
		return malformed(reason)
	}
	return s.accept(ctx, *r.delivery)
}

// maxIDBytes bounds a delivery's id and ordering key: Slack's own ids are
// a few dozen characters.
const maxIDBytes = 512

// unstorableIDs says what is wrong with ids from a request that no
// database could store (not UTF-8, control characters, absurdly long), or
// "" if nothing is: they are refused before anything is looked up.
func unstorableIDs(ids ...string) string {
	for _, id := range ids {
		if why := idProblem(id); why != "" {
			return "an id " + why
		}
	}
	return ""
}

// idProblem says why no database could store an id, or "" if one could.
func idProblem(id string) string {
	switch {
	case len(id) > maxIDBytes:
		return "too long"
	case !utf8.ValidString(id):
		return "not UTF-8"
	case strings.IndexFunc(id, unicode.IsControl) >= 0:
		return "with a control character"
	}
	return ""
}

// unstorable says what makes a delivery's id or key impossible to record
// (text that is not UTF-8, a NUL or other control character, an absurd
// length), or "" if nothing does.
func unstorable(d inbox.Delivery) string {
	for _, f := range []struct{ what, v string }{{"id", d.ID}, {"ordering key", d.Key}} {
		if why := idProblem(f.v); why != "" {
			return "delivery " + f.what + " " + why
		}
	}
	return ""
}

// ident keeps a protocol identifier from a request (an event type, an
// action id) fit for the log: letters, digits and _.:- only, 40 at most,
// so that nothing a person wrote can reach the log through it.
func ident(s string) string {
	out := make([]rune, 0, len(s))
	for _, r := range s {
		if len(out) == 40 {
			break
		}
		if r < 128 && (r == '_' || r == '.' || r == ':' || r == '-' || unicode.IsLetter(r) || unicode.IsDigit(r)) {
			out = append(out, r)
		} else {
			out = append(out, '?')
		}
	}
	return string(out)
}

func threadKey(team, channel, thread string) string { return team + "/" + channel + "/" + thread }
func userKey(team, user string) string              { return team + "/@" + user }

// isUserKey reports whether an ordering key is a person's (userKey): no
// channel id holds an @.
func isUserKey(key string) bool { return strings.Contains(key, "/@") }

// digest names a delivery that carries no id of its own by its content.
func digest(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:16])
}

// commandFromForm reads a slash command from its form fields.
func commandFromForm(get func(string) string) commandPayload {
	return installedCommand(commandPayload{
		TeamID: get("team_id"), ChannelID: get("channel_id"), UserID: get("user_id"),
		UserName: get("user_name"), Command: get("command"), Text: get("text"),
		ResponseURL: get("response_url"), TriggerID: get("trigger_id"),
	}, get("enterprise_id"), get("is_enterprise_install") == "true")
}

// installedCommand keys a command on its installation: for an org-wide
// install, the organisation, with the person's own workspace kept beside.
func installedCommand(c commandPayload, enterpriseID string, enterpriseInstall bool) commandPayload {
	if enterpriseInstall && enterpriseID != "" {
		c.UserTeam, c.TeamID = c.TeamID, enterpriseID
	}
	return c
}

// commandFromSlack reads a slash command as slack-go decodes it.
func commandFromSlack(c slack.SlashCommand) commandPayload {
	return installedCommand(commandPayload{
		TeamID: c.TeamID, ChannelID: c.ChannelID, UserID: c.UserID, UserName: c.UserName,
		Command: c.Command, Text: c.Text, ResponseURL: c.ResponseURL, TriggerID: c.TriggerID,
	}, c.EnterpriseID, c.IsEnterpriseInstall)
}
