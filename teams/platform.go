package teams

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"whatmatters/delivery"
	"whatmatters/flows"
	"whatmatters/inbox"
)

// The adapter as the delivery machinery's platform (delivery.Platform):
// a recorded activity is an Inbound; its step is the engine's, and what it
// owes are Sends (outbound.go), kept in the outbox as JSON.

// Prepare asks Teams nothing: an activity carries who acted (their Entra
// object id) and where, and the conversation records (remembered when it
// was received) say the rest.
func (a *Adapter) Prepare(context.Context, inbox.Delivery) any { return nil }

// Batchable reports whether d is a reply in a channel's reply chain: those
// of one chain share a transaction.
func (a *Adapter) Batchable(d inbox.Delivery) bool { return d.Kind == kindReply }

// Step runs a recorded activity through the engine on tx and renders the
// replies as sends.
func (a *Adapter) Step(ctx context.Context, tx delivery.Store, d inbox.Delivery, _ any) (delivery.Stepped, error) {
	var rec submitted
	if d.Kind == kindSubmit {
		if err := json.Unmarshal(d.Payload, &rec); err != nil {
			return delivery.Stepped{}, fmt.Errorf("%w: %w", delivery.ErrUnreadable, err)
		}
	} else if err := json.Unmarshal(d.Payload, &rec.In); err != nil {
		return delivery.Stepped{}, fmt.Errorf("%w: %w", delivery.ErrUnreadable, err)
	}
	in := rec.In
	o := OriginOf(in)
	st := delivery.Stepped{Team: in.TeamID, Channel: in.Channel, Origin: o}
	if d.Kind != kindSubmit && homeWanted(in) {
		owed, err := a.homeSend(ctx, a.engineOn(tx), in)
		st.Owed = owed
		return st, err
	}
	var replies []flows.Reply
	var err error
	if d.Kind == kindSubmit {
		replies, err = a.runSubmission(ctx, a.engineOn(tx), rec)
	} else {
		replies, err = a.run(ctx, a.engineOn(tx), in)
	}
	if err != nil {
		return st, err
	}
	st.Owed, err = a.owe(ctx, a.convsIn(tx), replies, o)
	return st, err
}

// run is the engine's step for what a person did.
func (a *Adapter) run(ctx context.Context, eng *flows.Engine, in Inbound) ([]flows.Reply, error) {
	actor := flows.Actor{TeamID: in.TeamID, UserID: in.UserID}
	switch in.Kind {
	case InboundCommand:
		if reflectionCommand(in.Text) {
			if err := in.ReflectionsHere(); err != nil {
				// Refused before the engine is asked: Outbound explains
				// it in the person's 1:1 chat.
				return []flows.Reply{refusalNotice(err, in.UserID)}, nil
			}
		}
		return eng.Command(ctx, flows.Command{Actor: actor, Channel: in.Channel, Text: in.Text})
	case InboundHelp:
		help := flows.HelpReply(in.Channel, in.UserID)
		if in.ConversationType == ConversationPersonal {
			help.Kind = flows.Post
		}
		return []flows.Reply{help}, nil
	case InboundInstall:
		if in.ConversationType != ConversationChannel {
			help := flows.HelpReply(in.Channel, in.UserID)
			help.Kind = flows.Post
			return []flows.Reply{help}, nil
		}
		return []flows.Reply{{Kind: flows.Post, Channel: in.Channel,
			Title: "What Matters: reflect together on what matters to the people you care for",
			Parts: []flows.Part{{Text: "Start a reflection here with @What Matters reflect, then answer its questions in the reply thread. @What Matters help lists everything I can do."}}}}, nil
	case InboundReply:
		replies, err := eng.Message(ctx, flows.Message{Actor: actor, Channel: in.Channel, Thread: in.Thread, ID: in.MessageID, Text: in.Text})
		if errors.Is(err, flows.ErrUnknownThread) {
			// The team's own conversation: nothing is kept.
			return nil, nil
		}
		return replies, err
	case InboundEdit, InboundDelete:
		return eng.Edit(ctx, flows.Edit{Actor: actor, Channel: in.Channel, Thread: in.Thread, MessageID: in.MessageID,
			Text: in.Text, Withdraw: in.Kind == InboundDelete})
	case InboundControl:
		return a.control(ctx, eng, in, actor)
	}
	return nil, fmt.Errorf("%w: inbound kind %s", delivery.ErrUnreadable, in.Kind)
}

