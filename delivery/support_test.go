package delivery

import (
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river/rivertype"

	"whatmatters/flows"
	"whatmatters/internal/testkit"
	"whatmatters/prompts"
	"whatmatters/storage"
	"whatmatters/storage/storagetest"
	"whatmatters/themes"
)

// eventually looks at cond until it holds (testkit.Eventually).
func eventually(t testing.TB, what string, cond func() (ok bool, state string)) {
	t.Helper()
	testkit.Eventually(t, what, cond)
}

// eachDB runs fn on SQLite, then on PostgreSQL (storagetest.Each).
func eachDB(t *testing.T, fn func(t *testing.T, db *storage.DB)) { storagetest.Each(t, fn) }

// sqliteDB is a fresh, migrated SQLite database of the test's own.
func sqliteDB(t testing.TB) *storage.DB { return storagetest.SQLite(t) }

// newService is the machinery on db with the real engine and no platform.
func newService(t testing.TB, db *storage.DB) *Service {
	t.Helper()
	templates, err := prompts.Load()
	if err != nil {
		t.Fatal(err)
	}
	off := themes.NewOffline()
	eng := flows.NewEngine(flows.Options{Templates: templates, Reader: off, Digests: themes.Digester{Fallback: off}})
	return New(Options{Store: db, Engine: eng.WithStore})
}

// quickRetry retries failed jobs at once, so tests need not wait out
// River's backoff.
type quickRetry struct{}

func (quickRetry) NextRetry(*rivertype.JobRow) time.Time {
	return time.Now().Add(20 * time.Millisecond)
}

// retryBusy runs fn again, a few times, while SQLite says it is busy.
func retryBusy(fn func() error) error {
	var err error
	for range 5 {
		if err = fn(); err == nil || !strings.Contains(err.Error(), "SQLITE_BUSY") {
			return err
		}
		time.Sleep(100 * time.Millisecond)
	}
	return err
}
