package main

import (
	"encoding/json"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/BurntSushi/toml"
)

// flyConfig is the part of fly.toml that fly.io reads for this app. Every
// key in fly.toml must be declared here, so a misspelt key fails the test
// instead of being silently ignored by fly.
type flyConfig struct {
	App           string                      `toml:"app"`
	PrimaryRegion string                      `toml:"primary_region"`
	KillSignal    string                      `toml:"kill_signal"`
	KillTimeout   string                      `toml:"kill_timeout"`
	Build         struct{ Dockerfile string } `toml:"build"`
	Env           map[string]string           `toml:"env"`
	Processes     map[string]string           `toml:"processes"`
	Deploy        struct {
		ReleaseCommand string `toml:"release_command"`
	} `toml:"deploy"`
	HTTPService *struct {
		InternalPort       int        `toml:"internal_port"`
		ForceHTTPS         bool       `toml:"force_https"`
		Processes          []string   `toml:"processes"`
		AutoStopMachines   string     `toml:"auto_stop_machines"`
		AutoStartMachines  bool       `toml:"auto_start_machines"`
		MinMachinesRunning int        `toml:"min_machines_running"`
		Checks             []flyCheck `toml:"checks"`
	} `toml:"http_service"`
	Checks map[string]flyCheck `toml:"checks"`
	VM     []struct {
		Size   string `toml:"size"`
		Memory string `toml:"memory"`
	} `toml:"vm"`
}

type flyCheck struct {
	Type        string   `toml:"type"`
	Port        int      `toml:"port"`
	Method      string   `toml:"method"`
	Path        string   `toml:"path"`
	GracePeriod string   `toml:"grace_period"`
	Interval    string   `toml:"interval"`
	Timeout     string   `toml:"timeout"`
	Processes   []string `toml:"processes"`
}

func readFlyConfig(t *testing.T) flyConfig {
	t.Helper()
	var c flyConfig
	md, err := toml.DecodeFile("../../fly.toml", &c)
	if err != nil {
		t.Fatalf("fly.toml: %v", err)
	}
	if keys := md.Undecoded(); len(keys) > 0 {
		t.Errorf("fly.toml has keys this test does not know (misspelt?): %v", keys)
	}
	return c
}

// isCommand reports whether line, as fly passes it to the image's
// ENTRYPOINT (/whatmatters), is a whatmatters command.
func isCommand(line string) bool {
	f := strings.Fields(line)
	return len(f) > 0 && lookup(f[0]) != nil
}

func TestFlyConfig(t *testing.T) {
	c := readFlyConfig(t)
	if c.App == "" || c.PrimaryRegion == "" {
		t.Errorf("app %q, primary_region %q: want both", c.App, c.PrimaryRegion)
	}
	if c.Build.Dockerfile != "Dockerfile" {
		t.Errorf("build.dockerfile = %q, want Dockerfile", c.Build.Dockerfile)
	}
	if _, err := os.Stat("../../" + c.Build.Dockerfile); err != nil {
		t.Errorf("build.dockerfile: %v", err)
	}

	// The image's ENTRYPOINT is /whatmatters; fly passes these to it.
	rc := c.Deploy.ReleaseCommand
	if !strings.HasSuffix(rc, "migrate") || !isCommand(rc) {
		t.Errorf("deploy.release_command = %q, want the whatmatters command migrate (the ENTRYPOINT is /whatmatters)", rc)
	}
	if got := c.Processes["app"]; got != "serve" {
		t.Errorf("processes.app = %q, want serve", got)
	}
	for name, cmd := range c.Processes {
		if !isCommand(cmd) {
			t.Errorf("processes.%s = %q is not a whatmatters command", name, cmd)
		}
	}

	// fly waits kill_timeout after kill_signal; serve needs its whole
	// shutdown within that.
	if c.KillSignal != "SIGTERM" && c.KillSignal != "SIGINT" {
		t.Errorf("kill_signal = %q: serve stops gracefully on SIGTERM or SIGINT", c.KillSignal)
	}
	if d, err := time.ParseDuration(c.KillTimeout); err != nil || d <= shutdownTimeout+cancelTimeout {
		t.Errorf("kill_timeout = %q (%v): want more than serve's %v to stop", c.KillTimeout, err, shutdownTimeout+cancelTimeout)
	}

	port, err := strconv.Atoi(c.Env["PORT"])
	if err != nil {
		t.Fatalf("env.PORT = %q: %v", c.Env["PORT"], err)
	}
	if c.HTTPService == nil {
		t.Fatal("no [http_service]: HTTP mode needs it")
	}
	hs := c.HTTPService
	if hs.InternalPort != port {
		t.Errorf("http_service.internal_port = %d, env.PORT = %d: want the same", hs.InternalPort, port)
	}
	if !hs.ForceHTTPS {
		t.Error("http_service.force_https is off: Slack's requests must come over HTTPS")
	}
	if hs.MinMachinesRunning < 1 || hs.AutoStopMachines != "off" {
		t.Errorf("min_machines_running %d, auto_stop_machines %q: Socket Mode and scheduled jobs need a machine always running",
			hs.MinMachinesRunning, hs.AutoStopMachines)
	}
	if len(hs.Checks) == 0 {
		t.Error("no [[http_service.checks]]")
	}
	for _, ch := range hs.Checks {
		if ch.Path != "/healthz" {
			t.Errorf("http_service check on %q, want /healthz", ch.Path)
		}
	}

	var paths []string
	for name, ch := range c.Checks {
		paths = append(paths, ch.Path)
		if ch.Type != "http" || ch.Port != port || (ch.Path != "/healthz" && ch.Path != "/readyz") {
			t.Errorf("checks.%s: %+v; want an http check of /healthz or /readyz on PORT %d", name, ch, port)
		}
		for _, d := range []string{ch.GracePeriod, ch.Interval, ch.Timeout} {
			if _, err := time.ParseDuration(d); err != nil {
				t.Errorf("checks.%s: %v", name, err)
			}
		}
	}
	if !strings.Contains(strings.Join(paths, " "), "/healthz") {
		t.Errorf("top-level checks %v: want /healthz, which works without a public service (Socket Mode)", paths)
	}
	if len(c.VM) == 0 || c.VM[0].Size == "" || c.VM[0].Memory == "" {
		t.Errorf("vm = %+v: want a size and memory", c.VM)
	}
	if c.Env["WHATMATTERS_BIND_ADDRESS"] != "" {
		t.Error("env.WHATMATTERS_BIND_ADDRESS is set: fly's proxy needs serve on every interface")
	}
}

