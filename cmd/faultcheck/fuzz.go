package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"whatmatters/internal/slackfake"
)

// runFuzz sends random requests to /slack/events: Slack's own shapes
// (events, slash commands, interactions, url_verification, ssl_check)
// with fields deleted, replaced by values of other types, strings made
// long, invalid UTF-8 or NUL, bodies truncated or with bytes flipped, under
// random content types, signed (mostly) or not. No answer may be a 5xx
// (PostgreSQL stays up), and serve must still be running and ready at the
// end, with no panic in its log. The run is repeatable with -seed.
func runFuzz(ctx context.Context, o options) (summary string, err error) {
	e, err := setup(ctx, o, "fuzz", "")
	if err != nil {
		return "", err
	}
	defer finish(o, e, &err)
	n := pick(o, 3000, 30000)
	var next atomic.Int64
	var mu sync.Mutex
	counts := map[int]int{}
	var examples []string
	start := time.Now()
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(o.seed), uint64(100+g)))
			for ctx.Err() == nil {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				method, ct, body, h, what := fuzzRequest(rng, e.api, i)
				st := fuzzSend(ctx, e, method, ct, body, h)
				mu.Lock()
				counts[st]++
				if (st >= 500 || st == 0) && len(examples) < 5 {
					examples = append(examples, fmt.Sprintf("%d for %s %s %q (%d bytes): %.200q", st, method, what, ct, len(body), body))
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	took := time.Since(start)
	ready := readyStatus(ctx, e)
	logs, _ := os.ReadFile(e.srv.logPath)
	panicked := bytes.Contains(logs, []byte("panic"))
	bad := 0
	for st, c := range counts {
		if st >= 500 || st == 0 {
			bad += c
		}
	}
	summary = fmt.Sprintf("seed %d: %d random requests in %s (%.0f/s), answered %v; /readyz %d after, panic in the log: %v",
		o.seed, n, took.Round(100*time.Millisecond), float64(n)/took.Seconds(), counts, ready, panicked)
	switch {
	case bad > 0:
		return summary, failf("%d requests got a 5xx or no answer, e.g. %s", bad, strings.Join(examples, "; "))
	case ready != http.StatusOK || !e.srv.running():
		return summary, failf("serve is not ready after the run")
	case panicked:
		return summary, failf("serve's log has a panic")
	}
	return summary, nil
}

func fuzzSend(ctx context.Context, e *env, method, ct string, body []byte, h http.Header) int {
	req, err := http.NewRequestWithContext(ctx, method, e.srv.events(), bytes.NewReader(body))
	if err != nil {
		return -1
	}
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	for k, v := range h {
		req.Header[k] = v
	}
	resp, err := e.client.Do(req)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

// fuzzRequest makes request i: a method, content type, body, headers and
// a word saying what it was made from.
func fuzzRequest(rng *rand.Rand, api *slackfake.API, i int) (method, ct string, body []byte, h http.Header, what string) {
	method = http.MethodPost
	if rng.IntN(50) == 0 {
		method = []string{http.MethodGet, http.MethodPut, http.MethodDelete, http.MethodPatch}[rng.IntN(4)]
	}
	tmpl := rng.IntN(9)
	var v any
	form := false
	switch tmpl {
	case 0, 1:
		what = "message event"
		v = eventEnvelope(i, map[string]any{"type": "message", "user": "UFZ1", "channel": "CFZ", "channel_type": "channel",
			"ts": fmt.Sprintf("1700000000.%06d", i), "thread_ts": "1600000000.000001", "text": "a reply <@U123> in a thread"})
	case 2:
		what = "other event"
		ev := []map[string]any{
			{"type": "app_mention", "user": "UFZ1", "channel": "CFZ", "ts": fmt.Sprintf("1700000001.%06d", i), "text": "<@UFAULTBOT> reflect Kestrel"},
			{"type": "app_home_opened", "user": "UFZ1", "channel": "DFZ", "tab": "home"},
			{"type": "message", "subtype": "message_changed", "channel": "CFZ", "message": map[string]any{"user": "UFZ1", "text": "new", "ts": "1700000000.000001", "thread_ts": "1600000000.000001"},
				"previous_message": map[string]any{"user": "UFZ1", "text": "old", "ts": "1700000000.000001"}, "ts": fmt.Sprintf("1700000002.%06d", i)},
			{"type": "message", "subtype": "message_deleted", "channel": "CFZ", "deleted_ts": "1700000000.000001", "ts": fmt.Sprintf("1700000003.%06d", i)},
			{"type": "reaction_added", "user": "UFZ1", "reaction": "tada", "item": map[string]any{"type": "message", "channel": "CFZ", "ts": "1700000000.000001"}},
		}[rng.IntN(5)]
		v = eventEnvelope(i, ev)
	case 3:
		what = "url_verification"
		v = map[string]any{"type": []string{"url_verification", "app_rate_limited", "weird"}[rng.IntN(3)], "challenge": "abc", "token": "t", "team_id": slackfake.Team}
	case 4, 5:
		what = "slash command"
		form = true
		text := []string{"Kestrel", "settings", "discipline district nurse", "form", "form case", "session", "session Morning huddle", "help", "templates", "", "digest", "actions"}[rng.IntN(12)]
		v = map[string]any{"token": "t", "team_id": slackfake.Team, "channel_id": "CFZ" + strconv.Itoa(rng.IntN(3)), "user_id": "UFZ" + strconv.Itoa(rng.IntN(3)),
			"command": "/reflect", "text": text, "response_url": api.ResponseURL("fz"), "trigger_id": fmt.Sprintf("fz-%d", i), "api_app_id": slackfake.AppID}
	case 6, 7:
		what = "interaction"
		form = true
		ids := []string{"wm_next", "wm_skip", "wm_start", "wm_cancel", "wm_action_done", "wm_mark_action", "wm_home_start", "wm_home_settings", "nope"}
		var p map[string]any
		switch rng.IntN(4) {
		case 0, 1:
			p = map[string]any{"type": "block_actions", "trigger_id": fmt.Sprintf("fz-%d", i), "user": map[string]any{"id": "UFZ1", "team_id": slackfake.Team},
				"team": map[string]any{"id": slackfake.Team}, "channel": map[string]any{"id": "CFZ"}, "api_app_id": slackfake.AppID,
				"container": map[string]any{"type": "message", "message_ts": "1700000000.000001", "thread_ts": "1600000000.000001", "channel_id": "CFZ"},
				"message":   map[string]any{"ts": "1700000000.000001", "thread_ts": "1600000000.000001", "text": "q"},
				"actions":   []any{map[string]any{"action_id": ids[rng.IntN(len(ids))], "block_id": "b", "type": "button", "value": strconv.Itoa(rng.IntN(100)), "action_ts": "1700000000.1"}}}
		case 2:
			p = map[string]any{"type": "view_submission", "trigger_id": fmt.Sprintf("fz-%d", i), "user": map[string]any{"id": "UFZ1", "team_id": slackfake.Team},
				"team": map[string]any{"id": slackfake.Team}, "view": map[string]any{"id": "V1", "callback_id": []string{"wm_start_modal", "wm_form_modal", "wm_settings_modal", "wm_session_modal", "x"}[rng.IntN(5)],
					"private_metadata": "CFZ", "state": map[string]any{"values": map[string]any{"b": map[string]any{"wm_name": map[string]any{"type": "plain_text_input", "value": "Kestrel"}}}}}}
		case 3:
			p = map[string]any{"type": []string{"shortcut", "message_action"}[rng.IntN(2)], "callback_id": []string{"wm_mark_action", "wm_start", "x"}[rng.IntN(3)],
				"trigger_id": fmt.Sprintf("fz-%d", i), "user": map[string]any{"id": "UFZ1"}, "team": map[string]any{"id": slackfake.Team},
				"channel": map[string]any{"id": "CFZ"}, "message_ts": "1700000000.000001", "message": map[string]any{"ts": "1700000000.000001", "text": "agreed"}}
		}
		v = map[string]any{"payload": mutate(rng, p, 0)}
	case 8:
		what = "random bytes"
		b := make([]byte, rng.IntN(2048))
		for j := range b {
			b[j] = byte(rng.IntN(256))
		}
		body = b
	}
	if body == nil {
		if rng.IntN(4) != 0 {
			v = mutate(rng, v, 0)
		}
		if form {
			vals := url.Values{}
			for k, x := range v.(map[string]any) {
				switch x := x.(type) {
				case string:
					vals.Set(k, x)
				default:
					b, _ := json.Marshal(x)
					vals.Set(k, string(b))
				}
			}
			body = []byte(vals.Encode())
			ct = "application/x-www-form-urlencoded"
		} else {
			body, _ = json.Marshal(v)
			ct = "application/json"
		}
	}
	if rng.IntN(6) == 0 {
		body = mangle(rng, body)
	}
	if rng.IntN(8) == 0 {
		ct = []string{"", "text/plain", "multipart/form-data; boundary=x", "application/json; charset=utf-8", "application/x-www-form-urlencoded", "\x00\xff", "application/xml"}[rng.IntN(7)]
		ct = headerSafe(ct)
	}
	h = http.Header{}
	switch r := rng.IntN(10); {
	case r < 7:
		slackfake.Sign(h, secret, time.Now(), body)
	case r < 8:
		// unsigned
	case r < 9:
		slackfake.Sign(h, "another-secret", time.Now(), body)
	default:
		h.Set("X-Slack-Request-Timestamp", headerSafe(randString(rng)))
		h.Set("X-Slack-Signature", headerSafe(randString(rng)))
	}
	if rng.IntN(5) == 0 {
		h.Set("X-Slack-Retry-Num", strconv.Itoa(rng.IntN(5)))
		h.Set("X-Slack-Retry-Reason", headerSafe(randString(rng)))
	}
	return method, ct, body, h, what
}

func eventEnvelope(i int, ev map[string]any) map[string]any {
	return map[string]any{"token": "t", "team_id": slackfake.Team, "api_app_id": slackfake.AppID, "type": "event_callback",
		"event_id": fmt.Sprintf("EvFuzz%d-%d", time.Now().UnixNano(), i), "event_time": time.Now().Unix(), "event": ev,
		"authorizations": []any{map[string]any{"team_id": slackfake.Team, "user_id": slackfake.BotUser, "is_bot": true}}}
}

// mutate changes a few parts of a decoded JSON value at random.
func mutate(rng *rand.Rand, v any, depth int) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, val := range x {
			switch rng.IntN(12) {
			case 0:
				continue // delete
			case 1:
				out[k] = randValue(rng, depth)
			default:
				out[k] = mutate(rng, val, depth+1)
			}
		}
		if rng.IntN(10) == 0 {
			out[randString(rng)] = randValue(rng, depth)
		}
		return out
	case []any:
		var out []any
		for _, val := range x {
			if rng.IntN(10) != 0 {
				out = append(out, mutate(rng, val, depth+1))
			}
		}
		if rng.IntN(8) == 0 {
			out = append(out, randValue(rng, depth))
		}
		return out
	case string:
		if rng.IntN(8) == 0 {
			return randString(rng)
		}
	}
	return v
}

