package storage

import "context"

// MigrateTo applies the migrations up to and including version, for tests
// of what a migration does to rows written before it.
func (db *DB) MigrateTo(ctx context.Context, version int64) error {
	p, err := db.provider()
	if err != nil {
		return err
	}
	_, err = p.UpTo(ctx, version)
	return err
}
