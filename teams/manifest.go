package teams

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

// The Teams app package: manifest.json with the two icons, zipped for
// upload in the Teams admin centre. The rules checked here are those of
// Microsoft's app manifest schema reference ("Microsoft 365 app manifest
// schema", learn.microsoft.com/microsoft-365/extensibility/schema);
// docs/teams.md lists them with their sources.
const (
	// ManifestVersion is the app manifest schema version written.
	ManifestVersion = "1.29"
	// ManifestSchemaURL is the JSON schema of ManifestVersion.
	ManifestSchemaURL = "https://developer.microsoft.com/json-schemas/teams/v" + ManifestVersion + "/MicrosoftTeams.schema.json"

	// The files of the package, at the root of the zip.
	ManifestFile    = "manifest.json"
	ColorIconFile   = "color.png"
	OutlineIconFile = "outline.png"

	// ColorIconSize and OutlineIconSize are the icons' documented sizes in
	// pixels: a full-colour 192×192 icon and a 32×32 outline, white on
	// transparent.
	ColorIconSize   = 192
	OutlineIconSize = 32

	// AccentColor is the app's colour: the ground of the colour icon and
	// the background Teams puts behind the outline icon. The Slack app's
	// background colour.
	AccentColor = "#2C5F5D"

	// RSCPermission is the resource-specific consent permission the app
	// asks for: with it the bot receives answers in reply chains without
	// an @mention (docs/teams.md, "how answers reach the bot").
	RSCPermission = "ChannelMessage.Read.Group"

	// DefaultAppName is the app's short name.
	DefaultAppName = "What Matters"
	// DefaultAppVersion is the app package's version; raise it for each
	// upload that replaces an earlier one.
	DefaultAppVersion = "1.0.0"
)

// Documented limits (schema reference: root, root.developer, root.name,
// root.description, root.bots.commandLists.commands). Where versions of
// the schema differ, the stricter is kept: command titles 32 characters and
// 10 commands a list (earlier versions) rather than 128 and 12.
const (
	maxShortName        = 30
	maxFullName         = 100
	maxShortDescription = 80
	maxFullDescription  = 4000
	maxDeveloperName    = 32
	maxURL              = 2048
	maxCommandTitle     = 32
	maxCommandDesc      = 128
	maxCommands         = 10
	maxCommandLists     = 3
	maxVersion          = 256
	maxValidDomains     = 16
	maxDomain           = 2048
)

// ManifestOptions is what the manifest needs from the organisation that
// installs the bot. Nothing is invented: the URLs are refused when missing.
type ManifestOptions struct {
	// AppID is the bot's Microsoft App ID (the Entra ID application's
	// client id, a GUID): the app's id, the bot's id and the application
	// that the resource-specific consent is granted to.
	AppID string
	// Name is the app's short name in Teams, at most 30 characters; empty
	// means DefaultAppName.
	Name string
	// Version is the app package's version (MAJOR.MINOR.PATCH); empty means
	// DefaultAppVersion.
	Version string
	// DeveloperName is who publishes the app (at most 32 characters), for
	// example the trust; required.
	DeveloperName string
	// DeveloperURL, PrivacyURL and TermsURL are https URLs of the
	// publisher's page for the app, its privacy notice and its terms of
	// use; all required.
	DeveloperURL, PrivacyURL, TermsURL string
	// Domains are the app's valid domains (host names, "*.example.org"
	// allowed); empty means the developer URL's host. The first one that
	// is not a wildcard also names the placeholder resource that
	// resource-specific consent needs.
	Domains []string
}

// ErrManifest is wrapped by every error about the options.
var ErrManifest = errors.New("teams manifest")

func manifestError(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrManifest}, args...)...)
}

// Command is one entry of the bot's command menu: what Teams puts in the
// compose box after the bot's @mention.
type Command struct {
	Title       string `json:"title"`
	Description string `json:"description"`
}

