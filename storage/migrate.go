package storage

import (
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"path/filepath"
	"sync"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

// migrations holds the schema, one folder per dialect, each numbered the
// same. A change to the schema is a new file in both.
//
//go:embed migrations/postgres/*.sql migrations/sqlite/*.sql
var migrations embed.FS

// provider returns a goose provider for this database's migrations. On
// PostgreSQL it takes an advisory lock while migrating, so that several
// instances starting at once migrate one after another. SQLite has no such
// lock; see Migrate.
func (db *DB) provider() (*goose.Provider, error) {
	fsys, err := fs.Sub(migrations, "migrations/"+string(db.dialect))
	if err != nil {
		return nil, err
	}
	opts := []goose.ProviderOption{
		goose.WithDisableGlobalRegistry(true),
		goose.WithSlog(db.log),
	}
	if db.dialect == Postgres {
		// Retry every second for up to five minutes.
		locker, err := lock.NewPostgresSessionLocker(lock.WithLockTimeout(1, 300))
		if err != nil {
			return nil, err
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	return goose.NewProvider(db.dialect.goose(), db.sql, fsys, opts...)
}

// sqliteMigrations serialises migrations of one SQLite file within this
// process, by the file's absolute path.
var sqliteMigrations sync.Map // string -> *sync.Mutex

// Migrate applies every pending migration and returns the versions it
// applied, none if the schema was up to date. Several instances may migrate
// one database at once: they take turns (on PostgreSQL by goose's advisory
// lock; on SQLite by a lock file beside the database, FILE-migrate.lock).
func (db *DB) Migrate(ctx context.Context) ([]int64, error) {
	if db.dialect == SQLite && db.path != memoryPath {
		key, err := filepath.Abs(db.path)
		if err != nil {
			key = db.path
		}
		mu, _ := sqliteMigrations.LoadOrStore(key, new(sync.Mutex))
		mu.(*sync.Mutex).Lock()
		defer mu.(*sync.Mutex).Unlock()
	}
	return db.migrate(ctx)
}

func (db *DB) migrate(ctx context.Context) ([]int64, error) {
	if db.dialect == SQLite && db.path != memoryPath {
		// Across processes (and handles), one migrates at a time: goose
		// takes no lock on SQLite, and two handles reading the same
		// version would both apply the next migration.
		unlock, err := lockFile(ctx, db.path+"-migrate.lock")
		if err != nil {
			return nil, fmt.Errorf("migrating the database: %w", err)
		}
		defer unlock()
	}
	p, err := db.provider()
	if err != nil {
		return nil, fmt.Errorf("migrating the database: %w", err)
	}
	results, err := p.Up(ctx)
	if err != nil && db.dialect == SQLite {
		// Another process may have applied the same migration between
		// goose's check and its transaction. If nothing is pending now,
		// the schema is as it should be.
		if pending, pendErr := p.HasPending(ctx); pendErr == nil && !pending {
			return nil, nil
		}
	}
	if err != nil {
		return nil, fmt.Errorf("migrating the database: %w", err)
	}
	var applied []int64
	for _, r := range results {
		applied = append(applied, r.Source.Version)
	}
	if len(applied) > 0 {
		db.log.InfoContext(ctx, "database migrated", "dialect", db.dialect, "versions", applied)
	}
	return applied, nil
}

// Pending reports whether any migration is still to be applied.
func (db *DB) Pending(ctx context.Context) (bool, error) {
	p, err := db.provider()
	if err != nil {
		return false, fmt.Errorf("checking for pending migrations: %w", err)
	}
	pending, err := p.HasPending(ctx)
	if err != nil {
		return false, fmt.Errorf("checking for pending migrations: %w", err)
	}
	return pending, nil
}

// MigrationsDigest is a hex SHA-256 digest of every migration this build
// carries, names and contents: two builds with the same digest make the
// same schema. Tests name the template databases they copy by it.
func MigrationsDigest() string {
	h := sha256.New()
	_ = fs.WalkDir(migrations, "migrations", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := migrations.ReadFile(path)
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "%s\x00%d\x00", path, len(data))
		h.Write(data)
		return nil
	})
	return hex.EncodeToString(h.Sum(nil))
}
