package bot

import (
	"regexp"
	"strings"
)

// slackToken matches Slack's markup in message text: <@U…>, <#C…|name>,
// <!here>, <!subteam^S…|@team>, <http://…|label>.
var slackToken = regexp.MustCompile(`<([^<>|]*)(?:\|([^<>]*))?>`)

// plainText turns the text of a Slack message or command into what the
// person typed, as the engine wants it: channel mentions and links become
// their visible words, and Slack's escapes of &, < and > are undone. A
// person's mention stays a bare <@U…> (its label, a display name, is
// dropped), so that the scrubber stores a neutral placeholder for it and
// never the member id or the name. What the bot later shows is escaped
// again by the renderer, so nothing here can turn into markup.
func plainText(s string) string {
	s = slackToken.ReplaceAllStringFunc(s, func(tok string) string {
		m := slackToken.FindStringSubmatch(tok)
		target, label := m[1], m[2]
		switch {
		case strings.HasPrefix(target, "@"):
			return "<" + target + ">"
		case strings.HasPrefix(target, "#"):
			if label != "" {
				return "#" + label
			}
			return target
		case strings.HasPrefix(target, "!"):
			if label != "" {
				return label
			}
			name, _, _ := strings.Cut(strings.TrimPrefix(target, "!"), "^")
			return "@" + name
		case label != "":
			if strings.TrimPrefix(strings.TrimPrefix(target, "mailto:"), "tel:") == label {
				return label
			}
			return label + " (" + target + ")"
		}
		return target
	})
	return slackUnescaper.Replace(s)
}

// slackUnescaper undoes the three escapes Slack puts in message text.
var slackUnescaper = strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&")
