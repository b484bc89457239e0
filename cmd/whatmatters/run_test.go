package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"github.com/prometheus/client_golang/prometheus"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"whatmatters/flows"
	"whatmatters/scrub"
	"whatmatters/storage"
	"whatmatters/storage/storagetest"
)

// setEnv gives run a known environment: every variable it reads is set,
// so nothing leaks in from the machine running the tests.
func setEnv(t *testing.T, kv ...string) {
	t.Helper()
	for _, name := range []string{"DATABASE_URL", "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_API_URL",
		"OPENAI_API_KEY", "OPENAI_BASE_URL", "OPENAI_MODEL", "PORT", "WHATMATTERS_AUTO_MIGRATE", "WHATMATTERS_LOG_LEVEL",
		"WHATMATTERS_TIMEZONE", "WHATMATTERS_LOCAL_ID_PATTERNS", "WHATMATTERS_SCRUB_NAMES", "WHATMATTERS_BIND_ADDRESS", "WHATMATTERS_THEMES_FILE",
		"TEAMS_APP_ID", "TEAMS_APP_PASSWORD", "TEAMS_TENANT_ID", "TEAMS_ALLOWED_TENANTS", "TEAMS_OPENID_METADATA_URL", "TEAMS_TOKEN_URL"} {
		t.Setenv(name, "") // restores the variable after the test
		os.Unsetenv(name)
	}
	for i := 0; i+1 < len(kv); i += 2 {
		t.Setenv(kv[i], kv[i+1])
	}
}

type result struct {
	stdout, stderr string
	err            error
}

func runWith(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	var out, errOut bytes.Buffer
	getenv := func(k string) string {
		if k == "USER" {
			return "tester"
		}
		return ""
	}
	err := run(context.Background(), args, getenv, strings.NewReader(stdin), &out, &errOut)
	return result{out.String(), errOut.String(), err}
}

// The first half of a reflection by two people, then the console stops.
// Bo adds the answer to "why"; Ann, who started it, moves it on.
const firstHalf = `:as ann district nurse
/reflect Kestrel
She wants to be at home for her granddaughter's wedding in May.
:as bo chaplain
Her faith matters to her; she told me the choir still visits.
:as ann
next
`

// The second half, after the console is started again.
const secondHalf = `:as ann
Her husband, two sons, and a neighbour who walks the dog.
:as bo
Two admissions this month; her family felt nobody asked what she wanted.
:as ann
next
Talk with her husband about being at home, and what she would like.
`

func TestConsoleScriptRestartAndExport(t *testing.T) {
	urls := map[string]func(testing.TB) string{"sqlite": storagetest.SQLiteURL, "postgres": storagetest.PostgresURL}
	for _, name := range []string{"sqlite", "postgres"} {
		t.Run(name, func(t *testing.T) {
			setEnv(t, "DATABASE_URL", urls[name](t))

			first := runWith(t, firstHalf)
			if first.err != nil {
				t.Fatalf("first run: %v\n%s", first.err, first.stderr)
			}
			if line, _, _ := strings.Cut(first.stdout, "\n"); !strings.HasPrefix(line, "What Matters: console mode, because SLACK_BOT_TOKEN is not set.") {
				t.Errorf("first line = %q", line)
			}
			if !strings.Contains(first.stdout, "3 of 5 · Who is around") {
				t.Fatalf("first half did not reach stage 3:\n%s", first.stdout)
			}

			second := runWith(t, secondHalf, "console")
			if second.err != nil {
				t.Fatalf("second run: %v\n%s", second.err, second.stderr)
			}
			if !strings.Contains(second.stdout, "Carrying on with Case reflection: Kestrel. 3 of 5 · Who is around") {
				t.Errorf("restart did not carry on:\n%s", second.stdout)
			}
			if !strings.Contains(second.stdout, "Contributed: 2 people: 1 × chaplain, 1 × district nurse") {
				t.Errorf("no summary at the end:\n%s", second.stdout)
			}

			exported := runWith(t, "", "export")
			if exported.err != nil {
				t.Fatalf("export: %v", exported.err)
			}
			var ex flows.Export
			if err := json.Unmarshal([]byte(exported.stdout), &ex); err != nil {
				t.Fatalf("export is not JSON: %v\n%s", err, exported.stdout)
			}
			if len(ex.Cases) != 1 || ex.Cases[0].Label != "Kestrel" || len(ex.Reflections) != 1 {
				t.Fatalf("export = %+v", ex)
			}
			r := ex.Reflections[0]
			if r.Status != flows.StatusComplete || r.Template != "case" || r.StartedBy != "ann" || r.CaseID == nil || *r.CaseID != ex.Cases[0].ID {
				t.Errorf("reflection = %+v", r)
			}
			type who struct{ Stage, Author, Discipline string }
			var got []who
			for _, a := range r.Answers {
				got = append(got, who{a.Stage, a.Author, a.Discipline})
			}
			want := []who{
				{"what_matters", "ann", "district nurse"},
				{"why", "bo", "chaplain"},
				{"whos_around", "ann", "district nurse"},
				{"what_happened", "bo", "chaplain"},
				{"looking_ahead", "ann", "district nurse"},
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("answers (-want +got):\n%s", diff)
			}

			// --user keeps only that person's contributions.
			bo := runWith(t, "", "export", "--user", "bo")
			var boEx flows.Export
			if err := json.Unmarshal([]byte(bo.stdout), &boEx); err != nil || len(boEx.Reflections) != 1 || len(boEx.Reflections[0].Answers) != 2 {
				t.Errorf("export --user bo: %v %+v", err, boEx)
			}
			for _, a := range boEx.Reflections[0].Answers {
				if a.Author != "bo" {
					t.Errorf("bo's export holds %s's answer", a.Author)
				}
			}
		})
	}
}

