package storage_test

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"whatmatters/flows"
	"whatmatters/storage"
	"whatmatters/storage/storagetest"
)

// openErr opens databaseURL, expecting an error, and checks it is one line that
// starts with want and never shows a password. It returns the message.
func openErr(t *testing.T, databaseURL, want string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	db, err := storage.Open(ctx, databaseURL, nil)
	if err == nil {
		db.Close()
		t.Fatalf("Open(%q) succeeded", databaseURL)
	}
	msg := err.Error()
	if !strings.HasPrefix(msg, want) {
		t.Errorf("Open error = %q, want it to start with %q", msg, want)
	}
	if strings.Contains(msg, "\n") {
		t.Errorf("Open error spans lines: %q", msg)
	}
	if strings.Contains(msg, "s3cret") {
		t.Errorf("Open error shows the password: %q", msg)
	}
	return msg
}

func TestOpenFailures(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	notDB := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(notDB, []byte("this is not a database, just some text that is long enough to have a header"), 0o600); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "nope", "x.db")

	openErr(t, "mysql://u:s3cret@db/wm", `database: unsupported database URL scheme "mysql"; want postgres://…`)
	msg := openErr(t, "sqlite:"+missing, fmt.Sprintf("database: cannot open sqlite file %q: ", missing))
	if want := fmt.Sprintf("folder %q does not exist (", filepath.Dir(missing)); !strings.Contains(msg, want) {
		t.Errorf("Open error = %q, want it to say %q", msg, want)
	}
	if _, err := os.Stat(filepath.Dir(missing)); err == nil {
		t.Errorf("Open created the missing folder")
	}
	msg = openErr(t, "sqlite:"+dir, fmt.Sprintf("database: cannot open sqlite file %q: ", dir))
	if want := "it is a folder, not a file ("; !strings.Contains(msg, want) {
		t.Errorf("Open error = %q, want it to say %q", msg, want)
	}
	openErr(t, "sqlite:"+notDB, fmt.Sprintf("database: cannot open sqlite file %q: ", notDB))
	// Nothing listens on port 1.
	openErr(t, "postgres://u:s3cret@127.0.0.1:1/wm?sslmode=disable", "database: cannot connect to postgres://xxxxx@127.0.0.1:1/wm?sslmode=disable: ")
	openErr(t, "postgres://u:s3cret@localhost:1/wm?sslmode=disable&connect_timeout=5", "database: cannot connect to postgres://xxxxx@localhost:1/wm")
	openErr(t, "postgres://u:s3cret@127.0.0.1:1/wm?sslmode=bogus", "database: invalid postgres URL: ")

	if os.Geteuid() != 0 { // root reads any file
		locked := filepath.Join(dir, "locked.db")
		if err := os.WriteFile(locked, nil, 0o000); err != nil {
			t.Fatal(err)
		}
		openErr(t, "sqlite:"+locked, fmt.Sprintf("database: cannot open sqlite file %q: ", locked))
	}
}

func TestOpenPostgresUnknownDatabase(t *testing.T) {
	t.Parallel()
	u, err := url.Parse(storagetest.PostgresURL(t))
	if err != nil {
		t.Fatal(err)
	}
	u.Path += "_missing"
	openErr(t, u.String(), "database: cannot connect to ")
}

func TestOpenSQLiteOddPath(t *testing.T) {
	t.Parallel()
	// Characters that mean something in a URI stay part of the file name.
	path := filepath.Join(t.TempDir(), "odd ?name#100%.db")
	db, err := storage.Open(t.Context(), "sqlite:"+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Errorf("the database is not at %q: %v", path, err)
	}
}

func TestOpenSQLiteRelativePath(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	db, err := storage.Open(t.Context(), "sqlite:whatmatters.db", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "whatmatters.db")); err != nil {
		t.Errorf("the database is not in the working directory: %v", err)
	}
}

// TestSQLiteSettings checks that every pooled connection has the settings.
func TestSQLiteSettings(t *testing.T) {
	t.Parallel()
	db := storagetest.SQLite(t)
	ctx := t.Context()
	const conns = 3
	for i := range conns {
		// Hold each connection so that the next one is new.
		c, err := db.SQL().Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		var journal string
		var busy, fk int
		if err := c.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&journal); err != nil {
			t.Fatal(err)
		}
		if err := c.QueryRowContext(ctx, "PRAGMA busy_timeout").Scan(&busy); err != nil {
			t.Fatal(err)
		}
		if err := c.QueryRowContext(ctx, "PRAGMA foreign_keys").Scan(&fk); err != nil {
			t.Fatal(err)
		}
		if journal != "wal" || busy != 5000 || fk != 1 {
			t.Errorf("connection %d: journal_mode %s, busy_timeout %d, foreign_keys %d; want wal, 5000, 1", i, journal, busy, fk)
		}
	}
}

