//go:build wmbench

package main

// The table: one row per figure, one column per system (the median over
// the rounds, with the smallest and largest), then What Matters' medians
// divided by Bolt's.

import (
	"fmt"
	"math"
	"slices"
	"strings"
)

// row is one figure, read from each run where it was measured.
type row struct {
	label  string
	digits int
	value  func(Run) (float64, bool)
	ratio  bool // whether a ratio to Bolt means anything
}

func rows(c config) []row {
	mib := func(kb int64) float64 { return float64(kb) / 1024 }
	rs := []row{
		{"start → ready, new database (ms)", 0, func(r Run) (float64, bool) { return r.ReadyMS, r.ReadyMS > 0 }, true},
		{"start → ready, again on its migrated database (ms)", 0, func(r Run) (float64, bool) { return r.RestartMS, r.RestartMS > 0 }, false},
		{"RSS idle, 3 s after ready (MiB)", 1, func(r Run) (float64, bool) { return mib(r.IdleRSSKB), r.IdleRSSKB > 0 }, true},
		{"RSS peak, VmHWM after the ack runs (MiB)", 1, func(r Run) (float64, bool) { return mib(r.HWMKB), r.HWMKB > 0 }, true},
	}
	for k, inFlight := range c.concs {
		ack := func(r Run) (AckRun, bool) {
			if k < len(r.Acks) {
				return r.Acks[k], true
			}
			return AckRun{}, false
		}
		p := fmt.Sprintf("%d in flight: ", inFlight)
		rs = append(rs,
			row{p + "acks/s (thread replies)", 0, func(r Run) (float64, bool) { a, ok := ack(r); return a.AcksPerS, ok && a.Replies.OK > 0 }, true},
			row{p + "ack p50 (ms)", 1, func(r Run) (float64, bool) { a, ok := ack(r); return a.Replies.P50, ok && a.Replies.OK > 0 }, true},
			row{p + "ack p99 (ms)", 1, func(r Run) (float64, bool) { a, ok := ack(r); return a.Replies.P99, ok && a.Replies.OK > 0 }, true},
			row{p + "ack max (ms)", 0, func(r Run) (float64, bool) { a, ok := ack(r); return a.Replies.Max, ok && a.Replies.OK > 0 }, true},
			row{fmt.Sprintf("%snot acknowledged 200 (of %d+%d)", p, c.channels, c.n), 0, func(r Run) (float64, bool) {
				a, ok := ack(r)
				return float64(a.Starts.Failed + a.Replies.Failed), ok
			}, false},
			row{fmt.Sprintf("%sall %d replies processed (s)", p, c.n), 2, func(r Run) (float64, bool) { a, ok := ack(r); return a.ProcessedS, ok && a.ProcessedS > 0 }, true},
			row{fmt.Sprintf("%sall %d replies' Slack calls out (s)", p, c.n), 2, func(r Run) (float64, bool) { a, ok := ack(r); return a.CallsOutS, ok && a.CallsOutS > 0 }, true},
		)
	}
	perDelivery := func(s float64, r Run) float64 { return s * 1000 / float64(r.Deliveries) }
	rs = append(rs,
		row{"CPU ms per delivery, bot process", 2, func(r Run) (float64, bool) { return perDelivery(r.BotCPUS, r), r.Deliveries > 0 }, true},
		row{"CPU ms per delivery, its PostgreSQL backends", 2, func(r Run) (float64, bool) { return perDelivery(r.PGCPUS, r), r.Deliveries > 0 && r.PGCPUS > 0 }, false},
		row{"CPU ms per delivery, bot and its database", 2, func(r Run) (float64, bool) {
			return perDelivery(r.BotCPUS+r.PGCPUS, r), r.Deliveries > 0
		}, true},
		row{"cores busy during the ack runs: bot", 2, func(r Run) (float64, bool) { return r.BotCPUS / r.WallS, r.WallS > 0 }, false},
		row{"cores busy: load generator and fake Slack", 2, func(r Run) (float64, bool) { return r.HarnessCPUS / r.WallS, r.WallS > 0 }, false},
		row{"cores busy: everything else on the machine", 2, func(r Run) (float64, bool) { return r.OthersCores, r.WallS > 0 }, false},
	)
	if c.burst > 0 {
		b := func(r Run) (*Burst, bool) { return r.Burst, r.Burst != nil }
		rs = append(rs,
			row{fmt.Sprintf("burst: %d /reflect, ack p99 (ms)", c.burst), 1, func(r Run) (float64, bool) {
				if x, ok := b(r); ok {
					return x.Commands.P99, x.Commands.OK > 0
				}
				return 0, false
			}, true},
			row{fmt.Sprintf("burst: %d /reflect → every root post and first question out (s)", c.burst), 2, func(r Run) (float64, bool) {
				if x, ok := b(r); ok {
					return x.PostsOutS, x.PostsOutS > 0
				}
				return 0, false
			}, true},
			row{fmt.Sprintf("burst: %d starters' answers → every next post out (s)", c.burst), 2, func(r Run) (float64, bool) {
				if x, ok := b(r); ok {
					return x.AnswersS, x.AnswersS > 0
				}
				return 0, false
			}, true},
		)
	}
	return rs
}