// reflectionCommand reports whether a command may start a reflection or a
// session, which need a channel's reply chain: any but the subcommands
// that only read or change settings (anything else, a pseudonym among
// them, starts one).
func reflectionCommand(text string) bool {
	word, _, _ := strings.Cut(strings.TrimSpace(strings.ToLower(text)), " ")
	return !settingsWords[word]
}

// settingsWords are the subcommands that start nothing in a channel.
var settingsWords = map[string]bool{
	"help": true, "snooze": true, "away": true, "back": true, "timezone": true, "quotes": true, "my-data": true,
	"forget-me": true, "cases": true, "digest": true, "settings": true, "discipline": true, "facilitator": true,
	"facilitators": true, "actions": true, "action": true, "outcome": true, "outcomes": true, "templates": true,
}

// control runs a card's button: a reflection's or a session's (the
// engine's Act), or the home card's.
func (a *Adapter) control(ctx context.Context, eng *flows.Engine, in Inbound, actor flows.Actor) ([]flows.Reply, error) {
	if cmd, ok := HomeCommand(in.Action); ok {
		return eng.Command(ctx, flows.Command{Actor: actor, Channel: in.Channel, Text: cmd})
	}
	switch in.Action {
	case HomeActionDone:
		return actionDone(ctx, eng, in, actor)
	case flows.ActionNotTheirName:
		// The person confirms a pseudonym that is also a first name: the
		// command again, with the confirmation.
		if !strings.HasSuffix(in.Value, " "+flows.NotTheirName) {
			return nil, fmt.Errorf("%w: not-their-name button without the confirmation", delivery.ErrUnreadable)
		}
		return eng.Command(ctx, flows.Command{Actor: actor, Channel: in.Channel, Text: in.Value})
	}
	act := flows.Action{Actor: actor, Channel: in.Channel, Name: in.Action}
	switch in.Action {
	case flows.ActionWithdraw:
		act.AnswerID, _ = strconv.ParseInt(in.Value, 10, 64)
	case flows.ActionForgetMe:
		if in.Value != in.UserID {
			return []flows.Reply{{Kind: flows.Notice, Channel: in.Channel, User: in.UserID,
				Title: "That button is for the person who asked to be forgotten.",
				Parts: []flows.Part{{Text: "Nothing was changed. To delete your own contributions: @What Matters reflect forget-me."}}}}, nil
		}
	default:
		act.ReflectionID, act.Stage = flows.ParseReflectionButton(in.Value)
	}
	return eng.Act(ctx, act)
}

// owe renders replies as sends, encoded for the outbox, reading what it
// needs (a channel's type, a person's 1:1 chat) through convs: inside a
// transaction, the transaction's own.
func (a *Adapter) owe(ctx context.Context, convs Conversations, replies []flows.Reply, o Origin) ([][]byte, error) {
	if len(replies) == 0 {
		return nil, nil
	}
	plan, err := Outbound(replies, o, a.outboundOptions(ctx, convs))
	if err != nil {
		return nil, err
	}
	out := make([][]byte, len(plan.Sends))
	for i, s := range plan.Sends {
		if out[i], err = json.Marshal(s); err != nil {
			return nil, fmt.Errorf("teams: encoding a send for the outbox: %w", err)
		}
	}
	return out, nil
}

