package teams

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"

	"whatmatters/flows"
)

// Files a reply carries, in Teams. A bot cannot attach a file to a channel
// post, and in a 1:1 chat only through the file consent flow (a consent
// card, then an upload to the person's OneDrive), which needs the
// manifest's supportsFiles and a round of invokes. So:
//
//   - a chart (image/png: a digest's, the outcomes') goes as a card of its
//     own after the post, the image inline as a data URI (chart.go), shrunk
//     to fit, its figures standing in when it cannot;
//   - a text file (my data's JSON) goes as the file's text in cards of
//     monospaced text after the message, split so each fits, numbered;
//   - anything else is named, and the person told it cannot be sent here.

// MaxFilePartBytes bounds the text of one card of a file; a part whose
// card would still pass MaxCardBytes (text heavy with characters JSON
// escapes) is cut in two again.
const MaxFilePartBytes = 10 << 10

// fileSends are the sends after s that deliver r's attachment, each with
// its own marker.
func (b *planner) fileSends(r flows.Reply, s Send) error {
	a := r.Attachment
	if a == nil {
		return nil
	}
	s.Anchor, s.Session, s.Digest, s.Attachment = 0, 0, 0, nil
	switch {
	case a.Type == "image/png":
		heading := r.Title
		if r.Digest != 0 || heading == "" {
			heading = "How the stories read, week by week"
		}
		s.Marker = Marker(b.o.Delivery, len(b.plan.Sends))
		msg, err := DigestChart(flows.Digest{}, a.Data, ChartOptions{Marker: s.Marker, Heading: heading,
			AltText: "A chart of the figures the message above gives, week by week."})
		if err != nil {
			return err
		}
		s.Activity = msg.Activity
		b.plan.Sends = append(b.plan.Sends, s)
		return nil
	case strings.HasPrefix(a.Type, "text/") || a.Type == "application/json":
		parts, err := fittedParts(a.Name, fileText(a))
		if err != nil {
			return err
		}
		for i, p := range parts {
			title := a.Name
			if len(parts) > 1 {
				title = fmt.Sprintf("%s (part %d of %d)", a.Name, i+1, len(parts))
			}
			s.Marker = Marker(b.o.Delivery, len(b.plan.Sends))
			act, err := textFileActivity(title, p, s.Marker)
			if err != nil {
				return err
			}
			s.Activity = act
			b.plan.Sends = append(b.plan.Sends, s)
		}
		return nil
	}
	note := flows.Reply{Title: "A file could not be sent here.",
		Parts: []flows.Part{{Text: "Teams does not let me attach " + plain(a.Name) + " in this conversation."}}}
	return b.add(note, s)
}

// fileText is a text file's text, JSON indented so that it reads line by
// line.
func fileText(a *flows.Attachment) string {
	if a.Type == "application/json" {
		var buf bytes.Buffer
		if json.Indent(&buf, a.Data, "", "  ") == nil {
			return buf.String()
		}
	}
	return strings.ToValidUTF8(string(a.Data), "\uFFFD")
}

// splitText cuts s into parts of at most max bytes, at line ends where it
// can and never inside a character.
func splitText(s string, max int) []string {
	var parts []string
	for len(s) > max {
		cut := strings.LastIndexByte(s[:max], '\n') + 1
		if cut <= 0 {
			cut = max
			for cut > 0 && !utf8.RuneStart(s[cut]) {
				cut--
			}
		}
		parts = append(parts, s[:cut])
		s = s[cut:]
	}
	if s != "" || len(parts) == 0 {
		parts = append(parts, s)
	}
	return parts
}

// fittedParts cuts text into parts whose cards each fit MaxCardBytes.
func fittedParts(name, text string) ([]string, error) {
	var out []string
	for _, p := range splitText(text, MaxFilePartBytes) {
		fits, err := partsThatFit(name, p)
		if err != nil {
			return nil, err
		}
		out = append(out, fits...)
	}
	return out, nil
}

// partsThatFit is p, or p cut in two (again) until each half's card fits.
func partsThatFit(name, p string) ([]string, error) {
	act, err := textFileActivity(name+" (part 999 of 999)", p, Marker("x", 0))
	if err != nil {
		return nil, err
	}
	whole, err := json.Marshal(act)
	if err != nil {
		return nil, err
	}
	if utf16Bytes(whole) <= MaxCardBytes || len(p) < 2 {
		return []string{p}, nil
	}
	halves := splitText(p, (len(p)+1)/2)
	var out []string
	for _, h := range halves {
		fits, err := partsThatFit(name, h)
		if err != nil {
			return nil, err
		}
		out = append(out, fits...)
	}
	return out, nil
}

// textFileActivity is a card showing a file's text, monospaced, as plain
// text runs: nothing in it is read as Markdown.
func textFileActivity(title, text, marker string) (*Activity, error) {
	head := richText(textRun{Type: "TextRun", Text: plain(title), Weight: "bolder"})
	head.ID = marker
	body := richText(textRun{Type: "TextRun", Text: text, FontType: "monospace"})
	c := chartCard{Type: "AdaptiveCard", Schema: cardSchema, Version: CardVersion,
		Body: []any{head, body}, MSTeams: &cardTeams{Width: "Full"}}
	content, err := json.Marshal(c)
	if err != nil {
		return nil, err
	}
	return &Activity{Type: TypeMessage, Summary: title,
		Attachments: []Attachment{{ContentType: ContentTypeAdaptiveCard, Content: content}}}, nil
}
