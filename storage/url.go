package storage

import (
	"fmt"
	"net/url"
	"strings"
)

// acceptedSchemes is said in every error about an unusable database URL.
const acceptedSchemes = "postgres://…, postgresql://…, sqlite:PATH or sqlite::memory:"

// memoryPath is the SQLite path of a database kept only in memory.
const memoryPath = ":memory:"

// ParseURL reads a DATABASE_URL without opening anything. It returns the
// dialect and the target: for PostgreSQL the URL itself, for SQLite the file
// path, or ":memory:" for a database kept only in memory. It accepts
// postgres://…, postgresql://…, sqlite:PATH (sqlite:///abs/path too) and
// sqlite::memory:, and otherwise returns an error naming those schemes. The
// error never repeats the URL, which may hold a password.
func ParseURL(s string) (Dialect, string, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return "", "", fmt.Errorf("database: no database URL given; want %s", acceptedSchemes)
	case strings.HasPrefix(s, "postgres://"), strings.HasPrefix(s, "postgresql://"):
		if _, err := url.Parse(s); err != nil {
			// url.Error repeats the URL, so say only what kind of thing is wrong.
			return "", "", fmt.Errorf("database: the postgres URL cannot be parsed (check its escaping)")
		}
		return Postgres, s, nil
	case strings.HasPrefix(s, "sqlite:"):
		path := strings.TrimPrefix(s, "sqlite:")
		if rest, ok := strings.CutPrefix(path, "//"); ok {
			path = rest // sqlite:///abs/path, the URL spelling of /abs/path
		}
		if path == "" {
			return "", "", fmt.Errorf("database: sqlite URL has no path; want sqlite:PATH, or sqlite::memory: for memory only")
		}
		return SQLite, path, nil
	}
	scheme, _, found := strings.Cut(s, ":")
	if !found || !isScheme(scheme) {
		return "", "", fmt.Errorf("database: unsupported database URL; want %s", acceptedSchemes)
	}
	return "", "", fmt.Errorf("database: unsupported database URL scheme %q; want %s", scheme, acceptedSchemes)
}

// isScheme reports whether s looks like a URL scheme, so it can be shown
// without risk of showing a secret.
func isScheme(s string) bool {
	if s == "" || len(s) > 20 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '+' || r == '-' || r == '.') {
			return false
		}
	}
	return true
}

// Redact returns the database URL with any password replaced by "xxxxx", fit
// for logs and error messages. A URL it cannot parse is replaced whole.
func Redact(databaseURL string) string {
	if strings.HasPrefix(databaseURL, "sqlite:") {
		return databaseURL
	}
	u, err := url.Parse(databaseURL)
	if err != nil {
		return "(unparsable database URL)"
	}
	q := u.Query()
	if q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.Redacted()
}
