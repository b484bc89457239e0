package themes

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus"

	"whatmatters/concepts"
	"whatmatters/flows"
	"whatmatters/storage"
	"whatmatters/storage/storagetest"
)

// embedNow is the end of the embedding tests' digest week.
var embedNow = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)

// embedSeed is one answer: its case, author, discipline and text, and its
// key phrases with their quotes.
type embedSeed struct {
	caseLabel, author, disc, text string
	phrases                       [][2]string
}

// embedSeeds: "syringe driver" and "the sd" (keys that stems keep apart)
// in overlapping cases and people, one answer holding both; "funeral
// plans" and "planning the funeral" in one case each; and two unrelated
// themes. "Zebrafinch" is a name the scrubber learnt after the answers
// were stored.
var embedSeeds = []embedSeed{
	{"Ash", "U1", "district nurse", "The syringe driver went up at 2am and settled her.",
		[][2]string{{"syringe driver", "The syringe driver went up at 2am"}}},
	{"Birch", "U2", "GP", "Syringe driver prescribed before the weekend, just in case.",
		[][2]string{{"syringe driver", "Syringe driver prescribed before the weekend"}}},
	{"Birch", "U2", "GP", "We started the SD overnight when she could not swallow.",
		[][2]string{{"the sd", "We started the SD overnight"}}},
	{"Cedar", "U3", "palliative care nurse", "Family asked about the SD and what it would mean.",
		[][2]string{{"the sd", "Family asked about the SD"}}},
	{"Ash", "U1", "district nurse", "Syringe driver recharged; the SD line looked clean.",
		[][2]string{{"syringe driver", "Syringe driver recharged"}, {"the sd", "the SD line looked clean"}}},
	{"Cedar", "U3", "palliative care nurse", "A second syringe driver was needed for the weekend.",
		[][2]string{{"syringe driver", "A second syringe driver was needed"}}},
	{"Elm", "U4", "chaplain", "He had written his funeral plans down with his son.",
		[][2]string{{"funeral plans", "He had written his funeral plans down"}}},
	{"Fir", "U5", "social worker", "She wanted to talk about planning the funeral with her sister.",
		[][2]string{{"planning the funeral", "talk about planning the funeral"}}},
	{"Elm", "U4", "chaplain", "Zebrafinch's garden meant everything to him.",
		[][2]string{{"Zebrafinch's garden", "garden meant everything to him"}}},
	{"Fir", "U5", "social worker", "Night sitting twice a week now, and the sitter is kind.",
		[][2]string{{"night sitting", "Night sitting twice a week now"}}},
}

// embedCatalogue is a catalogue of one theme the seeds never name: the
// seeds' phrases stand for what a team writes outside its catalogue (with
// the built-in one, "syringe driver" is a theme, and a phrase a catalogue
// cue reads is never an emerging theme).
func embedCatalogue(t *testing.T) *concepts.Catalogue {
	t.Helper()
	cat, err := concepts.Load(strings.NewReader(`{"version": "embed-test", "themes": [{"id": "kites",
		"label": "Flying kites", "definition": "Kites flown together.", "speaks_to": ["live_well"],
		"cues": ["kite"], "excludes": []}]}`))
	if err != nil {
		t.Fatal(err)
	}
	return cat
}