// spread is the median, smallest and largest of vs (not empty).
func spread(vs []float64) (med, lo, hi float64) {
	s := slices.Clone(vs)
	slices.Sort(s)
	n := len(s)
	med = s[n/2]
	if n%2 == 0 {
		med = (s[n/2-1] + s[n/2]) / 2
	}
	return med, s[0], s[n-1]
}

func title(c config, id string) string {
	if id == "bolt" && c.boltVersion != "" {
		return "Bolt-JS " + c.boltVersion
	}
	return systems[id].title
}

func table(c config, runs []Run) string {
	var b strings.Builder
	fmt.Fprintf(&b, "\n%d round(s); each ack run: %d thread replies over %d threads from %d members; median (min–max)",
		c.rounds, c.n, c.channels, c.users)
	if c.pgVersion != "" {
		fmt.Fprintf(&b, "; PostgreSQL %s", c.pgVersion)
	}
	b.WriteString("\n\n")
	var wms []string
	for _, id := range c.systems {
		if id != "bolt" {
			wms = append(wms, id)
		}
	}
	withBolt := slices.Contains(c.systems, "bolt")
	cols := []string{"figure"}
	for _, id := range c.systems {
		cols = append(cols, title(c, id))
	}
	if withBolt {
		for _, id := range wms {
			cols = append(cols, strings.TrimPrefix(systems[id].title, "What Matters, ")+" ÷ Bolt")
		}
	}
	b.WriteString("| " + strings.Join(cols, " | ") + " |\n|" + strings.Repeat("---|", len(cols)) + "\n")
	for _, rw := range rows(c) {
		cells := []string{rw.label}
		med := map[string]float64{}
		for _, id := range c.systems {
			var vs []float64
			for _, r := range runs {
				if r.System != id {
					continue
				}
				if v, ok := rw.value(r); ok && !math.IsNaN(v) && !math.IsInf(v, 0) {
					vs = append(vs, v)
				}
			}
			if len(vs) == 0 {
				cells = append(cells, "–")
				continue
			}
			m, lo, hi := spread(vs)
			med[id] = m
			if len(vs) == 1 {
				cells = append(cells, fmt.Sprintf("%.*f", rw.digits, m))
			} else {
				cells = append(cells, fmt.Sprintf("%.*f (%.*f–%.*f)", rw.digits, m, rw.digits, lo, rw.digits, hi))
			}
		}
		if withBolt {
			for _, id := range wms {
				wv, ok1 := med[id]
				bv, ok2 := med["bolt"]
				if rw.ratio && ok1 && ok2 && bv != 0 {
					cells = append(cells, fmt.Sprintf("%.2f×", wv/bv))
				} else {
					cells = append(cells, "–")
				}
			}
		}
		b.WriteString("| " + strings.Join(cells, " | ") + " |\n")
	}
	cells := []string{"kept before the ack"}
	for _, id := range c.systems {
		if id == "bolt" {
			cells = append(cells, "nothing: a crash after the ack loses the delivery")
		} else {
			cells = append(cells, "the delivery, committed to the inbox")
		}
	}
	if withBolt {
		for range wms {
			cells = append(cells, "")
		}
	}
	b.WriteString("| " + strings.Join(cells, " | ") + " |\n")
	for _, r := range runs {
		if r.Err != "" || r.PGNote != "" {
			fmt.Fprintf(&b, "\nround %d, %s: %s%s\n", r.Round, r.System, r.Err, r.PGNote)
		}
	}
	return b.String()
}
