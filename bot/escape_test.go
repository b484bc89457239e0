package bot

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// unescapeMrkdwn undoes EscapeMrkdwn for text that had no zero-width spaces
// of its own.
func unescapeMrkdwn(s string) string {
	s = strings.ReplaceAll(s, "\u200b&gt;", "&gt;")
	s = strings.ReplaceAll(s, "`\u200b", "`")
	return strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&").Replace(s)
}

// hostile is text meant to make Slack do something other than show it.
var hostile = []string{
	"<!channel>",
	"<!here> please look",
	"<!everyone>",
	"hi <@U012ABCDEF> and <@W0123>",
	"<#C0123|general>",
	"<!subteam^S0123|@nurses>",
	"<!date^1392734382^{date}|Feb 18>",
	"<http://evil.example|click for the care plan>",
	"<https://evil.example>",
	"<mailto:a@b.example|mail>",
	"&lt;!channel&gt;",
	"&amp;lt;!here&amp;gt;",
	"<<!channel>>",
	"<\n!channel>",
	"> not a quote\n>>> nor this\n   > nor this",
	"```\ncode that swallows the rest\n```",
	"``` <!here> ```",
	"*bold* _italic_ ~strike~ `code`",
	"<",
	">",
	"&",
	"",
}

func TestEscapeMrkdwnHostile(t *testing.T) {
	for _, in := range hostile {
		got := EscapeMrkdwn(in)
		for _, bad := range []string{"<!", "<@", "<#", "<http", "<mailto", "<"} {
			if strings.Contains(got, bad) {
				t.Errorf("EscapeMrkdwn(%q) = %q, contains %q", in, got, bad)
			}
		}
		if strings.Contains(got, ">") {
			t.Errorf("EscapeMrkdwn(%q) = %q, contains a raw >", in, got)
		}
		if strings.Contains(got, "```") {
			t.Errorf("EscapeMrkdwn(%q) = %q, contains a code fence", in, got)
		}
		for _, line := range strings.Split(got, "\n") {
			if strings.HasPrefix(strings.TrimLeft(line, " \t"), "&gt;") {
				t.Errorf("EscapeMrkdwn(%q): line %q would show as a quote", in, line)
			}
		}
		if back := unescapeMrkdwn(got); back != in {
			t.Errorf("unescape(EscapeMrkdwn(%q)) = %q", in, back)
		}
	}
}

func TestEscapeMrkdwn(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain words", "plain words"},
		{"a & b", "a &amp; b"},
		{"<!here>", "&lt;!here&gt;"},
		{"&amp;", "&amp;amp;"},
		{"> quote", "\u200b&gt; quote"},
		{"  > indented", "  \u200b&gt; indented"},
		{"a > b", "a &gt; b"},
		{"one\n> two", "one\n\u200b&gt; two"},
		{">>> all", "\u200b&gt;&gt;&gt; all"},
		{"```", "`\u200b`\u200b`"},
		{"`inline`", "`inline`"},
		{"*bold* _it_ ~st~", "*bold* _it_ ~st~"},
		{"café 😀 שלום", "café 😀 שלום"},
	}
	for _, tt := range tests {
		if got := EscapeMrkdwn(tt.in); got != tt.want {
			t.Errorf("EscapeMrkdwn(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestEscapePlain(t *testing.T) {
	if got, want := escapePlain("<!here> & <@U1>"), "&lt;!here&gt; &amp; &lt;@U1&gt;"; got != want {
		t.Errorf("escapePlain = %q, want %q", got, want)
	}
	if got := escapePlain("> not special in plain text"); got != "&gt; not special in plain text" {
		t.Errorf("escapePlain = %q", got)
	}
}

func TestEmphasize(t *testing.T) {
	tests := []struct{ in, mark, want string }{
		{"What matters", "*", "*What matters*"},
		{"has * inside", "*", "has * inside"},
		{" spaced", "*", " spaced"},
		{"two\nlines", "*", "two\nlines"},
		{"", "*", ""},
		{"— nurse", "_", "_— nurse_"},
		{"snake_case", "_", "snake_case"},
	}
	for _, tt := range tests {
		if got := emphasize(tt.in, tt.mark); got != tt.want {
			t.Errorf("emphasize(%q, %q) = %q, want %q", tt.in, tt.mark, got, tt.want)
		}
	}
}

func TestTextLen(t *testing.T) {
	tests := []struct {
		in   string
		want int
	}{
		{"", 0},
		{"abc", 3},
		{"é", 1},
		{"e\u0301", 2},
		{"😀", 2}, // two UTF-16 code units
		{"שלום", 4},
	}
	for _, tt := range tests {
		if got := textLen(tt.in); got != tt.want {
			t.Errorf("textLen(%q) = %d, want %d", tt.in, got, tt.want)
		}
		if got := textLen(tt.in); got < utf8.RuneCountInString(tt.in) {
			t.Errorf("textLen(%q) = %d, less than its rune count", tt.in, got)
		}
	}
}
