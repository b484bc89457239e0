package storage_test

import (
	"testing"

	"whatmatters/flows"
	"whatmatters/storage"
	"whatmatters/storage/storagetest"
)

// BenchmarkAnswersToCode is the coding job's look for answers waiting for
// codes, in a team with 5,000 coded answers and 10 waiting:
//
//	go test -run '^$' -bench AnswersToCode ./storage
//
// It used to join every answer to its codes (13 ms a look on PostgreSQL
// with 4,000 answers, in the side-by-side benchmark); it reads the queue.
func BenchmarkAnswersToCode(b *testing.B) {
	for _, dialect := range []struct {
		name string
		open func(testing.TB) *storage.DB
	}{{"sqlite", storagetest.SQLite}, {"postgres", storagetest.Postgres}} {
		b.Run(dialect.name, func(b *testing.B) {
			db := dialect.open(b)
			ctx := b.Context()
			if _, err := db.EnsureTeam(ctx, flows.Team{ID: "T1", Name: "T", Timezone: "UTC", CreatedAt: t0}); err != nil {
				b.Fatal(err)
			}
			r, err := db.CreateReflection(ctx, newReflection("T1", 0, "C1", "1", t0))
			if err != nil {
				b.Fatal(err)
			}
			codes := testCodes(flows.Toward)
			const coded, waiting = 5000, 10
			err = db.InTx(ctx, func(tx flows.Store) error {
				for i := range coded + waiting {
					a, err := tx.AddAnswer(ctx, flows.Answer{ReflectionID: r.ID, TeamID: "T1", Stage: "why",
						Author: "U2", Discipline: "nurse", Text: "she loved the sea", CreatedAt: t0})
					if err != nil {
						return err
					}
					if i < coded {
						if err := tx.SaveCodes(ctx, a.ID, flows.TextHash(a.Text), codes); err != nil {
							return err
						}
					}
				}
				return nil
			})
			if err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for b.Loop() {
				todo, err := db.AnswersToCode(ctx, codes.Coder, codes.Version, 50)
				if err != nil || len(todo) != waiting {
					b.Fatalf("AnswersToCode = %d answers, %v; want %d", len(todo), err, waiting)
				}
			}
		})
	}
}
