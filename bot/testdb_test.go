package bot

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/riverqueue/river/riverdriver/riversqlite"

	"whatmatters/storage"
	"whatmatters/storage/storagetest"
)

// TestMain removes the migrated SQLite database the tests copy (see
// sqliteDB) once they are done.
func TestMain(m *testing.M) {
	code := m.Run()
	if template.dir != "" {
		_ = os.RemoveAll(template.dir)
	}
	os.Exit(code)
}

// template is a SQLite database migrated once per run of the tests: What
// Matters' tables and River's.
var template struct {
	once sync.Once
	dir  string
	path string
	err  error
}

// makeTemplate migrates the template database, then closes it so that its
// file holds everything (no write-ahead log left beside it).
func makeTemplate() (err error) {
	template.dir, err = os.MkdirTemp("", "whatmatters-bot-test-")
	if err != nil {
		return err
	}
	template.path = filepath.Join(template.dir, "template.db")
	ctx := context.Background()
	db, err := storage.Open(ctx, "sqlite:"+template.path, slog.New(slog.DiscardHandler))
	if err != nil {
		return err
	}
	if _, err := db.Migrate(ctx); err != nil {
		db.Close()
		return err
	}
	if err := MigrateJobs(ctx, riversqlite.New(db.SQL()), nil); err != nil {
		db.Close()
		return err
	}
	return db.Close()
}

// sqliteDB returns a fresh SQLite database of the test's own, closed when
// the test ends: a copy of one migrated once per run, used through one
// connection. It is what storagetest.SQLite gives, and River's tables too,
// without applying every migration again for each test: on SQLite under the
// race detector that took seconds of CPU a test, most of this package's
// work.
func sqliteDB(t testing.TB) *storage.DB {
	t.Helper()
	template.once.Do(func() { template.err = makeTemplate() })
	if template.err != nil {
		t.Fatalf("migrating the template SQLite database: %v", template.err)
	}
	path := filepath.Join(t.TempDir(), "whatmatters.db")
	if err := copyFile(template.path, path); err != nil {
		t.Fatal(err)
	}
	db, err := storage.Open(context.Background(), "sqlite:"+path, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	// One connection, as serve runs SQLite: writers queue for it rather
	// than wait in SQLite's busy handler, whose 5 s a loaded machine can
	// outlast (SQLITE_BUSY, and a test failed for no fault of the bot's).
	db.SQL().SetMaxOpenConns(1)
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("closing the test database: %v", err)
		}
	})
	if pending, err := db.Pending(context.Background()); err != nil || pending {
		t.Fatalf("the copied database has migrations pending (%v, %v)", pending, err)
	}
	return db
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return fmt.Errorf("copying the template database: %w", err)
	}
	return out.Close()
}

// eachDB is storagetest.Each with the SQLite database from sqliteDB: fn
// runs as the subtest "sqlite", then as "postgres" (on a fresh PostgreSQL
// database, skipped without a server; see storagetest.Postgres).
func eachDB(t *testing.T, fn func(t *testing.T, db *storage.DB)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) {
		t.Helper()
		fn(t, sqliteDB(t))
	})
	t.Run("postgres", func(t *testing.T) {
		t.Helper()
		fn(t, storagetest.Postgres(t))
	})
}