// embedTeam stores the seeds, with their codes, for team TE.
func embedTeam(t *testing.T, db *storage.DB, seeds []embedSeed) {
	t.Helper()
	ctx := context.Background()
	if _, err := db.EnsureTeam(ctx, flows.Team{ID: "TE", Name: "Embed Team", Timezone: "Europe/London", CreatedAt: embedNow.AddDate(0, 0, -60)}); err != nil {
		t.Fatal(err)
	}
	cases := map[string]int64{}
	for i, sd := range seeds {
		id, ok := cases[sd.caseLabel]
		if !ok {
			c, err := db.CreateCase(ctx, flows.Case{TeamID: "TE", Label: sd.caseLabel})
			if err != nil {
				t.Fatal(err)
			}
			id, cases[sd.caseLabel] = c.ID, c.ID
		}
		at := embedNow.Add(-time.Duration(len(seeds)-i) * time.Hour)
		r, err := db.CreateReflection(ctx, flows.Reflection{TeamID: "TE", CaseID: id, Template: "case", Status: flows.StatusComplete,
			Channel: "CTEAM", Thread: fmt.Sprintf("t%d", i), StartedBy: sd.author, CreatedAt: at, UpdatedAt: at, LastActivityAt: at, ClosedAt: at})
		if err != nil {
			t.Fatal(err)
		}
		a, err := db.AddAnswer(ctx, flows.Answer{ReflectionID: r.ID, TeamID: "TE", Stage: "what_happened", Author: sd.author,
			Discipline: sd.disc, Text: sd.text, CreatedAt: at})
		if err != nil {
			t.Fatal(err)
		}
		c := flows.Codes{Relationships: flows.None, Stories: flows.Toward, Community: flows.None, Anticipation: flows.None,
			Capabilities: []string{"comfort"}, Coder: "offline", Version: "test"}
		for _, p := range sd.phrases {
			c.Phrases = append(c.Phrases, flows.Phrase{Phrase: p[0], Key: PhraseKey(p[0]), Quote: p[1]})
		}
		if err := db.SaveCodes(ctx, a.ID, flows.TextHash(a.Text), c); err != nil {
			t.Fatal(err)
		}
	}
}

// embedAPI is a fake embeddings endpoint: each input gets the vector
// vectors gives it, or else a one-hot vector of its own (far from all
// others). It reports one token per word of input.
type embedAPI struct {
	*api
	mu      sync.Mutex
	vectors map[string][]float32
	own     map[string]int
	inputs  [][]string
}

const embedDim = 64

func newEmbedAPI(t *testing.T, vectors map[string][]float32) *embedAPI {
	e := &embedAPI{vectors: vectors, own: map[string]int{}}
	e.api = newAPI(t, func(w http.ResponseWriter, r *http.Request, body map[string]any) {
		if r.URL.Path != "/v1/embeddings" {
			t.Errorf("path = %q", r.URL.Path)
		}
		if got := r.Header.Get("Authorization"); got != "Bearer "+testAPIKey {
			t.Errorf("Authorization = %q", got)
		}
		var in []string
		for _, x := range body["input"].([]any) {
			in = append(in, x.(string))
		}
		e.mu.Lock()
		e.inputs = append(e.inputs, in)
		var data []any
		tokens := 0
		for i, text := range in {
			v, ok := e.vectors[text]
			if !ok {
				n, seen := e.own[text]
				if !seen {
					n = len(e.own)
					e.own[text] = n
				}
				v = make([]float32, embedDim)
				v[8+n%(embedDim-8)] = 1
			}
			tokens += len(strings.Fields(text))
			data = append(data, map[string]any{"object": "embedding", "index": i, "embedding": v})
		}
		e.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"object": "list", "data": data, "model": body["model"],
			"usage": map[string]any{"prompt_tokens": tokens, "total_tokens": tokens}})
	})
	return e
}

func (e *embedAPI) sent() [][]string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Clone(e.inputs)
}

// vec makes a vector of embedDim from its first few values.
func vec(xs ...float32) []float32 {
	v := make([]float32, embedDim)
	copy(v, xs)
	return v
}

// closeVectors put "the sd" near "syringe driver" (cosine 0.95) and
// "planning the funeral" near "funeral plans" (0.9).
var closeVectors = map[string][]float32{
	"syringe driver":       vec(1, 0, 0, 0),
	"the sd":               vec(0.95, 0.3122, 0, 0),
	"funeral plans":        vec(0, 0, 1, 0),
	"planning the funeral": vec(0, 0, 0.9, 0.4359),
}

// farVectors put them at right angles.
var farVectors = map[string][]float32{
	"syringe driver":       vec(1, 0, 0, 0),
	"the sd":               vec(0, 1, 0, 0),
	"funeral plans":        vec(0, 0, 1, 0),
	"planning the funeral": vec(0, 0, 0, 1),
}

func newTestEmbedder(t *testing.T, url string, reg prometheus.Registerer, edit ...func(*EmbedderOptions)) *OpenAIEmbedder {
	t.Helper()
	o := EmbedderOptions{APIKey: testAPIKey, BaseURL: url + "/v1", Model: "test-embed",
		HTTPClient: &http.Client{Timeout: 5 * time.Second}, Scrub: scrubZebrafinch, Registerer: reg}
	for _, e := range edit {
		e(&o)
	}
	return NewEmbedder(o)
}

