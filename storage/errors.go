package storage

import (
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"whatmatters/flows"
)

// errText explains every flows.ErrInvalid about text.
var errText = fmt.Errorf("%w: text must be valid UTF-8 without NUL bytes", flows.ErrInvalid)

// checkText returns an error wrapping flows.ErrInvalid if any of ss is not
// valid UTF-8 or holds a NUL byte. PostgreSQL refuses both in text columns;
// checking here makes SQLite refuse them too, so the dialects agree. The
// message never repeats the text.
func checkText(doing string, ss ...string) error {
	for _, s := range ss {
		if !utf8.ValidString(s) || strings.IndexByte(s, 0) >= 0 {
			return fmt.Errorf("%s: %w", doing, errText)
		}
	}
	return nil
}

// required returns an error wrapping flows.ErrInvalid if s is empty.
func required(doing, what, s string) error {
	if s == "" {
		return fmt.Errorf("%s: %w: %s is empty", doing, flows.ErrInvalid, what)
	}
	return nil
}

// constraint is the kind of integrity rule a database error broke.
type constraint int

const (
	noConstraint constraint = iota
	uniqueConstraint
	foreignKeyConstraint
	checkConstraint
)

// brokenConstraint tells which rule err broke, in either dialect's terms.
func brokenConstraint(err error) constraint {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case "23505":
			return uniqueConstraint
		case "23503":
			return foreignKeyConstraint
		case "23514":
			return checkConstraint
		}
		return noConstraint
	}
	var sqliteErr *sqlite.Error
	if errors.As(err, &sqliteErr) {
		switch sqliteErr.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return uniqueConstraint
		case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
			return foreignKeyConstraint
		case sqlite3.SQLITE_CONSTRAINT_CHECK:
			return checkConstraint
		}
	}
	return noConstraint
}

// wrap says what was being done when err happened, and maps it to flows'
// sentinels: a missing row to ErrNotFound, a broken uniqueness rule to
// ErrConflict, a reference to a missing record to ErrNotFound and a broken
// check to ErrInvalid. The driver's error stays in the chain for the log;
// neither driver puts column values in its message.
func wrap(doing string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("%s: %w", doing, flows.ErrNotFound)
	}
	switch brokenConstraint(err) {
	case uniqueConstraint:
		return fmt.Errorf("%s: %w: %w", doing, flows.ErrConflict, err)
	case foreignKeyConstraint:
		return fmt.Errorf("%s: %w: a record it refers to is missing: %w", doing, flows.ErrNotFound, err)
	case checkConstraint:
		return fmt.Errorf("%s: %w: %w", doing, flows.ErrInvalid, err)
	}
	return fmt.Errorf("%s: %w", doing, err)
}
