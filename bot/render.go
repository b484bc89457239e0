package bot

import (
	"fmt"
	"hash/fnv"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"whatmatters/flows"
)

// Slack's limits, from the Block Kit reference. Text lengths are measured
// with textLen on the escaped text actually sent.
const (
	maxMessageBlocks = 50     // blocks in one message
	maxHomeBlocks    = 100    // blocks in a Home tab view
	maxSectionText   = 3000   // a section's text
	maxHeaderText    = 150    // a header's plain_text
	maxButtonText    = 75     // a button's plain_text
	maxActionButtons = 25     // elements in one actions block
	maxFallbackText  = 3000   // a message's top-level text, kept short for notifications
	maxMessageText   = 12_000 // all block text in one message: Slack rejects much more with msg_blocks_too_long
)

// Message is one Slack message: Text is the top-level (notification and
// fallback) text, already escaped mrkdwn; Blocks are its Block Kit blocks.
type Message struct {
	Text   string
	Blocks []slack.Block
}

// Render turns a reply into the Slack messages that show it, in the order
// they must be posted. A long reply becomes several messages, none beyond
// Slack's limits, with the buttons only in the last; nothing people wrote is
// ever cut short. An Ack, or a reply with nothing to show, renders to no
// messages (the transport adds a reaction for an Ack instead).
func Render(r flows.Reply) []Message {
	if r.Kind == flows.Ack {
		return nil
	}
	blocks := titleBlocks(r.Title)
	for i, p := range r.Parts {
		blocks = append(blocks, partBlocks(i, p)...)
	}
	blocks = append(blocks, actionBlocks(r.Buttons)...)
	pages := paginate(blocks)
	if len(pages) == 0 {
		return nil
	}
	msgs := make([]Message, len(pages))
	for i, page := range pages {
		msgs[i].Blocks = page
		if i == 0 {
			msgs[i].Text = fallbackText(r)
		} else {
			msgs[i].Text = continuedText(r.Title, i+1, len(pages))
		}
	}
	return msgs
}

// sized is a block with the length of the text it carries.
type sized struct {
	block slack.Block
	size  int
}

// paginate packs blocks into messages in order, starting a new message when
// the next block would pass the block count or the total text allowed.
func paginate(blocks []sized) [][]slack.Block {
	var pages [][]slack.Block
	var page []slack.Block
	total := 0
	for _, b := range blocks {
		if len(page) > 0 && (len(page) == maxMessageBlocks || total+b.size > maxMessageText) {
			pages = append(pages, page)
			page, total = nil, 0
		}
		page = append(page, b.block)
		total += b.size
	}
	if len(page) > 0 {
		pages = append(pages, page)
	}
	return pages
}

// mrkdwn returns a verbatim mrkdwn text object: Slack applies the markup
// the renderer wrote but does not turn bare URLs, #names or @here into links.
func mrkdwn(text string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.MarkdownType, text, false, true)
}

// plain returns a plain_text object; text must already be escaped.
func plain(text string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.PlainTextType, text, true, false)
}

func section(blockID, text string) sized {
	return sized{slack.NewSectionBlock(mrkdwn(text), nil, nil, slack.SectionBlockOptionBlockID(blockID)), textLen(text)}
}

// titleBlocks shows the title as a header, or, when it is too long for one
// or spans lines, as bold section text: people's words are never truncated.
func titleBlocks(title string) []sized {
	if strings.TrimSpace(title) == "" {
		return nil
	}
	if esc := escapePlain(title); textLen(esc) <= maxHeaderText && !strings.ContainsAny(title, "\r\n") {
		return []sized{{slack.NewHeaderBlock(plain(esc), slack.HeaderBlockOptionBlockID("wm_title")), textLen(esc)}}
	}
	var out []sized
	for j, piece := range splitText(title, EscapeMrkdwn, maxSectionText-2, maxSectionText-2) {
		out = append(out, section(fmt.Sprintf("wm_title_%d", j), emphasize(EscapeMrkdwn(piece), "*")))
	}
	return out
}