func buildEmbedDigest(t *testing.T, db *storage.DB, e Embedder) (flows.Digest, Grouping) {
	t.Helper()
	d, g, err := BuildDigestWithGrouping(context.Background(), db, DigestOptions{TeamID: "TE", Weeks: 1, Now: embedNow,
		Embedder: e, Catalogue: embedCatalogue(t)})
	if err != nil {
		t.Fatal(err)
	}
	return d, g
}

func themeNamed(ts []flows.Theme, phrase string) *flows.Theme {
	for i := range ts {
		if ts[i].Phrase == phrase {
			return &ts[i]
		}
	}
	return nil
}

func themePhrases(ts []flows.Theme) []string {
	var out []string
	for _, t := range ts {
		out = append(out, t.Phrase)
	}
	return out
}

// With no embedder the stems keep "syringe driver" and "the sd" apart (the
// seeds' phrases carry no catalogue theme, so both are emerging themes),
// and the funeral phrases, one case each, recur nowhere.
func TestDigestStemsAlone(t *testing.T) {
	db := storagetest.SQLite(t)
	embedTeam(t, db, embedSeeds)
	d, g := buildEmbedDigest(t, db, nil)
	if g.By != GroupedByStems || g.Err != nil || g.Merged != 0 {
		t.Errorf("grouping = %+v", g)
	}
	if got, want := themePhrases(d.Emerging), []string{"syringe driver", "the sd"}; !slices.Equal(got, want) {
		t.Errorf("emerging = %q, want %q", got, want)
	}
	if len(d.Recurring) != 0 {
		t.Errorf("recurring = %q, want none (no catalogue theme in the seeds' phrases)", themePhrases(d.Recurring))
	}
}

// Close vectors join the stem groups: the two funeral phrases, each from
// one case, become one recurring theme; "the sd" joins "syringe driver"
// with its cases, people and answers counted as unions.
func TestDigestJoinsThemesWithCloseEmbeddings(t *testing.T) {
	db := storagetest.SQLite(t)
	embedTeam(t, db, embedSeeds)
	fake := newEmbedAPI(t, closeVectors)
	reg := prometheus.NewRegistry()
	e := newTestEmbedder(t, fake.srv.URL, reg)
	d, g := buildEmbedDigest(t, db, e)

	if g.By != "stems and embeddings (test-embed)" || g.Model != "test-embed" || g.Err != nil || g.Merged != 2 {
		t.Errorf("grouping = %+v", g)
	}
	if got, want := themePhrases(d.Emerging), []string{"syringe driver", "funeral plans"}; !slices.Equal(got, want) {
		t.Fatalf("emerging = %q, want %q", got, want)
	}
	sd := d.Emerging[0]
	// Apart: syringe driver in 4 answers, cases Ash, Birch, Cedar, people
	// U1-U3; the sd in 3 answers, the same cases and people. One answer
	// holds both. A sum would say 7 answers, 6 cases, 6 people.
	if sd.Key != PhraseKey("syringe driver") || sd.Cases != 3 || sd.People != 3 || sd.Answers != 6 {
		t.Errorf("merged theme = key %q, %d cases, %d people, %d answers; want syring driver, 3, 3, 6",
			sd.Key, sd.Cases, sd.People, sd.Answers)
	}
	// One person of each discipline: none is named, as that would name them.
	if len(sd.Disciplines) != 0 {
		t.Errorf("disciplines = %q", sd.Disciplines)
	}
	funeral := d.Emerging[1]
	if funeral.Cases != 2 || funeral.People != 2 || funeral.Answers != 2 {
		t.Errorf("funeral theme = %+v", funeral)
	}
	if themeNamed(d.Emerging, "planning the funeral") != nil || themeNamed(d.Emerging, "the sd") != nil {
		t.Errorf("a joined phrase is still apart: %q", themePhrases(d.Emerging))
	}
	// Quotes are still checked word for word, one an answer.
	for _, th := range d.Emerging {
		seen := map[int64]bool{}
		if len(th.Quotes) == 0 {
			t.Errorf("%q has no quotes", th.Phrase)
		}
		for _, q := range th.Quotes {
			if seen[q.AnswerID] {
				t.Errorf("%q quotes answer %d twice", th.Phrase, q.AnswerID)
			}
			seen[q.AnswerID] = true
			found := false
			for _, s := range embedSeeds {
				found = found || strings.Contains(s.text, q.Text)
			}
			if !found {
				t.Errorf("quote %q is not in any answer", q.Text)
			}
		}
	}
	// The same result each time, and no phrase sent twice: the cache
	// answers the second build.
	requests := fake.requests()
	for range 3 {
		again, _ := buildEmbedDigest(t, db, e)
		if diff := cmp.Diff(d, again); diff != "" {
			t.Fatalf("a second build differs (-first +again):\n%s", diff)
		}
	}
	if fake.requests() != requests {
		t.Errorf("later builds sent %d more requests; the cache should answer", fake.requests()-requests)
	}
	calls, tokens := e.Usage()
	if calls != 1 || tokens == 0 {
		t.Errorf("usage = %d calls, %d tokens", calls, tokens)
	}
	if got := counter(t, reg, "whatmatters_embedding_tokens_total", nil); got != float64(tokens) {
		t.Errorf("tokens metric = %v, want %d", got, tokens)
	}
	if got := counter(t, reg, "whatmatters_embedding_requests_total", map[string]string{"result": "ok"}); got != 1 {
		t.Errorf("requests metric = %v, want 1", got)
	}
}

