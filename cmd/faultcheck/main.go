// Command faultcheck starts `whatmatters serve` (HTTP mode) on loopback
// against a fake Slack Web API and a database of its own, drives it with
// signed Slack requests and checks, from the fake's record of every call
// and from the database, that faults do not lose or repeat work:
//
//	retries        every delivery also sent again as Slack's retries
//	sigkill        serve killed mid-reflection with jobs and posts in flight
//	slack-429-500  the Web API answers 429 (Retry-After) then 500 for a while
//	slack-500      the Web API answers 500 for 10 s as reactions and questions are owed
//	unsigned-flood unsigned and badly signed requests beside signed ones
//	pg-restart     PostgreSQL (a temporary cluster of its own) stopped and started mid-load
//	fuzz           random requests over the whole request path: no 5xx
//	boundaries     another organisation's admin, controls and lists of another
//	               channel, posts where the person is not: nothing changes
//	waits          a burst of /reflect, answers and Next presses: the wait from
//	               each to the question it owes (SQLite; PostgreSQL, 1 and 2 instances)
//
// Each scenario prints one PASS or FAIL line with its figures; the program
// exits 1 if any failed. -short runs small counts (CI); without it the
// counts are bigger. Every run is bounded in count and time, talks to
// 127.0.0.1 only, and never calls Slack.
//
//	go run ./cmd/faultcheck -scenario all -short
//	go run ./cmd/faultcheck -scenario sigkill -bin ./whatmatters -pg postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

type options struct {
	bin   string
	pg    string
	short bool
	seed  int64
	keep  bool
	out   io.Writer
}

type scenario struct {
	name string
	run  func(ctx context.Context, o options) (summary string, err error)
}

var scenarios = []scenario{
	{"retries", runRetries},
	{"sigkill", runSigkill},
	{"slack-429-500", runSlackFaults},
	{"slack-500", runSlack500},
	{"unsigned-flood", runUnsignedFlood},
	{"pg-restart", runPGRestart},
	{"fuzz", runFuzz},
	{"socket", runSocket},
	{"boundaries", runBoundaries},
	{"waits", runWaits},
	{"teams-kill", runTeamsKill},
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout))
}

func run(ctx context.Context, args []string, out io.Writer) int {
	fs := flag.NewFlagSet("faultcheck", flag.ContinueOnError)
	names := []string{}
	for _, s := range scenarios {
		names = append(names, s.name)
	}
	which := fs.String("scenario", "all", "scenarios to run, comma-separated: all, "+strings.Join(names, ", "))
	o := options{out: out}
	fs.StringVar(&o.bin, "bin", "", "the whatmatters binary (default: go build ./cmd/whatmatters into a temporary directory)")
	defPG := os.Getenv("WHATMATTERS_FAULTS_PG")
	if defPG == "" {
		defPG = os.Getenv("WHATMATTERS_TEST_DATABASE_URL")
	}
	if defPG == "" {
		defPG = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
	}
	fs.StringVar(&o.pg, "pg", defPG, "a PostgreSQL server to make each scenario's database on (default $WHATMATTERS_FAULTS_PG, else $WHATMATTERS_TEST_DATABASE_URL); pg-restart makes a cluster of its own instead")
	fs.BoolVar(&o.short, "short", false, "small counts, for CI")
	fs.Int64Var(&o.seed, "seed", 0, "fuzz: the random seed (default: the time)")
	fs.BoolVar(&o.keep, "keep", false, "keep each scenario's directory (serve's log) even when it passes")
	timeout := fs.Duration("timeout", 15*time.Minute, "give up after this long in all")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	var chosen []scenario
	for _, n := range strings.Split(*which, ",") {
		n = strings.TrimSpace(n)
		found := false
		for _, s := range scenarios {
			if n == "all" || n == s.name {
				chosen = append(chosen, s)
				found = true
			}
		}
		if !found {
			fmt.Fprintf(os.Stderr, "faultcheck: no scenario %q (have %s)\n", n, strings.Join(names, ", "))
			return 2
		}
	}
	if o.seed == 0 {
		o.seed = time.Now().UnixNano()
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	if o.bin == "" {
		dir, err := os.MkdirTemp("", "faultcheck-bin-")
		if err != nil {
			fmt.Fprintln(os.Stderr, "faultcheck:", err)
			return 1
		}
		defer os.RemoveAll(dir)
		if o.bin, err = buildBinary(ctx, dir); err != nil {
			fmt.Fprintln(os.Stderr, "faultcheck:", err)
			return 1
		}
	}
	form := "long"
	if o.short {
		form = "short"
	}
	failed := 0
	for _, s := range chosen {
		start := time.Now()
		summary, err := s.run(ctx, o)
		took := time.Since(start).Round(100 * time.Millisecond)
		if err != nil {
			failed++
			var f failure
			if errors.As(err, &f) && summary != "" {
				fmt.Fprintf(out, "FAIL %s (%s, %s): %s: %v\n", s.name, form, took, summary, err)
			} else {
				fmt.Fprintf(out, "FAIL %s (%s, %s): %v\n", s.name, form, took, err)
			}
			continue
		}
		fmt.Fprintf(out, "PASS %s (%s, %s): %s\n", s.name, form, took, summary)
	}
	if failed > 0 {
		return 1
	}
	return 0
}

// failure is a check that failed, as opposed to a scenario that could not
// run; its summary still has the figures.
type failure struct{ msg string }

func (f failure) Error() string { return f.msg }

func failf(format string, args ...any) error { return failure{fmt.Sprintf(format, args...)} }

// pick returns short or long by o.short.
func pick[T any](o options, short, long T) T {
	if o.short {
		return short
	}
	return long
}

// finish closes a scenario's environment, keeping its directory (serve's
// log) and saying where when the scenario failed or -keep is set.
func finish(o options, e *env, err *error) {
	if e == nil {
		return
	}
	e.close()
	if *err != nil || o.keep {
		fmt.Fprintf(os.Stderr, "faultcheck: serve's log is in %s\n", e.srv.logPath)
		if *err != nil {
			fmt.Fprintln(os.Stderr, e.srv.logTail(15))
		}
		return
	}
	_ = os.RemoveAll(e.dir)
}
