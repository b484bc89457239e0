package themes

import (
	"context"
	"strings"
	"time"

	"whatmatters/concepts"
	"whatmatters/flows"
)

// Digester builds digests and their charts for the flows engine (it
// satisfies flows.DigestMaker). Fallback codes, in memory, answers the
// coding job has not reached yet. Embedder and MergeThreshold are as in
// DigestOptions: with an Embedder, themes whose phrases mean the same are
// joined. OnGrouping, when set, is told how each digest's themes were
// grouped (say, to log Grouping.Err when the embedder failed and the
// themes were grouped by stems alone).
type Digester struct {
	// Catalogue names the themes (nil: the built-in catalogue).
	Catalogue      *concepts.Catalogue
	Fallback       flows.Coder
	Embedder       Embedder
	MergeThreshold float64
	OnGrouping     func(teamID string, g Grouping)
}

// BuildDigest builds the team's digest for the weeks weeks ending at to.
func (d Digester) BuildDigest(ctx context.Context, s flows.DigestSource, req flows.DigestRequest) (flows.Digest, error) {
	dg, g, err := BuildDigestWithGrouping(ctx, s, DigestOptions{TeamID: req.TeamID, Weeks: req.Weeks, Now: req.To,
		Shown: req.Shown, Catalogue: d.Catalogue, Fallback: d.Fallback, Embedder: d.Embedder, MergeThreshold: d.MergeThreshold})
	if err == nil && d.OnGrouping != nil {
		d.OnGrouping(req.TeamID, g)
	}
	return dg, err
}

// Chart draws the digest's twelve-week trend as a PNG.
func (d Digester) Chart(dg flows.Digest) ([]byte, error) {
	weeks := make([]TrendWeek, len(dg.Trend))
	for i, w := range dg.Trend {
		weeks[i] = TrendWeek{Start: w.Start, Answers: w.Answers, Toward: w.Toward, Of: w.Of}
	}
	return TrendChartTitled(weeks, ChartTitle(dg))
}

// ChartTitle is a digest chart's title: the team, and the weeks it covers.
func ChartTitle(dg flows.Digest) string {
	loc, err := time.LoadLocation(dg.Timezone)
	if err != nil {
		loc = time.UTC
	}
	from := dg.From
	if len(dg.Trend) > 0 {
		from = dg.Trend[0].Start
	}
	title := "How the stories read, " + from.In(loc).Format("2 Jan") + " to " + dg.To.In(loc).Format("2 Jan 2006")
	if dg.TeamName != "" {
		title = dg.TeamName + ": " + strings.ToLower(title[:1]) + title[1:]
	}
	return title
}
