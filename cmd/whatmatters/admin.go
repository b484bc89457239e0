package main

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"whatmatters/flows"
)

// adminArgs are the flags the administrative commands take.
type adminArgs struct {
	user, team string
	remove     bool
}

// admin runs forget, audit, lead and purge: the commands an administrator
// (whoever can reach the database) uses for people's rights, the audit and
// retention.
func admin(ctx context.Context, cmd string, engine *flows.Engine, store flows.Store, cfg Config, a adminArgs, stdout io.Writer) error {
	switch cmd {
	case "forget":
		if a.user == "" {
			return usageError{"forget: say whose contributions to delete with --user ID"}
		}
		rep, err := engine.Forget(ctx, a.team, a.user, "cli")
		if err != nil {
			return fmt.Errorf("forgetting: %w", err)
		}
		fmt.Fprintf(stdout, "Forgot %s: deleted %d answer%s and %d member record%s; %d reflection%s no longer name them; %d audit entr%s no longer name them.\n",
			a.user, rep.Answers, plural(rep.Answers), rep.Members, plural(rep.Members),
			rep.Reflections, plural(rep.Reflections), rep.Audit, map[bool]string{true: "y", false: "ies"}[rep.Audit == 1])
		return nil
	case "lead":
		if a.user == "" || a.team == "" {
			return usageError{"lead: give --team ID and --user ID"}
		}
		role, word := flows.RoleLead, "is now a lead of"
		if a.remove {
			role, word = "", "is no longer a lead of"
		}
		if err := engine.SetRole(ctx, a.team, a.user, role, "cli"); err != nil {
			return fmt.Errorf("setting role: %w", err)
		}
		fmt.Fprintf(stdout, "%s %s team %s.\n", a.user, word, a.team)
		return nil
	case "purge":
		rep, err := engine.Purge(ctx, cfg.RetentionDays.Duration())
		if err != nil {
			return fmt.Errorf("purging: %w", err)
		}
		fmt.Fprintf(stdout, "Removed the text of %d answer%s older than %d days; %d reflection%s unlinked. Counts are kept.\n",
			rep.Answers, plural(rep.Answers), cfg.RetentionDays, rep.Reflections, plural(rep.Reflections))
		return nil
	case "audit":
		entries, err := store.ListAudit(ctx, a.team)
		if err != nil {
			return fmt.Errorf("reading the audit log: %w", err)
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "WHEN (UTC)\tTEAM\tWHO\tACTION\tSUBJECT\tDETAIL")
		for _, e := range entries {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", e.At.Format(time.DateTime), dash(e.TeamID), dash(e.Actor), e.Action, dash(e.Subject), e.Detail)
		}
		return tw.Flush()
	}
	return usageError{"unknown command " + cmd}
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