func TestBadConfigurationIsOneLineNamingTheVariable(t *testing.T) {
	dir := tempDir(t)
	empty := migratedURL(t)
	tests := []struct {
		name    string
		env     []string
		args    []string
		want    string
		code    int
		stdinOK bool
	}{
		{"port", []string{"PORT", "eighty"}, []string{"console"}, `PORT: "eighty" is not a port number`, 1, false},
		{"port range", []string{"PORT", "70000"}, []string{"console"}, `PORT: "70000" is not a port number`, 1, false},
		{"scheme", []string{"DATABASE_URL", "mysql://root@localhost/x"}, []string{"console"}, "DATABASE_URL", 1, false},
		{"sqlite path", []string{"DATABASE_URL", "sqlite:" + filepath.Join(dir, "no", "such", "dir", "x.db")}, []string{"console"}, "DATABASE_URL", 1, false},
		{"postgres down", []string{"DATABASE_URL", "postgres://postgres:hunter2@127.0.0.1:1/x?sslmode=disable"}, []string{"export"}, "DATABASE_URL", 1, false},
		{"log level", []string{"WHATMATTERS_LOG_LEVEL", "loud"}, []string{"console"}, "WHATMATTERS_LOG_LEVEL", 1, false},
		{"bind address", []string{"WHATMATTERS_BIND_ADDRESS", "every-interface"}, []string{"serve"}, `WHATMATTERS_BIND_ADDRESS: "every-interface" is not an IP address`, 1, false},
		{"bind address with port", []string{"WHATMATTERS_BIND_ADDRESS", "127.0.0.1:8080"}, []string{"serve"}, "WHATMATTERS_BIND_ADDRESS: \"127.0.0.1:8080\" is not an IP address such as 127.0.0.1 or ::1; the port goes in PORT", 1, false},
		{"timezone", []string{"WHATMATTERS_TIMEZONE", "Mars/Olympus"}, []string{"console"}, "WHATMATTERS_TIMEZONE", 1, false},
		{"bool", []string{"WHATMATTERS_AUTO_MIGRATE", "perhaps"}, []string{"console"}, "WHATMATTERS_AUTO_MIGRATE", 1, false},
		{"bad pattern", []string{"DATABASE_URL", "sqlite::memory:", "WHATMATTERS_LOCAL_ID_PATTERNS", "RBD[0-9"}, []string{"console"}, "WHATMATTERS_LOCAL_ID_PATTERNS", 1, false},
		{"unknown command", nil, []string{"frobnicate"}, `unknown command "frobnicate"`, 2, false},
		{"unknown flag", []string{"DATABASE_URL", "sqlite::memory:"}, []string{"export", "--colour"}, "export: unknown flag --colour (whatmatters export -h lists its flags)", 2, false},
		{"digest weeks", []string{"DATABASE_URL", "sqlite::memory:"}, []string{"digest", "--weeks", "0"}, "--weeks is 1 to 52", 2, false},
		{"digest format", []string{"DATABASE_URL", "sqlite::memory:"}, []string{"digest", "--format", "pdf"}, "--format is text, markdown or json", 2, false},
		{"digest no team", []string{"DATABASE_URL", empty}, []string{"digest"}, "no team yet", 1, false},
		{"digest post without token", []string{"DATABASE_URL", "sqlite::memory:"}, []string{"digest", "--post"}, "SLACK_BOT_TOKEN", 1, false},
		{"code coder", nil, []string{"code", "--coder", "wizard"}, "--coder is offline or model", 2, false},
		{"code model unset", nil, []string{"code", "--coder", "model"}, "OPENAI_API_KEY", 1, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			setEnv(t, tt.env...)
			res := runWith(t, "", tt.args...)
			if res.err == nil {
				t.Fatal("run succeeded, want an error")
			}
			msg := oneLine(res.err.Error())
			if !strings.Contains(msg, tt.want) {
				t.Errorf("error %q does not mention %q", msg, tt.want)
			}
			if strings.Contains(msg, "hunter2") {
				t.Errorf("error shows the database password: %q", msg)
			}
			if got := exitCode(res.err); got != tt.code {
				t.Errorf("exit code = %d, want %d", got, tt.code)
			}
		})
	}
}

