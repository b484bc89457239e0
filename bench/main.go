//go:build wmbench

// Command bench measures What Matters' HTTP mode side by side with a
// minimal Bolt for JavaScript app on this machine: the same signed Slack
// load against each in turn, a fake Slack Web API on loopback, memory and
// CPU read from /proc. It prints one Markdown table of medians over the
// rounds with their ranges, and each What Matters figure's ratio to Bolt's.
//
// It is built only with the wmbench tag, so that the module's go test and
// go vet leave it alone; bench/run.sh builds everything and runs it:
//
//	bench/run.sh -rounds 3 -n 4000 -c 16,64 -burst 64
//
// Everything it starts listens on 127.0.0.1; every load has a fixed count
// and a deadline; on PostgreSQL it makes databases named wmbench_PID_rN
// and drops them after.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

type config struct {
	wm, boltDir, boltVersion, node, work, pgURL, pgVersion string
	systems                                                []string
	rounds, n, channels, users, burst                      int
	concs                                                  []int
	burstLatency, quietWait, deadline                      time.Duration
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "wmbench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string) error {
	cfg, err := parseFlags(args)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Join(cfg.work, "logs"), 0o755); err != nil {
		return err
	}
	var pg *pgServer
	for _, id := range cfg.systems {
		if systems[id].pg && pg == nil {
			if pg, err = openPG(ctx, cfg.pgURL); err != nil {
				return err
			}
			defer pg.close()
			_ = pg.pool.QueryRow(ctx, "SHOW server_version").Scan(&cfg.pgVersion)
		}
	}
	var runs []Run
	for round := 1; round <= cfg.rounds && ctx.Err() == nil; round++ {
		for _, id := range cfg.systems {
			if ctx.Err() != nil {
				break
			}
			r := measure(ctx, cfg, systems[id], round, pg)
			runs = append(runs, r)
			fmt.Fprintln(os.Stderr, r.describe())
			raw, _ := json.MarshalIndent(map[string]any{"systems": cfg.systems, "rounds": cfg.rounds, "n": cfg.n,
				"in_flight": cfg.concs, "channels": cfg.channels, "users": cfg.users, "burst": cfg.burst, "runs": runs}, "", "  ")
			if err := os.WriteFile(filepath.Join(cfg.work, "results.json"), raw, 0o644); err != nil {
				return err
			}
		}
	}
	if ctx.Err() != nil {
		return errors.New("interrupted")
	}
	fmt.Print(table(cfg, runs))
	return nil
}

func parseFlags(args []string) (config, error) {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	var c config
	var systemList, concList string
	fs.StringVar(&c.wm, "wm", "", "the whatmatters binary to run (serve)")
	fs.StringVar(&c.boltDir, "bolt-dir", "", "the Bolt app's folder: app.js and node_modules/@slack/bolt")
	fs.StringVar(&c.node, "node", "node", "the node binary")
	fs.StringVar(&c.work, "work", "", "a folder for the SQLite files, the logs and results.json")
	fs.StringVar(&c.pgURL, "pg", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable",
		"a PostgreSQL server on this machine, through a database to connect to; wmbench_* databases are made and dropped there")
	fs.StringVar(&systemList, "systems", "wm-sqlite,wm-pg,bolt", "the systems, in the order each round runs them")
	fs.IntVar(&c.rounds, "rounds", 3, "rounds (1 to 10)")
	fs.IntVar(&c.n, "n", 4000, "thread replies in each ack run (1 to 20000)")
	fs.StringVar(&concList, "c", "16,64", "the requests in flight of each ack run (1 to 256 each)")
	fs.IntVar(&c.channels, "channels", 8, "reflections (threads) the replies are spread over (1 to 100)")
	fs.IntVar(&c.users, "users", 50, "members replying (1 to 200)")
	fs.IntVar(&c.burst, "burst", 64, "/reflect commands in the burst, each in a channel of its own (0 to 256; 0: no burst)")
	fs.DurationVar(&c.burstLatency, "burst-latency", 50*time.Millisecond, "how long the fake Web API takes to answer during the burst")
	fs.DurationVar(&c.quietWait, "quiet-wait", 20*time.Second, "before each system, wait at most this long for a second with the machine under half a core busy")
	fs.DurationVar(&c.deadline, "deadline", 90*time.Second, "the most any one phase (warm-up, an ack run, the burst) may take (at most 5m)")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	for _, s := range strings.Split(concList, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 || n > 256 {
			return c, fmt.Errorf("-c %q: each must be 1 to 256", concList)
		}
		c.concs = append(c.concs, n)
	}
	switch {
	case c.rounds < 1 || c.rounds > 10:
		return c, errors.New("-rounds must be 1 to 10")
	case c.n < 1 || c.n > 20_000:
		return c, errors.New("-n must be 1 to 20000")
	case c.channels < 1 || c.channels > 100 || c.users < 1 || c.users > 200:
		return c, errors.New("-channels must be 1 to 100 and -users 1 to 200")
	case c.burst < 0 || c.burst > 256:
		return c, errors.New("-burst must be 0 to 256")
	case c.deadline <= 0 || c.deadline > 5*time.Minute:
		return c, errors.New("-deadline must be at most 5m")
	case c.burstLatency < 0 || c.burstLatency > 2*time.Second:
		return c, errors.New("-burst-latency must be 0 to 2s")
	case c.work == "":
		return c, errors.New("-work is needed")
	}
	seen := map[string]bool{}
	for _, id := range strings.Split(systemList, ",") {
		sys, ok := systems[id]
		if !ok || seen[id] {
			return c, fmt.Errorf("-systems: %q is not one of wm-sqlite, wm-pg, bolt (each once)", id)
		}
		seen[id] = true
		c.systems = append(c.systems, id)
		switch {
		case sys.bolt && c.boltDir == "":
			return c, errors.New("-bolt-dir is needed for bolt")
		case sys.bolt:
			raw, err := os.ReadFile(filepath.Join(c.boltDir, "node_modules", "@slack", "bolt", "package.json"))
			if err != nil {
				return c, fmt.Errorf("-bolt-dir: @slack/bolt is not installed there (npm ci): %w", err)
			}
			var pkg struct{ Version string }
			_ = json.Unmarshal(raw, &pkg)
			c.boltVersion = pkg.Version
		case c.wm == "":
			return c, fmt.Errorf("-wm is needed for %s", id)
		}
	}
	var err error
	if c.work, err = filepath.Abs(c.work); err != nil {
		return c, err
	}
	if c.wm != "" {
		if c.wm, err = filepath.Abs(c.wm); err != nil {
			return c, err
		}
	}
	return c, nil
}
