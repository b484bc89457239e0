//go:build wmbench

package main

// The load: signed Slack deliveries, as Slack would send them, posted to a
// bot's /slack/events a fixed number at a time, each acknowledgement timed
// here; and what the fake Web API saw the bot do about them.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"whatmatters/internal/slackfake"
	"whatmatters/internal/slacksign"
)

// answers are the members' thread replies, in turn.
var answers = []string{
	"He said the thing he misses most is sitting in the garden with a cup of tea in the morning.",
	"Her granddaughter is getting married in June and she wants to be well enough to see the photos.",
	"The district nurses noticed he settles when his wife reads to him, so we left the lamp on.",
	"She asked that her sister be told first if anything changes overnight.",
	"He is worried about the dog; the neighbour has offered to walk her twice a day.",
	"Mouth care every two hours helped, and she said the ice lollies were the best part of the day.",
	"The family want to be there at the end and asked for the side room when one comes free.",
	"He told the chaplain he has made his peace and wants his brass band record played.",
	"She does not want more scans; being comfortable at home is what she chose.",
	"His daughter is exhausted and said a night sitter twice a week would make all the difference.",
}

// starterReply is each reflection starter's answer to the first question.
const starterReply = "Staying in her own bed with the window open and her husband beside her mattered most to her."

// sample is one delivery's acknowledgement: how long it took and its HTTP
// status (0 if none came).
type sample struct {
	took   time.Duration
	status int
}

// Latency summarises the acknowledgements answered 200, in milliseconds.
type Latency struct {
	OK     int     `json:"ok"`
	Failed int     `json:"failed"`
	P50    float64 `json:"p50_ms"`
	P99    float64 `json:"p99_ms"`
	Max    float64 `json:"max_ms"`
}

