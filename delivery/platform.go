package delivery

import (
	"context"
	"fmt"
	"time"

	"whatmatters/flows"
	"whatmatters/inbox"
)

// Platform is what a chat platform's adapter (Slack's, Teams') gives the
// delivery machinery. The machinery records what the platform received,
// runs each delivery of a key in order under the key's lock, keeps what
// the step owes in the outbox in the same transaction, and asks the
// platform to send it; it knows nothing of payloads, rendering or the
// platform's API.
//
// A platform owns the deliveries whose ids begin with its prefix (see
// Service.Register); the messages a delivery owes are sent by the
// platform that owns the delivery.
type Platform interface {
	// Prepare does what a delivery needs from the platform before its
	// transaction starts (who acted, which channels are private), so that
	// no database lock is held across a call to the platform. What it
	// returns is handed to Step as it is; nil is allowed.
	Prepare(ctx context.Context, d inbox.Delivery) any
	// Batchable reports whether d needs nothing from Prepare, so that it
	// may share one transaction with the deliveries of its key after it
	// (a thread's answers arriving together).
	Batchable(d inbox.Delivery) bool
	// Step runs d through the engine, inside the transaction tx, and
	// returns what it owes the platform, in order; it reads only through
	// tx. Its error ErrUnreadable
	// (wrapped) says the delivery can never be processed. The Stepped is
	// returned even with an error when the platform knows who to tell.
	Step(ctx context.Context, tx Store, d inbox.Delivery, prep any) (Stepped, error)
	// Sorry is what d owes, in place of its step, when the machinery gives
	// up on it: a notice to the person, from what Step returned. Nothing
	// when the platform does not know who acted. It runs inside the
	// transaction tx, and reads only through it.
	Sorry(ctx context.Context, tx Store, d inbox.Delivery, st Stepped) ([][]byte, error)
	// Render is what replies of a step no delivery caused (a check-in, a
	// session's timer) owe the platform: those of its own teams and
	// channels only. It runs inside the step's transaction tx, and reads
	// only through it (on SQLite's one connection, a read beside it would
	// wait for ever).
	Render(ctx context.Context, tx Store, replies []flows.Reply) ([][]byte, error)
	// Send sends messages from the start of pending (the unsent messages
	// of one key, in order, all this platform's) and removes each from
	// the outbox (Store.DeleteOutbox) once the platform has it or it can
	// never be sent. It returns how many it dealt with; at least one
	// unless it fails. A *RetryLater error asks for a wait; any other, a
	// retry of the delivery's job.
	Send(ctx context.Context, pending []inbox.OutboxMessage) (int, error)
}

// Stepped is what a delivery's step owes, and where it came from.
type Stepped struct {
	// Owed are the messages owed, in the platform's own encoding.
	Owed [][]byte
	// Team and Channel say where the delivery came from, for logs.
	Team, Channel string
	// Origin is the platform's own record of who acted and where, for
	// Sorry.
	Origin any
}

// ErrUnreadable marks a recorded delivery that cannot be processed however
// often it is tried: the machinery gives up on it at once.
var ErrUnreadable = fmt.Errorf("unreadable delivery")

// RetryLater is a wait before a message may go: its channel's pace, a
// 429's Retry-After, or the backoff of a failing platform. Delivery and
// Key are the waiting message's (set by the machinery when the platform
// leaves them empty), so that whoever meets the wait can hand that
// delivery's round on when it ends.
type RetryLater struct {
	Wait          time.Duration
	Err           error
	Delivery, Key string
}

func (e *RetryLater) Error() string { return fmt.Sprintf("rate limited for %s: %v", e.Wait, e.Err) }
func (e *RetryLater) Unwrap() error { return e.Err }

// KindScheduled marks the record of an engine step no delivery caused: a
// weekly check-in, a nudge to a quiet thread. It is recorded processed
// already, so that its replies in the outbox have a delivery the sweep can
// take up if sending them fails.
const KindScheduled = "scheduled"
