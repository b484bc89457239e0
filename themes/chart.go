package themes

import (
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/go-analyze/charts"
)

// TrendWeek is one week of the digest's trend chart.
type TrendWeek struct {
	Start   time.Time      // the first day of the week, in the team's timezone
	Answers int            // answers coded that week
	Toward  map[string]int // answers read "toward", by direction key: relationships, stories, community, anticipation
	// Of is the answers read on each direction at all (toward or away),
	// the base of its share, as in the digest's text. Nil takes every
	// answer of the week as the base.
	Of map[string]int
}

// Chart size in pixels.
const (
	ChartWidth  = 1000
	ChartHeight = 500
)

// chartDirections lists the four directions in the codebook's order: the key
// TrendWeek.Toward uses, the words the legend shows, the line's colour and
// the shape of its points, so that the lines can be told apart without
// colour too. The colours are from the Okabe–Ito palette, which stays
// distinct for the common kinds of colour blindness.
var chartDirections = [...]struct {
	key, name string
	color     charts.Color
	shape     charts.SymbolShape
}{
	{"relationships", "Saw the people around them", charts.ColorRGB(0, 114, 178), charts.SymbolCircle},
	{"stories", "Told a story, not only facts", charts.ColorRGB(213, 94, 0), charts.SymbolSquare},
	{"community", "Found support beyond services", charts.ColorRGB(0, 158, 115), charts.SymbolDiamond},
	{"anticipation", "Planned ahead together", charts.ColorRGB(204, 121, 167), charts.SymbolDot},
}

// chartGrey is the colour of the chart's secondary text: the subtitle, the
// answer counts, the x axis title.
var chartGrey = charts.ColorRGB(100, 100, 100)

// chartFontFamily is the chart's font: one that the charts library embeds
// (and loads once, on first use), so nothing is read from disk or the
// network, and one named outright rather than the library's changeable
// default, so the same weeks always give the same bytes.
const chartFontFamily = charts.FontFamilyRoboto

const (
	chartTitleSize = 18
	chartTextSize  = 12
	chartCountSize = 10
	// The y axis runs from chartAxisFoot to 100 with its labels from 0%
	// up: the band below 0% holds each week's answer count, at chartCountAt.
	chartAxisFoot = -20.0
	chartCountAt  = chartAxisFoot / 2
	// chartWordsUpTo is the most weeks for which every week is labelled and
	// its count is in words ("7 answers"); past it the library thins out
	// the week labels and the counts are bare numbers.
	chartWordsUpTo = 16
	// Past chartSmallFrom weeks the counts are set smaller, to fit.
	chartSmallFrom = 26
	chartSmallSize = 8
)

// TrendChart draws, as a PNG of ChartWidth×ChartHeight, the share of answers
// read toward each of the four directions week by week: a line per
// direction, the y axis from 0 to 100%, the x axis labelled by the day each
// week starts ("3 Nov"), and, in a band below 0% just above each week's
// label, the number of answers coded that week.
//
// Weeks are drawn in order of Start, whatever their order in weeks. A week
// with no answers is a gap in every line, its count shown ("no answers");
// a Toward count above Answers is taken as all of them (100%), and one below
// zero as none. An empty slice, or weeks that all have no answers, still give
// a valid chart, one that says there is nothing to show yet.
//
// The same weeks always give the same bytes: the chart uses a font that the
// charts library embeds, and neither the clock nor the network.
func TrendChart(weeks []TrendWeek) ([]byte, error) { return TrendChartTitled(weeks, "") }

