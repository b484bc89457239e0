package bot

import (
	"testing"
	"time"
)

// hangGuard bounds every wait in these tests for something the code under
// test is to do. It is no timing: nothing checks how long a wait took, and
// a slow or heavily loaded machine (the race detector beside other work)
// only makes a wait longer. Only a hang, or a feature that broke, reaches
// it, and then the test fails saying what it waited for, within go test's
// own timeout.
const hangGuard = 2 * time.Minute

// eventually looks at cond until it holds, failing the test after
// hangGuard with what was waited for and the state cond last described.
// The looks grow apart (5 ms doubling to 200 ms), so a long wait costs
// the machine little: each look is often a query.
func eventually(t testing.TB, what string, cond func() (ok bool, state string)) {
	t.Helper()
	guard := time.NewTimer(hangGuard)
	defer guard.Stop()
	pause := 5 * time.Millisecond
	for {
		ok, state := cond()
		if ok {
			return
		}
		look := time.NewTimer(pause)
		select {
		case <-guard.C:
			look.Stop()
			t.Fatalf("waiting for %s: gave up after %s; %s", what, hangGuard, state)
		case <-look.C:
		}
		pause = min(2*pause, 200*time.Millisecond)
	}
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
