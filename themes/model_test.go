package themes

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus"

	"whatmatters/concepts"
	"whatmatters/flows"
	"whatmatters/prompts"
)

const testAPIKey = "sk-test-secret-0123456789"

// storedText is an answer as stored. "Zebrafinch" stands for a name the
// scrubber learnt after the answer was stored: scrubbing again before
// sending replaces it.
const storedText = "Her husband Zebrafinch (not coping, bad back). Daughter in Cardiff rings nightly; DN twice weekly."

func scrubZebrafinch(s string) string { return strings.ReplaceAll(s, "Zebrafinch", "[name]") }

// keepingZebrafinch is scrubZebrafinch as the model coder's Scrub, which
// also keeps the words it is given.
func keepingZebrafinch(s string, keep ...string) string {
	for _, k := range keep {
		if strings.EqualFold(k, "Zebrafinch") {
			return s
		}
	}
	return scrubZebrafinch(s)
}

// testVersion is the Version of newTestModel's codes.
func testVersion(model string) string {
	return "2:" + model + "+" + concepts.Builtin().Fingerprint()
}

var whosAround = flows.CodeInput{Template: "case", Stage: "whos_around", Text: storedText}

// api is a fake OpenAI-compatible endpoint on loopback. Its handler gets
// each request's decoded body; every body is kept.
type api struct {
	srv    *httptest.Server
	mu     sync.Mutex
	bodies []map[string]any
	raw    [][]byte
}

func newAPI(t *testing.T, handle func(w http.ResponseWriter, r *http.Request, body map[string]any)) *api {
	t.Helper()
	a := &api{}
	a.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		var body map[string]any
		if err := json.Unmarshal(raw, &body); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		a.mu.Lock()
		a.bodies = append(a.bodies, body)
		a.raw = append(a.raw, raw)
		a.mu.Unlock()
		handle(w, r, body)
	}))
	t.Cleanup(a.srv.Close)
	return a
}

func (a *api) requests() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.bodies)
}

// reply writes a chat completion whose message content is content.
func reply(w http.ResponseWriter, content, finish string, prompt, completion int) {
	writeCompletion(w, map[string]any{"role": "assistant", "content": content}, finish, prompt, completion)
}

func writeCompletion(w http.ResponseWriter, message map[string]any, finish string, prompt, completion int) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{
		"id": "chatcmpl-test", "object": "chat.completion", "created": 1, "model": "test-model",
		"choices": []any{map[string]any{"index": 0, "message": message, "finish_reason": finish}},
		"usage": map[string]any{
			"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion,
		},
	})
}

func codesJSON(t *testing.T, phrases ...[2]string) string {
	t.Helper()
	ps := []map[string]string{}
	for _, p := range phrases {
		ps = append(ps, map[string]string{"phrase": p[0], "quote": p[1]})
	}
	b, err := json.Marshal(map[string]any{
		"relationships": "toward", "stories": "away", "community": "toward", "anticipation": "none",
		"capabilities": []string{"those_close"}, "phrases": ps,
	})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func newTestModel(t *testing.T, a *api, reg prometheus.Registerer, edit ...func(*ModelOptions)) *Model {
	t.Helper()
	set, err := prompts.Load()
	if err != nil {
		t.Fatal(err)
	}
	o := ModelOptions{
		APIKey:     testAPIKey,
		BaseURL:    a.srv.URL + "/v1",
		Model:      "test-model",
		HTTPClient: &http.Client{Timeout: 10 * time.Second},
		Scrub:      keepingZebrafinch,
		Registerer: reg,
		Templates:  set,
	}
	for _, e := range edit {
		e(&o)
	}
	return NewModel(o)
}

// counter reads a counter from reg by name and labels.
func counter(t *testing.T, reg *prometheus.Registry, name string, labels map[string]string) float64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
	metrics:
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if labels[l.GetName()] != l.GetValue() {
					continue metrics
				}
			}
			return m.GetCounter().GetValue()
		}
	}
	return 0
}

// modelError checks that err is a *ModelError whose message, and the
// messages of everything it wraps, hold neither the answer text nor the
// API key.
func modelError(t *testing.T, err error) *ModelError {
	t.Helper()
	if err == nil {
		t.Fatal("Code returned no error")
	}
	var me *ModelError
	if !errors.As(err, &me) {
		t.Fatalf("error %T %v is not a *ModelError", err, err)
	}
	for e := err; e != nil; e = errors.Unwrap(e) {
		msg := fmt.Sprintf("%v %+v", e, e)
		for _, secret := range []string{testAPIKey, "sk-test", "Zebrafinch", "[name]", "Cardiff", "rings nightly"} {
			if strings.Contains(msg, secret) {
				t.Errorf("error %q holds %q", msg, secret)
			}
		}
	}
	return me
}

