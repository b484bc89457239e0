package themes_test

import (
	"context"
	"hash/fnv"
	"math/rand/v2"
	"sync/atomic"
	"testing"
	"time"

	"whatmatters/themes"
)

// hashEmbedder gives each text a fixed pseudo-random vector of dim values,
// in memory, so a benchmark measures the grouping rather than a network.
type hashEmbedder struct {
	dim   int
	texts atomic.Int64
}

func (h *hashEmbedder) Embed(_ context.Context, texts []string) ([][]float32, error) {
	h.texts.Add(int64(len(texts)))
	out := make([][]float32, len(texts))
	for i, t := range texts {
		f := fnv.New64a()
		f.Write([]byte(t))
		r := rand.New(rand.NewPCG(f.Sum64(), 1))
		v := make([]float32, h.dim)
		for k := range v {
			v[k] = float32(r.NormFloat64())
		}
		out[i] = v
	}
	return out, nil
}

// BenchmarkDigest10kEmbedded is BenchmarkDigest10k with an in-memory
// embedder of text-embedding-3-small's 1,536 dimensions: the cost the
// embedding merge adds to a digest, the endpoint's time aside.
func BenchmarkDigest10kEmbedded(b *testing.B) {
	db, now := seedDigest10k(b)
	ctx := context.Background()
	e := &hashEmbedder{dim: 1536}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		d, g, err := themes.BuildDigestWithGrouping(ctx, db, themes.DigestOptions{TeamID: "TB", Weeks: 12, Now: now.Add(time.Hour), Embedder: e})
		if err != nil || g.Err != nil {
			b.Fatal(err, g.Err)
		}
		if d.Answers != 10000 {
			b.Fatalf("digest read %d answers, want 10000", d.Answers)
		}
	}
	b.ReportMetric(float64(e.texts.Load())/float64(b.N), "phrases/op")
}
