package teams

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"errors"
	"image"
	"image/png"
	"io"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"whatmatters/flows"
)

const manifestAppID = "6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b"

func testManifestOptions() ManifestOptions {
	return ManifestOptions{
		AppID:         manifestAppID,
		DeveloperName: "Example NHS Trust",
		DeveloperURL:  "https://wm.example.nhs.uk/",
		PrivacyURL:    "https://wm.example.nhs.uk/privacy",
		TermsURL:      "https://wm.example.nhs.uk/terms",
	}
}

// appManifest is the manifest as Teams reads it, with the fields the
// tests check.
type appManifest struct {
	Schema          string `json:"$schema"`
	ManifestVersion string `json:"manifestVersion"`
	Version         string `json:"version"`
	ID              string `json:"id"`
	Developer       struct {
		Name, WebsiteURL, PrivacyURL, TermsOfUseURL string
	} `json:"developer"`
	Name        struct{ Short, Full string }    `json:"name"`
	Description struct{ Short, Full string }    `json:"description"`
	Icons       struct{ Outline, Color string } `json:"icons"`
	AccentColor string                          `json:"accentColor"`
	Bots        []struct {
		BotID              string   `json:"botId"`
		Scopes             []string `json:"scopes"`
		SupportsFiles      *bool    `json:"supportsFiles"`
		IsNotificationOnly *bool    `json:"isNotificationOnly"`
		CommandLists       []struct {
			Scopes   []string  `json:"scopes"`
			Commands []Command `json:"commands"`
		} `json:"commandLists"`
	} `json:"bots"`
	ValidDomains       []string `json:"validDomains"`
	WebApplicationInfo struct {
		ID       string `json:"id"`
		Resource string `json:"resource"`
	} `json:"webApplicationInfo"`
	Authorization struct {
		Permissions struct {
			ResourceSpecific []struct{ Name, Type string } `json:"resourceSpecific"`
		} `json:"permissions"`
	} `json:"authorization"`
}

func parseAppManifest(t *testing.T, raw []byte) appManifest {
	t.Helper()
	var m appManifest
	dec := json.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(&m); err != nil {
		t.Fatalf("manifest is not JSON: %v\n%s", err, raw)
	}
	return m
}

func TestManifestShape(t *testing.T) {
	raw, err := Manifest(testManifestOptions())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(raw), "{\n  \"$schema\"") || !strings.HasSuffix(string(raw), "}\n") {
		t.Errorf("not indented JSON ending in a newline:\n%s", raw)
	}
	m := parseAppManifest(t, raw)
	if m.ManifestVersion != ManifestVersion || m.Schema != "https://developer.microsoft.com/json-schemas/teams/v"+ManifestVersion+"/MicrosoftTeams.schema.json" {
		t.Errorf("schema %q version %q", m.Schema, m.ManifestVersion)
	}
	if m.ID != manifestAppID || m.Version != "1.0.0" {
		t.Errorf("id %q version %q", m.ID, m.Version)
	}
	d := m.Developer
	if d.Name != "Example NHS Trust" || d.WebsiteURL != "https://wm.example.nhs.uk/" || d.PrivacyURL != "https://wm.example.nhs.uk/privacy" || d.TermsOfUseURL != "https://wm.example.nhs.uk/terms" {
		t.Errorf("developer %+v", d)
	}
	if m.Name.Short != "What Matters" || m.Name.Full == "" || m.Name.Full == m.Name.Short {
		t.Errorf("name %+v", m.Name)
	}
	if n := utf8.RuneCountInString(m.Description.Short); n == 0 || n > 80 {
		t.Errorf("short description is %d characters, want 1 to 80", n)
	}
	if n := utf8.RuneCountInString(m.Description.Full); n == 0 || n > 4000 {
		t.Errorf("full description is %d characters, want 1 to 4000", n)
	}
	if strings.Contains(m.Description.Full, m.Description.Short) {
		t.Error("the full description repeats the short one")
	}
	// The RSC permission, and why, in the description a team owner reads.
	for _, want := range []string{RSCPermission, "reply chain", "dropped unread", "decline"} {
		if !strings.Contains(m.Description.Full, want) {
			t.Errorf("full description does not say %q", want)
		}
	}
	if m.Icons.Color != "color.png" || m.Icons.Outline != "outline.png" {
		t.Errorf("icons %+v", m.Icons)
	}
	if m.AccentColor != "#2C5F5D" {
		t.Errorf("accent colour %q", m.AccentColor)
	}
	if len(m.Bots) != 1 {
		t.Fatalf("bots %+v", m.Bots)
	}
	b := m.Bots[0]
	if b.BotID != manifestAppID {
		t.Errorf("bot id %q", b.BotID)
	}
	if !slices.Equal(b.Scopes, []string{"team", "personal"}) {
		t.Errorf("bot scopes %v, want team and personal (no groupChat: reflections need a channel)", b.Scopes)
	}
	if b.SupportsFiles == nil || *b.SupportsFiles || b.IsNotificationOnly == nil || *b.IsNotificationOnly {
		t.Errorf("supportsFiles %v isNotificationOnly %v, want both present and false", b.SupportsFiles, b.IsNotificationOnly)
	}
	if len(b.CommandLists) != 2 || !slices.Equal(b.CommandLists[0].Scopes, []string{"team"}) || !slices.Equal(b.CommandLists[1].Scopes, []string{"personal"}) {
		t.Fatalf("command lists %+v", b.CommandLists)
	}
	for _, l := range b.CommandLists {
		if len(l.Commands) == 0 || len(l.Commands) > 10 {
			t.Errorf("%v list has %d commands, want 1 to 10", l.Scopes, len(l.Commands))
		}
		for _, c := range l.Commands {
			if utf8.RuneCountInString(c.Title) > 32 || utf8.RuneCountInString(c.Description) > 128 || c.Description == "" {
				t.Errorf("command %+v: title at most 32 characters, description 1 to 128", c)
			}
		}
	}
	if !slices.Equal(m.ValidDomains, []string{"wm.example.nhs.uk"}) {
		t.Errorf("valid domains %v, want the developer URL's host", m.ValidDomains)
	}
	if m.WebApplicationInfo.ID != manifestAppID || m.WebApplicationInfo.Resource != "https://wm.example.nhs.uk" {
		t.Errorf("webApplicationInfo %+v", m.WebApplicationInfo)
	}
	rsc := m.Authorization.Permissions.ResourceSpecific
	if len(rsc) != 1 || rsc[0].Name != "ChannelMessage.Read.Group" || rsc[0].Type != "Application" {
		t.Errorf("resource-specific permissions %+v, want only ChannelMessage.Read.Group (Application)", rsc)
	}
}