func TestModelCodesAnAnswer(t *testing.T) {
	a := newAPI(t, func(w http.ResponseWriter, r *http.Request, _ map[string]any) {
		if got := r.Header.Get("Authorization"); got != "Bearer "+testAPIKey {
			t.Errorf("Authorization = %q", got)
		}
		if r.URL.Path != "/v1/chat/completions" {
			t.Errorf("path = %q", r.URL.Path)
		}
		reply(w, codesJSON(t,
			[2]string{"Daughter rings nightly ", "  Daughter in Cardiff rings nightly;\n"},
			[2]string{"dn twice weekly", "DN twice weekly."},
			[2]string{"daughter, rings nightly", "Daughter in Cardiff rings nightly"}, // same key: kept once
		), "stop", 1500, 90)
	})
	reg := prometheus.NewRegistry()
	m := newTestModel(t, a, reg)

	got, err := m.Code(context.Background(), whosAround)
	if err != nil {
		t.Fatal(err)
	}
	want := flows.Codes{
		Relationships: flows.Toward, Stories: flows.Away, Community: flows.Toward, Anticipation: flows.None,
		Capabilities: []string{"those_close"},
		Phrases: []flows.Phrase{
			{Phrase: "daughter rings nightly", Key: PhraseKey("daughter rings nightly"), Quote: "Daughter in Cardiff rings nightly;", CutAfter: true},
			{Phrase: "dn twice weekly", Key: PhraseKey("dn twice weekly"), Quote: "DN twice weekly.", CutBefore: true},
		},
		Coder:   "model",
		Version: testVersion("test-model"),
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("codes (-want +got):\n%s", diff)
	}
	if got.Phrases[0].Key != "daughter ring night" {
		t.Errorf("key = %q, want the stemmed words", got.Phrases[0].Key)
	}

	if _, err := m.Code(context.Background(), whosAround); err != nil {
		t.Fatal(err)
	}
	if p, c := m.Usage(); p != 3000 || c != 180 {
		t.Errorf("Usage() = %d, %d; want 3000, 180", p, c)
	}
	if got := counter(t, reg, "whatmatters_model_tokens_total", map[string]string{"kind": "prompt"}); got != 3000 {
		t.Errorf("prompt tokens metric = %v, want 3000", got)
	}
	if got := counter(t, reg, "whatmatters_model_tokens_total", map[string]string{"kind": "completion"}); got != 180 {
		t.Errorf("completion tokens metric = %v, want 180", got)
	}
	if got := counter(t, reg, "whatmatters_model_quotes_dropped_total", nil); got != 0 {
		t.Errorf("dropped quotes metric = %v, want 0", got)
	}
	if got := counter(t, reg, "whatmatters_model_requests_total", map[string]string{"result": "ok"}); got != 2 {
		t.Errorf("model requests metric = %v, want 2", got)
	}
}

func TestModelDropsQuotesNotInTheAnswer(t *testing.T) {
	a := newAPI(t, func(w http.ResponseWriter, _ *http.Request, _ map[string]any) {
		reply(w, codesJSON(t,
			[2]string{"daughter rings nightly", "Daughter in Cardiff rings nightly"},
			// Invented: not in the answer.
			[2]string{"district nurse", "district nurse visits twice a week"},
			// Only in the text as scrubbed again, not as stored.
			[2]string{"husband not coping", "Her husband [name] (not coping, bad back)."},
			// Only in the text as stored: it holds what scrubbing again
			// removes, which the model can only have guessed.
			[2]string{"husband", "Her husband Zebrafinch"},
			// Changed inside (one space more): not word for word.
			[2]string{"husband not coping", "(not coping,  bad back)"},
			[2]string{"empty quote", "  "},
		), "stop", 10, 10)
	})
	reg := prometheus.NewRegistry()
	m := newTestModel(t, a, reg)

	got, err := m.Code(context.Background(), whosAround)
	if err != nil {
		t.Fatal(err)
	}
	wantPhrases := []flows.Phrase{{
		Phrase: "daughter rings nightly", Key: PhraseKey("daughter rings nightly"), Quote: "Daughter in Cardiff rings nightly", CutAfter: true,
	}}
	if diff := cmp.Diff(wantPhrases, got.Phrases); diff != "" {
		t.Errorf("phrases (-want +got):\n%s", diff)
	}
	if got.DroppedQuotes != 5 {
		t.Errorf("DroppedQuotes = %d, want 5", got.DroppedQuotes)
	}
	if got.Relationships != flows.Toward || got.Stories != flows.Away {
		t.Errorf("labels were not kept: %+v", got)
	}
	if got := counter(t, reg, "whatmatters_model_quotes_dropped_total", nil); got != 5 {
		t.Errorf("dropped quotes metric = %v, want 5", got)
	}
}

