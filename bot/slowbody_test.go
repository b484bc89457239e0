package bot

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// slowBody opens a connection to addr (from the dialer's address) and
// sends a request to /slack/events with a fresh timestamp, any signature
// and a body it never finishes: it trickles a byte every interval until
// the server answers or the test ends. The answer's status, or an error,
// arrives on the channel returned.
func slowBody(t *testing.T, d *net.Dialer, addr string, interval time.Duration) <-chan int {
	t.Helper()
	conn, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	fmt.Fprintf(conn, "POST /slack/events HTTP/1.1\r\nHost: bot\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n"+
		"X-Slack-Request-Timestamp: %d\r\nX-Slack-Signature: v0=%s\r\n\r\n{", time.Now().Unix(), strings.Repeat("0", 64))
	answered := make(chan struct{})
	go func() {
		tick := time.NewTicker(interval)
		defer tick.Stop()
		for {
			select {
			case <-answered:
				return
			case <-tick.C:
				if _, err := conn.Write([]byte(" ")); err != nil {
					return
				}
			}
		}
	}()
	status := make(chan int, 1)
	go func() {
		defer close(answered)
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			status <- 0
			return
		}
		resp.Body.Close()
		status <- resp.StatusCode
	}()
	return status
}

// waitUntil polls cond until it holds (see eventually): the wait is on the
// condition, never on a length of time.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	eventually(t, what, func() (bool, string) { return cond(), "not yet" })
}

// signedCommand sends a correctly signed /reflect help through client and
// returns the status.
func signedCommand(t *testing.T, client *http.Client, url string) int {
	t.Helper()
	body := commandForm("U1", "C1", "help")
	req, err := http.NewRequest(http.MethodPost, url+"/slack/events", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	sign(req.Header, testSecret, time.Now(), body)
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// 128 slow bodies from one address, each with a fresh timestamp and any
// signature, once held every place for requests being verified, and
// everyone else got 503. Now one address holds at most 16 of them: a
// signed request from another address is acknowledged while they hang.
func TestSlowBodiesFromOneAddressLeaveRoomForOthers(t *testing.T) {
	t.Parallel()
	other := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 2)}}
	db := sqliteDB(t)
	api := newSlackServer(t)
	// The slow bodies hold their places for as long as the test needs.
	h := newHarness(t, db, api, harnessOptions{workers: 1, slackOpts: func(o *SlackOptions) { o.BodyTimeout = time.Hour }})
	addr := strings.TrimPrefix(h.srv.URL, "http://")
	if c, err := other.Dial("tcp", addr); err != nil {
		t.Skipf("no second loopback address to send from: %v", err)
	} else {
		c.Close()
	}
	for range maxUnverified + 8 {
		slowBody(t, &net.Dialer{}, addr, 100*time.Millisecond)
	}
	waitUntil(t, "the slow bodies to hold their address's places", func() bool {
		return h.slack.unverifiedFrom.held("127.0.0.1") == maxUnverifiedPerAddress
	})
	if n := h.slack.unverified.held(); n > maxUnverifiedPerAddress {
		t.Fatalf("one address holds %d places", n)
	}
	client := &http.Client{Transport: &http.Transport{DialContext: other.DialContext}}
	if status := signedCommand(t, client, h.srv.URL); status != http.StatusOK {
		t.Fatalf("a signed request from another address got %d while slow bodies hung", status)
	}
	api.waitForCount(t, 1, "chat.postEphemeral")
	if n := h.slack.unverifiedFrom.held("127.0.0.1"); n != maxUnverifiedPerAddress {
		t.Errorf("the slow bodies hold %d places, want them still hanging in %d", n, maxUnverifiedPerAddress)
	}
}

// A body that does not arrive within the body timeout is answered 408
// however it trickles, freeing its place: then a signed request from the
// same address gets through.
func TestSlowBodiesAreCutOff(t *testing.T) {
	t.Parallel()
	db := sqliteDB(t)
	api := newSlackServer(t)
	h := newHarness(t, db, api, harnessOptions{workers: 1, slackOpts: func(o *SlackOptions) { o.BodyTimeout = 50 * time.Millisecond }})
	addr := strings.TrimPrefix(h.srv.URL, "http://")
	var slow []<-chan int
	for range 2 * maxUnverifiedPerAddress {
		slow = append(slow, slowBody(t, &net.Dialer{}, addr, 5*time.Millisecond))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for i, ch := range slow {
		select {
		case status := <-ch:
			// 408, or 503 for one that waited its turn too long.
			if status != http.StatusRequestTimeout && status != http.StatusServiceUnavailable {
				t.Errorf("slow body %d: status %d, want 408 (or 503)", i, status)
			}
		case <-ctx.Done():
			t.Fatalf("slow body %d was never answered: the server waits for it still", i)
		}
	}
	if m := metric(t, h, `whatmatters_slack_requests_rejected_total{reason="too_slow"}`); m == "" || m == "0" {
		t.Errorf("too_slow refusals: %q", m)
	}
	if n := h.slack.unverifiedFrom.held("127.0.0.1"); n != 0 {
		t.Errorf("%d places still held after every slow body was answered", n)
	}
	if status := signedCommand(t, http.DefaultClient, h.srv.URL); status != http.StatusOK {
		t.Fatalf("a signed request after the slow bodies got %d", status)
	}
}