// The command menu offers only what the adapter reads as a command: the
// command word, then one of flows' subcommands as its help lists them.
func TestManifestCommandsAreFlowsSubcommands(t *testing.T) {
	help := flows.HelpReply("C1", "U1")
	known := map[string]bool{}
	for _, p := range help.Parts {
		if rest, ok := strings.CutPrefix(p.Label, "/reflect"); ok {
			fields := strings.Fields(rest)
			word := ""
			if len(fields) > 0 && strings.ToLower(fields[0]) == fields[0] {
				word = fields[0]
			}
			known[word] = true
		}
	}
	if len(known) < 10 {
		t.Fatalf("flows' help lists only %v", known)
	}
	for _, c := range slices.Concat(TeamCommands, PersonalCommands) {
		text, ok := commandText(c.Title)
		if !ok {
			t.Errorf("command %q does not start with %q: the adapter would not read it as a command", c.Title, CommandWord)
			continue
		}
		word, _, _ := strings.Cut(text, " ")
		if !known[word] {
			t.Errorf("command %q: %q is not a subcommand in flows' help", c.Title, word)
		}
	}
	// Reflections need a channel: none is offered in the personal chat.
	for _, c := range PersonalCommands {
		if c.Title == CommandWord || strings.Contains(c.Title, "session") || strings.Contains(c.Title, "check-in") {
			t.Errorf("personal command %q starts something that needs a channel", c.Title)
		}
	}
}