func TestModelRequest(t *testing.T) {
	a := newAPI(t, func(w http.ResponseWriter, _ *http.Request, _ map[string]any) {
		reply(w, codesJSON(t), "stop", 1, 1)
	})
	m := newTestModel(t, a, nil)
	if _, err := m.Code(context.Background(), whosAround); err != nil {
		t.Fatal(err)
	}
	if a.requests() != 1 {
		t.Fatalf("%d requests, want 1", a.requests())
	}
	body, raw := a.bodies[0], string(a.raw[0])

	if strings.Contains(raw, "Zebrafinch") {
		t.Error("the request holds the text as stored, not as scrubbed again")
	}
	msgs, _ := body["messages"].([]any)
	if len(msgs) != 2 {
		t.Fatalf("%d messages, want 2", len(msgs))
	}
	system, _ := msgs[0].(map[string]any)
	user, _ := msgs[1].(map[string]any)
	if system["role"] != "system" || system["content"] != prompts.CodingSystem(codingThemes(concepts.Builtin())) {
		t.Error("the first message is not the coding system prompt with the catalogue's themes")
	}
	scrubbed := scrubZebrafinch(storedText)
	wantUser := prompts.CodingUser("case", "whos_around", "Who is around this person? Family, friends, neighbours, faith, pets, as well as the people and services caring for them.", scrubbed)
	if user["role"] != "user" || user["content"] != wantUser {
		t.Errorf("user message = %q, want %q", user["content"], wantUser)
	}

	if body["model"] != "test-model" {
		t.Errorf("model = %v", body["model"])
	}
	temp, ok := body["temperature"].(float64)
	if !ok || temp < 0 || temp > 1e-30 {
		t.Errorf("temperature = %v (present %v), want 0", body["temperature"], ok)
	}
	rf, _ := body["response_format"].(map[string]any)
	js, _ := rf["json_schema"].(map[string]any)
	if rf["type"] != "json_schema" || js["strict"] != true || js["name"] != "answer_codes" {
		t.Errorf("response_format = %v", rf)
	}
	var wantSchema any
	if err := json.Unmarshal(codingSchema(concepts.Builtin()), &wantSchema); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(wantSchema, js["schema"]); diff != "" {
		t.Errorf("schema sent (-want +got):\n%s", diff)
	}
}

func TestModelReasoningModelGetsNoTemperature(t *testing.T) {
	a := newAPI(t, func(w http.ResponseWriter, _ *http.Request, _ map[string]any) {
		reply(w, codesJSON(t), "stop", 1, 1)
	})
	m := newTestModel(t, a, nil, func(o *ModelOptions) { o.Model = "o4-mini" })
	if _, err := m.Code(context.Background(), whosAround); err != nil {
		t.Fatal(err)
	}
	if _, ok := a.bodies[0]["temperature"]; ok {
		t.Errorf("temperature sent to a reasoning model: %v", a.bodies[0]["temperature"])
	}
}

func TestModelBlankAnswerSendsNothing(t *testing.T) {
	a := newAPI(t, func(w http.ResponseWriter, _ *http.Request, _ map[string]any) {
		t.Error("a blank answer was sent")
		reply(w, codesJSON(t), "stop", 1, 1)
	})
	m := newTestModel(t, a, nil, func(o *ModelOptions) {
		o.Scrub = func(string, ...string) string { return " \n" }
	})
	got, err := m.Code(context.Background(), flows.CodeInput{Template: "case", Stage: "why", Text: "Zebrafinch"})
	if err != nil {
		t.Fatal(err)
	}
	want := flows.Codes{
		Relationships: flows.None, Stories: flows.None, Community: flows.None, Anticipation: flows.None,
		Capabilities: []string{}, Phrases: []flows.Phrase{}, Coder: "model", Version: testVersion("test-model"),
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("codes (-want +got):\n%s", diff)
	}
}

