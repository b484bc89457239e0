package themes

import (
	"context"
	"time"

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
	Fallback       flows.Coder
	Embedder       Embedder
	MergeThreshold float64
	OnGrouping     func(teamID string, g Grouping)
}

// BuildDigest builds the team's digest for the weeks weeks ending at to.
func (d Digester) BuildDigest(ctx context.Context, s flows.Store, teamID string, weeks int, to time.Time) (flows.Digest, error) {
	dg, g, err := BuildDigestWithGrouping(ctx, s, DigestOptions{TeamID: teamID, Weeks: weeks, Now: to, Fallback: d.Fallback,
		Embedder: d.Embedder, MergeThreshold: d.MergeThreshold})
	if err == nil && d.OnGrouping != nil {
		d.OnGrouping(teamID, g)
	}
	return dg, err
}

// Chart draws the digest's twelve-week trend as a PNG.
func (d Digester) Chart(dg flows.Digest) ([]byte, error) {
	weeks := make([]TrendWeek, len(dg.Trend))
	for i, w := range dg.Trend {
		weeks[i] = TrendWeek{Start: w.Start, Answers: w.Answers, Toward: w.Toward}
	}
	return TrendChart(weeks)
}
