package teams

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Activity types and invoke names this package knows. The shapes follow the
// Bot Framework activity schema and the Teams payload examples in Microsoft's
// documentation (see testdata/ and docs/teams.md).
const (
	TypeMessage            = "message"
	TypeInvoke             = "invoke"
	TypeConversationUpdate = "conversationUpdate"
	TypeMessageUpdate      = "messageUpdate"
	TypeMessageDelete      = "messageDelete"

	InvokeCardAction = "adaptiveCard/action"
	InvokeTaskFetch  = "task/fetch"
	InvokeTaskSubmit = "task/submit"

	// ChannelTeams is the channelId of every activity from Teams, and the
	// endorsement its signing key must carry.
	ChannelTeams = "msteams"

	// ContentTypeAdaptiveCard is an attachment's content type for an
	// Adaptive Card, and an adaptiveCard/action response's type for a card.
	ContentTypeAdaptiveCard = "application/vnd.microsoft.card.adaptive"
	// ContentTypeMessage is an adaptiveCard/action response's type for a
	// short message shown in place of a refreshed card.
	ContentTypeMessage = "application/vnd.microsoft.activity.message"

	// Channel data event types on messageUpdate and messageDelete.
	EventEditMessage       = "editMessage"
	EventUndeleteMessage   = "undeleteMessage"
	EventSoftDeleteMessage = "softDeleteMessage"
)

// Activity is a Bot Framework activity as Teams sends it and as the bot sends
// it back. Only the fields this project uses are modelled; the rest of the
// JSON is ignored on input and never produced on output.
type Activity struct {
	Type           string               `json:"type"`
	ID             string               `json:"id,omitempty"`
	Timestamp      time.Time            `json:"timestamp,omitzero"`
	LocalTimestamp string               `json:"localTimestamp,omitempty"`
	ServiceURL     string               `json:"serviceUrl,omitempty"`
	ChannelID      string               `json:"channelId,omitempty"`
	From           *ChannelAccount      `json:"from,omitempty"`
	Conversation   *ConversationAccount `json:"conversation,omitempty"`
	Recipient      *ChannelAccount      `json:"recipient,omitempty"`
	TextFormat     string               `json:"textFormat,omitempty"`
	Text           string               `json:"text,omitempty"`
	Summary        string               `json:"summary,omitempty"`
	Attachments    []Attachment         `json:"attachments,omitempty"`
	Entities       []Entity             `json:"entities,omitempty"`
	ChannelData    *ChannelData         `json:"channelData,omitempty"`
	ReplyToID      string               `json:"replyToId,omitempty"`
	Locale         string               `json:"locale,omitempty"`
	// Name is an invoke's name (InvokeCardAction, InvokeTaskFetch, ...).
	Name string `json:"name,omitempty"`
	// Value is an invoke's payload, or the data of an Action.Submit sent
	// as a message by older clients.
	Value          json.RawMessage  `json:"value,omitempty"`
	MembersAdded   []ChannelAccount `json:"membersAdded,omitempty"`
	MembersRemoved []ChannelAccount `json:"membersRemoved,omitempty"`
}

// ChannelAccount is a person or bot. In Teams, ID is the Teams user id
// ("29:..." for people, "28:<app id>" for bots) and AADObjectID the person's
// Entra ID object id, stable across the tenant.
type ChannelAccount struct {
	ID          string `json:"id"`
	Name        string `json:"name,omitempty"`
	AADObjectID string `json:"aadObjectId,omitempty"`
	Role        string `json:"role,omitempty"`
}

// ConversationAccount is the conversation an activity belongs to.
// ConversationType is "personal", "groupChat" or "channel".
type ConversationAccount struct {
	ID               string `json:"id"`
	Name             string `json:"name,omitempty"`
	ConversationType string `json:"conversationType,omitempty"`
	TenantID         string `json:"tenantId,omitempty"`
	IsGroup          bool   `json:"isGroup,omitempty"`
}

// Attachment is a file or card attached to a message. Content is the card's
// JSON when ContentType is ContentTypeAdaptiveCard.
type Attachment struct {
	ContentType  string          `json:"contentType"`
	ContentURL   string          `json:"contentUrl,omitempty"`
	Content      json.RawMessage `json:"content,omitempty"`
	Name         string          `json:"name,omitempty"`
	ThumbnailURL string          `json:"thumbnailUrl,omitempty"`
}

// Entity is an entry of an activity's entities: a mention (Type "mention",
// Mentioned and Text set) or client information (Type "clientInfo").
type Entity struct {
	Type      string          `json:"type"`
	Mentioned *ChannelAccount `json:"mentioned,omitempty"`
	Text      string          `json:"text,omitempty"`
	Locale    string          `json:"locale,omitempty"`
	Country   string          `json:"country,omitempty"`
	Platform  string          `json:"platform,omitempty"`
	Timezone  string          `json:"timezone,omitempty"`
}