func TestModelRejectsBadReplies(t *testing.T) {
	for _, tc := range []struct {
		name    string
		message map[string]any
		finish  string
		reason  string
	}{
		{"invalid JSON", map[string]any{"role": "assistant", "content": `{"relationships": "toward", "stories": `}, "stop", "not the JSON"},
		{"prose", map[string]any{"role": "assistant", "content": "Her husband Zebrafinch is around."}, "stop", "not the JSON"},
		{"invalid label", map[string]any{"role": "assistant", "content": strings.Replace(codesJSON(t), `"relationships":"toward"`, `"relationships":"towards"`, 1)}, "stop", "invalid label for relationships"},
		{"missing label", map[string]any{"role": "assistant", "content": `{"relationships":"none","stories":"none","community":"none","capabilities":[],"phrases":[]}`}, "stop", "invalid label for anticipation"},
		{"unknown capability", map[string]any{"role": "assistant", "content": strings.Replace(codesJSON(t), `"those_close"`, `"Zebrafinch"`, 1)}, "stop", "capability tag"},
		{"refusal", map[string]any{"role": "assistant", "content": "", "refusal": "I can't help with Zebrafinch."}, "stop", "refused"},
		{"content filter", map[string]any{"role": "assistant", "content": ""}, "content_filter", "refused"},
		{"cut off", map[string]any{"role": "assistant", "content": `{"relationships": "tow`}, "length", "cut off"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := newAPI(t, func(w http.ResponseWriter, _ *http.Request, _ map[string]any) {
				writeCompletion(w, tc.message, tc.finish, 100, 5)
			})
			m := newTestModel(t, a, nil)
			_, err := m.Code(context.Background(), whosAround)
			me := modelError(t, err)
			if !me.Retryable {
				t.Errorf("error %v is not retryable", err)
			}
			if !strings.Contains(me.Reason, tc.reason) {
				t.Errorf("reason %q does not say %q", me.Reason, tc.reason)
			}
			// The tokens were spent all the same.
			if p, c := m.Usage(); p != 100 || c != 5 {
				t.Errorf("Usage() = %d, %d; want 100, 5", p, c)
			}
		})
	}
}

func TestModelCodeFencedReply(t *testing.T) {
	a := newAPI(t, func(w http.ResponseWriter, _ *http.Request, _ map[string]any) {
		reply(w, "```json\n"+codesJSON(t)+"\n```", "stop", 1, 1)
	})
	got, err := newTestModel(t, a, nil).Code(context.Background(), whosAround)
	if err != nil {
		t.Fatal(err)
	}
	if got.Relationships != flows.Toward {
		t.Errorf("codes = %+v", got)
	}
}

