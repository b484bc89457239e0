package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"whatmatters/prompts"
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
		fmt.Fprintf(stdout, "The demo team is already loaded (%d reflections on %d cases). See its digest with: whatmatters digest --weeks 8\n", rep.Reflections, rep.Cases)
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
	fmt.Fprintln(stdout, "See what recurred: whatmatters digest (last week), or whatmatters digest --weeks 8 --format markdown")
	return nil
}
