package teams

import (
	"bytes"
	"cmp"
	"encoding/base64"
	"encoding/json"
	"errors"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"slices"
	"strconv"
	"strings"
	"time"

	"whatmatters/flows"
)

// The digest's chart in Teams.
//
// Slack gets the chart as an uploaded PNG (files.upload, after the digest's
// post). A bot cannot upload a file into a Teams channel, so the chart
// travels inside a message of its own, the way Slack's upload follows the
// post: one Adaptive Card whose Image element's url is a
// data:image/png;base64 URI, its altText stating the figures. Microsoft's
// "Send and receive inline images" (Teams platform docs) lists an image in an
// Adaptive Card as one of the ways an agent sends an image, and the Teams
// SDK's "Sending inline images" names a base64 data URI as the way for "a
// chart you just rendered" with nowhere to host it; the Adaptive Cards schema
// accepts data URIs in Image.url since version 1.2 (microsoft/AdaptiveCards
// #628). A card, rather than a bare image attachment, keeps the send like
// every other: it carries the idempotency marker as its first element's id
// (CardMarker reads it back), a heading, and alternative text.
//
// Size: "Format your bot messages" puts a bot message's limit at about
// 100 KB counted in UTF-16, advises staying within 80 KB, and says the limit
// does not include base64 images; older answers from the Teams team applied
// a 28 KB cap to cards carrying base64 images (OfficeDev/
// BotBuilder-MicrosoftTeams #172), and the .NET renderer refuses data URIs
// over 65,500 characters (microsoft/AdaptiveCards #2881, #3922). So the whole
// chart message, image included, is held to MaxChartBytes counted in UTF-16,
// which keeps the data URI far below the renderer's limit too. The chart
// drawn by themes is a 1000×500 PNG of 80–200 KB, so it is shrunk: first to
// a palette of its most used colours (lossless for the flat colours of a
// chart, and re-encoded with the best compression), then narrower, down to
// ChartMinWidth (Teams shows a card's image no wider than the card). When
// even that does not fit, or the PNG cannot be read, the card carries the
// chart's figures as a table instead.

const (
	// MaxChartBytes is the most the chart's message may take, counted in
	// UTF-16 as Teams counts a message, its base64 image included:
	// Microsoft's advice to stay within 80 KB of the 100 KB limit.
	MaxChartBytes = 80 << 10
	// ChartMinWidth is the narrowest the chart is drawn before the figures
	// stand in for it: below it the week labels of a year's chart cannot be
	// read.
	ChartMinWidth = 600
	// ChartImageName is the name the chart is sent under.
	ChartImageName = "what-matters-trend.png"
)

// ChartOptions says how to send a digest's chart. Every field may be zero.
type ChartOptions struct {
	// Marker is the card's idempotency marker (Send.Marker), the id of its
	// first element.
	Marker string
	// MaxBytes overrides MaxChartBytes (tests, or a stricter tenant).
	MaxBytes int
	// MinWidth overrides ChartMinWidth.
	MinWidth int
	// Heading and AltText, when set, stand in for the card's heading and
	// the image's alternative text, made from the digest otherwise: for a
	// chart whose figures the message before it gives.
	Heading, AltText string
}

// ChartMessage is a digest's chart as one Teams message.
type ChartMessage struct {
	// Activity is the message: one Adaptive Card.
	Activity *Activity
	// Image says the card shows the chart; false when the figures stand in
	// for it, Why saying why.
	Image bool
	Why   string
	// PNG is the image sent (nil with the figures), Width its width in
	// pixels and Colours its palette's size (0: the chart as drawn).
	PNG     []byte
	Width   int
	Colours int
	// Size is the activity's size counted in UTF-16.
	Size int
	// AltText is the image's alternative text: the chart's figures.
	AltText string
}

// chartStep is one way of drawing the chart smaller: a width (0: as drawn)
// and a palette size (0: the colours as drawn).
type chartStep struct{ width, colours int }

// chartSteps are tried in order: colours go first, since a chart's flat
// colours lose nothing visible at 32 or 16, then width.
var chartSteps = []chartStep{
	{0, 0}, {0, 64}, {0, 32}, {0, 16},
	{900, 16}, {800, 16}, {700, 16}, {600, 16}, {600, 8},
}

