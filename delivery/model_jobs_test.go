package delivery

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivertype"

	"whatmatters/flows"
	"whatmatters/storage"
	"whatmatters/themes"
)

// modelServer is a fake OpenAI-compatible endpoint that counts requests
// and those in flight.
type modelServer struct {
	srv      *httptest.Server
	requests atomic.Int32
	inFlight atomic.Int32
	maxIn    atomic.Int32
}

func newModelServer(t *testing.T, handle func(w http.ResponseWriter, r *http.Request)) *modelServer {
	t.Helper()
	m := &modelServer{}
	m.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		m.requests.Add(1)
		n := m.inFlight.Add(1)
		defer m.inFlight.Add(-1)
		for {
			top := m.maxIn.Load()
			if n <= top || m.maxIn.CompareAndSwap(top, n) {
				break
			}
		}
		handle(w, r)
	}))
	t.Cleanup(m.srv.Close)
	return m
}

// simClock is the simulation's clock, moved on by the scheduler.
type simClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *simClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *simClock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t.After(c.now) {
		c.now = t
	}
}

// modelCodingFor is a themes.Coding with a model at srv, over db, on clock.
func modelCodingFor(db *storage.DB, srv *modelServer, now func() time.Time) *themes.Coding {
	m := themes.NewModel(themes.ModelOptions{APIKey: "k", BaseURL: srv.srv.URL + "/v1", Model: "m",
		HTTPClient: &http.Client{Timeout: 30 * time.Second}})
	return &themes.Coding{Store: db, Primary: m, Offline: themes.NewOffline(), Name: themes.ModelName,
		Version: m.Version(), Now: now}
}

// addAnswers stores n answers in a reflection about a case, and returns
// their ids.
func addAnswers(t *testing.T, db *storage.DB, n int) []int64 {
	t.Helper()
	ctx := context.Background()
	if _, err := db.EnsureTeam(ctx, flows.Team{ID: "TM", Name: "Model", Timezone: "Europe/London"}); err != nil {
		t.Fatal(err)
	}
	c, err := db.CreateCase(ctx, flows.Case{TeamID: "TM", Label: "Kestrel"})
	if err != nil {
		t.Fatal(err)
	}
	r, err := db.CreateReflection(ctx, flows.Reflection{TeamID: "TM", CaseID: c.ID, Template: "case",
		Status: flows.StatusInProgress, Channel: "C1", Thread: "t1", StartedBy: "U1"})
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]int64, n)
	for i := range n {
		a, err := db.AddAnswer(ctx, flows.Answer{ReflectionID: r.ID, TeamID: "TM", Stage: "what_matters", Author: "U1",
			Text: fmt.Sprintf("Her daughter visits every day and reads to her (%d).", i)})
		if err != nil {
			t.Fatal(err)
		}
		ids[i] = a.ID
	}
	return ids
}

// simJob is one coding job in the simulation.
type simJob struct {
	job      *river.Job[CodeAnswerArgs]
	at       time.Time
	done     bool
	attempts int
}

// simulate runs the coding jobs of ids as River would (attempts counted,
// errors recorded at their attempt's start, retries at the worker's
// NextRetry, discarded after MaxAttempts), one at a time, moving clock on
// to each job's time instead of waiting. work gives each Work call its
// context. It returns how many jobs River would have discarded and when the
// last job ended.
func simulate(t *testing.T, w *codeAnswerWorker, clock *simClock, ids []int64, work func() (context.Context, context.CancelFunc)) (discarded int, end time.Time) {
	t.Helper()
	start := clock.Now()
	jobs := make([]*simJob, len(ids))
	for i, id := range ids {
		opts := CodeAnswerArgs{}.InsertOpts()
		jobs[i] = &simJob{at: start, job: &river.Job[CodeAnswerArgs]{
			JobRow: &rivertype.JobRow{ID: int64(i + 1), MaxAttempts: opts.MaxAttempts, Queue: opts.Queue},
			Args:   CodeAnswerArgs{AnswerID: id},
		}}
	}
	for step := 0; ; step++ {
		if step > 10_000 {
			t.Fatal("the simulation does not end")
		}
		var next *simJob
		for _, j := range jobs {
			if !j.done && (next == nil || j.at.Before(next.at)) {
				next = j
			}
		}
		if next == nil {
			return discarded, clock.Now()
		}
		clock.set(next.at)
		began := clock.Now()
		next.job.Attempt++
		next.attempts++
		ctx, cancel := work()
		err := w.Work(ctx, next.job)
		cancel()
		if err == nil {
			next.done = true
			continue
		}
		next.job.Errors = append(next.job.Errors, rivertype.AttemptError{At: began, Attempt: next.job.Attempt, Error: err.Error()})
		if next.job.Attempt >= next.job.MaxAttempts {
			discarded++
			next.done = true
			continue
		}
		at := w.NextRetry(next.job)
		if at.IsZero() || !at.After(clock.Now()) {
			t.Fatalf("NextRetry = %v at %v: want a time to come", at, clock.Now())
		}
		next.at = at
	}
}

