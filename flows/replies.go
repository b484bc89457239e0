package flows

// ReplyKind says how an adapter should deliver a Reply.
type ReplyKind int

const (
	// Post is a message everyone in the channel can see, in the thread when
	// Thread is set.
	Post ReplyKind = iota
	// Notice is meant for one person only (User): ephemeral in Slack.
	Notice
	// Ack quietly marks a person's message as received (a reaction in
	// Slack), without posting anything.
	Ack
	// Direct is a private message to User (a direct message in Slack),
	// possibly with an Attachment.
	Direct
	// Update replaces the message Message in Channel with this reply's
	// Title, Parts and Buttons (chat.update in Slack): a learning session's
	// message shows the current stage, time left, pause or end.
	Update
)

// Attachment is a file sent with a Direct reply.
type Attachment struct {
	Name string // file name, e.g. what-matters-my-data.json
	Type string // MIME type
	Data []byte
}

// Reply is something the bot says or does in answer to an input. All text in
// a Reply is plain text: adapters escape it and add their own formatting.
type Reply struct {
	Kind    ReplyKind
	Channel string
	Thread  string // empty for a post in the channel itself
	User    string // the person a Notice is for, or whose message an Ack marks
	// Message is the id of the message an Ack marks (when known), or of
	// the message an Update replaces.
	Message string
	// Anchor, when non-zero, is the reflection whose thread this post
	// starts: the adapter posts it, then calls Engine.Anchored with the new
	// message's id.
	Anchor int64
	// Session, when non-zero on a Post, is the learning session whose
	// message this is: the adapter posts it, then calls
	// Engine.SessionAnchored with the new message's id.
	Session int64
	Title   string
	Parts   []Part
	Buttons []Button
	// Attachment is a file to send with a Direct reply, or with a Post (a
	// digest's chart).
	Attachment *Attachment
	// Digest, on a digest's post, is its record: the adapter calls
	// Engine.DigestPosted once the post is accepted.
	Digest int64
}

// Part is one paragraph of a reply.
type Part struct {
	Label string // a short heading, e.g. a stage title; may be empty
	Text  string
	// Quote marks text a person wrote (shown as a quotation); By says who,
	// by discipline, never by name.
	Quote bool
	By    string
	// Users are user ids to mention after the text (rendered as mentions in
	// Slack, as names in the console).
	Users []string
	// Channels are channel ids to link after the users (rendered as
	// channel links in Slack, as #ID in the console).
	Channels []string
	// Link, when set, is a message to link to after the channels (a
	// permalink in Slack; "message ID in #CHANNEL" in the console).
	Link *MessageLink
}

// MessageLink names one message: its channel and id (a Slack ts).
type MessageLink struct {
	Channel string
	Message string
}

// Button offers an action on a reflection.
type Button struct {
	Label  string
	Action string // one of the Action* names
	Value  string // the reflection id
	Style  string // "primary", "danger" or empty
}

// The actions a button, or a one-word message in a reflection's thread, can
// take.
const (
	ActionNext   = "next"
	ActionSkip   = "skip"
	ActionDone   = "done"
	ActionCancel = "cancel"
	// ActionForgetMe confirms that the person pressing it wants everything
	// they contributed deleted.
	ActionForgetMe = "forget_me"
)
