package main

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"testing"
)

// export and migrate, the commands the password leaked from, never show
// any part of it in their error or on standard error, whatever the shape
// of DATABASE_URL: against a closed loopback port and a host that does not
// resolve.
func TestDatabasePasswordNeverShown(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := l.Addr().String()
	l.Close()
	shapes := []struct {
		url     string
		secrets []string
	}{
		{"postgres://bob:/Sl4shSecret@HOST/wm?sslmode=disable&connect_timeout=5", []string{"Sl4shSecret"}},
		{"postgres://bob:AtFirst7@AtSecond7@HOST/wm?sslmode=disable&connect_timeout=5", []string{"AtFirst7", "AtSecond7"}},
		{"postgres://bob:Mix1part@Mix2part/Mix3part@HOST/wm?sslmode=disable&connect_timeout=5", []string{"Mix1part", "Mix2part", "Mix3part"}},
		{"postgres://bob:Plain7Secret@HOST/wm?sslmode=disable&connect_timeout=5", []string{"Plain7Secret"}},
		{"postgres://bob@HOST/wm?sslpassword=SslKey7Secret&sslmode=disable&connect_timeout=5", []string{"SslKey7Secret"}},
		{"postgres://bob@HOST/wm?sslmode=bogus&sslpassword=SslKey8Secret", []string{"SslKey8Secret"}},
	}
	for _, host := range []string{closed, "wm-test.invalid:5432"} {
		for _, shape := range shapes {
			url := strings.Replace(shape.url, "HOST", host, 1)
			for _, cmd := range []string{"export", "migrate"} {
				setEnv(t, "DATABASE_URL", url, "WHATMATTERS_LOG_LEVEL", "debug")
				res := runWith(t, "", cmd)
				if res.err == nil {
					t.Fatalf("%s with %s succeeded", cmd, url)
				}
				shown := "whatmatters: " + oneLine(res.err.Error()) + "\n" + res.stderr + res.stdout
				for _, s := range shape.secrets {
					if strings.Contains(shown, s) {
						t.Errorf("%s with %s shows %q:\n%s", cmd, url, s, shown)
					}
				}
			}
		}
	}
}

// No log line holds the database URL's password, wherever in the record
// a driver's words put it.
func TestLogsNeverShowTheDatabasePassword(t *testing.T) {
	const url = "postgres://bob:Log7Secret@db.example/wm?sslpassword=LogKey7Secret"
	for _, json := range []bool{true, false} {
		var buf bytes.Buffer
		log := newLogger(&buf, json, LogLevel(slog.LevelDebug), url)
		driver := errors.New("failed to connect to postgres://bob:Log7Secret@db.example/wm: password=Log7Secret sslpassword=LogKey7Secret")
		log.With("url", url).WithGroup("db").Error("cannot connect: Log7Secret",
			"err", driver, "wrapped", fmt.Errorf("opening: %w", driver),
			slog.Group("conn", "dsn", url, "bytes", []byte("LogKey7Secret")))
		for _, s := range []string{"Log7Secret", "LogKey7Secret"} {
			if strings.Contains(buf.String(), s) {
				t.Errorf("log (json %v) shows %q:\n%s", json, s, buf.String())
			}
		}
		if !strings.Contains(buf.String(), "cannot connect") {
			t.Errorf("log (json %v) lost its message:\n%s", json, buf.String())
		}
	}
}
