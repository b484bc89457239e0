package bot

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"unicode/utf8"
)

// ManifestOptions says how the app will reach the bot.
type ManifestOptions struct {
	// Name is the app's name in Slack (at most 35 characters); empty means
	// "What Matters".
	Name string
	// RequestURL is the public URL of POST /slack/events, for example
	// https://example.fly.dev/slack/events. Empty means Socket Mode: the
	// manifest then enables Socket Mode and has no request URLs.
	RequestURL string
}

// botScopes are the OAuth scopes the bot token needs, each for a reason.
// chat:write.public is deliberately absent: the bot posts only in
// conversations it has been invited to.
var botScopes = []string{
	"commands",          // the /reflect slash command
	"chat:write",        // questions, summaries and notices, where the bot is a member
	"channels:history",  // thread replies (answers) in public channels: message.channels
	"groups:history",    // thread replies in private channels: message.groups
	"im:history",        // messages in the bot's direct messages: message.im
	"im:write",          // opening direct messages, e.g. to deliver an export
	"app_mentions:read", // @What Matters in a channel: app_mention
	"reactions:write",   // a reaction that acknowledges each answer
	"users:read",        // display names, never stored with stories
	"files:write",       // /reflect my-data sends a person their own data as a file; the digest's chart
	"channels:read",     // conversations.info: is a channel public, so its words may be quoted elsewhere
	"groups:read",       // conversations.info on private channels: their words are never quoted elsewhere
}

// botEvents are the Events API events the bot subscribes to.
var botEvents = []string{
	"app_mention",      // someone asks the bot for help in a channel
	"app_home_opened",  // publish the Home tab
	"message.channels", // answers in reflection threads, public channels
	"message.groups",   // answers in reflection threads, private channels
	"message.im",       // direct messages to the bot
}

// Slack's documented lengths for display_information.
const (
	maxAppName         = 35
	maxDescription     = 140
	minLongDescription = 175 // the schema says 175, the reference page 174
	maxLongDescription = 4000
)

const (
	appDescription = "Reflect together, in a thread, on what matters to the people you care for."

	appLongDescription = "What Matters helps care teams pause and reflect together on the people they care for. " +
		"Type /reflect in a team channel and the bot starts a reflection in a thread: it asks one question at a time " +
		"about what matters to the person, why, who is around them, what happened and what to do next, and anyone in " +
		"the channel can add their perspective by replying in the thread. People are named by a pseudonym, never by " +
		"their real name, and identifiers such as NHS numbers are removed before anything is saved. When a reflection " +
		"ends, the bot posts the story by stage, attributed by discipline, and a weekly check-in can keep the habit " +
		"going. Leads can have a weekly digest of the themes that recur, with the evidence for each. Each person can see, export and delete what they wrote. Say skip, done or cancel in the thread at any time."

	slashDescription = "Start a reflection on someone you care for"
	slashUsageHint   = "[NAME] | help"
)

type manifest struct {
	Metadata    manifestMetadata `json:"_metadata"`
	Display     manifestDisplay  `json:"display_information"`
	Features    manifestFeatures `json:"features"`
	OAuthConfig manifestOAuth    `json:"oauth_config"`
	Settings    manifestSettings `json:"settings"`
}

type manifestMetadata struct {
	MajorVersion int `json:"major_version"`
	MinorVersion int `json:"minor_version"`
}

type manifestDisplay struct {
	Name            string `json:"name"`
	Description     string `json:"description"`
	LongDescription string `json:"long_description"`
	BackgroundColor string `json:"background_color"`
}

type manifestFeatures struct {
	AppHome       manifestAppHome    `json:"app_home"`
	BotUser       manifestBotUser    `json:"bot_user"`
	Shortcuts     []manifestShortcut `json:"shortcuts"`
	SlashCommands []manifestSlash    `json:"slash_commands"`
}

type manifestShortcut struct {
	Name        string `json:"name"`
	Type        string `json:"type"` // "message" or "global"
	CallbackID  string `json:"callback_id"`
	Description string `json:"description"`
}

type manifestAppHome struct {
	HomeTabEnabled             bool `json:"home_tab_enabled"`
	MessagesTabEnabled         bool `json:"messages_tab_enabled"`
	MessagesTabReadOnlyEnabled bool `json:"messages_tab_read_only_enabled"`
}

type manifestBotUser struct {
	DisplayName  string `json:"display_name"`
	AlwaysOnline bool   `json:"always_online"`
}

type manifestSlash struct {
	Command      string `json:"command"`
	URL          string `json:"url,omitempty"`
	Description  string `json:"description"`
	UsageHint    string `json:"usage_hint"`
	ShouldEscape bool   `json:"should_escape"`
}

type manifestOAuth struct {
	Scopes struct {
		Bot []string `json:"bot"`
	} `json:"scopes"`
}