// dockerStage is one FROM … stage of the Dockerfile, its instructions
// with continuation lines joined.
type dockerStage struct {
	from  string
	lines []string
}

func readDockerfile(t *testing.T) []dockerStage {
	t.Helper()
	b, err := os.ReadFile("../../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	text := regexp.MustCompile(`\\\n`).ReplaceAllString(string(b), " ")
	var stages []dockerStage
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if strings.HasPrefix(strings.ToUpper(line), "FROM ") {
			stages = append(stages, dockerStage{from: line})
			continue
		}
		if len(stages) == 0 {
			t.Fatalf("Dockerfile: %q before FROM", line)
		}
		stages[len(stages)-1].lines = append(stages[len(stages)-1].lines, line)
	}
	return stages
}

func instr(line string) (string, string) {
	word, rest, _ := strings.Cut(line, " ")
	return strings.ToUpper(word), strings.TrimSpace(rest)
}

func TestDockerfile(t *testing.T) {
	stages := readDockerfile(t)
	if len(stages) < 2 {
		t.Fatalf("%d stages: want a build stage and a small runtime stage", len(stages))
	}
	// One build line: scripts/build.sh, which CI runs too.
	builds := 0
	for _, s := range stages {
		for _, l := range s.lines {
			w, rest := instr(l)
			if w == "RUN" && strings.Contains(rest, "go build") {
				t.Errorf("Dockerfile builds with its own line %q; use scripts/build.sh", l)
			}
			if w == "RUN" && strings.Contains(rest, "scripts/build.sh") {
				builds++
			}
		}
	}
	if builds != 1 {
		t.Errorf("scripts/build.sh runs %d times in the Dockerfile, want once", builds)
	}
	script, err := os.ReadFile("../../scripts/build.sh")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"CGO_ENABLED=0", "-trimpath", "-X main.version=$VERSION", "./cmd/whatmatters"} {
		if !strings.Contains(string(script), want) {
			t.Errorf("scripts/build.sh lacks %q", want)
		}
	}

	run := stages[len(stages)-1]
	if !strings.Contains(run.from, "distroless") && !strings.Contains(run.from, "scratch") {
		t.Errorf("runtime stage %q: want a small image (distroless or scratch)", run.from)
	}
	var user string
	var entry []string
	for _, l := range run.lines {
		switch w, rest := instr(l); w {
		case "USER":
			user = rest
		case "ENTRYPOINT":
			if err := json.Unmarshal([]byte(rest), &entry); err != nil {
				t.Errorf("ENTRYPOINT %q: want the exec (JSON) form, so signals reach whatmatters", rest)
			}
		case "RUN":
			t.Errorf("runtime stage runs %q: it has no shell", l)
		}
	}
	name, _, _ := strings.Cut(user, ":")
	if name == "" || name == "root" || name == "0" {
		t.Errorf("runtime stage USER %q: want a non-root user", user)
	}
	// fly.toml's release_command and processes rely on this.
	if len(entry) != 1 || entry[0] != "/whatmatters" {
		t.Errorf("ENTRYPOINT %v, want [\"/whatmatters\"]", entry)
	}
}
