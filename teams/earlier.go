package teams

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Looking for an earlier attempt after an uncertain send.
//
// The Bot Connector takes no idempotency key and cannot read messages back,
// so after a send whose outcome is unknown (a timeout, a reset after the
// request was written, a 502 or 504: SendError.Uncertain) the bot reads the
// conversation through Microsoft Graph and looks for the send's marker
// (Send.Marker, the id of the card's first element), as the Slack side looks
// for its own metadata (bot/outbox.go findPosted).
//
// What Graph allows an app, without a signed-in user (Microsoft Graph v1.0
// reference):
//
//   - A channel reply chain: GET /teams/{team-id}/channels/{channel-id}/
//     messages/{message-id}/replies ("List replies"), application permission
//     ChannelMessage.Read.Group, granted by resource-specific consent (RSC)
//     when a team owner installs the app; the manifest already asks for it
//     to receive answers. A root post: GET /teams/{team-id}/channels/
//     {channel-id}/messages ("List channel messages"), the same permission.
//     {team-id} is the team's Entra group id (channelData.team.aadGroupId),
//     not its "19:…" id. At most 50 a page ($top); further pages through
//     @odata.nextLink.
//   - A 1:1 chat: GET /chats/{chat-id}/messages ("List messages in a chat")
//     needs Chat.Read.All (tenant-wide, admin consent) or the RSC permission
//     ChatMessage.Read.Chat; but RSC in a personal (1:1) scope is limited to
//     ChatMessageReadReceipt.Read.Chat (MicrosoftDocs/msteams-docs #10583;
//     OfficeDev/Microsoft-Teams-Samples #959 got 403 reading a 1:1 chat with
//     the bot). The bot does not ask for tenant-wide permissions, so for 1:1
//     chats this look answers ErrNoReadPermission unless an administrator
//     granted Chat.Read.All; Outbound marks those sends Resend.
//   - Both pages say that application permissions on these APIs need access
//     requested first ("Protected APIs in Microsoft Teams"); until it is
//     granted Graph answers 403 as well.
//
// A 403 is ErrNoReadPermission: the caller posts again, and says so in its
// log (a repeated message rather than a lost one).

const (
	// GraphScope is the scope of an app-only token for Microsoft Graph.
	GraphScope = "https://graph.microsoft.com/.default"
	// GraphBaseURL is Microsoft Graph v1.0.
	GraphBaseURL = "https://graph.microsoft.com/v1.0"
	// DefaultGraphPages bounds the pages read in one look (50 messages a
	// page): an earlier attempt is minutes old, so it is among the newest.
	DefaultGraphPages = 5
	graphPageSize     = 50
	maxGraphResponse  = 4 << 20
)

// ErrNoReadPermission says Graph refused to read the conversation (403):
// the team has not granted ChannelMessage.Read.Group, the app's access to
// the protected API is not approved, or it is a 1:1 chat. Look no further;
// post again.
var ErrNoReadPermission = errors.New("teams: no permission to read the conversation back through Graph")

// GraphError is a failed Graph request other than a refused permission.
// Retry says trying the look again later may succeed (429, 5xx, network),
// after RetryAfter when Graph named a wait.
type GraphError struct {
	Status     int // 0 for a network error
	Code       string
	Retry      bool
	RetryAfter time.Duration
	Err        error
}

func (e *GraphError) Error() string {
	var b strings.Builder
	b.WriteString("teams: graph")
	if e.Status != 0 {
		fmt.Fprintf(&b, ": status %d", e.Status)
	}
	if e.Code != "" {
		b.WriteString(" (" + e.Code + ")")
	}
	if e.Err != nil {
		b.WriteString(": " + e.Err.Error())
	}
	return b.String()
}

func (e *GraphError) Unwrap() error { return e.Err }

// NewGraphTokenSource is a TokenSource for Microsoft Graph: the same client
// credentials from the bot's own tenant, with the scope GraphScope. Graph
// then grants what the app was given (RSC per team, or tenant-wide
// permissions).
func NewGraphTokenSource(cfg TokenConfig) (*TokenSource, error) {
	ts, err := NewTokenSource(cfg)
	if err != nil {
		return nil, err
	}
	ts.cc.Scopes = []string{GraphScope}
	return ts, nil
}

// GraphConfig configures a Graph reader.
type GraphConfig struct {
	Tokens AccessTokens // a Graph token source (NewGraphTokenSource)
	// BotAppID, when set, is the only sender whose message counts: the
	// marker must be on a message from this application.
	BotAppID string
	// BaseURL is GraphBaseURL unless overridden (tests). Next links are
	// followed only on its scheme and host, so the token goes nowhere else.
	BaseURL    string
	HTTPClient *http.Client
	Timeout    time.Duration // each request; DefaultRequestTimeout when zero
	MaxPages   int           // DefaultGraphPages when zero
	Now        func() time.Time
}

// Graph reads a conversation's recent messages back through Microsoft Graph.
type Graph struct {
	cfg  GraphConfig
	base *url.URL
}