// Under an endpoint that keeps refusing (a 429 with a short or an
// hour-long Retry-After, a 500, a hang), every answer's coding job ends
// with the offline codes, within the attempts and minutes allowed, none is
// discarded, and the endpoint is asked a handful of times, not once per
// answer every few seconds.
func TestModelJobsFallBackUnderAFailingEndpoint(t *testing.T) {
	t.Parallel()
	hang := func(_ http.ResponseWriter, r *http.Request) { <-r.Context().Done() }
	for _, tc := range []struct {
		name        string
		handle      func(w http.ResponseWriter, r *http.Request)
		hangs       bool
		maxRequests int32
		within      time.Duration
	}{
		{name: "429, Retry-After 2 s", handle: refuse(http.StatusTooManyRequests, "2"), maxRequests: 10, within: time.Minute},
		{name: "429, Retry-After an hour", handle: refuse(http.StatusTooManyRequests, "3600"), maxRequests: 3, within: modelGiveUpAfter},
		{name: "500", handle: refuse(http.StatusInternalServerError, ""), maxRequests: 10, within: 2 * time.Minute},
		{name: "a hung model", handle: hang, hangs: true, maxRequests: 10, within: 2 * time.Minute},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			db := sqliteDB(t)
			srv := newModelServer(t, tc.handle)
			clock := &simClock{now: time.Now().Truncate(time.Millisecond)}
			coding := modelCodingFor(db, srv, clock.Now)
			w := &codeAnswerWorker{coding: coding, now: clock.Now, timeout: defaultModelTimeout}
			ids := addAnswers(t, db, 50)
			work := func() (context.Context, context.CancelFunc) { return context.WithCancel(context.Background()) }
			if tc.hangs {
				// The job's timeout, short here: the hung call ends when
				// it does, as River's would end it.
				work = func() (context.Context, context.CancelFunc) {
					return context.WithTimeout(context.Background(), time.Second)
				}
			}
			start := clock.Now()
			discarded, end := simulate(t, w, clock, ids, work)
			t.Logf("%d answers: %d requests, all done %s after the first attempt", len(ids), srv.requests.Load(), end.Sub(start))
			if discarded != 0 {
				t.Errorf("%d jobs discarded, want none", discarded)
			}
			if n := srv.requests.Load(); n > tc.maxRequests {
				t.Errorf("%d requests, want at most %d", n, tc.maxRequests)
			}
			if d := end.Sub(start); d > tc.within {
				t.Errorf("the last answer fell back %s after the first attempt, want within %s", d, tc.within)
			}
			as, err := db.ListCodedAnswers(context.Background(), "TM", time.Now().Add(-time.Hour), time.Now().Add(time.Hour))
			if err != nil {
				t.Fatal(err)
			}
			for _, a := range as {
				if a.Codes == nil || !a.Codes.Fallback || a.Codes.OfflineReason != themes.OfflineModelFailed {
					t.Fatalf("answer %d: codes %+v, want the offline codes, the model failed", a.ID, a.Codes)
				}
			}
		})
	}
}

func refuse(status int, retryAfter string) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, _ *http.Request) {
		if retryAfter != "" {
			w.Header().Set("Retry-After", retryAfter)
		}
		w.WriteHeader(status)
		_, _ = io.WriteString(w, `{"error":{"message":"no"}}`)
	}
}

