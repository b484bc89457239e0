package teams

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"whatmatters/flows"
)

// Adaptive Cards as Teams renders them.
//
// Text safety: everything variable (titles, labels, what people wrote, who
// by) goes into RichTextBlock TextRuns, whose text the Adaptive Cards schema
// says does not support Markdown, so a story cannot bring in a link or any
// formatting. Backslash escapes in TextBlock Markdown are rendered
// differently by different Teams clients (microsoft/AdaptiveCards #4677,
// #5758; MicrosoftDocs/msteams-docs #5793), so this package does not rely on
// them. The only TextBlock it writes holds mentions, "<at>name</at>", with
// the names stripped of every character Markdown or the mention markup
// could read.
const (
	// CardVersion is the Adaptive Card schema version: Action.Execute
	// (Universal Actions) needs 1.4 or later, and Microsoft's Teams guide
	// to Universal Actions asks for 1.5.
	CardVersion = "1.5"
	// MaxCardBytes is the most a card may take, counted as Teams counts a
	// message: UTF-16. Teams documents about 100 KB a message and advises
	// keeping under 80 KB (earlier documentation said 40 KB; Power
	// Automate's Teams connector says 28 KB). 28 KB keeps every card under
	// all of them with room for the envelope.
	MaxCardBytes = 28 << 10

	cardSchema = "http://adaptivecards.io/schemas/adaptive-card.json"
	// CutNote follows text shortened to fit the size limit.
	CutNote = "(Shortened to fit Teams' message size limit.)"
)

// CardOptions says how to render what Teams needs more than a Reply has.
// Every function may be nil.
type CardOptions struct {
	// UserName gives a user's display name, for a mention; a user without
	// a name is not mentioned.
	UserName func(userID string) string
	// ChannelName gives a channel's name; the id is shown without it.
	ChannelName func(channelID string) string
	// MessageURL gives a link (deep link) to a message; without one the
	// link is left out.
	MessageURL func(l flows.MessageLink) string
	// MaxBytes overrides MaxCardBytes (tests).
	MaxBytes int
	// Marker, when set, is the id of the card's first element: a hidden
	// idempotency marker (see Send.Marker) that CardMarker reads back.
	Marker string
}

// card is the part of the Adaptive Card schema used here.
type card struct {
	Type    string     `json:"type"`
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Body    []element  `json:"body"`
	Actions []any      `json:"actions,omitempty"`
	MSTeams *cardTeams `json:"msteams,omitempty"`
}

type cardTeams struct {
	Width    string   `json:"width,omitempty"`
	Entities []Entity `json:"entities,omitempty"`
}

type element struct {
	Type    string      `json:"type"`
	ID      string      `json:"id,omitempty"`
	Inlines []textRun   `json:"inlines,omitempty"` // RichTextBlock
	Text    string      `json:"text,omitempty"`    // TextBlock
	Wrap    bool        `json:"wrap,omitempty"`
	Items   []element   `json:"items,omitempty"` // Container
	Style   string      `json:"style,omitempty"`
	Spacing string      `json:"spacing,omitempty"`
	Sep     bool        `json:"separator,omitempty"`
	IsSubtl bool        `json:"isSubtle,omitempty"`
	Size    string      `json:"size,omitempty"`
	Select  *cardAction `json:"selectAction,omitempty"`
}

type textRun struct {
	Type     string      `json:"type"`
	Text     string      `json:"text"`
	Weight   string      `json:"weight,omitempty"`
	Size     string      `json:"size,omitempty"`
	Italic   bool        `json:"italic,omitempty"`
	IsSubtle bool        `json:"isSubtle,omitempty"`
	FontType string      `json:"fontType,omitempty"`
	Select   *cardAction `json:"selectAction,omitempty"`
}

type cardAction struct {
	Type     string      `json:"type"`
	Title    string      `json:"title,omitempty"`
	Verb     string      `json:"verb,omitempty"`
	Data     *cardData   `json:"data,omitempty"`
	Style    string      `json:"style,omitempty"`
	URL      string      `json:"url,omitempty"`
	Fallback *cardAction `json:"fallback,omitempty"`
}