// Far vectors leave the stem grouping as it is, though the embeddings were
// consulted.
func TestDigestKeepsThemesWithFarEmbeddingsApart(t *testing.T) {
	db := storagetest.SQLite(t)
	embedTeam(t, db, embedSeeds)
	want, _ := buildEmbedDigest(t, db, nil)
	fake := newEmbedAPI(t, farVectors)
	got, g := buildEmbedDigest(t, db, newTestEmbedder(t, fake.srv.URL, nil))
	if g.By != "stems and embeddings (test-embed)" || g.Merged != 0 || g.Err != nil {
		t.Errorf("grouping = %+v", g)
	}
	if got.Grouping != g.By {
		t.Errorf("digest says grouped by %q, want %q", got.Grouping, g.By)
	}
	got.Grouping = ""
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("far vectors changed the digest (-stems +embeddings):\n%s", diff)
	}
	if fake.requests() != 1 {
		t.Errorf("%d requests, want 1", fake.requests())
	}
}

// The request carries each group's phrase once, scrubbed again, with the
// model asked for; the key is not in it.
func TestEmbeddingRequestCarriesScrubbedPhrases(t *testing.T) {
	db := storagetest.SQLite(t)
	embedTeam(t, db, embedSeeds)
	fake := newEmbedAPI(t, closeVectors)
	buildEmbedDigest(t, db, newTestEmbedder(t, fake.srv.URL, nil))
	sent := fake.sent()
	if len(sent) != 1 {
		t.Fatalf("%d requests, want 1", len(sent))
	}
	got := slices.Sorted(slices.Values(sent[0]))
	want := []string{"[name]'s garden", "funeral plans", "night sitting", "planning the funeral", "syringe driver", "the sd"}
	if !slices.Equal(got, want) {
		t.Errorf("input = %q, want %q", got, want)
	}
	fake.mu.Lock()
	body, raw := fake.bodies[0], string(fake.raw[0])
	fake.mu.Unlock()
	if body["model"] != "test-embed" || body["encoding_format"] != "float" {
		t.Errorf("model = %v, encoding_format = %v", body["model"], body["encoding_format"])
	}
	for _, secret := range []string{"Zebrafinch", testAPIKey} {
		if strings.Contains(raw, secret) {
			t.Errorf("the request body holds %q", secret)
		}
	}
	// Nothing but the phrases: no quote or answer text.
	if strings.Contains(raw, "meant everything") || strings.Contains(raw, "2am") {
		t.Errorf("the request body holds answer text: %s", raw)
	}
}

