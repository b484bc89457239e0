package teams

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"whatmatters/flows"
)

// The home card in the adapter: sent into a person's 1:1 chat when they add
// the bot there, or ask for it ("home"), and refreshed in place by its own
// Refresh button, whose invoke is answered with the card drawn afresh from
// read-only state (nothing is recorded for it).

// homeWanted reports whether what a person did asks for their home card.
func homeWanted(in Inbound) bool {
	if in.ConversationType != ConversationPersonal {
		return false
	}
	switch in.Kind {
	case InboundInstall:
		return true
	case InboundCommand:
		return strings.EqualFold(strings.TrimSpace(in.Text), "home")
	}
	return false
}

// homeCard draws the person's home card.
func (a *Adapter) homeCard(ctx context.Context, eng *flows.Engine, in Inbound, marker string) (json.RawMessage, error) {
	h, err := eng.Home(ctx, flows.Actor{TeamID: in.TeamID, UserID: in.UserID})
	if err != nil {
		return nil, fmt.Errorf("teams: the home of a person: %w", err)
	}
	opt := a.card
	opt.Marker = marker
	card, err := HomeCard(h, a.now(), opt)
	if err != nil || in.TeamsUserID == "" {
		return card, err
	}
	return withRefresh(card, in.TeamsUserID)
}

// withRefresh adds the card's refresh clause (Universal Actions): when the
// person looks at their 1:1 chat, Teams asks for the card again with the
// home_refresh verb, and it is drawn afresh; userIds names them, so that
// Teams refreshes it for them alone ("Work with Universal Actions for
// Adaptive Cards", the refresh model).
func withRefresh(card json.RawMessage, teamsUserID string) (json.RawMessage, error) {
	var m map[string]any
	if err := json.Unmarshal(card, &m); err != nil {
		return nil, fmt.Errorf("teams: reading the home card: %w", err)
	}
	m["refresh"] = map[string]any{
		"action":  map[string]any{"type": "Action.Execute", "verb": HomeRefresh, "data": map[string]string{"action": HomeRefresh}},
		"userIds": []string{teamsUserID},
	}
	return json.Marshal(m)
}

// homeSend is the send of a person's home card into their 1:1 chat.
func (a *Adapter) homeSend(ctx context.Context, eng *flows.Engine, in Inbound) ([][]byte, error) {
	marker := Marker(in.DedupKey, 0)
	card, err := a.homeCard(ctx, eng, in, marker)
	if err != nil {
		return nil, err
	}
	s := Send{Kind: SendPersonal, ServiceURL: in.ServiceURL, TenantID: in.TenantID, Conversation: in.Channel,
		User: in.UserID, TeamsUserID: in.TeamsUserID, Marker: marker, OnUncertain: Resend,
		Activity: &Activity{Type: TypeMessage, Summary: "What Matters",
			Attachments: []Attachment{{ContentType: ContentTypeAdaptiveCard, Content: card}}}}
	b, err := json.Marshal(s)
	if err != nil {
		return nil, fmt.Errorf("teams: encoding a send for the outbox: %w", err)
	}
	return [][]byte{b}, nil
}

// refreshHome answers the home card's Refresh with the card drawn again.
func (a *Adapter) refreshHome(ctx context.Context, in Inbound) (InvokeResponse, error) {
	card, err := a.homeCard(ctx, a.engineOn(a.delivery.Store()), in, Marker(in.DedupKey, 0))
	if err != nil {
		a.log.WarnContext(ctx, "teams: the home card could not be drawn", "err", err)
		return CardMessageResponse("Sorry, I couldn't refresh this just now. Please try again."), nil
	}
	return CardActionResponse(card), nil
}

// actionDone marks one of the person's agreed actions done, from the home
// card.
func actionDone(ctx context.Context, eng *flows.Engine, in Inbound, actor flows.Actor) ([]flows.Reply, error) {
	id, _ := strconv.ParseInt(in.Value, 10, 64)
	return eng.ActionDone(ctx, actor, in.Channel, id)
}
