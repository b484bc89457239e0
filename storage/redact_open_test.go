package storage_test

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"whatmatters/storage"
)

// closedPort returns a loopback address nothing listens on: a port that
// was just listened on and closed.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// passwordShapes are database URLs of every shape a password has leaked
// from, for a host (HOST), with the parts of each password that must never
// be shown: no whole password, and no part of one a driver might split
// off at an @ or a /.
var passwordShapes = []struct {
	name    string
	url     string
	secrets []string
}{
	{"unescaped, starting with /", "postgres://bob:/Sl4shSecret@HOST/wm?sslmode=disable&connect_timeout=5", []string{"Sl4shSecret"}},
	{"unescaped @", "postgres://bob:AtFirst7@AtSecond7@HOST/wm?sslmode=disable&connect_timeout=5", []string{"AtFirst7", "AtSecond7"}},
	{"unescaped @ and /", "postgres://bob:Mix1part@Mix2part/Mix3part@HOST/wm?sslmode=disable&connect_timeout=5", []string{"Mix1part", "Mix2part", "Mix3part"}},
	{"escaped @ and /", "postgres://bob:Enc1part%40Enc2part%2FEnc3part@HOST/wm?sslmode=disable&connect_timeout=5", []string{"Enc1part", "Enc2part", "Enc3part"}},
	{"plain", "postgres://bob:Plain7Secret@HOST/wm?sslmode=disable&connect_timeout=5", []string{"Plain7Secret"}},
	{"sslpassword", "postgres://bob@HOST/wm?sslpassword=SslKey7Secret&sslmode=disable&connect_timeout=5", []string{"SslKey7Secret"}},
	{"sslpassword, invalid URL", "postgres://bob@HOST/wm?sslpassword=SslKey8Secret&sslmode=bogus", []string{"SslKey8Secret"}},
	{"PassWord parameter", "postgres://bob@HOST/wm?sslmode=disable&PassWord=Query7Secret&connect_timeout=5", []string{"Query7Secret"}},
}

// However a DATABASE_URL is written, and whatever the driver says of it,
// no error from opening it shows its password or any part of it: against
// a closed loopback port, and against a host that does not resolve.
func TestOpenErrorsNeverShowThePassword(t *testing.T) {
	t.Parallel()
	hosts := map[string]string{"closed port": closedPort(t), "unresolvable host": "wm-test.invalid:5432"}
	for hostName, host := range hosts {
		for _, shape := range passwordShapes {
			t.Run(hostName+"/"+shape.name, func(t *testing.T) {
				t.Parallel()
				url := strings.Replace(shape.url, "HOST", host, 1)
				ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
				defer cancel()
				for name, open := range map[string]func(context.Context, string) (*storage.DB, error){
					"Open":         func(ctx context.Context, u string) (*storage.DB, error) { return storage.Open(ctx, u, nil) },
					"OpenExisting": func(ctx context.Context, u string) (*storage.DB, error) { return storage.OpenExisting(ctx, u, nil) },
				} {
					db, err := open(ctx, url)
					if err == nil {
						db.Close()
						t.Fatalf("%s(%q) succeeded", name, url)
					}
					for _, s := range shape.secrets {
						if strings.Contains(err.Error(), s) {
							t.Errorf("%s error shows %q: %v", name, s, err)
						}
					}
				}
			})
		}
	}
}