// Every failure of the embeddings call gives exactly the stem-grouped
// digest, and a Grouping that says so with a safe error.
func TestDigestFallsBackToStemsWhenEmbeddingsFail(t *testing.T) {
	db := storagetest.SQLite(t)
	embedTeam(t, db, embedSeeds)
	want, _ := buildEmbedDigest(t, db, nil)
	one := func(w http.ResponseWriter, v ...[]float32) {
		var data []any
		for i, x := range v {
			data = append(data, map[string]any{"object": "embedding", "index": i, "embedding": x})
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"object": "list", "data": data, "model": "m"})
	}
	for _, tc := range []struct {
		name   string
		handle func(w http.ResponseWriter, r *http.Request, body map[string]any)
		reason string
		status int
	}{
		{"500", func(w http.ResponseWriter, _ *http.Request, _ map[string]any) {
			http.Error(w, `{"error":{"message":"the sd and syringe driver broke","type":"server_error"}}`, http.StatusInternalServerError)
		}, "the endpoint failed", 500},
		{"429", func(w http.ResponseWriter, _ *http.Request, _ map[string]any) {
			w.Header().Set("Retry-After", "20")
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusTooManyRequests)
			_, _ = io.WriteString(w, `{"error":{"message":"slow down","type":"requests","code":"rate_limit_exceeded"}}`)
		}, "rate limited", 429},
		{"401", func(w http.ResponseWriter, _ *http.Request, _ map[string]any) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = io.WriteString(w, `{"error":{"message":"Incorrect API key provided: `+testAPIKey+`","type":"invalid_request_error","code":"invalid_api_key"}}`)
		}, "did not accept the API key", 401},
		{"invalid JSON", func(w http.ResponseWriter, _ *http.Request, _ map[string]any) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"object":"list","data":[{"embedding":[0.1,`)
		}, "", 0},
		{"not JSON", func(w http.ResponseWriter, _ *http.Request, _ map[string]any) {
			_, _ = io.WriteString(w, "<html>the sd</html>")
		}, "", 0},
		{"wrong count", func(w http.ResponseWriter, _ *http.Request, _ map[string]any) {
			one(w, vec(1), vec(1))
		}, "wrong number of vectors", 0},
		{"repeated index", func(w http.ResponseWriter, _ *http.Request, body map[string]any) {
			n := len(body["input"].([]any))
			var data []any
			for range n {
				data = append(data, map[string]any{"index": 0, "embedding": vec(1)})
			}
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(map[string]any{"data": data})
		}, "indexes", 0},
		{"zero vectors", func(w http.ResponseWriter, _ *http.Request, body map[string]any) {
			var v [][]float32
			for range len(body["input"].([]any)) {
				v = append(v, vec())
			}
			one(w, v...)
		}, "zero vector", 0},
		{"ragged vectors", func(w http.ResponseWriter, _ *http.Request, body map[string]any) {
			var v [][]float32
			for i := range len(body["input"].([]any)) {
				v = append(v, make([]float32, 4+i))
				v[i][0] = 1
			}
			one(w, v...)
		}, "differ in length", 0},
		{"timeout", func(w http.ResponseWriter, r *http.Request, _ map[string]any) {
			select {
			case <-r.Context().Done():
			case <-time.After(2 * time.Second):
			}
		}, "timed out", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fake := newAPI(t, tc.handle)
			e := newTestEmbedder(t, fake.srv.URL, nil, func(o *EmbedderOptions) {
				o.HTTPClient = nil
				o.Timeout = 200 * time.Millisecond
			})
			got, g := buildEmbedDigest(t, db, e)
			if got.Grouping != GroupedByStems {
				t.Errorf("digest says grouped by %q, want %q", got.Grouping, GroupedByStems)
			}
			got.Grouping = ""
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("digest differs from the stem-grouped one (-stems +got):\n%s", diff)
			}
			if g.By != GroupedByStems || g.Merged != 0 || g.Err == nil {
				t.Fatalf("grouping = %+v", g)
			}
			var ee *EmbedError
			if !errors.As(g.Err, &ee) {
				t.Fatalf("error %T %v is not an *EmbedError", g.Err, g.Err)
			}
			if !strings.Contains(ee.Reason, tc.reason) || ee.StatusCode != tc.status {
				t.Errorf("error = %q (status %d), want %q (status %d)", ee.Reason, ee.StatusCode, tc.reason, tc.status)
			}
			for e := g.Err; e != nil; e = errors.Unwrap(e) {
				msg := fmt.Sprintf("%v %+v", e, e)
				for _, secret := range []string{testAPIKey, "sk-test", "syringe", "the sd", "garden", "[name]"} {
					if strings.Contains(msg, secret) {
						t.Errorf("error %q holds %q", msg, secret)
					}
				}
			}
			// Nothing from a failed call is cached.
			if e.cache.len() != 0 {
				t.Errorf("%d vectors cached after a failure", e.cache.len())
			}
		})
	}
}

// An Embedder that is not an OpenAIEmbedder is checked too: the wrong
// number of vectors, or vectors of differing lengths, give the stems.
type fixedEmbedder struct {
	vecs [][]float32
	err  error
}

func (f fixedEmbedder) Embed(context.Context, []string) ([][]float32, error) { return f.vecs, f.err }

func TestDigestChecksAnyEmbeddersVectors(t *testing.T) {
	db := storagetest.SQLite(t)
	embedTeam(t, db, embedSeeds)
	want, _ := buildEmbedDigest(t, db, nil)
	for name, e := range map[string]fixedEmbedder{
		"too few":  {vecs: [][]float32{vec(1)}},
		"ragged":   {vecs: [][]float32{{1}, {1, 0}, {1}, {1}, {1}, {1}}},
		"an error": {err: errors.New("no")},
	} {
		got, g := buildEmbedDigest(t, db, e)
		if got.Grouping != GroupedByStems {
			t.Errorf("%s: digest says grouped by %q", name, got.Grouping)
		}
		got.Grouping = ""
		if diff := cmp.Diff(want, got); diff != "" || g.By != GroupedByStems || g.Err == nil {
			t.Errorf("%s: grouping %+v; diff (-stems +got):\n%s", name, g, diff)
		}
	}
	// Nil vectors (blank phrases) are never similar, and the embedder's
	// model is unnamed.
	got, g := buildEmbedDigest(t, db, fixedEmbedder{vecs: make([][]float32, 6)})
	got.Grouping = ""
	if diff := cmp.Diff(want, got); diff != "" || g.By != "stems and embeddings" || g.Err != nil {
		t.Errorf("nil vectors: grouping %+v; diff:\n%s", g, diff)
	}
	// A nil *OpenAIEmbedder is no embedder.
	var none *OpenAIEmbedder
	if got, g := buildEmbedDigest(t, db, none); g.By != GroupedByStems || g.Err != nil || !cmp.Equal(want, got) {
		t.Errorf("nil *OpenAIEmbedder: grouping %+v", g)
	}
}

// Embed sends each distinct scrubbed text once, in batches of at most
// Batch, puts the vectors back in the texts' order, leaves blank texts
// unsent with nil vectors, and keeps at most CacheSize vectors.
func TestEmbedBatchesAndCaches(t *testing.T) {
	fake := newEmbedAPI(t, map[string][]float32{"a": vec(1), "b": vec(0, 1), "c": vec(0, 0, 1), "[name]": vec(0, 0, 0, 1)})
	e := newTestEmbedder(t, fake.srv.URL, nil, func(o *EmbedderOptions) { o.Batch = 2; o.CacheSize = 3 })
	texts := []string{"a", "b", "a", " ", "Zebrafinch", "c", "b", "d"}
	got, err := e.Embed(context.Background(), texts)
	if err != nil {
		t.Fatal(err)
	}
	if want := [][]string{{"a", "b"}, {"[name]", "c"}, {"d"}}; !cmp.Equal(fake.sent(), want) {
		t.Errorf("sent %q, want %q", fake.sent(), want)
	}
	if len(got) != len(texts) || got[3] != nil || !slices.Equal(got[0], vec(1)) || !slices.Equal(got[2], vec(1)) ||
		!slices.Equal(got[4], vec(0, 0, 0, 1)) || !slices.Equal(got[6], vec(0, 1)) || len(got[7]) != embedDim {
		t.Errorf("vectors out of order: %v", got)
	}
	if e.cache.len() != 3 {
		t.Errorf("cache holds %d, want 3", e.cache.len())
	}
	// c and d are cached (recently used); a was dropped.
	if _, err := e.Embed(context.Background(), []string{"c", "d", "a"}); err != nil {
		t.Fatal(err)
	}
	if sent := fake.sent(); len(sent) != 4 || !slices.Equal(sent[3], []string{"a"}) {
		t.Errorf("second call sent %q, want only a", sent[3:])
	}
	// A negative size caches nothing.
	e = newTestEmbedder(t, fake.srv.URL, nil, func(o *EmbedderOptions) { o.CacheSize = -1 })
	for range 2 {
		if _, err := e.Embed(context.Background(), []string{"a"}); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(fake.sent()); n != 6 {
		t.Errorf("%d requests, want 6 without a cache", n)
	}
}

// recordTransport answers every request with one vector per input and
// records the request's URL and key header.
type recordTransport struct {
	mu   sync.Mutex
	urls []string
	keys []string
}

func (rt *recordTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	var body struct {
		Input []string `json:"input"`
	}
	_ = json.NewDecoder(r.Body).Decode(&body)
	rt.mu.Lock()
	rt.urls = append(rt.urls, r.URL.String())
	rt.keys = append(rt.keys, r.Header.Get("api-key"))
	rt.mu.Unlock()
	var data []string
	for i := range body.Input {
		data = append(data, fmt.Sprintf(`{"index":%d,"embedding":[1,0]}`, i))
	}
	return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(strings.NewReader(`{"data":[` + strings.Join(data, ",") + `]}`)), Request: r}, nil
}

// On Azure OpenAI the embedding deployment is the model setting, even when
// the base URL is the chat deployment's; an embeddings deployment URL
// names its own.
func TestEmbedderAzure(t *testing.T) {
	for _, tc := range []struct{ base, model, wantURL, wantModel string }{
		{"https://res.openai.azure.com", "emb", "https://res.openai.azure.com/openai/deployments/emb/embeddings?api-version=2024-10-21", "emb"},
		{"https://res.openai.azure.com/openai/deployments/chat4o/chat/completions?api-version=2025-01-01", "",
			"https://res.openai.azure.com/openai/deployments/text-embedding-3-small/embeddings?api-version=2025-01-01", DefaultEmbeddingModel},
		{"https://res.cognitiveservices.azure.com/openai/deployments/my-emb/embeddings?api-version=2024-10-21", "other",
			"https://res.cognitiveservices.azure.com/openai/deployments/my-emb/embeddings?api-version=2024-10-21", "my-emb"},
	} {
		rt := &recordTransport{}
		e := NewEmbedder(EmbedderOptions{APIKey: "azure-key", BaseURL: tc.base, Model: tc.model, HTTPClient: &http.Client{Transport: rt}})
		if _, err := e.Embed(context.Background(), []string{"x"}); err != nil {
			t.Fatalf("%s: %v", tc.base, err)
		}
		if len(rt.urls) != 1 || rt.urls[0] != tc.wantURL || rt.keys[0] != "azure-key" || e.Model() != tc.wantModel {
			t.Errorf("%s: sent to %q with key %q, model %q; want %q, %q", tc.base, rt.urls, rt.keys, e.Model(), tc.wantURL, tc.wantModel)
		}
	}
}

// The joining itself: largest first, each group compared with the
// anchor's own phrase, so a chain of neighbours does not drift.
func TestMergeSimilarIsGreedyByAnchor(t *testing.T) {
	ans := map[*themeGroup][]int32{}
	mk := func(key, phrase string, cases ...int64) *themeGroup {
		g := &themeGroup{key: key, phrases: map[string]int{phrase: len(cases)}, cases: map[caseKey]bool{}, people: map[string]bool{},
			disc: map[string]bool{}, answers: len(cases)}
		for _, c := range cases {
			g.cases[caseKey{caseID: c}] = true
			ans[g] = append(ans[g], int32(c))
		}
		return g
	}
	groups := map[string]*themeGroup{
		"a": mk("a", "alpha", 1, 2, 3),
		"b": mk("b", "beta", 4, 5),
		"c": mk("c", "gamma", 6),
	}
	// beta is close to alpha (0.9), gamma to beta (0.9) but not to alpha
	// (0.62).
	e := fixedEmbedder{vecs: [][]float32{{1, 0}, {0.9, 0.4359}, {0.6247, 0.7809}}}
	n, err := mergeSimilar(context.Background(), groups, ans, embedGrouping{embedder: e})
	if err != nil || n != 1 {
		t.Fatalf("merged %d, %v", n, err)
	}
	if len(groups) != 2 || groups["a"].answers != 5 || len(groups["a"].cases) != 5 || groups["c"] == nil {
		t.Errorf("groups = a %+v, c %v", groups["a"], groups["c"])
	}
}
