package bot

import (
	"context"
	"net/url"
	"strings"
)

// slackResponseHost is where Slack's response_urls point.
const slackResponseHost = "hooks.slack.com"

// slackResponseHosts returns the hosts a response_url may name when none
// are configured: Slack's, or for another Slack's API (GovSlack's
// https://slack-gov.com/api/) "hooks." and its host.
func slackResponseHosts(apiURL string) []string {
	hosts := []string{slackResponseHost}
	if u, err := url.Parse(apiURL); err == nil && u.Hostname() != "" && !strings.EqualFold(u.Hostname(), "slack.com") {
		hosts = append(hosts, "hooks."+u.Hostname())
	}
	return hosts
}

// responseURLAllowed reports whether a slash command's response_url may be
// called. The URL comes in the request, and the bot would post to it
// whatever it names: only an https URL on one of the response hosts (on
// port 443 unless the host names its port), or one with the Web API's own
// scheme and host (a stand-in for Slack), is called. Any other is logged,
// by its host only: the path holds a token.
func (s *Slack) responseURLAllowed(ctx context.Context, raw, delivery string) bool {
	u, err := url.Parse(raw)
	if err == nil && u.User == nil && u.Host != "" {
		if api, err := url.Parse(s.apiURL); err == nil && s.apiURL != "" && u.Scheme == api.Scheme && strings.EqualFold(u.Host, api.Host) {
			return true
		}
		if u.Scheme == "https" {
			for _, h := range s.responseHosts {
				if strings.EqualFold(u.Host, h) || strings.EqualFold(u.Hostname(), h) && (u.Port() == "" || u.Port() == "443") {
					return true
				}
			}
		}
	}
	host := ""
	if err == nil {
		host = u.Hostname()
	}
	s.log.WarnContext(ctx, "slack: a slash command's response_url is not Slack's; not calling it",
		"delivery", delivery, "host", host)
	return false
}
