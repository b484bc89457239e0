// Package inbox holds the records of the Slack adapter's inbox and outbox:
// the deliveries it acknowledged and the calls to Slack it owes. They are
// transport concepts, not the domain's, so they live neither in flows nor
// in bot: storage keeps them and bot uses them, and neither imports the
// other. The interface over them is delivery.Queue.
package inbox

import "time"

// Delivery is one incoming delivery from Slack (an event, a slash command or
// an interaction), recorded before it is acknowledged so that nothing
// acknowledged is lost and nothing retried is done twice.
type Delivery struct {
	ID      string // Slack's event_id, or a key derived from the payload
	Kind    string // event, command, interaction
	Payload []byte // cleared once processed
	// Key groups deliveries that must be processed one after another, in
	// the order they were recorded: the adapter chooses it (for Slack, the
	// team, channel and thread of a thread reply). Empty is a key too.
	Key string
	// Seq is set by the store when the delivery is recorded: it grows with
	// every delivery recorded, so it orders the deliveries of one Key.
	Seq         int64
	ReceivedAt  time.Time
	ProcessedAt time.Time // zero until processed
}

// OutboxMessage is one call to Slack owed for a processed delivery: a post,
// a private notice, a reaction. It is written in the same transaction that
// marks its delivery processed, so a reply decided is never lost, and
// deleted once the call has succeeded, since it holds people's words.
type OutboxMessage struct {
	ID         int64  // set by the store; orders the messages of one Key
	DeliveryID string // the delivery whose processing owes this message
	Key        string // the delivery's Key: messages of one Key are sent in ID order
	Payload    []byte // what to send, in the adapter's own encoding
	CreatedAt  time.Time
	// Attempts counts the tries to send it that may have reached Slack.
	Attempts int
}
