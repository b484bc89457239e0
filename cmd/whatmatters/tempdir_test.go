package main

import (
	"testing"

	"whatmatters/storage/storagetest"
)

// tempDir is a folder for a test that keeps a SQLite database in it,
// removed with a few tries when the test ends (storagetest.TempDir says
// why).
func tempDir(t *testing.T) string {
	t.Helper()
	return storagetest.TempDir(t)
}
