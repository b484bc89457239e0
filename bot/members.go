package bot

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/slack-go/slack"

	"whatmatters/flows"
	"whatmatters/inbox"
)

// The bot posts into a channel someone chose (in a form, or with a
// button's value) only when Slack says they are a member of it
// (conversations.members). What a form or a button carries comes back
// from Slack as the person sent it, so it is checked like anything else
// they say.

// memberTTL is how long what conversations.members said about a person
// and a channel is remembered: long enough for a burst, short enough that
// someone who leaves a channel soon cannot post there.
const memberTTL = time.Minute

// membersPage is how many members one conversations.members call asks for
// (Slack's most is 1000), and membersPages how many pages are read at most
// before the person counts as not found: 20,000 members.
const (
	membersPage  = 1000
	membersPages = 20
)

type memberEntry struct {
	member bool
	at     time.Time
}

// channelMember reports whether user is a member of channel, asking Slack
// (conversations.members, page by page until the person is found) unless
// it said so within memberTTL. An error means Slack could not say (the bot
// not in the channel, say); nothing is remembered then.
func (s *Slack) channelMember(ctx context.Context, teamID, channel, user string) (bool, error) {
	key := teamID + "/" + channel + "/" + user
	now := s.now()
	s.admins.mu.Lock()
	e, ok := s.admins.members[key]
	s.admins.mu.Unlock()
	if ok && now.Sub(e.at) < memberTTL {
		return e.member, nil
	}
	member := false
	cursor := ""
	for range membersPages {
		ids, next, err := s.api.GetUsersInConversationContext(ctx, &slack.GetUsersInConversationParameters{
			ChannelID: channel, Cursor: cursor, Limit: membersPage})
		if err != nil {
			return false, fmt.Errorf("conversations.members of %s: %w", channel, err)
		}
		if slices.Contains(ids, user) {
			member = true
			break
		}
		if next == "" {
			break
		}
		cursor = next
	}
	s.admins.mu.Lock()
	if s.admins.members == nil {
		s.admins.members = map[string]memberEntry{}
	}
	s.admins.members[key] = memberEntry{member: member, at: now}
	s.admins.mu.Unlock()
	return member, nil
}

// chosenChannel is the channel a delivery asks the bot to post into on
// the person's word rather than where they typed (its handler's chosen):
// the start form's, the write-it-in-a-form form's, a session form's and
// the outcome form's channel, a Start button's value, and the settings
// form's digest channel when it moves the digest. "" when there is none.
func (s *Slack) chosenChannel(ctx context.Context, d inbox.Delivery) (team, channel, user string) {
	if d.Kind != kindInteraction {
		return "", "", ""
	}
	var in interactionPayload
	if err := json.Unmarshal(d.Payload, &in); err != nil {
		return "", "", ""
	}
	if h, ok := handlerFor(in); ok && h.chosen != nil {
		channel = h.chosen(s, ctx, in)
	}
	if channel == "" {
		return "", "", ""
	}
	return in.TeamID, channel, in.UserID
}

// notMember says, before a delivery's step, whether it must be refused
// because the person chose a channel they are not in (or Slack could not
// say whether they are): the refusal, a direct message, and to whom; no
// replies when the delivery may go on.
func (s *Slack) notMember(ctx context.Context, d inbox.Delivery) ([]flows.Reply, origin) {
	team, channel, user := s.chosenChannel(ctx, d)
	if channel == "" {
		return nil, origin{}
	}
	o := origin{team: team, user: user}
	ok, err := s.channelMember(ctx, team, channel, user)
	if err != nil {
		s.log.WarnContext(ctx, "slack: could not tell whether a person is in the channel they chose", "channel", channel, "user", user, "err", err)
		return []flows.Reply{flows.MembershipUnknown(user)}, o
	}
	if !ok {
		return []flows.Reply{flows.NotAMember(user)}, o
	}
	return nil, origin{}
}
