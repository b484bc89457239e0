package storage

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"whatmatters/flows"
	"whatmatters/inbox"
)

// This file keeps where a chat platform's conversations live (the records
// of package inbox's Conversation), for an adapter that must post to a
// conversation after the request that told it where it is: Microsoft
// Teams' Bot Connector takes a conversation's posts at the service URL a
// verified request came with.

const conversationColumns = `platform, id, service_url, tenant_id, team_id, group_id, conversation_type,
	channel_type, user_id, teams_user_id, updated_at, name`

func scanConversation(r rowScanner) (inbox.Conversation, error) {
	var c inbox.Conversation
	err := r.Scan(&c.Platform, &c.ID, &c.ServiceURL, &c.TenantID, &c.TeamID, &c.GroupID, &c.Type,
		&c.ChannelType, &c.UserID, &c.TeamsUserID, timeDest{&c.UpdatedAt}, &c.Name)
	return c, err
}

// personalType is a 1:1 chat's Conversation.Type.
const personalType = "personal"

// checkServiceURL returns an error wrapping flows.ErrInvalid unless u is an
// absolute https URL with a host and no user information; http is allowed
// only to a loopback host (127.0.0.1, ::1, localhost), for tests. The
// message never repeats the URL.
func checkServiceURL(doing, u string) error {
	p, err := url.Parse(u)
	if err != nil {
		return fmt.Errorf("%s: %w: the service URL cannot be parsed", doing, flows.ErrInvalid)
	}
	if p.Host == "" || p.Hostname() == "" || p.User != nil || p.Opaque != "" {
		return fmt.Errorf("%s: %w: the service URL must be an absolute URL with a host and no user information", doing, flows.ErrInvalid)
	}
	switch p.Scheme {
	case "https":
		return nil
	case "http":
		switch host := strings.ToLower(p.Hostname()); host {
		case "127.0.0.1", "::1", "localhost":
			return nil
		}
		return fmt.Errorf("%s: %w: the service URL must be https (http only to a loopback host)", doing, flows.ErrInvalid)
	}
	return fmt.Errorf("%s: %w: the service URL must be https", doing, flows.ErrInvalid)
}

