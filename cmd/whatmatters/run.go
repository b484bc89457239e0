package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"whatmatters/console"
	"whatmatters/flows"
	"whatmatters/prompts"
	"whatmatters/scrub"
	"whatmatters/storage"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

// run is the whole program: main only adds the process around it. getenv is
// used for the environment outside Config (the login name); Config itself is
// read by envconfig, which reads the process environment.
//
// Each command takes only its own flags: an unknown flag or a stray argument
// is one line and exit status 2, before anything is opened or changed.
//
// Its error never holds DATABASE_URL's password, whatever the database
// driver said (redactError).
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	return redactError(runCommand(ctx, args, getenv, stdin, stdout, stderr))
}

// runCommand is run before its error is redacted.
func runCommand(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	name := ""
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		name, args = args[0], args[1:]
	}
	e := &env{getenv: getenv, stdin: stdin, stdout: stdout, stderr: stderr}
	if name == "" {
		return runDefault(ctx, e, args)
	}
	c := lookup(name)
	if c == nil {
		return usageError{fmt.Sprintf("unknown command %q; run whatmatters help for the list", name)}
	}
	fs, runCmd := c.flagSet()
	if err := fs.Parse(args); errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(stdout, c.usage())
		return nil
	} else if err != nil {
		return flagError(c.name, err)
	}
	if fs.NArg() > 0 && !c.takesArgs {
		return strayArgument(c.name, fs.Arg(0))
	}
	if err := checkIDFlags(c.name, fs); err != nil {
		return err
	}
	if !c.noConfig {
		if err := e.loadConfig(); err != nil {
			return err
		}
	}
	return runCmd(ctx, e, fs.Args())
}

// runDefault is whatmatters with no command: serve when SLACK_BOT_TOKEN (or
// TEAMS_APP_ID) is set, else console, saying which and why on the first line. The only flags
// are -h and --version.
func runDefault(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("whatmatters", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	showVersion := fs.Bool("version", false, "print the version")
	if err := fs.Parse(args); errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(e.stdout, usageText())
		return nil
	} else if err != nil {
		return flagError("", err)
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("unexpected argument %q (whatmatters -h lists the commands)", fs.Arg(0))}
	}
	if *showVersion {
		printVersion(e.stdout)
		return nil
	}
	if err := e.loadConfig(); err != nil {
		return err
	}
	if e.cfg.SlackBotToken != "" {
		fmt.Fprintln(e.stdout, "What Matters: serve mode, because SLACK_BOT_TOKEN is set.")
		return serve(ctx, e.cfg, e.stdout, e.stderr)
	}
	if e.cfg.teamsEnabled() {
		fmt.Fprintln(e.stdout, "What Matters: serve mode, because TEAMS_APP_ID is set.")
		return serve(ctx, e.cfg, e.stdout, e.stderr)
	}
	fmt.Fprintf(e.stdout, "What Matters: console mode, because SLACK_BOT_TOKEN is not set. Database: %s. Theme coder: %s.\n",
		describeDatabase(string(e.cfg.DatabaseURL)), describeCoder(e.cfg))
	return consoleCommand(ctx, e)
}

// loadConfig reads the configuration and makes the logger it asks for.
func (e *env) loadConfig() error {
	cfg, err := loadConfig()
	if err != nil {
		return err
	}
	e.cfg = cfg
	e.log = newLogger(e.stderr, false, cfg.LogLevel, string(cfg.DatabaseURL))
	return nil
}

// newLogger logs to w at level: JSON lines for serve, whose logs a platform
// collects, and text for people at a terminal. No line it writes holds
// databaseURL's secrets (redactLogs).
func newLogger(w io.Writer, json bool, level LogLevel, databaseURL string) *slog.Logger {
	opts := &slog.HandlerOptions{Level: slog.Level(level)}
	if json {
		return slog.New(redactLogs(slog.NewJSONHandler(w, opts), databaseURL))
	}
	return slog.New(redactLogs(slog.NewTextHandler(w, opts), databaseURL))
}

func printVersion(w io.Writer) {
	fmt.Fprintf(w, "whatmatters %s (%s)\n", version, runtime.Version())
}

