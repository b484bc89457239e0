package main

import (
	"context"
	"flag"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"whatmatters/console"
	"whatmatters/storage"
)

// The ids an administrator types are checked by their shape before
// anything is opened: a mistyped id would otherwise name nobody, and an id
// holding control characters or Slack markup (<!channel>) would be stored
// as it is, to be shown again in the audit log or in Slack.
var (
	slackUserID    = regexp.MustCompile(`^[UW][A-Z0-9]{2,20}$`)
	slackTeamID    = regexp.MustCompile(`^[TE][A-Z0-9]{2,20}$`)
	slackChannelID = regexp.MustCompile(`^[CGD][A-Z0-9]{2,20}$`)
	// consoleName is a name the console speaks as (:as NAME, or the login
	// name): letters and digits, with . _ ' and - inside.
	consoleName = regexp.MustCompile(`^[\p{L}\p{N}_][\p{L}\p{N}._'-]{0,63}$`)
)

// checkIDFlags checks the --team, --user and --channel flags a command
// was given, if it takes them: a usage error (exit status 2) for an id of
// the wrong shape. A user in the console's team, or in no team named, may
// also be a console name.
func checkIDFlags(cmd string, fs *flag.FlagSet) error {
	value := func(name string) string {
		if f := fs.Lookup(name); f != nil {
			return f.Value.String()
		}
		return ""
	}
	team, user, channel := value("team"), value("user"), value("channel")
	if team != "" && team != console.Team && !slackTeamID.MatchString(team) {
		return usageError{fmt.Sprintf("%s: --team %s is not a Slack team id: those are capital letters and digits starting with T (or E for an organisation), such as T0123ABCD, or %q for the console's team",
			cmd, strconv.Quote(team), console.Team)}
	}
	if user != "" && !slackUserID.MatchString(user) {
		consoleOK := (team == "" || team == console.Team) && consoleName.MatchString(user)
		if !consoleOK {
			also := ""
			if team == "" || team == console.Team {
				also = ", or a name the console spoke as (letters and digits)"
			}
			return usageError{fmt.Sprintf("%s: --user %s is not a Slack member id: those are capital letters and digits starting with U or W, such as U0123ABCD (in the person's Slack profile: ⋮, Copy member ID)%s",
				cmd, strconv.Quote(user), also)}
		}
	}
	if channel != "" && !slackChannelID.MatchString(channel) {
		return usageError{fmt.Sprintf("%s: --channel %s is not a Slack channel id: those are capital letters and digits starting with C, G or D, such as C0123ABCD (in the channel's details, at the bottom)",
			cmd, strconv.Quote(channel))}
	}
	return nil
}

// warnIfNeverUsed warns, on standard error, when the person about to be
// given a role has never used the bot in the team: no answers, reflections,
// sessions or settings of theirs. The role is given anyway (a new lead may
// not have started yet); the warning catches an id that names nobody.
func (e *env) warnIfNeverUsed(ctx context.Context, db *storage.DB, cmd, team, user string) error {
	f, err := db.Footprint(ctx, team, user)
	if err != nil {
		return fmt.Errorf("%s: %w", cmd, err)
	}
	if !f.Used() {
		fmt.Fprintf(e.stderr, "Warning: %s has never used What Matters in team %s (no answers, reflections or settings of theirs there). Check the id if that is a surprise; going ahead.\n", user, team)
	}
	return nil
}

// printable returns s fit to print on one line of a terminal: every
// control or invisible formatting character (a newline, an escape, a
// right-to-left override) and every byte that is not UTF-8 is shown as
// its escape (\n, \x1b, \u202e), and a backslash as \\, so text stored
// earlier cannot forge a line or rearrange one.
func printable(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\\':
			b.WriteString(`\\`)
		case !strconv.IsPrint(r):
			q := strconv.QuoteRuneToASCII(r)
			b.WriteString(q[1 : len(q)-1])
		default:
			b.WriteRune(r)
		}
		i += size
	}
	return b.String()
}