// RenderCard renders r as an Adaptive Card. When the card would be over the
// size limit, the longest texts are shortened to a common length (each ends
// with an ellipsis) and CutNote closes the card. It fails only when even the
// card's structure cannot fit (a reply with hundreds of parts).
func RenderCard(r flows.Reply, opt CardOptions) (json.RawMessage, error) {
	limit := opt.MaxBytes
	if limit == 0 {
		limit = MaxCardBytes
	}
	r = inTeamsWords(r)
	texts := make([]string, len(r.Parts))
	for i, p := range r.Parts {
		texts[i] = p.Text
	}
	out, err := encodeCard(buildCard(r, texts, false, opt))
	if err != nil {
		return nil, err
	}
	if utf16Bytes(out) <= limit {
		return out, nil
	}
	// What the card takes without any part text.
	bare, err := encodeCard(buildCard(r, make([]string, len(r.Parts)), true, opt))
	if err != nil {
		return nil, err
	}
	budget := limit - utf16Bytes(bare)
	for range 8 {
		if budget <= 0 {
			break
		}
		cut := fitTexts(texts, budget)
		out, err := encodeCard(buildCard(r, cut, true, opt))
		if err != nil {
			return nil, err
		}
		size := utf16Bytes(out)
		if size <= limit {
			return out, nil
		}
		// Paragraph blocks and escapes took more than counted: give up
		// what was over, and a little more.
		budget -= size - limit + 256
	}
	return nil, errors.New("teams: reply does not fit in a Teams card")
}

// inTeamsWords says the engine's own words (titles, labels, parts that are
// not quotes) as Teams has them: Teams has no slash commands, so "/reflect"
// is "@What Matters reflect" (read by ReadInbound after the mention). What
// people wrote (quotes) is left as they wrote it.
func inTeamsWords(r flows.Reply) flows.Reply {
	const slash, teams = "/reflect", "@What Matters reflect"
	r.Title = strings.ReplaceAll(r.Title, slash, teams)
	parts := make([]flows.Part, len(r.Parts))
	for i, p := range r.Parts {
		if !p.Quote {
			p.Label = strings.ReplaceAll(p.Label, slash, teams)
			p.Text = strings.ReplaceAll(p.Text, slash, teams)
		}
		parts[i] = p
	}
	r.Parts = parts
	return r
}

