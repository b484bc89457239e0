package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"whatmatters/internal/slackfake"
)

const secret = "faultcheck-signing-secret-0123456789"

// freePort returns a loopback port free a moment ago.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// server is `whatmatters serve` as a subprocess on loopback.
type server struct {
	bin, dbURL, apiURL, logPath string
	appToken                    string // set: Socket Mode
	port                        int
	cmd                         *exec.Cmd
	exited                      chan struct{}
	starts                      int
}

func newServer(bin, dbURL, apiURL, dir string) (*server, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	return &server{bin: bin, dbURL: dbURL, apiURL: apiURL, port: port, logPath: filepath.Join(dir, "serve.log")}, nil
}

func (s *server) base() string { return "http://127.0.0.1:" + strconv.Itoa(s.port) }

// events is the URL of POST /slack/events.
func (s *server) events() string { return s.base() + "/slack/events" }

// start starts serve and waits (at most 60 s) until /readyz answers 200.
func (s *server) start(ctx context.Context) error {
	logf, err := os.OpenFile(s.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	s.starts++
	fmt.Fprintf(logf, "=== start %d at %s\n", s.starts, time.Now().Format(time.RFC3339Nano))
	cmd := exec.Command(s.bin, "serve")
	cmd.Env = append(os.Environ(),
		"SLACK_BOT_TOKEN=xoxb-faultcheck", "SLACK_SIGNING_SECRET="+secret, "SLACK_APP_TOKEN="+s.appToken,
		"SLACK_API_URL="+s.apiURL, "DATABASE_URL="+s.dbURL, "PORT="+strconv.Itoa(s.port),
		"WHATMATTERS_BIND_ADDRESS=127.0.0.1", "WHATMATTERS_LOG_LEVEL=warn", "OPENAI_API_KEY=")
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		logf.Close()
		return err
	}
	s.cmd = cmd
	s.exited = make(chan struct{})
	go func() {
		_ = cmd.Wait()
		logf.Close()
		close(s.exited)
	}()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-s.exited:
			return fmt.Errorf("serve exited while starting; see %s", s.logPath)
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		if s.ready(ctx) {
			return nil
		}
	}
	return fmt.Errorf("serve was not ready within 60s; see %s", s.logPath)
}

