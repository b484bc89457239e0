package teams

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"

	"whatmatters/flows"
)

// SendKind is what the connector is asked to do with one Send.
type SendKind int

const (
	// SendPost posts a new message into Conversation: in a channel, a root
	// post, whose id becomes a reflection's or session's reply chain.
	SendPost SendKind = iota + 1
	// SendReply posts into the reply chain under Thread in the channel
	// Conversation (Connector.ReplyInThread).
	SendReply
	// SendUpdate replaces the bot's message MessageID (Connector.Update):
	// a session's message kept current.
	SendUpdate
	// SendPersonal posts into the person's 1:1 chat with the bot: a
	// private notice (Teams has no ephemeral messages) or a direct
	// message. Conversation is the chat when known; else OpenChat says to
	// open it first (Connector.CreatePersonalConversation).
	SendPersonal
)

var sendNames = [...]string{"", "post", "reply", "update", "personal"}

func (k SendKind) String() string {
	if int(k) <= 0 || int(k) >= len(sendNames) {
		return "unknown"
	}
	return sendNames[k]
}

// Uncertainty says what to do when a send's outcome is unknown (the
// connector's SendError.Uncertain).
type Uncertainty int

const (
	// RetrySafe: sending again does no harm (an update replaces the same
	// message with the same card).
	RetrySafe Uncertainty = iota + 1
	// LookFirst: look for Marker among the channel's recent messages
	// before posting again. The Bot Connector cannot read messages back;
	// Microsoft Graph can, for a team whose owner granted the RSC
	// permission ChannelMessage.Read.Group. Without it, post again: a
	// repeated message rather than a lost question.
	LookFirst
	// Resend: nothing can look the message up (a 1:1 chat's messages are
	// readable only with tenant-wide Graph permissions this bot does not
	// ask for): send again, accepting a rare repeated notice.
	Resend
)

// Send is one connector call owed for the engine's replies, as a plain
// value the outbox can keep: rendered already, so a retry sends exactly
// what was decided.
type Send struct {
	Kind       SendKind
	ServiceURL string
	TenantID   string
	// Conversation is the channel or chat id, without a reply chain
	// suffix; for SendPersonal, the 1:1 chat when known.
	Conversation string
	// Thread is the reply chain root: where a SendReply goes, or the
	// chain of the message a SendUpdate replaces.
	Thread string
	// MessageID is the message a SendUpdate replaces.
	MessageID string
	// User is the person a SendPersonal is for (Entra object id), and
	// TeamsUserID their Teams id ("29:…") when known; OpenChat says no 1:1
	// chat is known, so open one (CreatePersonalConversation) first.
	User        string
	TeamsUserID string
	OpenChat    bool
	// Notice marks a SendPersonal that stands in for Slack's ephemeral
	// notice; false for a direct message.
	Notice bool

	// Activity is the message: one Adaptive Card.
	Activity *Activity
	// Marker is the send's idempotency marker, carried as the id of the
	// card's first element (CardMarker reads it back): the same for every
	// attempt, so an earlier attempt can be recognised where messages can
	// be read back. OnUncertain says whether they can.
	Marker      string
	OnUncertain Uncertainty

	// Anchor, Session and Digest, on the first send of a root post, are
	// the reflection to anchor (Engine.Anchored), the session
	// (Engine.SessionAnchored) and the digest (Engine.DigestPosted) to
	// tell once the post is accepted, with its new id.
	Anchor, Session, Digest int64
	// Attachment is unused: a reply's file goes in sends of its own after
	// it (files.go). Kept so that sends already in an outbox still read.
	Attachment *flows.Attachment `json:",omitempty"`
}

// Refusal is a reply the adapter will not send because Teams cannot
// deliver it: Reply is its index in the replies, Err why.
type Refusal struct {
	Reply   int
	Channel string
	Err     error
}

// Plan is what the engine's replies become: the sends, in order, and the
// replies refused (each already explained to the person, when known, by a
// SendPersonal notice among the sends).
type Plan struct {
	Sends   []Send
	Refused []Refusal
}

// The platform limits a reply can meet.
var (
	// ErrPrivateChannel: apps cannot post in private channels (Microsoft
	// has bots in private channels only in public developer preview).
	ErrPrivateChannel = errors.New("teams: apps cannot post in a private channel")
	// ErrNoReplyChains: a reflection or session needs a channel's reply
	// chain; chats have none.
	ErrNoReplyChains = errors.New("teams: a reflection needs a channel's reply chain; chats have none")
)

