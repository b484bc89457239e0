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
		// The driver reads a password up to its first @ or /: refused.
		{"postgres://u:/secret@db/wm", "", "", "must be percent-encoded"},
		{"postgres://u:se@cret@db/wm", "", "", "must be percent-encoded"},
		{"postgres://u:se?cret@db/wm", "", "", "must be percent-encoded"},
		{"postgres://u:se%40cr%2Fet@db/wm", storage.Postgres, "postgres://u:se%40cr%2Fet@db/wm", ""},
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
		"postgres://u:secret@db/wm":                                "postgres://xxxxx@db/wm",
		"postgres://u@db/wm?password=secret&x=1":                   "postgres://xxxxx@db/wm?x=1",
		"postgres://db/wm?sslmode=disable&SSLPassword=secret":      "postgres://db/wm?sslmode=disable",
		"postgres://db/wm?pass%77ord=secret;sslmode=disable":       "postgres://db/wm?sslmode=disable",
		"postgres://db/wm?password=secret":                         "postgres://db/wm",
		"postgres://db/wm":                                         "postgres://db/wm",
		"sqlite:/tmp/x.db":                                         "sqlite:/tmp/x.db",
		"postgres://u:secret@db/%zz":                               "postgres://xxxxx@db/%zz",
		"postgresql://u:p%40ss@db:5432/wm?sslmode=off":             "postgresql://xxxxx@db:5432/wm?sslmode=off",
		"postgres://u:/secret@db/wm":                               "postgres://xxxxx@db/wm",
		"postgres://u:se@cr/et@db/wm":                              "postgres://xxxxx@db/wm",
		"postgres://u:se#cret@db/wm":                               "postgres://xxxxx@db/wm",
		"postgres://db/wm?application_name=a@b&sslpassword=secret": "postgres://xxxxx@b",
		"postgres://db/wm?sslpassword=secret&application_name=a@b": "postgres://xxxxx@b",
		"postgres://db/wm?sslmode=disable#password=secret":         "postgres://db/wm?sslmode=disable",
	} {
		if got := storage.Redact(in); got != want {
			t.Errorf("Redact(%q) = %q, want %q", in, got, want)
		}
	}
}

// RedactText removes the URL's secrets from a message whatever the driver
// made of the URL: parts of a password it split at an @ or a /, the
// password decoded or escaped again, URLs and password settings it quoted.
func TestRedactText(t *testing.T) {
	t.Parallel()
	tests := []struct {
		url, text string
		secrets   []string // none may be left
		keep      []string // each must be left
	}{
		{"postgres://bob:Left7half@Right7half@db:1/wm",
			"failed to connect to `user=bob database=wm`: hostname resolving error: lookup Right7half@db: no such host",
			[]string{"Left7half", "Right7half"}, []string{"user=bob", "no such host"}},
		{"postgres://bob:/Slash7secret@db:1/wm",
			"failed to connect to `user=root database=Slash7secret@db:1/wm`: lookup bob: no such host",
			[]string{"Slash7secret"}, []string{"lookup bob"}},
		{"postgres://bob:Enc%40oded7@db/wm",
			"password authentication failed for user bob (password Enc@oded7, Enc%40oded7)",
			[]string{"Enc@oded7", "Enc%40oded7", "oded7"}, []string{"password authentication failed for user bob"}},
		{"postgres://bob@db/wm?sslmode=verify-full&sslpassword=Key7pass",
			"cannot parse `postgres://bob@db/wm?sslmode=verify-full&sslpassword=Key7pass`: sslpassword=Key7pass is wrong",
			[]string{"Key7pass"}, []string{"sslmode=verify-full"}},
		{"postgres://db/wm",
			"connecting with host=db password='Other7secret' and postgresql://u:Third7secret@elsewhere/x?PASSWORD=Fourth7secret",
			[]string{"Other7secret", "Third7secret", "Fourth7secret"}, []string{"host=db"}},
		{"postgres://postgres@db/postgres",
			"cannot connect to postgres://postgres@db/postgres: no such host",
			nil, []string{"postgres://xxxxx@db/postgres: no such host"}},
		{"sqlite:/tmp/wm@home.db", "cannot open sqlite file \"/tmp/wm@home.db\"", nil, []string{"/tmp/wm@home.db"}},
	}
	for _, tt := range tests {
		got := storage.RedactText(tt.url, tt.text)
		for _, s := range tt.secrets {
			if strings.Contains(got, s) {
				t.Errorf("RedactText(%q, %q) = %q, still showing %q", tt.url, tt.text, got, s)
			}
		}
		for _, s := range tt.keep {
			if !strings.Contains(got, s) {
				t.Errorf("RedactText(%q, %q) = %q, lost %q", tt.url, tt.text, got, s)
			}
		}
	}
}