func TestManifestRefusesWhatTeamsWould(t *testing.T) {
	tests := []struct {
		name string
		edit func(*ManifestOptions)
		want string
	}{
		{"no app id", func(o *ManifestOptions) { o.AppID = "" }, "App ID is required"},
		{"app id not a GUID", func(o *ManifestOptions) { o.AppID = "what-matters-bot" }, "not a GUID"},
		{"app id too short", func(o *ManifestOptions) { o.AppID = manifestAppID[:35] }, "not a GUID"},
		{"no privacy URL", func(o *ManifestOptions) { o.PrivacyURL = "" }, "--privacy-url"},
		{"no terms URL", func(o *ManifestOptions) { o.TermsURL = "" }, "--terms-url"},
		{"no developer URL", func(o *ManifestOptions) { o.DeveloperURL = "" }, "--developer-url"},
		{"http privacy URL", func(o *ManifestOptions) { o.PrivacyURL = "http://wm.example.nhs.uk/privacy" }, "not https"},
		{"relative terms URL", func(o *ManifestOptions) { o.TermsURL = "/terms" }, "not an absolute URL"},
		{"URL with password", func(o *ManifestOptions) { o.DeveloperURL = "https://me:hunter2@wm.example.nhs.uk/" }, "user name or password"},
		{"URL too long", func(o *ManifestOptions) { o.TermsURL = "https://wm.example.nhs.uk/" + strings.Repeat("t", 2048) }, "at most 2048"},
		{"no developer name", func(o *ManifestOptions) { o.DeveloperName = " " }, "developer name is required"},
		{"developer name too long", func(o *ManifestOptions) { o.DeveloperName = strings.Repeat("d", 33) }, "at most 32"},
		{"name too long", func(o *ManifestOptions) { o.Name = strings.Repeat("n", 31) }, "at most 30"},
		{"version", func(o *ManifestOptions) { o.Version = "v2" }, "MAJOR.MINOR.PATCH"},
		{"domain with scheme", func(o *ManifestOptions) { o.Domains = []string{"https://wm.example.nhs.uk"} }, "not a host name"},
		{"domain with port", func(o *ManifestOptions) { o.Domains = []string{"wm.example.nhs.uk:443"} }, "not a host name"},
		{"top-level wildcard", func(o *ManifestOptions) { o.Domains = []string{"*.uk"} }, "not a host name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := testManifestOptions()
			tt.edit(&o)
			_, err := Manifest(o)
			if err == nil || !errors.Is(err, ErrManifest) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Manifest: %v; want an ErrManifest saying %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Errorf("error shows the URL's password: %v", err)
			}
			if _, err := AppPackage(o); err == nil {
				t.Error("AppPackage made a package Manifest refuses")
			}
		})
	}
}

func TestManifestOptions(t *testing.T) {
	o := testManifestOptions()
	o.AppID = strings.ToUpper(manifestAppID)
	o.Name = "What Matters (ward 7)"
	o.Version = "1.2.3"
	o.Domains = []string{"*.example.nhs.uk", "WM.example.nhs.uk"}
	raw, err := Manifest(o)
	if err != nil {
		t.Fatal(err)
	}
	m := parseAppManifest(t, raw)
	if m.ID != manifestAppID || m.Bots[0].BotID != manifestAppID {
		t.Errorf("ids %q %q, want the GUID in lower case", m.ID, m.Bots[0].BotID)
	}
	if m.Name.Short != "What Matters (ward 7)" || m.Version != "1.2.3" {
		t.Errorf("name %q version %q", m.Name.Short, m.Version)
	}
	if !slices.Equal(m.ValidDomains, []string{"*.example.nhs.uk", "wm.example.nhs.uk"}) || m.WebApplicationInfo.Resource != "https://wm.example.nhs.uk" {
		t.Errorf("domains %v resource %q: want both, and the first plain host as the resource", m.ValidDomains, m.WebApplicationInfo.Resource)
	}
}

// The built-in texts and commands are held to the schema's limits.
func TestCheckManifestCatchesLongTexts(t *testing.T) {
	m, err := buildManifest(testManifestOptions())
	if err != nil {
		t.Fatal(err)
	}
	long := *m
	long.Bots = slices.Clone(m.Bots)
	long.Bots[0].CommandLists = []manifestCmdList{{Scopes: []string{ScopeTeam}, Commands: []Command{{Title: CommandWord + " a-very-long-subcommand-name", Description: "x"}}}}
	if err := checkManifest(&long); err == nil || !strings.Contains(err.Error(), "at most 32") {
		t.Errorf("a 36-character command title: %v", err)
	}
	long.Bots[0].CommandLists[0].Commands = make([]Command, 11)
	for i := range long.Bots[0].CommandLists[0].Commands {
		long.Bots[0].CommandLists[0].Commands[i] = Command{Title: "reflect help", Description: "help"}
	}
	if err := checkManifest(&long); err == nil || !strings.Contains(err.Error(), "at most 10") {
		t.Errorf("11 commands: %v", err)
	}
	short := *m
	short.Description.Short = strings.Repeat("s", 81)
	if err := checkManifest(&short); err == nil || !strings.Contains(err.Error(), "at most 80") {
		t.Errorf("an 81-character short description: %v", err)
	}
	repeat := *m
	repeat.Description.Full = "Intro. " + m.Description.Short
	if err := checkManifest(&repeat); err == nil || !strings.Contains(err.Error(), "repeated") {
		t.Errorf("a full description repeating the short one: %v", err)
	}
}

