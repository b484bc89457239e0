package bot

import (
	"strings"
	"unicode"
)

// zwsp is the zero-width space EscapeMrkdwn inserts to break up formatting
// sequences without changing what a reader sees.
const zwsp = '\u200b'

// EscapeMrkdwn makes plain text safe to place anywhere in Slack mrkdwn, so
// that it shows as written and can never act as markup.
//
// It does two things:
//
//   - &, < and > become &amp;, &lt; and &gt;, the escaping Slack documents.
//     Every special token (<!channel>, <!here>, <@U…>, <#C…>,
//     <!subteam^…>, <!date^…>, <http://…|label>) starts with a raw <, so none
//     can be written by a person or a template, only by the renderer.
//   - Two formatting sequences that would change a message's structure, not
//     just the look of a few words, are broken with an invisible zero-width
//     space (U+200B): a > at the start of a line (after optional spaces),
//     which Slack shows as a block quote even when escaped as &gt; (in this
//     app a quotation means "a person wrote this", so other text must not
//     look like one); and a run of backticks, where ``` would open a code
//     block that swallows the rest of the section, including the renderer's
//     own mentions and attributions. A zero-width space goes between each
//     pair of adjacent backticks.
//
// Single *, _, ~ and ` are left alone: Slack only formats them in matched
// pairs within one line, people who write them mean them, and inserting
// characters into every one would change far more text for little gain.
// The renderer never places its own markup where such a character could
// pair with it (see emphasize).
//
// Automatic linking of bare URLs, #channel names and @here is a separate
// matter: the renderer turns it off by marking every mrkdwn text object
// verbatim, and the transport must not set link_names or parse=full.
//
// First of all it removes the invisible characters that would change how
// the text around them reads without showing themselves (see
// stripInvisible): a right-to-left override in a story would otherwise
// reverse the attribution after it.
func EscapeMrkdwn(s string) string {
	s = stripInvisible(s)
	if !strings.ContainsAny(s, "&<>`") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + len(s)/8)
	lineStart := true // only spaces or tabs since the start or the last newline
	prevTick := false
	for _, r := range s {
		switch r {
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			if lineStart {
				b.WriteRune(zwsp)
			}
			b.WriteString("&gt;")
		case '`':
			if prevTick {
				b.WriteRune(zwsp)
			}
			b.WriteByte('`')
		default:
			b.WriteRune(r)
		}
		prevTick = r == '`'
		switch r {
		case '\n':
			lineStart = true
		case ' ', '\t':
		default:
			lineStart = false
		}
	}
	return b.String()
}

// invisible reports whether r is a character stripInvisible removes: the
// bidirectional controls (embeddings and overrides U+202A–U+202E,
// isolates U+2066–U+2069, the marks U+200E, U+200F and U+061C), which can
// make text display in an order other than the one written, and the
// invisible formatting characters U+200B–U+200D, U+2060, U+FEFF and the
// soft hyphen U+00AD, which can hide within or between words.
func invisible(r rune) bool {
	switch {
	case r >= '\u202a' && r <= '\u202e', r >= '\u2066' && r <= '\u2069',
		r >= '\u200b' && r <= '\u200f',
		r == '\u061c', r == '\u2060', r == '\ufeff', r == '\u00ad':
		return true
	}
	return false
}

// stripInvisible removes every invisible character from text people wrote
// before it is shown back (see invisible). A zero-width joiner between
// two pictographs stays: it is what makes 👩‍⚕️ one emoji, and changes
// nothing about the order or the words of the text.
func stripInvisible(s string) string {
	if strings.IndexFunc(s, invisible) < 0 {
		return s
	}
	runes := []rune(s)
	var b strings.Builder
	b.Grow(len(s))
	for i, r := range runes {
		if invisible(r) && !(r == '\u200d' && i > 0 && i+1 < len(runes) && pictograph(runes[i-1]) && pictograph(runes[i+1])) {
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// pictograph reports whether r can stand beside a zero-width joiner in an
// emoji sequence: a symbol, a skin tone or a variation selector.
func pictograph(r rune) bool {
	return unicode.Is(unicode.So, r) || unicode.Is(unicode.Sk, r) || r == '\ufe0f'
}

// escapePlain escapes text for a plain_text object. Slack documents &, <
// and > as control characters in every text object and decodes the three
// entities for display; plain_text has no other markup to neutralise.
func escapePlain(s string) string {
	s = stripInvisible(s)
	if !strings.ContainsAny(s, "&<>") {
		return s
	}
	return plainEscaper.Replace(s)
}

var plainEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// emphasize wraps already-escaped mrkdwn text in mark (* for bold, _ for
// italic) when Slack would format it as intended: one line, no mark inside
// it, no space at either end. Otherwise it returns s unchanged, so the text
// is shown in full, just without the emphasis.
func emphasize(s, mark string) string {
	if s == "" || strings.Contains(s, mark) || strings.ContainsAny(s, "\r\n") || strings.TrimSpace(s) != s {
		return s
	}
	return mark + s + mark
}

// textLen is the length Slack's limits are checked against, counted in
// UTF-16 code units: never less than the number of characters, so a text
// within it is within the limit however Slack counts.
func textLen(s string) int {
	n := 0
	for _, r := range s {
		if r >= 0x10000 {
			n += 2
		} else {
			n++
		}
	}
	return n
}
