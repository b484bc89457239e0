package storage

import (
	"path/filepath"
	"slices"
	"sync"
	"testing"
)

// TestSQLiteMigrateRace migrates one SQLite file from several handles at
// once without the in-process lock, as separate processes would: they take
// turns by the lock file beside the database, every handle succeeds and
// each migration is applied once. (Before the lock file, a handle could
// fail with "table teams already exists" when another was mid-way.)
func TestSQLiteMigrateRace(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "race.db")
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		total []int64
	)
	for range 3 {
		db, err := Open(t.Context(), "sqlite:"+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		wg.Go(func() {
			applied, err := db.migrate(t.Context())
			if err != nil {
				t.Error(err)
			}
			mu.Lock()
			total = append(total, applied...)
			mu.Unlock()
		})
	}
	wg.Wait()
	entries, err := migrations.ReadDir("migrations/sqlite")
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(total)
	if len(total) != len(entries) || len(slices.Compact(slices.Clone(total))) != len(total) {
		t.Errorf("versions applied by all handles: %v, want each of the %d migrations once", total, len(entries))
	}
}
