// Command whatmatters is the What Matters bot: structured reflections for
// care teams, in Slack or in a terminal.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "whatmatters: "+oneLine(err.Error()))
		os.Exit(exitCode(err))
	}
}

// usageError is a mistake in how the command was called: exit status 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func exitCode(err error) int {
	var ue usageError
	if errors.As(err, &ue) {
		return 2
	}
	return 1
}

// oneLine keeps an error to the single line the contract promises.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