type manifestSettings struct {
	EventSubscriptions   manifestEvents        `json:"event_subscriptions"`
	Interactivity        manifestInteractivity `json:"interactivity"`
	OrgDeployEnabled     bool                  `json:"org_deploy_enabled"`
	SocketModeEnabled    bool                  `json:"socket_mode_enabled"`
	TokenRotationEnabled bool                  `json:"token_rotation_enabled"`
}

type manifestEvents struct {
	RequestURL string   `json:"request_url,omitempty"`
	BotEvents  []string `json:"bot_events"`
}

type manifestInteractivity struct {
	IsEnabled  bool   `json:"is_enabled"`
	RequestURL string `json:"request_url,omitempty"`
}

// EventsPath is where the bot takes Slack's events, slash commands and
// interactions in HTTP mode.
const EventsPath = "/slack/events"

// requestURL checks a request URL for the manifest and returns the one to
// use. Slack calls only https URLs, and the bot listens at EventsPath: a
// bare origin (https://host) gets EventsPath added, and any other path
// must end in it (a proxy may add a prefix, as in https://host/wm/slack/events).
// A user name, password or fragment is refused; a query is kept.
func requestURL(s string) (string, error) {
	const example = "such as https://wm.example.org" + EventsPath
	u, err := url.Parse(s)
	if err != nil || !u.IsAbs() || u.Host == "" || u.Opaque != "" {
		return "", fmt.Errorf("request URL %q is not an absolute URL; give the bot's public address, %s", s, example)
	}
	if u.Scheme != "https" {
		return "", fmt.Errorf("request URL %q is not https: Slack sends its requests only to https:// URLs (put TLS in front of the bot), %s", s, example)
	}
	if u.User != nil {
		return "", fmt.Errorf("request URL for host %q carries a user name or password: Slack's requests are checked by their signature instead; leave them out", u.Host)
	}
	if u.Fragment != "" || strings.HasSuffix(s, "#") {
		return "", fmt.Errorf("request URL %q has a #fragment, which Slack would not send; leave it out", s)
	}
	switch {
	case u.Path == "" || u.Path == "/":
		u.Path, u.RawPath = EventsPath, ""
		return u.String(), nil
	case strings.HasSuffix(u.Path, EventsPath):
		return s, nil
	}
	return "", fmt.Errorf("request URL %q has the path %q, but the bot takes Slack's requests at %s: end the URL with %s (%s), or give https://%s alone to have it added",
		s, u.Path, EventsPath, EventsPath, example, u.Host)
}

// Manifest returns the Slack app manifest (JSON, indented, ending in a
// newline) with every scope, command, event and setting the bot needs.
// Paste it into "Create an app → From a manifest". With a RequestURL, Slack
// sends events, the slash command and interactions there (HTTP mode);
// without one, the app uses Socket Mode. It returns an error for a name
// Slack would reject or a request URL Slack could not call or the bot would
// not answer at (see requestURL).
func Manifest(opts ManifestOptions) ([]byte, error) {
	name := strings.TrimSpace(opts.Name)
	if name == "" {
		name = "What Matters"
	}
	if n := utf8.RuneCountInString(name); n > maxAppName {
		return nil, fmt.Errorf("app name %q is %d characters; Slack allows at most %d", name, n, maxAppName)
	}
	if opts.RequestURL != "" {
		u, err := requestURL(opts.RequestURL)
		if err != nil {
			return nil, err
		}
		opts.RequestURL = u
	}
	m := manifest{
		Metadata: manifestMetadata{MajorVersion: 1, MinorVersion: 1},
		Display: manifestDisplay{
			Name:            name,
			Description:     appDescription,
			LongDescription: appLongDescription,
			BackgroundColor: "#2c5f5d",
		},
		Features: manifestFeatures{
			AppHome: manifestAppHome{HomeTabEnabled: true, MessagesTabEnabled: true},
			BotUser: manifestBotUser{DisplayName: "What Matters"},
			Shortcuts: []manifestShortcut{{Name: "Mark as agreed action", Type: "message", CallbackID: markActionShortcut,
				Description: "Record a reply in a learning session's thread as an action the team agreed"}},
			SlashCommands: []manifestSlash{{
				Command:     "/reflect",
				URL:         opts.RequestURL,
				Description: slashDescription,
				UsageHint:   slashUsageHint,
			}},
		},
		Settings: manifestSettings{
			EventSubscriptions: manifestEvents{RequestURL: opts.RequestURL, BotEvents: append([]string(nil), botEvents...)},
			Interactivity:      manifestInteractivity{IsEnabled: true, RequestURL: opts.RequestURL},
			SocketModeEnabled:  opts.RequestURL == "",
		},
	}
	m.OAuthConfig.Scopes.Bot = append([]string(nil), botScopes...)
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // keep & in a request URL readable
	enc.SetIndent("", "  ")
	if err := enc.Encode(m); err != nil {
		return nil, fmt.Errorf("encoding the manifest: %w", err)
	}
	return buf.Bytes(), nil
}
