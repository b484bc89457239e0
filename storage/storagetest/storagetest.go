// Package storagetest gives tests fresh, migrated databases: SQLite always,
// PostgreSQL when WHATMATTERS_TEST_DATABASE_URL names a server to create
// databases on.
package storagetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"whatmatters/storage"
)

// EnvDatabaseURL names the environment variable holding the PostgreSQL
// server tests may create databases on.
const EnvDatabaseURL = "WHATMATTERS_TEST_DATABASE_URL"

// Each runs fn as the subtest "sqlite" with a fresh SQLite database, then as
// the subtest "postgres" with a fresh PostgreSQL database (skipped, or failed
// on CI, when there is no server; see Postgres).
func Each(t *testing.T, fn func(t *testing.T, db *storage.DB)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) {
		t.Helper()
		fn(t, SQLite(t))
	})
	t.Run("postgres", func(t *testing.T) {
		t.Helper()
		fn(t, Postgres(t))
	})
}

// SQLite returns a fresh, migrated SQLite database in t.TempDir(), closed
// when the test ends: a copy of one migrated once for the test binary
// (applying every migration again for each test took 40 ms, 430 ms under
// the race detector, and most tests ask for one).
func SQLite(t testing.TB) *storage.DB {
	t.Helper()
	data, err := sqliteTemplate()
	if err != nil {
		t.Fatalf("migrating the template SQLite database: %v", err)
	}
	path := filepath.Join(t.TempDir(), "whatmatters.db")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return open(t, "sqlite:"+path)
}

// template is the migrated SQLite database the test binary's SQLite
// databases are copied from, held in memory.
var template struct {
	once sync.Once
	data []byte
	err  error
}

// sqliteTemplate migrates a SQLite database once, in a directory removed
// after, and returns its file's bytes.
func sqliteTemplate() ([]byte, error) {
	template.once.Do(func() {
		dir, err := os.MkdirTemp("", "whatmatters-storagetest-")
		if err != nil {
			template.err = err
			return
		}
		defer os.RemoveAll(dir)
		path := filepath.Join(dir, "template.db")
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		db, err := storage.Open(ctx, "sqlite:"+path, slog.New(slog.DiscardHandler))
		if err != nil {
			template.err = err
			return
		}
		_, err = db.Migrate(ctx)
		if cerr := db.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			template.err = err
			return
		}
		template.data, template.err = os.ReadFile(path)
	})
	return template.data, template.err
}

// SQLiteURL returns the DATABASE_URL of a SQLite file in t.TempDir() that
// does not exist yet.
func SQLiteURL(t testing.TB) string {
	t.Helper()
	return "sqlite:" + filepath.Join(t.TempDir(), "whatmatters.db")
}

// Postgres returns a fresh, migrated PostgreSQL database of its own, closed
// and dropped when the test ends. Without WHATMATTERS_TEST_DATABASE_URL it
// skips the test, or fails it when CI=true.
func Postgres(t testing.TB) *storage.DB {
	t.Helper()
	return open(t, PostgresURL(t))
}

// PostgresURL creates an empty PostgreSQL database, dropped when the test
// ends, and returns its URL. Without WHATMATTERS_TEST_DATABASE_URL it skips
// the test, or fails it when CI=true.
func PostgresURL(t testing.TB) string {
	t.Helper()
	server := os.Getenv(EnvDatabaseURL)
	if server == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("PostgreSQL tests must run on CI: set %s to a server the tests may create databases on (e.g. postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable)", EnvDatabaseURL)
		}
		t.Skipf("PostgreSQL tests skipped: set %s (e.g. postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable)", EnvDatabaseURL)
	}
	u, err := url.Parse(server)
	if err != nil {
		t.Fatalf("%s cannot be parsed as a URL", EnvDatabaseURL)
	}

	var b [8]byte
	_, _ = rand.Read(b[:])
	name := "wm_" + hex.EncodeToString(b[:]) // safe as an identifier unquoted

	admin(t, server, "CREATE DATABASE "+name)
	t.Cleanup(func() { admin(t, server, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)") })

	u.Path = "/" + name
	return u.String()
}

// admin runs one statement on the server's own database.
func admin(t testing.TB, server, statement string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, server)
	if err != nil {
		t.Fatalf("connecting to %s: %v", storage.Redact(server), err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, statement); err != nil {
		t.Fatalf("%s: %v", statement, err)
	}
}

// open opens and migrates the database, and closes it when the test ends.
func open(t testing.TB, databaseURL string) *storage.DB {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db, err := storage.Open(ctx, databaseURL, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("closing the test database: %v", err)
		}
	})
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return db
}
