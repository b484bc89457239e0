package storage

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
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
// error never repeats the URL, which may hold a password. A postgres URL
// whose user name or password holds an unescaped @, /, ? or # is refused:
// the driver would read part of the password as the host or the database.
func ParseURL(s string) (Dialect, string, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return "", "", fmt.Errorf("database: no database URL given; want %s", acceptedSchemes)
	case strings.HasPrefix(s, "postgres://"), strings.HasPrefix(s, "postgresql://"):
		_, rest, _ := strings.Cut(s, "://")
		if at := strings.LastIndex(rest, "@"); at >= 0 && strings.ContainsAny(rest[:at], "@/?#") {
			// The driver reads the user name and password up to the first
			// @ or /, and the URL parser to the last @: each would take part
			// of the password for a host or a database name, and show it
			// in its errors. Refuse before either sees it.
			return "", "", fmt.Errorf("database: the postgres URL is ambiguous: an @, /, ? or # in its user name or password (or an @ after its host) must be percent-encoded: @ as %%40, / as %%2F, ? as %%3F, # as %%23")
		}
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

// redacted stands in for whatever was removed.
const redacted = "xxxxx"

// Redact returns the database URL fit for logs and error messages. For any
// URL with "://", everything between "://" and the last "@" (the user name
// and password, however they are escaped or mis-escaped) is replaced by
// "xxxxx", and every query parameter whose name contains "password", in any
// case (password, sslpassword…), is removed, as is any fragment. It parses
// nothing, so no URL is too malformed to redact. A sqlite: URL holds no
// secret and is returned as it is.
func Redact(databaseURL string) string {
	if strings.HasPrefix(databaseURL, "sqlite:") {
		return databaseURL
	}
	return redactURL(databaseURL)
}

// redactURL is Redact for any URL.
func redactURL(s string) string {
	prefix, rest := "", s
	if scheme, r, ok := strings.Cut(s, "://"); ok {
		prefix, rest = scheme+"://", r
		if at := strings.LastIndex(rest, "@"); at >= 0 {
			rest = redacted + rest[at:]
		}
	}
	rest, _, _ = strings.Cut(rest, "#")
	return prefix + dropPasswordParams(rest)
}

// dropPasswordParams removes from s, the part of a URL after its "://",
// every query parameter whose name contains "password". Any ?, & or ;
// is taken to begin a parameter, so no separator can hide one; those kept
// are joined again with ? and &.
func dropPasswordParams(s string) string {
	segments := splitParams(s)
	var b strings.Builder
	b.WriteString(segments[0])
	sep := "?"
	for _, param := range segments[1:] {
		if param == "" || secretParam(param) {
			continue
		}
		b.WriteString(sep + param)
		sep = "&"
	}
	return b.String()
}

// splitParams splits s at every ?, & and ;: the first part is what comes
// before any of them, the rest are parameters.
func splitParams(s string) []string {
	i := strings.IndexAny(s, "?&;")
	if i < 0 {
		return []string{s}
	}
	return append([]string{s[:i]}, strings.FieldsFunc(s[i:], func(r rune) bool { return r == '?' || r == '&' || r == ';' })...)
}

// secretParam reports whether a query parameter (name=value) names a
// password of any kind, its name read with and without its escapes.
func secretParam(param string) bool {
	name, _, _ := strings.Cut(param, "=")
	if decoded, err := url.QueryUnescape(name); err == nil {
		name = decoded
	}
	return strings.Contains(strings.ToLower(name), "password")
}

// minSecretPiece is the shortest part of a password that RedactText looks
// for on its own: a driver that split the password at an @ or / may show
// either side of it.
const minSecretPiece = 3

// secrets returns what databaseURL holds that must never be shown: the
// user name and password together, the password, and the value of every
// query parameter whose name contains "password", each as written, with
// its escapes undone, and escaped again; and the parts of each between
// the characters a parser might split it at. Longest first.
func secrets(databaseURL string) []string {
	if strings.HasPrefix(databaseURL, "sqlite:") {
		return nil
	}
	seen := map[string]bool{}
	var out []string
	add := func(s string) {
		forms := []string{s}
		for _, unescape := range []func(string) (string, error){url.PathUnescape, url.QueryUnescape} {
			if d, err := unescape(s); err == nil {
				forms = append(forms, d, url.PathEscape(d), url.QueryEscape(d))
			}
		}
		for _, f := range forms {
			if f != "" && !seen[f] {
				seen[f] = true
				out = append(out, f)
			}
		}
	}
	addWithPieces := func(s string) {
		add(s)
		for _, piece := range strings.FieldsFunc(s, func(r rune) bool { return strings.ContainsRune("@/?#:,;&=", r) }) {
			if len(piece) >= minSecretPiece {
				add(piece)
			}
		}
	}
	_, rest, ok := strings.Cut(databaseURL, "://")
	if !ok {
		rest = databaseURL
	}
	if at := strings.LastIndex(rest, "@"); at >= 0 {
		// A user name alone is no secret (and is often a word such as
		// "postgres"); with a password, both together and the password.
		if _, password, ok := strings.Cut(rest[:at], ":"); ok {
			add(rest[:at])
			addWithPieces(password)
		}
	}
	for _, param := range splitParams(rest)[1:] {
		if _, value, ok := strings.Cut(param, "="); ok && secretParam(param) {
			addWithPieces(value)
		}
	}
	slices.SortStableFunc(out, func(a, b string) int { return len(b) - len(a) })
	return out
}

// urlInText finds URLs in a message, up to the next space or quote.
var urlInText = regexp.MustCompile("[A-Za-z][A-Za-z0-9+.-]*://[^\\s\"'<>`]*")

// passwordSetting finds a key=value setting whose key contains
// "password", as a driver may show its connection settings.
var passwordSetting = regexp.MustCompile("(?i)([A-Za-z_]*password[A-Za-z_]*)\\s*=\\s*('[^']*'|\"[^\"]*\"|[^\\s&;'\"`]+)")

// RedactText returns text, an error message or a log line, with everything
// secret about databaseURL removed, whatever the driver that wrote it chose
// to repeat: every secret the URL holds (see secrets) wherever it appears,
// every URL in the text redacted as Redact does, and the value of every
// key=value setting whose key contains "password".
func RedactText(databaseURL, text string) string {
	for _, s := range secrets(databaseURL) {
		text = strings.ReplaceAll(text, s, redacted)
	}
	if strings.Contains(text, "://") {
		text = urlInText.ReplaceAllStringFunc(text, redactURL)
	}
	if strings.Contains(strings.ToLower(text), "password") {
		text = passwordSetting.ReplaceAllString(text, "${1}="+redacted)
	}
	return text
}
