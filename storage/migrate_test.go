package storage_test

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"whatmatters/storage"
	"whatmatters/storage/storagetest"
)

func TestMigrate(t *testing.T) {
	t.Parallel()
	urls := map[string]func(testing.TB) string{
		"sqlite":   storagetest.SQLiteURL,
		"postgres": storagetest.PostgresURL,
	}
	for _, name := range []string{"sqlite", "postgres"} {
		t.Run(name, func(t *testing.T) {
			ctx := t.Context()
			db, err := storage.Open(ctx, urls[name](t), nil)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()

			pending, err := db.Pending(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if !pending {
				t.Error("a new database has no pending migrations")
			}
			applied, err := db.Migrate(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(migrationVersions(t, name), applied); diff != "" {
				t.Errorf("first Migrate applied (-want +got):\n%s", diff)
			}
			applied, err = db.Migrate(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(applied) != 0 {
				t.Errorf("second Migrate applied %v, want nothing", applied)
			}
			pending, err = db.Pending(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if pending {
				t.Error("pending migrations after Migrate")
			}
		})
	}
}

// TestSchemasAgree checks that both dialects have the same tables and
// columns, in the same order.
func TestSchemasAgree(t *testing.T) {
	t.Parallel()
	columns := func(t *testing.T, db *storage.DB, query string) map[string][]string {
		t.Helper()
		rows, err := db.SQL().QueryContext(t.Context(), query)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		out := map[string][]string{}
		for rows.Next() {
			var table, column string
			if err := rows.Scan(&table, &column); err != nil {
				t.Fatal(err)
			}
			out[table] = append(out[table], column)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		return out
	}
	lite := columns(t, storagetest.SQLite(t), `
		SELECT m.name, p.name FROM sqlite_schema m, pragma_table_info(m.name) p
		WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name <> 'goose_db_version'
		ORDER BY m.name, p.cid`)
	pg := columns(t, storagetest.Postgres(t), `
		SELECT table_name, column_name FROM information_schema.columns
		WHERE table_schema = 'public' AND table_name <> 'goose_db_version'
		ORDER BY table_name, ordinal_position`)
	if diff := cmp.Diff(pg, lite); diff != "" {
		t.Errorf("schemas differ (-postgres +sqlite):\n%s", diff)
	}
}

// TestMigrateConcurrently starts several instances on one new database at
// once: each migrates, and the schema is applied exactly once.
func TestMigrateConcurrently(t *testing.T) {
	t.Parallel()
	urls := map[string]func(testing.TB) string{
		"sqlite":   storagetest.SQLiteURL,
		"postgres": storagetest.PostgresURL,
	}
	for _, name := range []string{"sqlite", "postgres"} {
		t.Run(name, func(t *testing.T) {
			ctx := t.Context()
			databaseURL := urls[name](t)
			const instances = 3
			var (
				wg    sync.WaitGroup
				mu    sync.Mutex
				total []int64
			)
			for range instances {
				db, err := storage.Open(ctx, databaseURL, nil)
				if err != nil {
					t.Fatal(err)
				}
				defer db.Close()
				wg.Go(func() {
					applied, err := db.Migrate(ctx)
					if err != nil {
						t.Error(err)
					}
					mu.Lock()
					total = append(total, applied...)
					mu.Unlock()
				})
			}
			wg.Wait()
			slices.Sort(total)
			if diff := cmp.Diff(migrationVersions(t, name), total); diff != "" {
				t.Errorf("versions applied by all instances (-want +got):\n%s", diff)
			}
		})
	}
}

// migrationVersions lists the versions of a dialect's migration files, in
// order, as Migrate should apply them to a new database.
func migrationVersions(t *testing.T, dialect string) []int64 {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join("migrations", dialect))
	if err != nil {
		t.Fatal(err)
	}
	var versions []int64
	for _, e := range entries {
		prefix, _, ok := strings.Cut(e.Name(), "_")
		if !ok || !strings.HasSuffix(e.Name(), ".sql") {
			continue
		}
		v, err := strconv.ParseInt(prefix, 10, 64)
		if err != nil {
			t.Fatalf("migration %s: %v", e.Name(), err)
		}
		versions = append(versions, v)
	}
	if len(versions) == 0 {
		t.Fatalf("no migrations for %s", dialect)
	}
	return versions
}
