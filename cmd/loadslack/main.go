// Command loadslack sends signed Slack deliveries to a What Matters server
// on this machine and reports how fast they were acknowledged (p50, p99,
// throughput) and, from /metrics, how fast they were processed.
//
// Each delivery is an Events API message event: a reply in a thread that is
// no reflection's, so the bot records, acknowledges and processes it but
// posts nothing. The run is bounded by -n and -timeout, and only loopback
// addresses are accepted.
//
// To try it, start a fake Slack Web API, then the server against it, then
// the load:
//
//	go run ./cmd/loadslack -fake-api 127.0.0.1:9300 &
//	SLACK_BOT_TOKEN=xoxb-load SLACK_SIGNING_SECRET=loadsecret SLACK_API_URL=http://127.0.0.1:9300/api/ \
//	  DATABASE_URL=sqlite:/tmp/load.db PORT=9301 go run ./cmd/whatmatters serve &
//	go run ./cmd/loadslack -url http://127.0.0.1:9301/slack/events -secret loadsecret -n 5000 -c 16
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"whatmatters/internal/slacksign"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "loadslack: "+err.Error())
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, out io.Writer) error {
	flags := flag.NewFlagSet("loadslack", flag.ContinueOnError)
	target := flags.String("url", "http://127.0.0.1:8080/slack/events", "the server's /slack/events (loopback only)")
	secret := flags.String("secret", os.Getenv("SLACK_SIGNING_SECRET"), "the server's signing secret (default $SLACK_SIGNING_SECRET)")
	n := flags.Int("n", 2000, "deliveries to send (at most 100000)")
	conc := flags.Int("c", 16, "requests in flight at once (at most 256)")
	threads := flags.Int("threads", 50, "threads the replies are spread over (each thread is processed in order, one delivery at a time)")
	timeout := flags.Duration("timeout", 2*time.Minute, "give up after this long")
	fakeAPI := flags.String("fake-api", "", "instead, serve a fake Slack Web API on this loopback address until interrupted")
	if err := flags.Parse(args); err != nil {
		return err
	}
	if *fakeAPI != "" {
		return serveFakeAPI(ctx, *fakeAPI, out)
	}
	u, err := url.Parse(*target)
	if err != nil || !loopback(u.Hostname()) {
		return fmt.Errorf("-url %q: only a server on this machine (127.0.0.1, ::1, localhost) may be loaded", *target)
	}
	if *secret == "" {
		return errors.New("-secret (or SLACK_SIGNING_SECRET) is needed to sign the deliveries")
	}
	if *n < 1 || *n > 100_000 || *conc < 1 || *conc > 256 || *threads < 1 {
		return errors.New("-n must be 1 to 100000, -c 1 to 256 and -threads at least 1")
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()

	metricsURL := *u
	metricsURL.Path = "/metrics"
	before, _ := processed(ctx, metricsURL.String())

	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: *conc}, Timeout: 10 * time.Second}
	run := strconv.FormatInt(time.Now().UnixNano(), 36)
	latencies := make([]time.Duration, *n)
	statuses := make([]int, *n)
	var next atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range *conc {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= *n || ctx.Err() != nil {
					return
				}
				latencies[i], statuses[i] = send(ctx, client, *target, *secret, run, i, i%*threads)
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)

	counts := map[int]int{}
	var ok []time.Duration
	for i := range *n {
		counts[statuses[i]]++
		if statuses[i] == http.StatusOK {
			ok = append(ok, latencies[i])
		}
	}
	slices.Sort(ok)
	fmt.Fprintf(out, "sent %d deliveries to %d threads in %s with %d in flight: %.0f acknowledgements/s\n",
		*n, *threads, elapsed.Round(time.Millisecond), *conc, float64(len(ok))/elapsed.Seconds())
	for status, c := range counts {
		label := strconv.Itoa(status)
		if status == 0 {
			label = "no answer"
		}
		fmt.Fprintf(out, "  %s: %d\n", label, c)
	}
	if len(ok) > 0 {
		fmt.Fprintf(out, "acknowledgement latency: p50 %s  p90 %s  p99 %s  max %s\n",
			pct(ok, 50), pct(ok, 90), pct(ok, 99), ok[len(ok)-1].Round(time.Microsecond))
	}

	// Processing happens after the acknowledgement: wait for it.
	if before < 0 {
		return nil
	}
	for {
		now, err := processed(ctx, metricsURL.String())
		if err == nil && now-before >= len(ok) {
			total := time.Since(start)
			fmt.Fprintf(out, "all %d processed %s after the first was sent: %.0f deliveries/s end to end\n",
				len(ok), total.Round(time.Millisecond), float64(len(ok))/total.Seconds())
			return nil
		}
		select {
		case <-ctx.Done():
			fmt.Fprintf(out, "processed %d of %d before the timeout\n", now-before, len(ok))
			return nil
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// send sends delivery i, signed, and returns how long the acknowledgement
// took and its status (0 if none came).
func send(ctx context.Context, client *http.Client, target, secret, run string, i, thread int) (time.Duration, int) {
	body, _ := json.Marshal(map[string]any{
		"type": "event_callback", "team_id": "TLOAD", "api_app_id": "ALOAD",
		"event_id": fmt.Sprintf("EvLoad%s-%d", run, i), "event_time": time.Now().Unix(),
		"event": map[string]any{"type": "message", "channel": "CLOAD", "channel_type": "channel",
			"user": fmt.Sprintf("ULOAD%d", i%50), "thread_ts": fmt.Sprintf("1600000000.%06d", thread),
			"ts": fmt.Sprintf("1700000000.%06d", i), "text": "a reply in a thread that is no reflection's"},
	})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return 0, 0
	}
	req.Header.Set("Content-Type", "application/json")
	slacksign.Sign(req.Header, secret, time.Now(), body)
	start := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		return 0, 0
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return time.Since(start), resp.StatusCode
}

// processed reads the server's count of processed event deliveries; -1 if
// it cannot.
func processed(ctx context.Context, metricsURL string) (int, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, metricsURL, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return -1, err
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), `whatmatters_slack_deliveries_processed_total{kind="event"} `); ok {
			f, err := strconv.ParseFloat(v, 64)
			return int(f), err
		}
	}
	return 0, sc.Err()
}

func pct(sorted []time.Duration, p int) time.Duration {
	i := (len(sorted)*p+99)/100 - 1
	return sorted[max(i, 0)].Round(time.Microsecond)
}

func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// serveFakeAPI answers the Web API calls the bot makes with success, so a
// server can run against it without Slack.
func serveFakeAPI(ctx context.Context, addr string, out io.Writer) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil || !loopback(host) {
		return fmt.Errorf("-fake-api %q: give a loopback address such as 127.0.0.1:9300", addr)
	}
	var seq atomic.Int64
	srv := &http.Server{Addr: addr, ReadHeaderTimeout: 5 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch strings.TrimPrefix(r.URL.Path, "/api/") {
		case "auth.test":
			fmt.Fprint(w, `{"ok":true,"user_id":"ULOADBOT","team_id":"TLOAD"}`)
		case "chat.postMessage", "chat.postEphemeral":
			fmt.Fprintf(w, `{"ok":true,"channel":"CLOAD","ts":"1800000000.%06d"}`, seq.Add(1))
		default:
			fmt.Fprint(w, `{"ok":true}`)
		}
	})}
	go func() {
		<-ctx.Done()
		_ = srv.Close()
	}()
	fmt.Fprintf(out, "fake Slack Web API on http://%s/api/\n", addr)
	if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
