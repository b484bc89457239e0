package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"slices"
	"text/tabwriter"
	"time"

	"whatmatters/flows"
	"whatmatters/teams"
)

// forget, audit, lead and purge are the commands an administrator (whoever
// can reach the database) uses for people's rights, the audit and
// retention. Like export and digest, they work only on an existing
// database: against a new, empty one they would report success at doing
// nothing.

// forgetFlags is forget --user ID [--team ID].
func forgetFlags(fs *flag.FlagSet) func(context.Context, *env, []string) error {
	user := fs.String("user", "", "the `ID` of the person whose contributions to delete: a Slack member id, or a Teams user's Entra object id (required)")
	team := fs.String("team", "", "only in this `ID`'s team (default every team)")
	return func(ctx context.Context, e *env, _ []string) error {
		if *user == "" {
			return usageError{"forget: say whose contributions to delete with --user ID"}
		}
		db, engine, err := e.engineForTeam(ctx, "forget", *team)
		if err != nil {
			return err
		}
		defer db.Close()
		rep, err := engine.Forget(ctx, *team, *user, "cli")
		if errors.Is(err, flows.ErrNothingStored) {
			where := "in this database"
			if *team != "" {
				where = "in team " + *team
			}
			return fmt.Errorf("forget: nothing of %s is stored %s, so nothing was deleted; check the id (a Slack member id, such as U0123ABCD)", *user, where)
		}
		if err != nil {
			return fmt.Errorf("forgetting: %w", err)
		}
		fmt.Fprintf(e.stdout, "Forgot %s: deleted %d answer%s and %d member record%s; %d reflection%s no longer name them; %d audit entr%s no longer name them.\n",
			*user, rep.Answers, plural(rep.Answers), rep.Members, plural(rep.Members),
			rep.Reflections, plural(rep.Reflections), rep.Audit, map[bool]string{true: "y", false: "ies"}[rep.Audit == 1])
		if *team == "" {
			// Forgotten everywhere: their 1:1 chats with the bot in Teams
			// (where it lives, under their ids) go too.
			n, err := db.ForgetConversationsOf(ctx, teams.Platform, "", *user)
			if err != nil {
				return fmt.Errorf("forgetting their Teams chats: %w", err)
			}
			if n > 0 {
				fmt.Fprintf(e.stdout, "Deleted the record of %d Teams 1:1 chat%s with them.\n", n, plural(n))
			}
		}
		return nil
	}
}

// leadFlags is lead --team ID --user ID [--remove].
func leadFlags(fs *flag.FlagSet) func(context.Context, *env, []string) error {
	team := fs.String("team", "", "the `ID` of the team, which must be in the database (required)")
	user := fs.String("user", "", "the `ID` of the person: a Slack member id, or a Teams user's Entra object id (required)")
	remove := fs.Bool("remove", false, "take the role away instead")
	return func(ctx context.Context, e *env, _ []string) error {
		if *user == "" || *team == "" {
			return usageError{"lead: give --team ID and --user ID"}
		}
		db, engine, err := e.engineForTeam(ctx, "lead", *team)
		if err != nil {
			return err
		}
		defer db.Close()
		role, word := flows.RoleLead, "is now a lead of"
		if *remove {
			role, word = "", "is no longer a lead of"
		} else if err := e.warnIfNeverUsed(ctx, db, "lead", *team, *user); err != nil {
			return err
		}
		if err := engine.SetRole(ctx, *team, *user, role, "cli"); err != nil {
			return fmt.Errorf("setting role: %w", err)
		}
		fmt.Fprintf(e.stdout, "%s %s team %s.\n", *user, word, *team)
		return nil
	}
}

// facilitatorFlags is facilitator --team ID --user ID [--remove].
func facilitatorFlags(fs *flag.FlagSet) func(context.Context, *env, []string) error {
	team := fs.String("team", "", "the `ID` of the team, which must be in the database (required)")
	user := fs.String("user", "", "the `ID` of the person: a Slack member id, or a Teams user's Entra object id (required)")
	remove := fs.Bool("remove", false, "take the role away instead")
	return func(ctx context.Context, e *env, _ []string) error {
		if *user == "" || *team == "" {
			return usageError{"facilitator: give --team ID and --user ID"}
		}
		db, engine, err := e.engineForTeam(ctx, "facilitator", *team)
		if err != nil {
			return err
		}
		defer db.Close()
		word := "is now a facilitator of"
		if *remove {
			word = "is no longer a facilitator of"
		} else if err := e.warnIfNeverUsed(ctx, db, "facilitator", *team, *user); err != nil {
			return err
		}
		if err := engine.SetFacilitator(ctx, *team, *user, !*remove, "cli"); err != nil {
			return fmt.Errorf("setting role: %w", err)
		}
		fmt.Fprintf(e.stdout, "%s %s team %s.\n", *user, word, *team)
		if *remove && slices.Contains(splitList(e.cfg.Facilitators), *user) {
			fmt.Fprintf(e.stdout, "Note: %s is listed in WHATMATTERS_FACILITATORS, so stays a facilitator until taken off that list.\n", *user)
		}
		return nil
	}
}

// purgeCommand removes old story text, keeping counts.
func purgeCommand(ctx context.Context, e *env) error {
	db, err := e.openExisting(ctx, "purge")
	if err != nil {
		return err
	}
	defer db.Close()
	engine, err := newEngine(e.cfg, db, e.log)
	if err != nil {
		return err
	}
	rep, err := engine.Purge(ctx, e.cfg.RetentionDays.Duration())
	if err != nil {
		return fmt.Errorf("purging: %w", err)
	}
	fmt.Fprintf(e.stdout, "Removed the text of %d answer%s older than %d days; %d reflection%s unlinked. Counts are kept.\n",
		rep.Answers, plural(rep.Answers), e.cfg.RetentionDays, rep.Reflections, plural(rep.Reflections))
	return nil
}

// auditFlags is audit [--team ID].
func auditFlags(fs *flag.FlagSet) func(context.Context, *env, []string) error {
	team := fs.String("team", "", "only this `ID`'s team (default every team)")
	return func(ctx context.Context, e *env, _ []string) error {
		db, err := e.openForTeam(ctx, "audit", *team)
		if err != nil {
			return err
		}
		defer db.Close()
		entries, err := db.ListAudit(ctx, *team)
		if err != nil {
			return fmt.Errorf("reading the audit log: %w", err)
		}
		// Every stored field is shown through printable: an id stored
		// with a newline or an escape, even before ids were checked,
		// cannot forge a line.
		tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "WHEN (UTC)\tTEAM\tWHO\tACTION\tSUBJECT\tDETAIL")
		for _, a := range entries {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", a.At.Format(time.DateTime), dash(printable(a.TeamID)), dash(printable(a.Actor)),
				printable(a.Action), dash(printable(a.Subject)), printable(a.Detail))
		}
		return tw.Flush()
	}
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
