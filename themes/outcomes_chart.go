package themes

import (
	"fmt"
	"strconv"

	"github.com/go-analyze/charts"

	"whatmatters/flows"
)

// The outcome chart: the quarter's outcomes beside the stories'
// directions, in the digest chart's style (its size, font, greys and the
// Okabe–Ito colours of the directions). On the left, each outcome's share
// where known, this period beside the period before; on the right, each
// direction's share of the answers that touched on it, the same way. A
// share resting on fewer than 3 people is not drawn (its label says
// "fewer than 3"), as the text shows no number under 3.

// outcomeChartFigures are the outcomes the chart draws, with their short
// names; admissions, a median, are in the text only.
var outcomeChartFigures = []struct{ key, name string }{
	{flows.FigureDiedWhereWished, "Where wished"},
	{flows.FigurePlanShared, "Plan shared"},
	{flows.FigureJICMeds, "JIC meds"},
	{flows.FigureCarerStrain, "Carer strain"},
}

// directionShortNames name the directions under the bars, short enough
// for four to a half of the chart (the legend of the trend chart says
// them in full).
var directionShortNames = map[string]string{
	"relationships": "People around",
	"stories":       "A story",
	"community":     "Beyond services",
	"anticipation":  "Planned ahead",
}

// The chart's two series: the period before, in grey, and the period.
var (
	chartPrevious = charts.ColorRGB(190, 190, 190)
	chartNow      = charts.ColorRGB(0, 114, 178)
)

// OutcomeChart draws the report's chart (flows.OutcomeCharter).
func (d Digester) OutcomeChart(rep flows.OutcomeReport) ([]byte, error) { return OutcomesChart(rep) }

// OutcomesChart draws, as a PNG of ChartWidth×ChartHeight, an outcome
// report's figures beside its stories: the same report always gives the
// same bytes.
func OutcomesChart(rep flows.OutcomeReport) ([]byte, error) {
	font := charts.GetFont(chartFontFamily)
	p := charts.NewPainter(charts.PainterOptions{
		OutputFormat: charts.ChartOutputPNG, Width: ChartWidth, Height: ChartHeight, Font: font,
	})
	theme := charts.GetTheme(charts.ThemeLight)
	weeks := rep.Quarters * flows.OutcomeQuarterWeeks
	title := charts.TitleOption{
		Text:             "What happened, beside the stories: " + rep.Period(),
		Subtext:          fmt.Sprintf("In colour the %d weeks, in grey the %d weeks before. A share resting on fewer than %d people is not drawn.", weeks, weeks, flows.SmallNumber),
		Offset:           charts.OffsetCenter,
		FontStyle:        charts.FontStyle{FontSize: chartTitleSize, Font: font},
		SubtextFontStyle: charts.FontStyle{FontSize: chartTextSize, FontColor: chartGrey, Font: font},
	}
	// The title spans the canvas; the two panels sit side by side below it.
	if err := p.Child(charts.PainterBoxOption(charts.Box{Left: 0, Top: 0, Right: ChartWidth, Bottom: 70, IsSet: true})).
		BarChart(titleOnly(title, theme)); err != nil {
		return nil, fmt.Errorf("outcome chart: %w", err)
	}

	var names []string
	var now, prev []float64
	var nowLabels, prevLabels []string
	for _, f := range outcomeChartFigures {
		i := figureIndex(rep.Figures, f.key)
		if i < 0 {
			continue
		}
		fig := rep.Figures[i]
		names = append(names, f.name)
		v, l := outcomeShare(fig.Now)
		now, nowLabels = append(now, v), append(nowLabels, l)
		v, l = outcomeShare(fig.Previous)
		prev, prevLabels = append(prev, v), append(prevLabels, l)
	}
	left := charts.Box{Left: 10, Top: 80, Right: ChartWidth / 2, Bottom: ChartHeight - 10, IsSet: true}
	if err := panel(p.Child(charts.PainterBoxOption(left)), charts.FontStyle{Font: font}, "What happened: share where known", names,
		prev, now, prevLabels, nowLabels, theme.WithSeriesColors([]charts.Color{chartPrevious, chartNow})); err != nil {
		return nil, err
	}

	names, now, prev, nowLabels, prevLabels = nil, nil, nil, nil, nil
	for _, dir := range chartDirections {
		var r flows.DirectionReading
		for _, x := range rep.Directions {
			if x.Key == dir.key {
				r = x
			}
		}
		names = append(names, directionShortNames[dir.key])
		v, l := directionShare(r.Toward, r.Of)
		now, nowLabels = append(now, v), append(nowLabels, l)
		v, l = directionShare(r.PrevToward, r.PrevOf)
		prev, prevLabels = append(prev, v), append(prevLabels, l)
	}
	right := charts.Box{Left: ChartWidth / 2, Top: 80, Right: ChartWidth - 10, Bottom: ChartHeight - 10, IsSet: true}
	if err := panel(p.Child(charts.PainterBoxOption(right)), charts.FontStyle{Font: font}, "The stories: share of answers toward each", names,
		prev, now, prevLabels, nowLabels, theme.WithSeriesColors([]charts.Color{chartPrevious, chartNow})); err != nil {
		return nil, err
	}
	b, err := p.Bytes()
	if err != nil {
		return nil, fmt.Errorf("outcome chart: %w", err)
	}
	return b, nil
}