// TeamCommands are the commands offered in a team's channels. Each title
// is the command word and one of flows' subcommands (a test holds them to
// flows' help), so choosing one sends what ReadInbound reads as that
// command.
var TeamCommands = []Command{
	{CommandWord, "Start a reflection in a new reply chain; add the pseudonym the team uses, never a real name"},
	{CommandWord + " after-death", "Reflect together after someone has died; add the pseudonym the team uses"},
	{CommandWord + " check-in", "A light one-question check-in: who has been on your mind this week?"},
	{CommandWord + " session", "Open a learning session in this channel (facilitators)"},
	{CommandWord + " template", "The kinds of reflection you can start, and how to start each"},
	{CommandWord + " cases", "The team's cases and when each was last reflected on"},
	{CommandWord + " digest", "What recurred in the team's reflections lately, shown to you in your chat with the bot"},
	{CommandWord + " outcome", "Record what happened after a death; add the pseudonym"},
	{CommandWord + " help", "Everything What Matters understands"},
}

// PersonalCommands are the commands offered in a person's chat with the
// bot: about themselves, since reflections need a channel's reply chains.
var PersonalCommands = []Command{
	{CommandWord + " discipline", "Your discipline (nurse, doctor, chaplain…), shown beside your answers"},
	{CommandWord + " actions", "Your agreed actions from learning sessions"},
	{CommandWord + " my-data", "Everything you have contributed"},
	{CommandWord + " forget-me", "Delete everything you have contributed (asks you to confirm)"},
	{CommandWord + " snooze", "Leave me out of the next check-in"},
	{CommandWord + " help", "Everything What Matters understands"},
}

const (
	appFullName = "What Matters: reflection for end-of-life care teams"

	appShortDescription = "Care teams reflect together on what matters to the people they care for."

	appFullDescription = "What Matters helps end-of-life and palliative care teams pause and reflect together on the people they care for. " +
		"In a team channel, @mention What Matters and say \"reflect\" with a pseudonym: the bot starts a reflection in a new reply chain and asks one question at a time " +
		"about what matters to the person, why, who is around them, what happened and what to do next. Anyone in the channel can add their perspective by replying in the chain. " +
		"People are named by a pseudonym, never by their real name, and identifiers such as NHS numbers are removed before anything is saved. " +
		"When a reflection ends, the bot posts the story by stage, attributed by discipline; weekly check-ins keep the habit going, and leads can have a weekly digest of the themes that recur. " +
		"Each person can delete everything they wrote.\n\n" +
		"Why the app asks to read this team's channel messages (the resource-specific permission " + RSCPermission + ", which a team owner grants when adding the app): " +
		"so that answers written as ordinary replies in a reflection's reply chain reach the bot without an @mention before each one. " +
		"What Matters keeps only replies in the reply chains of reflections and sessions it started itself; every other message is dropped unread and never stored or logged. " +
		"A team owner may decline: answers that @mention What Matters still arrive.\n\n" +
		"Reflections need a channel: the bot cannot post in private channels, and in a chat it says so instead of starting one. " +
		"Your chat with the bot is where it tells you things privately."
)

// manifest and the types below are the parts of the schema the app uses.
type manifest struct {
	Schema              string            `json:"$schema"`
	ManifestVersion     string            `json:"manifestVersion"`
	Version             string            `json:"version"`
	ID                  string            `json:"id"`
	Developer           manifestDeveloper `json:"developer"`
	Name                manifestName      `json:"name"`
	Description         manifestDesc      `json:"description"`
	Icons               manifestIcons     `json:"icons"`
	AccentColor         string            `json:"accentColor"`
	Bots                []manifestBot     `json:"bots"`
	ValidDomains        []string          `json:"validDomains"`
	WebApplicationInfo  manifestWebApp    `json:"webApplicationInfo"`
	Authorization       manifestAuth      `json:"authorization"`
	DefaultInstallScope string            `json:"defaultInstallScope"`
	DefaultGroupCap     map[string]string `json:"defaultGroupCapability"`
}

