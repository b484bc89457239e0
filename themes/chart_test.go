package themes

import (
	"bytes"
	"image"
	"image/draw"
	"image/png"
	"math"
	"os"
	"slices"
	"sync"
	"testing"
	"time"
)

// chartTestWeeks makes n weeks of made-up answers, the last starting on
// Monday 3 November 2025, with shares that move from week to week.
func chartTestWeeks(n int) []TrendWeek {
	last := time.Date(2025, time.November, 3, 0, 0, 0, 0, time.FixedZone("GMT", 0))
	weeks := make([]TrendWeek, n)
	for i := range weeks {
		a := 4 + (i*7)%11
		weeks[i] = TrendWeek{
			Start:   last.AddDate(0, 0, 7*(i-n+1)),
			Answers: a,
			Toward: map[string]int{
				"relationships": a * ((i * 3) % 5) / 4,
				"stories":       a * ((i*2 + 1) % 4) / 3,
				"community":     a * (i % 3) / 2,
				"anticipation":  a / 2,
			},
		}
	}
	return weeks
}

// chartRender draws weeks and checks that the result is a PNG of the
// chart's size.
func chartRender(t testing.TB, weeks []TrendWeek) ([]byte, image.Image) {
	t.Helper()
	b, err := TrendChart(weeks)
	if err != nil {
		t.Fatalf("TrendChart: %v", err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("decoding the chart as PNG: %v", err)
	}
	if got := img.Bounds(); got.Dx() != ChartWidth || got.Dy() != ChartHeight {
		t.Fatalf("chart is %d×%d, want %d×%d", got.Dx(), got.Dy(), ChartWidth, ChartHeight)
	}
	return b, img
}

// chartPixels returns img's pixels, four bytes each, row by row.
func chartPixels(img image.Image) []byte {
	switch m := img.(type) {
	case *image.NRGBA:
		return m.Pix
	case *image.RGBA:
		return m.Pix
	}
	m := image.NewNRGBA(img.Bounds())
	draw.Draw(m, m.Bounds(), img, img.Bounds().Min, draw.Src)
	return m.Pix
}

// chartColours counts the distinct colours in img.
func chartColours(img image.Image) int {
	seen := map[[4]byte]bool{}
	pix := chartPixels(img)
	for i := 0; i+4 <= len(pix); i += 4 {
		seen[[4]byte(pix[i:i+4])] = true
	}
	return len(seen)
}

// chartColourCount counts the pixels of img that are exactly c.
func chartColourCount(img image.Image, c [3]byte) int {
	n := 0
	pix := chartPixels(img)
	for i := 0; i+4 <= len(pix); i += 4 {
		if [3]byte(pix[i:i+3]) == c && pix[i+3] == 0xff {
			n++
		}
	}
	return n
}

// chartDiffering counts the pixels in which a and b differ.
func chartDiffering(a, b image.Image) int {
	pa, pb := chartPixels(a), chartPixels(b)
	if len(pa) != len(pb) {
		return max(len(pa), len(pb)) / 4
	}
	n := 0
	for i := 0; i+4 <= len(pa); i += 4 {
		if [4]byte(pa[i:i+4]) != [4]byte(pb[i:i+4]) {
			n++
		}
	}
	return n
}

// chartNotBlank fails unless img has more than a few colours: four lines,
// text and axes, anti-aliased, give hundreds.
func chartNotBlank(t *testing.T, img image.Image) {
	t.Helper()
	if n := chartColours(img); n < 50 {
		t.Errorf("chart has %d distinct colours; it looks blank", n)
	}
}

func TestTrendChartTwelveWeeks(t *testing.T) {
	weeks := chartTestWeeks(12)
	weeks[4].Answers = 0 // a gap, as in a quiet week
	b, img := chartRender(t, weeks)
	chartNotBlank(t, img)
	// Each direction's line is drawn: its colour covers many more pixels
	// than in a chart with no lines, where only its legend entry has it.
	_, none := chartRender(t, nil)
	for _, d := range chartDirections {
		c := [3]byte{d.color.R, d.color.G, d.color.B}
		if n, legend := chartColourCount(img, c), chartColourCount(none, c); n < legend+500 {
			t.Errorf("%s: %d pixels of its colour, and %d in its legend entry alone; want a line", d.name, n, legend)
		}
	}
	if out := os.Getenv("TREND_CHART_OUT"); out != "" {
		// TREND_CHART_OUT=/tmp/trend.png go test -run TwelveWeeks ./themes/
		// saves the chart to look at.
		if err := os.WriteFile(out, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestTrendChartEmpty(t *testing.T) {
	_, none := chartRender(t, nil)
	chartNotBlank(t, none)
	_, empty := chartRender(t, []TrendWeek{})
	if d := chartDiffering(none, empty); d != 0 {
		t.Errorf("nil and an empty slice differ in %d pixels", d)
	}
	_, full := chartRender(t, chartTestWeeks(12))
	if chartDiffering(none, full) == 0 {
		t.Error("an empty chart is the same as a full one")
	}
}

func TestTrendChartWeeksWithNoAnswers(t *testing.T) {
	weeks := chartTestWeeks(12)
	weeks[3].Answers = 0
	weeks[3].Toward = map[string]int{"stories": 2} // odd data, still no 2/0
	weeks[7].Answers = -1                          // nonsense is no answers
	weeks[11].Answers = 0
	weeks[11].Toward = nil
	_, img := chartRender(t, weeks)
	chartNotBlank(t, img)

	// Every week empty: still a chart, one that says so.
	all := chartTestWeeks(12)
	for i := range all {
		all[i].Answers = 0
	}
	_, img = chartRender(t, all)
	chartNotBlank(t, img)

	// One week alone, with answers or without.
	chartRender(t, chartTestWeeks(1))
	chartRender(t, []TrendWeek{{Start: time.Date(2025, 11, 3, 0, 0, 0, 0, time.UTC)}})
}

func TestTrendChartShare(t *testing.T) {
	for _, tc := range []struct {
		name    string
		week    TrendWeek
		key     string
		want    float64
		present bool
	}{
		{"half", TrendWeek{Answers: 4, Toward: map[string]int{"stories": 2}}, "stories", 50, true},
		{"none toward", TrendWeek{Answers: 4}, "community", 0, true},
		{"all", TrendWeek{Answers: 3, Toward: map[string]int{"community": 3}}, "community", 100, true},
		{"more than all", TrendWeek{Answers: 3, Toward: map[string]int{"community": 5}}, "community", 100, true},
		{"below zero", TrendWeek{Answers: 3, Toward: map[string]int{"community": -2}}, "community", 0, true},
		{"no answers", TrendWeek{Answers: 0, Toward: map[string]int{"stories": 2}}, "stories", 0, false},
		{"negative answers", TrendWeek{Answers: -3}, "stories", 0, false},
		{"huge", TrendWeek{Answers: math.MaxInt, Toward: map[string]int{"stories": math.MaxInt}}, "stories", 100, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := chartShare(tc.week, tc.key)
			if math.IsNaN(got) || math.IsInf(got, 0) {
				t.Fatalf("share is %v", got)
			}
			if ok != tc.present || (ok && got != tc.want) {
				t.Errorf("chartShare = %v, %v; want %v, %v", got, ok, tc.want, tc.present)
			}
		})
	}
}

func TestTrendChartDeterministic(t *testing.T) {
	weeks := chartTestWeeks(12)
	a, _ := chartRender(t, weeks)
	b, _ := chartRender(t, weeks)
	if !bytes.Equal(a, b) {
		t.Fatal("two charts of the same weeks differ")
	}
	// The order the weeks come in does not matter, and is left alone.
	shuffled := slices.Clone(weeks)
	slices.Reverse(shuffled)
	shuffled[2], shuffled[9] = shuffled[9], shuffled[2]
	before := slices.Clone(shuffled)
	c, _ := chartRender(t, shuffled)
	if !bytes.Equal(a, c) {
		t.Error("the chart depends on the order of the weeks")
	}
	for i := range shuffled {
		if !shuffled[i].Start.Equal(before[i].Start) {
			t.Fatal("TrendChart reordered its argument")
		}
	}
}

func TestTrendChartConcurrent(t *testing.T) {
	weeks := chartTestWeeks(12)
	want, _ := chartRender(t, weeks)
	var wg sync.WaitGroup
	got := make([][]byte, 3)
	errs := make([]error, len(got))
	for i := range got {
		wg.Go(func() { got[i], errs[i] = TrendChart(weeks) })
	}
	wg.Wait()
	for i := range got {
		if errs[i] != nil {
			t.Fatalf("call %d: %v", i, errs[i])
		}
		if !bytes.Equal(got[i], want) {
			t.Errorf("call %d, run alongside others, drew a different chart", i)
		}
	}
}

func TestTrendChartDiffers(t *testing.T) {
	weeks := chartTestWeeks(12)
	a, ia := chartRender(t, weeks)

	changed := chartTestWeeks(12)
	changed[5].Toward["community"] = 0
	changed[5].Toward["relationships"] = changed[5].Answers
	b, ib := chartRender(t, changed)
	if bytes.Equal(a, b) || chartDiffering(ia, ib) == 0 {
		t.Error("changing a week's shares left the chart the same")
	}

	// The same shares from twice the answers: only the count differs.
	doubled := chartTestWeeks(12)
	doubled[5].Answers *= 2
	for k, v := range doubled[5].Toward {
		doubled[5].Toward[k] = 2 * v
	}
	_, id := chartRender(t, doubled)
	if chartDiffering(ia, id) == 0 {
		t.Error("a week's answer count does not show")
	}
}

func TestTrendChartManyWeeks(t *testing.T) {
	weeks := chartTestWeeks(52)
	weeks[20].Answers = 0
	weeks[30].Answers = 1234
	_, img := chartRender(t, weeks)
	chartNotBlank(t, img)
}

func TestTrendChartWords(t *testing.T) {
	// The words the chart is drawn with, checked here since a PNG's text
	// cannot be read back.
	for _, tc := range []struct{ answers, weeks int }{{0, 12}, {1, 12}, {7, 12}, {7, 40}} {
		got := chartCount(tc.answers, tc.weeks)
		want := map[[2]int]string{{0, 12}: "no answers", {1, 12}: "1 answer", {7, 12}: "7 answers", {7, 40}: "7"}[[2]int{tc.answers, tc.weeks}]
		if got != want {
			t.Errorf("chartCount(%d, %d) = %q, want %q", tc.answers, tc.weeks, got, want)
		}
	}
	if got := chartPercent(40); got != "40%" {
		t.Errorf("chartPercent(40) = %q", got)
	}
	if got := chartPercent(-20); got != "" {
		t.Errorf("chartPercent(-20) = %q, want it hidden", got)
	}
	var names []string
	for _, d := range chartDirections {
		names = append(names, d.name)
	}
	if want := []string{"Saw the people around them", "Told a story, not only facts", "Found support beyond services", "Planned ahead together"}; !slices.Equal(names, want) {
		t.Errorf("legend names %q, want %q", names, want)
	}
}

func BenchmarkTrendChart(b *testing.B) {
	weeks := chartTestWeeks(12)
	b.ReportAllocs()
	var size int
	for b.Loop() {
		out, err := TrendChart(weeks)
		if err != nil {
			b.Fatal(err)
		}
		size = len(out)
	}
	b.ReportMetric(float64(size), "png-bytes")
}