// ChannelData is the Teams-specific part of an activity.
type ChannelData struct {
	Team      *TeamInfo    `json:"team,omitempty"`
	Channel   *ChannelInfo `json:"channel,omitempty"`
	Tenant    *TenantInfo  `json:"tenant,omitempty"`
	EventType string       `json:"eventType,omitempty"`
}

// TeamInfo names a team.
type TeamInfo struct {
	ID         string `json:"id"`
	Name       string `json:"name,omitempty"`
	AADGroupID string `json:"aadGroupId,omitempty"`
}

// ChannelInfo names a channel of a team. Type, when Teams gives it, is
// "standard", "shared" or "private" (the Teams SDKs' channel info:
// Microsoft.Teams.Api Channel.Type, "Valid values are standard, shared and
// private").
type ChannelInfo struct {
	ID   string `json:"id"`
	Name string `json:"name,omitempty"`
	Type string `json:"type,omitempty"`
}

// Channel types, as ChannelInfo.Type gives them.
const (
	ChannelStandard = "standard"
	ChannelShared   = "shared"
	ChannelPrivate  = "private"
)

// TenantInfo names the Entra ID tenant an activity comes from.
type TenantInfo struct {
	ID string `json:"id"`
}

// ParseActivity decodes an activity and checks the little every activity
// must have: a type.
func ParseActivity(body []byte) (*Activity, error) {
	var a Activity
	if err := json.Unmarshal(body, &a); err != nil {
		return nil, fmt.Errorf("teams: activity is not valid JSON: %w", err)
	}
	if a.Type == "" {
		return nil, errors.New("teams: activity has no type")
	}
	return &a, nil
}

// TenantIDs returns the tenant named in the channel data and the one named in
// the conversation; either may be empty.
func (a *Activity) TenantIDs() (channelData, conversation string) {
	if a.ChannelData != nil && a.ChannelData.Tenant != nil {
		channelData = a.ChannelData.Tenant.ID
	}
	if a.Conversation != nil {
		conversation = a.Conversation.TenantID
	}
	return channelData, conversation
}

// TenantID returns the activity's tenant: the channel data's, else the
// conversation's.
func (a *Activity) TenantID() string {
	cd, conv := a.TenantIDs()
	if cd != "" {
		return cd
	}
	return conv
}

// ConversationType returns "personal", "groupChat", "channel" or "".
func (a *Activity) ConversationType() string {
	if a.Conversation == nil {
		return ""
	}
	return a.Conversation.ConversationType
}

// EventType returns the channel data's event type, e.g. EventEditMessage.
func (a *Activity) EventType() string {
	if a.ChannelData == nil {
		return ""
	}
	return a.ChannelData.EventType
}

// IsEdit reports whether the activity says a message was edited.
func (a *Activity) IsEdit() bool {
	return a.Type == TypeMessageUpdate && a.EventType() == EventEditMessage
}

// IsSoftDelete reports whether the activity says a message was deleted.
func (a *Activity) IsSoftDelete() bool {
	return a.Type == TypeMessageDelete && a.EventType() == EventSoftDeleteMessage
}

// BotAdded reports whether a conversationUpdate adds the bot itself (the
// recipient) to the conversation: the moment to say hello once.
func (a *Activity) BotAdded() bool {
	if a.Type != TypeConversationUpdate || a.Recipient == nil {
		return false
	}
	for _, m := range a.MembersAdded {
		if m.ID == a.Recipient.ID {
			return true
		}
	}
	return false
}

// RootConversationID returns the conversation id without a reply chain's
// ";messageid=" suffix: the channel itself.
func RootConversationID(conversationID string) string {
	root, _, _ := strings.Cut(conversationID, ";messageid=")
	return root
}

// ThreadRoot returns the id of the message a channel reply chain hangs
// from, read from the conversation id's ";messageid=" suffix, or "".
func ThreadRoot(conversationID string) string {
	_, root, _ := strings.Cut(conversationID, ";messageid=")
	return root
}

// ThreadConversationID addresses the reply chain under rootMessageID in a
// channel: "19:...@thread.tacv2;messageid=<root id>".
func ThreadConversationID(channelConversationID, rootMessageID string) string {
	return RootConversationID(channelConversationID) + ";messageid=" + rootMessageID
}

// TextWithoutMention returns the message text with every mention of the bot
// (the recipient, or botID when given) removed, and the surrounding space
// trimmed. Mentions are found through the entities, as Microsoft advises,
// not by reading names out of the text; a mention of anyone else is left as
// it is.
func (a *Activity) TextWithoutMention(botID string) string {
	text := a.Text
	if botID == "" && a.Recipient != nil {
		botID = a.Recipient.ID
	}
	for _, e := range a.Entities {
		if !strings.EqualFold(e.Type, "mention") || e.Mentioned == nil || e.Text == "" {
			continue
		}
		if !sameBotID(e.Mentioned.ID, botID) {
			continue
		}
		text = strings.ReplaceAll(text, e.Text, "")
	}
	return strings.Join(strings.Fields(text), " ")
}

