package themes

import (
	"context"
	"time"

	"whatmatters/flows"
)

// Digester builds digests and their charts for the flows engine (it
// satisfies flows.DigestMaker). Fallback codes, in memory, answers the
// coding job has not reached yet.
type Digester struct {
	Fallback flows.Coder
}

// BuildDigest builds the team's digest for the weeks weeks ending at to.
func (d Digester) BuildDigest(ctx context.Context, s flows.Store, teamID string, weeks int, to time.Time) (flows.Digest, error) {
	return BuildDigest(ctx, s, DigestOptions{TeamID: teamID, Weeks: weeks, Now: to, Fallback: d.Fallback})
}

// Chart draws the digest's twelve-week trend as a PNG.
func (d Digester) Chart(dg flows.Digest) ([]byte, error) {
	weeks := make([]TrendWeek, len(dg.Trend))
	for i, w := range dg.Trend {
		weeks[i] = TrendWeek{Start: w.Start, Answers: w.Answers, Toward: w.Toward}
	}
	return TrendChart(weeks)
}
