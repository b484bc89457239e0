package teams

import (
	"bytes"
	"cmp"
	"encoding/base64"
	"encoding/json"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"whatmatters/flows"
	"whatmatters/themes"
)

// chartDigest is a digest of weeks weeks with answers and shares drawn at
// random (a fixed seed): lines that cross and recross, the hardest chart to
// compress. Answer counts run to three digits, and the team's name is long.
func chartDigest(weeks int) flows.Digest {
	r := rand.New(rand.NewPCG(23, uint64(weeks)))
	d := flows.Digest{TeamID: "T1", TeamName: "Community Palliative Care Team (North and West Locality)",
		Timezone: "Europe/London", To: time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC), Weeks: weeks}
	start := d.To.AddDate(0, 0, -7*weeks)
	d.From = start
	for i := range weeks {
		w := flows.WeekReading{Start: start.AddDate(0, 0, 7*i), Answers: 100 + r.IntN(900),
			Toward: map[string]int{}, Of: map[string]int{}}
		for _, dir := range chartDirectionNames {
			w.Of[dir.key] = r.IntN(w.Answers + 1)
			w.Toward[dir.key] = r.IntN(w.Of[dir.key] + 1)
		}
		d.Trend = append(d.Trend, w)
	}
	return d
}

// drawn is the chart the digest maker draws for d: the real chart code.
func drawn(t *testing.T, d flows.Digest) []byte {
	t.Helper()
	b, err := themes.Digester{}.Chart(d)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// chartCardOf decodes the card of a chart message.
func chartCardOf(t *testing.T, m ChartMessage) map[string]any {
	t.Helper()
	if m.Activity == nil || len(m.Activity.Attachments) != 1 || m.Activity.Attachments[0].ContentType != ContentTypeAdaptiveCard {
		t.Fatalf("not one Adaptive Card: %+v", m.Activity)
	}
	var c map[string]any
	if err := json.Unmarshal(m.Activity.Attachments[0].Content, &c); err != nil {
		t.Fatal(err)
	}
	return c
}

func TestDigestChartFitsForTheLargestDigest(t *testing.T) {
	// A digest covers at most 52 weeks (flows' maxDigestWeeks); the chart
	// as drawn is far over the limit for all of these.
	for _, weeks := range []int{4, 12, 26, 52} {
		d := chartDigest(weeks)
		raw := drawn(t, d)
		if 2*base64.StdEncoding.EncodedLen(len(raw)) <= MaxChartBytes {
			t.Fatalf("%d weeks: the chart as drawn (%d bytes) already fits; the test proves nothing", weeks, len(raw))
		}
		m, err := DigestChart(d, raw, ChartOptions{Marker: Marker("digest/1", 0)})
		if err != nil {
			t.Fatal(err)
		}
		if !m.Image {
			t.Fatalf("%d weeks: the figures stood in (%s); the chart should fit", weeks, m.Why)
		}
		whole, _ := json.Marshal(m.Activity)
		if got := utf16Bytes(whole); got > MaxChartBytes || got != m.Size {
			t.Fatalf("%d weeks: message is %d bytes (reported %d), limit %d", weeks, got, m.Size, MaxChartBytes)
		}
		if m.Width < ChartMinWidth {
			t.Fatalf("%d weeks: drawn %d wide, below %d", weeks, m.Width, ChartMinWidth)
		}
		// The image sent is a PNG of the chart, and the card carries it.
		img, err := png.Decode(bytes.NewReader(m.PNG))
		if err != nil {
			t.Fatalf("%d weeks: image sent is not a PNG: %v", weeks, err)
		}
		if img.Bounds().Dx() != m.Width || img.Bounds().Dy() != m.Width*themes.ChartHeight/themes.ChartWidth {
			t.Fatalf("%d weeks: image is %v, want %d wide in the chart's proportions", weeks, img.Bounds(), m.Width)
		}
		c := chartCardOf(t, m)
		body := c["body"].([]any)
		im := body[1].(map[string]any)
		if im["type"] != "Image" || im["url"] != "data:image/png;base64,"+base64.StdEncoding.EncodeToString(m.PNG) {
			t.Fatalf("%d weeks: second element is not the image as a data URI", weeks)
		}
		if im["altText"] != m.AltText {
			t.Fatalf("%d weeks: alt text not on the image", weeks)
		}
		// The marker is where CardMarker reads it back.
		if got := CardMarker(m.Activity.Attachments[0].Content); got != Marker("digest/1", 0) {
			t.Fatalf("%d weeks: marker read back %q", weeks, got)
		}
		t.Logf("%d weeks: drawn %d bytes; sent %d wide, %d colours, %d bytes; message %d of %d", weeks,
			len(raw), m.Width, m.Colours, len(m.PNG), m.Size, MaxChartBytes)
	}
}

func TestDigestChartSendsASmallChartAsDrawn(t *testing.T) {
	d := chartDigest(4)
	raw := drawn(t, d)
	m, err := DigestChart(d, raw, ChartOptions{MaxBytes: 1 << 20})
	if err != nil || !m.Image {
		t.Fatalf("got %+v, %v", m, err)
	}
	if !bytes.Equal(m.PNG, raw) || m.Colours != 0 || m.Width != themes.ChartWidth {
		t.Fatalf("with room to spare the chart should go as drawn; got %d bytes, %d colours, %d wide", len(m.PNG), m.Colours, m.Width)
	}
}

func TestDigestChartFallsBackToTheFigures(t *testing.T) {
	d := chartDigest(12)
	raw := drawn(t, d)
	cases := []struct {
		name string
		png  []byte
		opt  ChartOptions
		why  string
	}{
		{"too small a limit", raw, ChartOptions{MaxBytes: 20 << 10, Marker: Marker("digest/2", 0)}, "does not fit"},
		{"not a PNG", []byte("not a png"), ChartOptions{Marker: Marker("digest/2", 0)}, "could not be read"},
		{"no chart", nil, ChartOptions{Marker: Marker("digest/2", 0)}, "could not be read"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m, err := DigestChart(d, tc.png, tc.opt)
			if err != nil {
				t.Fatal(err)
			}
			if m.Image || m.PNG != nil || !strings.Contains(m.Why, tc.why) {
				t.Fatalf("want the figures because %q; got image %v, why %q", tc.why, m.Image, m.Why)
			}
			limit := tc.opt.MaxBytes
			if limit == 0 {
				limit = MaxChartBytes
			}
			if m.Size > limit {
				t.Fatalf("figures take %d bytes, limit %d", m.Size, limit)
			}
			c := chartCardOf(t, m)
			body := c["body"].([]any)
			var facts []any
			for _, el := range body {
				el := el.(map[string]any)
				if el["type"] == "Image" {
					t.Fatal("an image in the fallback")
				}
				if el["type"] == "FactSet" {
					facts = el["facts"].([]any)
				}
			}
			if len(facts) != len(d.Trend) {
				t.Fatalf("%d rows for %d weeks", len(facts), len(d.Trend))
			}
			// Each row holds the week's figures as the chart shows them.
			figs := chartFigures(d)
			for i, f := range facts {
				f := f.(map[string]any)
				if f["title"] != "Week starting "+d.Trend[i].Start.Format("2 Jan") {
					t.Fatalf("row %d: %v", i, f["title"])
				}
				v := f["value"].(string)
				if !strings.HasPrefix(v, strconv.Itoa(d.Trend[i].Answers)+" answers: ") {
					t.Fatalf("row %d: %q does not start with the answers", i, v)
				}
				for j, dir := range chartDirectionNames {
					want := dir.name + " " + strconv.Itoa(figs[i].shares[j].pct) + "%"
					if !strings.Contains(v, want) {
						t.Fatalf("row %d: %q lacks %q", i, v, want)
					}
				}
			}
			if CardMarker(m.Activity.Attachments[0].Content) != Marker("digest/2", 0) {
				t.Fatal("fallback card lost its marker")
			}
		})
	}
}