// fitTexts shortens the texts longer than a common cap so that together
// they take at most budget bytes (UTF-16, as encoded in JSON); shorter
// texts are kept whole.
func fitTexts(texts []string, budget int) []string {
	sizes := make([]int, len(texts))
	longest := 0
	for i, t := range texts {
		sizes[i] = jsonTextBytes(t)
		longest = max(longest, sizes[i])
	}
	total := func(cap int) int {
		n := 0
		for _, s := range sizes {
			n += min(s, cap)
		}
		return n
	}
	lo, hi := 0, longest // the largest cap whose total fits
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if total(mid) <= budget {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	out := make([]string, len(texts))
	for i, t := range texts {
		if sizes[i] <= lo {
			out[i] = t
			continue
		}
		// Escapes make the JSON longer than the text; scale the cap down
		// by the same ratio, and leave room for the ellipsis.
		keep := (lo - 2) * utf16Bytes([]byte(t)) / max(sizes[i], 1)
		out[i] = shorten(t, max(keep, 0))
	}
	return out
}

// jsonTextBytes is the UTF-16 size of t as a JSON string's contents.
func jsonTextBytes(t string) int {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(t)
	return utf16Bytes(bytes.TrimSpace(buf.Bytes())) - 4 // the quotes
}

// shorten keeps at most keep UTF-16 bytes of s, ending at a word boundary
// when one is near, and adds an ellipsis.
func shorten(s string, keep int) string {
	units := 0
	end := 0
	for i, r := range s {
		u := 2
		if r >= 0x10000 {
			u = 4
		}
		if units+u > keep {
			break
		}
		units += u
		end = i + utf8.RuneLen(r)
	}
	head := s[:end]
	if sp := strings.LastIndexFunc(head, unicode.IsSpace); sp > len(head)*3/4 {
		head = head[:sp]
	}
	return strings.TrimRightFunc(head, unicode.IsSpace) + "…"
}

func buildCard(r flows.Reply, texts []string, cut bool, opt CardOptions) card {
	c := card{Type: "AdaptiveCard", Schema: cardSchema, Version: CardVersion}
	if r.Title != "" {
		c.Body = append(c.Body, richText(textRun{Type: "TextRun", Text: plain(r.Title), Weight: "bolder", Size: "medium"}))
	}
	var mentions []Entity
	for i, p := range r.Parts {
		var items []element
		if p.Label != "" {
			items = append(items, richText(textRun{Type: "TextRun", Text: plain(p.Label), Weight: "bolder"}))
		}
		for _, para := range paragraphs(texts[i]) {
			items = append(items, richText(textRun{Type: "TextRun", Text: plain(para), Italic: p.Quote}))
		}
		if p.Quote && p.By != "" {
			items = append(items, richText(textRun{Type: "TextRun", Text: "— " + plain(p.By), IsSubtle: true}))
		}
		if names, ents := mentionLine(p.Users, opt); names != "" {
			items = append(items, element{Type: "TextBlock", Text: names, Wrap: true})
			mentions = append(mentions, ents...)
		}
		if len(p.Channels) > 0 {
			var names []string
			for _, ch := range p.Channels {
				name := ch
				if opt.ChannelName != nil {
					if n := opt.ChannelName(ch); n != "" {
						name = n
					}
				}
				names = append(names, "#"+name)
			}
			items = append(items, richText(textRun{Type: "TextRun", Text: plain(strings.Join(names, ", ")), IsSubtle: true}))
		}
		if p.Link != nil && opt.MessageURL != nil {
			if u := opt.MessageURL(*p.Link); strings.HasPrefix(u, "https://") {
				items = append(items, richText(textRun{Type: "TextRun", Text: "Open the message",
					Select: &cardAction{Type: "Action.OpenUrl", URL: u}}))
			}
		}
		if len(items) == 0 {
			continue
		}
		box := element{Type: "Container", Items: items}
		if p.Quote {
			box.Style = "emphasis"
		}
		if i > 0 || r.Title != "" {
			box.Spacing = "medium"
		}
		c.Body = append(c.Body, box)
	}
	if cut {
		c.Body = append(c.Body, element{Type: "RichTextBlock", Spacing: "medium",
			Inlines: []textRun{{Type: "TextRun", Text: CutNote, IsSubtle: true, Size: "small"}}})
	}
	for _, b := range r.Buttons {
		if id, ok := DialogForAction(b.Action); ok {
			// A form: only Action.Submit with task/fetch opens a dialog.
			c.Actions = append(c.Actions, DialogButton(b.Label, id, b.Value))
			continue
		}
		data := &cardData{Action: b.Action, Value: b.Value}
		a := cardAction{Type: "Action.Execute", Title: b.Label, Verb: b.Action, Data: data, Style: buttonStyle(b.Style)}
		// Clients too old for Action.Execute fall back to Action.Submit,
		// which arrives as a message whose value is the same data.
		a.Fallback = &cardAction{Type: "Action.Submit", Title: b.Label, Data: data}
		c.Actions = append(c.Actions, a)
	}
	c.MSTeams = &cardTeams{Width: "Full", Entities: mentions}
	if opt.Marker != "" {
		if len(c.Body) == 0 {
			c.Body = append(c.Body, richText(textRun{Type: "TextRun"}))
		}
		c.Body[0].ID = opt.Marker
	}
	if len(c.Body) == 0 {
		c.Body = []element{}
	}
	return c
}

// plain breaks the mention markup "<at>…</at>" in text that is not a
// mention, with an invisible zero-width space after the "<", so a story
// cannot pose as a mention. (TextRuns do not read Markdown; whether a
// client reads <at> in one is not documented, so it is not left to chance.)
func plain(s string) string {
	if !strings.Contains(strings.ToLower(s), "at>") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		b.WriteByte(s[i])
		if s[i] == '<' {
			rest := strings.ToLower(s[i+1:])
			if strings.HasPrefix(rest, "at>") || strings.HasPrefix(rest, "/at>") || strings.HasPrefix(rest, "at ") {
				b.WriteString("\u200b")
			}
		}
	}
	return b.String()
}

