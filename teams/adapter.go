package teams

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync/atomic"
	"time"

	"whatmatters/delivery"
	"whatmatters/flows"
	"whatmatters/inbox"
)

// The adapter: Teams over the delivery machinery and the engine, as the
// Slack adapter is. A verified activity is read (ReadInbound), recorded in
// the inbox under its dedup and ordering keys (delivery.Service.Accept) and
// acknowledged; the machinery then runs it through the engine (Step) in
// order, keeping what it owes in the outbox as Sends, and the adapter
// sends them through the connector (Send, send.go). Invokes are answered
// in the HTTP response: a card button with a short message (its work goes
// through the inbox like any other), a dialog with its form.

// Conversations is what the adapter keeps of where conversations live:
// storage.DB implements it (chat_conversations).
type Conversations interface {
	RememberConversation(ctx context.Context, c inbox.Conversation) error
	Conversation(ctx context.Context, platform, id string) (inbox.Conversation, error)
	PersonalConversation(ctx context.Context, platform, tenantID, userID string) (inbox.Conversation, error)
	TeamConversation(ctx context.Context, platform, teamID string) (inbox.Conversation, error)
	ConversationServiceURLs(ctx context.Context, platform string) ([]string, error)
	TeamChannels(ctx context.Context, platform, teamID string) ([]inbox.Conversation, error)
	PersonTeam(ctx context.Context, platform, tenantID, userID string) (string, error)
}

// Platform names this adapter's records (inbox.Conversation.Platform).
const Platform = "teams"

// AdapterOptions configures the adapter.
type AdapterOptions struct {
	// AppID is the bot's Microsoft App ID.
	AppID     string
	Verifier  *Verifier
	Connector *Connector
	// Tokens, when set, is the connector's token source, which Ready
	// asks.
	Tokens AccessTokens
	// Trusted are the service URLs the connector may send to; the
	// adapter adds those it stored before a restart.
	Trusted *ServiceURLs
	// Graph, when set, looks for an earlier attempt after an uncertain
	// post in a channel (earlier.go); without it the post is sent again.
	Graph *Graph
	// Delivery is the machinery the adapter registers with, under the
	// prefix of its dedup keys.
	Delivery      *delivery.Service
	Conversations Conversations
	Engine        func(flows.Store) *flows.Engine
	// Card is how cards are rendered (names, links); Marker is set per
	// send.
	Card CardOptions
	Log  *slog.Logger
	Now  func() time.Time
}

// Adapter is the Microsoft Teams adapter.
type Adapter struct {
	appID     string
	verifier  *Verifier
	connector *Connector
	tokens    AccessTokens
	trusted   *ServiceURLs
	graph     *Graph
	delivery  *delivery.Service
	convs     Conversations
	engineOn  func(flows.Store) *flows.Engine
	card      CardOptions
	log       *slog.Logger
	now       func() time.Time
	// steps numbers the scheduled steps rendered, for their markers.
	steps atomic.Int64
}

// NewAdapter returns the adapter, registered with the delivery machinery.
func NewAdapter(o AdapterOptions) (*Adapter, error) {
	if o.AppID == "" || o.Verifier == nil || o.Connector == nil || o.Trusted == nil || o.Delivery == nil || o.Conversations == nil || o.Engine == nil {
		return nil, errors.New("teams: the adapter needs the app id, verifier, connector, trusted service URLs, delivery machinery, conversations and engine")
	}
	a := &Adapter{
		appID: o.AppID, verifier: o.Verifier, connector: o.Connector, tokens: o.Tokens, trusted: o.Trusted, graph: o.Graph,
		delivery: o.Delivery, convs: o.Conversations, engineOn: o.Engine, card: o.Card, log: o.Log, now: o.Now,
	}
	if a.log == nil {
		a.log = slog.New(slog.DiscardHandler)
	}
	if a.now == nil {
		a.now = time.Now
	}
	a.delivery.Register(DedupPrefix, a)
	return a, nil
}

// Start trusts again the service URLs stored before a restart: each came
// in a verified request.
func (a *Adapter) Start(ctx context.Context) error {
	urls, err := a.convs.ConversationServiceURLs(ctx, Platform)
	if err != nil {
		return fmt.Errorf("teams: reading the stored service URLs: %w", err)
	}
	for _, u := range urls {
		a.trusted.Add(u)
	}
	return nil
}

// Handler serves POST /api/messages: verified activities only (Handler).
func (a *Adapter) Handler() http.Handler { return Handler(a.verifier, a.log, a.receive) }

// Delivery kinds of this adapter's records.
const (
	kindPrefix = "teams_"
	kindReply  = kindPrefix + "reply"
)