// helpFlags is help [COMMAND].
func helpFlags(*flag.FlagSet) func(context.Context, *env, []string) error {
	return func(_ context.Context, e *env, args []string) error {
		switch len(args) {
		case 0:
			fmt.Fprint(e.stdout, usageText())
			return nil
		case 1:
			c := lookup(args[0])
			if c == nil {
				return usageError{fmt.Sprintf("help: unknown command %q; run whatmatters help for the list", args[0])}
			}
			fmt.Fprint(e.stdout, c.usage())
			return nil
		}
		return usageError{fmt.Sprintf("help: unexpected argument %q; help takes one command at most", args[1])}
	}
}

// consoleCommand runs the bot in the terminal.
func consoleCommand(ctx context.Context, e *env) error {
	db, err := e.openOrCreate(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	engine, err := newEngine(e.cfg, db, e.log)
	if err != nil {
		return err
	}
	name := e.getenv("USER")
	if name == "" {
		name = e.getenv("LOGNAME")
	}
	return console.New(engine, e.stdin, e.stdout, name, e.log).Run(ctx)
}

// migrateCommand applies pending migrations, the job queue's too.
func migrateCommand(ctx context.Context, e *env) error {
	db, err := storage.Open(ctx, string(e.cfg.DatabaseURL), e.log)
	if err != nil {
		return fmt.Errorf("DATABASE_URL: %w", err)
	}
	defer db.Close()
	applied, err := db.Migrate(ctx)
	if err != nil {
		return fmt.Errorf("migrating: %w", err)
	}
	// The job queue's tables too, so that serve can start with
	// WHATMATTERS_AUTO_MIGRATE=false after a release-time migrate.
	if err := migrateJobs(ctx, db, slog.New(minLevel{e.log.Handler(), slog.LevelWarn})); err != nil {
		return err
	}
	if len(applied) == 0 {
		fmt.Fprintln(e.stdout, "The database is up to date.")
	} else {
		fmt.Fprintf(e.stdout, "Applied %d migration%s (to version %d).\n", len(applied), plural(len(applied)), applied[len(applied)-1])
	}
	return nil
}

// exportFlags is export [--team ID] [--user ID].
func exportFlags(fs *flag.FlagSet) func(context.Context, *env, []string) error {
	team := fs.String("team", "", "only this `ID`'s team (default every team)")
	user := fs.String("user", "", "only the contributions of the person with this Slack member `ID`")
	return func(ctx context.Context, e *env, _ []string) error {
		db, err := e.openForTeam(ctx, "export", *team)
		if err != nil {
			return err
		}
		defer db.Close()
		if *user != "" {
			// As forget does: an id nobody answers to is a mistake to
			// say, not an empty export to print.
			f, err := db.Footprint(ctx, *team, *user)
			if err != nil {
				return fmt.Errorf("export: %w", err)
			}
			if !f.Stored() {
				where := "in this database"
				if *team != "" {
					where = "in team " + *team
				}
				return fmt.Errorf("export: nothing of %s is stored %s, so there is nothing to export; check the id (a Slack member id, such as U0123ABCD)", *user, where)
			}
		}
		var teams []string
		if *team != "" {
			teams = []string{*team}
		}
		var ex flows.Export
		err = db.InTx(ctx, func(s flows.Store) error {
			var err error
			ex, err = flows.BuildExport(ctx, s, teams, *user, time.Now())
			if err != nil {
				return err
			}
			return s.AddAudit(ctx, flows.AuditEntry{TeamID: *team, Actor: "cli", Action: flows.AuditExport, Subject: *user,
				Detail: fmt.Sprintf("reflections=%d", len(ex.Reflections))})
		})
		if err != nil {
			return fmt.Errorf("exporting: %w", err)
		}
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(ex)
	}
}

// prepareSchema applies pending migrations, or refuses to start on an old
// schema when automatic migration is off.
func prepareSchema(ctx context.Context, db *storage.DB, auto bool) error {
	if auto {
		if _, err := db.Migrate(ctx); err != nil {
			return fmt.Errorf("migrating: %w", err)
		}
		return nil
	}
	pending, err := db.Pending(ctx)
	if err != nil {
		return fmt.Errorf("checking migrations: %w", err)
	}
	if pending {
		return fmt.Errorf("the database has pending migrations and WHATMATTERS_AUTO_MIGRATE=false: run whatmatters migrate first")
	}
	return nil
}

// newEngine builds the flows engine with its templates, scrubber, codebook
// reader and digests, for commands that need no Slack.
func newEngine(cfg Config, store flows.Store, log *slog.Logger) (*flows.Engine, error) {
	e, _, err := buildEngine(cfg, store, log, nil, nil)
	return e, err
}

// newScrubber is the identifier scrubber the configuration asks for.
func newScrubber(cfg Config) (*scrub.Scrubber, error) {
	scrubber, err := scrub.New(scrub.Options{
		LocalIDPatterns: scrub.ParsePatternList(cfg.LocalIDPatterns),
		Names:           splitList(cfg.ScrubNames),
	})
	if err != nil {
		return nil, fmt.Errorf("WHATMATTERS_LOCAL_ID_PATTERNS: %w", err)
	}
	return scrubber, nil
}

// buildEngine builds the flows engine and the coders behind it. privacy
// says which channels are private (nil: all public, as in the console);
// reg receives the model coder's metrics (nil: none).
func buildEngine(cfg Config, store flows.Store, log *slog.Logger, privacy flows.ChannelPrivacy, reg prometheus.Registerer) (*flows.Engine, coders, error) {
	templates, err := prompts.Load()
	if err != nil {
		return nil, coders{}, fmt.Errorf("loading templates: %w", err)
	}
	scrubber, err := newScrubber(cfg)
	if err != nil {
		return nil, coders{}, err
	}
	cs := newCoders(cfg, scrubber, templates, reg, log)
	return flows.NewEngine(flows.Options{
		Store:           store,
		Templates:       templates,
		Scrub:           countScrubbed(scrubFunc(scrubber), reg),
		Log:             log,
		DefaultTimezone: string(cfg.Timezone),
		Reader:          cs.offline,
		Digests:         cs.digester(),
		ChannelPrivacy:  privacy,
		Facilitators:    splitList(cfg.Facilitators),
	}), cs, nil
}

// countScrubbed counts the identifiers scrub removes, by kind, in the
// metric whatmatters_identifiers_scrubbed_total (never what they were).
func countScrubbed(scrub flows.ScrubFunc, reg prometheus.Registerer) flows.ScrubFunc {
	if reg == nil {
		return scrub
	}
	c := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "whatmatters_identifiers_scrubbed_total",
		Help: "Pieces of text in which an identifier of each kind was found and removed.",
	}, []string{"kind"})
	if err := reg.Register(c); err != nil {
		return scrub
	}
	return func(text string, keep ...string) (string, []string) {
		clean, removed := scrub(text, keep...)
		for _, k := range removed {
			c.WithLabelValues(k).Inc()
		}
		return clean, removed
	}
}

