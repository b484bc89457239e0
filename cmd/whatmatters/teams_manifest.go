package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"whatmatters/teams"
)

// teamsManifestOptions are manifest's flags for the Teams app package
// (manifest --teams).
type teamsManifestOptions struct {
	cmd           string // how errors name the command
	on            *bool
	appID         *string
	version       *string
	developerName *string
	developerURL  *string
	privacyURL    *string
	termsURL      *string
	domains       *string
	out           *string
}

// teamsOnlyFlags are the flags that mean nothing without --teams.
var teamsOnlyFlags = []string{"app-id", "app-version", "developer-name", "developer-url", "privacy-url", "terms-url", "domain", "out"}

// manifestCommandFlags is manifest's flags: Slack's (manifestFlags), and
// with --teams the Teams app package's.
func manifestCommandFlags(fs *flag.FlagSet) func(context.Context, *env, []string) error {
	slack := manifestFlags(fs)
	tm := defineTeamsManifestFlags(fs)
	return func(ctx context.Context, e *env, args []string) error {
		if err := tm.check(fs); err != nil {
			return err
		}
		if *tm.on {
			return tm.run(e, fs.Lookup("name").Value.String())
		}
		return slack(ctx, e, args)
	}
}

func defineTeamsManifestFlags(fs *flag.FlagSet) *teamsManifestOptions {
	return &teamsManifestOptions{
		cmd:           "manifest --teams",
		on:            fs.Bool("teams", false, "the Microsoft Teams app package instead of the Slack manifest (needs --app-id, --developer-name, --developer-url, --privacy-url and --terms-url; --name names the Teams app too, at most 30 characters)"),
		appID:         fs.String("app-id", "", "Teams: the bot's Microsoft App `ID`, the Application (client) ID of its Entra ID app registration (a GUID)"),
		version:       fs.String("app-version", teams.DefaultAppVersion, "Teams: the app package's `VERSION` (MAJOR.MINOR.PATCH); raise it for each upload that replaces one"),
		developerName: fs.String("developer-name", "", "Teams: `NAME` of who publishes the app, e.g. the trust (at most 32 characters)"),
		developerURL:  fs.String("developer-url", "", "Teams: https `URL` of the publisher's page about the app"),
		privacyURL:    fs.String("privacy-url", "", "Teams: https `URL` of the privacy notice"),
		termsURL:      fs.String("terms-url", "", "Teams: https `URL` of the terms of use"),
		domains:       fs.String("domain", "", "Teams: comma-separated valid `DOMAINS` (host names); default: the developer URL's host"),
		out:           fs.String("out", "", "Teams: write the app package (a zip of manifest.json, color.png and outline.png) to `FILE`; without it, print manifest.json"),
	}
}

// check refuses the Teams flags without --teams, and Slack's --url with it.
// --name is shared: the app's name in either.
func (o *teamsManifestOptions) check(fs *flag.FlagSet) error {
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if !*o.on {
		for _, name := range teamsOnlyFlags {
			if set[name] {
				return usageError{fmt.Sprintf("manifest: --%s is for the Teams app package; add --teams (whatmatters manifest -h)", name)}
			}
		}
		return nil
	}
	if set["url"] {
		return usageError{"manifest: --url is the Slack request URL; a Teams bot's endpoint is set in its Azure Bot resource, not in the app package"}
	}
	return nil
}

func (o *teamsManifestOptions) run(e *env, name string) error {
	opts := teams.ManifestOptions{
		AppID:         *o.appID,
		Name:          name,
		Version:       *o.version,
		DeveloperName: *o.developerName,
		DeveloperURL:  *o.developerURL,
		PrivacyURL:    *o.privacyURL,
		TermsURL:      *o.termsURL,
	}
	for _, d := range strings.Split(*o.domains, ",") {
		if d = strings.TrimSpace(d); d != "" {
			opts.Domains = append(opts.Domains, d)
		}
	}
	if *o.out == "" {
		m, err := teams.Manifest(opts)
		if err != nil {
			return usageError{o.cmd + ": " + strings.TrimPrefix(err.Error(), "teams manifest: ")}
		}
		_, err = e.stdout.Write(m)
		return err
	}
	pkg, err := teams.AppPackage(opts)
	if err != nil {
		return usageError{o.cmd + ": " + strings.TrimPrefix(err.Error(), "teams manifest: ")}
	}
	if !strings.EqualFold(filepath.Ext(*o.out), ".zip") {
		return usageError{fmt.Sprintf("%s: --out %q: the app package is a zip; name the file FILE.zip", o.cmd, *o.out)}
	}
	if err := os.WriteFile(*o.out, pkg, 0o644); err != nil {
		return fmt.Errorf("%s: %w", o.cmd, err)
	}
	_, err = fmt.Fprintf(e.stdout, "wrote %s: %s, %s and %s; upload it in the Teams admin centre (Manage apps, Upload new app)\n",
		*o.out, teams.ManifestFile, teams.ColorIconFile, teams.OutlineIconFile)
	return err
}

// defaultTeamsPackage is where teams-manifest writes the app package.
const defaultTeamsPackage = "whatmatters-teams.zip"

// teamsManifestFlags is teams-manifest's flags: the Teams app package, as
// manifest --teams --out makes it, for TEAMS_APP_ID (or --app-id), written
// to whatmatters-teams.zip unless --out says where.
func teamsManifestFlags(fs *flag.FlagSet) func(context.Context, *env, []string) error {
	name := fs.String("name", "What Matters", "the app's `NAME` in Teams (at most 30 characters)")
	on := true
	o := &teamsManifestOptions{
		cmd:           "teams-manifest",
		on:            &on,
		appID:         fs.String("app-id", "", "the bot's Microsoft App `ID` (a GUID); default: TEAMS_APP_ID"),
		version:       fs.String("app-version", teams.DefaultAppVersion, "the app package's `VERSION` (MAJOR.MINOR.PATCH); raise it for each upload that replaces one"),
		developerName: fs.String("developer-name", "", "`NAME` of who publishes the app, e.g. the trust (at most 32 characters)"),
		developerURL:  fs.String("developer-url", "", "https `URL` of the publisher's page about the app"),
		privacyURL:    fs.String("privacy-url", "", "https `URL` of the privacy notice"),
		termsURL:      fs.String("terms-url", "", "https `URL` of the terms of use"),
		domains:       fs.String("domain", "", "comma-separated valid `DOMAINS` (host names); default: the developer URL's host"),
		out:           fs.String("out", defaultTeamsPackage, "where to write the app package, a zip (`FILE.zip`)"),
	}
	return func(_ context.Context, e *env, _ []string) error {
		if *o.appID == "" {
			*o.appID = strings.TrimSpace(os.Getenv("TEAMS_APP_ID")) // as envconfig reads the rest
		}
		if *o.appID == "" {
			return usageError{"teams-manifest: set TEAMS_APP_ID (or give --app-id): the bot's Microsoft App ID"}
		}
		if *o.out == "" {
			return usageError{"teams-manifest: --out names the zip to write"}
		}
		return o.run(e, *name)
	}
}