// RememberConversation stores where a conversation lives, or updates what
// is stored of it (by platform and id). A field left empty in c keeps what
// is stored, since a later activity may carry less; the service URL, never
// empty, replaces the stored one. UpdatedAt is set to c's, or now if it is
// zero. It returns flows.ErrInvalid for an empty platform, id or service
// URL, or a service URL that is not https (http is allowed to a loopback
// host only).
func (s *store) RememberConversation(ctx context.Context, c inbox.Conversation) error {
	const doing = "remembering a conversation"
	if err := required(doing, "platform", c.Platform); err != nil {
		return err
	}
	if err := required(doing, "conversation id", c.ID); err != nil {
		return err
	}
	if err := required(doing, "service URL", c.ServiceURL); err != nil {
		return err
	}
	if err := checkText(doing, c.Platform, c.ID, c.ServiceURL, c.TenantID, c.TeamID, c.GroupID, c.Type,
		c.ChannelType, c.UserID, c.TeamsUserID, c.Name); err != nil {
		return err
	}
	if err := checkServiceURL(doing, c.ServiceURL); err != nil {
		return err
	}
	_, err := s.q.ExecContext(ctx, `
		INSERT INTO chat_conversations (`+conversationColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
		ON CONFLICT (platform, id) DO UPDATE SET
			service_url = excluded.service_url,
			tenant_id = CASE WHEN excluded.tenant_id = '' THEN chat_conversations.tenant_id ELSE excluded.tenant_id END,
			team_id = CASE WHEN excluded.team_id = '' THEN chat_conversations.team_id ELSE excluded.team_id END,
			group_id = CASE WHEN excluded.group_id = '' THEN chat_conversations.group_id ELSE excluded.group_id END,
			conversation_type = CASE WHEN excluded.conversation_type = '' THEN chat_conversations.conversation_type
				ELSE excluded.conversation_type END,
			channel_type = CASE WHEN excluded.channel_type = '' THEN chat_conversations.channel_type ELSE excluded.channel_type END,
			user_id = CASE WHEN excluded.user_id = '' THEN chat_conversations.user_id ELSE excluded.user_id END,
			teams_user_id = CASE WHEN excluded.teams_user_id = '' THEN chat_conversations.teams_user_id
				ELSE excluded.teams_user_id END,
			updated_at = excluded.updated_at,
			name = CASE WHEN excluded.name = '' THEN chat_conversations.name ELSE excluded.name END`,
		c.Platform, c.ID, c.ServiceURL, c.TenantID, c.TeamID, c.GroupID, c.Type,
		c.ChannelType, c.UserID, c.TeamsUserID, s.dialect.timeArg(s.stamp(c.UpdatedAt)), c.Name)
	return wrap(doing, err)
}

// Conversation returns where a conversation lives, or flows.ErrNotFound.
func (s *store) Conversation(ctx context.Context, platform, id string) (inbox.Conversation, error) {
	const doing = "loading a conversation"
	if err := checkText(doing, platform, id); err != nil {
		return inbox.Conversation{}, err
	}
	c, err := scanConversation(s.q.QueryRowContext(ctx,
		`SELECT `+conversationColumns+` FROM chat_conversations WHERE platform = $1 AND id = $2`, platform, id))
	return c, wrap(doing, err)
}

// PersonalConversation returns a person's 1:1 chat with the bot in a
// tenant, or in any tenant when tenantID is empty (an Entra object id is
// unique: a step with no tenant knows only the person), the most recently
// updated should there be several, or flows.ErrNotFound. It returns flows.ErrInvalid for an empty platform or
// user id.
func (s *store) PersonalConversation(ctx context.Context, platform, tenantID, userID string) (inbox.Conversation, error) {
	const doing = "loading a person's 1:1 chat"
	if err := required(doing, "platform", platform); err != nil {
		return inbox.Conversation{}, err
	}
	if err := required(doing, "user id", userID); err != nil {
		return inbox.Conversation{}, err
	}
	if err := checkText(doing, platform, tenantID, userID); err != nil {
		return inbox.Conversation{}, err
	}
	c, err := scanConversation(s.q.QueryRowContext(ctx, `
		SELECT `+conversationColumns+` FROM chat_conversations
		WHERE platform = $1 AND ($2 = '' OR tenant_id = $2) AND user_id = $3 AND conversation_type = '`+personalType+`'
		ORDER BY updated_at DESC, id
		LIMIT 1`, platform, tenantID, userID))
	return c, wrap(doing, err)
}

// TeamConversation returns the most recently updated conversation of the
// engine's team (a channel's or a chat's), for the service URL and tenant
// to post to the team under, or flows.ErrNotFound. It returns
// flows.ErrInvalid for an empty platform or team id.
func (s *store) TeamConversation(ctx context.Context, platform, teamID string) (inbox.Conversation, error) {
	const doing = "loading a team's conversation"
	if err := required(doing, "platform", platform); err != nil {
		return inbox.Conversation{}, err
	}
	if err := required(doing, "team id", teamID); err != nil {
		return inbox.Conversation{}, err
	}
	if err := checkText(doing, platform, teamID); err != nil {
		return inbox.Conversation{}, err
	}
	c, err := scanConversation(s.q.QueryRowContext(ctx, `
		SELECT `+conversationColumns+` FROM chat_conversations
		WHERE platform = $1 AND team_id = $2
		ORDER BY updated_at DESC, id
		LIMIT 1`, platform, teamID))
	return c, wrap(doing, err)
}

// TeamChannels returns the channels of the engine's team the platform has
// told of, by name (then id): what a form offers as where to post. It
// returns flows.ErrInvalid for an empty platform or team id.
func (s *store) TeamChannels(ctx context.Context, platform, teamID string) ([]inbox.Conversation, error) {
	const doing = "listing a team's channels"
	if err := required(doing, "platform", platform); err != nil {
		return nil, err
	}
	if err := required(doing, "team id", teamID); err != nil {
		return nil, err
	}
	if err := checkText(doing, platform, teamID); err != nil {
		return nil, err
	}
	rows, err := s.q.QueryContext(ctx, `
		SELECT `+conversationColumns+` FROM chat_conversations
		WHERE platform = $1 AND team_id = $2 AND conversation_type = 'channel'
		ORDER BY name, id
		LIMIT 500`, platform, teamID)
	if err != nil {
		return nil, wrap(doing, err)
	}
	return collect(rows, doing, scanConversation)
}

// PersonTeam returns the team a person of a platform's tenant belongs to
// in the engine, among the teams whose channels the platform has told of
// in that tenant (the one whose member record changed last), or
// flows.ErrNotFound: for what they do in their 1:1 chat with the bot,
// which belongs to no team.
func (s *store) PersonTeam(ctx context.Context, platform, tenantID, userID string) (string, error) {
	const doing = "finding a person's team"
	if err := required(doing, "platform", platform); err != nil {
		return "", err
	}
	if err := required(doing, "user id", userID); err != nil {
		return "", err
	}
	if err := checkText(doing, platform, tenantID, userID); err != nil {
		return "", err
	}
	var team string
	err := s.q.QueryRowContext(ctx, `
		SELECT m.team_id FROM members m
		WHERE m.user_id = $3 AND m.team_id IN (
			SELECT team_id FROM chat_conversations
			WHERE platform = $1 AND tenant_id = $2 AND conversation_type = 'channel')
		ORDER BY m.updated_at DESC, m.team_id
		LIMIT 1`, platform, tenantID, userID).Scan(&team)
	return team, wrap(doing, err)
}

// ConversationServiceURLs returns the distinct service URLs stored for a
// platform's conversations, ordered by the database's collation: the ones
// to trust again after a restart.
func (s *store) ConversationServiceURLs(ctx context.Context, platform string) ([]string, error) {
	const doing = "listing conversations' service URLs"
	if err := checkText(doing, platform); err != nil {
		return nil, err
	}
	rows, err := s.q.QueryContext(ctx, `
		SELECT DISTINCT service_url FROM chat_conversations
		WHERE platform = $1
		ORDER BY service_url`, platform)
	if err != nil {
		return nil, wrap(doing, err)
	}
	return collect(rows, doing, func(r rowScanner) (string, error) {
		var u string
		err := r.Scan(&u)
		return u, err
	})
}

// ForgetConversationsOf deletes the records of a person's 1:1 chats with
// the bot in a tenant, or in every tenant when tenantID is empty (those
// naming them as the chat's person, whatever type the record was given),
// for forgetting them, and returns how many it deleted. Channels and group chats keep no one's id and stay. It returns
// flows.ErrInvalid for an empty platform or user id.
func (s *store) ForgetConversationsOf(ctx context.Context, platform, tenantID, userID string) (int, error) {
	const doing = "forgetting a person's 1:1 chats"
	if err := required(doing, "platform", platform); err != nil {
		return 0, err
	}
	if err := required(doing, "user id", userID); err != nil {
		return 0, err
	}
	if err := checkText(doing, platform, tenantID, userID); err != nil {
		return 0, err
	}
	res, err := s.q.ExecContext(ctx,
		`DELETE FROM chat_conversations WHERE platform = $1 AND ($2 = '' OR tenant_id = $2) AND user_id = $3`,
		platform, tenantID, userID)
	if err != nil {
		return 0, wrap(doing, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, wrap(doing, err)
	}
	return int(n), nil
}