type manifestDeveloper struct {
	Name          string `json:"name"`
	WebsiteURL    string `json:"websiteUrl"`
	PrivacyURL    string `json:"privacyUrl"`
	TermsOfUseURL string `json:"termsOfUseUrl"`
}

type manifestName struct {
	Short string `json:"short"`
	Full  string `json:"full"`
}

type manifestDesc struct {
	Short string `json:"short"`
	Full  string `json:"full"`
}

type manifestIcons struct {
	Outline string `json:"outline"`
	Color   string `json:"color"`
}

type manifestBot struct {
	BotID              string            `json:"botId"`
	Scopes             []string          `json:"scopes"`
	NeedsChannelSelect bool              `json:"needsChannelSelector"`
	IsNotificationOnly bool              `json:"isNotificationOnly"`
	SupportsFiles      bool              `json:"supportsFiles"`
	SupportsCalling    bool              `json:"supportsCalling"`
	SupportsVideo      bool              `json:"supportsVideo"`
	CommandLists       []manifestCmdList `json:"commandLists"`
}

type manifestCmdList struct {
	Scopes   []string  `json:"scopes"`
	Commands []Command `json:"commands"`
}

type manifestWebApp struct {
	ID       string `json:"id"`
	Resource string `json:"resource"`
}

type manifestAuth struct {
	Permissions struct {
		ResourceSpecific []manifestRSC `json:"resourceSpecific"`
	} `json:"permissions"`
}

type manifestRSC struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

// Scopes the bot is installed in. groupChat is left out: a reflection needs
// a channel's reply chains, and the adapter refuses one in a chat
// (ErrNoReplyChains), so a group chat would offer nothing but that refusal.
const (
	ScopeTeam     = "team"
	ScopePersonal = "personal"
)

var (
	guidPattern    = regexp.MustCompile(`^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$`)
	semverPattern  = regexp.MustCompile(`^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$`)
	colorPattern   = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)
	hostnameLabel  = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)
	errMissingURLs = "give the publisher's https URLs for the app's page (--developer-url), its privacy notice (--privacy-url) and its terms of use (--terms-url): Teams requires all three, and none is made up here"
)

// IsGUID reports whether s is a GUID in its usual 8-4-4-4-12 hex form, as
// the schema requires of ids.
func IsGUID(s string) bool { return guidPattern.MatchString(s) }

// Manifest returns manifest.json for the options: indented JSON ending in a
// newline. It returns an error wrapping ErrManifest, saying what to give,
// for anything the schema would refuse.
func Manifest(opts ManifestOptions) ([]byte, error) {
	m, err := buildManifest(opts)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(m); err != nil {
		return nil, fmt.Errorf("encoding the manifest: %w", err)
	}
	return buf.Bytes(), nil
}

