package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"whatmatters/delivery"
	"whatmatters/flows"
	"whatmatters/inbox"
)

// errUnreadable marks a recorded delivery that cannot be processed however
// often it is tried.
var errUnreadable = delivery.ErrUnreadable

// The adapter is the delivery machinery's platform for Slack: Prepare asks
// Slack what a step needs before its transaction, Step runs the engine
// and renders its replies as Web API calls, Send (outbox.go) makes them.

// prepared is what Prepare learned from Slack for a delivery's step.
type prepared struct {
	who flows.Actor
	// refused, when set, is all the delivery owes: a channel the person
	// chose is one they must be in, and the engine is not asked.
	refused []flows.Reply
	where   origin
}

// Prepare looks up, before the delivery's transaction, who acted (their
// organisation and admin standing), which channels are private and what
// the Home tab needs, so that no database lock is held across a call to
// Slack.
func (s *Slack) Prepare(ctx context.Context, d inbox.Delivery) any {
	p := prepared{who: s.whoActed(ctx, d)}
	s.warmPrivacy(ctx, d)
	s.warmHome(ctx, d)
	p.refused, p.where = s.notMember(ctx, d)
	return p
}

// Batchable reports whether d is a thread reply, which needs nothing from
// Slack before its transaction. A Home tab opened (an event under a
// person's key) asks Slack first.
func (s *Slack) Batchable(d inbox.Delivery) bool {
	return d.Kind == kindEvent && !isUserKey(d.Key)
}

// Step runs the delivery through the engine on tx and renders what it
// owes.
func (s *Slack) Step(ctx context.Context, tx delivery.Store, d inbox.Delivery, prep any) (delivery.Stepped, error) {
	p, _ := prep.(prepared)
	var cs []call
	var o origin
	var err error
	if p.refused != nil {
		o = p.where
		cs, err = calls(p.refused, o)
	} else {
		cs, o, err = s.run(ctx, s.engineOn(tx), d, p.who)
	}
	st := delivery.Stepped{Team: o.team, Channel: o.channel, Origin: o}
	if err != nil {
		return st, err
	}
	st.Owed, err = encodeCalls(cs)
	return st, err
}

// Sorry is the notice owed to the person when the machinery gives up on
// their delivery: beside what they did, or, for a form or a Home tab
// button (which have no channel), in a direct message.
func (s *Slack) Sorry(_ context.Context, _ delivery.Store, d inbox.Delivery, st delivery.Stepped) ([][]byte, error) {
	o, _ := st.Origin.(origin)
	if o.user == "" || (o.channel == "" && d.Kind != kindInteraction) {
		return nil, nil
	}
	sorry := flows.Reply{Kind: flows.Notice, Channel: o.channel, User: o.user,
		Title: "Sorry, that didn't work, and nothing was changed by it.",
		Parts: []flows.Part{{Text: "Please try again. If it keeps happening, tell whoever looks after What Matters in your workspace."}}}
	if o.channel == "" {
		sorry.Kind = flows.Direct
	}
	cs, err := calls([]flows.Reply{sorry}, o)
	if err != nil {
		return nil, err
	}
	return encodeCalls(cs)
}

// Render renders the replies of a step no delivery caused that go to
// Slack: those for Slack's channels and people. Another platform's ids
// differ: Teams' conversations hold a colon ("19:…@thread.tacv2"), which
// Slack's channel ids never do, and its people are Entra object ids
// (GUIDs, with hyphens), which Slack's member ids never are.
func (s *Slack) Render(_ context.Context, _ delivery.Store, replies []flows.Reply) ([][]byte, error) {
	mine := make([]flows.Reply, 0, len(replies))
	for _, r := range replies {
		if slackReply(r) {
			mine = append(mine, r)
		}
	}
	cs, err := calls(mine, origin{})
	if err != nil {
		return nil, err
	}
	return encodeCalls(cs)
}

// slackReply reports whether a reply of a scheduled step is Slack's: its
// channel is a Slack channel, or, with none, its person a Slack member.
func slackReply(r flows.Reply) bool {
	if r.Channel != "" {
		return !strings.Contains(r.Channel, ":")
	}
	return !strings.Contains(r.User, "-")
}

// encodeCalls encodes calls for the outbox.
func encodeCalls(cs []call) ([][]byte, error) {
	out := make([][]byte, len(cs))
	for i, c := range cs {
		b, err := json.Marshal(c)
		if err != nil {
			return nil, fmt.Errorf("encoding an outbox message: %w", err)
		}
		out[i] = b
	}
	return out, nil
}

// whoActed is the person behind a command or interaction, with their
// organisation and admin standing from Slack; for events (answers in
// threads) it is not needed and the zero Actor is returned.
func (s *Slack) whoActed(ctx context.Context, d inbox.Delivery) flows.Actor {
	if d.Kind == kindEvent && isUserKey(d.Key) {
		// A Home tab opened: what it lists depends on who opens it.
		var e eventPayload
		if err := json.Unmarshal(d.Payload, &e); err != nil || e.Event.Type != "app_home_opened" || e.Event.User == "" {
			return flows.Actor{}
		}
		return s.actor(ctx, e.TeamID, e.Event.User, e.Event.UserTeam)
	}
	if d.Kind != kindCommand && d.Kind != kindInteraction {
		return flows.Actor{}
	}
	var p struct {
		TeamID   string `json:"team_id"`
		UserID   string `json:"user_id"`
		UserTeam string `json:"user_team"`
	}
	if err := json.Unmarshal(d.Payload, &p); err != nil || p.UserID == "" {
		return flows.Actor{}
	}
	return s.actor(ctx, p.TeamID, p.UserID, p.UserTeam)
}

