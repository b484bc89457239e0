package teams

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"time"
	"unicode"
)

// InboundKind says what a verified activity asks of the engine.
type InboundKind int

const (
	// InboundIgnore: nothing to record or run; Reason says why.
	InboundIgnore InboundKind = iota
	// InboundCommand: the engine's Command with Text, what followed
	// "/reflect" (Teams has no slash commands: "reflect …" or "/reflect …"
	// after the bot's @mention, or in a 1:1 chat).
	InboundCommand
	// InboundHelp: the bot was addressed without a command (a bare
	// @mention, a channel post that @mentions it without "reflect", any
	// other text in a 1:1 chat): show flows.HelpReply, as Slack does for an
	// app_mention and a direct message.
	InboundHelp
	// InboundReply: a message in a channel reply chain (not its root), for
	// the engine's Message: an answer if the chain is a reflection's.
	InboundReply
	// InboundControl: a button of the bot's cards (Action.Execute, or its
	// Action.Submit fallback): the engine action Action with Value.
	InboundControl
	// InboundEdit: a message in a reply chain was edited (the engine's Edit
	// with the new Text).
	InboundEdit
	// InboundDelete: a message in a reply chain was deleted (the engine's
	// Edit with Withdraw).
	InboundDelete
	// InboundInstall: the bot was added to a team or chat: record the
	// conversation (and its service URL) and greet once.
	InboundInstall
)

var inboundNames = [...]string{"ignore", "command", "help", "reply", "control", "edit", "delete", "install"}

func (k InboundKind) String() string {
	if int(k) < 0 || int(k) >= len(inboundNames) {
		return "unknown"
	}
	return inboundNames[k]
}

// Inbound is a verified activity as the engine is asked it: only the
// fields the engine and the integration need, never the display name.
// Text is set only for commands, replies and edits, and must never be
// logged; Reason is safe to log.
type Inbound struct {
	Kind InboundKind
	// Reason, for InboundIgnore, says why in words safe to log: protocol
	// names only, never text.
	Reason string

	// DedupKey is the key the inbox records the activity under: Teams
	// sends an activity again, with the same id, when it had no answer in
	// 15 seconds.
	DedupKey string
	// OrderKey orders the activity among others, like Slack's thread
	// keys: TeamID/Channel/Thread for a reply chain, TeamID/Channel for a
	// channel, TeamID/@UserID in a 1:1 chat.
	OrderKey string

	// TeamID is the engine's team: the Teams team (channelData.team.id)
	// in a channel; the Entra tenant in a 1:1 or group chat.
	TeamID   string
	TenantID string
	// UserID is the person's Entra object id (from.aadObjectId): stable
	// across the tenant, the engine's user id. TeamsUserID is their
	// Teams id ("29:…"), for opening a 1:1 chat with them.
	UserID      string
	TeamsUserID string

	ServiceURL string
	// Channel is the engine's channel: the conversation id without any
	// reply chain suffix ("19:…@thread.tacv2" for a channel, the chat's id
	// otherwise). ConversationType is "channel", "personal" or
	// "groupChat"; ChannelType is "standard", "shared", "private" or ""
	// (not given).
	Channel          string
	ConversationType string
	ChannelType      string
	// Thread is the reply chain's root message id; empty for a root post
	// and outside channels.
	Thread string
	// MessageID is the message's own id: an answer's, or the one edited
	// or deleted.
	MessageID string

	// Text: a command's text after "reflect"; a reply's or edit's text
	// without the bot's @mention.
	Text string
	// Action and Value: a control's engine action (flows.Action* names)
	// and its button's value.
	Action string
	Value  string
	// Invoke is true when the activity is an invoke, whose answer must
	// be written in the HTTP response.
	Invoke bool
}

// Private reports whether the activity came from a private channel.
func (in Inbound) Private() bool { return in.ChannelType == ChannelPrivate }

// Conversation types.
const (
	ConversationChannel  = "channel"
	ConversationPersonal = "personal"
	ConversationGroup    = "groupChat"
)

// DedupPrefix begins every dedup key of this adapter.
const DedupPrefix = "teams:"

// ThreadKey, ChannelKey and UserKey are ordering keys, in the shape of the
// Slack adapter's (team/channel/thread, team/channel, team/@user).
func ThreadKey(team, channel, thread string) string { return team + "/" + channel + "/" + thread }
func ChannelKey(team, channel string) string        { return team + "/" + channel }
func UserKey(team, user string) string              { return team + "/@" + user }

// ReadInbound decides what a verified activity asks of the engine. botID
// is the bot's own id ("28:<app id>" or the app id); empty means the
// activity's recipient. It reads, never logs, and keeps no text it does
// not return. An ignored invoke keeps Invoke set: it still needs its
// answer in the HTTP response.
func ReadInbound(a *Activity, botID string) Inbound {
	in := readInbound(a, botID)
	if a != nil && a.Type == TypeInvoke {
		in.Invoke = true
	}
	return in
}