func TestAppPackage(t *testing.T) {
	pkg, err := AppPackage(testManifestOptions())
	if err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(pkg), int64(len(pkg)))
	if err != nil {
		t.Fatalf("not a zip: %v", err)
	}
	files := map[string][]byte{}
	var names []string
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		files[f.Name] = data
		names = append(names, f.Name)
	}
	if !slices.Equal(names, []string{"manifest.json", "color.png", "outline.png"}) {
		t.Fatalf("package holds %v, want manifest.json, color.png and outline.png at its root", names)
	}
	want, _ := Manifest(testManifestOptions())
	if !bytes.Equal(files["manifest.json"], want) {
		t.Error("the package's manifest.json is not Manifest's")
	}
	m := parseAppManifest(t, files["manifest.json"])
	for name, size := range map[string]int{m.Icons.Color: 192, m.Icons.Outline: 32} {
		img, err := png.Decode(bytes.NewReader(files[name]))
		if err != nil {
			t.Fatalf("%s is not a PNG: %v", name, err)
		}
		if b := img.Bounds(); b.Dx() != size || b.Dy() != size {
			t.Errorf("%s is %dx%d, want %dx%d", name, b.Dx(), b.Dy(), size, size)
		}
	}
	again, _ := AppPackage(testManifestOptions())
	if !bytes.Equal(pkg, again) {
		t.Error("the same options gave different packages")
	}
}

func TestColorIcon(t *testing.T) {
	img := decodeIcon(t, ColorIcon())
	ground := [4]uint32{0x2c, 0x5f, 0x5d, 0xff}
	for _, p := range []image.Point{{0, 0}, {191, 0}, {0, 191}, {191, 191}} {
		if got := rgba8(img, p.X, p.Y); got != ground {
			t.Errorf("corner %v is %v, want the accent colour %v", p, got, ground)
		}
	}
	white, transparent := 0, 0
	for y := 0; y < 192; y++ {
		for x := 0; x < 192; x++ {
			c := rgba8(img, x, y)
			if c[3] != 0xff {
				transparent++
			}
			if c == [4]uint32{0xff, 0xff, 0xff, 0xff} {
				white++
			}
		}
	}
	if transparent != 0 {
		t.Errorf("%d pixels of the colour icon are not opaque", transparent)
	}
	if white < 192*192/5 {
		t.Errorf("only %d white pixels: the mark is missing", white)
	}
	// The heart, in the accent colour, sits inside the white bubble.
	if got := rgba8(img, 96, 90); got != ground {
		t.Errorf("centre %v, want the heart in the accent colour", got)
	}
	if got := rgba8(img, 96, 40); got != [4]uint32{0xff, 0xff, 0xff, 0xff} {
		t.Errorf("top of the bubble %v, want white", got)
	}
}

func TestOutlineIcon(t *testing.T) {
	img := decodeIcon(t, OutlineIcon())
	opaque, clear := 0, 0
	for y := 0; y < 32; y++ {
		for x := 0; x < 32; x++ {
			c := rgba8(img, x, y)
			switch {
			case c[3] == 0:
				clear++
			case c[0] != 0xff || c[1] != 0xff || c[2] != 0xff:
				t.Fatalf("pixel (%d,%d) is %v: an outline icon is white on transparent only", x, y, c)
			case c[3] == 0xff:
				opaque++
			}
		}
	}
	for _, p := range []image.Point{{0, 0}, {31, 0}, {0, 31}, {31, 31}} {
		if c := rgba8(img, p.X, p.Y); c[3] != 0 {
			t.Errorf("corner %v is not transparent: %v", p, c)
		}
	}
	if c := rgba8(img, 16, 15); c[3] != 0 {
		t.Errorf("the heart at the centre is not cut out: %v", c)
	}
	if opaque < 150 || clear < 300 {
		t.Errorf("%d opaque and %d transparent pixels: want a clear white mark on transparent", opaque, clear)
	}
}

// decodeIcon encodes img as the package does and decodes it again, so the
// checks are of the PNG Teams gets.
func decodeIcon(t *testing.T, img image.Image) image.Image {
	t.Helper()
	data, err := encodePNG(img)
	if err != nil {
		t.Fatal(err)
	}
	out, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// rgba8 is the pixel's non-premultiplied colour, 0 to 255 each.
func rgba8(img image.Image, x, y int) [4]uint32 {
	r, g, b, a := img.At(x, y).RGBA()
	if a == 0 {
		return [4]uint32{0, 0, 0, 0}
	}
	return [4]uint32{(r * 0xffff / a) >> 8, (g * 0xffff / a) >> 8, (b * 0xffff / a) >> 8, a >> 8}
}