// homeTeam is a person's own workspace, kept beside their id when it is
// not the installation's.
func homeTeam(userTeam, installation string) string {
	if userTeam == installation {
		return ""
	}
	return userTeam
}

// run turns one delivery into engine calls and the engine's replies into
// Web API calls. The origin is returned even on failure, when known, so
// that the sender can be told.
func (s *Slack) run(ctx context.Context, eng *flows.Engine, d inbox.Delivery, who flows.Actor) ([]call, origin, error) {
	switch d.Kind {
	case kindCommand:
		var c commandPayload
		if err := json.Unmarshal(d.Payload, &c); err != nil {
			return nil, origin{}, fmt.Errorf("%w: %w", errUnreadable, err)
		}
		o := origin{team: c.TeamID, channel: c.ChannelID, user: c.UserID, responseURL: c.ResponseURL}
		replies, err := eng.Command(ctx, flows.Command{
			Actor: who, Channel: c.ChannelID, Text: plainText(c.Text),
		})
		return s.replied(replies, o, err)
	case kindEvent:
		var e eventPayload
		if err := json.Unmarshal(d.Payload, &e); err != nil {
			return nil, origin{}, fmt.Errorf("%w: %w", errUnreadable, err)
		}
		return s.runEvent(ctx, eng, e, who)
	case kindInteraction:
		var in interactionPayload
		if err := json.Unmarshal(d.Payload, &in); err != nil {
			return nil, origin{}, fmt.Errorf("%w: %w", errUnreadable, err)
		}
		return s.runInteraction(ctx, eng, in, who)
	}
	return nil, origin{}, fmt.Errorf("%w: kind %q", errUnreadable, d.Kind)
}

func (s *Slack) runEvent(ctx context.Context, eng *flows.Engine, e eventPayload, who flows.Actor) ([]call, origin, error) {
	ev := e.Event
	o := origin{team: e.TeamID, channel: ev.Channel, thread: ev.ThreadTS, user: ev.User, message: ev.TS}
	// Answers in threads ask Slack nothing: the event's user_team says
	// whether the writer is from another organisation.
	actor := flows.Actor{TeamID: e.TeamID, UserID: ev.User, HomeTeam: homeTeam(ev.UserTeam, e.TeamID),
		External: outsideByPayload(e.TeamID, ev.UserTeam)}
	switch ev.Type {
	case "message":
		if ev.Subtype == "message_changed" || ev.Subtype == "message_deleted" {
			o.message = ""
			replies, err := eng.Edit(ctx, flows.Edit{
				Actor: actor, Channel: ev.Channel, Thread: ev.ThreadTS, MessageID: ev.TS,
				Text: plainText(ev.Text), Withdraw: ev.Subtype == "message_deleted",
			})
			return s.replied(replies, o, err)
		}
		if ev.ThreadTS == "" || ev.ThreadTS == ev.TS {
			// A direct message to the bot: say what it can do.
			help := flows.HelpReply(ev.Channel, ev.User)
			help.Kind = flows.Post
			return s.replied([]flows.Reply{help}, o, nil)
		}
		replies, err := eng.Message(ctx, flows.Message{
			Actor: actor, Channel: ev.Channel, Thread: ev.ThreadTS, ID: ev.TS, Text: plainText(ev.Text),
		})
		if errors.Is(err, flows.ErrUnknownThread) {
			// Usually the team's own conversation; counted and logged (never
			// its text) so that a reply the bot should have placed, such as
			// one keyed on the wrong workspace, is not lost silently.
			s.metrics.unknownThread.Inc()
			s.log.DebugContext(ctx, "slack: reply in a thread that is no reflection's", "team", e.TeamID,
				"channel", ev.Channel, "thread", ev.ThreadTS, "user_team", ev.UserTeam)
			return nil, o, nil
		}
		return s.replied(replies, o, err)
	case "app_mention":
		help := flows.HelpReply(ev.Channel, ev.User)
		help.Title = "What Matters: reflect together on what matters to the people you care for"
		help.Buttons = []flows.Button{{Label: "Start a reflection here", Action: "start", Value: ev.Channel, Style: "primary"}}
		return s.replied([]flows.Reply{help}, o, nil)
	case "app_home_opened":
		o.channel, o.message = "", ""
		if who.UserID != ev.User || who.TeamID != e.TeamID {
			// Not looked up (it always is before the step): show nothing of
			// the team's rather than guess.
			who = flows.Actor{TeamID: e.TeamID, UserID: ev.User, External: true}
		}
		c, err := s.homeCall(ctx, eng, who)
		if err != nil {
			return nil, o, err
		}
		return []call{c}, o, nil
	}
	return nil, o, fmt.Errorf("%w: event type %q", errUnreadable, ev.Type)
}

// repliedWithHome renders the replies, then publishes the person's Home
// tab afresh (after a change they made from it or from a form).
func (s *Slack) repliedWithHome(ctx context.Context, eng *flows.Engine, replies []flows.Reply, o origin, who flows.Actor) ([]call, origin, error) {
	cs, err := calls(replies, o)
	if err != nil {
		return nil, o, err
	}
	c, err := s.homeCall(ctx, eng, who)
	if err != nil {
		return nil, o, err
	}
	return append(cs, c), o, nil
}

// replied renders the engine's replies, passing its error on.
func (s *Slack) replied(replies []flows.Reply, o origin, err error) ([]call, origin, error) {
	if err != nil {
		return nil, o, err
	}
	cs, err := calls(replies, o)
	return cs, o, err
}
