package bot

import (
	"context"
	"net/http"

	"github.com/slack-go/slack"
)

// slackAPI is every Slack Web API call the adapter makes, and nothing more,
// so that tests can stand in for Slack with a fake of function fields.
// *webAPI implements it over slack-go.
type slackAPI interface {
	AuthTestContext(ctx context.Context) (*slack.AuthTestResponse, error)
	PostMessageContext(ctx context.Context, channelID string, options ...slack.MsgOption) (string, string, error)
	PostEphemeralContext(ctx context.Context, channelID, userID string, options ...slack.MsgOption) (string, error)
	AddReactionContext(ctx context.Context, name string, item slack.ItemRef) error
	PublishViewContext(ctx context.Context, req slack.PublishViewContextRequest) (*slack.ViewResponse, error)
	OpenViewContext(ctx context.Context, triggerID string, view slack.ModalViewRequest) (*slack.ViewResponse, error)
	OpenConversationContext(ctx context.Context, params *slack.OpenConversationParameters) (*slack.Channel, bool, bool, error)
	UploadFileContext(ctx context.Context, params slack.UploadFileParameters) (*slack.FileSummary, error)
	// GetConversationInfoContext tells whether a channel is private, so
	// that a digest never shows a private channel's words elsewhere.
	GetConversationInfoContext(ctx context.Context, input *slack.GetConversationInfoInput) (*slack.Channel, error)
	// GetUserInfoContext tells whether a person is a workspace admin, and
	// of which workspace and organisation.
	GetUserInfoContext(ctx context.Context, user string, options ...slack.GetUserInfoOption) (*slack.User, error)
	// GetUsersInConversationContext lists a channel's members
	// (conversations.members, a page at a time), so that the bot posts
	// into a channel someone chose only when they are in it.
	GetUsersInConversationContext(ctx context.Context, params *slack.GetUsersInConversationParameters) ([]string, string, error)
	// GetConversationHistoryContext and GetConversationRepliesContext find
	// a post whose earlier attempt ended without an answer, by the outbox
	// id in its metadata, so it is not posted twice.
	GetConversationHistoryContext(ctx context.Context, params *slack.GetConversationHistoryParameters) (*slack.GetConversationHistoryResponse, error)
	GetConversationRepliesContext(ctx context.Context, params *slack.GetConversationRepliesParameters) ([]slack.Message, bool, string, error)
	// UpdateMessageContext replaces a learning session's message as the
	// session moves on (chat.update).
	UpdateMessageContext(ctx context.Context, channelID, timestamp string, options ...slack.MsgOption) (string, string, string, error)
	// RespondContext answers through a slash command's response_url, the
	// one way to reach a person in a channel the bot is not in.
	RespondContext(ctx context.Context, responseURL string, msg *slack.WebhookMessage) error
}

// webAPI is the real Slack Web API.
type webAPI struct {
	*slack.Client
	http *http.Client
}

var _ slackAPI = (*webAPI)(nil)

// newWebAPI returns the Slack Web API for a bot token, and for Socket Mode
// the app-level token. apiURL is the API's base URL (SLACK_API_URL), ending
// in a slash; empty means Slack's own. slack-go's own retries stay off: a
// failed call is retried by the job that made it.
func newWebAPI(botToken, appToken, apiURL string, client *http.Client) *webAPI {
	if client == nil {
		client = http.DefaultClient
	}
	opts := []slack.Option{slack.OptionHTTPClient(client)}
	if apiURL != "" {
		opts = append(opts, slack.OptionAPIURL(apiURL))
	}
	if appToken != "" {
		opts = append(opts, slack.OptionAppLevelToken(appToken))
	}
	return &webAPI{Client: slack.New(botToken, opts...), http: client}
}

// RespondContext posts to a response_url.
func (w *webAPI) RespondContext(ctx context.Context, responseURL string, msg *slack.WebhookMessage) error {
	return slack.PostWebhookCustomHTTPContext(ctx, responseURL, w.http, msg)
}