// DigestChart makes the Teams message for a digest's chart: png is what the
// digest maker drew (flows.DigestMaker.Chart, themes.Digester.Chart),
// d the digest it was drawn from, whose trend gives the figures. It shrinks
// the image until the message fits (see above) and falls back to a table of
// the figures when it cannot; it fails only when not even the table fits.
func DigestChart(d flows.Digest, pngData []byte, opt ChartOptions) (ChartMessage, error) {
	limit := opt.MaxBytes
	if limit <= 0 {
		limit = MaxChartBytes
	}
	minWidth := opt.MinWidth
	if minWidth <= 0 {
		minWidth = ChartMinWidth
	}
	figures := chartFigures(d)
	alt := chartAltText(figures)
	heading := chartHeading(d)
	if opt.AltText != "" {
		alt = opt.AltText
	}
	if opt.Heading != "" {
		heading = opt.Heading
	}

	why := "the chart could not be read"
	if img, err := png.Decode(bytes.NewReader(pngData)); err == nil {
		why = "the chart does not fit in a Teams message even at " + strconv.Itoa(minWidth) + " pixels wide"
		full := asRGBA(img)
		var fullColours []uint32 // ranked once for every step at full width
		for _, st := range chartSteps {
			if st.width != 0 && st.width < minWidth {
				continue
			}
			data := pngData
			width := img.Bounds().Dx()
			if st.width != 0 || st.colours != 0 {
				src, small := full, image.Image(full)
				if st.width != 0 && st.width < width {
					src = shrinkImage(full, st.width)
					small, width = src, st.width
				}
				if st.colours != 0 {
					ranked := fullColours
					if src != full {
						ranked = rankColours(src)
					} else if ranked == nil {
						ranked = rankColours(full)
						fullColours = ranked
					}
					small = paletted(src, ranked, st.colours)
				}
				var buf bytes.Buffer
				enc := png.Encoder{CompressionLevel: png.BestCompression}
				if err := enc.Encode(&buf, small); err != nil {
					continue
				}
				data = buf.Bytes()
			}
			act, size, err := chartActivity(heading, imageElement(data, alt), opt.Marker)
			if err != nil {
				return ChartMessage{}, err
			}
			if size <= limit {
				return ChartMessage{Activity: act, Image: true, PNG: data, Width: width,
					Colours: st.colours, Size: size, AltText: alt}, nil
			}
		}
	}
	act, size, err := chartActivity(heading, figuresElement(figures, why), opt.Marker)
	if err != nil {
		return ChartMessage{}, err
	}
	if size > limit {
		return ChartMessage{}, errors.New("teams: the chart's figures do not fit in a Teams message")
	}
	return ChartMessage{Activity: act, Why: why, Size: size, AltText: alt}, nil
}

// chartFigure is one week of the chart: its start, its answers, and the
// share read toward each direction (ok false: no answers on it).
type chartFigure struct {
	start   time.Time
	answers int
	shares  [4]struct {
		pct int
		ok  bool
	}
}

// chartDirectionNames are the chart's four lines, in the codebook's order
// and with the legend's words (themes/chart.go).
var chartDirectionNames = [4]struct{ key, name string }{
	{flows.DirRelationships, "saw the people around them"},
	{flows.DirStories, "told a story, not only facts"},
	{flows.DirCommunity, "found support beyond services"},
	{flows.DirAnticipation, "planned ahead together"},
}

// chartFigures reads the chart's figures from the digest's trend, as the
// chart draws them (themes.TrendChart): in order of week, a share being the
// answers read toward a direction of those read on it at all (of all the
// week's answers when Of is nil), counts clamped to 0…base.
func chartFigures(d flows.Digest) []chartFigure {
	weeks := slices.Clone(d.Trend)
	slices.SortStableFunc(weeks, func(a, b flows.WeekReading) int { return a.Start.Compare(b.Start) })
	out := make([]chartFigure, len(weeks))
	for i, w := range weeks {
		f := chartFigure{start: w.Start, answers: max(w.Answers, 0)}
		for j, dir := range chartDirectionNames {
			if w.Answers <= 0 {
				continue
			}
			base := w.Answers
			if w.Of != nil {
				base = min(max(w.Of[dir.key], 0), w.Answers)
			}
			if base == 0 {
				continue
			}
			toward := min(max(w.Toward[dir.key], 0), base)
			// Rounded half up, as the figure a reader sees.
			f.shares[j].pct = (200*toward + base) / (2 * base)
			f.shares[j].ok = true
		}
		out[i] = f
	}
	return out
}

// weekLabel names a week as the chart's axis does ("3 Nov"), in the
// digest's timezone when the start carries it.
func weekLabel(t time.Time) string { return t.Format("2 Jan") }

// figureLine is one week's figures in words: "203 answers: saw the people
// around them 78%, …".
func figureLine(f chartFigure) string {
	var b strings.Builder
	switch f.answers {
	case 0:
		return "no answers"
	case 1:
		b.WriteString("1 answer")
	default:
		b.WriteString(strconv.Itoa(f.answers) + " answers")
	}
	sep := ": "
	for j, dir := range chartDirectionNames {
		b.WriteString(sep + dir.name + " ")
		if f.shares[j].ok {
			b.WriteString(strconv.Itoa(f.shares[j].pct) + "%")
		} else {
			b.WriteString("none read on it")
		}
		sep = ", "
	}
	return b.String()
}