// Origin is where the activity the replies answer came from: replies that
// name no channel or person go there.
type Origin struct {
	TeamID     string
	TenantID   string
	ServiceURL string
	// Channel, ConversationType, ChannelType and Thread as Inbound has
	// them.
	Channel          string
	ConversationType string
	ChannelType      string
	Thread           string
	// UserID and TeamsUserID: who acted.
	UserID      string
	TeamsUserID string
	// Delivery is the inbox delivery (or outbox message) the replies are
	// owed for: the markers are derived from it, so translating the same
	// replies again gives the same markers.
	Delivery string
}

// OriginOf is the origin of an inbound activity's replies.
func OriginOf(in Inbound) Origin {
	return Origin{
		TeamID: in.TeamID, TenantID: in.TenantID, ServiceURL: in.ServiceURL,
		Channel: in.Channel, ConversationType: in.ConversationType, ChannelType: in.ChannelType, Thread: in.Thread,
		UserID: in.UserID, TeamsUserID: in.TeamsUserID, Delivery: in.DedupKey,
	}
}

// OutboundOptions gives what the replies do not say. Every function may be
// nil.
type OutboundOptions struct {
	Card CardOptions
	// ChannelType gives the type ("standard", "shared", "private") of a
	// channel other than the origin's; "" when unknown.
	ChannelType func(channel string) string
	// Person gives a person's Teams id and their known 1:1 chat with the
	// bot; "" for what is not known.
	Person func(user string) (teamsUserID, chat string)
}

// MarkerPrefix begins every idempotency marker.
const MarkerPrefix = "wm-"

// Marker is the idempotency marker of the i-th send owed for a delivery:
// not guessable from the text, stable across attempts.
func Marker(delivery string, i int) string {
	sum := sha256.Sum256([]byte(delivery + "\x00" + strconv.Itoa(i)))
	return MarkerPrefix + hex.EncodeToString(sum[:12])
}

// Outbound turns the engine's replies into the sends that deliver them, in
// order. An error means a reply could not be rendered at all.
func Outbound(replies []flows.Reply, o Origin, opt OutboundOptions) (Plan, error) {
	if o.Delivery == "" {
		return Plan{}, errors.New("teams: outbound needs the delivery, for its markers")
	}
	b := planner{o: o, opt: opt}
	for i, r := range replies {
		if err := b.reply(i, r); err != nil {
			return Plan{}, err
		}
	}
	return b.plan, nil
}

type planner struct {
	o    Origin
	opt  OutboundOptions
	plan Plan
}

func (b *planner) reply(i int, r flows.Reply) error {
	switch r.Kind {
	case flows.Ack:
		// Teams gives bots no reaction to mark a message with: nothing.
		return nil
	case flows.Notice:
		user := r.User
		if user == "" {
			user = b.o.UserID
		}
		return b.personal(r, user, true)
	case flows.Direct:
		return b.personal(r, r.User, false)
	case flows.Update:
		channel := b.channelOf(r)
		if channel == "" || r.Message == "" {
			return nil
		}
		if err := b.postable(i, r, channel, false); err != nil {
			return ignoreRefusal(err)
		}
		return b.add(r, Send{Kind: SendUpdate, Conversation: channel, Thread: r.Thread, MessageID: r.Message,
			OnUncertain: RetrySafe})
	}
	// A Post, and any kind this adapter does not know.
	channel := b.channelOf(r)
	if channel == "" {
		return nil
	}
	if err := b.postable(i, r, channel, r.Anchor != 0 || r.Session != 0); err != nil {
		return ignoreRefusal(err)
	}
	s := Send{Kind: SendPost, Conversation: channel, OnUncertain: LookFirst,
		Anchor: r.Anchor, Session: r.Session, Digest: r.Digest}
	if r.Thread != "" && b.conversationType(channel) == ConversationChannel {
		s.Kind, s.Thread = SendReply, r.Thread
	}
	if b.conversationType(channel) != ConversationChannel {
		s.OnUncertain = Resend
	}
	if err := b.add(r, s); err != nil {
		return err
	}
	return b.fileSends(r, b.plan.Sends[len(b.plan.Sends)-1])
}

// errRefused says a refusal was recorded: not a failure of the plan.
var errRefused = errors.New("refused")

func ignoreRefusal(err error) error {
	if errors.Is(err, errRefused) {
		return nil
	}
	return err
}

func (b *planner) channelOf(r flows.Reply) string {
	if r.Channel != "" {
		return RootConversationID(r.Channel)
	}
	return b.o.Channel
}

