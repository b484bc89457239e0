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

	"whatmatters/bot"
	"whatmatters/flows"
	"whatmatters/prompts"
	"whatmatters/scrub"
	"whatmatters/storage"
	"whatmatters/themes"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

const usageText = `Usage: whatmatters [command] [flags]

Commands:
  (none)    serve when SLACK_BOT_TOKEN is set, else console
  serve     run the bot against Slack (Socket Mode or HTTP)
  console   run the bot in this terminal, no Slack needed
  migrate   apply pending database migrations and exit
  digest    build the digest of recurring themes (--weeks N, --post)
  export    print the team's data as JSON (--user ID, --team ID)
  forget    delete a person's contributions (--user ID [--team ID])
  audit     print the audit log (--team ID)
  lead      make a person a lead of their team (--team ID --user ID [--remove])
  purge     remove story text older than WHATMATTERS_RETENTION_DAYS
  manifest  print the Slack app manifest
  config    list every environment variable, its default and meaning
  version   print the version
`

// run is the whole program: main only adds the process around it. getenv is
// used for the environment outside Config (the login name); Config itself is
// read by envconfig, which reads the process environment.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	cmd := ""
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "help":
		fmt.Fprint(stdout, usageText)
		return nil
	case "version":
		fmt.Fprintf(stdout, "whatmatters %s (%s)\n", version, runtime.Version())
		return nil
	case "config":
		return printConfig(stdout)
	case "", "serve", "console", "migrate", "digest", "export", "forget", "manifest", "audit", "lead", "purge", "code", "demo":
	default:
		return usageError{fmt.Sprintf("unknown command %q; run whatmatters help for the list", cmd)}
	}
	if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "-help") && cmd == "" {
		fmt.Fprint(stdout, usageText)
		return nil
	}

	cfg, err := loadConfig()
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.Level(cfg.LogLevel)}))

	if cmd == "" {
		if cfg.SlackBotToken != "" {
			cmd = "serve"
			fmt.Fprintln(stdout, "What Matters: serve mode, because SLACK_BOT_TOKEN is set.")
		} else {
			cmd = "console"
			fmt.Fprintf(stdout, "What Matters: console mode, because SLACK_BOT_TOKEN is not set. Database: %s. Theme coder: %s.\n",
				describeDatabase(string(cfg.DatabaseURL)), describeCoder(cfg))
		}
	}
	switch cmd {
	case "serve":
		return serve(ctx, cfg, args, stdout, stderr, log)
	case "manifest":
		return manifest(args, stdout, stderr)
	case "digest":
		return digestCommand(ctx, cfg, args, stdout, log)
	case "code":
		return codeCommand(ctx, cfg, args, stdin, stdout)
	}

	flags := flag.NewFlagSet(cmd, flag.ContinueOnError)
	flags.SetOutput(io.Discard) // the error says what is wrong, in one line
	user := flags.String("user", "", "the person: only their contributions (export), whose to delete (forget), who (lead)")
	team := flags.String("team", "", "only this team; every team when empty (export, forget, audit)")
	remove := flags.Bool("remove", false, "take the role away instead (lead)")
	if err := flags.Parse(args); errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(stdout, usageText)
		return nil
	} else if err != nil {
		return usageError{fmt.Sprintf("%s: %v", cmd, err)}
	}
	if flags.NArg() > 0 {
		return usageError{fmt.Sprintf("%s: unexpected argument %q", cmd, flags.Arg(0))}
	}

	db, err := storage.Open(ctx, string(cfg.DatabaseURL), log)
	if err != nil {
		return fmt.Errorf("DATABASE_URL: %w", err)
	}
	defer db.Close()

	if cmd == "migrate" {
		applied, err := db.Migrate(ctx)
		if err != nil {
			return fmt.Errorf("migrating: %w", err)
		}
		// The job queue's tables too, so that serve can start with
		// WHATMATTERS_AUTO_MIGRATE=false after a release-time migrate.
		if err := migrateJobs(ctx, db, slog.New(minLevel{log.Handler(), slog.LevelWarn})); err != nil {
			return err
		}
		if len(applied) == 0 {
			fmt.Fprintln(stdout, "The database is up to date.")
		} else {
			fmt.Fprintf(stdout, "Applied %d migration%s (to version %d).\n", len(applied), plural(len(applied)), applied[len(applied)-1])
		}
		return nil
	}
	if err := prepareSchema(ctx, db, cfg.AutoMigrate); err != nil {
		return err
	}

	switch cmd {
	case "forget", "audit", "lead", "purge":
		engine, err := newEngine(cfg, db, log)
		if err != nil {
			return err
		}
		return admin(ctx, cmd, engine, db, cfg, adminArgs{user: *user, team: *team, remove: *remove}, stdout)
	case "export":
		var teams []string
		if *team != "" {
			teams = []string{*team}
		}
		var ex flows.Export
		err := db.InTx(ctx, func(s flows.Store) error {
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
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(ex)
	case "demo":
		return demoCommand(ctx, cfg, db, stdout)
	case "console":
		engine, err := newEngine(cfg, db, log)
		if err != nil {
			return err
		}
		name := getenv("USER")
		if name == "" {
			name = getenv("LOGNAME")
		}
		return bot.NewConsole(engine, stdin, stdout, name, log).Run(ctx)
	}
	return nil
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
	cs := newCoders(cfg, scrubber, templates, reg)
	return flows.NewEngine(flows.Options{
		Store:           store,
		Templates:       templates,
		Scrub:           scrubFunc(scrubber),
		Log:             log,
		DefaultTimezone: string(cfg.Timezone),
		Reader:          cs.offline,
		Digests:         themes.Digester{Fallback: cs.offline},
		ChannelPrivacy:  privacy,
	}), cs, nil
}

// scrubFunc adapts the scrubber to the engine's ScrubFunc.
func scrubFunc(s *scrub.Scrubber) flows.ScrubFunc {
	return func(text string) (string, []string) {
		res := s.Scrub(text)
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
