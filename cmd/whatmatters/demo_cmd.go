package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"whatmatters/prompts"
	"whatmatters/storage"
)

// demoCommand loads the fictional demo team and codes its answers, so that
// `whatmatters digest` shows a real digest straight away.
func demoCommand(ctx context.Context, e *env) error {
	cfg, stdout := e.cfg, e.stdout
	db, err := e.openOrCreate(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	scrubber, err := newScrubber(cfg)
	if err != nil {
		return err
	}
	templates, err := prompts.Load()
	if err != nil {
		return fmt.Errorf("loading templates: %w", err)
	}
	cs := newCoders(cfg, scrubber, templates, nil, nil)
	rep, err := loadDemo(ctx, db, scrubFunc(scrubber), time.Now())
	switch {
	case errors.Is(err, errDemoLoaded):
		fmt.Fprintf(stdout, "The demo team is already loaded (%d reflections on %d cases). See its digest with: %swhatmatters digest --weeks 8\n", rep.Reflections, rep.Cases, demoDatabaseHint(cfg))
		return nil
	case err != nil:
		return err
	}
	n, err := cs.coding(db).CodeAll(ctx)
	if err != nil {
		return fmt.Errorf("coding the demo answers: %w", err)
	}
	fmt.Fprintf(stdout, "Loaded the fictional team %q: %d people, %d cases, %d reflections, %d answers over eight weeks (%d coded by the %s coder).\n",
		rep.Team, rep.Members, rep.Cases, rep.Reflections, rep.Answers, n, cs.name)
	hint := demoDatabaseHint(cfg)
	fmt.Fprintf(stdout, "See what recurred: %swhatmatters digest (last week), or %swhatmatters digest --weeks 8 --format markdown\n", hint, hint)
	if outcomes, err := db.ListOutcomes(ctx, demoTeamID); err == nil && len(outcomes) > 0 {
		fmt.Fprintf(stdout, "And what happened after %d deaths, beside the stories: %swhatmatters outcomes\n", len(outcomes), hint)
	}
	return nil
}

// demoDatabaseHint is the DATABASE_URL=… to put before a command so that
// it reads the database the demo was loaded into, the password left out;
// "" for the default database.
func demoDatabaseHint(cfg Config) string {
	u := string(cfg.DatabaseURL)
	if u == "" || u == defaultDatabaseURL {
		return ""
	}
	return "DATABASE_URL=" + shellQuote(storage.Redact(u)) + " "
}

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("/:._-=@+,", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