// partBlocks renders one part as one or more sections: the label in bold on
// its own line, the text (as a quotation when it is one), then the
// attribution in italics and the mentions. A part with nothing to show
// renders to nothing.
func partBlocks(i int, p flows.Part) []sized {
	w := sectionWriter{id: fmt.Sprintf("wm_p%d", i)}
	if strings.TrimSpace(p.Label) != "" {
		for _, piece := range splitText(p.Label, EscapeMrkdwn, maxSectionText-2, maxSectionText-2) {
			w.startNew(emphasize(EscapeMrkdwn(piece), "*"))
		}
	}
	body := EscapeMrkdwn
	if p.Quote {
		body = func(s string) string { return quoteLines(EscapeMrkdwn(s)) }
	}
	if strings.TrimSpace(p.Text) != "" {
		first := w.room("\n")
		if first < maxSectionText/4 {
			first = maxSectionText // too little room left: start the text in a section of its own
		}
		for j, piece := range splitText(p.Text, body, first, maxSectionText) {
			if j == 0 && first < maxSectionText {
				w.add("\n", body(piece))
			} else {
				w.startNew(body(piece))
			}
		}
	}
	by := strings.TrimSpace(p.By) != ""
	sep := " "
	if p.Quote || by {
		sep = "\n"
	}
	if by {
		for _, piece := range splitText("— "+p.By, EscapeMrkdwn, maxSectionText-2, maxSectionText-2) {
			w.add(sep, emphasize(EscapeMrkdwn(piece), "_"))
			sep = ""
		}
		sep = " "
	}
	for _, u := range p.Users {
		if strings.TrimSpace(u) == "" {
			continue
		}
		if userID.MatchString(u) {
			w.add(sep, "<@"+u+">")
		} else {
			for _, piece := range splitText(u, EscapeMrkdwn, maxSectionText, maxSectionText) {
				w.add(sep, EscapeMrkdwn(piece))
				sep = ""
			}
		}
		sep = " "
	}
	for _, c := range p.Channels {
		if channelID.MatchString(c) {
			w.add(sep, "<#"+c+">")
			sep = " "
		}
	}
	if l := p.Link; l != nil && channelID.MatchString(l.Channel) {
		// Without the workspace's domain no permalink can be made here;
		// the channel leads to the session's message.
		w.add(sep, "(in <#"+l.Channel+">)")
	}
	return w.finish()
}

// userID matches the Slack user ids the renderer will turn into mentions.
var userID = regexp.MustCompile(`^[UW][A-Z0-9]{2,}$`)

// quoteLines makes escaped text a block quote: every line starts with "> ",
// except an empty last line (after a final newline), which would only add
// an empty quoted line.
func quoteLines(s string) string {
	lines := strings.Split(s, "\n")
	for k, line := range lines {
		if k == len(lines)-1 && line == "" && k > 0 {
			break
		}
		lines[k] = "> " + line
	}
	return strings.Join(lines, "\n")
}

// sectionWriter collects rendered fragments into section texts of at most
// maxSectionText each. Every fragment passed to it fits in one section.
type sectionWriter struct {
	id    string
	texts []string
	cur   strings.Builder
	n     int // textLen of cur
}

// room is how much more text fits in the current section after sep.
func (w *sectionWriter) room(sep string) int {
	if w.n == 0 {
		return maxSectionText
	}
	return maxSectionText - w.n - textLen(sep)
}

// add appends s to the current section after sep, or starts a new section
// with s when it does not fit.
func (w *sectionWriter) add(sep, s string) {
	if w.n > 0 && textLen(s) <= w.room(sep) {
		w.cur.WriteString(sep)
		w.cur.WriteString(s)
		w.n += textLen(sep) + textLen(s)
		return
	}
	w.startNew(s)
}

// startNew puts s at the start of a new section.
func (w *sectionWriter) startNew(s string) {
	w.flush()
	w.cur.WriteString(s)
	w.n = textLen(s)
}

func (w *sectionWriter) flush() {
	if w.n > 0 {
		w.texts = append(w.texts, w.cur.String())
	}
	w.cur.Reset()
	w.n = 0
}

