package bot

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/slack-go/slack/slacktest"
)

// Only Slack's response_urls are called: https on hooks.slack.com (or the
// configured hosts), or the Web API's own host. A refusal is logged by
// host, never with the path, which holds a token.
func TestResponseURLAllowed(t *testing.T) {
	t.Parallel()
	for apiURL, cases := range map[string]map[string]bool{
		"https://slack.com/api/": {
			"https://hooks.slack.com/commands/T1/2/T0KEN":                 true,
			"https://HOOKS.slack.com:443/commands/T1/2/T0KEN":             true,
			"https://slack.com/commands/T0KEN":                            true,
			"http://hooks.slack.com/commands/T1/2/T0KEN":                  false,
			"https://hooks.slack.com:8443/commands/T1/2/T0KEN":            false,
			"https://hooks.slack.com.evil.example/commands/T1/2/T0KEN":    false,
			"https://evil.example/hooks.slack.com/T0KEN":                  false,
			"https://hooks.slack.com@evil.example/commands/T1/2/T0KEN":    false,
			"https://u:p@hooks.slack.com/commands/T1/2/T0KEN":             false,
			"https://hooks.slack-gov.com/commands/T1/2/T0KEN":             false,
			"//hooks.slack.com/commands/T1/2/T0KEN":                       false,
			"not a url T0KEN":                                             false,
			"https://hooks.slack.com\u202e.evil.example/commands/T0KEN":   false,
			"https://169.254.169.254/latest/meta-data/T0KEN":              false,
			"https://[::1]/commands/T0KEN":                                false,
			"https://hooks.slack.com./commands/T1/2/T0KEN":                false,
			"https://hooks.slack.com/commands/T1/2/T0KEN?redirect=x#frag": true,
		},
		"https://slack-gov.com/api/": {
			"https://hooks.slack-gov.com/commands/T1/2/T0KEN": true,
			"https://hooks.slack.com/commands/T1/2/T0KEN":     true,
			"https://hooks.evil.example/commands/T1/2/T0KEN":  false,
		},
	} {
		var logs syncBuffer
		s := newSlack(&fakeAPI{}, SlackOptions{APIURL: apiURL, Log: slog.New(slog.NewTextHandler(&logs, nil))})
		for raw, want := range cases {
			if got := s.responseURLAllowed(context.Background(), raw, "D1"); got != want {
				t.Errorf("with API %s, responseURLAllowed(%q) = %v, want %v", apiURL, raw, got, want)
			}
		}
		if strings.Contains(logs.String(), "T0KEN") {
			t.Errorf("the log shows a response_url's path:\n%s", logs.String())
		}
	}
}

// A signed slash command whose response_url names another host, over
// https and trusted by the bot's client, is not called when the bot cannot
// post in the channel; once the options name that host, it is.
func TestResponseURLOnAnotherHostIsNotCalled(t *testing.T) {
	t.Parallel()
	for _, named := range []bool{false, true} {
		called := make(chan string, 4)
		other := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			called <- r.URL.Path
			_, _ = w.Write([]byte("ok"))
		}))
		t.Cleanup(other.Close)
		api := newSlackServer(t, func(s *slackServer, c slacktest.Customize) {
			c.Handle("/chat.postMessage", s.handle("chat.postMessage", func(http.ResponseWriter, *http.Request, url.Values) any {
				return map[string]any{"ok": false, "error": "not_in_channel"}
			}))
		})
		db := sqliteDB(t)
		h := newHarness(t, db, api, harnessOptions{workers: 1, slackOpts: func(o *SlackOptions) {
			o.HTTPClient = other.Client()
			if named {
				o.ResponseHosts = []string{other.Listener.Addr().String()}
			}
		}})
		responseURL := other.URL + "/commands/T1/1/S3CRET-T0KEN"
		body := []byte(strings.Replace(string(commandForm("U1", "C5", "Kestrel")),
			url.QueryEscape("https://hooks.slack.invalid/commands/1"), url.QueryEscape(responseURL), 1))
		if status, _ := h.post("application/x-www-form-urlencoded", body, nil); status != http.StatusOK {
			t.Fatalf("status %d", status)
		}
		// Drained: the refused post was dropped, after the response_url
		// was called or passed over.
		assertDrained(t, db)
		if m := metric(t, h, `whatmatters_slack_posts_total{method="chat.postMessage",result="dropped"}`); m != "1" {
			t.Fatalf("dropped posts: %s, want 1; logs:\n%s", m, h.logs)
		}
		select {
		case path := <-called:
			if !named {
				t.Errorf("the bot called a response_url on another host (%s)", path)
			}
		default:
			if named {
				t.Errorf("the bot did not call the response_url on a host its options name; logs:\n%s", h.logs)
			}
		}
		logs := h.logs.String()
		if !named && !strings.Contains(logs, "response_url is not Slack's") {
			t.Errorf("no warning of the refused response_url:\n%s", logs)
		}
		if strings.Contains(logs, "S3CRET-T0KEN") {
			t.Errorf("the log shows the response_url's token:\n%s", logs)
		}
	}
}