func (s *server) ready(ctx context.Context) bool {
	rctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(rctx, http.MethodGet, s.base()+"/readyz", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// running tells whether the process has not exited.
func (s *server) running() bool {
	if s.cmd == nil {
		return false
	}
	select {
	case <-s.exited:
		return false
	default:
		return true
	}
}

// kill sends SIGKILL and waits for the process to go.
func (s *server) kill() {
	if !s.running() {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGKILL)
	<-s.exited
}

// stop sends SIGTERM and waits up to 30 s, then kills.
func (s *server) stop() {
	if !s.running() {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(30 * time.Second):
		s.kill()
	}
}

// logTail is the end of serve's log, for a failure's report.
func (s *server) logTail(n int) string {
	b, err := os.ReadFile(s.logPath)
	if err != nil {
		return ""
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// buildBinary builds cmd/whatmatters into dir.
func buildBinary(ctx context.Context, dir string) (string, error) {
	bin := filepath.Join(dir, "whatmatters")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/whatmatters")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("go build ./cmd/whatmatters (run from the repository's root): %w", err)
	}
	return bin, nil
}

// --- PostgreSQL ------------------------------------------------------------

// tempDatabase creates a database of its own on the server adminURL points
// at and returns its URL and a function that drops it.
func tempDatabase(ctx context.Context, adminURL, name string) (string, func(), error) {
	conn, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		return "", nil, fmt.Errorf("PostgreSQL at -pg: %w", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `CREATE DATABASE `+pgx.Identifier{name}.Sanitize()); err != nil {
		return "", nil, fmt.Errorf("creating database %s: %w", name, err)
	}
	u, err := url.Parse(adminURL)
	if err != nil {
		return "", nil, err
	}
	u.Path = "/" + name
	drop := func() {
		dctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		c, err := pgx.Connect(dctx, adminURL)
		if err != nil {
			fmt.Fprintf(os.Stderr, "faultcheck: could not drop database %s: %v\n", name, err)
			return
		}
		defer c.Close(dctx)
		if _, err := c.Exec(dctx, `DROP DATABASE IF EXISTS `+pgx.Identifier{name}.Sanitize()+` WITH (FORCE)`); err != nil {
			fmt.Fprintf(os.Stderr, "faultcheck: could not drop database %s: %v\n", name, err)
		}
	}
	return u.String(), drop, nil
}

// cluster is a temporary PostgreSQL cluster of this run's own, made with
// initdb, on a free loopback port: the one scenario that stops PostgreSQL
// stops this one, never a shared server.
type cluster struct {
	bindir, dir string
	port        int
	asPG        []string // runuser -u postgres --, when running as root
}

func newCluster(ctx context.Context) (*cluster, error) {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	if len(dirs) == 0 {
		return nil, errors.New("no initdb under /usr/lib/postgresql/*/bin")
	}
	slices.SortFunc(dirs, func(a, b string) int { return versionOf(a) - versionOf(b) })
	c := &cluster{bindir: filepath.Dir(dirs[len(dirs)-1])}
	dir, err := os.MkdirTemp("", "faultcheck-pg-")
	if err != nil {
		return nil, err
	}
	c.dir = dir
	if err := os.Chmod(dir, 0o755); err != nil {
		return nil, err
	}
	if os.Geteuid() == 0 {
		pg, err := user.Lookup("postgres")
		if err != nil {
			return nil, errors.New("running as root, and there is no postgres user to run PostgreSQL as")
		}
		uid, _ := strconv.Atoi(pg.Uid)
		gid, _ := strconv.Atoi(pg.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			return nil, err
		}
		c.asPG = []string{"runuser", "-u", "postgres", "--"}
	}
	if c.port, err = freePort(); err != nil {
		return nil, err
	}
	if out, err := c.run(ctx, "initdb", "-D", c.data(), "-U", "postgres", "-A", "trust"); err != nil {
		return nil, fmt.Errorf("initdb: %w\n%s", err, out)
	}
	return c, c.start(ctx)
}

func versionOf(path string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(path))))
	return v
}

func (c *cluster) data() string { return filepath.Join(c.dir, "data") }

func (c *cluster) url(db string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", c.port, db)
}

func (c *cluster) run(ctx context.Context, tool string, args ...string) ([]byte, error) {
	argv := append(append(append([]string(nil), c.asPG...), filepath.Join(c.bindir, tool)), args...)
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.Bytes(), err
}

func (c *cluster) start(ctx context.Context) error {
	out, err := c.run(ctx, "pg_ctl", "-D", c.data(), "-l", filepath.Join(c.dir, "log"), "-w", "-t", "30",
		"-o", fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off", c.port, c.dir), "start")
	if err != nil {
		return fmt.Errorf("pg_ctl start: %w\n%s", err, out)
	}
	return nil
}

func (c *cluster) stop(ctx context.Context) error {
	out, err := c.run(ctx, "pg_ctl", "-D", c.data(), "-m", "fast", "-w", "-t", "30", "stop")
	if err != nil {
		return fmt.Errorf("pg_ctl stop: %w\n%s", err, out)
	}
	return nil
}

// remove stops the cluster if it runs and deletes its files.
func (c *cluster) remove() {
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	_, _ = c.run(ctx, "pg_ctl", "-D", c.data(), "-m", "immediate", "-w", "-t", "30", "stop")
	_ = os.RemoveAll(c.dir)
}

// --- the environment of one scenario ----------------------------------------

// env is what a scenario runs against: the fake Slack, serve, its database.
type env struct {
	api    *slackfake.API
	sock   *socketLink // set: deliveries go over Socket Mode
	srv    *server
	db     *pgxpool.Pool
	dbURL  string
	client *http.Client
	dir    string
	closes []func()
}

// setup starts the fake API and serve on a database: dbURL if given, else
// a new database on the server adminURL names; "sqlite" is a SQLite file
// in the scenario's directory, which the checks that read PostgreSQL
// (e.db is nil) cannot read.
func setup(ctx context.Context, o options, name, dbURL string, before ...func(*env) error) (*env, error) {
	e := &env{client: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256}, Timeout: 15 * time.Second}}
	dir, err := os.MkdirTemp("", "faultcheck-"+name+"-")
	if err != nil {
		return nil, err
	}
	e.dir = dir
	sqlite := dbURL == "sqlite"
	if sqlite {
		dbURL = "sqlite:" + filepath.Join(dir, "wm.db")
	}
	if dbURL == "" {
		dbname := fmt.Sprintf("faultcheck_%s_%d_%d", strings.ReplaceAll(name, "-", "_"), os.Getpid(), time.Now().UnixNano()%1_000_000)
		u, drop, err := tempDatabase(ctx, o.pg, dbname)
		if err != nil {
			return nil, err
		}
		e.closes = append(e.closes, drop)
		dbURL = u
	}
	e.dbURL = dbURL
	actx, cancel := context.WithCancel(context.Background())
	e.closes = append(e.closes, cancel)
	if e.api, err = slackfake.Start(actx); err != nil {
		e.close()
		return nil, err
	}
	if e.srv, err = newServer(o.bin, dbURL, e.api.URL, dir); err != nil {
		e.close()
		return nil, err
	}
	e.closes = append(e.closes, e.srv.stop)
	for _, f := range before {
		if err := f(e); err != nil {
			e.close()
			return nil, err
		}
	}
	if err := e.srv.start(ctx); err != nil {
		e.close()
		return nil, err
	}
	if sqlite {
		return e, nil
	}
	cfg, err := pgxpool.ParseConfig(dbURL)
	if err != nil {
		e.close()
		return nil, err
	}
	cfg.MaxConns = 4
	if e.db, err = pgxpool.NewWithConfig(ctx, cfg); err != nil {
		e.close()
		return nil, err
	}
	e.closes = append(e.closes, e.db.Close)
	return e, nil
}

// close undoes setup, last first; the scenario's directory (serve's log)
// is kept when keep is set.
func (e *env) close() {
	for i := len(e.closes) - 1; i >= 0; i-- {
		e.closes[i]()
	}
	e.closes = nil
}

// post sends one request to /slack/events; status 0 if no answer came.
func (e *env) post(ctx context.Context, contentType string, body []byte, h http.Header) (int, time.Duration) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.srv.events(), bytes.NewReader(body))
	if err != nil {
		return 0, 0
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for k, v := range h {
		req.Header[k] = v
	}
	start := time.Now()
	resp, err := e.client.Do(req)
	if err != nil {
		return 0, time.Since(start)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, time.Since(start)
}

// signed sends a body signed with the server's secret, as Slack's retry
// number retry (0: the first delivery).
func (e *env) signed(ctx context.Context, contentType string, body []byte, retry int) (int, time.Duration) {
	if e.sock != nil {
		return e.sock.deliver(ctx, contentType, body, retry)
	}
	h := http.Header{}
	slackfake.Sign(h, secret, time.Now(), body)
	if retry > 0 {
		h.Set("X-Slack-Retry-Num", strconv.Itoa(retry))
		h.Set("X-Slack-Retry-Reason", "http_timeout")
	}
	return e.post(ctx, contentType, body, h)
}