func (w *sectionWriter) finish() []sized {
	w.flush()
	out := make([]sized, len(w.texts))
	for j, t := range w.texts {
		out[j] = section(fmt.Sprintf("%s_%d", w.id, j), t)
	}
	return out
}

// actionBlocks puts the buttons in actions blocks of at most 25 each.
// action_id is "wm_" + the action, so one handler serves every reflection;
// the value carries the reflection id. The block id is derived from the
// buttons, so the same buttons always get the same id.
func actionBlocks(buttons []flows.Button) []sized {
	var elems []slack.BlockElement
	var sizes []int
	h := fnv.New32a()
	for _, btn := range buttons {
		if btn.Action == "" {
			continue
		}
		label := btn.Label
		if strings.TrimSpace(label) == "" {
			label = btn.Action
		}
		text := escapePlain(shorten(label, maxButtonText))
		e := slack.NewButtonBlockElement("wm_"+btn.Action, btn.Value, plain(text))
		switch btn.Style {
		case "primary":
			e.Style = slack.StylePrimary
		case "danger":
			e.Style = slack.StyleDanger
		}
		elems = append(elems, e)
		sizes = append(sizes, textLen(text))
		fmt.Fprintf(h, "%s\x00%s\x00", btn.Action, btn.Value)
	}
	var out []sized
	for k := 0; k < len(elems); k += maxActionButtons {
		end := min(k+maxActionButtons, len(elems))
		size := 0
		for _, s := range sizes[k:end] {
			size += s
		}
		id := fmt.Sprintf("wm_actions_%08x_%d", h.Sum32(), k/maxActionButtons)
		out = append(out, sized{slack.NewActionBlock(id, elems[k:end]...), size})
	}
	return out
}

