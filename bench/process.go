//go:build wmbench

package main

// Starting and stopping the systems under test, as child processes of this
// one, on loopback ports chosen free.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"syscall"
	"time"
)

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// freePort is a loopback port that was free a moment ago.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// child is one system under test, running.
type child struct {
	cmd    *exec.Cmd
	exited chan struct{}
}

func (c *child) pid() int { return c.cmd.Process.Pid }

// launch starts argv with env in dir, its output appended to logPath, and
// waits until probe answers as ready says; it returns the time from the
// start of the process to that answer. ready is given each answer's
// status.
func launch(ctx context.Context, argv, env []string, dir, logPath, probe string, ready func(int) bool) (*child, time.Duration, error) {
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, 0, err
	}
	fmt.Fprintf(logf, "--- %s %v\n", time.Now().UTC().Format(time.RFC3339Nano), argv)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir, cmd.Env, cmd.Stdout, cmd.Stderr = dir, env, logf, logf
	c := &child{cmd: cmd, exited: make(chan struct{})}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, 0, err
	}
	go func() {
		_ = cmd.Wait()
		logf.Close()
		close(c.exited)
	}()
	poll := &http.Client{Timeout: time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, probe, nil)
		if resp, err := poll.Do(req); err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if ready(resp.StatusCode) {
				return c, time.Since(start), nil
			}
		}
		select {
		case <-c.exited:
			return nil, 0, fmt.Errorf("%s exited while starting; see %s", argv[0], logPath)
		case <-ctx.Done():
			c.stop()
			return nil, 0, ctx.Err()
		case <-time.After(5 * time.Millisecond):
		}
	}
	c.stop()
	return nil, 0, errors.New(argv[0] + " was not ready within 60 s; see " + logPath)
}

// stop asks the child to end (SIGTERM) and kills it if it is still there
// 20 s later.
func (c *child) stop() {
	select {
	case <-c.exited:
		return
	default:
	}
	_ = c.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-c.exited:
	case <-time.After(20 * time.Second):
		_ = c.cmd.Process.Kill()
		<-c.exited
	}
}
