package bot

import "testing"

// TestPlainText reads message text as Slack sends it (the "text" beside a
// rich_text block): mentions, channel links, special mentions, user
// groups, links with and without labels, mail links, emoji codes and
// Slack's three escapes.
func TestPlainText(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"user mention, kept bare for the scrubber", "thanks <@U024BE7LH> for visiting", "thanks <@U024BE7LH> for visiting"},
		{"user mention with a label: the name is dropped", "asked <@U024BE7LH|ann> to call", "asked <@U024BE7LH> to call"},
		{"channel", "see <#C024BE7LR|district-nurses>", "see #district-nurses"},
		{"channel without a name", "see <#C024BE7LR>", "see #C024BE7LR"},
		{"here and channel", "<!here> and <!channel>", "@here and @channel"},
		{"user group", "<!subteam^SAZ94GDB8|@palliative-team> please", "@palliative-team please"},
		{"date token", "<!date^1392734382^{date_short}|Feb 18, 2014>", "Feb 18, 2014"},
		{"link with a label", "the <https://example.org/leaflet|leaflet> helped", "the leaflet (https://example.org/leaflet) helped"},
		{"bare link", "<https://example.org>", "https://example.org"},
		{"link Slack labelled with itself", "<https://example.org|https://example.org>", "https://example.org"},
		{"mail link", "<mailto:ward7@nhs.example|ward7@nhs.example>", "ward7@nhs.example"},
		{"phone link", "<tel:07700900123|07700900123>", "07700900123"},
		{"emoji stay as codes", "she smiled :slightly_smiling_face: :skin-tone-2:", "she smiled :slightly_smiling_face: :skin-tone-2:"},
		{"escapes", "A &amp; E, &lt;3 days &gt; 2", "A & E, <3 days > 2"},
		{"escaped markup stays text", "&lt;@U123&gt; &lt;!channel&gt;", "<@U123> <!channel>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := plainText(tt.in); got != tt.want {
				t.Errorf("plainText(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}
