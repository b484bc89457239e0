package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"whatmatters/flows"
	"whatmatters/storage"
)

// env is what a command runs with, once its flags are read.
type env struct {
	cfg    Config
	getenv func(string) string
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	log    *slog.Logger
}

// command is one of whatmatters's commands: what help says of it, the
// flags it takes, and what it does with them.
type command struct {
	name     string
	synopsis string // what follows the name: flags and arguments
	summary  string // one line, for the list of commands
	about    string // more, for COMMAND -h
	// noConfig commands run without reading the environment.
	noConfig bool
	// existing commands work only on a database that already holds What
	// Matters data, and create none.
	existing bool
	// define declares the command's flags on fs and returns what runs the
	// command once they are parsed. args are the arguments left after the
	// flags (none, unless the command takes arguments; see takesArgs).
	define    func(fs *flag.FlagSet) func(ctx context.Context, e *env, args []string) error
	takesArgs bool
}

// commands are every command, in the order help lists them.
var commands []*command

func init() {
	commands = []*command{
		{name: "serve", summary: "run the bot against Slack: Socket Mode when SLACK_APP_TOKEN is set, else HTTP mode (needs SLACK_SIGNING_SECRET); HTTP endpoints on PORT",
			define: noFlags(func(ctx context.Context, e *env) error { return serve(ctx, e.cfg, e.stdout, e.stderr) })},
		{name: "console", summary: "the same bot in this terminal, no Slack needed: reads lines from standard input",
			about: "A line beginning with / is a slash command as typed in Slack; any other line is a reply in the current reflection's thread. " +
				":as NAME [DISCIPLINE] changes who is speaking. Ends at end of input. Creates the database when it does not exist.",
			define: noFlags(consoleCommand)},
		{name: "migrate", summary: "apply pending database migrations and exit (creates the database when it does not exist)",
			define: noFlags(migrateCommand)},
		{name: "demo", summary: "load a fictional team's eight weeks of reflections (refuses a database that holds real reflections)",
			about:  "Creates the database when it does not exist. Then see its digest with: whatmatters digest --weeks 8",
			define: noFlags(demoCommand)},
		{name: "digest", synopsis: "[--weeks N] [--team ID] [--format text|markdown|json] [--chart FILE] [--post [--channel ID]]", existing: true,
			summary: "build the digest of recurring themes and print it; --post posts it to the team's digest channel instead",
			define:  digestFlags},
		{name: "outcomes", synopsis: "[--quarters N] [--team ID] [--format text|markdown|json] [--chart FILE]", existing: true,
			summary: "print what happened after deaths in the last quarter (or N), beside the quarter before and the stories",
			about:   "Numbers under 3 are shown as \"fewer than 3\". Prompts for a learning session, never causes, and never a measure of anyone (docs/outcomes.md).",
			define:  outcomesFlags},
		{name: "code", synopsis: "[--coder offline|model] [--score]",
			summary: "read answers as JSON lines on standard input and write their codes as JSON lines; touches no database",
			about:   `Each input line is {"id","template","stage","text"}; each output line is {"id","relationships","stories","community","anticipation","capabilities","phrases","coder"}.`,
			define:  codeFlags},
		{name: "export", synopsis: "[--team ID] [--user ID]", existing: true,
			summary: "print the data as JSON: every team's, or one team's; --user: only that person's contributions",
			about:   "With --user, exits non-zero, printing nothing, when nothing of the person is stored.",
			define:  exportFlags},
		{name: "forget", synopsis: "--user ID [--team ID]", existing: true,
			summary: "delete a person's contributions, record it in the audit log, and print what was removed",
			about:   "Exits non-zero, deleting nothing, when nothing of the person is stored.",
			define:  forgetFlags},
		{name: "audit", synopsis: "[--team ID]", existing: true,
			summary: "print the audit log: every team's, or one team's",
			define:  auditFlags},
		{name: "lead", synopsis: "--team ID --user ID [--remove]", existing: true,
			summary: "make a person a lead of a team, or with --remove no longer one; recorded in the audit log",
			define:  leadFlags},
		{name: "facilitator", synopsis: "--team ID --user ID [--remove]", existing: true,
			summary: "make a person a facilitator of a team (they run learning sessions), or with --remove no longer one; recorded in the audit log",
			about:   "A person may be a lead and a facilitator at once. People listed in WHATMATTERS_FACILITATORS are facilitators whatever this says.",
			define:  facilitatorFlags},
		{name: "purge", existing: true,
			summary: "remove the text of answers older than WHATMATTERS_RETENTION_DAYS, keeping only counts",
			about:   "The bot also does this daily while it serves.",
			define:  noFlags(purgeCommand)},
		{name: "manifest", synopsis: "[--url URL] [--name NAME] | --teams --app-id ID --developer-name NAME --developer-url URL --privacy-url URL --terms-url URL [--app-version V] [--domain HOSTS] [--out FILE.zip]", noConfig: true,
			summary: "print the Slack app manifest (JSON): HTTP mode with --url, else Socket Mode; with --teams, the Microsoft Teams app manifest, or with --out its app package (zip)",
			define:  manifestCommandFlags},
		{name: "teams-manifest", synopsis: "--developer-name NAME --developer-url URL --privacy-url URL --terms-url URL [--app-id ID] [--name NAME] [--app-version V] [--domain HOSTS] [--out FILE.zip]", noConfig: true,
			summary: "write the Microsoft Teams app package (a zip of manifest.json and its icons) for TEAMS_APP_ID, to " + defaultTeamsPackage + " or --out",
			about:   "The same package as manifest --teams --out FILE.zip. Upload it in the Teams admin centre (docs/teams.md).",
			define:  teamsManifestFlags},
		{name: "config", noConfig: true,
			summary: "list every environment variable, its default and meaning",
			define:  noFlags(func(_ context.Context, e *env) error { return printConfig(e.stdout) })},
		{name: "version", noConfig: true,
			summary: "print the version (also: whatmatters --version)",
			define:  noFlags(func(_ context.Context, e *env) error { printVersion(e.stdout); return nil })},
		{name: "help", synopsis: "[COMMAND]", noConfig: true, takesArgs: true,
			summary: "list the commands, or say what one command does and its flags",
			define:  helpFlags},
	}
}

