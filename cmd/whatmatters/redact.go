package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strings"

	"whatmatters/storage"
)

// Nothing the program shows may hold DATABASE_URL's password, whatever a
// driver chose to repeat in its errors: run's error and every log line pass
// through storage.RedactText first.

// redactedError is an error whose message has had DATABASE_URL's secrets
// removed. errors.Is and errors.As still see what it wraps (usageError's
// exit status).
type redactedError struct {
	msg string
	err error
}

func (e redactedError) Error() string { return e.msg }
func (e redactedError) Unwrap() error { return e.err }

// redactError returns err with DATABASE_URL's secrets removed from its
// message, or nil.
func redactError(err error) error {
	if err == nil {
		return nil
	}
	return redactedError{msg: storage.RedactText(os.Getenv("DATABASE_URL"), err.Error()), err: err}
}

// redactingHandler writes each log record through next with the database
// URL's secrets removed from its message and from every string, error or
// Stringer attribute, in groups too.
type redactingHandler struct {
	next        slog.Handler
	databaseURL string
}

// redactLogs wraps h so that nothing it writes holds databaseURL's
// secrets. A SQLite URL holds none, and is left alone.
func redactLogs(h slog.Handler, databaseURL string) slog.Handler {
	if databaseURL == "" || strings.HasPrefix(databaseURL, "sqlite:") {
		return h
	}
	return redactingHandler{next: h, databaseURL: databaseURL}
}

func (h redactingHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.next.Enabled(ctx, l)
}

func (h redactingHandler) Handle(ctx context.Context, r slog.Record) error {
	out := slog.NewRecord(r.Time, r.Level, h.redact(r.Message), r.PC)
	r.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(h.attr(a))
		return true
	})
	return h.next.Handle(ctx, out)
}

func (h redactingHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	clean := make([]slog.Attr, len(attrs))
	for i, a := range attrs {
		clean[i] = h.attr(a)
	}
	return redactingHandler{next: h.next.WithAttrs(clean), databaseURL: h.databaseURL}
}

func (h redactingHandler) WithGroup(name string) slog.Handler {
	return redactingHandler{next: h.next.WithGroup(name), databaseURL: h.databaseURL}
}

func (h redactingHandler) redact(s string) string { return storage.RedactText(h.databaseURL, s) }

// attr returns a with any text in it redacted. Numbers, times and the
// like hold no text and pass as they are.
func (h redactingHandler) attr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		return slog.String(a.Key, h.redact(v.String()))
	case slog.KindGroup:
		group := v.Group()
		clean := make([]slog.Attr, len(group))
		for i, g := range group {
			clean[i] = h.attr(g)
		}
		return slog.Attr{Key: a.Key, Value: slog.GroupValue(clean...)}
	case slog.KindAny:
		switch x := v.Any().(type) {
		case error:
			return slog.String(a.Key, h.redact(x.Error()))
		case fmt.Stringer:
			return slog.String(a.Key, h.redact(x.String()))
		case []byte:
			return slog.String(a.Key, h.redact(string(x)))
		}
	}
	return slog.Attr{Key: a.Key, Value: v}
}