// outboundOptions look up what replies do not say, from the conversation
// records: a channel's type, and a person's Teams id and 1:1 chat.
func (a *Adapter) outboundOptions(ctx context.Context, convs Conversations) OutboundOptions {
	opt := OutboundOptions{Card: a.card}
	opt.ChannelType = func(channel string) string {
		c, err := convs.Conversation(ctx, Platform, channel)
		if err != nil {
			return ""
		}
		return c.ChannelType
	}
	opt.Person = func(user string) (string, string) {
		c, err := convs.PersonalConversation(ctx, Platform, "", user)
		if err != nil {
			return "", ""
		}
		return c.TeamsUserID, c.ID
	}
	return opt
}

// unwrapper is a transaction's Store wrapped by the delivery machinery (a
// batch's), giving the Store it wraps.
type unwrapper interface{ Unwrap() delivery.Store }

// convsIn is the conversation records as seen by the transaction tx: its
// own reads, never another connection's (SQLite has one, which tx holds).
func (a *Adapter) convsIn(tx delivery.Store) Conversations {
	for {
		if c, ok := tx.(Conversations); ok {
			return c
		}
		u, ok := tx.(unwrapper)
		if !ok {
			return noConversations{}
		}
		tx = u.Unwrap()
	}
}

// noConversations knows of no conversation: a transaction's Store that
// keeps none (a test's) reads nothing beside it.
type noConversations struct{ Conversations }

func (noConversations) Conversation(context.Context, string, string) (inbox.Conversation, error) {
	return inbox.Conversation{}, flows.ErrNotFound
}

func (noConversations) PersonalConversation(context.Context, string, string, string) (inbox.Conversation, error) {
	return inbox.Conversation{}, flows.ErrNotFound
}

func (noConversations) TeamChannels(context.Context, string, string) ([]inbox.Conversation, error) {
	return nil, nil
}

func (noConversations) PersonTeam(context.Context, string, string, string) (string, error) {
	return "", flows.ErrNotFound
}

// Sorry is the notice owed when the machinery gives up on a person's
// activity: in their 1:1 chat.
func (a *Adapter) Sorry(ctx context.Context, tx delivery.Store, d inbox.Delivery, st delivery.Stepped) ([][]byte, error) {
	o, ok := st.Origin.(Origin)
	if !ok || o.UserID == "" {
		return nil, nil
	}
	sorry := flows.Reply{Kind: flows.Notice, User: o.UserID,
		Title: "Sorry, that didn't work, and nothing was changed by it.",
		Parts: []flows.Part{{Text: "Please try again. If it keeps happening, tell whoever looks after What Matters in your organisation."}}}
	return a.owe(ctx, a.convsIn(tx), []flows.Reply{sorry}, o)
}

// Render renders the replies of a step no delivery caused (a check-in, a
// session's timer, a digest) that go to Teams: those for a channel or chat
// of Teams (ids with a colon: "19:…", "a:…"), or, naming none, for a
// person of Teams (an Entra object id, a GUID). Where each goes is looked
// up when it is sent (Send fills in the service URL and tenant).
func (a *Adapter) Render(ctx context.Context, tx delivery.Store, replies []flows.Reply) ([][]byte, error) {
	var mine []flows.Reply
	for _, r := range replies {
		if IsConversationID(r.Channel) || (r.Channel == "" && IsGUID(r.User)) {
			mine = append(mine, r)
		}
	}
	if len(mine) == 0 {
		return nil, nil
	}
	// The markers come from the origin's delivery: one of its own for
	// each step.
	o := Origin{ConversationType: ConversationChannel, Delivery: fmt.Sprintf("scheduled:%d:%d", a.now().UnixNano(), a.steps.Add(1))}
	return a.owe(ctx, a.convsIn(tx), mine, o)
}

// IsConversationID reports whether id is a Teams conversation id: they
// all carry a colon ("19:…@thread.tacv2", "a:…", "19:…@unq.gbl.spaces"),
// which Slack's channel ids never do.
func IsConversationID(id string) bool { return strings.Contains(id, ":") }