// lookup returns the command named name, or nil.
func lookup(name string) *command {
	for _, c := range commands {
		if c.name == name {
			return c
		}
	}
	return nil
}

// noFlags is the define of a command that takes no flags.
func noFlags(fn func(ctx context.Context, e *env) error) func(*flag.FlagSet) func(context.Context, *env, []string) error {
	return func(*flag.FlagSet) func(context.Context, *env, []string) error {
		return func(ctx context.Context, e *env, _ []string) error { return fn(ctx, e) }
	}
}

// flagSet returns the command's flags, declared and not yet parsed, and what
// runs the command.
func (c *command) flagSet() (*flag.FlagSet, func(context.Context, *env, []string) error) {
	fs := flag.NewFlagSet(c.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors are one line; -h prints c.usage
	fs.Usage = func() {}
	return fs, c.define(fs)
}

// usage is what COMMAND -h prints.
func (c *command) usage() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Usage: whatmatters %s\n\n", strings.TrimSpace(c.name+" "+c.synopsis))
	about := upperFirst(c.summary) + "."
	if c.about != "" {
		about += " " + c.about
	}
	if c.existing {
		about += " Works only on an existing database (DATABASE_URL), and never creates one."
	}
	b.WriteString(wrap(about, 76, ""))
	fs, _ := c.flagSet()
	first := true
	fs.VisitAll(func(f *flag.Flag) {
		if first {
			b.WriteString("\nFlags:\n")
			first = false
		}
		name, text := flag.UnquoteUsage(f)
		left := "--" + f.Name
		if name != "" {
			left += " " + name
		}
		fmt.Fprintf(&b, "  %-22s %s", left, text)
		if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "0" {
			fmt.Fprintf(&b, " (default %s)", f.DefValue)
		}
		b.WriteString("\n")
	})
	if !c.noConfig {
		b.WriteString("\nSettings come from the environment: whatmatters config lists them.\n")
	}
	return b.String()
}

// usageText is what whatmatters help prints: every command and its flags.
func usageText() string {
	var b strings.Builder
	b.WriteString("Usage: whatmatters [command] [flags]\n\n")
	b.WriteString("With no command: serve when SLACK_BOT_TOKEN or TEAMS_APP_ID is set, else console.\n\nCommands:\n")
	for _, c := range commands {
		fmt.Fprintf(&b, "  %s\n", strings.TrimSpace(c.name+" "+c.synopsis))
		b.WriteString(wrap(c.summary, 72, "      "))
	}
	var existing []string
	for _, c := range commands {
		if c.existing {
			existing = append(existing, c.name)
		}
	}
	b.WriteString("\n")
	b.WriteString(wrap("Run whatmatters COMMAND -h for what a command does and its flags. "+
		"Settings come from the environment: whatmatters config lists them. "+
		strings.Join(existing[:len(existing)-1], ", ")+" and "+existing[len(existing)-1]+
		" work only on an existing database, and never create one.", 76, ""))
	return b.String()
}