func TestModelHTTPErrors(t *testing.T) {
	for _, tc := range []struct {
		name       string
		status     int
		header     map[string]string
		body       string
		retryable  bool
		retryAfter time.Duration
		reason     string
	}{
		{
			name: "429 with Retry-After in seconds", status: 429, header: map[string]string{"Retry-After": "7"},
			body:      `{"error":{"message":"Rate limit reached for Zebrafinch","type":"requests","code":"rate_limit_exceeded"}}`,
			retryable: true, retryAfter: 7 * time.Second, reason: "rate limited (HTTP 429, requests, rate_limit_exceeded), retry after 7s",
		},
		{
			name: "429 with Retry-After as a far HTTP date", status: 429,
			header:    map[string]string{"Retry-After": time.Now().Add(3 * time.Hour).UTC().Format(http.TimeFormat)},
			body:      `{"error":{"message":"slow down","type":"requests"}}`,
			retryable: true, retryAfter: maxRetryAfter, reason: "rate limited",
		},
		{
			name: "429 with retry-after-ms only", status: 429, header: map[string]string{"Retry-After-Ms": "1500"},
			body: `{"error":{"message":"slow down"}}`, retryable: true, retryAfter: 1500 * time.Millisecond, reason: "rate limited",
		},
		{name: "429 without Retry-After", status: 429, body: `{"error":{"message":"slow down"}}`, retryable: true, reason: "rate limited (HTTP 429)"},
		{name: "500 with a plain body", status: 500, body: "upstream failed on Zebrafinch", retryable: true, reason: "the endpoint failed (HTTP 500)"},
		{name: "503 with Retry-After", status: 503, header: map[string]string{"Retry-After": "30"}, body: `{"error":{"message":"overloaded"}}`, retryable: true, retryAfter: 30 * time.Second, reason: "HTTP 503"},
		{
			name: "400", status: 400,
			body:   `{"error":{"message":"Invalid schema for response_format near 'Zebrafinch'","type":"invalid_request_error","param":"response_format"}}`,
			reason: "rejected the request (HTTP 400, invalid_request_error)",
		},
		{
			name: "400 content filter", status: 400,
			body:      `{"error":{"message":"The response was filtered","type":null,"code":"content_filter","param":"prompt"}}`,
			retryable: true, reason: "content filter",
		},
		{
			name: "401", status: 401,
			body:   `{"error":{"message":"Incorrect API key provided: ` + testAPIKey + `. You can find your API key at https://platform.openai.com.","type":"invalid_request_error","code":"invalid_api_key"}}`,
			reason: "did not accept the API key; check OPENAI_API_KEY (HTTP 401, invalid_request_error, invalid_api_key)",
		},
		{name: "403", status: 403, body: `{"error":{"message":"Project does not have access"}}`, reason: "refused access"},
		{name: "404", status: 404, body: `{"error":{"message":"The model test-model does not exist","code":"model_not_found"}}`, reason: "check OPENAI_BASE_URL and OPENAI_MODEL (HTTP 404, model_not_found)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := newAPI(t, func(w http.ResponseWriter, _ *http.Request, _ map[string]any) {
				for k, v := range tc.header {
					w.Header().Set(k, v)
				}
				w.WriteHeader(tc.status)
				_, _ = io.WriteString(w, tc.body)
			})
			m := newTestModel(t, a, nil)
			_, err := m.Code(context.Background(), whosAround)
			me := modelError(t, err)
			if me.Retryable != tc.retryable {
				t.Errorf("Retryable = %v, want %v (%v)", me.Retryable, tc.retryable, err)
			}
			if me.RetryAfter != tc.retryAfter {
				t.Errorf("RetryAfter = %v, want %v", me.RetryAfter, tc.retryAfter)
			}
			if me.StatusCode != tc.status {
				t.Errorf("StatusCode = %d, want %d", me.StatusCode, tc.status)
			}
			if !strings.Contains(me.Reason, tc.reason) {
				t.Errorf("reason %q does not say %q", me.Reason, tc.reason)
			}
			if !strings.HasPrefix(err.Error(), "model coder: ") {
				t.Errorf("error %q does not name the model coder", err)
			}
			if a.requests() != 1 {
				t.Errorf("%d requests, want 1 (the coder does not retry by itself)", a.requests())
			}
		})
	}
}

// Concurrent requests each get their own response's Retry-After.
func TestModelRetryAfterPerRequest(t *testing.T) {
	a := newAPI(t, func(w http.ResponseWriter, _ *http.Request, body map[string]any) {
		wait := "3"
		if raw, _ := json.Marshal(body["messages"]); strings.Contains(string(raw), "seven") {
			wait = "7"
		}
		w.Header().Set("Retry-After", wait)
		w.WriteHeader(http.StatusTooManyRequests)
		_, _ = io.WriteString(w, `{"error":{"message":"slow down"}}`)
	})
	m := newTestModel(t, a, nil)
	var wg sync.WaitGroup
	var wrong atomic.Int32
	for i := range 20 {
		wg.Go(func() {
			text, want := "three", 3*time.Second
			if i%2 == 0 {
				text, want = "seven", 7*time.Second
			}
			_, err := m.Code(context.Background(), flows.CodeInput{Template: "case", Stage: "why", Text: text})
			var me *ModelError
			if !errors.As(err, &me) || me.RetryAfter != want {
				wrong.Add(1)
			}
		})
	}
	wg.Wait()
	if n := wrong.Load(); n > 0 {
		t.Errorf("%d of 20 requests got another request's Retry-After", n)
	}
}

// The server answers only when the client gives up: the handler waits on
// its request's context, which ends when the client's timeout closes the
// connection. Nothing sleeps.
func TestModelTimeout(t *testing.T) {
	block := func(_ http.ResponseWriter, r *http.Request, _ map[string]any) { <-r.Context().Done() }

	t.Run("HTTP client timeout", func(t *testing.T) {
		a := newAPI(t, block)
		m := newTestModel(t, a, nil, func(o *ModelOptions) { o.HTTPClient = &http.Client{Timeout: 100 * time.Millisecond} })
		_, err := m.Code(context.Background(), whosAround)
		me := modelError(t, err)
		if !me.Retryable || !errors.Is(err, context.DeadlineExceeded) || me.Reason != "the request timed out" {
			t.Errorf("error = %v (retryable %v), want a retryable timeout", err, me.Retryable)
		}
	})
	t.Run("context deadline", func(t *testing.T) {
		a := newAPI(t, block)
		m := newTestModel(t, a, nil)
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		_, err := m.Code(ctx, whosAround)
		me := modelError(t, err)
		if !me.Retryable || !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("error = %v (retryable %v), want a retryable timeout", err, me.Retryable)
		}
	})
}