func richText(runs ...textRun) element {
	return element{Type: "RichTextBlock", Inlines: runs}
}

// paragraphs splits text at line breaks, dropping empty lines, so each
// paragraph is its own block whatever a client makes of a newline in a run.
func paragraphs(s string) []string {
	var out []string
	for line := range strings.SplitSeq(strings.ReplaceAll(s, "\r\n", "\n"), "\n") {
		if strings.TrimSpace(line) != "" {
			out = append(out, line)
		}
	}
	return out
}

// mentionLine builds "<at>A</at>, <at>B</at>" and its mention entities.
func mentionLine(users []string, opt CardOptions) (string, []Entity) {
	if opt.UserName == nil {
		return "", nil
	}
	var tags []string
	var ents []Entity
	for _, id := range users {
		name := mentionName(opt.UserName(id))
		if name == "" {
			continue
		}
		tag := "<at>" + name + "</at>"
		tags = append(tags, tag)
		ents = append(ents, Entity{Type: "mention", Text: tag, Mentioned: &ChannelAccount{ID: id, Name: name}})
	}
	return strings.Join(tags, ", "), ents
}

// mentionName keeps letters, digits, spaces and a little punctuation that
// neither Markdown nor the <at> markup reads.
func mentionName(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case unicode.IsLetter(r), unicode.IsDigit(r), r == ' ', r == '-', r == '.', r == '\'', r == ',':
			b.WriteRune(r)
		}
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

func buttonStyle(s string) string {
	switch s {
	case "primary":
		return "positive"
	case "danger":
		return "destructive"
	}
	return ""
}

// encodeCard writes c without HTML escaping (Teams counts what is sent,
// and \u003c would triple the size of a "<").
func encodeCard(c card) (json.RawMessage, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(c); err != nil {
		return nil, err
	}
	return json.RawMessage(bytes.TrimRight(buf.Bytes(), "\n")), nil
}

// utf16Bytes is the size of b's text in UTF-16, as Teams counts a message.
func utf16Bytes(b []byte) int {
	n := 0
	for _, r := range string(b) {
		if utf16.RuneLen(r) == 2 {
			n += 4
		} else {
			n += 2
		}
	}
	return n
}

// CardActivity renders r as a message carrying one Adaptive Card. Summary
// (shown in notifications) is the title.
func CardActivity(r flows.Reply, opt CardOptions) (*Activity, error) {
	content, err := RenderCard(r, opt)
	if err != nil {
		return nil, err
	}
	// Mentions live in the card's msteams.entities, not the activity's.
	return &Activity{
		Type:        TypeMessage,
		Summary:     r.Title,
		Attachments: []Attachment{{ContentType: ContentTypeAdaptiveCard, Content: content}},
	}, nil
}

// CardMarker reads the idempotency marker (CardOptions.Marker) of a card
// as the bot sent it, or "" when it has none: for recognising the bot's
// own earlier attempt among messages read back.
func CardMarker(content []byte) string {
	var c struct {
		Body []struct {
			ID string `json:"id"`
		} `json:"body"`
	}
	if err := json.Unmarshal(content, &c); err != nil || len(c.Body) == 0 {
		return ""
	}
	if !strings.HasPrefix(c.Body[0].ID, MarkerPrefix) {
		return ""
	}
	return c.Body[0].ID
}
