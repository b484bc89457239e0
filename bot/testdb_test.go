package bot

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"

	"whatmatters/storage"
	"whatmatters/storage/storagetest"
)

// TestMain removes the migrated databases the tests copy (see sqliteDB
// and postgresDB) once they are done.
func TestMain(m *testing.M) {
	code := m.Run()
	if template.dir != "" {
		_ = os.RemoveAll(template.dir)
	}
	if pgTemplate.name != "" {
		_ = pgAdmin(pgTemplate.server, "DROP DATABASE IF EXISTS "+pgTemplate.name+" WITH (FORCE)")
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
	path := filepath.Join(storagetest.TempDir(t), "whatmatters.db")
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

// pgTemplate is a PostgreSQL database migrated once per run of the tests
// (What Matters' tables and River's), on the server
// WHATMATTERS_TEST_DATABASE_URL names, from which each test's database is
// created.
var pgTemplate struct {
	once   sync.Once
	server string
	name   string
	err    error
}

// makePGTemplate creates and migrates the template database, then closes
// it: PostgreSQL copies a template only while no one is connected to it.
func makePGTemplate(server string) error {
	pgTemplate.server = server
	name := pgName()
	if err := pgAdmin(server, "CREATE DATABASE "+name); err != nil {
		return err
	}
	pgTemplate.name = name
	ctx := context.Background()
	db, err := storage.Open(ctx, pgURL(server, name), slog.New(slog.DiscardHandler))
	if err != nil {
		return err
	}
	if _, err := db.Migrate(ctx); err != nil {
		db.Close()
		return err
	}
	if err := MigrateJobs(ctx, riverpgxv5.New(db.Pool()), nil); err != nil {
		db.Close()
		return err
	}
	return db.Close()
}

// postgresDB returns a fresh PostgreSQL database of the test's own, closed
// and dropped when the test ends: created from a template migrated once per
// run, rather than migrated again for each test as storagetest.Postgres
// does (goose parsing every migration under the race detector, and the
// server applying them, for every test). Without
// WHATMATTERS_TEST_DATABASE_URL it is storagetest.Postgres: the test is
// skipped, or fails on CI.
func postgresDB(t testing.TB) *storage.DB {
	t.Helper()
	server := os.Getenv(storagetest.EnvDatabaseURL)
	if server == "" {
		return storagetest.Postgres(t)
	}
	pgTemplate.once.Do(func() { pgTemplate.err = makePGTemplate(server) })
	if pgTemplate.err != nil {
		t.Fatalf("migrating the template PostgreSQL database: %v", pgTemplate.err)
	}
	name := pgName()
	if err := pgAdmin(server, "CREATE DATABASE "+name+" TEMPLATE "+pgTemplate.name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := pgAdmin(server, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Error(err)
		}
	})
	db, err := storage.Open(context.Background(), pgURL(server, name), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("closing the test database: %v", err)
		}
	})
	if pending, err := db.Pending(context.Background()); err != nil || pending {
		t.Fatalf("the database made from the template has migrations pending (%v, %v)", pending, err)
	}
	return db
}

// pgName is a new database name, safe as an identifier unquoted.
func pgName() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return "wm_" + hex.EncodeToString(b[:])
}

// pgURL is the server's URL naming the database name instead.
func pgURL(server, name string) string {
	u, err := url.Parse(server)
	if err != nil {
		return server
	}
	u.Path = "/" + name
	return u.String()
}

// pgAdmin runs one statement on the server's own database. The bound is a
// hang guard: CREATE DATABASE waits for nothing else of the tests'.
func pgAdmin(server, statement string) error {
	ctx, cancel := context.WithTimeout(context.Background(), hangGuard)
	defer cancel()
	conn, err := pgx.Connect(ctx, server)
	if err != nil {
		return fmt.Errorf("connecting to %s: %w", storage.Redact(server), err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, statement); err != nil {
		return fmt.Errorf("%s: %w", statement, err)
	}
	return nil
}

// eachDB is storagetest.Each on the databases sqliteDB and postgresDB
// give: fn runs as the subtest "sqlite", then as "postgres" (skipped
// without a server, or failed on CI; see storagetest.Postgres).
func eachDB(t *testing.T, fn func(t *testing.T, db *storage.DB)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) {
		t.Helper()
		fn(t, sqliteDB(t))
	})
	t.Run("postgres", func(t *testing.T) {
		t.Helper()
		fn(t, postgresDB(t))
	})
}
