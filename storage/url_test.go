package storage_test

import (
	"strings"
	"testing"

	"whatmatters/storage"
)

func TestParseURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in          string
		wantDialect storage.Dialect
		wantTarget  string
		wantErr     string // a part of the error; "" for none
	}{
		{"postgres://u:p@db:5432/wm?sslmode=require", storage.Postgres, "postgres://u:p@db:5432/wm?sslmode=require", ""},
		{"postgresql://db/wm", storage.Postgres, "postgresql://db/wm", ""},
		{"sqlite:whatmatters.db", storage.SQLite, "whatmatters.db", ""},
		{"sqlite:/var/lib/wm/wm.db", storage.SQLite, "/var/lib/wm/wm.db", ""},
		{"sqlite:///var/lib/wm/wm.db", storage.SQLite, "/var/lib/wm/wm.db", ""},
		{"sqlite::memory:", storage.SQLite, ":memory:", ""},
		{"sqlite:", "", "", "no path"},
		{"", "", "", "no database URL"},
		{"mysql://u:secret@db/wm", "", "", `scheme "mysql"`},
		{"whatmatters.db", "", "", "postgres://…, postgresql://…, sqlite:PATH or sqlite::memory:"},
		{"u:secret@db/wm", "", "", "want postgres://"},
		{"postgres://u:secret@db/%zz", "", "", "cannot be parsed"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			d, target, err := storage.ParseURL(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParseURL(%q) error = %v, want one containing %q", tt.in, err, tt.wantErr)
				}
				if strings.Contains(err.Error(), "secret") {
					t.Errorf("the error shows the password: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if d != tt.wantDialect || target != tt.wantTarget {
				t.Errorf("ParseURL(%q) = %q, %q; want %q, %q", tt.in, d, target, tt.wantDialect, tt.wantTarget)
			}
		})
	}
}

func TestRedact(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"postgres://u:secret@db/wm":                    "postgres://u:xxxxx@db/wm",
		"postgres://u@db/wm?password=secret&x=1":       "postgres://u@db/wm?password=xxxxx&x=1",
		"postgres://u@db/wm":                           "postgres://u@db/wm",
		"sqlite:/tmp/x.db":                             "sqlite:/tmp/x.db",
		"postgres://u:secret@db/%zz":                   "(unparsable database URL)",
		"postgresql://u:p%40ss@db:5432/wm?sslmode=off": "postgresql://u:xxxxx@db:5432/wm?sslmode=off",
	} {
		if got := storage.Redact(in); got != want {
			t.Errorf("Redact(%q) = %q, want %q", in, got, want)
		}
	}
}
