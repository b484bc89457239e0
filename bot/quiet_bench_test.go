package bot

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"whatmatters/storage"
	"whatmatters/storage/storagetest"
)

// BenchmarkQuietChannelBehindABusyOne measures how long a /reflect in a
// quiet channel takes to get its root post while another channel has just
// been sent 60 /reflect (120 posts owed, paced at one a second after a
// burst of three): the time from the quiet command's acknowledgement to its
// root post reaching Slack (an in-process fake). Issue 11's goal: under
// 0.5 s whatever the backlog elsewhere.
//
//	go test -run '^$' -bench QuietChannel -benchtime 5x ./bot
func BenchmarkQuietChannelBehindABusyOne(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) { benchmarkQuietChannel(b, storagetest.SQLite(b)) })
	b.Run("postgres", func(b *testing.B) {
		if os.Getenv(storagetest.EnvDatabaseURL) == "" {
			b.Skip("set " + storagetest.EnvDatabaseURL + " to benchmark on PostgreSQL")
		}
		benchmarkQuietChannel(b, storagetest.Postgres(b))
	})
}

func benchmarkQuietChannel(b *testing.B, db *storage.DB) {
	ctx := context.Background()
	var mu sync.Mutex
	n := 0
	rooted := map[string]chan struct{}{}
	api := &fakeAPI{
		postMessage: func(_ context.Context, channel string, _ url.Values) (string, error) {
			mu.Lock()
			defer mu.Unlock()
			n++
			if ch := rooted[channel]; ch != nil {
				close(ch)
				delete(rooted, channel)
			}
			return fmt.Sprintf("1700000000.%06d", n), nil
		},
		postEphemeral: func(context.Context, string, string, url.Values) error { return nil },
		addReaction:   func(context.Context, string, slack.ItemRef) error { return nil },
	}
	s := newSlack(api, SlackOptions{Store: db, Engine: engineOn(b), PostInterval: time.Second})
	if err := s.Start(ctx); err != nil {
		b.Fatal(err)
	}
	stubEnqueue(s)
	// Posts waiting for their slot would become River jobs; here they
	// simply wait.
	s.delivery.UseRunners(16)
	defer func() { _ = s.StopRunners(ctx) }()
	reflect := func(channel, user string, i int) {
		rc, err := s.routeCommand(ctx, commandFromForm(func(k string) string {
			return map[string]string{"team_id": testTeam, "channel_id": channel, "user_id": user, "command": "/reflect",
				"text": fmt.Sprintf("Case%d", i), "trigger_id": fmt.Sprintf("t-%s-%d", channel, i)}[k]
		}))
		if err != nil {
			b.Fatal(err)
		}
		if err := s.settle(ctx, rc); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for i := range b.N {
		b.StopTimer()
		busy, quiet := fmt.Sprintf("CBUSY%d", i), fmt.Sprintf("CQUIET%d", i)
		done := make(chan struct{})
		mu.Lock()
		rooted[quiet] = done
		mu.Unlock()
		for j := range 60 {
			reflect(busy, "U1", j)
		}
		b.StartTimer()
		reflect(quiet, "U2", 0)
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			b.Fatal("the quiet channel's root post never came")
		}
		b.StopTimer()
	}
}