// AppPackage returns the app package to upload: a zip holding
// manifest.json, color.png and outline.png at its root.
func AppPackage(opts ManifestOptions) ([]byte, error) {
	m, err := Manifest(opts)
	if err != nil {
		return nil, err
	}
	colorPNG, err := encodePNG(ColorIcon())
	if err != nil {
		return nil, err
	}
	outlinePNG, err := encodePNG(OutlineIcon())
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	// A fixed time, so the same options give the same bytes.
	stamp := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, f := range []struct {
		name string
		data []byte
	}{{ManifestFile, m}, {ColorIconFile, colorPNG}, {OutlineIconFile, outlinePNG}} {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: f.name, Method: zip.Deflate, Modified: stamp})
		if err != nil {
			return nil, err
		}
		if _, err := w.Write(f.data); err != nil {
			return nil, err
		}
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func buildManifest(opts ManifestOptions) (*manifest, error) {
	appID := strings.TrimSpace(opts.AppID)
	switch {
	case appID == "":
		return nil, manifestError("the bot's Microsoft App ID is required (--app-id): the Application (client) ID of its Entra ID app registration")
	case !IsGUID(appID):
		return nil, manifestError("app id %q is not a GUID such as 00000000-0000-0000-0000-000000000000: give the Application (client) ID of the bot's Entra ID app registration", appID)
	}
	appID = strings.ToLower(appID)

	name := strings.TrimSpace(opts.Name)
	if name == "" {
		name = DefaultAppName
	}
	if n := utf8.RuneCountInString(name); n > maxShortName {
		return nil, manifestError("app name %q is %d characters; Teams allows at most %d", name, n, maxShortName)
	}
	version := strings.TrimSpace(opts.Version)
	if version == "" {
		version = DefaultAppVersion
	}
	if !semverPattern.MatchString(version) || len(version) > maxVersion {
		return nil, manifestError("app version %q is not MAJOR.MINOR.PATCH, such as 1.0.0", version)
	}
	dev := strings.TrimSpace(opts.DeveloperName)
	switch n := utf8.RuneCountInString(dev); {
	case n == 0:
		return nil, manifestError("the developer name is required (--developer-name): who publishes the app, for example the trust")
	case n > maxDeveloperName:
		return nil, manifestError("developer name %q is %d characters; Teams allows at most %d", dev, n, maxDeveloperName)
	}
	if opts.DeveloperURL == "" || opts.PrivacyURL == "" || opts.TermsURL == "" {
		return nil, manifestError("%s", errMissingURLs)
	}
	urls := map[string]string{}
	for _, u := range []struct{ what, flag, value string }{
		{"developer", "--developer-url", opts.DeveloperURL},
		{"privacy", "--privacy-url", opts.PrivacyURL},
		{"terms of use", "--terms-url", opts.TermsURL},
	} {
		clean, err := httpsURL(u.value)
		if err != nil {
			return nil, manifestError("%s URL (%s): %v", u.what, u.flag, err)
		}
		urls[u.flag] = clean
	}
	devURL, _ := url.Parse(urls["--developer-url"])
	domains := opts.Domains
	if len(domains) == 0 {
		domains = []string{devURL.Hostname()}
	}
	valid, resourceHost, err := checkDomains(domains)
	if err != nil {
		return nil, err
	}
	if resourceHost == "" {
		resourceHost = devURL.Hostname()
	}

	m := &manifest{
		Schema:          ManifestSchemaURL,
		ManifestVersion: ManifestVersion,
		Version:         version,
		ID:              appID,
		Developer: manifestDeveloper{
			Name:          dev,
			WebsiteURL:    urls["--developer-url"],
			PrivacyURL:    urls["--privacy-url"],
			TermsOfUseURL: urls["--terms-url"],
		},
		Name:        manifestName{Short: name, Full: appFullName},
		Description: manifestDesc{Short: appShortDescription, Full: appFullDescription},
		Icons:       manifestIcons{Outline: OutlineIconFile, Color: ColorIconFile},
		AccentColor: AccentColor,
		Bots: []manifestBot{{
			BotID:  appID,
			Scopes: []string{ScopeTeam, ScopePersonal},
			CommandLists: []manifestCmdList{
				{Scopes: []string{ScopeTeam}, Commands: append([]Command(nil), TeamCommands...)},
				{Scopes: []string{ScopePersonal}, Commands: append([]Command(nil), PersonalCommands...)},
			},
		}},
		ValidDomains: valid,
		// Resource-specific consent needs webApplicationInfo with the app's
		// id and a resource; the resource does nothing for RSC and must
		// name only a domain the publisher controls.
		WebApplicationInfo:  manifestWebApp{ID: appID, Resource: "https://" + resourceHost},
		DefaultInstallScope: ScopeTeam,
		DefaultGroupCap:     map[string]string{ScopeTeam: "bot"},
	}
	m.Authorization.Permissions.ResourceSpecific = []manifestRSC{{Name: RSCPermission, Type: "Application"}}
	if m.Name.Full == m.Name.Short {
		m.Name.Full = m.Name.Short + " for Teams"
	}
	if err := checkManifest(m); err != nil {
		return nil, err
	}
	return m, nil
}

