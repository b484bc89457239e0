package main

import (
	"context"
	"fmt"
	"log/slog"

	"whatmatters/delivery"
	"whatmatters/flows"
	"whatmatters/storage"
	"whatmatters/teams"
)

// newTeams builds the Microsoft Teams adapter when TEAMS_APP_ID is set
// (nil otherwise), registered with the delivery machinery beside Slack's:
// the request verifier (Bot Framework keys, the tenant allow-list), the
// bot's token from Entra ID, the connector, and Graph to look for an
// earlier attempt after an uncertain post.
func newTeams(cfg Config, deliveries *delivery.Service, db *storage.DB, engine func(flows.Store) *flows.Engine, log *slog.Logger) (*teams.Adapter, error) {
	if !cfg.teamsEnabled() {
		return nil, nil
	}
	trusted := teams.NewServiceURLs()
	vc := cfg.teamsVerifierConfig()
	vc.Trusted = trusted
	verifier, err := teams.NewVerifier(vc)
	if err != nil {
		return nil, fmt.Errorf("TEAMS_APP_ID: %w", err)
	}
	tc, err := cfg.teamsTokenConfig()
	if err != nil {
		return nil, err
	}
	tokens, err := teams.NewTokenSource(tc)
	if err != nil {
		return nil, fmt.Errorf("TEAMS_APP_ID and TEAMS_APP_PASSWORD: %w", err)
	}
	connector, err := teams.NewConnector(teams.ConnectorConfig{Tokens: tokens, Trusted: trusted})
	if err != nil {
		return nil, fmt.Errorf("teams: %w", err)
	}
	graphTokens, err := teams.NewGraphTokenSource(tc)
	if err != nil {
		return nil, fmt.Errorf("TEAMS_APP_ID and TEAMS_APP_PASSWORD: %w", err)
	}
	graph, err := teams.NewGraph(teams.GraphConfig{Tokens: graphTokens, BotAppID: string(cfg.TeamsAppID), BaseURL: string(cfg.TeamsGraphURL)})
	if err != nil {
		return nil, fmt.Errorf("teams: %w", err)
	}
	return teams.NewAdapter(teams.AdapterOptions{
		AppID: string(cfg.TeamsAppID), Verifier: verifier, Connector: connector, Tokens: tokens, Trusted: trusted,
		Graph: graph, Delivery: deliveries, Conversations: db, Engine: engine, Log: log,
	})
}

// channelPrivacy is the engine's question whether a channel is private,
// asked of the platform the channel is on: Teams' conversation ids carry
// a colon, Slack's never do. A Teams channel with Teams not served counts
// as private.
func channelPrivacy(slack func() channelPrivate, teamsAdapter func() *teams.Adapter) func(ctx context.Context, teamID, channel string) (bool, error) {
	return func(ctx context.Context, teamID, channel string) (bool, error) {
		if teams.IsConversationID(channel) {
			t := teamsAdapter()
			if t == nil {
				return true, nil
			}
			return t.ChannelPrivate(ctx, channel)
		}
		s := slack()
		if s == nil {
			// Slack not served: its channels cannot be asked about.
			return true, nil
		}
		return s.ChannelPrivate(ctx, teamID, channel)
	}
}

// channelPrivate is what channelPrivacy asks of Slack's adapter.
type channelPrivate interface {
	ChannelPrivate(ctx context.Context, teamID, channel string) (bool, error)
}
