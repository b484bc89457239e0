package bot

import (
	"testing"
	"time"

	"whatmatters/internal/testkit"
)

// hangGuard bounds every wait in these tests for something the code under
// test is to do (testkit.HangGuard: no timing, only a guard against a
// hang).
const hangGuard = testkit.HangGuard

// eventually looks at cond until it holds (testkit.Eventually).
func eventually(t testing.TB, what string, cond func() (ok bool, state string)) {
	t.Helper()
	testkit.Eventually(t, what, cond)
}

// within waits for a value on c, failing the test after hangGuard.
func within[T any](t testing.TB, what string, c <-chan T) T {
	t.Helper()
	guard := time.NewTimer(hangGuard)
	defer guard.Stop()
	select {
	case v := <-c:
		return v
	case <-guard.C:
		t.Fatalf("waiting for %s: gave up after %s", what, hangGuard)
	}
	var zero T
	return zero
}