// sameBotID compares bot ids, allowing for the "28:" prefix Teams puts
// before an app id.
func sameBotID(a, b string) bool {
	if a == "" || b == "" {
		return false
	}
	return strings.TrimPrefix(a, "28:") == strings.TrimPrefix(b, "28:")
}

// CardAction is what an Action.Execute (adaptiveCard/action invoke) or an
// Action.Submit fallback carries from one of the bot's buttons.
type CardAction struct {
	Verb   string // the Action.Execute verb; empty for an Action.Submit
	Action string // one of flows' Action* names
	Value  string // the button's value, e.g. a reflection id
}

// cardData is the data every button of the bot's cards carries.
type cardData struct {
	Action string `json:"action"`
	Value  string `json:"value,omitempty"`
}

type cardActionValue struct {
	Action struct {
		Type string          `json:"type"`
		ID   string          `json:"id,omitempty"`
		Verb string          `json:"verb"`
		Data json.RawMessage `json:"data,omitempty"`
	} `json:"action"`
	Trigger string `json:"trigger,omitempty"`
}

// CardAction reads the button press an adaptiveCard/action invoke carries,
// or the Action.Submit data a message from an older client carries.
func (a *Activity) CardAction() (CardAction, error) {
	switch {
	case a.Type == TypeInvoke && a.Name == InvokeCardAction:
		var v cardActionValue
		if err := json.Unmarshal(a.Value, &v); err != nil {
			return CardAction{}, fmt.Errorf("teams: card action value: %w", err)
		}
		var d cardData
		if len(v.Action.Data) > 0 {
			if err := json.Unmarshal(v.Action.Data, &d); err != nil {
				return CardAction{}, fmt.Errorf("teams: card action data: %w", err)
			}
		}
		if d.Action == "" {
			d.Action = v.Action.Verb
		}
		if d.Action == "" {
			return CardAction{}, errors.New("teams: card action has no verb")
		}
		return CardAction{Verb: v.Action.Verb, Action: d.Action, Value: d.Value}, nil
	case a.Type == TypeMessage && len(a.Value) > 0:
		var d cardData
		if err := json.Unmarshal(a.Value, &d); err != nil || d.Action == "" {
			return CardAction{}, errors.New("teams: message value is not a card action")
		}
		return CardAction{Action: d.Action, Value: d.Value}, nil
	}
	return CardAction{}, errors.New("teams: activity is not a card action")
}

// TaskRequest is the payload of a task/fetch or task/submit invoke: Data is
// the opening action's data (fetch) or the dialog's inputs (submit).
type TaskRequest struct {
	Data    json.RawMessage `json:"data"`
	Context *struct {
		Theme string `json:"theme,omitempty"`
	} `json:"context,omitempty"`
}

// TaskRequest reads a task/fetch or task/submit invoke's payload.
func (a *Activity) TaskRequest() (TaskRequest, error) {
	if a.Type != TypeInvoke || (a.Name != InvokeTaskFetch && a.Name != InvokeTaskSubmit) {
		return TaskRequest{}, errors.New("teams: activity is not a dialog invoke")
	}
	var t TaskRequest
	if err := json.Unmarshal(a.Value, &t); err != nil {
		return TaskRequest{}, fmt.Errorf("teams: dialog invoke value: %w", err)
	}
	return t, nil
}

// InvokeResponse is what the HTTP layer writes back for an activity: Status
// is the HTTP status (0 means 200) and Body, when not nil, is written as
// JSON. Teams shows an invoke's answer only from this response.
type InvokeResponse struct {
	Status int
	Body   any
}

// CardActionResponse answers an adaptiveCard/action invoke with the card
// that replaces the pressed one.
func CardActionResponse(card json.RawMessage) InvokeResponse {
	return InvokeResponse{Status: 200, Body: map[string]any{
		"statusCode": 200,
		"type":       ContentTypeAdaptiveCard,
		"value":      card,
	}}
}

// CardMessageResponse answers an adaptiveCard/action invoke with a short
// message for the person who pressed, leaving the card as it was.
func CardMessageResponse(text string) InvokeResponse {
	return InvokeResponse{Status: 200, Body: map[string]any{
		"statusCode": 200,
		"type":       ContentTypeMessage,
		"value":      text,
	}}
}

// TaskContinue answers a task/fetch (or a task/submit that needs another
// step) with a dialog showing card.
func TaskContinue(title string, card json.RawMessage, width, height string) InvokeResponse {
	return InvokeResponse{Status: 200, Body: map[string]any{
		"task": map[string]any{
			"type": "continue",
			"value": map[string]any{
				"title":  title,
				"width":  width,
				"height": height,
				"card":   Attachment{ContentType: ContentTypeAdaptiveCard, Content: card},
			},
		},
	}}
}

// TaskMessage answers a task/submit by closing the dialog with a message.
func TaskMessage(text string) InvokeResponse {
	return InvokeResponse{Status: 200, Body: map[string]any{
		"task": map[string]any{"type": "message", "value": text},
	}}
}
