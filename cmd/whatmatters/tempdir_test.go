package main

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"
)

// tempDir is t.TempDir for a test that keeps a SQLite database in it. When
// a test ends, database/sql may still be finishing a connection it began
// opening in the background before the pool was closed, and SQLite makes
// and removes its -wal and -shm files as it does; a single RemoveAll then
// meets a file made after it read the folder ("directory not empty", seen
// once under CI beside other load). So the folder is removed with a few
// tries before the test is failed for it.
func tempDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "wm-"+strings.NewReplacer("/", "-", " ", "-").Replace(t.Name())+"-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		deadline := time.Now().Add(10 * time.Second)
		for {
			err := os.RemoveAll(dir)
			if err == nil || errors.Is(err, os.ErrNotExist) {
				return
			}
			if time.Now().After(deadline) {
				t.Errorf("removing %s: %v", dir, err)
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
	})
	return dir
}
