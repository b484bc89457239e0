package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"whatmatters/flows"
)

// The brief's "done when": demo then digest prints a digest a lead would
// find useful, with evidence and verified quotes, in every format.
func TestDemoThenDigest(t *testing.T) {
	db := "sqlite:" + filepath.Join(tempDir(t), "demo.db")
	setEnv(t, "DATABASE_URL", db)
	res := runWith(t, "", "demo")
	if res.err != nil {
		t.Fatalf("demo: %v\n%s", res.err, res.stderr)
	}
	if !strings.Contains(res.stdout, "Loaded the fictional team") {
		t.Fatalf("demo said: %s", res.stdout)
	}
	if again := runWith(t, "", "demo"); again.err != nil || !strings.Contains(again.stdout, "already loaded") {
		t.Errorf("second demo: %v %q", again.err, again.stdout)
	}

	res = runWith(t, "", "digest", "--weeks", "8")
	if res.err != nil {
		t.Fatalf("digest: %v\n%s", res.err, res.stderr)
	}
	for _, want := range []string{"what recurred", "Recurring themes", "in ", "cases, from", "How the stories read",
		"The six capabilities", "A question for your next learning session", "offline coder", "“"} {
		if !strings.Contains(res.stdout, want) {
			t.Errorf("text digest lacks %q:\n%s", want, res.stdout)
		}
	}

	res = runWith(t, "", "digest", "--weeks", "8", "--format", "json")
	if res.err != nil {
		t.Fatal(res.err)
	}
	var d flows.Digest
	if err := json.Unmarshal([]byte(res.stdout), &d); err != nil {
		t.Fatalf("json digest: %v", err)
	}
	if d.Reflections < 20 || len(d.Recurring) == 0 || len(d.Trend) < 4 || len(d.Trend) > 8 || d.Coder != "offline" {
		t.Errorf("json digest: %d reflections, %d recurring, %d trend weeks, coder %q", d.Reflections, len(d.Recurring), len(d.Trend), d.Coder)
	}
	// The chart's weeks are the digest's own answers, on the text's bases.
	inTrend := 0
	for _, w := range d.Trend {
		inTrend += w.Answers
	}
	if inTrend != d.Answers {
		t.Errorf("the trend holds %d answers, the digest %d", inTrend, d.Answers)
	}
	for _, dr := range d.Directions {
		toward, of := 0, 0
		for _, w := range d.Trend {
			toward, of = toward+w.Toward[dr.Key], of+w.Of[dr.Key]
		}
		if toward != dr.Toward || of != dr.Of {
			t.Errorf("%s: the trend says %d of %d, the text %d of %d", dr.Key, toward, of, dr.Toward, dr.Of)
		}
	}
	for _, th := range d.Recurring {
		if th.Label == "" || th.ID == "" || len(th.AnswerIDs) != th.Answers || th.People < 2 {
			t.Errorf("recurring theme %+v: want a label, an id, its answers and two people", th)
		}
	}
	// Every quote is word for word in a stored answer.
	ex := runWith(t, "", "export")
	if ex.err != nil {
		t.Fatal(ex.err)
	}
	for _, th := range d.Recurring {
		if th.Cases < 2 {
			t.Errorf("recurring theme %q in %d case", th.Phrase, th.Cases)
		}
		for _, q := range th.Quotes {
			if !strings.Contains(ex.stdout, jsonText(t, q.Text)) {
				t.Errorf("quote %q is in no stored answer", q.Text)
			}
		}
	}
	var exported flows.Export
	if err := json.Unmarshal([]byte(ex.stdout), &exported); err != nil {
		t.Fatal(err)
	}
	if len(exported.Themes) < 150 {
		t.Errorf("export holds %d answers' codes, want every demo answer's", len(exported.Themes))
	}

	res = runWith(t, "", "digest", "--format", "markdown", "--weeks", "8")
	if res.err != nil || !strings.HasPrefix(res.stdout, "# ") || !strings.Contains(res.stdout, "\n> ") {
		t.Errorf("markdown digest: %v\n%s", res.err, res.stdout)
	}
	if res = runWith(t, "", "digest", "--team", "TNOPE"); res.err == nil || !strings.Contains(res.err.Error(), "no team") {
		t.Errorf("digest of a team that does not exist: %v", res.err)
	}
}