func TestChartFiguresAndAltText(t *testing.T) {
	start := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)
	d := flows.Digest{Timezone: "Europe/London", To: start.AddDate(0, 0, 21), Trend: []flows.WeekReading{
		// Out of order on purpose: the chart sorts by week.
		{Start: start.AddDate(0, 0, 7), Answers: 0},
		{Start: start, Answers: 8,
			Toward: map[string]int{"relationships": 3, "stories": 9, "community": -2, "anticipation": 1},
			Of:     map[string]int{"relationships": 4, "stories": 6, "community": 5, "anticipation": 0}},
		{Start: start.AddDate(0, 0, 14), Answers: 1, Toward: map[string]int{"stories": 1}},
	}}
	got := chartAltText(chartFigures(d))
	want := "Line chart: of each week's answers that touched on each direction, the share read toward it. " +
		// 3 of 4 → 75%; 9 of 6 taken as all → 100%; −2 taken as none → 0%; none read on anticipation.
		"week starting 2 Nov, 8 answers: saw the people around them 75%, told a story, not only facts 100%, " +
		"found support beyond services 0%, planned ahead together none read on it; " +
		"week starting 9 Nov, no answers; " +
		// Of nil: every answer of the week is the base.
		"week starting 16 Nov, 1 answer: saw the people around them 0%, told a story, not only facts 100%, " +
		"found support beyond services 0%, planned ahead together 0%."
	if got != want {
		t.Fatalf("alt text:\n got %s\nwant %s", got, want)
	}
	// Halves round up: 1 of 8 is 12.5% → 13%; 2 of 3 is 66.7% → 67%.
	half := chartFigures(flows.Digest{Trend: []flows.WeekReading{{Answers: 8, Toward: map[string]int{"relationships": 1}},
		{Answers: 3, Toward: map[string]int{"relationships": 2}}}})
	if half[0].shares[0].pct != 13 || half[1].shares[0].pct != 67 {
		t.Fatalf("rounding: %d, %d", half[0].shares[0].pct, half[1].shares[0].pct)
	}
	if got := chartAltText(nil); !strings.Contains(got, "no answers have been coded yet") {
		t.Fatalf("empty chart's alt text: %q", got)
	}
}

