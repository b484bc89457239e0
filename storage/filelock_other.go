//go:build !unix

package storage

import "context"

// lockFile takes no lock where flock(2) is missing: migrations of one SQLite
// file then take turns within a process only (Migrate's mutex).
func lockFile(context.Context, string) (func(), error) { return func() {}, nil }