// chartAltText is the image's alternative text: what the chart shows, then
// every week's figures.
func chartAltText(figs []chartFigure) string {
	if len(figs) == 0 {
		return "Chart of how the stories read week by week: no answers have been coded yet."
	}
	var b strings.Builder
	b.WriteString("Line chart: of each week's answers that touched on each direction, the share read toward it. ")
	for i, f := range figs {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString("week starting " + weekLabel(f.start) + ", " + figureLine(f))
	}
	b.WriteString(".")
	return b.String()
}

// chartHeading is the card's heading: the chart's title
// (themes.ChartTitle), the team and the weeks it covers.
func chartHeading(d flows.Digest) string {
	loc, err := time.LoadLocation(d.Timezone)
	if err != nil {
		loc = time.UTC
	}
	from := d.From
	if len(d.Trend) > 0 {
		from = d.Trend[0].Start
	}
	title := "How the stories read, " + from.In(loc).Format("2 Jan") + " to " + d.To.In(loc).Format("2 Jan 2006")
	if d.TeamName != "" {
		title = d.TeamName + ": " + strings.ToLower(title[:1]) + title[1:]
	}
	return title
}

// chartCard is the part of the Adaptive Card schema the chart's card uses.
type chartCard struct {
	Type    string     `json:"type"`
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Body    []any      `json:"body"`
	MSTeams *cardTeams `json:"msteams,omitempty"`
}

type chartImage struct {
	Type    string          `json:"type"`
	URL     string          `json:"url"`
	AltText string          `json:"altText"`
	MSTeams map[string]bool `json:"msteams,omitempty"`
}

type chartFactSet struct {
	Type  string      `json:"type"`
	Facts []chartFact `json:"facts"`
}

type chartFact struct {
	Title string `json:"title"`
	Value string `json:"value"`
}

// imageElement is the chart as an Image: a data URI, its figures as
// alternative text, expandable to full size in Teams' Stageview
// (msteams.allowExpand, "Format cards in Teams").
func imageElement(data []byte, alt string) []any {
	return []any{chartImage{Type: "Image", URL: "data:image/png;base64," + base64.StdEncoding.EncodeToString(data),
		AltText: alt, MSTeams: map[string]bool{"allowExpand": true}}}
}

// figuresElement is the table standing in for the chart: a note saying
// why, then a FactSet of the weeks. Its text is all the bot's own (dates,
// numbers, fixed words), so FactSet's Markdown has nothing to read.
func figuresElement(figs []chartFigure, why string) []any {
	note := richText(textRun{Type: "TextRun", Text: "The chart is not shown because " + why +
		". Its figures, week by week: of each week's answers that touched on each direction, the share read toward it.", IsSubtle: true})
	if len(figs) == 0 {
		note = richText(textRun{Type: "TextRun", Text: "No answers have been coded yet.", IsSubtle: true})
		return []any{note}
	}
	facts := make([]chartFact, len(figs))
	for i, f := range figs {
		facts[i] = chartFact{Title: "Week starting " + weekLabel(f.start), Value: figureLine(f)}
	}
	return []any{note, chartFactSet{Type: "FactSet", Facts: facts}}
}

// chartActivity wraps the heading and body in a card, and gives the
// activity and its size counted in UTF-16.
func chartActivity(heading string, body []any, marker string) (*Activity, int, error) {
	head := richText(textRun{Type: "TextRun", Text: plain(heading), Weight: "bolder", Size: "medium"})
	head.ID = marker
	c := chartCard{Type: "AdaptiveCard", Schema: cardSchema, Version: CardVersion,
		Body: append([]any{head}, body...), MSTeams: &cardTeams{Width: "Full"}}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(c); err != nil {
		return nil, 0, err
	}
	content := json.RawMessage(bytes.TrimRight(buf.Bytes(), "\n"))
	a := &Activity{Type: TypeMessage, Summary: heading,
		Attachments: []Attachment{{ContentType: ContentTypeAdaptiveCard, Content: content}}}
	whole, err := json.Marshal(a)
	if err != nil {
		return nil, 0, err
	}
	return a, utf16Bytes(whole), nil
}

// asRGBA gives img as an *image.RGBA: the image itself when it is one
// (as the digest maker's charts decode), else a copy.
func asRGBA(img image.Image) *image.RGBA {
	if m, ok := img.(*image.RGBA); ok {
		return m
	}
	b := img.Bounds()
	m := image.NewRGBA(b)
	draw.Draw(m, b, img, b.Min, draw.Src)
	return m
}

