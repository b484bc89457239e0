package main

import (
	"archive/zip"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const teamsTestAppID = "0b7e4c1d-2a3f-4e5d-9c8b-7a6f5e4d3c2b"

func teamsManifestArgs(extra ...string) []string {
	return append([]string{"manifest", "--teams", "--app-id", teamsTestAppID, "--developer-name", "Example NHS Trust",
		"--developer-url", "https://wm.example.nhs.uk/", "--privacy-url", "https://wm.example.nhs.uk/privacy",
		"--terms-url", "https://wm.example.nhs.uk/terms"}, extra...)
}

func TestManifestTeamsPrintsTheManifest(t *testing.T) {
	setEnv(t)
	res := runWith(t, "", teamsManifestArgs("--name", "What Matters (ward 7)", "--app-version", "1.0.3")...)
	if res.err != nil {
		t.Fatal(res.err)
	}
	var m struct {
		ManifestVersion string `json:"manifestVersion"`
		ID              string `json:"id"`
		Version         string `json:"version"`
		Name            struct{ Short string }
		Bots            []struct {
			BotID string `json:"botId"`
		} `json:"bots"`
	}
	if err := json.Unmarshal([]byte(res.stdout), &m); err != nil {
		t.Fatalf("manifest --teams printed no JSON: %v\n%s", err, res.stdout)
	}
	if m.ManifestVersion == "" || m.ID != teamsTestAppID || len(m.Bots) != 1 || m.Bots[0].BotID != teamsTestAppID ||
		m.Name.Short != "What Matters (ward 7)" || m.Version != "1.0.3" {
		t.Errorf("manifest --teams: %+v", m)
	}
}

func TestManifestTeamsWritesThePackage(t *testing.T) {
	setEnv(t)
	out := filepath.Join(tempDir(t), "what-matters.zip")
	res := runWith(t, "", teamsManifestArgs("--out", out)...)
	if res.err != nil {
		t.Fatal(res.err)
	}
	if !strings.Contains(res.stdout, out) {
		t.Errorf("stdout %q does not name the file", res.stdout)
	}
	zr, err := zip.OpenReader(out)
	if err != nil {
		t.Fatalf("no zip at --out: %v", err)
	}
	defer zr.Close()
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
	}
	if !slices.Equal(names, []string{"manifest.json", "color.png", "outline.png"}) {
		t.Errorf("package holds %v", names)
	}
}

func TestManifestTeamsRefusals(t *testing.T) {
	dir := tempDir(t)
	without := func(flag string) []string {
		args := teamsManifestArgs()
		i := slices.Index(args, flag)
		return slices.Delete(args, i, i+2)
	}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no privacy URL", without("--privacy-url"), "--privacy-url"},
		{"no terms URL", without("--terms-url"), "--terms-url"},
		{"no developer URL", without("--developer-url"), "--developer-url"},
		{"no app id", without("--app-id"), "--app-id"},
		{"app id not a GUID", teamsManifestArgs("--app-id", "my-bot"), `app id "my-bot" is not a GUID`},
		{"http URL", teamsManifestArgs("--terms-url", "http://wm.example.nhs.uk/terms"), "not https"},
		{"name too long", teamsManifestArgs("--name", strings.Repeat("n", 31)), "at most 30"},
		{"bad domain", teamsManifestArgs("--domain", "https://wm.example.nhs.uk"), "not a host name"},
		{"out not a zip", teamsManifestArgs("--out", filepath.Join(dir, "pkg.json")), "FILE.zip"},
		{"slack url", teamsManifestArgs("--url", "https://wm.example.nhs.uk/slack/events"), "--url is the Slack request URL"},
		{"teams flag without --teams", []string{"manifest", "--app-id", teamsTestAppID}, "--app-id is for the Teams app package; add --teams"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			setEnv(t)
			res := runWith(t, "", tt.args...)
			if res.err == nil || !strings.Contains(res.err.Error(), tt.want) {
				t.Fatalf("manifest %v: %v; want an error saying %q", tt.args, res.err, tt.want)
			}
			if exitCode(res.err) != 2 || strings.Contains(res.err.Error(), "\n") {
				t.Errorf("error %q: want one line and exit status 2", res.err)
			}
			if res.stdout != "" {
				t.Errorf("printed %q despite the error", res.stdout)
			}
		})
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("refused runs left files: %v", entries)
	}
}

// teams-manifest (the contract's name for it) writes the app package for
// TEAMS_APP_ID to whatmatters-teams.zip, in the directory it runs in; with
// no app id it says what to set and writes nothing.
func TestTeamsManifestCommandWritesThePackage(t *testing.T) {
	setEnv(t)
	t.Chdir(tempDir(t))
	args := []string{"teams-manifest", "--developer-name", "Example NHS Trust", "--developer-url", "https://wm.example.nhs.uk/",
		"--privacy-url", "https://wm.example.nhs.uk/privacy", "--terms-url", "https://wm.example.nhs.uk/terms"}
	res := runWith(t, "", args...)
	if res.err == nil || !strings.Contains(res.err.Error(), "TEAMS_APP_ID") {
		t.Fatalf("without an app id: %v", res.err)
	}
	if _, err := os.Stat(defaultTeamsPackage); err == nil {
		t.Fatal("a package was written without an app id")
	}
	t.Setenv("TEAMS_APP_ID", teamsTestAppID)
	if res := runWith(t, "", args...); res.err != nil {
		t.Fatal(res.err)
	}
	zr, err := zip.OpenReader(defaultTeamsPackage)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
		if f.Name == "manifest.json" {
			rc, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			var m struct {
				ID string `json:"id"`
			}
			err = json.NewDecoder(rc).Decode(&m)
			rc.Close()
			if err != nil || m.ID != teamsTestAppID {
				t.Errorf("manifest.json id = %q, %v; want TEAMS_APP_ID", m.ID, err)
			}
		}
	}
	slices.Sort(names)
	if !slices.Equal(names, []string{"color.png", "manifest.json", "outline.png"}) {
		t.Errorf("package holds %v", names)
	}
}
