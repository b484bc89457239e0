package main

import (
	"context"
	"flag"
	"fmt"
	"time"

	"whatmatters/flows"
)

// outcomesOptions are the outcomes command's flags.
type outcomesOptions struct {
	quarters            int
	team, format, chart string
}

// outcomesFlags declares `whatmatters outcomes`'s flags.
func outcomesFlags(fs *flag.FlagSet) func(context.Context, *env, []string) error {
	var o outcomesOptions
	fs.IntVar(&o.quarters, "quarters", 1, fmt.Sprintf("the number of quarters (13 weeks each), `N` (1 to %d), ending this week", flows.MaxOutcomeQuarters))
	fs.StringVar(&o.team, "team", "", "the team's `ID` (needed when the database holds several)")
	fs.StringVar(&o.format, "format", "text", "the output `FORMAT`: text, markdown or json")
	fs.StringVar(&o.chart, "chart", "", "also write the chart of the outcomes beside the stories, a PNG, to `FILE`")
	return func(ctx context.Context, e *env, _ []string) error {
		return outcomesCommand(ctx, e, o)
	}
}

// outcomesCommand prints a team's outcome report: what happened in the
// last quarter (or quarters) beside the one before, and beside the
// stories. It is recorded in the audit log, as a printed digest is.
func outcomesCommand(ctx context.Context, e *env, o outcomesOptions) error {
	if o.quarters < 1 || o.quarters > flows.MaxOutcomeQuarters {
		return usageError{fmt.Sprintf("outcomes: --quarters is 1 to %d, not %d", flows.MaxOutcomeQuarters, o.quarters)}
	}
	if !contains(digestFormats, o.format) {
		return usageError{fmt.Sprintf("outcomes: --format is text, markdown or json, not %q", o.format)}
	}
	db, err := e.openExisting(ctx, "outcomes")
	if err != nil {
		return err
	}
	defer db.Close()
	teamID, err := pickTeam(ctx, db, o.team)
	if err != nil {
		return err
	}
	engine, err := newEngine(e.cfg, db, e.log)
	if err != nil {
		return err
	}
	rep, err := engine.OutcomeReport(ctx, flows.OutcomeRequest{TeamID: teamID, Quarters: o.quarters, To: time.Now()})
	if err != nil {
		return err
	}
	if err := writeChart(o.chart, func() ([]byte, error) { return engine.OutcomeChart(rep) }); err != nil {
		return err
	}
	if err := db.AddAudit(ctx, flows.AuditEntry{TeamID: teamID, Actor: "cli", Action: flows.AuditOutcomesShown,
		Detail: fmt.Sprintf("printed, %d quarters, format %s; records=%d", o.quarters, o.format, rep.Records)}); err != nil {
		return err
	}
	return printReport(e.stdout, o.format, rep, flows.OutcomesReply(rep, ""))
}