func randValue(rng *rand.Rand, depth int) any {
	switch rng.IntN(8) {
	case 0:
		return nil
	case 1:
		return rng.IntN(2) == 0
	case 2:
		return rng.NormFloat64() * 1e12
	case 3:
		if depth < 4 {
			return map[string]any{randString(rng): randValue(rng, depth+1)}
		}
		return map[string]any{}
	case 4:
		if depth < 4 {
			return []any{randValue(rng, depth+1), randValue(rng, depth+1)}
		}
		return []any{}
	}
	return randString(rng)
}

func randString(rng *rand.Rand) string {
	switch rng.IntN(8) {
	case 0:
		return ""
	case 1:
		return strings.Repeat("a", rng.IntN(5000))
	case 2:
		return "\x00\xff\xfe" + string(rune(rng.IntN(0x10ffff)))
	case 3:
		return "<@U1> <!channel> <#C1|x> &amp; <https://example.invalid|x>"
	case 4:
		return "1700000000.000001"
	case 5:
		return strconv.Itoa(rng.IntN(1 << 30))
	}
	b := make([]byte, rng.IntN(40))
	for i := range b {
		b[i] = byte(rng.IntN(256))
	}
	return string(b)
}

// headerSafe drops the control characters Go's client will not send in a
// header (a proxy in front would refuse them too).
func headerSafe(s string) string {
	return strings.Map(func(r rune) rune {
		if (r < 0x20 && r != '\t') || r == 0x7f {
			return -1
		}
		return r
	}, s)
}

// mangle damages a body at the byte level.
func mangle(rng *rand.Rand, b []byte) []byte {
	b = append([]byte(nil), b...)
	switch rng.IntN(4) {
	case 0:
		if len(b) > 0 {
			return b[:rng.IntN(len(b))]
		}
	case 1:
		for range 1 + rng.IntN(8) {
			if len(b) > 0 {
				b[rng.IntN(len(b))] = byte(rng.IntN(256))
			}
		}
	case 2:
		at := rng.IntN(len(b) + 1)
		return append(b[:at], append([]byte(randString(rng)), b[at:]...)...)
	case 3:
		return append(b, bytes.Repeat([]byte("x"), rng.IntN(1<<20+100))...)
	}
	return b
}
