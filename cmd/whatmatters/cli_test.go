package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"whatmatters/flows"
	"whatmatters/storage"
	"whatmatters/storage/storagetest"
)

// migratedURL returns the URL of a new SQLite database with every
// migration applied and nothing in it.
func migratedURL(t *testing.T) string {
	t.Helper()
	url := storagetest.SQLiteURL(t)
	db, err := storage.Open(context.Background(), url, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return url
}

// withReflections returns the URL of a SQLite database holding the
// console's two-person reflection (team "console", people ann and bo).
func withReflections(t *testing.T) string {
	t.Helper()
	url := storagetest.SQLiteURL(t)
	setEnv(t, "DATABASE_URL", url)
	if res := runWith(t, firstHalf+secondHalf, "console"); res.err != nil {
		t.Fatal(res.err)
	}
	return url
}

// noFiles fails the test when dir holds anything.
func noFiles(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		t.Errorf("%s was created in %s", e.Name(), dir)
	}
}

// oneLineError checks that res failed with exit status code, one line of
// error mentioning want, and nothing printed.
func oneLineError(t *testing.T, res result, code int, want string) {
	t.Helper()
	if res.err == nil {
		t.Fatalf("succeeded, want exit status %d; stdout %q", code, res.stdout)
	}
	msg := res.err.Error()
	if strings.Contains(msg, "\n") {
		t.Errorf("error spans lines: %q", msg)
	}
	if !strings.Contains(msg, want) {
		t.Errorf("error %q does not say %q", msg, want)
	}
	if got := exitCode(res.err); got != code {
		t.Errorf("exit status %d, want %d (error %q)", got, code, msg)
	}
	if res.stdout != "" {
		t.Errorf("printed %q as well", res.stdout)
	}
}

// adminCommands are the commands that work only on an existing database.
var adminCommands = [][]string{
	{"forget", "--user", "U0ANN1"},
	{"export"},
	{"export", "--user", "U0ANN1"},
	{"audit"},
	{"lead", "--team", "T0TEAM1", "--user", "U0ANN1"},
	{"purge"},
	{"digest"},
	{"digest", "--weeks", "4", "--format", "json"},
}

// Without DATABASE_URL, admin commands used to create an empty
// whatmatters.db and report success at doing nothing ("Forgot U…: deleted
// 0 answers"). They open an existing database only.
func TestAdminCommandsNeedAnExistingDatabase(t *testing.T) {
	for _, args := range adminCommands {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			// The default: DATABASE_URL not set, sqlite:whatmatters.db in
			// the working directory.
			dir := tempDir(t)
			t.Chdir(dir)
			setEnv(t)
			res := runWith(t, "", args...)
			oneLineError(t, res, 1, `there is no SQLite file "whatmatters.db" (DATABASE_URL is not set, so the default sqlite:whatmatters.db is used)`)
			if res.err != nil && !strings.HasPrefix(res.err.Error(), args[0]+" works only on an existing database and has created none") {
				t.Errorf("error %q does not start by saying the command needs an existing database", res.err)
			}
			noFiles(t, dir)

			// A file named in DATABASE_URL.
			other := tempDir(t)
			missing := filepath.Join(other, "team.db")
			setEnv(t, "DATABASE_URL", "sqlite:"+missing)
			oneLineError(t, runWith(t, "", args...), 1, fmt.Sprintf("there is no SQLite file %q. Set DATABASE_URL to your database", missing))
			noFiles(t, other)

			// Memory is empty every time.
			setEnv(t, "DATABASE_URL", "sqlite::memory:")
			oneLineError(t, runWith(t, "", args...), 1, "sqlite::memory: is a new, empty database every time")
		})
	}
}

func TestAdminCommandsRefuseAPostgresDatabaseNeverMigrated(t *testing.T) {
	url := storagetest.PostgresURL(t)
	setEnv(t, "DATABASE_URL", url)
	for _, args := range adminCommands {
		oneLineError(t, runWith(t, "", args...), 1, "holds no What Matters tables (it was never migrated)")
	}
	db, err := storage.OpenExisting(context.Background(), url, nil)
	if err == nil {
		db.Close()
		t.Error("an admin command migrated the database")
	}
}