// `code` reads JSON lines and writes codes, touching no database; a bad
// line is named and nothing is written for it.
func TestCodeCommand(t *testing.T) {
	setEnv(t, "DATABASE_URL", "sqlite:"+filepath.Join(tempDir(t), "never.db"))
	in := `{"id":"a1","template":"case","stage":"whos_around","text":"Practice nurse, OT, night sitting service, pharmacy delivers."}
{"id":"a2","template":"case","stage":"why","text":"She told me 'I've buried two husbands, I'm not frightened of this bit'."}
`
	res := runWith(t, in, "code")
	if res.err != nil {
		t.Fatal(res.err)
	}
	lines := strings.Split(strings.TrimSpace(res.stdout), "\n")
	if len(lines) != 2 {
		t.Fatalf("code wrote %d lines:\n%s", len(lines), res.stdout)
	}
	var first, second codeOut
	if err := json.Unmarshal([]byte(lines[0]), &first); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(lines[1]), &second); err != nil {
		t.Fatal(err)
	}
	if first.ID != "a1" || first.Relationships != flows.Away || first.Community != flows.Away || first.Coder != "offline" {
		t.Errorf("services-only whos_around = %+v", first)
	}
	if second.ID != "a2" || second.Stories != flows.Toward {
		t.Errorf("a voiced answer = %+v", second)
	}
	for _, p := range append(first.Phrases, second.Phrases...) {
		if !strings.Contains(in, p.Quote) {
			t.Errorf("phrase quote %q is not in the input", p.Quote)
		}
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(strings.TrimPrefix(os.Getenv("DATABASE_URL"), "sqlite:")), "never.db")); err == nil {
		t.Error("code created a database")
	}

	res = runWith(t, in+"not json\n", "code")
	if res.err == nil || !strings.Contains(res.err.Error(), "line 3") {
		t.Errorf("a bad line: %v", res.err)
	}

	gold, err := os.ReadFile("../../themes/testdata/codes_heldout.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	res = runWith(t, string(gold), "code", "--score")
	if res.err != nil || !strings.Contains(res.stdout, "kappa") || !strings.Contains(res.stdout, "answers: 130") {
		t.Errorf("code --score: %v\n%s", res.err, res.stdout)
	}
}

// jsonText is s as it appears inside a JSON string.
func jsonText(t *testing.T, s string) string {
	t.Helper()
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Trim(string(b), `"`)
}

// TestDigestGroupsByEmbeddingsWhenAModelIsSet: with a model endpoint set,
// the digest asks its embeddings model to join themes and says so; when
// the endpoint fails, the digest still comes, grouped by stems, and says
// that instead.
func TestDigestGroupsByEmbeddingsWhenAModelIsSet(t *testing.T) {
	var embedCalls atomic.Int32
	fail := atomic.Bool{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasSuffix(r.URL.Path, "/embeddings") {
			http.Error(w, "only embeddings here", http.StatusNotFound)
			return
		}
		embedCalls.Add(1)
		if fail.Load() {
			http.Error(w, "down", http.StatusInternalServerError)
			return
		}
		var req struct {
			Input []string `json:"input"`
			Model string   `json:"model"`
		}
		_ = json.NewDecoder(r.Body).Decode(&req)
		data := make([]map[string]any, len(req.Input))
		for i := range req.Input {
			// Every phrase far from every other: nothing joins, but the
			// grouping is by embeddings.
			v := make([]float32, len(req.Input))
			v[i] = 1
			data[i] = map[string]any{"object": "embedding", "index": i, "embedding": v}
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"object": "list", "data": data, "model": req.Model,
			"usage": map[string]any{"prompt_tokens": len(req.Input), "total_tokens": len(req.Input)}})
	}))
	t.Cleanup(srv.Close)
	dbURL := "sqlite:" + filepath.Join(tempDir(t), "demo.db")
	setEnv(t, "DATABASE_URL", dbURL, "OPENAI_BASE_URL", srv.URL+"/v1", "OPENAI_API_KEY", "test-key")
	if res := runWith(t, "", "demo"); res.err != nil {
		t.Fatalf("demo: %v\n%s", res.err, res.stderr)
	}
	digest := func() flows.Digest {
		t.Helper()
		res := runWith(t, "", "digest", "--weeks", "8", "--format", "json")
		if res.err != nil {
			t.Fatalf("digest: %v\n%s", res.err, res.stderr)
		}
		var d flows.Digest
		if err := json.Unmarshal([]byte(res.stdout), &d); err != nil {
			t.Fatal(err)
		}
		return d
	}
	if d := digest(); !strings.Contains(d.Grouping, "embeddings") || embedCalls.Load() == 0 || len(d.Recurring) == 0 {
		t.Errorf("grouping %q after %d embeddings calls, %d recurring themes; want embeddings used", d.Grouping, embedCalls.Load(), len(d.Recurring))
	}
	fail.Store(true)
	if d := digest(); d.Grouping != "stems" || len(d.Recurring) == 0 {
		t.Errorf("with embeddings failing: grouping %q, %d recurring; want the stem-grouped digest, saying so", d.Grouping, len(d.Recurring))
	}
	setEnv(t, "DATABASE_URL", dbURL, "OPENAI_BASE_URL", srv.URL+"/v1", "OPENAI_API_KEY", "test-key", "OPENAI_EMBEDDING_MODEL", "off")
	if d := digest(); d.Grouping != "" {
		t.Errorf("with embeddings off: grouping %q, want none", d.Grouping)
	}
}