func TestChartHeadingIsTheChartsTitle(t *testing.T) {
	for _, d := range []flows.Digest{chartDigest(12), {Timezone: "Nowhere/Else", To: time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC),
		From: time.Date(2025, 12, 8, 0, 0, 0, 0, time.UTC)}} {
		if got, want := chartHeading(d), themes.ChartTitle(d); got != want {
			t.Fatalf("heading %q, chart's title %q", got, want)
		}
	}
}

func TestChartHeadingCannotPoseAsAMention(t *testing.T) {
	d := chartDigest(4)
	d.TeamName = "<at>Everyone</at>"
	m, err := DigestChart(d, drawn(t, d), ChartOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(m.Activity.Attachments[0].Content), "<at>Everyone") {
		t.Fatal("team name's mention markup reached the card unbroken")
	}
}

func TestShrinkAndPalette(t *testing.T) {
	img, err := png.Decode(bytes.NewReader(drawn(t, chartDigest(12))))
	if err != nil {
		t.Fatal(err)
	}
	small := shrinkImage(asRGBA(img), 500)
	if small.Bounds().Dx() != 500 || small.Bounds().Dy() != 250 {
		t.Fatalf("shrunk to %v", small.Bounds())
	}
	// The background stays white; the lines' colours survive a 16-colour
	// palette (the Okabe–Ito blue of the first line is among them).
	if r, g, b, _ := small.At(2, 2).RGBA(); r>>8 != 255 || g>>8 != 255 || b>>8 != 255 {
		t.Fatalf("corner is %d,%d,%d, not white", r>>8, g>>8, b>>8)
	}
	p := paletted(asRGBA(img), rankColours(asRGBA(img)), 16)
	if len(p.Palette) != 16 {
		t.Fatalf("palette of %d", len(p.Palette))
	}
	blue := false
	for _, c := range p.Palette {
		r, g, b, _ := c.RGBA()
		if r>>8 == 0 && g>>8 == 114 && b>>8 == 178 {
			blue = true
		}
	}
	if !blue {
		t.Fatal("the first line's colour was lost")
	}
}