// The commands that may create the database still do, and migrate says so.
func TestCreatingCommandsStillCreate(t *testing.T) {
	dir := tempDir(t)
	t.Chdir(dir)
	setEnv(t)
	res := runWith(t, "")
	if res.err != nil {
		t.Fatal(res.err)
	}
	if !strings.HasPrefix(res.stdout, "What Matters: console mode, because SLACK_BOT_TOKEN is not set. Database: SQLite at whatmatters.db. Theme coder: offline (no OPENAI_API_KEY).\n") {
		t.Errorf("first line: %q", res.stdout)
	}
	if _, err := os.Stat(filepath.Join(dir, "whatmatters.db")); err != nil {
		t.Errorf("console did not create the database: %v", err)
	}
	// Now there is one, the admin commands work on it.
	if res := runWith(t, "", "audit"); res.err != nil || !strings.HasPrefix(res.stdout, "WHEN (UTC)") {
		t.Errorf("audit: %v %q", res.err, res.stdout)
	}
	setEnv(t, "DATABASE_URL", "sqlite:"+filepath.Join(dir, "new.db"))
	if res := runWith(t, "", "migrate"); res.err != nil || !strings.Contains(res.stdout, "Applied") {
		t.Errorf("migrate: %v %q", res.err, res.stdout)
	}
}

// forget of a person with nothing stored says so, exits non-zero and
// records nothing.
func TestForgetSomeoneWithNothingStored(t *testing.T) {
	withReflections(t)
	before := runWith(t, "", "audit")
	res := runWith(t, "", "forget", "--user", "U0NOBODY")
	oneLineError(t, res, 1, "forget: nothing of U0NOBODY is stored in this database, so nothing was deleted")
	res = runWith(t, "", "forget", "--user", "bo", "--team", "console")
	if res.err != nil || !strings.Contains(res.stdout, "Forgot bo: deleted 2 answers") {
		t.Fatalf("forget bo: %v %q", res.err, res.stdout)
	}
	// Again: bo is gone now.
	oneLineError(t, runWith(t, "", "forget", "--user", "bo", "--team", "console"), 1, "nothing of bo is stored in team console")
	after := runWith(t, "", "audit")
	if got, want := strings.Count(after.stdout, "forget"), strings.Count(before.stdout, "forget")+1; got != want {
		t.Errorf("audit has %d forget entries, want %d (one for bo):\n%s", got, want, after.stdout)
	}
}

// A --team that is not in the database is refused: lead would otherwise
// make a new team, and export, audit and forget would find nothing.
func TestTeamMustExist(t *testing.T) {
	withReflections(t)
	for _, args := range [][]string{
		{"lead", "--team", "TNOPE", "--user", "U0ANN1"},
		{"lead", "--team", "TNOPE", "--user", "U0ANN1", "--remove"},
		{"export", "--team", "TNOPE"},
		{"audit", "--team", "TNOPE"},
		{"forget", "--user", "U0ANN1", "--team", "TNOPE"},
	} {
		oneLineError(t, runWith(t, "", args...), 1, `there is no team "TNOPE" in this database; its teams: console`)
	}
	audit := runWith(t, "", "audit")
	if strings.Contains(audit.stdout, "TNOPE") || strings.Contains(audit.stdout, "role") {
		t.Errorf("a refused command left a trace:\n%s", audit.stdout)
	}
	if res := runWith(t, "", "lead", "--team", "console", "--user", "ann"); res.err != nil {
		t.Errorf("lead of an existing team: %v", res.err)
	}
}