func TestModelUnreachable(t *testing.T) {
	a := newAPI(t, func(http.ResponseWriter, *http.Request, map[string]any) {})
	url := a.srv.URL
	a.srv.Close()
	m := newTestModel(t, a, nil, func(o *ModelOptions) { o.BaseURL = url + "/v1" })
	_, err := m.Code(context.Background(), whosAround)
	me := modelError(t, err)
	if !me.Retryable || !strings.HasPrefix(me.Reason, "could not reach the endpoint") {
		t.Errorf("error = %v (retryable %v), want a retryable network error", err, me.Retryable)
	}
}

// redirect sends every request to the test server, so an Azure OpenAI
// address can be tested on loopback.
type redirect struct{ to *url.URL }

func (rd redirect) RoundTrip(r *http.Request) (*http.Response, error) {
	r2 := r.Clone(r.Context())
	r2.URL.Scheme, r2.URL.Host, r2.Host = rd.to.Scheme, rd.to.Host, ""
	return http.DefaultTransport.RoundTrip(r2)
}

func TestModelEndpoints(t *testing.T) {
	type seen struct{ path, query, apiKey, auth string }
	for _, tc := range []struct {
		name, baseURL, model string
		want                 seen
		version              string
	}{
		{
			name: "Azure OpenAI resource", baseURL: "https://wm-test.openai.azure.com/", model: "coder-gpt4o",
			want:    seen{path: "/openai/deployments/coder-gpt4o/chat/completions", query: "api-version=2024-10-21", apiKey: testAPIKey},
			version: testVersion("coder-gpt4o"),
		},
		{
			name:    "Azure OpenAI deployment URL",
			baseURL: "https://wm-test.openai.azure.com/openai/deployments/coder-4o-mini/chat/completions?api-version=2025-01-01-preview",
			want:    seen{path: "/openai/deployments/coder-4o-mini/chat/completions", query: "api-version=2025-01-01-preview", apiKey: testAPIKey},
			version: testVersion("coder-4o-mini"),
		},
		{
			name: "local server", baseURL: "http://localhost:11434/v1/", model: "llama3.1:8b",
			want:    seen{path: "/v1/chat/completions", auth: "Bearer " + testAPIKey},
			version: testVersion("llama3.1:8b"),
		},
		{
			name: "OpenAI by default", baseURL: "", model: "",
			want:    seen{path: "/v1/chat/completions", auth: "Bearer " + testAPIKey},
			version: testVersion(DefaultModel),
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var mu sync.Mutex
			var got seen
			a := newAPI(t, func(w http.ResponseWriter, r *http.Request, _ map[string]any) {
				mu.Lock()
				got = seen{r.URL.Path, r.URL.RawQuery, r.Header.Get("api-key"), r.Header.Get("Authorization")}
				mu.Unlock()
				reply(w, codesJSON(t), "stop", 1, 1)
			})
			to, _ := url.Parse(a.srv.URL)
			m := newTestModel(t, a, nil, func(o *ModelOptions) {
				o.BaseURL, o.Model = tc.baseURL, tc.model
				o.HTTPClient = &http.Client{Transport: redirect{to}, Timeout: 10 * time.Second}
			})
			codes, err := m.Code(context.Background(), whosAround)
			if err != nil {
				t.Fatal(err)
			}
			mu.Lock()
			defer mu.Unlock()
			if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(seen{})); diff != "" {
				t.Errorf("request (-want +got):\n%s", diff)
			}
			if codes.Version != tc.version || m.Version() != tc.version {
				t.Errorf("Version = %q, %q; want %q", codes.Version, m.Version(), tc.version)
			}
		})
	}
}