// concurrentWrites runs writers goroutines each doing steps transactions that
// read and then write: with a deferred BEGIN on SQLite, such transactions fail
// with SQLITE_BUSY instead of waiting.
func concurrentWrites(t *testing.T, db *storage.DB, writers, steps int) {
	t.Helper()
	ctx := t.Context()
	if _, err := db.EnsureTeam(ctx, flows.Team{ID: "T1"}); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, writers*steps)
	for w := range writers {
		wg.Go(func() {
			for i := range steps {
				err := db.InTx(ctx, func(s flows.Store) error {
					if _, err := s.ListCases(ctx, "T1"); err != nil {
						return err
					}
					_, err := s.CreateCase(ctx, flows.Case{TeamID: "T1", Label: fmt.Sprintf("case %d-%d", w, i)})
					return err
				})
				if err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	cases, err := db.ListCases(ctx, "T1")
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) != writers*steps {
		t.Errorf("%d cases, want %d", len(cases), writers*steps)
	}
}

func TestSQLiteConcurrentTransactions(t *testing.T) {
	t.Parallel()
	concurrentWrites(t, storagetest.SQLite(t), 8, 25)
}

func TestSQLiteMemory(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	db, err := storage.Open(ctx, "sqlite::memory:", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	applied, err := db.Migrate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(applied) == 0 {
		t.Fatal("no migrations applied to a new database")
	}
	concurrentWrites(t, db, 8, 25)

	// A second memory database is another database.
	other, err := storage.Open(ctx, "sqlite::memory:", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if _, err := other.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := other.GetTeam(ctx, "T1"); !errors.Is(err, flows.ErrNotFound) {
		t.Errorf("the second memory database sees the first's team: %v", err)
	}
}

// readOnly makes path (a file or a folder) unwritable, even for root where
// the file system allows (chattr +i), until the test ends; it skips the
// test when that cannot be done.
func readOnly(t *testing.T, path string) {
	t.Helper()
	if os.Geteuid() != 0 {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		mode := os.FileMode(0o444)
		if fi.IsDir() {
			mode = 0o555
		}
		if err := os.Chmod(path, mode); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.Chmod(path, fi.Mode().Perm()) })
		return
	}
	if out, err := exec.Command("chattr", "+i", path).CombinedOutput(); err != nil {
		t.Skipf("running as root and chattr +i %s failed (%v: %s): cannot make it unwritable", path, err, out)
	}
	t.Cleanup(func() { exec.Command("chattr", "-i", path).Run() })
}

// An unwritable SQLite path says why, in one line.
func TestOpenSQLiteUnwritableSaysWhy(t *testing.T) {
	t.Parallel()
	ctx := t.Context()

	// A database whose file may not be written.
	dir := t.TempDir()
	file := filepath.Join(dir, "ro.db")
	db, err := storage.Open(ctx, "sqlite:"+file, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	db.Close()
	readOnly(t, file)
	openErr(t, "sqlite:"+file, fmt.Sprintf("database: cannot open sqlite file %q: permission denied writing %q (", file, file))

	// A new database in a folder that may not be written.
	locked := filepath.Join(t.TempDir(), "locked")
	if err := os.Mkdir(locked, 0o755); err != nil {
		t.Fatal(err)
	}
	readOnly(t, locked)
	fresh := filepath.Join(locked, "new.db")
	openErr(t, "sqlite:"+fresh, fmt.Sprintf("database: cannot open sqlite file %q: permission denied creating \"new.db\" in folder %q", fresh, locked))
	if _, err := os.Stat(fresh); err == nil {
		t.Error("the database was created")
	}
}

// OpenExisting creates nothing and opens only a migrated database.
func TestOpenExisting(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	dir := t.TempDir()
	noDatabase := func(databaseURL, want string) {
		t.Helper()
		db, err := storage.OpenExisting(ctx, databaseURL, nil)
		if err == nil {
			db.Close()
			t.Fatalf("OpenExisting(%q) succeeded", databaseURL)
		}
		if !errors.Is(err, storage.ErrNoDatabase) {
			t.Errorf("OpenExisting(%q) = %v, want ErrNoDatabase", databaseURL, err)
		}
		if err.Error() != want {
			t.Errorf("OpenExisting(%q) = %q, want %q", databaseURL, err, want)
		}
	}

	missing := filepath.Join(dir, "missing.db")
	noDatabase("sqlite:"+missing, fmt.Sprintf("database: there is no SQLite file %q", missing))
	inMissingFolder := filepath.Join(dir, "nope", "x.db")
	noDatabase("sqlite:"+inMissingFolder, fmt.Sprintf("database: there is no SQLite file %q (folder %q does not exist)", inMissingFolder, filepath.Dir(inMissingFolder)))
	noDatabase("sqlite::memory:", "database: sqlite::memory: is a new, empty database every time")
	empty := filepath.Join(dir, "empty.db")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	noDatabase("sqlite:"+empty, fmt.Sprintf("database: the SQLite file %q holds no What Matters tables (it was never migrated)", empty))
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Name() != "empty.db" && !strings.HasPrefix(e.Name(), "empty.db-") {
			t.Errorf("OpenExisting created %s", e.Name())
		}
	}

	url := storagetest.SQLiteURL(t)
	db, err := storage.Open(ctx, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	db.Close()
	db, err = storage.OpenExisting(ctx, url, nil)
	if err != nil {
		t.Fatalf("OpenExisting of a migrated database: %v", err)
	}
	db.Close()
}

func TestOpenExistingPostgres(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	url := storagetest.PostgresURL(t)
	db, err := storage.OpenExisting(ctx, url, nil)
	if err == nil {
		db.Close()
		t.Fatal("OpenExisting of a database never migrated succeeded")
	}
	if !errors.Is(err, storage.ErrNoDatabase) || !strings.Contains(err.Error(), "holds no What Matters tables") {
		t.Errorf("OpenExisting = %v", err)
	}
	db, err = storage.Open(ctx, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	db.Close()
	db, err = storage.OpenExisting(ctx, url, nil)
	if err != nil {
		t.Fatalf("OpenExisting of a migrated database: %v", err)
	}
	db.Close()
}