// Each command takes only its own flags and arguments; anything else is
// one line, exit status 2, and nothing is opened or changed.
func TestEachCommandTakesOnlyItsOwnFlags(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"purge", "--user", "U1"}, "purge: unknown flag --user (whatmatters purge -h lists its flags)"},
		{[]string{"audit", "--remove"}, "audit: unknown flag --remove"},
		{[]string{"migrate", "--team", "X"}, "migrate: unknown flag --team"},
		{[]string{"config", "extra"}, `config: unexpected argument "extra"; config takes no arguments`},
		{[]string{"version", "--json"}, "version: unknown flag --json"},
		{[]string{"console", "--team", "X"}, "console: unknown flag --team"},
		{[]string{"serve", "--port", "9"}, "serve: unknown flag --port"},
		{[]string{"demo", "--yes"}, "demo: unknown flag --yes"},
		{[]string{"export", "everything"}, `export: unexpected argument "everything"`},
		{[]string{"export", "--remove"}, "export: unknown flag --remove"},
		{[]string{"forget", "--user", "U1", "U2"}, `forget: unexpected argument "U2"`},
		{[]string{"forget", "--remove", "--user", "U1"}, "forget: unknown flag --remove"},
		{[]string{"forget", "--user"}, "forget: --user needs a value"},
		{[]string{"lead", "--team", "T", "--user", "U", "--force"}, "lead: unknown flag --force"},
		{[]string{"audit", "--user", "U1"}, "audit: unknown flag --user"},
		{[]string{"digest", "--weeks", "two"}, `digest: invalid value "two" for --weeks`},
		{[]string{"digest", "8"}, `digest: unexpected argument "8"`},
		{[]string{"digest", "--channel", "C0CHAN1"}, "digest: --channel goes with --post"},
		{[]string{"code", "--team", "T"}, "code: unknown flag --team"},
		{[]string{"manifest", "extra"}, `manifest: unexpected argument "extra"`},
		{[]string{"help", "forget", "export"}, `help: unexpected argument "export"`},
		{[]string{"help", "frobnicate"}, `help: unknown command "frobnicate"`},
		{[]string{"--team", "X"}, "unknown flag --team (whatmatters -h lists the commands)"},
		{[]string{"-x"}, "unknown flag --x"},
		{[]string{"--version", "extra"}, `unexpected argument "extra"`},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			dir := tempDir(t)
			t.Chdir(dir)
			setEnv(t)
			res := runWith(t, "", tt.args...)
			oneLineError(t, res, 2, tt.want)
			if res.stderr != "" {
				t.Errorf("stderr: %q", res.stderr)
			}
			noFiles(t, dir)
		})
	}

	// Against real data: purge --user used to purge everyone's old text.
	url := withReflections(t)
	setEnv(t, "DATABASE_URL", url, "WHATMATTERS_RETENTION_DAYS", "1")
	// Make every answer old enough to purge, had purge run.
	db, err := storage.Open(context.Background(), url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.SQL().Exec(`UPDATE answers SET created_at = '2000-01-01T00:00:00Z'`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	oneLineError(t, runWith(t, "", "purge", "--user", "bo"), 2, "unknown flag --user")
	var ex flows.Export
	res := runWith(t, "", "export")
	if err := json.Unmarshal([]byte(res.stdout), &ex); err != nil {
		t.Fatal(err)
	}
	for _, a := range ex.Reflections[0].Answers {
		if a.Text == "" {
			t.Errorf("purge --user purged %s's answer", a.Author)
		}
	}
}

// -h and --help on any command print that command's usage and exit 0, even
// with a bad environment, touching nothing.
func TestHelpOnEveryCommand(t *testing.T) {
	dir := tempDir(t)
	t.Chdir(dir)
	setEnv(t, "PORT", "eighty")
	for _, c := range commands {
		for _, h := range []string{"-h", "--help", "-help"} {
			res := runWith(t, "", c.name, h)
			if res.err != nil {
				t.Errorf("%s %s: %v", c.name, h, res.err)
				continue
			}
			if want := "Usage: whatmatters " + c.name; !strings.HasPrefix(res.stdout, want) {
				t.Errorf("%s %s printed %q, want it to start %q", c.name, h, res.stdout, want)
			}
		}
		if res := runWith(t, "", "help", c.name); res.err != nil || res.stdout != c.usage() {
			t.Errorf("help %s: %v %q", c.name, res.err, res.stdout)
		}
		if res := runWith(t, "", c.name, "-h"); !strings.Contains(strings.Join(strings.Fields(res.stdout), " "), upperFirst(c.summary)) {
			t.Errorf("%s -h does not say what it does:\n%s", c.name, res.stdout)
		}
	}
	for _, args := range [][]string{{"-h"}, {"--help"}, {"help"}} {
		if res := runWith(t, "", args...); res.err != nil || res.stdout != usageText() {
			t.Errorf("%v: %v %q", args, res.err, res.stdout)
		}
	}
	noFiles(t, dir)

	// forget -h says what it needs.
	res := runWith(t, "", "forget", "-h")
	for _, want := range []string{"Usage: whatmatters forget --user ID [--team ID]", "--user ID", "--team ID", "existing database"} {
		if !strings.Contains(res.stdout, want) {
			t.Errorf("forget -h lacks %q:\n%s", want, res.stdout)
		}
	}
}

// help lists every command with every flag it takes, and nothing else:
// it used to advertise digest flags before they existed, and lacked code and
// demo.
func TestHelpIsAccurate(t *testing.T) {
	setEnv(t)
	help := runWith(t, "", "help").stdout
	listed := map[string]string{}
	for _, line := range strings.Split(help, "\n") {
		if strings.HasPrefix(line, "  ") && !strings.HasPrefix(line, "   ") {
			name, synopsis, _ := strings.Cut(strings.TrimSpace(line), " ")
			listed[name] = synopsis
		}
	}
	for _, c := range commands {
		synopsis, ok := listed[c.name]
		if !ok {
			t.Errorf("help does not list %s", c.name)
			continue
		}
		fs, _ := c.flagSet()
		fs.VisitAll(func(f *flag.Flag) {
			if !strings.Contains(synopsis, "--"+f.Name) {
				t.Errorf("help's line for %s (%q) lacks --%s", c.name, synopsis, f.Name)
			}
		})
		delete(listed, c.name)
	}
	for name := range listed {
		t.Errorf("help lists %q, which is no command", name)
	}
	for _, want := range []string{
		"digest [--weeks N] [--team ID] [--format text|markdown|json] [--chart FILE] [--post [--channel ID]]",
		"forget --user ID [--team ID]",
		"lead --team ID --user ID [--remove]",
		"With no command: serve when SLACK_BOT_TOKEN or TEAMS_APP_ID is set, else console.",
	} {
		if !strings.Contains(help, want) {
			t.Errorf("help lacks %q:\n%s", want, help)
		}
	}
}

func TestVersionFlag(t *testing.T) {
	setEnv(t)
	want := runWith(t, "", "version")
	if want.err != nil || !strings.HasPrefix(want.stdout, "whatmatters ") {
		t.Fatalf("version: %v %q", want.err, want.stdout)
	}
	for _, flag := range []string{"--version", "-version"} {
		if res := runWith(t, "", flag); res.err != nil || res.stdout != want.stdout {
			t.Errorf("whatmatters %s: %v %q, want %q", flag, res.err, res.stdout, want.stdout)
		}
	}
}

// In the console, the cancelled summary names who cancelled on its own
// line, and the forget-me prompt says what to type.
func TestConsoleCancelledSummaryAndForgetMePrompt(t *testing.T) {
	setEnv(t, "DATABASE_URL", storagetest.SQLiteURL(t))
	res := runWith(t, "/reflect Kestrel\nShe wants to be at home.\ncancel\n/reflect forget-me\n", "console")
	if res.err != nil {
		t.Fatal(res.err)
	}
	if !strings.Contains(res.stdout, "\n    Cancelled by: tester\n") {
		t.Errorf("the cancelled summary does not say who cancelled on its own line:\n%s", res.stdout)
	}
	if strings.Contains(res.stdout, "Cancelled by: This") {
		t.Errorf("the label is joined to the sentence:\n%s", res.stdout)
	}
	if strings.Contains(res.stdout, "forget_me") {
		t.Errorf("the console tells people to say forget_me, which does nothing:\n%s", res.stdout)
	}
	if !strings.Contains(res.stdout, "/reflect forget-me confirm") {
		t.Errorf("the forget-me prompt does not say what to type:\n%s", res.stdout)
	}
}

// An unwritable SQLite path says why, in one line.
func TestUnwritableSQLitePathSaysWhy(t *testing.T) {
	dir := tempDir(t)
	missing := filepath.Join(dir, "no", "such", "folder", "wm.db")
	setEnv(t, "DATABASE_URL", "sqlite:"+missing)
	oneLineError(t, runWith(t, "", "migrate"), 1, fmt.Sprintf("folder %q does not exist", filepath.Dir(missing)))

	locked := filepath.Join(dir, "locked")
	if err := os.Mkdir(locked, 0o755); err != nil {
		t.Fatal(err)
	}
	if os.Geteuid() == 0 {
		if out, err := exec.Command("chattr", "+i", locked).CombinedOutput(); err != nil {
			t.Skipf("running as root and chattr +i failed (%v: %s)", err, out)
		}
		t.Cleanup(func() { exec.Command("chattr", "-i", locked).Run() })
	} else if err := os.Chmod(locked, 0o555); err != nil {
		t.Fatal(err)
	}
	setEnv(t, "DATABASE_URL", "sqlite:"+filepath.Join(locked, "wm.db"))
	res := runWith(t, "", "console")
	oneLineError(t, res, 1, fmt.Sprintf(`permission denied creating "wm.db" in folder %q`, locked))
	if !errors.Is(res.err, os.ErrPermission) && !strings.Contains(res.err.Error(), "unable to open") {
		t.Logf("error: %v", res.err)
	}
}
