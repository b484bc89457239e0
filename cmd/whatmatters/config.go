package main

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
	_ "time/tzdata" // zones work in a minimal container image

	"github.com/kelseyhightower/envconfig"

	"whatmatters/concepts"
	"whatmatters/storage"
)

// Config is every setting, read from the environment. The standard names
// (DATABASE_URL, SLACK_*, OPENAI_*, PORT) are used as they are; everything
// else is prefixed WHATMATTERS_.
type Config struct {
	DatabaseURL DatabaseURL `envconfig:"DATABASE_URL" default:"sqlite:whatmatters.db" desc:"postgres://… or postgresql://… for PostgreSQL; sqlite:PATH for a SQLite file; sqlite::memory: for memory only"`

	SlackBotToken      string `envconfig:"SLACK_BOT_TOKEN" desc:"bot token (xoxb-…); when set, the bot serves Slack instead of the console"`
	SlackAppToken      string `envconfig:"SLACK_APP_TOKEN" desc:"app-level token (xapp-…): selects Socket Mode"`
	SlackSigningSecret string `envconfig:"SLACK_SIGNING_SECRET" desc:"signing secret: verifies requests in HTTP mode"`
	SlackAPIURL        string `envconfig:"SLACK_API_URL" default:"https://slack.com/api/" desc:"Slack Web API base URL (GovSlack, tests)"`

	OpenAIAPIKey  string `envconfig:"OPENAI_API_KEY" desc:"enables the model-backed theme coder"`
	OpenAIBaseURL string `envconfig:"OPENAI_BASE_URL" desc:"any OpenAI-compatible endpoint (Azure OpenAI, a local model server)"`
	OpenAIModel   string `envconfig:"OPENAI_MODEL" default:"gpt-4o-mini" desc:"model name for the theme coder"`

	OpenAIEmbeddingModel string     `envconfig:"OPENAI_EMBEDDING_MODEL" default:"text-embedding-3-small" desc:"embeddings model that joins differently worded themes of one meaning in digests (with a model configured); off for stems only"`
	ThemeSimilarity      Similarity `envconfig:"WHATMATTERS_THEME_SIMILARITY" default:"0.85" desc:"cosine similarity (0 to 1) at which the embeddings join two themes"`
	ThemesFile           ThemesFile `envconfig:"WHATMATTERS_THEMES_FILE" desc:"a JSON file of the team's own themes, added to the built-in catalogue (docs/themes.md); a theme with a built-in id replaces it"`
	ModelWorkers         int        `envconfig:"WHATMATTERS_MODEL_WORKERS" default:"2" desc:"answers one serve instance reads with the model at once, in a job queue of their own"`

	TeamsAppID          TeamsGUID    `envconfig:"TEAMS_APP_ID" desc:"Microsoft Teams: when set, serve answers Teams on POST /api/messages too (alone when SLACK_BOT_TOKEN is unset); the bot's Microsoft App ID, the Application (client) ID of its Entra ID app registration (a GUID)"`
	TeamsAppPassword    Secret       `envconfig:"TEAMS_APP_PASSWORD" desc:"Teams: the app registration's client secret, for the bot's token from Entra ID; never printed"`
	TeamsCertificate    string       `envconfig:"TEAMS_APP_CERTIFICATE" desc:"Teams: in place of TEAMS_APP_PASSWORD, a PEM file holding the app registration's certificate and its unencrypted RSA private key; each token request is signed with it"`
	TeamsTenantID       TeamsTenant  `envconfig:"TEAMS_TENANT_ID" desc:"Teams: the Entra ID tenant the bot is registered in (its GUID or a verified domain such as trust.onmicrosoft.com): its token comes from that tenant"`
	TeamsTenants        TeamsTenants `envconfig:"TEAMS_ALLOWED_TENANTS" desc:"Teams: comma-separated tenant GUIDs the bot accepts activities from; unset: any tenant the app is installed in"`
	TeamsOpenIDMetadata EndpointURL  `envconfig:"TEAMS_OPENID_METADATA_URL" desc:"Teams: the OpenID metadata naming the keys that sign incoming requests (tests); unset: https://login.botframework.com/v1/.well-known/openidconfiguration"`
	TeamsGraphURL       EndpointURL  `envconfig:"TEAMS_GRAPH_URL" desc:"Teams: Microsoft Graph's base URL, where an uncertain post is looked for (tests); unset: https://graph.microsoft.com/v1.0"`
	TeamsTokenURL       EndpointURL  `envconfig:"TEAMS_TOKEN_URL" desc:"Teams: the token endpoint (tests); unset: https://login.microsoftonline.com/TEAMS_TENANT_ID/oauth2/v2.0/token"`

	Port        Port        `envconfig:"PORT" default:"8080" desc:"HTTP port for /slack/events, /healthz, /readyz and /metrics"`
	BindAddress BindAddress `envconfig:"WHATMATTERS_BIND_ADDRESS" desc:"IP address serve listens on, with PORT: e.g. 127.0.0.1 behind a proxy on the same machine; unset: every interface, IPv4 and IPv6"`

	AutoMigrate     bool     `envconfig:"WHATMATTERS_AUTO_MIGRATE" default:"true" desc:"apply pending database migrations on start"`
	LogLevel        LogLevel `envconfig:"WHATMATTERS_LOG_LEVEL" default:"info" desc:"debug, info, warn or error; logs never hold story text or secrets"`
	Timezone        Timezone `envconfig:"WHATMATTERS_TIMEZONE" default:"Europe/London" desc:"IANA timezone given to a team when it is first seen"`
	LocalIDPatterns string   `envconfig:"WHATMATTERS_LOCAL_ID_PATTERNS" desc:"regular expressions for your trust's local hospital numbers, scrubbed from all text (see docs/operating.md)"`
	ScrubNames      string   `envconfig:"WHATMATTERS_SCRUB_NAMES" desc:"comma-separated names always scrubbed from text, e.g. local places or people often mentioned"`
	RetentionDays   Days     `envconfig:"WHATMATTERS_RETENTION_DAYS" default:"365" desc:"story text older than this many days is removed by the daily purge, keeping only anonymous counts"`
	Facilitators    string   `envconfig:"WHATMATTERS_FACILITATORS" desc:"comma-separated Slack member ids who are facilitators (run learning sessions) in every team they use the bot in, beside those chosen with whatmatters facilitator or /reflect facilitator"`
	IdleAfter       Idle     `envconfig:"WHATMATTERS_IDLE_AFTER" default:"48h" desc:"a reflection quiet this long is nudged once, and closed as abandoned after as long again"`
}

