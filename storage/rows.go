package storage

import (
	"database/sql"
	"fmt"

	"whatmatters/flows"
)

// rowScanner is what *sql.Row and *sql.Rows share.
type rowScanner interface {
	Scan(dest ...any) error
}

// collect scans every row with scan, then closes rows.
func collect[T any](rows *sql.Rows, doing string, scan func(rowScanner) (T, error)) ([]T, error) {
	return collectSized(rows, doing, scan, 0)
}

// collectSized is collect for a result whose length is known about in
// advance (size), so that a long listing is not copied as it grows.
func collectSized[T any](rows *sql.Rows, doing string, scan func(rowScanner) (T, error), size int) ([]T, error) {
	defer rows.Close()
	out := make([]T, 0, size)
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, wrap(doing, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, wrap(doing, err)
	}
	return out, nil
}

// changedOne returns flows.ErrNotFound when a statement changed no row.
func changedOne(doing string, res sql.Result, err error) error {
	if err != nil {
		return wrap(doing, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return wrap(doing, err)
	}
	if n == 0 {
		return fmt.Errorf("%s: %w", doing, flows.ErrNotFound)
	}
	return nil
}