func TestAutoMigrateOff(t *testing.T) {
	url := "sqlite:" + filepath.Join(tempDir(t), "wm.db")
	setEnv(t, "DATABASE_URL", url, "WHATMATTERS_AUTO_MIGRATE", "false")
	res := runWith(t, "", "console")
	if res.err == nil || !strings.Contains(res.err.Error(), "run whatmatters migrate first") {
		t.Fatalf("with pending migrations and auto-migrate off: %v", res.err)
	}
	// export reads existing data only: the file console left holds none.
	if res := runWith(t, "", "export"); res.err == nil || !strings.Contains(res.err.Error(), "holds no What Matters tables") {
		t.Fatalf("export of a database never migrated: %v", res.err)
	}
	if res := runWith(t, "", "migrate"); res.err != nil || !strings.Contains(res.stdout, "Applied") {
		t.Fatalf("migrate: %v %q", res.err, res.stdout)
	}
	// migrate also makes the job queue's tables, which serve needs when it
	// may not migrate by itself.
	db, err := storage.Open(context.Background(), url, nil)
	if err != nil {
		t.Fatal(err)
	}
	var jobsTable int
	err = db.SQL().QueryRow(`SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'river_job'`).Scan(&jobsTable)
	db.Close()
	if err != nil || jobsTable != 1 {
		t.Errorf("after migrate, river_job tables = %d, %v; want 1", jobsTable, err)
	}
	if res := runWith(t, "", "migrate"); res.err != nil || !strings.Contains(res.stdout, "up to date") {
		t.Fatalf("second migrate: %v %q", res.err, res.stdout)
	}
	if res := runWith(t, "", "export"); res.err != nil {
		t.Fatalf("export after migrate: %v", res.err)
	}
}

func TestConfigListsEveryVariable(t *testing.T) {
	setEnv(t)
	res := runWith(t, "", "config")
	if res.err != nil {
		t.Fatal(res.err)
	}
	for _, name := range []string{"DATABASE_URL", "sqlite:whatmatters.db", "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET",
		"SLACK_API_URL", "https://slack.com/api/", "OPENAI_API_KEY", "OPENAI_BASE_URL", "OPENAI_MODEL", "PORT", "8080",
		"WHATMATTERS_AUTO_MIGRATE", "WHATMATTERS_LOG_LEVEL", "WHATMATTERS_TIMEZONE", "WHATMATTERS_LOCAL_ID_PATTERNS", "WHATMATTERS_BIND_ADDRESS"} {
		if !strings.Contains(res.stdout, name) {
			t.Errorf("config output lacks %s", name)
		}
	}
}

