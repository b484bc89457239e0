package themes_test

import (
	"context"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"whatmatters/flows"
	"whatmatters/storage/storagetest"
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
	db := storagetest.SQLite(b)
	ctx := context.Background()
	if _, err := db.EnsureTeam(ctx, flows.Team{ID: "TB", Timezone: "Europe/London"}); err != nil {
		b.Fatal(err)
	}
	f, err := os.Open("testdata/codes_tune.jsonl")
	if err != nil {
		b.Fatal(err)
	}
	gold, err := themes.LoadGold(f)
	f.Close()
	if err != nil {
		b.Fatal(err)
	}
	off := themes.NewOffline()
	now := digestNow
	err = db.InTx(ctx, func(s flows.Store) error {
		for c := 0; c < 500; c++ {
			cs, err := s.CreateCase(ctx, flows.Case{TeamID: "TB", Label: fmt.Sprintf("Case%d", c)})
			if err != nil {
				return err
			}
			at := now.Add(-time.Duration(c) * 12 * 7 * 24 * time.Hour / 500)
			r, err := s.CreateReflection(ctx, flows.Reflection{TeamID: "TB", CaseID: cs.ID, Template: "case", Status: flows.StatusComplete,
				Channel: "C1", StartedBy: "U1", CreatedAt: at, UpdatedAt: at, LastActivityAt: at})
			if err != nil {
				return err
			}
			for i := 0; i < 20; i++ {
				g := gold[(c*20+i)%len(gold)]
				a, err := s.AddAnswer(ctx, flows.Answer{ReflectionID: r.ID, TeamID: "TB", Stage: g.Stage, Author: fmt.Sprintf("U%d", i%12),
					Discipline: "nurse", Text: g.Text, CreatedAt: at})
				if err != nil {
					return err
				}
				codes, _ := off.Code(ctx, flows.CodeInput{Template: g.Template, Stage: g.Stage, Text: g.Text})
				if err := s.SaveCodes(ctx, a.ID, flows.TextHash(a.Text), codes); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
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
