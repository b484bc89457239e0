package bot

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"testing"

	"github.com/slack-go/slack"

	"whatmatters/storage"
	"whatmatters/storage/storagetest"
)

// BenchmarkProcessReply measures the work a job does for one thread reply
// already recorded: the key's lock, the engine's step (scrub, store the
// answer, read it against the codebook), the tick in the outbox, sending
// it and marking the delivery done. Slack is an in-process fake.
//
//	go test -run '^$' -bench ProcessReply -benchtime 2000x -cpuprofile /tmp/cpu.out ./bot/
func BenchmarkProcessReply(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) { benchmarkProcessReply(b, storagetest.SQLite(b)) })
	b.Run("postgres", func(b *testing.B) {
		if os.Getenv(storagetest.EnvDatabaseURL) == "" {
			b.Skip("set " + storagetest.EnvDatabaseURL + " to benchmark on PostgreSQL")
		}
		benchmarkProcessReply(b, storagetest.Postgres(b))
	})
}

func benchmarkProcessReply(b *testing.B, db *storage.DB) {
	ctx := context.Background()
	n := 0
	api := &fakeAPI{
		postMessage: func(context.Context, string, url.Values) (string, error) {
			n++
			return fmt.Sprintf("1700000000.%06d", n), nil
		},
		postEphemeral: func(context.Context, string, string, url.Values) error { return nil },
		addReaction:   func(context.Context, string, slack.ItemRef) error { return nil },
	}
	s := newSlack(api, SlackOptions{Store: db, Engine: engineOn(b), PostInterval: -1})
	if err := s.Start(ctx); err != nil {
		b.Fatal(err)
	}
	stubEnqueue(s)
	rc, err := s.routeCommand(ctx, commandFromForm(func(k string) string {
		return map[string]string{"team_id": testTeam, "channel_id": "C1", "user_id": "U1", "command": "/reflect", "text": "Kestrel", "trigger_id": "t-bench"}[k]
	}))
	if err != nil || s.settle(ctx, rc) != nil || s.Process(ctx, rc.delivery.ID, false) != nil {
		b.Fatalf("starting: %v", err)
	}
	ids := make([]string, b.N)
	for i := range ids {
		var env envelope
		_ = json.Unmarshal(messageEvent(fmt.Sprintf("EvProc%d", i), fmt.Sprintf("U%d", 100+i%50), "C1", "1700000000.000001",
			fmt.Sprintf("1700004000.%06d", i), "Her husband and two sons, and the neighbour who walks the dog every morning."), &env)
		rc, err := s.routeEvent(env)
		if err != nil || s.settle(ctx, rc) != nil {
			b.Fatalf("reply %d: %v", i, err)
		}
		ids[i] = rc.delivery.ID
	}
	b.ReportAllocs()
	b.ResetTimer()
	for _, id := range ids {
		if err := s.Process(ctx, id, false); err != nil {
			b.Fatal(err)
		}
	}
}