// httpsURL checks an absolute https URL of at most 2048 characters with no
// user name or password.
func httpsURL(s string) (string, error) {
	s = strings.TrimSpace(s)
	u, err := url.Parse(s)
	if err != nil || !u.IsAbs() || u.Host == "" || u.Opaque != "" {
		return "", fmt.Errorf("%q is not an absolute URL such as https://trust.example.nhs.uk/what-matters", s)
	}
	if u.Scheme != "https" {
		return "", fmt.Errorf("%q is not https: Teams takes only https:// URLs", s)
	}
	if u.User != nil {
		return "", fmt.Errorf("the URL for host %q carries a user name or password; leave them out", u.Host)
	}
	if len(s) > maxURL {
		return "", fmt.Errorf("the URL is %d characters; Teams allows at most %d", len(s), maxURL)
	}
	return s, nil
}

// checkDomains checks valid domains: host names (lower-cased), "*." before
// one allowed, no scheme, path or port; at most 16. It returns them and the
// first that is not a wildcard.
func checkDomains(in []string) ([]string, string, error) {
	if len(in) > maxValidDomains {
		return nil, "", manifestError("%d valid domains; at most %d", len(in), maxValidDomains)
	}
	var out []string
	first := ""
	for _, d := range in {
		d = strings.ToLower(strings.TrimSpace(d))
		host := strings.TrimPrefix(d, "*.")
		ok := host != "" && len(d) <= maxDomain && strings.Contains(host, ".")
		for _, label := range strings.Split(host, ".") {
			ok = ok && hostnameLabel.MatchString(label)
		}
		if !ok {
			return nil, "", manifestError("valid domain %q is not a host name such as wm.example.nhs.uk or *.example.nhs.uk (no https://, path or port)", d)
		}
		out = append(out, d)
		if first == "" && host == d {
			first = d
		}
	}
	return out, first, nil
}