func summarise(s []sample) Latency {
	var ok []time.Duration
	for _, x := range s {
		if x.status == http.StatusOK {
			ok = append(ok, x.took)
		}
	}
	l := Latency{OK: len(ok), Failed: len(s) - len(ok)}
	if len(ok) == 0 {
		return l
	}
	slices.Sort(ok)
	// The nearest rank: the smallest value at or above p of them.
	rank := func(p float64) float64 {
		i := int(float64(len(ok))*p+0.999999) - 1
		return ms(ok[min(max(i, 0), len(ok)-1)])
	}
	l.P50, l.P99, l.Max = rank(0.50), rank(0.99), ms(ok[len(ok)-1])
	return l
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// slack plays Slack towards one running bot: it signs and sends deliveries
// and reads the fake Web API the bot calls.
type slack struct {
	events string // the bot's /slack/events
	secret string
	api    *slackfake.API
	client *http.Client
	tsBase int64
	tsSeq  atomic.Int64
}

func newSlack(events, secret string, api *slackfake.API, inFlight int) *slack {
	return &slack{events: events, secret: secret, api: api, tsBase: time.Now().Unix() - 86_400,
		client: &http.Client{Timeout: 15 * time.Second, Transport: &http.Transport{
			MaxIdleConnsPerHost: inFlight, MaxConnsPerHost: inFlight, DisableCompression: true}}}
}

// send posts one signed delivery and times its acknowledgement.
func (s *slack) send(ctx context.Context, body []byte, contentType string) sample {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.events, bytes.NewReader(body))
	if err != nil {
		return sample{}
	}
	req.Header.Set("Content-Type", contentType)
	slacksign.Sign(req.Header, s.secret, time.Now(), body)
	start := time.Now()
	resp, err := s.client.Do(req)
	if err != nil {
		return sample{took: time.Since(start)}
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return sample{took: time.Since(start), status: resp.StatusCode}
}

// sendMany sends n deliveries, inFlight at a time, and returns their
// samples in order.
func (s *slack) sendMany(ctx context.Context, n, inFlight int, delivery func(i int) ([]byte, string)) []sample {
	out := make([]sample, n)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(inFlight, n) {
		wg.Go(func() {
			for ctx.Err() == nil {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				body, ct := delivery(i)
				out[i] = s.send(ctx, body, ct)
			}
		})
	}
	wg.Wait()
	return out
}

// command is a slash command, form-encoded as Slack sends it.
func (s *slack) command(channel, user, text string) ([]byte, string) {
	id := strconv.FormatInt(time.Now().UnixNano(), 36)
	v := url.Values{
		"token":                 {"bench-verification-unused"},
		"team_id":               {slackfake.Team},
		"team_domain":           {"bench"},
		"channel_id":            {channel},
		"channel_name":          {"palliative-" + strings.ToLower(channel)},
		"user_id":               {user},
		"user_name":             {"bench-" + strings.ToLower(user)},
		"command":               {"/reflect"},
		"text":                  {text},
		"api_app_id":            {slackfake.AppID},
		"is_enterprise_install": {"false"},
		"response_url":          {s.api.ResponseURL(channel + "-" + id)},
		"trigger_id":            {channel + "." + user + "." + id},
	}
	return []byte(v.Encode()), "application/x-www-form-urlencoded"
}

// message is an Events API delivery of a person's message in a thread.
func (s *slack) message(eventID, channel, thread, user, text string) ([]byte, string) {
	n := s.tsSeq.Add(1)
	ts := fmt.Sprintf("%d.%06d", s.tsBase+n/1_000_000, n%1_000_000)
	body, _ := json.Marshal(map[string]any{
		"type":       "event_callback",
		"token":      "bench-verification-unused",
		"team_id":    slackfake.Team,
		"api_app_id": slackfake.AppID,
		"event_id":   eventID,
		"event_time": time.Now().Unix(),
		"event": map[string]any{
			"type": "message", "channel": channel, "channel_type": "channel", "user": user,
			"text": text, "ts": ts, "event_ts": ts, "thread_ts": thread, "team": slackfake.Team,
			"client_msg_id": eventID,
		},
		"authorizations": []any{map[string]any{"team_id": slackfake.Team, "user_id": slackfake.BotUser,
			"is_bot": true, "is_enterprise_install": false}},
	})
	return body, "application/json"
}

// pseudonym is the name a team would use for the person a reflection is
// about (never a real name), one of a dozen in turn.
func pseudonym(i int) string {
	words := []string{"Heron", "Sorrel", "Alder", "Teasel", "Bracken", "Plover", "Sedge", "Burdock", "Lichen", "Shingle", "Thistle", "Kestrel"}
	return words[i%len(words)]
}

// calls is what the fake Web API has seen since mark (a count of calls).
func (s *slack) calls(mark int) []slackfake.Call {
	all := s.api.Calls()
	if mark > len(all) {
		return nil
	}
	return all[mark:]
}

func (s *slack) mark() int { return len(s.api.Calls()) }

// until polls cond every interval until it holds or ctx ends.
func until(ctx context.Context, every time.Duration, cond func() bool) error {
	for {
		if cond() {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(every):
		}
	}
}

// postsBy waits until each channel has had at least want chat.postMessage
// calls answered since mark, and returns the time the last channel got its
// want-th. It reads the calls the fake recorded, so its times are the
// fake's, not the poll's.
func (s *slack) postsBy(ctx context.Context, mark int, channels []string, want int) (time.Time, error) {
	var at time.Time
	err := until(ctx, 25*time.Millisecond, func() bool {
		got := map[string]int{}
		nth := map[string]time.Time{}
		for _, c := range s.calls(mark) {
			if c.Method != "chat.postMessage" || !c.OK() {
				continue
			}
			got[c.Channel]++
			if got[c.Channel] == want {
				nth[c.Channel] = c.Done
			}
		}
		at = time.Time{}
		for _, ch := range channels {
			if got[ch] < want {
				return false
			}
			if nth[ch].After(at) {
				at = nth[ch]
			}
		}
		return true
	})
	if err != nil {
		return at, fmt.Errorf("%w; calls seen in those channels: %s", err, s.tally(mark, channels))
	}
	return at, nil
}

// tally counts the calls since mark in channels, by method and result,
// for an error message.
func (s *slack) tally(mark int, channels []string) string {
	ours := map[string]bool{}
	for _, ch := range channels {
		ours[ch] = true
	}
	n := map[string]int{}
	for _, c := range s.calls(mark) {
		if ours[c.Channel] {
			k := fmt.Sprintf("%s %d%s", c.Method, c.Status, c.Error)
			if c.Method == "chat.postEphemeral" {
				// A notice instead of the posts: say which.
				k += fmt.Sprintf(" %q", firstLine(c.Text))
			}
			n[k]++
		}
	}
	keys := slices.Sorted(maps.Keys(n))
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s ×%d", k, n[k])
	}
	return strings.Join(parts, ", ")
}

// roots is each channel's first top-level post since mark: the thread
// its reflection's replies go in.
func (s *slack) roots(mark int, channels []string) (map[string]string, error) {
	out := map[string]string{}
	for _, c := range s.calls(mark) {
		if c.Method == "chat.postMessage" && c.OK() && c.Thread == "" && out[c.Channel] == "" {
			out[c.Channel] = c.TS
		}
	}
	for _, ch := range channels {
		if out[ch] == "" {
			return nil, fmt.Errorf("no top-level post in %s to reply to", ch)
		}
	}
	return out, nil
}

// countSince counts the calls since mark that match, and the time the last
// of them was answered.
func (s *slack) countSince(mark int, match func(slackfake.Call) bool) (int, time.Time) {
	n, last := 0, time.Time{}
	for _, c := range s.calls(mark) {
		if match(c) {
			n++
			if c.Done.After(last) {
				last = c.Done
			}
		}
	}
	return n, last
}

// processedEvents reads What Matters' count of processed Events API
// deliveries from its /metrics.
func processedEvents(ctx context.Context, metrics string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, metrics, nil)
	if err != nil {
		return 0, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	const series = `whatmatters_slack_deliveries_processed_total{kind="event"} `
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), series); ok {
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			return int(f), err
		}
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, nil // no event processed yet: the series is not there
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}
