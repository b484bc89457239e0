// Package storagetest gives tests fresh, migrated databases: SQLite always,
// PostgreSQL when WHATMATTERS_TEST_DATABASE_URL names a server to create
// databases on.
package storagetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

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

// TempDir is t.TempDir for a folder that holds a SQLite database. When a
// test ends, database/sql may still be finishing a connection it began
// opening in the background before the pool closed, and SQLite makes and
// removes its -wal and -shm files as it does; a single RemoveAll then meets
// a file made after it read the folder ("directory not empty", seen under
// CI beside other load). So the folder is removed with a few tries, for up
// to 10 s, before the test is failed for it.
func TempDir(t testing.TB) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "wm-test-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		deadline := time.Now().Add(10 * time.Second)
		for {
			err := os.RemoveAll(dir)
			if err == nil {
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

// SQLite returns a fresh, migrated SQLite database in TempDir, closed
// when the test ends: a copy of one migrated once for the test binary
// (applying every migration again for each test took 40 ms, 430 ms under
// the race detector, and most tests ask for one).
func SQLite(t testing.TB) *storage.DB {
	t.Helper()
	data, err := sqliteTemplate()
	if err != nil {
		t.Fatalf("migrating the template SQLite database: %v", err)
	}
	path := filepath.Join(TempDir(t), "whatmatters.db")
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

// SQLiteURL returns the DATABASE_URL of a SQLite file in TempDir that
// does not exist yet.
func SQLiteURL(t testing.TB) string {
	t.Helper()
	return "sqlite:" + filepath.Join(TempDir(t), "whatmatters.db")
}

// Postgres returns a fresh, migrated PostgreSQL database of its own, closed
// and dropped when the test ends: a copy of a template database migrated
// once for the current migrations (see pgTemplate). Without
// WHATMATTERS_TEST_DATABASE_URL it skips the test, or fails it when
// CI=true.
func Postgres(t testing.TB) *storage.DB {
	t.Helper()
	server := serverURL(t)
	for attempt := 0; ; attempt++ {
		tpl, err := pgTemplate(server)
		if err != nil {
			t.Fatalf("migrating the template PostgreSQL database: %v", err)
		}
		u, err := newDatabase(t, server, tpl)
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && pgErr.Code == "3D000" && attempt == 0 {
			// The template was dropped by a run with other migrations
			// (see buildTemplate): make it again.
			forgetTemplate(server)
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		return open(t, u)
	}
}

// PostgresURL creates an empty PostgreSQL database, dropped when the test
// ends, and returns its URL. Without WHATMATTERS_TEST_DATABASE_URL it skips
// the test, or fails it when CI=true.
func PostgresURL(t testing.TB) string {
	t.Helper()
	u, err := newDatabase(t, serverURL(t), "")
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// serverURL returns WHATMATTERS_TEST_DATABASE_URL, skipping the test (or
// failing it on CI) when it is unset.
func serverURL(t testing.TB) string {
	t.Helper()
	server := os.Getenv(EnvDatabaseURL)
	if server == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("PostgreSQL tests must run on CI: set %s to a server the tests may create databases on (e.g. postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable)", EnvDatabaseURL)
		}
		t.Skipf("PostgreSQL tests skipped: set %s (e.g. postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable)", EnvDatabaseURL)
	}
	if _, err := url.Parse(server); err != nil {
		t.Fatalf("%s cannot be parsed as a URL", EnvDatabaseURL)
	}
	return server
}

// newDatabase creates a database of its own on the server, a copy of
// template when one is named, dropped when the test ends, and returns its
// URL.
func newDatabase(t testing.TB, server, template string) (string, error) {
	t.Helper()
	name := "wm_" + randomHex() // safe as an identifier unquoted
	statement := "CREATE DATABASE " + name
	if template != "" {
		statement += " TEMPLATE " + template
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := connect(ctx, server)
	if err != nil {
		return "", err
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, statement); err != nil {
		return "", fmt.Errorf("%s: %w", statement, err)
	}
	t.Cleanup(func() { admin(t, server, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)") })
	return databaseURL(server, name), nil
}

// forgetTemplate makes the next pgTemplate for the server look again.
func forgetTemplate(server string) {
	pgTemplates.Lock()
	defer pgTemplates.Unlock()
	delete(pgTemplates.name, server)
}

func randomHex() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func databaseURL(server, name string) string {
	u, _ := url.Parse(server) // checked by serverURL
	u.Path = "/" + name
	return u.String()
}

// pgTemplates holds, per server, the template database this test binary
// copies its PostgreSQL databases from.
var pgTemplates struct {
	sync.Mutex
	name map[string]string
}

// pgTemplate returns the name of a database on the server migrated to the
// current migrations, made once and kept: applying every migration took
// about 650 ms a test under the race detector, copying a template 70 ms.
//
// Its name holds a digest of the migrations (wm_tpl_<digest>), so every
// test binary, and every later run with the same migrations, shares it,
// and a change to any migration makes a new one; templates of other
// migrations are dropped when a new one is made. It is built under a name
// of its own and renamed into place only once migrated and closed, so no
// test ever copies a half-migrated database or one with a connection open
// (which CREATE DATABASE … TEMPLATE refuses).
func pgTemplate(server string) (string, error) {
	pgTemplates.Lock()
	defer pgTemplates.Unlock()
	if name := pgTemplates.name[server]; name != "" {
		return name, nil
	}
	name := "wm_tpl_" + storage.MigrationsDigest()[:16]
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	conn, err := connect(ctx, server)
	if err != nil {
		return "", err
	}
	defer conn.Close(ctx)
	exists, err := databaseExists(ctx, conn, name)
	if err != nil {
		return "", err
	}
	if !exists {
		if err := buildTemplate(ctx, conn, server, name); err != nil {
			return "", err
		}
	}
	if pgTemplates.name == nil {
		pgTemplates.name = map[string]string{}
	}
	pgTemplates.name[server] = name
	return name, nil
}

// buildTemplate migrates a database under a name of its own and renames it
// to name; when another test binary got there first, its own is dropped.
// Templates of earlier migrations are dropped.
func buildTemplate(ctx context.Context, conn *pgx.Conn, server, name string) error {
	build := "wm_tplbuild_" + randomHex()
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+build); err != nil {
		return err
	}
	drop := func(db string) { _, _ = conn.Exec(ctx, "DROP DATABASE IF EXISTS "+db+" WITH (FORCE)") }
	db, err := storage.Open(ctx, databaseURL(server, build), slog.New(slog.DiscardHandler))
	if err != nil {
		drop(build)
		return err
	}
	_, err = db.Migrate(ctx)
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		drop(build)
		return err
	}
	if _, err := conn.Exec(ctx, "ALTER DATABASE "+build+" RENAME TO "+name); err != nil {
		drop(build)
		if exists, qerr := databaseExists(ctx, conn, name); qerr == nil && exists {
			return nil // another test binary made it meanwhile
		}
		return err
	}
	rows, err := conn.Query(ctx, "SELECT datname FROM pg_database WHERE datname LIKE 'wm\\_tpl\\_%' AND datname <> $1", name)
	if err != nil {
		return nil // the template is there; old ones stay
	}
	old, _ := pgx.CollectRows(rows, pgx.RowTo[string])
	for _, o := range old {
		drop(o)
	}
	return nil
}

// databaseExists reports whether the server has a database of that name.
func databaseExists(ctx context.Context, conn *pgx.Conn, name string) (bool, error) {
	var exists bool
	err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists)
	return exists, err
}

// connect connects to the server's own database.
func connect(ctx context.Context, server string) (*pgx.Conn, error) {
	conn, err := pgx.Connect(ctx, server)
	if err != nil {
		return nil, fmt.Errorf("connecting to %s: %w", storage.Redact(server), err)
	}
	return conn, nil
}

// admin runs one statement on the server's own database.
func admin(t testing.TB, server, statement string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := connect(ctx, server)
	if err != nil {
		t.Fatal(err)
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
