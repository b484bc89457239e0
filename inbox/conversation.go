package inbox

import "time"

// Conversation is where a chat platform's conversation lives, kept so that
// the bot can post there later.
type Conversation struct {
	Platform    string // "teams"
	ID          string // the conversation id: a channel's (no ";messageid=" suffix) or a chat's
	ServiceURL  string // where the platform's connector takes posts for it (only ever one from a verified request)
	TenantID    string
	TeamID      string // the engine's team: the Teams team id in a channel, the tenant in a chat
	GroupID     string // in a channel: the team's Microsoft 365 group id (aadGroupId), which Graph knows the team by
	Type        string // "channel", "personal", "groupChat"
	ChannelType string // "standard", "shared", "private", or ""
	UserID      string // in a 1:1 chat: the person's Entra object id (the engine's user id)
	TeamsUserID string // in a 1:1 chat: the person's Teams id ("29:...")
	UpdatedAt   time.Time
	// Name is a channel's name, when the platform said it.
	Name string
}
