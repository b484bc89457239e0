package bot

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"

	"whatmatters/storage"
	"whatmatters/storage/storagetest"
)

// BenchmarkAck measures the acknowledgement path of HTTP mode, as Slack
// waits on it: the signature check, the inbox write, the job's insert and
// the response. Jobs are enqueued in River but not worked.
//
//	go test -run '^$' -bench Ack -benchtime 2000x ./bot/
//	WHATMATTERS_TEST_DATABASE_URL=postgres://… go test -run '^$' -bench Ack ./bot/
func BenchmarkAck(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) { benchmarkAck(b, storagetest.SQLite(b)) })
	b.Run("postgres", func(b *testing.B) {
		if os.Getenv(storagetest.EnvDatabaseURL) == "" {
			b.Skip("set " + storagetest.EnvDatabaseURL + " to benchmark on PostgreSQL")
		}
		benchmarkAck(b, storagetest.Postgres(b))
	})
}

// BenchmarkAckParallel is BenchmarkAck with 64 requests in flight, as
// Slack sends them to a busy team: concurrent deliveries share commits.
//
//	go test -run '^$' -bench AckParallel -benchtime 4000x ./bot/
func BenchmarkAckParallel(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) { benchmarkAckParallel(b, storagetest.SQLite(b), 1) })
	b.Run("postgres", func(b *testing.B) {
		if os.Getenv(storagetest.EnvDatabaseURL) == "" {
			b.Skip("set " + storagetest.EnvDatabaseURL + " to benchmark on PostgreSQL")
		}
		benchmarkAckParallel(b, storagetest.Postgres(b), 4)
	})
}

func benchmarkAckParallel(b *testing.B, db *storage.DB, recorders int) {
	s := newSlack(&fakeAPI{}, SlackOptions{Store: db, Engine: engineOn(b), RecordConcurrency: recorders})
	if err := s.Start(context.Background()); err != nil {
		b.Fatal(err)
	}
	if db.Dialect() == storage.Postgres {
		insertOnlyJobs(b, riverpgxv5.New(db.Pool()), s)
	} else {
		insertOnlyJobs(b, riversqlite.New(db.SQL()), s)
	}
	handler := s.EventsHandler(testSecret)
	var next atomic.Int64
	stamp := time.Now().UnixNano()
	b.ReportAllocs()
	b.SetParallelism(32) // 64 in flight on 2 cores
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := next.Add(1)
			body := messageEvent(fmt.Sprintf("EvPar%d-%d", stamp, i), "U1", "C1",
				"1700000000.000001", fmt.Sprintf("1700000001.%06d", i), "She wants to be at home with her daughter.")
			req := httptest.NewRequest(http.MethodPost, "/slack/events", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			sign(req.Header, testSecret, time.Now(), body)
			w := httptest.NewRecorder()
			handler.ServeHTTP(w, req)
			if w.Code != http.StatusOK {
				b.Errorf("status %d", w.Code)
				return
			}
		}
	})
	b.StopTimer()
	if n := deliveries(b, db); n != b.N {
		b.Fatalf("%d deliveries recorded, want %d", n, b.N)
	}
}

func benchmarkAck(b *testing.B, db *storage.DB) {
	s := newSlack(&fakeAPI{}, SlackOptions{Store: db, Engine: engineOn(b)})
	if err := s.Start(context.Background()); err != nil {
		b.Fatal(err)
	}
	if db.Dialect() == storage.Postgres {
		insertOnlyJobs(b, riverpgxv5.New(db.Pool()), s)
	} else {
		insertOnlyJobs(b, riversqlite.New(db.SQL()), s)
	}
	handler := s.EventsHandler(testSecret)
	reqs := make([]*http.Request, b.N)
	for i := range reqs {
		body := messageEvent(fmt.Sprintf("EvBench%d-%d", time.Now().UnixNano(), i), "U1", "C1",
			"1700000000.000001", fmt.Sprintf("1700000001.%06d", i), "She wants to be at home with her daughter.")
		req := httptest.NewRequest(http.MethodPost, "/slack/events", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		sign(req.Header, testSecret, time.Now(), body)
		reqs[i] = req
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		w := httptest.NewRecorder()
		handler.ServeHTTP(w, reqs[i])
		if w.Code != http.StatusOK {
			b.Fatalf("status %d", w.Code)
		}
	}
	b.StopTimer()
	if n := deliveries(b, db); n != b.N {
		b.Fatalf("%d deliveries recorded, want %d", n, b.N)
	}
}

// insertOnlyJobs makes s enqueue into River without working the jobs.
func insertOnlyJobs[TTx any](b *testing.B, driver riverdriver.Driver[TTx], s *Slack) {
	if err := MigrateJobs(context.Background(), driver, nil); err != nil {
		b.Fatal(err)
	}
	if _, err := NewJobs(driver, s, JobOptions{TestOnly: true}); err != nil {
		b.Fatal(err)
	}
}