func TestVersionAndHelp(t *testing.T) {
	setEnv(t)
	if res := runWith(t, "", "version"); res.err != nil || !strings.HasPrefix(res.stdout, "whatmatters ") {
		t.Errorf("version: %v %q", res.err, res.stdout)
	}
	if res := runWith(t, "", "help"); res.err != nil || !strings.Contains(res.stdout, "export") {
		t.Errorf("help: %v %q", res.err, res.stdout)
	}
}

func TestConsoleWithHostileInput(t *testing.T) {
	setEnv(t, "DATABASE_URL", "sqlite:"+filepath.Join(tempDir(t), "wm.db"))
	long := strings.Repeat("x", flows.MaxAnswerRunes+10)
	script := "/reflect Heron\n\x1b[2J\xff\xfe\n" + long + "\n:as\n/unknown\n:bogus\n"
	res := runWith(t, script, "console")
	if res.err != nil {
		t.Fatalf("console: %v", res.err)
	}
	for _, want := range []string{"too long to keep in one piece", "Say who is speaking", "The one command here is /reflect", "I don't know :bogus"} {
		if !strings.Contains(res.stdout, want) {
			t.Errorf("console output lacks %q", want)
		}
	}
	if strings.Contains(res.stdout, "\x1b") {
		t.Error("an escape sequence from input reached the terminal")
	}
	if errors.Is(res.err, context.Canceled) {
		t.Error("console should end cleanly at end of input")
	}
}

// TestScrubFuncKeepsPseudonyms: the engine's scrubber keeps the words it is
// told to (a team's case pseudonyms, which may be first names) and still
// removes real names.
func TestScrubFuncKeepsPseudonyms(t *testing.T) {
	s, err := scrub.New(scrub.Options{})
	if err != nil {
		t.Fatal(err)
	}
	f := scrubFunc(s)
	text := "Hazel wants her garden kept, Mrs Pemberton from next door helps."
	if got, _ := f(text); strings.Contains(got, "Hazel") {
		t.Fatalf("without keep, Hazel (a first name) should be scrubbed: %q", got)
	}
	got, removed := f(text, "Hazel", "Kestrel")
	if !strings.Contains(got, "Hazel wants her garden") || strings.Contains(got, "Pemberton") {
		t.Errorf("scrubbed with keep = %q", got)
	}
	if len(removed) != 1 || removed[0] != "name" {
		t.Errorf("removed = %v, want one name", removed)
	}
}

// TestScrubbedIdentifiersCounted: each kind the scrubber removes is counted
// in /metrics, by kind, never with the text.
func TestScrubbedIdentifiersCounted(t *testing.T) {
	s, err := scrub.New(scrub.Options{})
	if err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	f := countScrubbed(scrubFunc(s), reg)
	f("Mrs Pemberton, NHS 943 476 5919, seen 3rd march.")
	f("Nothing to remove here.")
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				got[l.GetValue()] = m.GetCounter().GetValue()
			}
		}
	}
	if got["name"] != 1 || got["NHS number"] != 1 || got["date"] != 1 || len(got) != 3 {
		t.Errorf("counted %v; want one name, one NHS number and one date", got)
	}
}

// TestExistingPseudonymThatIsAFirstName: the demo team's case "Hazel" is
// also a first name, which the scrubber removes; reflecting on the case the
// team already has is still accepted, while naming a new case so is not.
func TestExistingPseudonymThatIsAFirstName(t *testing.T) {
	dbURL := "sqlite:" + filepath.Join(tempDir(t), "demo.db")
	setEnv(t, "DATABASE_URL", dbURL)
	if res := runWith(t, "", "demo"); res.err != nil {
		t.Fatalf("demo: %v", res.err)
	}
	// The console speaks in its own team; give it a case named as a first name.
	res := runWith(t, ":as ann district nurse\n/reflect Margaret\n", "console")
	if res.err != nil || !strings.Contains(res.stdout, "Please choose another pseudonym") {
		t.Fatalf("a new case named Margaret: %v\n%s", res.err, res.stdout)
	}
}