func readInbound(a *Activity, botID string) Inbound {
	if a == nil {
		return ignore("no activity")
	}
	if botID == "" && a.Recipient != nil {
		botID = a.Recipient.ID
	}
	in, why := whereFrom(a)
	if why != "" {
		return ignore(why)
	}
	if a.Type == TypeConversationUpdate {
		if !a.BotAdded() {
			return ignore("conversationUpdate " + ident(a.EventType()))
		}
		in.Kind = InboundInstall
		in.OrderKey = ChannelKey(in.TeamID, in.Channel)
		if a.From != nil {
			in.UserID, in.TeamsUserID = a.From.AADObjectID, a.From.ID
		}
		return in
	}
	// Everything else is something a person did.
	if why := notAPerson(a, botID); why != "" {
		return ignore(why)
	}
	in.UserID, in.TeamsUserID = a.From.AADObjectID, a.From.ID
	in.Thread = replyChainRoot(a)
	return whatTheyDid(a, in, botID)
}

// whereFrom reads where an activity came from (its service, tenant, team,
// conversation and channel), or why it is not one to take.
func whereFrom(a *Activity) (Inbound, string) {
	in := Inbound{
		ServiceURL: a.ServiceURL,
		TenantID:   a.TenantID(),
		Invoke:     a.Type == TypeInvoke,
	}
	switch {
	case a.ChannelID != "" && a.ChannelID != ChannelTeams:
		return in, "channel " + ident(a.ChannelID)
	case a.Conversation == nil || a.Conversation.ID == "":
		return in, ident(a.Type) + " without a conversation"
	case a.ID == "":
		return in, ident(a.Type) + " without an id"
	}
	in.ConversationType = a.Conversation.ConversationType
	in.Channel = RootConversationID(a.Conversation.ID)
	if a.ChannelData != nil && a.ChannelData.Channel != nil {
		in.ChannelType = strings.ToLower(a.ChannelData.Channel.Type)
	}
	in.TeamID = teamOf(a)
	if in.TeamID == "" {
		return in, ident(a.Type) + " without a team or tenant"
	}
	in.DedupKey = DedupPrefix + a.ID
	return in, ""
}

// notAPerson says why an activity is not a person's (no sender, a bot,
// no Entra object id), or "".
func notAPerson(a *Activity, botID string) string {
	switch {
	case a.From == nil || a.From.ID == "":
		return ident(a.Type) + " without a sender"
	case strings.EqualFold(a.From.Role, "bot") || sameBotID(a.From.ID, botID) || strings.HasPrefix(a.From.ID, "28:"):
		return ident(a.Type) + " from a bot"
	case a.From.AADObjectID == "":
		return ident(a.Type) + " from a sender without aadObjectId"
	}
	return ""
}

// whatTheyDid reads a person's activity: a card's button, a message, an
// edit or a deletion.
func whatTheyDid(a *Activity, in Inbound, botID string) Inbound {
	switch a.Type {
	case TypeInvoke:
		if a.Name != InvokeCardAction {
			return ignore("invoke " + ident(a.Name))
		}
		return control(a, in)
	case TypeMessage:
		if len(a.Value) > 0 {
			// An Action.Submit from a client too old for Action.Execute.
			return control(a, in)
		}
		return message(a, in, botID)
	case TypeMessageUpdate:
		if !a.IsEdit() {
			return ignore("messageUpdate " + ident(a.EventType()))
		}
		return change(a, in, botID, InboundEdit)
	case TypeMessageDelete:
		if !a.IsSoftDelete() {
			return ignore("messageDelete " + ident(a.EventType()))
		}
		return change(a, in, botID, InboundDelete)
	}
	return ignore("activity type " + ident(a.Type))
}

// teamOf is the engine's team: the Teams team for a channel conversation,
// else the tenant.
func teamOf(a *Activity) string {
	if a.ConversationType() == ConversationChannel || a.ConversationType() == "" {
		if a.ChannelData != nil && a.ChannelData.Team != nil && a.ChannelData.Team.ID != "" {
			return a.ChannelData.Team.ID
		}
		if a.ConversationType() == ConversationChannel {
			return "" // a channel always names its team
		}
	}
	return a.TenantID()
}

// replyChainRoot is the root message id of the reply chain the activity is
// in, or "" for a root post and outside channels. Teams addresses a chain
// as "<channel>;messageid=<root>", and a root post's own conversation id
// names itself.
func replyChainRoot(a *Activity) string {
	if a.ConversationType() != ConversationChannel {
		return ""
	}
	root := ThreadRoot(a.Conversation.ID)
	if root == "" && a.Type != TypeInvoke {
		root = a.ReplyToID
	}
	if root == a.ID {
		return ""
	}
	return root
}

func ignore(reason string) Inbound { return Inbound{Kind: InboundIgnore, Reason: reason} }

