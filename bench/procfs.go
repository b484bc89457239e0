//go:build wmbench

package main

// What the benchmark reads from /proc: a process's resident memory and CPU
// time, and how busy the whole machine is.

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// ticksPerSecond is USER_HZ, the unit of the CPU times in /proc. Linux
// reports them in 1/100 s on every architecture Go builds for.
const ticksPerSecond = 100

// memKB reads one field of /proc/PID/status, in kB: VmRSS (resident now)
// or VmHWM (the most it has been resident).
func memKB(pid int, field string) (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), field+":")
		if !ok {
			continue
		}
		kb, _, _ := strings.Cut(strings.TrimSpace(rest), " ")
		return strconv.ParseInt(kb, 10, 64)
	}
	return 0, fmt.Errorf("/proc/%d/status has no %s", pid, field)
}

// cpuTime is the CPU a process has used, user and system, all threads.
func cpuTime(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name, in parentheses, may hold spaces: count fields
	// after its closing parenthesis. utime and stime are the 14th and 15th
	// fields of the line, the 12th and 13th after the name.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, fmt.Errorf("/proc/%d/stat: no command name", pid)
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: %d fields", pid, len(f))
	}
	user, err1 := strconv.ParseInt(f[11], 10, 64)
	sys, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("/proc/%d/stat: utime %q, stime %q", pid, f[11], f[12])
	}
	return ticks(user + sys), nil
}

func ticks(n int64) time.Duration { return time.Duration(n) * time.Second / ticksPerSecond }

// machineCPU is the CPU every process on the machine has used since boot:
// the first line of /proc/stat less idle and iowait (guest time is
// counted in user already).
func machineCPU() time.Duration {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0
	}
	line, _, _ := bytes.Cut(b, []byte("\n"))
	f := strings.Fields(string(line))
	if len(f) < 8 || f[0] != "cpu" {
		return 0
	}
	var sum int64
	// user nice system idle iowait irq softirq steal guest guest_nice
	for i, v := range f[1:] {
		if i == 3 || i == 4 || i >= 8 {
			continue
		}
		n, _ := strconv.ParseInt(v, 10, 64)
		sum += n
	}
	return ticks(sum)
}

// busyCores is how many cores the machine kept busy over d.
func busyCores(d time.Duration) float64 {
	c0 := machineCPU()
	time.Sleep(d)
	return float64(machineCPU()-c0) / float64(d)
}

// waitForQuiet waits, at most limit, for a second in which the machine is
// less busy than below cores, and returns how long it waited and how busy
// the last second was.
func waitForQuiet(limit time.Duration, below float64) (time.Duration, float64) {
	start := time.Now()
	for {
		busy := busyCores(time.Second)
		if busy < below || time.Since(start) >= limit {
			return time.Since(start), busy
		}
	}
}

// loadAverage is /proc/loadavg's first three numbers.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

// rssWatch samples a process's VmRSS every interval until stopped, and
// keeps the largest sample (a check on VmHWM).
type rssWatch struct {
	stop    chan struct{}
	done    chan struct{}
	mu      sync.Mutex
	peakKB  int64
	samples int
}

func watchRSS(pid int, every time.Duration) *rssWatch {
	w := &rssWatch{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(w.done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			if kb, err := memKB(pid, "VmRSS"); err == nil {
				w.mu.Lock()
				w.peakKB = max(w.peakKB, kb)
				w.samples++
				w.mu.Unlock()
			}
			select {
			case <-w.stop:
				return
			case <-t.C:
			}
		}
	}()
	return w
}

func (w *rssWatch) Stop() int64 {
	close(w.stop)
	<-w.done
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.peakKB
}