// TrendChartTitled is TrendChart with a title of the caller's (the team and
// the dates); "" gives a plain one.
func TrendChartTitled(weeks []TrendWeek, title string) ([]byte, error) {
	ws := slices.Clone(weeks)
	slices.SortStableFunc(ws, func(a, b TrendWeek) int { return a.Start.Compare(b.Start) })
	n := len(ws)
	font := charts.GetFont(chartFontFamily)

	p := charts.NewPainter(charts.PainterOptions{
		OutputFormat: charts.ChartOutputPNG,
		Width:        ChartWidth,
		Height:       ChartHeight,
		Font:         font,
	})

	labels := make([]string, n)
	colors := make([]charts.Color, 0, len(chartDirections)+n)
	names := make([]string, 0, len(chartDirections))
	series := make(charts.LineSeriesList, 0, len(chartDirections)+n)
	for _, d := range chartDirections {
		// The series are left unnamed: the library names them from the
		// legend, and would otherwise reorder them to match it.
		series = append(series, charts.LineSeries{
			Values: make([]float64, n),
			Symbol: charts.Symbol{Shape: d.shape},
		})
		colors = append(colors, d.color)
		names = append(names, d.name)
	}
	coded := false
	for i, w := range ws {
		labels[i] = w.Start.Format("2 Jan")
		answers := max(w.Answers, 0)
		coded = coded || answers > 0
		for j, d := range chartDirections {
			share, ok := chartShare(w, d.key)
			if !ok {
				share = charts.GetNullValue() // a gap in the line
			}
			series[j].Values[i] = share
		}
		// Each week's count is the label of an invisible one-point series at
		// that week, so it sits at the week wherever the library places it,
		// in the band below 0%. The library puts a line's labels to the
		// right of the point, a distance away: a negative distance of half
		// the label centres it.
		text := chartCount(answers, n)
		style := charts.FontStyle{FontSize: chartCountSize, FontColor: chartGrey, Font: font}
		if n > chartSmallFrom {
			style.FontSize = chartSmallSize
		}
		width := p.MeasureText(text, 0, style).Width()
		values := make([]float64, n)
		for k := range values {
			values[k] = charts.GetNullValue()
		}
		values[i] = chartCountAt
		series = append(series, charts.LineSeries{
			Values: values,
			Symbol: charts.Symbol{Shape: charts.SymbolNone},
			Label: charts.SeriesLabel{
				Show: charts.Ptr(true),
				LabelFormatter: func(int, string, float64) (string, *charts.LabelStyle) {
					return text, nil
				},
				FontStyle: style,
				Distance:  -max(width/2, 1),
			},
		})
		colors = append(colors, charts.ColorTransparent)
	}

	if title == "" {
		title = "How the stories read"
		switch {
		case n == 1:
			title += ", last week"
		case n > 1:
			title += ", last " + strconv.Itoa(n) + " weeks"
		}
	}
	subtitle := "Of each week's answers that touched on each, the share that did; in grey, the answers that week."
	switch {
	case n == 0:
		subtitle = "No answers have been coded yet."
	case !coded:
		subtitle = "No answers were coded in these weeks."
	}

	theme := charts.GetTheme(charts.ThemeLight).WithSeriesColors(colors)
	opt := charts.NewLineChartOptionWithSeries(series)
	opt.Theme = theme
	opt.Padding = charts.Box{Top: 20, Left: 20, Right: 30, Bottom: 20}
	opt.Title = charts.TitleOption{
		Text:             title,
		Subtext:          subtitle,
		Offset:           charts.OffsetCenter,
		FontStyle:        charts.FontStyle{FontSize: chartTitleSize, Font: font},
		SubtextFontStyle: charts.FontStyle{FontSize: chartTextSize, FontColor: chartGrey, Font: font},
	}
	opt.Legend = charts.LegendOption{
		SeriesNames: names,
		Offset:      charts.OffsetStr{Left: charts.PositionCenter, Top: "56"},
		FontStyle:   charts.FontStyle{FontSize: chartTextSize, Font: font},
	}
	opt.XAxis = charts.XAxisOption{
		Labels:         labels,
		BoundaryGap:    charts.Ptr(true),
		LabelFontStyle: charts.FontStyle{FontSize: chartTextSize, Font: font},
	}
	switch {
	case n == 1:
		// The library puts a lone label at the left, not under the
		// week's points, so the week is named in the axis title instead.
		opt.XAxis.Labels = []string{""}
		opt.XAxis.Title = "Week starting " + labels[0]
	case n <= chartWordsUpTo:
		// Every week labelled, each centred under its points (the library
		// only centres them when told to show them all).
		opt.XAxis.LabelCount = n
		opt.XAxis.Title = "Week starting"
	default:
		opt.XAxis.Title = "Week starting"
	}
	opt.XAxis.TitleFontStyle = charts.FontStyle{FontSize: chartCountSize, FontColor: chartGrey, Font: font}
	opt.YAxis = []charts.YAxisOption{{
		Min:            charts.Ptr(chartAxisFoot),
		Max:            charts.Ptr(100.0),
		LabelCount:     7,
		LabelFontStyle: charts.FontStyle{FontSize: chartTextSize, Font: font},
		ValueFormatter: chartPercent,
	}}
	opt.LineStrokeWidth = 2.5
	opt.Symbol = charts.Symbol{Size: 4}

	if err := p.LineChart(opt); err != nil {
		return nil, fmt.Errorf("trend chart: %w", err)
	}
	if !coded {
		style := charts.FontStyle{FontSize: chartTitleSize, FontColor: chartGrey, Font: font}
		const text = "Nothing to show yet"
		box := p.MeasureText(text, 0, style)
		p.Text(text, (ChartWidth-box.Width())/2, (ChartHeight+box.Height())/2, 0, style)
	}
	b, err := p.Bytes()
	if err != nil {
		return nil, fmt.Errorf("trend chart: %w", err)
	}
	return b, nil
}

// chartShare is the percentage of w's answers on the direction key (all its
// answers when Of is nil) read toward it, and false for a week with none,
// which has no share (rather than 0/0). A count above Answers is taken as all of them, one below zero as
// none, so the share is always within 0–100.
func chartShare(w TrendWeek, key string) (float64, bool) {
	if w.Answers <= 0 {
		return 0, false
	}
	base := w.Answers
	if w.Of != nil {
		base = min(max(w.Of[key], 0), w.Answers)
	}
	if base == 0 {
		return 0, false
	}
	toward := min(max(w.Toward[key], 0), base)
	return 100 * float64(toward) / float64(base), true
}

// chartCount is the text under a week: its number of answers, in words while
// there is room for them.
func chartCount(answers, weeks int) string {
	if weeks > chartWordsUpTo {
		return strconv.Itoa(answers)
	}
	switch answers {
	case 0:
		return "no answers"
	case 1:
		return "1 answer"
	}
	return strconv.Itoa(answers) + " answers"
}

// chartPercent labels the y axis: percentages from 0 up, and nothing for the
// band of answer counts below 0.
func chartPercent(v float64) string {
	if v < 0 {
		return ""
	}
	return strconv.FormatFloat(v, 'f', 0, 64) + "%"
}