// shrinkImage scales img down to width pixels wide (height in proportion),
// each pixel the average of the pixels it covers, so thin lines and text
// fade rather than vanish. It reads the pixels in place: going through
// image.At cost an allocation a pixel, which made fitting a year's chart
// take seconds (BenchmarkDigestChart).
func shrinkImage(img *image.RGBA, width int) *image.RGBA {
	b := img.Bounds()
	sw, sh := b.Dx(), b.Dy()
	height := shrunkHeight(b, width)
	dst := image.NewRGBA(image.Rect(0, 0, width, height))
	for y := range height {
		y0, y1 := covered(y, height, sh)
		for x := range width {
			x0, x1 := covered(x, width, sw)
			// Sums of 16-bit values, as color.Color's RGBA gives them.
			var r, g, bl, a, n uint64
			for yy := y0; yy < y1; yy++ {
				row := img.Pix[img.PixOffset(b.Min.X+x0, b.Min.Y+yy):]
				for i := 0; i < 4*(x1-x0); i += 4 {
					r += uint64(row[i]) * 0x101
					g += uint64(row[i+1]) * 0x101
					bl += uint64(row[i+2]) * 0x101
					a += uint64(row[i+3]) * 0x101
				}
				n += uint64(x1 - x0)
			}
			o := dst.PixOffset(x, y)
			dst.Pix[o], dst.Pix[o+1], dst.Pix[o+2], dst.Pix[o+3] = uint8((r/n)>>8), uint8((g/n)>>8), uint8((bl/n)>>8), uint8((a/n)>>8)
		}
	}
	return dst
}

// shrunkHeight is the height of an image of bounds b shrunk to width
// pixels wide, in proportion.
func shrunkHeight(b image.Rectangle, width int) int {
	return max(b.Dy()*width/max(b.Dx(), 1), 1)
}

// covered is the run of pixels [lo, hi) that pixel i of n covers in a line
// of size pixels: at least one.
func covered(i, n, size int) (lo, hi int) {
	lo = i * size / n
	return lo, max((i+1)*size/n, lo+1)
}

// packRGBA packs the pixel at Pix[i:i+4] into one number, which also
// orders colours the same way every time.
func packRGBA(pix []uint8, i int) uint32 {
	return uint32(pix[i])<<24 | uint32(pix[i+1])<<16 | uint32(pix[i+2])<<8 | uint32(pix[i+3])
}

// rankColours lists img's colours, most used first (ties in packRGBA's
// order, so the same chart gives the same bytes).
func rankColours(img *image.RGBA) []uint32 {
	b := img.Bounds()
	counts := map[uint32]int{}
	for y := b.Min.Y; y < b.Max.Y; y++ {
		row := img.Pix[img.PixOffset(b.Min.X, y):]
		for i := 0; i < 4*b.Dx(); i += 4 {
			counts[packRGBA(row, i)]++
		}
	}
	cs := make([]uint32, 0, len(counts))
	for c := range counts {
		cs = append(cs, c)
	}
	slices.SortFunc(cs, func(a, b uint32) int {
		if d := counts[b] - counts[a]; d != 0 {
			return d
		}
		return cmp.Compare(a, b)
	})
	return cs
}

// paletted redraws img with its k most used colours (ranked is
// rankColours(img)), each pixel taking the nearest of them as
// color.Palette.Index finds it (no dithering, which would cost more bytes
// than it saves on a chart's flat colours). A chart has few colours, so
// each is looked up once.
func paletted(img *image.RGBA, ranked []uint32, k int) *image.Paletted {
	b := img.Bounds()
	pal := make(color.Palette, 0, k)
	for _, c := range ranked[:min(k, len(ranked))] {
		pal = append(pal, color.RGBA{uint8(c >> 24), uint8(c >> 16), uint8(c >> 8), uint8(c)})
	}
	dst := image.NewPaletted(b, pal)
	nearest := map[uint32]uint8{}
	for y := b.Min.Y; y < b.Max.Y; y++ {
		row := img.Pix[img.PixOffset(b.Min.X, y):]
		out := dst.Pix[dst.PixOffset(b.Min.X, y):]
		for x := range b.Dx() {
			c := packRGBA(row, 4*x)
			idx, ok := nearest[c]
			if !ok {
				idx = uint8(pal.Index(color.RGBA{uint8(c >> 24), uint8(c >> 16), uint8(c >> 8), uint8(c)}))
				nearest[c] = idx
			}
			out[x] = idx
		}
	}
	return dst
}