// loadConfig reads the configuration from the environment. A bad value gives
// one line naming the variable.
func loadConfig() (Config, error) {
	var cfg Config
	if err := envconfig.Process("", &cfg); err != nil {
		var pe *envconfig.ParseError
		if errors.As(err, &pe) {
			var de decodeError
			if errors.As(pe.Err, &de) {
				return cfg, fmt.Errorf("%s: %v", pe.KeyName, de.err)
			}
			// Only plain bools and numbers reach here, never secrets.
			return cfg, fmt.Errorf("%s: %q is not a valid %s", pe.KeyName, pe.Value, pe.TypeName)
		}
		return cfg, fmt.Errorf("configuration: %w", err)
	}
	if err := cfg.checkTeams(); err != nil {
		return cfg, err
	}
	return cfg, nil
}

// printConfig lists every variable with its default and meaning.
func printConfig(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	const format = "VARIABLE\tDEFAULT\tMEANING\n{{range .}}{{usage_key .}}\t{{usage_default .}}\t{{usage_description .}}\n{{end}}"
	if err := envconfig.Usagef("", &Config{}, tw, format); err != nil {
		return err
	}
	return tw.Flush()
}

// defaultDatabaseURL is DATABASE_URL's default (see Config).
const defaultDatabaseURL = "sqlite:whatmatters.db"

// DatabaseURL is DATABASE_URL, checked for a known scheme.
type DatabaseURL string

// Decode checks the scheme without opening the database.
func (d *DatabaseURL) Decode(value string) error {
	if _, _, err := storage.ParseURL(value); err != nil {
		return decodeError{err}
	}
	*d = DatabaseURL(value)
	return nil
}

// ThemesFile is WHATMATTERS_THEMES_FILE: a file of the team's own themes,
// read and checked when the configuration is, merged with the built-in
// catalogue.
type ThemesFile struct {
	Path      string
	Catalogue *concepts.Catalogue // the built-in catalogue with the file's themes; nil when no file
}

