package bot

import (
	"context"
	"errors"
	"net/url"

	"github.com/slack-go/slack"
)

// fakeAPI stands in for the Slack Web API in unit tests: each method calls
// its function field, or fails if the test did not expect the call.
type fakeAPI struct {
	authTest         func(ctx context.Context) (*slack.AuthTestResponse, error)
	postMessage      func(ctx context.Context, channel string, v url.Values) (string, error)
	postEphemeral    func(ctx context.Context, channel, user string, v url.Values) error
	addReaction      func(ctx context.Context, name string, item slack.ItemRef) error
	publishView      func(ctx context.Context, req slack.PublishViewContextRequest) error
	openView         func(ctx context.Context, triggerID string, view slack.ModalViewRequest) error
	openConversation func(ctx context.Context, params *slack.OpenConversationParameters) (string, error)
	uploadFile       func(ctx context.Context, params slack.UploadFileParameters) error
	// conversationInfo answers conversations.info; when nil, every
	// channel is public.
	conversationInfo func(ctx context.Context, channel string) (*slack.Channel, error)
	respond          func(ctx context.Context, url string, msg *slack.WebhookMessage) error
	// userInfo answers users.info; when nil, everyone is an ordinary
	// member, as most tests need.
	userInfo func(ctx context.Context, user string) (*slack.User, error)
	// members answers conversations.members, one page; when nil, the
	// call is unexpected.
	members func(ctx context.Context, params *slack.GetUsersInConversationParameters) ([]string, string, error)
}

var _ slackAPI = (*fakeAPI)(nil)

var errUnexpected = errors.New("unexpected Web API call")

// values decodes message options as slack-go would send them.
func values(channel string, opts []slack.MsgOption) url.Values {
	_, v, _ := slack.UnsafeApplyMsgOptions("xoxb-test", channel, "https://slack.invalid/api/", opts...)
	return v
}

func (f *fakeAPI) AuthTestContext(ctx context.Context) (*slack.AuthTestResponse, error) {
	if f.authTest == nil {
		return &slack.AuthTestResponse{UserID: "UBOT", TeamID: "T1"}, nil
	}
	return f.authTest(ctx)
}

func (f *fakeAPI) PostMessageContext(ctx context.Context, channel string, opts ...slack.MsgOption) (string, string, error) {
	if f.postMessage == nil {
		return "", "", errUnexpected
	}
	ts, err := f.postMessage(ctx, channel, values(channel, opts))
	return channel, ts, err
}

func (f *fakeAPI) PostEphemeralContext(ctx context.Context, channel, user string, opts ...slack.MsgOption) (string, error) {
	if f.postEphemeral == nil {
		return "", errUnexpected
	}
	return "", f.postEphemeral(ctx, channel, user, values(channel, opts))
}

func (f *fakeAPI) AddReactionContext(ctx context.Context, name string, item slack.ItemRef) error {
	if f.addReaction == nil {
		return errUnexpected
	}
	return f.addReaction(ctx, name, item)
}

func (f *fakeAPI) PublishViewContext(ctx context.Context, req slack.PublishViewContextRequest) (*slack.ViewResponse, error) {
	if f.publishView == nil {
		return nil, errUnexpected
	}
	return &slack.ViewResponse{}, f.publishView(ctx, req)
}

func (f *fakeAPI) OpenViewContext(ctx context.Context, triggerID string, view slack.ModalViewRequest) (*slack.ViewResponse, error) {
	if f.openView == nil {
		return nil, errUnexpected
	}
	return &slack.ViewResponse{}, f.openView(ctx, triggerID, view)
}

func (f *fakeAPI) OpenConversationContext(ctx context.Context, params *slack.OpenConversationParameters) (*slack.Channel, bool, bool, error) {
	if f.openConversation == nil {
		return nil, false, false, errUnexpected
	}
	id, err := f.openConversation(ctx, params)
	ch := &slack.Channel{}
	ch.ID = id
	return ch, false, false, err
}

func (f *fakeAPI) UploadFileContext(ctx context.Context, params slack.UploadFileParameters) (*slack.FileSummary, error) {
	if f.uploadFile == nil {
		return nil, errUnexpected
	}
	return &slack.FileSummary{}, f.uploadFile(ctx, params)
}

func (f *fakeAPI) RespondContext(ctx context.Context, url string, msg *slack.WebhookMessage) error {
	if f.respond == nil {
		return errUnexpected
	}
	return f.respond(ctx, url, msg)
}

func (f *fakeAPI) GetUserInfoContext(ctx context.Context, user string, _ ...slack.GetUserInfoOption) (*slack.User, error) {
	if f.userInfo == nil {
		return &slack.User{ID: user}, nil
	}
	return f.userInfo(ctx, user)
}

func (f *fakeAPI) UpdateMessageContext(context.Context, string, string, ...slack.MsgOption) (string, string, string, error) {
	return "", "", "", nil
}

func (f *fakeAPI) GetConversationHistoryContext(context.Context, *slack.GetConversationHistoryParameters) (*slack.GetConversationHistoryResponse, error) {
	return &slack.GetConversationHistoryResponse{}, nil
}

func (f *fakeAPI) GetConversationRepliesContext(context.Context, *slack.GetConversationRepliesParameters) ([]slack.Message, bool, string, error) {
	return nil, false, "", nil
}

func (f *fakeAPI) GetConversationInfoContext(ctx context.Context, input *slack.GetConversationInfoInput) (*slack.Channel, error) {
	if f.conversationInfo == nil {
		ch := &slack.Channel{}
		ch.ID = input.ChannelID
		return ch, nil
	}
	return f.conversationInfo(ctx, input.ChannelID)
}

func (f *fakeAPI) GetUsersInConversationContext(ctx context.Context, params *slack.GetUsersInConversationParameters) ([]string, string, error) {
	if f.members == nil {
		return nil, "", errUnexpected
	}
	return f.members(ctx, params)
}