// TestDigestUnderASustained429: with a model that keeps refusing with a
// Retry-After, digest honours it within its bounded wait, asks about a few
// answers only, and says exactly how many of the digest's answers the
// offline coder read, and why.
func TestDigestUnderASustained429(t *testing.T) {
	var chats atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasSuffix(r.URL.Path, "/chat/completions") {
			http.Error(w, "only chat here", http.StatusNotFound)
			return
		}
		chats.Add(1)
		w.Header().Set("Retry-After", "0.01")
		w.WriteHeader(http.StatusTooManyRequests)
		_, _ = w.Write([]byte(`{"error":{"message":"slow down","type":"requests"}}`))
	}))
	t.Cleanup(srv.Close)
	dbURL := "sqlite:" + filepath.Join(tempDir(t), "demo.db")
	setEnv(t, "DATABASE_URL", dbURL, "OPENAI_BASE_URL", srv.URL+"/v1", "OPENAI_API_KEY", "test-key", "OPENAI_EMBEDDING_MODEL", "off")
	if res := runWith(t, "", "demo"); res.err != nil {
		t.Fatalf("demo: %v\n%s", res.err, res.stderr)
	}
	before := chats.Load()
	res := runWith(t, "", "digest", "--weeks", "8", "--format", "json")
	if res.err != nil {
		t.Fatalf("digest: %v\n%s", res.err, res.stderr)
	}
	asked := chats.Load() - before
	var d flows.Digest
	if err := json.Unmarshal([]byte(res.stdout), &d); err != nil {
		t.Fatalf("json digest: %v\n%s", err, res.stdout)
	}
	t.Logf("demo asked %d times, digest %d; stderr: %s; digest coder %q uncoded %d fallbacks %d read_offline %d", before, asked, res.stderr, d.Coder, d.Uncoded, d.Fallbacks, len(d.ReadOffline))
	if asked > 9 {
		t.Errorf("digest asked the model %d times, want at most 9 (three answers, three times each)", asked)
	}
	// The model could code none of the demo's answers.
	want := fmt.Sprintf("whatmatters digest: %d of the period's %d answers read by the offline coder, not the model: %d not coded yet.",
		d.Answers, d.Answers, d.Answers)
	if d.Answers == 0 || !strings.Contains(res.stderr, want) {
		t.Errorf("stderr lacks %q:\n%s", want, res.stderr)
	}
	if !strings.Contains(res.stderr, "rate limited (HTTP 429") || !strings.Contains(res.stderr, fmt.Sprintf("%d readings asked", asked)) {
		t.Errorf("stderr does not say why, nor how often the model was asked:\n%s", res.stderr)
	}
}