// Decode reads and checks the file.
func (t *ThemesFile) Decode(value string) error {
	if strings.TrimSpace(value) == "" {
		*t = ThemesFile{}
		return nil
	}
	f, err := os.Open(value)
	if err != nil {
		return decodeError{fmt.Errorf("cannot read the themes file: %w", err)}
	}
	defer f.Close()
	own, err := concepts.Load(f)
	if err != nil {
		return decodeError{fmt.Errorf("%s: %w", value, err)}
	}
	cat, err := concepts.Builtin().With(own)
	if err != nil {
		return decodeError{fmt.Errorf("%s: %w", value, err)}
	}
	*t = ThemesFile{Path: value, Catalogue: cat}
	return nil
}

// Port is a TCP port number.
type Port int

// Decode accepts 1 to 65535.
func (p *Port) Decode(value string) error {
	n, err := strconv.Atoi(strings.TrimSpace(value))
	if err != nil || n < 1 || n > 65535 {
		return decodeError{fmt.Errorf("%q is not a port number (1 to 65535)", value)}
	}
	*p = Port(n)
	return nil
}

// BindAddress is the IP address serve listens on; empty means every
// interface.
type BindAddress string

// Decode accepts an IPv4 or IPv6 address, the latter with or without
// brackets. A port is refused: it is PORT's.
func (b *BindAddress) Decode(value string) error {
	v := strings.TrimSpace(value)
	if v == "" {
		*b = ""
		return nil
	}
	ip, err := netip.ParseAddr(strings.TrimSuffix(strings.TrimPrefix(v, "["), "]"))
	if err != nil {
		hint := ""
		if _, _, splitErr := net.SplitHostPort(v); splitErr == nil {
			hint = "; the port goes in PORT"
		}
		return decodeError{fmt.Errorf("%q is not an IP address such as 127.0.0.1 or ::1%s (unset, serve listens on every interface)", value, hint)}
	}
	*b = BindAddress(ip.String())
	return nil
}

// LogLevel is a slog level by name.
type LogLevel slog.Level

// Decode accepts debug, info, warn and error.
func (l *LogLevel) Decode(value string) error {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(value)); err != nil {
		return decodeError{fmt.Errorf("%q is not a log level (debug, info, warn or error)", value)}
	}
	*l = LogLevel(lv)
	return nil
}

// Timezone is an IANA timezone name.
type Timezone string

// Decode checks that the zone is known.
func (z *Timezone) Decode(value string) error {
	if _, err := time.LoadLocation(value); err != nil || value == "" || value == "Local" {
		return decodeError{fmt.Errorf("%q is not an IANA timezone name such as Europe/London", value)}
	}
	*z = Timezone(value)
	return nil
}

// decodeError marks a Decode failure whose message is written for people.
type decodeError struct{ err error }

func (e decodeError) Error() string { return e.err.Error() }
func (e decodeError) Unwrap() error { return e.err }

// Days is a positive number of days.
type Days int

// Decode accepts a whole number of days from 1 up.
func (d *Days) Decode(value string) error {
	n, err := strconv.Atoi(strings.TrimSpace(value))
	if err != nil || n < 1 {
		return decodeError{fmt.Errorf("%q is not a whole number of days (1 or more)", value)}
	}
	*d = Days(n)
	return nil
}

// Duration returns the period as a time.Duration.
func (d Days) Duration() time.Duration { return time.Duration(d) * 24 * time.Hour }

// Similarity is a cosine similarity above 0 and at most 1.
type Similarity float64

// Decode accepts a number above 0 and at most 1, such as 0.85.
func (s *Similarity) Decode(value string) error {
	f, err := strconv.ParseFloat(strings.TrimSpace(value), 64)
	if err != nil || f <= 0 || f > 1 {
		return decodeError{fmt.Errorf("%q is not a similarity above 0 and at most 1, such as 0.85", value)}
	}
	*s = Similarity(f)
	return nil
}

// Idle is how long a reflection may stay quiet before it is nudged.
type Idle time.Duration

// Decode accepts a Go duration of at least a minute, such as 48h.
func (i *Idle) Decode(value string) error {
	d, err := time.ParseDuration(strings.TrimSpace(value))
	if err != nil || d < time.Minute {
		return decodeError{fmt.Errorf("%q is not a duration of a minute or more, such as 48h", value)}
	}
	*i = Idle(d)
	return nil
}