// shorten cuts the bot's own short texts (button labels, list entries) to
// at most limit characters once escaped, ending with an ellipsis. It is never
// used on what people wrote in a reply.
func shorten(s string, limit int) string {
	if textLen(escapePlain(s)) <= limit {
		return s
	}
	runes := []rune(s)
	lo, hi := 0, len(runes)
	for lo < hi { // largest n with runes[:n] + "…" within max
		mid := (lo + hi + 1) / 2
		if textLen(escapePlain(string(runes[:mid])))+1 <= limit {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return strings.TrimRightFunc(string(runes[:lo]), unicode.IsSpace) + "…"
}

// fallbackText is the first message's top-level text: the title and the
// first part's text, escaped, for notifications and clients without blocks.
func fallbackText(r flows.Reply) string {
	var lines []string
	if t := strings.TrimSpace(r.Title); t != "" {
		lines = append(lines, t)
	}
	for _, p := range r.Parts {
		if t := strings.TrimSpace(p.Text); t != "" {
			lines = append(lines, t)
			break
		}
	}
	if len(lines) == 0 {
		for _, btn := range r.Buttons {
			if l := strings.TrimSpace(btn.Label); l != "" {
				lines = append(lines, l)
			}
		}
	}
	if len(lines) == 0 {
		return "What Matters"
	}
	return escapeShort(strings.Join(lines, "\n"), maxFallbackText)
}

// continuedText is the top-level text of the messages after the first.
func continuedText(title string, n, of int) string {
	title = strings.TrimSpace(title)
	if title == "" {
		title = "What Matters"
	}
	return escapeShort(title, maxFallbackText-30) + fmt.Sprintf(" (continued, %d of %d)", n, of)
}

// escapeShort escapes s for mrkdwn, shortened to fit limit when needed;
// for summaries only, whose full text is in the blocks.
func escapeShort(s string, limit int) string {
	if esc := EscapeMrkdwn(s); textLen(esc) <= limit {
		return esc
	}
	pieces := splitText(s, EscapeMrkdwn, limit-1, limit-1)
	return EscapeMrkdwn(strings.TrimRightFunc(pieces[0], unicode.IsSpace)) + "…"
}

// splitText cuts raw into pieces whose concatenation is raw and whose
// rendering fits: render(piece) is at most first for the first piece and
// rest for the others. render must be prefix-monotone (rendering a longer
// text never gives a shorter result) and give every rune at least one unit.
// Pieces end after a paragraph break, a line break, a sentence or a space
// where one is found in the second half of the room available, and never
// inside a rune or between a character and the marks that combine with it.
// Escaping pieces separately means no escape sequence is ever split.
func splitText(raw string, render func(string) string, first, rest int) []string {
	var pieces []string
	budget := first
	for raw != "" {
		// offs[k] is the byte offset after k runes, for k up to budget+1.
		offs := []int{0}
		for i := range raw {
			if i > 0 {
				offs = append(offs, i)
			}
			if len(offs) > budget+1 {
				break
			}
		}
		if len(offs) <= budget+1 {
			offs = append(offs, len(raw))
		}
		n := len(offs) - 1 // runes considered
		if offs[n] == len(raw) && textLen(render(raw)) <= budget {
			pieces = append(pieces, raw)
			break
		}
		lo, hi := 0, n
		for lo < hi { // largest k whose prefix fits
			mid := (lo + hi + 1) / 2
			if textLen(render(raw[:offs[mid]])) <= budget {
				lo = mid
			} else {
				hi = mid - 1
			}
		}
		cut := niceCut(raw, offs[max(lo, 1)])
		pieces = append(pieces, raw[:cut])
		raw = raw[cut:]
		budget = rest
	}
	return pieces
}

// niceCut moves a cut at byte offset cut back to the best boundary in the
// second half of raw[:cut]: after a blank line, a line break, the end of a
// sentence or a space, in that order of preference; failing all, to a
// grapheme boundary. It never returns 0.
func niceCut(raw string, cut int) int {
	if cut >= len(raw) {
		return len(raw)
	}
	head := raw[:cut]
	floor := cut / 2
	after := func(i, width int) int { return i + width }
	if i := strings.LastIndex(head, "\n\n"); i >= 0 && after(i, 2) > floor {
		return safeCut(raw, after(i, 2))
	}
	if i := strings.LastIndex(head, "\n"); i >= 0 && after(i, 1) > floor {
		return safeCut(raw, after(i, 1))
	}
	best := -1
	for _, end := range []string{". ", "! ", "? ", "… ", "。", "！", "？"} {
		if i := strings.LastIndex(head, end); i >= 0 && i+len(end) > best {
			best = i + len(end)
		}
	}
	if best > floor {
		return safeCut(raw, best)
	}
	if i := strings.LastIndexAny(head, " \t"); i >= 0 && i+1 > floor {
		return safeCut(raw, i+1)
	}
	return safeCut(raw, cut)
}

// safeCut moves cut back so that the text after it does not start with a
// mark that belongs to the character before it (combining marks, zero-width
// joiners, variation selectors, skin tones, the second of a flag's two
// regional indicators). If that would leave nothing before it, cut is
// returned unchanged.
func safeCut(raw string, cut int) int {
	c := cut
	for c > 0 && c < len(raw) {
		next, _ := utf8.DecodeRuneInString(raw[c:])
		prev, size := utf8.DecodeLastRuneInString(raw[:c])
		if !extendsPrevious(prev, next) && !(isRegionalIndicator(next) && oddRegionalRun(raw[:c])) {
			break
		}
		c -= size
	}
	if c <= 0 {
		return cut
	}
	return c
}

func extendsPrevious(prev, next rune) bool {
	return unicode.In(next, unicode.Mn, unicode.Me, unicode.Mc) ||
		next == '\u200d' || prev == '\u200d' ||
		(next >= '\ufe00' && next <= '\ufe0f') ||
		(next >= 0x1f3fb && next <= 0x1f3ff) || // skin tones
		(next >= 0xe0020 && next <= 0xe007f) // tag sequences
}

func isRegionalIndicator(r rune) bool { return r >= 0x1f1e6 && r <= 0x1f1ff }

// oddRegionalRun reports whether s ends with an odd number of regional
// indicators, so that the next one completes a flag.
func oddRegionalRun(s string) bool {
	n := 0
	for s != "" {
		r, size := utf8.DecodeLastRuneInString(s)
		if !isRegionalIndicator(r) {
			break
		}
		n++
		s = s[:len(s)-size]
	}
	return n%2 == 1
}
