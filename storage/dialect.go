package storage

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/pressly/goose/v3"
)

// Dialect names the database behind a DB.
type Dialect string

// The dialects a DB can speak.
const (
	Postgres Dialect = "postgres"
	SQLite   Dialect = "sqlite"
)

// This file holds what the SQL of the two dialects does not share. Everything
// else is written once.

// goose returns goose's name for the dialect.
func (d Dialect) goose() goose.Dialect {
	if d == Postgres {
		return goose.DialectPostgres
	}
	return goose.DialectSQLite3
}

// falseLiteral is false as a SQL literal: SQLite keeps booleans as 0 and 1.
func (d Dialect) falseLiteral() string {
	if d == Postgres {
		return "FALSE"
	}
	return "0"
}

// lockSuffix ends a SELECT that reads a row the transaction will write.
// PostgreSQL locks the row until the transaction ends. SQLite needs nothing:
// every transaction begins IMMEDIATE, taking the database's one write lock,
// so read-modify-write steps already happen one after another.
func (d Dialect) lockSuffix(inTx bool) string {
	if d == Postgres && inTx {
		return " FOR UPDATE"
	}
	return ""
}

// sqliteTime is how SQLite stores a time: TEXT, UTC, always with six
// fractional digits. Being fixed-width, the text sorts as the time does, so
// ORDER BY and < work on the column as they do on PostgreSQL's timestamptz
// (RFC 3339 with trimmed fractions does not: "…:05Z" sorts after
// "…:05.5Z"). Text rather than integer microseconds because it stays legible
// in the sqlite3 shell and SQLite's date functions read it, which digests
// grouped by day or week will want.
const sqliteTime = "2006-01-02T15:04:05.000000Z"

// storedTime is t as the database keeps it: UTC, truncated to microseconds,
// the precision of PostgreSQL's timestamptz.
func storedTime(t time.Time) time.Time {
	return t.UTC().Truncate(time.Microsecond)
}

// timeArg encodes t as a query argument.
func (d Dialect) timeArg(t time.Time) any {
	t = storedTime(t)
	if d == SQLite {
		return t.Format(sqliteTime)
	}
	return t
}

// nullTimeArg encodes t as a query argument, the zero time as NULL.
func (d Dialect) nullTimeArg(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return d.timeArg(t)
}

// timeDest scans a time column of either dialect into *t: NULL as the zero
// time, anything else in UTC.
type timeDest struct{ t *time.Time }

// Scan implements sql.Scanner.
func (d timeDest) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*d.t = time.Time{}
		return nil
	case time.Time:
		*d.t = storedTime(v)
		return nil
	case string:
		return d.parse(v)
	case []byte:
		return d.parse(string(v))
	}
	return fmt.Errorf("scanning a time: unexpected %T", src)
}

func (d timeDest) parse(s string) error {
	t, err := time.Parse(sqliteTime, s)
	if err != nil {
		// A row written by hand may use another RFC 3339 form.
		if t, err = time.Parse(time.RFC3339Nano, s); err != nil {
			return fmt.Errorf("scanning a time: %w", err)
		}
	}
	*d.t = storedTime(t)
	return nil
}

// codesFromJSON is the SELECT that reads rows of answer_codes (storedCodes)
// from a JSON array in $1, with coded_at $2.
func (d Dialect) codesFromJSON() string {
	if d == Postgres {
		return `SELECT x.answer_id, x.team_id, x.coder, x.coder_version, x.text_hash,
			x.relationships, x.stories, x.community, x.anticipation, x.capabilities, x.phrases,
			x.fallback, x.dropped_quotes, x.offline_reason, CAST($2 AS timestamptz)
		FROM jsonb_to_recordset($1::jsonb) AS x(answer_id bigint, team_id text, coder text,
			coder_version text, text_hash text, relationships text, stories text, community text,
			anticipation text, capabilities text, phrases text, fallback boolean, dropped_quotes int,
			offline_reason text)`
	}
	// "WHERE true" keeps SQLite from reading ON CONFLICT as part of a join.
	return `SELECT json_extract(value, '$.answer_id'), json_extract(value, '$.team_id'),
			json_extract(value, '$.coder'), json_extract(value, '$.coder_version'),
			json_extract(value, '$.text_hash'), json_extract(value, '$.relationships'),
			json_extract(value, '$.stories'), json_extract(value, '$.community'),
			json_extract(value, '$.anticipation'), json_extract(value, '$.capabilities'),
			json_extract(value, '$.phrases'), json_extract(value, '$.fallback'),
			json_extract(value, '$.dropped_quotes'), json_extract(value, '$.offline_reason'), $2
		FROM json_each($1) WHERE true`
}

// inList is a condition on a column being one of ids ("= ANY($1)" on
// PostgreSQL, "IN (SELECT value FROM json_each($1))" on SQLite) and its one
// argument, always $1: the statement's text is the same however many ids
// there are, so one prepared statement serves every count.
func inList[T int64 | string](d Dialect, ids []T) (string, any) {
	if d == Postgres {
		return `= ANY($1)`, ids
	}
	j, _ := json.Marshal(ids) // integers and strings always encode
	return `IN (SELECT value FROM json_each($1))`, string(j)
}