// titleOnly is a bar chart of nothing but a title, to draw the chart's
// title across the canvas in the same way as a chart's own.
func titleOnly(title charts.TitleOption, theme charts.ColorPalette) charts.BarChartOption {
	opt := charts.NewBarChartOptionWithData([][]float64{{0}})
	opt.Theme = theme.WithSeriesColors([]charts.Color{charts.ColorTransparent})
	opt.Title = title
	opt.Padding = charts.Box{Top: 20}
	opt.CategoryAxis = charts.CategoryAxisOption{Show: charts.Ptr(false), Labels: []string{""}}
	opt.ValueAxis = []charts.ValueAxisOption{{Show: charts.Ptr(false), Min: charts.Ptr(0.0), Max: charts.Ptr(1.0)}}
	return opt
}

// panel draws one side: a bar for the period before and one for the
// period, for each name, from 0 to 100%, each labelled.
func panel(p *charts.Painter, base charts.FontStyle, title string, names []string, prev, now []float64, prevLabels, nowLabels []string, theme charts.ColorPalette) error {
	label := func(labels []string) charts.SeriesLabel {
		// The library passes a bar chart's formatter the series' index, not
		// the bar's, but labels each bar once, in order: the bars are
		// counted here.
		next := 0
		return charts.SeriesLabel{
			Show: charts.Ptr(true),
			LabelFormatter: func(int, string, float64) (string, *charts.LabelStyle) {
				if len(labels) == 0 {
					return "", nil
				}
				l := labels[next%len(labels)]
				next++
				return l, nil
			},
			FontStyle: charts.FontStyle{FontSize: chartCountSize, FontColor: chartGrey, Font: base.Font},
		}
	}
	series := charts.BarSeriesList{
		{Values: prev, Label: label(prevLabels)},
		{Values: now, Label: label(nowLabels)},
	}
	opt := charts.NewBarChartOptionWithSeries(series)
	opt.Theme = theme
	opt.Padding = charts.Box{Top: 10, Left: 10, Right: 20, Bottom: 10}
	opt.Title = charts.TitleOption{Text: title, Offset: charts.OffsetCenter,
		FontStyle: charts.FontStyle{FontSize: chartTextSize, Font: base.Font}}
	opt.CategoryAxis = charts.CategoryAxisOption{Labels: names, LabelCount: len(names), BoundaryGap: charts.Ptr(true),
		LabelFontStyle: charts.FontStyle{FontSize: chartCountSize, Font: base.Font}}
	opt.ValueAxis = []charts.ValueAxisOption{{
		Min: charts.Ptr(0.0), Max: charts.Ptr(100.0), LabelCount: 6,
		LabelFontStyle: charts.FontStyle{FontSize: chartCountSize, Font: base.Font},
		ValueFormatter: chartPercent,
	}}
	opt.SeriesLabelPosition = charts.PositionTop
	if err := p.BarChart(opt); err != nil {
		return fmt.Errorf("outcome chart: %w", err)
	}
	return nil
}

func figureIndex(fs []flows.OutcomeFigure, key string) int {
	for i, f := range fs {
		if f.Key == key {
			return i
		}
	}
	return -1
}

// outcomeShare is a figure's bar and its label: the share where known, as
// "7 of 9", or no bar and "fewer than 3" when it rests on fewer than 3
// people, or counts fewer than 3 of them.
func outcomeShare(c flows.OutcomeCount) (float64, string) {
	switch {
	case c.Of == 0:
		return 0, "none known"
	case c.Of.Small():
		return 0, "fewer\nthan " + strconv.Itoa(flows.SmallNumber) + "\nknown"
	case c.Yes.Small():
		return 0, "fewer\nthan " + strconv.Itoa(flows.SmallNumber) + "\nof " + c.Of.String()
	}
	return 100 * float64(c.Yes) / float64(c.Of), c.Yes.String() + " of " + c.Of.String()
}

// directionShare is a direction's bar and its label: the share of answers
// that touched on it that read toward it.
func directionShare(toward, of int) (float64, string) {
	if of <= 0 {
		return 0, "no\nanswers"
	}
	toward = min(max(toward, 0), of)
	share := 100 * float64(toward) / float64(of)
	return share, strconv.FormatFloat(share, 'f', 0, 64) + "%"
}