// NewGraph returns a Graph reader for cfg.
func NewGraph(cfg GraphConfig) (*Graph, error) {
	if cfg.Tokens == nil {
		return nil, errors.New("teams: graph needs a token source")
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = GraphBaseURL
	}
	base, err := url.Parse(strings.TrimRight(cfg.BaseURL, "/"))
	if err != nil || base.Host == "" || (base.Scheme != "https" && base.Scheme != "http") {
		return nil, errors.New("teams: graph base URL must be an absolute URL")
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{}
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultRequestTimeout
	}
	if cfg.MaxPages <= 0 {
		cfg.MaxPages = DefaultGraphPages
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Graph{cfg: cfg, base: base}, nil
}

// SentTo is where a message was sent, as Graph names it: in a channel, the
// team's Entra group id, the channel id and, for a reply, its reply chain's
// root message id (none for a root post); in a chat, the chat id.
type SentTo struct {
	TeamGroupID string
	Channel     string // "19:…@thread.tacv2", without ";messageid="
	Root        string
	Chat        string
}

// path is the Graph collection to read for s.
func (s SentTo) path() (string, error) {
	switch {
	case s.Chat != "" && s.Channel == "":
		return "/chats/" + url.PathEscape(s.Chat) + "/messages", nil
	case s.TeamGroupID != "" && s.Channel != "":
		p := "/teams/" + url.PathEscape(s.TeamGroupID) + "/channels/" + url.PathEscape(RootConversationID(s.Channel)) + "/messages"
		if s.Root != "" {
			p += "/" + url.PathEscape(s.Root) + "/replies"
		}
		return p, nil
	}
	return "", errors.New("teams: look needs a team's group id and channel, or a chat")
}

// FindEarlier looks for the bot's message carrying marker where it was
// sent, newest pages first, reading at most MaxPages pages, and returns its
// id, or "" when none was found (post again). A 403 is ErrNoReadPermission;
// other failures are *GraphError.
func (g *Graph) FindEarlier(ctx context.Context, to SentTo, marker string) (string, error) {
	if !strings.HasPrefix(marker, MarkerPrefix) {
		return "", errors.New("teams: look needs the send's marker")
	}
	p, err := to.path()
	if err != nil {
		return "", err
	}
	next := g.base.String() + p + "?$top=" + fmt.Sprint(graphPageSize)
	for range g.cfg.MaxPages {
		page, err := g.page(ctx, next)
		if err != nil {
			return "", err
		}
		for _, m := range page.Value {
			if id := m.marked(marker, g.cfg.BotAppID); id != "" {
				return id, nil
			}
		}
		if page.NextLink == "" {
			return "", nil
		}
		if !g.sameOrigin(page.NextLink) {
			return "", &GraphError{Err: errors.New("next link outside Graph's origin not followed")}
		}
		next = page.NextLink
	}
	return "", nil
}

// sameOrigin reports whether link is on the base URL's scheme and host.
func (g *Graph) sameOrigin(link string) bool {
	u, err := url.Parse(link)
	return err == nil && u.Scheme == g.base.Scheme && u.Host == g.base.Host
}

// graphPage is a page of a chatMessage collection.
type graphPage struct {
	Value    []graphMessage `json:"value"`
	NextLink string         `json:"@odata.nextLink"`
}

// graphMessage is the part of Graph's chatMessage read here.
type graphMessage struct {
	ID              string  `json:"id"`
	DeletedDateTime *string `json:"deletedDateTime"`
	From            *struct {
		Application *struct {
			ID string `json:"id"`
		} `json:"application"`
	} `json:"from"`
	Attachments []struct {
		ContentType string          `json:"contentType"`
		Content     json.RawMessage `json:"content"`
	} `json:"attachments"`
}

// marked returns m's id when it is a message (not deleted; from botAppID
// when given) with an Adaptive Card whose marker is marker.
func (m graphMessage) marked(marker, botAppID string) string {
	if m.DeletedDateTime != nil {
		return ""
	}
	if botAppID != "" && (m.From == nil || m.From.Application == nil || !strings.EqualFold(m.From.Application.ID, botAppID)) {
		return ""
	}
	for _, a := range m.Attachments {
		if a.ContentType != ContentTypeAdaptiveCard {
			continue
		}
		// Graph gives a card's content as a string of JSON
		// (chatMessageAttachment.content); an object is read as well.
		content := []byte(a.Content)
		var s string
		if json.Unmarshal(a.Content, &s) == nil {
			content = []byte(s)
		}
		if CardMarker(content) == marker {
			return m.ID
		}
	}
	return ""
}

// page reads one page, classifying failures.
func (g *Graph) page(ctx context.Context, link string) (graphPage, error) {
	ctx, cancel := context.WithTimeout(ctx, g.cfg.Timeout)
	defer cancel()
	token, err := g.cfg.Tokens.AccessToken(ctx)
	if err != nil {
		var te *TokenError
		return graphPage{}, &GraphError{Retry: !errors.As(err, &te) || te.Temporary(), Err: err}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, link, nil)
	if err != nil {
		return graphPage{}, &GraphError{Err: err}
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept", "application/json")
	resp, err := g.cfg.HTTPClient.Do(req)
	if err != nil {
		return graphPage{}, &GraphError{Retry: true, Err: networkError(err)}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxGraphResponse))
	if err != nil {
		return graphPage{}, &GraphError{Status: resp.StatusCode, Retry: true, Err: err}
	}
	switch {
	case resp.StatusCode == http.StatusOK:
		var p graphPage
		if err := json.NewDecoder(bytes.NewReader(data)).Decode(&p); err != nil {
			return graphPage{}, &GraphError{Status: resp.StatusCode, Err: fmt.Errorf("answer not understood: %w", err)}
		}
		return p, nil
	case resp.StatusCode == http.StatusForbidden:
		return graphPage{}, fmt.Errorf("%w (%s)", ErrNoReadPermission, errorCode(data))
	}
	ge := &GraphError{Status: resp.StatusCode, Code: errorCode(data)}
	switch {
	case resp.StatusCode == http.StatusUnauthorized:
		if inv, ok := g.cfg.Tokens.(interface{ Invalidate() }); ok {
			inv.Invalidate()
		}
		ge.Retry = true
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
		ge.Retry = true
		ge.RetryAfter = retryAfter(resp.Header.Get("Retry-After"), g.cfg.Now())
	}
	return graphPage{}, ge
}