// scrubFunc adapts the scrubber to the engine's ScrubFunc.
func scrubFunc(s *scrub.Scrubber) flows.ScrubFunc {
	return func(text string, keep ...string) (string, []string) {
		sc := s
		if len(keep) > 0 {
			// A pseudonym that fails to compile is only not kept.
			if k, err := s.Keeping(keep...); err == nil {
				sc = k
			}
		}
		res := sc.Scrub(text)
		kinds := res.Kinds()
		names := make([]string, len(kinds))
		for i, k := range kinds {
			names[i] = string(k)
		}
		return res.Text, names
	}
}

func splitList(s string) []string {
	var out []string
	for _, part := range strings.Split(s, ",") {
		if p := strings.TrimSpace(part); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func describeDatabase(url string) string {
	switch {
	case url == "sqlite::memory:":
		return "SQLite in memory (nothing is kept after exit)"
	case strings.HasPrefix(url, "sqlite:"):
		return "SQLite at " + strings.TrimPrefix(url, "sqlite:")
	default:
		return "PostgreSQL"
	}
}

func describeCoder(cfg Config) string {
	if cfg.OpenAIAPIKey != "" || cfg.OpenAIBaseURL != "" {
		return "model " + cfg.OpenAIModel
	}
	return "offline (no OPENAI_API_KEY)"
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