// orderKey is the ordering key of what a person did where in is.
func (in Inbound) orderKey() string {
	switch {
	case in.ConversationType == ConversationPersonal:
		return UserKey(in.TeamID, in.UserID)
	case in.Thread != "":
		return ThreadKey(in.TeamID, in.Channel, in.Thread)
	}
	return ChannelKey(in.TeamID, in.Channel)
}

func control(a *Activity, in Inbound) Inbound {
	ca, err := a.CardAction()
	if err != nil {
		return ignore(ident(a.Type) + " with no card action")
	}
	in.Kind = InboundControl
	in.Action, in.Value = ca.Action, ca.Value
	in.OrderKey = in.orderKey()
	return in
}

// CommandWord is what a message to the bot begins with to be the command
// "/reflect": Teams has no slash commands.
const CommandWord = "reflect"

// commandText reports whether text is the command, and what followed the
// command word: "reflect Kestrel" and "/reflect Kestrel" give "Kestrel".
func commandText(text string) (string, bool) {
	t := strings.TrimPrefix(text, "/")
	if len(t) < len(CommandWord) || !strings.EqualFold(t[:len(CommandWord)], CommandWord) {
		return "", false
	}
	rest := t[len(CommandWord):]
	if rest != "" {
		r := []rune(rest)[0]
		if !unicode.IsSpace(r) {
			return "", false // "reflection …", "reflective …"
		}
	}
	return strings.TrimSpace(rest), true
}

// mentionsBot reports whether the message @mentions the bot (through its
// entities, as TextWithoutMention reads them).
func mentionsBot(a *Activity, botID string) bool {
	for _, e := range a.Entities {
		if strings.EqualFold(e.Type, "mention") && e.Mentioned != nil && e.Text != "" && sameBotID(e.Mentioned.ID, botID) {
			return true
		}
	}
	return false
}

func message(a *Activity, in Inbound, botID string) Inbound {
	text := a.TextWithoutMention(botID)
	addressed := mentionsBot(a, botID)
	switch in.ConversationType {
	case ConversationPersonal:
		addressed = true
	case ConversationChannel, ConversationGroup:
	default:
		return ignore("message in conversation type " + ident(in.ConversationType))
	}
	if addressed {
		if rest, ok := commandText(text); ok {
			in.Kind, in.Text = InboundCommand, rest
			if in.ConversationType != ConversationPersonal {
				// A command is the channel's, wherever in it it was said.
				in.Thread = ""
			}
			in.OrderKey = in.orderKey()
			return in
		}
	}
	if in.ConversationType == ConversationChannel && in.Thread != "" {
		if text == "" {
			// A bare @mention in a reply chain: what can I do?
			in.Kind = InboundHelp
			in.OrderKey = in.orderKey()
			return in
		}
		in.Kind, in.Text, in.MessageID = InboundReply, text, a.ID
		in.OrderKey = in.orderKey()
		return in
	}
	if !addressed {
		// A channel post or group chat message the bot only saw through
		// RSC: not addressed to it, not in a chain it could have started.
		return ignore("message not addressed to the bot")
	}
	in.Kind = InboundHelp
	in.Thread = ""
	in.OrderKey = in.orderKey()
	return in
}

func change(a *Activity, in Inbound, botID string, kind InboundKind) Inbound {
	if in.ConversationType != ConversationChannel || in.Thread == "" {
		// Answers are only ever replies in a chain.
		return ignore(ident(a.Type) + " outside a reply chain")
	}
	in.Kind, in.MessageID = kind, a.ID
	in.OrderKey = in.orderKey()
	if kind == InboundEdit {
		in.Text = a.TextWithoutMention(botID)
		// The activity's id is the edited message's, the same for every
		// edit of it: the edit's time tells edits apart, and a re-sent
		// activity carries the same time.
		in.DedupKey = DedupPrefix + "edit:" + a.ID + ":" + editStamp(a)
	} else {
		in.DedupKey = DedupPrefix + "delete:" + a.ID
	}
	return in
}

// editStamp tells one edit of a message from another: its timestamp, else
// a digest of the new text (never the text itself).
func editStamp(a *Activity) string {
	if !a.Timestamp.IsZero() {
		return a.Timestamp.UTC().Format(time.RFC3339Nano)
	}
	sum := sha256.Sum256([]byte(a.Text))
	return hex.EncodeToString(sum[:12])
}

// ident keeps a protocol name (an activity type, an invoke name, an event
// type) fit for a log: a name of at most 40 ASCII letters, digits and
// _.:/- is kept; anything else, which no protocol name looks like, is
// replaced whole, so no text can reach a log through it.
func ident(s string) string {
	if s == "" {
		return `""`
	}
	if len(s) > 40 {
		return "(unrecognised name)"
	}
	for _, r := range s {
		if r >= 128 || !(r == '_' || r == '.' || r == ':' || r == '/' || r == '-' || unicode.IsLetter(r) || unicode.IsDigit(r)) {
			return "(unrecognised name)"
		}
	}
	return s
}