func TestNextModelTry(t *testing.T) {
	t0 := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name    string
		now     time.Time
		attempt int
		wait    time.Duration
		first   time.Time
		want    time.Time
	}{
		{"first failure, no wait", t0, 1, 0, time.Time{}, t0.Add(5 * time.Second)},
		{"backoff doubles", t0, 3, 0, t0, t0.Add(20 * time.Second)},
		{"backoff at most a minute", t0.Add(time.Minute), 9, 0, t0, t0.Add(2 * time.Minute)},
		{"Retry-After", t0, 1, 7 * time.Second, time.Time{}, t0.Add(7 * time.Second)},
		{"Retry-After beyond the deadline", t0.Add(time.Minute), 2, time.Hour, t0, t0.Add(modelGiveUpAfter)},
		{"deadline passed: a second on", t0.Add(5 * time.Minute), 2, time.Hour, t0, t0.Add(5*time.Minute + time.Second)},
	} {
		if got := nextModelTry(tc.now, tc.attempt, tc.wait, tc.first); !got.Equal(tc.want) {
			t.Errorf("%s: nextModelTry = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// A hung model holds only the model queue's workers: a session timer's job
// completes while every model worker waits on the model, even with one
// worker for everything else.
func TestHungModelLeavesOtherJobsRunning(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		release := make(chan struct{})
		srv := newModelServer(t, func(_ http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-release:
			}
		})
		t.Cleanup(func() { close(release) })
		addAnswers(t, db, 6)
		svc := newService(t, db)
		opts := JobOptions{Workers: 1, ModelWorkers: 2, ModelTimeout: time.Minute, FetchPollInterval: time.Second,
			RetryPolicy: quickRetry{}, SweepEvery: time.Hour, CheckInEvery: -1, DigestsEvery: -1, SessionsEvery: time.Hour,
			CodesEvery: 50 * time.Millisecond, TestOnly: true, Coding: modelCodingFor(db, srv, time.Now)}
		var client interface {
			Insert(context.Context, river.JobArgs, *river.InsertOpts) (*rivertype.JobInsertResult, error)
			JobGet(context.Context, int64) (*rivertype.JobRow, error)
		}
		if db.Dialect() == storage.Postgres {
			client = startModelJobs(t, riverpgxv5.New(db.Pool()), svc, opts)
		} else {
			client = startModelJobs(t, riversqlite.New(db.SQL()), svc, opts)
		}
		// Waits bounded only by hangGuard: a loaded machine under the race
		// detector starts River on SQLite slowly.
		began := time.Now()
		eventually(t, "both model workers waiting on the model", func() (bool, string) {
			n := srv.inFlight.Load()
			return n >= 2, fmt.Sprintf("%d model calls in flight", n)
		})
		hung := time.Now()
		var res *rivertype.JobInsertResult
		err := retryBusy(func() (err error) { res, err = client.Insert(ctx, SessionsArgs{}, nil); return err })
		if err != nil {
			t.Fatal(err)
		}
		eventually(t, "the session timer's job completed while the model hangs", func() (bool, string) {
			var job *rivertype.JobRow
			if err := retryBusy(func() (err error) { job, err = client.JobGet(ctx, res.Job.ID); return err }); err != nil {
				t.Fatal(err)
			}
			return job.State == rivertype.JobStateCompleted, fmt.Sprintf("the job is %s", job.State)
		})
		t.Logf("both model workers hung %s after start; the timer's job completed %s after that",
			hung.Sub(began).Round(time.Millisecond), time.Since(hung).Round(time.Millisecond))
		if n := srv.inFlight.Load(); n != 2 {
			t.Errorf("%d model calls in flight when the timer's job completed, want the 2 still hung", n)
		}
		if n := srv.maxIn.Load(); n > 2 {
			t.Errorf("%d model calls at once, want at most the model queue's 2 workers", n)
		}
	})
}

// startModelJobs starts River on the model-queue options, and stops it,
// cancelling the hung jobs, when the test ends.
func startModelJobs[TTx any](t *testing.T, driver riverdriver.Driver[TTx], s *Service, opts JobOptions) *river.Client[TTx] {
	t.Helper()
	ctx := context.Background()
	if err := retryBusy(func() error { return MigrateJobs(ctx, driver, nil) }); err != nil {
		t.Fatal(err)
	}
	client, err := NewJobs(driver, s, opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := retryBusy(func() error { return client.Start(ctx) }); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = client.StopAndCancel(ctx)
	})
	return client
}