// wrap breaks text into lines of at most width characters after indent.
func wrap(text string, width int, indent string) string {
	var b strings.Builder
	line := 0
	for _, w := range strings.Fields(text) {
		if line > 0 && line+1+len([]rune(w)) > width {
			b.WriteString("\n")
			line = 0
		}
		if line == 0 {
			b.WriteString(indent)
		} else {
			b.WriteString(" ")
			line++
		}
		b.WriteString(w)
		line += len([]rune(w))
	}
	b.WriteString("\n")
	return b.String()
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// flagError turns the flag package's error into one line saying what is
// wrong and where to look.
func flagError(cmd string, err error) error {
	msg := err.Error()
	if name, ok := strings.CutPrefix(msg, "flag provided but not defined: -"); ok {
		msg = "unknown flag --" + name
	} else if name, ok := strings.CutPrefix(msg, "flag needs an argument: -"); ok {
		msg = "--" + name + " needs a value"
	} else if strings.Contains(msg, " for flag -") {
		msg = strings.Replace(msg, " for flag -", " for --", 1)
	} else {
		msg = strings.Replace(msg, " for -", " for --", 1) // booleans
	}
	if cmd == "" {
		return usageError{fmt.Sprintf("%s (whatmatters -h lists the commands)", msg)}
	}
	return usageError{fmt.Sprintf("%s: %s (whatmatters %s -h lists its flags)", cmd, msg, cmd)}
}

// strayArgument is the error for an argument a command does not take.
func strayArgument(cmd, arg string) error {
	return usageError{fmt.Sprintf("%s: unexpected argument %q; %s takes no arguments (whatmatters %s -h)", cmd, arg, cmd, cmd)}
}

// engineForTeam is openForTeam with the engine over the database; the
// caller closes the database.
func (e *env) engineForTeam(ctx context.Context, cmd, team string) (*storage.DB, *flows.Engine, error) {
	db, err := e.openForTeam(ctx, cmd, team)
	if err != nil {
		return nil, nil, err
	}
	engine, err := newEngine(e.cfg, db, e.log)
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	return db, engine, nil
}

// openForTeam opens the existing database for cmd and checks that the
// team a --team flag names is in it (any team when team is empty).
func (e *env) openForTeam(ctx context.Context, cmd, team string) (*storage.DB, error) {
	db, err := e.openExisting(ctx, cmd)
	if err != nil {
		return nil, err
	}
	if err := checkTeam(ctx, db, team); err != nil {
		db.Close()
		return nil, fmt.Errorf("%s: %w", cmd, err)
	}
	return db, nil
}

// openExisting opens the configured database for a command that works only
// on existing data: it creates nothing, and says so when there is nothing
// there.
func (e *env) openExisting(ctx context.Context, cmd string) (*storage.DB, error) {
	db, err := storage.OpenExisting(ctx, string(e.cfg.DatabaseURL), e.log)
	if errors.Is(err, storage.ErrNoDatabase) {
		why := strings.TrimPrefix(err.Error(), "database: ")
		if _, set := os.LookupEnv("DATABASE_URL"); !set {
			why += " (DATABASE_URL is not set, so the default sqlite:whatmatters.db is used)"
		}
		return nil, fmt.Errorf("%s works only on an existing database and has created none, but %s. Set DATABASE_URL to your database", cmd, why)
	}
	if err != nil {
		return nil, fmt.Errorf("DATABASE_URL: %w", err)
	}
	if err := prepareSchema(ctx, db, e.cfg.AutoMigrate); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// openOrCreate opens the configured database, creating a SQLite file that
// does not exist, and applies pending migrations (unless they are off).
func (e *env) openOrCreate(ctx context.Context) (*storage.DB, error) {
	db, err := storage.Open(ctx, string(e.cfg.DatabaseURL), e.log)
	if err != nil {
		return nil, fmt.Errorf("DATABASE_URL: %w", err)
	}
	if err := prepareSchema(ctx, db, e.cfg.AutoMigrate); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// checkTeam refuses a team that is not in the database: a mistyped id
// would otherwise give an empty answer, or a new team.
func checkTeam(ctx context.Context, s flows.Store, id string) error {
	if id == "" {
		return nil
	}
	_, err := s.GetTeam(ctx, id)
	if err == nil {
		return nil
	}
	if !errors.Is(err, flows.ErrNotFound) {
		return err
	}
	teams, err := s.ListTeams(ctx)
	if err != nil {
		return err
	}
	if len(teams) == 0 {
		return fmt.Errorf("there is no team %q in this database: it has no team yet", id)
	}
	ids := make([]string, len(teams))
	for i, t := range teams {
		ids[i] = t.ID
	}
	return fmt.Errorf("there is no team %q in this database; its teams: %s", id, strings.Join(ids, ", "))
}
