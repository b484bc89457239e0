package bot

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

// appManifest is the part of Slack's manifest format the tests read.
type appManifest struct {
	Display struct {
		Name            string `json:"name"`
		Description     string `json:"description"`
		LongDescription string `json:"long_description"`
	} `json:"display_information"`
	Features struct {
		AppHome struct {
			HomeTabEnabled     *bool `json:"home_tab_enabled"`
			MessagesTabEnabled *bool `json:"messages_tab_enabled"`
		} `json:"app_home"`
		BotUser struct {
			DisplayName string `json:"display_name"`
		} `json:"bot_user"`
		SlashCommands []struct {
			Command      string  `json:"command"`
			URL          *string `json:"url"`
			Description  string  `json:"description"`
			UsageHint    string  `json:"usage_hint"`
			ShouldEscape *bool   `json:"should_escape"`
		} `json:"slash_commands"`
	} `json:"features"`
	OAuthConfig struct {
		Scopes struct {
			Bot []string `json:"bot"`
		} `json:"scopes"`
	} `json:"oauth_config"`
	Settings struct {
		EventSubscriptions struct {
			RequestURL *string  `json:"request_url"`
			BotEvents  []string `json:"bot_events"`
		} `json:"event_subscriptions"`
		Interactivity struct {
			IsEnabled  bool    `json:"is_enabled"`
			RequestURL *string `json:"request_url"`
		} `json:"interactivity"`
		OrgDeployEnabled     *bool `json:"org_deploy_enabled"`
		SocketModeEnabled    *bool `json:"socket_mode_enabled"`
		TokenRotationEnabled *bool `json:"token_rotation_enabled"`
	} `json:"settings"`
}

func parseManifest(t *testing.T, opts ManifestOptions) (appManifest, string) {
	t.Helper()
	raw, err := Manifest(opts)
	if err != nil {
		t.Fatalf("Manifest(%+v): %v", opts, err)
	}
	var m appManifest
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	if err := dec.Decode(&m); err != nil {
		t.Fatalf("manifest is not JSON: %v\n%s", err, raw)
	}
	if !strings.HasPrefix(string(raw), "{\n  \"") || !strings.HasSuffix(string(raw), "}\n") {
		t.Errorf("manifest is not indented JSON ending in a newline:\n%s", raw)
	}
	return m, string(raw)
}

func TestManifestScopesAndEvents(t *testing.T) {
	m, raw := parseManifest(t, ManifestOptions{})
	wantScopes := []string{"commands", "chat:write", "channels:history", "groups:history", "im:write", "im:history", "app_mentions:read", "reactions:write", "users:read", "files:write", "channels:read", "groups:read"}
	for _, s := range wantScopes {
		if !slices.Contains(m.OAuthConfig.Scopes.Bot, s) {
			t.Errorf("scope %q missing from %v", s, m.OAuthConfig.Scopes.Bot)
		}
	}
	if slices.Contains(m.OAuthConfig.Scopes.Bot, "chat:write.public") {
		t.Error("chat:write.public requested: the bot posts only where invited")
	}
	if len(m.OAuthConfig.Scopes.Bot) != len(wantScopes) {
		t.Errorf("scopes %v, want exactly %v", m.OAuthConfig.Scopes.Bot, wantScopes)
	}
	wantEvents := []string{"app_mention", "app_home_opened", "message.channels", "message.groups", "message.im"}
	if diff := cmp.Diff(wantEvents, m.Settings.EventSubscriptions.BotEvents); diff != "" {
		t.Errorf("bot events (-want +got):\n%s", diff)
	}
	f := m.Features
	if f.AppHome.HomeTabEnabled == nil || !*f.AppHome.HomeTabEnabled || f.AppHome.MessagesTabEnabled == nil || !*f.AppHome.MessagesTabEnabled {
		t.Errorf("app_home = %+v, want both tabs enabled", f.AppHome)
	}
	if f.BotUser.DisplayName != "What Matters" {
		t.Errorf("bot display name %q", f.BotUser.DisplayName)
	}
	if len(f.SlashCommands) != 1 {
		t.Fatalf("slash commands %+v", f.SlashCommands)
	}
	cmd := f.SlashCommands[0]
	if cmd.Command != "/reflect" || cmd.Description == "" || cmd.UsageHint == "" || cmd.ShouldEscape == nil || *cmd.ShouldEscape {
		t.Errorf("slash command %+v", cmd)
	}
	s := m.Settings
	if !s.Interactivity.IsEnabled || s.OrgDeployEnabled == nil || *s.OrgDeployEnabled || s.TokenRotationEnabled == nil || *s.TokenRotationEnabled {
		t.Errorf("settings %+v", s)
	}
	for _, key := range []string{`"_metadata"`, `"display_information"`, `"features"`, `"oauth_config"`, `"settings"`} {
		if !strings.Contains(raw, key) {
			t.Errorf("manifest lacks %s", key)
		}
	}
}

func TestManifestModes(t *testing.T) {
	socket, raw := parseManifest(t, ManifestOptions{})
	if s := socket.Settings.SocketModeEnabled; s == nil || !*s {
		t.Error("Socket Mode not enabled without a request URL")
	}
	if strings.Contains(raw, "request_url") || strings.Contains(raw, `"url"`) {
		t.Errorf("Socket Mode manifest has a request URL:\n%s", raw)
	}

	const u = "https://example.fly.dev/slack/events?team=a&b=c"
	http, raw := parseManifest(t, ManifestOptions{Name: "What Matters (ward 7)", RequestURL: u})
	if s := http.Settings.SocketModeEnabled; s == nil || *s {
		t.Error("Socket Mode enabled with a request URL")
	}
	for name, got := range map[string]*string{
		"event_subscriptions.request_url": http.Settings.EventSubscriptions.RequestURL,
		"interactivity.request_url":       http.Settings.Interactivity.RequestURL,
		"slash_commands[0].url":           http.Features.SlashCommands[0].URL,
	} {
		if got == nil || *got != u {
			t.Errorf("%s = %v, want %q", name, got, u)
		}
	}
	if !strings.Contains(raw, u) {
		t.Errorf("request URL escaped in the JSON:\n%s", raw)
	}
	if http.Display.Name != "What Matters (ward 7)" {
		t.Errorf("name %q", http.Display.Name)
	}
	if socket.Display.Name != "What Matters" {
		t.Errorf("default name %q", socket.Display.Name)
	}
}

func TestManifestDescriptionLengths(t *testing.T) {
	m, _ := parseManifest(t, ManifestOptions{})
	if n := utf8.RuneCountInString(m.Display.Description); n == 0 || n > 140 {
		t.Errorf("description is %d characters, want 1–140", n)
	}
	if n := utf8.RuneCountInString(m.Display.LongDescription); n < 175 || n > 4000 {
		t.Errorf("long_description is %d characters, want 175–4000 (Slack documents at least 174)", n)
	}
	if n := utf8.RuneCountInString(m.Features.SlashCommands[0].Description); n > 2000 {
		t.Errorf("slash command description is %d characters", n)
	}
}

func TestManifestRejects(t *testing.T) {
	for _, opts := range []ManifestOptions{
		{Name: strings.Repeat("x", 36)},
		{RequestURL: "example.fly.dev/slack/events"},
		{RequestURL: "ftp://example.fly.dev/slack/events"},
		{RequestURL: "https://"},
		{RequestURL: "://bad"},
	} {
		if _, err := Manifest(opts); err == nil {
			t.Errorf("Manifest(%+v) succeeded", opts)
		}
	}
}