// checkManifest holds the built manifest to the schema's lengths and
// required fields, so that a change to the texts or commands that Teams
// would refuse fails here (and in the tests) rather than at upload.
func checkManifest(m *manifest) error {
	length := func(what, s string, max int) error {
		n := utf8.RuneCountInString(s)
		if n == 0 {
			return manifestError("%s is empty", what)
		}
		if n > max {
			return manifestError("%s is %d characters; Teams allows at most %d", what, n, max)
		}
		return nil
	}
	checks := []error{
		length("the short name", m.Name.Short, maxShortName),
		length("the full name", m.Name.Full, maxFullName),
		length("the short description", m.Description.Short, maxShortDescription),
		length("the full description", m.Description.Full, maxFullDescription),
	}
	for _, err := range checks {
		if err != nil {
			return err
		}
	}
	if m.Name.Short == m.Name.Full || m.Description.Short == m.Description.Full {
		return manifestError("the short and full names, and the short and full descriptions, must differ")
	}
	if strings.Contains(m.Description.Full, m.Description.Short) {
		return manifestError("the short description must not be repeated in the full description")
	}
	if !colorPattern.MatchString(m.AccentColor) {
		return manifestError("accent colour %q is not #RRGGBB", m.AccentColor)
	}
	for _, id := range []string{m.ID, m.WebApplicationInfo.ID} {
		if !IsGUID(id) {
			return manifestError("id %q is not a GUID", id)
		}
	}
	for _, b := range m.Bots {
		if !IsGUID(b.BotID) {
			return manifestError("bot id %q is not a GUID", b.BotID)
		}
		if len(b.CommandLists) > maxCommandLists {
			return manifestError("%d command lists; at most %d", len(b.CommandLists), maxCommandLists)
		}
		for _, l := range b.CommandLists {
			if len(l.Commands) > maxCommands {
				return manifestError("%d commands in the %v list; at most %d", len(l.Commands), l.Scopes, maxCommands)
			}
			for _, c := range l.Commands {
				if err := length("command title "+fmt.Sprintf("%q", c.Title), c.Title, maxCommandTitle); err != nil {
					return err
				}
				if err := length("the description of command "+fmt.Sprintf("%q", c.Title), c.Description, maxCommandDesc); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// The icons: a white speech bubble (a reply chain, where reflections
// happen) holding a heart (what matters). In colour, on the accent colour;
// in outline, white on transparent with the heart cut out.

// ColorIcon returns the 192×192 colour icon.
func ColorIcon() *image.NRGBA {
	ground := accentRGBA()
	return drawIcon(ColorIconSize, func(bubble, heart float64) color.NRGBA {
		c := mix(ground, color.NRGBA{255, 255, 255, 255}, bubble)
		return mix(c, ground, heart)
	})
}

// OutlineIcon returns the 32×32 outline icon: white, transparent around
// the bubble and in the heart.
func OutlineIcon() *image.NRGBA {
	return drawIcon(OutlineIconSize, func(bubble, heart float64) color.NRGBA {
		a := bubble * (1 - heart)
		return color.NRGBA{255, 255, 255, uint8(math.Round(a * 255))}
	})
}

func accentRGBA() color.NRGBA {
	var r, g, b uint8
	fmt.Sscanf(AccentColor, "#%02x%02x%02x", &r, &g, &b)
	return color.NRGBA{r, g, b, 255}
}

func mix(a, b color.NRGBA, t float64) color.NRGBA {
	f := func(x, y uint8) uint8 { return uint8(math.Round(float64(x)*(1-t) + float64(y)*t)) }
	return color.NRGBA{f(a.R, b.R), f(a.G, b.G), f(a.B, b.B), f(a.A, b.A)}
}

// drawIcon paints a size×size icon, giving paint the coverage (0 to 1) of
// the bubble and of the heart at each pixel, sampled 4×4 for smooth edges.
func drawIcon(size int, paint func(bubble, heart float64) color.NRGBA) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, size, size))
	const n = 4
	for py := 0; py < size; py++ {
		for px := 0; px < size; px++ {
			var bubble, heart float64
			for sy := 0; sy < n; sy++ {
				for sx := 0; sx < n; sx++ {
					// x and y from 0 to 1 across the icon, y downwards.
					x := (float64(px) + (float64(sx)+0.5)/n) / float64(size)
					y := (float64(py) + (float64(sy)+0.5)/n) / float64(size)
					if inBubble(x, y) {
						bubble++
						if inHeart(x, y) {
							heart++
						}
					}
				}
			}
			bubble /= n * n
			if bubble > 0 {
				heart /= bubble * n * n
			}
			img.SetNRGBA(px, py, paint(bubble, heart))
		}
	}
	return img
}

// inBubble: a disc centred a little above the middle, with a tail to the
// lower left, all inside a margin of the icon's edge.
func inBubble(x, y float64) bool {
	const cx, cy, r = 0.5, 0.46, 0.34
	if (x-cx)*(x-cx)+(y-cy)*(y-cy) <= r*r {
		return true
	}
	// The tail: a triangle from the disc's lower left to a point below it.
	return inTriangle(x, y, 0.24, 0.62, 0.40, 0.76, 0.18, 0.88)
}

func inTriangle(x, y, x1, y1, x2, y2, x3, y3 float64) bool {
	d1 := (x-x2)*(y1-y2) - (x1-x2)*(y-y2)
	d2 := (x-x3)*(y2-y3) - (x2-x3)*(y-y3)
	d3 := (x-x1)*(y3-y1) - (x3-x1)*(y-y1)
	neg := d1 < 0 || d2 < 0 || d3 < 0
	pos := d1 > 0 || d2 > 0 || d3 > 0
	return !(neg && pos)
}

// inHeart: the heart curve (x²+y²−1)³ − x²y³ ≤ 0, scaled into the bubble.
func inHeart(x, y float64) bool {
	const cx, cy, scale = 0.5, 0.45, 0.16
	u := (x - cx) / scale
	v := -(y - cy) / scale
	a := u*u + v*v - 1
	return a*a*a-u*u*v*v*v <= 0
}

func encodePNG(img image.Image) ([]byte, error) {
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("encoding an icon: %w", err)
	}
	return buf.Bytes(), nil
}