// receive records a verified activity and answers it.
func (a *Adapter) receive(ctx context.Context, act *Activity, _ *Claims) (InvokeResponse, error) {
	in := ReadInbound(act, "")
	if in.Kind == InboundIgnore {
		a.log.DebugContext(ctx, "teams: activity ignored", "type", ident(act.Type), "reason", in.Reason)
		if act.Type == TypeInvoke {
			return a.invokeOnly(ctx, act)
		}
		return InvokeResponse{}, nil
	}
	if err := a.remember(ctx, act, in); err != nil {
		return InvokeResponse{}, err
	}
	in, err := a.personTeam(ctx, in)
	if err != nil {
		return InvokeResponse{}, err
	}
	if in.Kind == InboundControl && in.Action == HomeRefresh {
		return a.refreshHome(ctx, in)
	}
	payload, err := json.Marshal(in)
	if err != nil {
		return InvokeResponse{}, fmt.Errorf("teams: encoding an activity for the inbox: %w", err)
	}
	d := inbox.Delivery{ID: in.DedupKey, Kind: kindPrefix + in.Kind.String(), Key: in.OrderKey, Payload: payload}
	if err := a.delivery.Accept(ctx, d); err != nil {
		// Not acknowledged: Teams sends it again.
		return InvokeResponse{}, err
	}
	if in.Invoke {
		return CardMessageResponse("Got it."), nil
	}
	return InvokeResponse{}, nil
}

// personTeam gives what a person does in their 1:1 chat (which belongs to
// no Teams team) the team they belong to in the engine: the one whose
// channels they last acted in, in the chat's tenant; the tenant itself
// while they have acted in none. So their settings, data and home are
// their team's, as in a channel.
func (a *Adapter) personTeam(ctx context.Context, in Inbound) (Inbound, error) {
	if in.ConversationType != ConversationPersonal || in.UserID == "" {
		return in, nil
	}
	team, err := a.convs.PersonTeam(ctx, Platform, in.TenantID, in.UserID)
	switch {
	case errors.Is(err, flows.ErrNotFound):
		return in, nil
	case err != nil:
		return in, fmt.Errorf("teams: finding a person's team: %w", err)
	}
	in.TeamID = team
	in.OrderKey = in.orderKey()
	return in, nil
}

// invokeOnly answers an invoke that carries no engine step: a dialog
// opened or submitted.
func (a *Adapter) invokeOnly(ctx context.Context, act *Activity) (InvokeResponse, error) {
	switch act.Name {
	case InvokeTaskFetch, InvokeTaskSubmit:
		return a.dialog(ctx, act)
	}
	return InvokeResponse{Status: http.StatusOK}, nil
}

// remember keeps where the activity's conversation lives (its verified
// service URL, tenant and team), and a person's 1:1 chat.
func (a *Adapter) remember(ctx context.Context, act *Activity, in Inbound) error {
	if in.Channel == "" || in.ServiceURL == "" {
		return nil
	}
	c := inbox.Conversation{
		Platform: Platform, ID: in.Channel, ServiceURL: in.ServiceURL, TenantID: in.TenantID, TeamID: in.TeamID,
		Type: in.ConversationType, ChannelType: in.ChannelType, UpdatedAt: a.now(),
	}
	if cd := act.ChannelData; cd != nil {
		if cd.Team != nil {
			c.GroupID = cd.Team.AADGroupID
		}
		if cd.Channel != nil && cd.Channel.ID == in.Channel {
			c.Name = cd.Channel.Name
		}
		if c.Name == "" && cd.Team != nil && in.Channel == cd.Team.ID && in.ConversationType == ConversationChannel {
			// A team's General channel has the team's id.
			c.Name = "General"
		}
	}
	if in.ConversationType == ConversationPersonal {
		c.UserID, c.TeamsUserID = in.UserID, in.TeamsUserID
	}
	if err := a.convs.RememberConversation(ctx, c); err != nil {
		return fmt.Errorf("teams: remembering a conversation: %w", err)
	}
	return nil
}

// ChannelPrivate reports whether a Teams conversation is private, for the
// digest's rule that what was said in private stays there: a private
// channel, any chat, and any conversation the bot has no record of.
func (a *Adapter) ChannelPrivate(ctx context.Context, channel string) (bool, error) {
	c, err := a.convs.Conversation(ctx, Platform, channel)
	if errors.Is(err, flows.ErrNotFound) {
		return true, nil
	}
	if err != nil {
		return true, err
	}
	return c.Type != ConversationChannel || c.ChannelType == ChannelPrivate, nil
}

// Ready reports whether the adapter can send: its token from Entra ID
// can be had (from its cache, mostly).
func (a *Adapter) Ready(ctx context.Context) error {
	if a.tokens == nil {
		return nil
	}
	if _, err := a.tokens.AccessToken(ctx); err != nil {
		return errors.New("no token from Entra ID for Teams")
	}
	return nil
}
