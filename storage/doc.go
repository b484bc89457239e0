// Package storage keeps What Matters' records in PostgreSQL or SQLite,
// implementing flows.Store once over database/sql. It also keeps the Slack
// adapter's inbox and outbox (the records of package inbox), and the pace
// of its calls to Slack: the methods delivery.Store and delivery.Limits ask for,
// which storage provides without importing bot.
//
// The SQL is written once, in the subset both databases speak ($1
// placeholders, RETURNING, ON CONFLICT), next to the Go that runs it, one
// file per table group. What differs between the two (row locks, how a time
// is written, how errors are told apart) is kept in dialect.go and errors.go.
// The schema lives in embedded goose migrations, one folder per dialect.
//
// Every time is stored and returned in UTC, truncated to microseconds. A zero
// time.Time is stored as NULL in the columns that may be empty.
//
// Every string the Store is given must be valid UTF-8 without NUL bytes:
// PostgreSQL cannot store anything else, so both dialects refuse it with
// flows.ErrInvalid before any query runs, and the domain cleans text before
// saving it.
package storage