func TestModelMetricsShareARegistry(t *testing.T) {
	a := newAPI(t, func(w http.ResponseWriter, _ *http.Request, _ map[string]any) {
		reply(w, codesJSON(t, [2]string{"made up", "not in the answer"}), "stop", 10, 2)
	})
	reg := prometheus.NewRegistry()
	m1 := newTestModel(t, a, reg)
	m2 := newTestModel(t, a, reg)
	for _, m := range []*Model{m1, m2} {
		if _, err := m.Code(context.Background(), whosAround); err != nil {
			t.Fatal(err)
		}
	}
	if got := counter(t, reg, "whatmatters_model_tokens_total", map[string]string{"kind": "prompt"}); got != 20 {
		t.Errorf("prompt tokens metric = %v, want 20", got)
	}
	if got := counter(t, reg, "whatmatters_model_quotes_dropped_total", nil); got != 2 {
		t.Errorf("dropped quotes metric = %v, want 2", got)
	}
	if p, _ := m1.Usage(); p != 10 {
		t.Errorf("m1.Usage() prompt = %d, want 10 (its own)", p)
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"7", 7 * time.Second, true},
		{" 0 ", 0, true},
		{"1.5", 1500 * time.Millisecond, true},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second, true},
		{now.Add(-time.Minute).Format(http.TimeFormat), 0, true},
		{"86400", maxRetryAfter, true},
		{"1e300", maxRetryAfter, true},
		{"-3", 0, false},
		{"NaN", 0, false},
		{"soon", 0, false},
		{"", 0, false},
	} {
		got, ok := parseRetryAfter(tc.in, now)
		if got != tc.want || ok != tc.ok {
			t.Errorf("parseRetryAfter(%q) = %v, %v; want %v, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestCodingSchema(t *testing.T) {
	cat := concepts.Builtin()
	raw := codingSchema(cat)
	var s struct {
		Type       string `json:"type"`
		Properties map[string]struct {
			Type  string   `json:"type"`
			Enum  []string `json:"enum"`
			Items *struct {
				Type                 string         `json:"type"`
				Enum                 []string       `json:"enum"`
				Properties           map[string]any `json:"properties"`
				Required             []string       `json:"required"`
				AdditionalProperties *bool          `json:"additionalProperties"`
			} `json:"items"`
		} `json:"properties"`
		Required             []string `json:"required"`
		AdditionalProperties *bool    `json:"additionalProperties"`
	}
	if err := json.Unmarshal(raw, &s); err != nil {
		t.Fatal(err)
	}
	wantProps := append(slices.Clone(flows.Directions), "capabilities", "themes", "phrases")
	if diff := cmp.Diff(wantProps, s.Required); diff != "" {
		t.Errorf("required (-want +got):\n%s", diff)
	}
	if s.Type != "object" || s.AdditionalProperties == nil || *s.AdditionalProperties || len(s.Properties) != len(wantProps) {
		t.Errorf("top level: type %q, additionalProperties %v, %d properties", s.Type, s.AdditionalProperties, len(s.Properties))
	}
	// Properties come in the order a model should write them.
	last := -1
	for _, p := range wantProps {
		i := strings.Index(string(raw), `"`+p+`":`)
		if i <= last {
			t.Errorf("property %q is out of order", p)
		}
		last = i
	}
	for _, d := range flows.Directions {
		if diff := cmp.Diff([]string{"toward", "away", "none"}, s.Properties[d].Enum); diff != "" {
			t.Errorf("%s enum (-want +got):\n%s", d, diff)
		}
	}
	caps := s.Properties["capabilities"]
	if caps.Type != "array" || caps.Items == nil || !slices.Equal(caps.Items.Enum, flows.Capabilities) {
		t.Errorf("capabilities = %+v", caps)
	}
	ph := s.Properties["phrases"]
	if ph.Type != "array" || ph.Items == nil || !slices.Equal(ph.Items.Required, []string{"phrase", "quote"}) ||
		ph.Items.AdditionalProperties == nil || *ph.Items.AdditionalProperties || len(ph.Items.Properties) != 2 {
		t.Errorf("phrases = %+v", ph)
	}
	th := s.Properties["themes"]
	if th.Type != "array" || th.Items == nil || !slices.Equal(th.Items.Required, []string{"id", "quote"}) ||
		th.Items.AdditionalProperties == nil || *th.Items.AdditionalProperties || len(th.Items.Properties) != 2 {
		t.Fatalf("themes = %+v", th)
	}
	// The ids are the catalogue's, generated from it.
	var id struct {
		Enum []string `json:"enum"`
	}
	idRaw, _ := json.Marshal(th.Items.Properties["id"])
	if err := json.Unmarshal(idRaw, &id); err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, t := range cat.Themes {
		want = append(want, t.ID)
	}
	if len(want) < 30 || !slices.Equal(id.Enum, want) {
		t.Errorf("theme ids = %v, want the catalogue's %v", id.Enum, want)
	}
	// No keyword some endpoints' strict mode refuses.
	for _, kw := range []string{"maxItems", "maxLength", "minItems", "pattern"} {
		if strings.Contains(string(raw), `"`+kw+`"`) {
			t.Errorf("the schema uses %q", kw)
		}
	}
}

// The prompt (in package prompts, which cannot import flows) names every
// direction and capability flows knows.
func TestCodingPromptMatchesFlows(t *testing.T) {
	cat := concepts.Builtin()
	system := prompts.CodingSystem(codingThemes(cat))
	for _, th := range cat.Themes {
		if !strings.Contains(system, "- `"+th.ID+"`: ") {
			t.Errorf("system prompt does not list theme %q", th.ID)
		}
	}
	for _, d := range flows.Directions {
		if !strings.Contains(system, ": "+d+"\n") {
			t.Errorf("system prompt has no section for direction %q", d)
		}
	}
	for _, c := range flows.Capabilities {
		if !strings.Contains(system, "- `"+c+"`: ") {
			t.Errorf("system prompt does not define capability %q", c)
		}
	}
}

// fakeCoder stands in for the offline coder (or a model) in the fallback
// tests.
type fakeCoder struct {
	codes flows.Codes
	err   error
	calls atomic.Int32
}

func (f *fakeCoder) Code(context.Context, flows.CodeInput) (flows.Codes, error) {
	f.calls.Add(1)
	return f.codes, f.err
}

func offlineCodes() flows.Codes {
	return flows.Codes{
		Relationships: flows.Toward, Stories: flows.None, Community: flows.Toward, Anticipation: flows.None,
		Capabilities: []string{"those_close"}, Coder: "offline", Version: "test",
	}
}

func TestCodeWithFallback(t *testing.T) {
	failing := &ModelError{Retryable: true, Reason: "the endpoint failed (HTTP 500)", StatusCode: 500}
	modelCodes := flows.Codes{Relationships: flows.Away, Stories: flows.Away, Community: flows.Away, Anticipation: flows.Away, Coder: "model", Version: "1:m"}
	fallback := offlineCodes()
	fallback.Fallback = true
	fallback.OfflineReason = OfflineModelFailed
	instructions := offlineCodes()
	instructions.Fallback = true
	instructions.OfflineReason = OfflineInstructions

	for _, tc := range []struct {
		name         string
		model        flows.Coder
		last         bool
		want         flows.Codes
		wantErr      bool
		offlineCalls int32
	}{
		{name: "model succeeds", model: &fakeCoder{codes: modelCodes}, want: modelCodes},
		{name: "model succeeds on the last attempt", model: &fakeCoder{codes: modelCodes}, last: true, want: modelCodes},
		{name: "model fails before the last attempt", model: &fakeCoder{err: failing}, wantErr: true},
		{name: "model fails on the last attempt", model: &fakeCoder{err: failing}, last: true, want: fallback, offlineCalls: 1},
		{name: "answer reads as instructions", model: &fakeCoder{err: errInstructions()}, want: instructions, offlineCalls: 1},
		{name: "no model", model: nil, want: offlineCodes(), offlineCalls: 1},
		{name: "nil *Model", model: (*Model)(nil), want: offlineCodes(), offlineCalls: 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			offline := &fakeCoder{codes: offlineCodes()}
			got, err := CodeWithFallback(context.Background(), tc.model, offline, whosAround, tc.last)
			if tc.wantErr {
				if !errors.Is(err, failing) {
					t.Errorf("error = %v, want the model's error", err)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("codes (-want +got):\n%s", diff)
			}
			if n := offline.calls.Load(); n != tc.offlineCalls {
				t.Errorf("offline coder called %d times, want %d", n, tc.offlineCalls)
			}
		})
	}
}

// With the real model coder and an endpoint that fails: the error before
// the last attempt, the offline codes marked Fallback on it.
func TestCodeWithFallbackModel(t *testing.T) {
	a := newAPI(t, func(w http.ResponseWriter, _ *http.Request, _ map[string]any) {
		w.WriteHeader(http.StatusInternalServerError)
	})
	m := newTestModel(t, a, nil)
	offline := &fakeCoder{codes: offlineCodes()}

	_, err := CodeWithFallback(context.Background(), m, offline, whosAround, false)
	if me := modelError(t, err); !me.Retryable {
		t.Errorf("error %v is not retryable", err)
	}
	if offline.calls.Load() != 0 {
		t.Error("the offline coder was used before the last attempt")
	}

	got, err := CodeWithFallback(context.Background(), m, offline, whosAround, true)
	if err != nil {
		t.Fatal(err)
	}
	want := offlineCodes()
	want.Fallback = true
	want.OfflineReason = OfflineModelFailed
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("codes (-want +got):\n%s", diff)
	}
	if a.requests() != 2 {
		t.Errorf("%d requests, want 2", a.requests())
	}
}