// conversationType is the origin's when channel is the origin's; else read
// from the id: channels are "19:…@thread.tacv2" (or the older
// "@thread.skype"), group chats "19:…@thread.v2", 1:1 chats "a:…".
func (b *planner) conversationType(channel string) string {
	if channel == b.o.Channel && b.o.ConversationType != "" {
		return b.o.ConversationType
	}
	switch {
	case strings.HasSuffix(channel, "@thread.tacv2"), strings.HasSuffix(channel, "@thread.skype"):
		return ConversationChannel
	case strings.HasPrefix(channel, "a:"):
		return ConversationPersonal
	}
	return ConversationGroup
}

func (b *planner) channelType(channel string) string {
	if channel == b.o.Channel && b.o.ChannelType != "" {
		return b.o.ChannelType
	}
	if b.opt.ChannelType != nil {
		return strings.ToLower(b.opt.ChannelType(channel))
	}
	return ""
}

// postable refuses a post Teams cannot deliver, recording the refusal and
// telling the person who acted.
func (b *planner) postable(i int, r flows.Reply, channel string, needsChain bool) error {
	var why error
	switch {
	case b.conversationType(channel) == ConversationChannel && b.channelType(channel) == ChannelPrivate:
		why = ErrPrivateChannel
	case needsChain && b.conversationType(channel) != ConversationChannel:
		why = ErrNoReplyChains
	default:
		return nil
	}
	b.plan.Refused = append(b.plan.Refused, Refusal{Reply: i, Channel: channel, Err: why})
	if b.o.UserID != "" && !b.explained(why) {
		if err := b.personal(refusalNotice(why, b.o.UserID), b.o.UserID, true); err != nil {
			return err
		}
	}
	return errRefused
}

// explained reports whether an earlier refusal of the same kind was
// explained already: one notice is enough.
func (b *planner) explained(why error) bool {
	n := 0
	for _, r := range b.plan.Refused {
		if errors.Is(r.Err, why) {
			n++
		}
	}
	return n > 1
}

// refusalNotice explains a refusal, in the engine's plain words.
func refusalNotice(why error, user string) flows.Reply {
	r := flows.Reply{Kind: flows.Notice, User: user}
	switch {
	case errors.Is(why, ErrPrivateChannel):
		r.Title = "What Matters can't post in a private channel."
		r.Parts = []flows.Part{{Text: "Teams doesn't let apps post in private channels. Nothing was started. Please use a standard channel of your team instead."}}
	default:
		r.Title = "Reflections happen in a channel."
		r.Parts = []flows.Part{{Text: "A reflection needs a channel's reply thread, which chats don't have. Nothing was started. Please start it in a standard channel of your team: @What Matters reflect."}}
	}
	return r
}

// personal sends r to user's 1:1 chat: the origin's when they acted there,
// else the chat known for them, else a new one.
func (b *planner) personal(r flows.Reply, user string, notice bool) error {
	if user == "" {
		return nil
	}
	s := Send{Kind: SendPersonal, User: user, Notice: notice, OnUncertain: Resend}
	if user == b.o.UserID {
		s.TeamsUserID = b.o.TeamsUserID
		if b.o.ConversationType == ConversationPersonal {
			s.Conversation = b.o.Channel
		}
	}
	if s.Conversation == "" && b.opt.Person != nil {
		id, chat := b.opt.Person(user)
		if s.TeamsUserID == "" {
			s.TeamsUserID = id
		}
		s.Conversation = chat
	}
	s.OpenChat = s.Conversation == ""
	if err := b.add(r, s); err != nil || notice {
		return err
	}
	return b.fileSends(r, b.plan.Sends[len(b.plan.Sends)-1])
}

// add renders r's card, marks it and appends the send.
func (b *planner) add(r flows.Reply, s Send) error {
	s.ServiceURL, s.TenantID = b.o.ServiceURL, b.o.TenantID
	s.Marker = Marker(b.o.Delivery, len(b.plan.Sends))
	opt := b.opt.Card
	opt.Marker = s.Marker
	a, err := CardActivity(r, opt)
	if err != nil {
		return err
	}
	s.Activity = a
	b.plan.Sends = append(b.plan.Sends, s)
	return nil
}

// ReflectionsHere says whether a reflection or session can happen where
// the activity came from: nil in a standard or shared channel;
// ErrPrivateChannel in a private one; ErrNoReplyChains in a chat. The
// integration can refuse a command that would start one before asking the
// engine (as the Slack adapter refuses a channel the person is not in);
// Outbound refuses the posts anyway.
func (in Inbound) ReflectionsHere() error {
	switch {
	case in.ConversationType != ConversationChannel:
		return ErrNoReplyChains
	case in.Private():
		return ErrPrivateChannel
	}
	return nil
}