// TestShrinkAndPaletteAsImageAtWouldDraw checks that shrinking and the
// palette, which read pixels in place for speed, give the very pixels the
// plain reading through image.At and draw.Draw gives, on a real chart.
func TestShrinkAndPaletteAsImageAtWouldDraw(t *testing.T) {
	img, err := png.Decode(bytes.NewReader(drawn(t, chartDigest(26))))
	if err != nil {
		t.Fatal(err)
	}
	full := asRGBA(img)
	small := shrinkImage(full, 600)
	if want := plainShrink(img, 600); !bytes.Equal(small.Pix, want.Pix) || small.Rect != want.Rect {
		t.Fatal("shrunk pixels differ from the plain reading's")
	}
	for _, c := range []struct {
		img *image.RGBA
		k   int
	}{{full, 16}, {small, 8}} {
		got := paletted(c.img, rankColours(c.img), c.k)
		want := plainPaletted(c.img, c.k)
		if !slices.Equal(got.Palette, want.Palette) || !bytes.Equal(got.Pix, want.Pix) {
			t.Fatalf("%d colours at %d wide: the palette or its pixels differ from the plain reading's", c.k, c.img.Bounds().Dx())
		}
	}
}

// plainShrink is shrinkImage written the plain way, through image.At,
// over the same runs of pixels.
func plainShrink(img image.Image, width int) *image.RGBA {
	b := img.Bounds()
	height := shrunkHeight(b, width)
	dst := image.NewRGBA(image.Rect(0, 0, width, height))
	for y := range height {
		y0, y1 := covered(y, height, b.Dy())
		for x := range width {
			x0, x1 := covered(x, width, b.Dx())
			var r, g, bl, a, n uint64
			for yy := y0; yy < y1; yy++ {
				for xx := x0; xx < x1; xx++ {
					cr, cg, cb, ca := img.At(b.Min.X+xx, b.Min.Y+yy).RGBA()
					r, g, bl, a, n = r+uint64(cr), g+uint64(cg), bl+uint64(cb), a+uint64(ca), n+1
				}
			}
			dst.Set(x, y, color.RGBA64{uint16(r / n), uint16(g / n), uint16(bl / n), uint16(a / n)})
		}
	}
	return dst
}

// plainPaletted is paletted written the plain way: colours counted through
// image.At, pixels mapped by draw.Draw.
func plainPaletted(img image.Image, k int) *image.Paletted {
	b := img.Bounds()
	counts := map[color.RGBA]int{}
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			counts[color.RGBAModel.Convert(img.At(x, y)).(color.RGBA)]++
		}
	}
	pack := func(c color.RGBA) uint32 { return uint32(c.R)<<24 | uint32(c.G)<<16 | uint32(c.B)<<8 | uint32(c.A) }
	cs := make([]color.RGBA, 0, len(counts))
	for c := range counts {
		cs = append(cs, c)
	}
	slices.SortFunc(cs, func(a, b color.RGBA) int {
		if d := counts[b] - counts[a]; d != 0 {
			return d
		}
		return cmp.Compare(pack(a), pack(b))
	})
	pal := make(color.Palette, 0, k)
	for _, c := range cs[:min(k, len(cs))] {
		pal = append(pal, c)
	}
	dst := image.NewPaletted(b, pal)
	draw.Draw(dst, b, img, b.Min, draw.Src)
	return dst
}
