package themes

import (
	"container/list"
	"context"
	"errors"
	"math"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	openai "github.com/sashabaranov/go-openai"
)

// Embedder turns phrase texts into vectors whose cosine similarity says how
// alike their meanings are. Embed returns one vector per text, in order, or
// an error; a vector may be nil for a text it could not embed (blank after
// scrubbing), which is then never similar to anything. All the vectors it
// returns in one call have the same length.
type Embedder interface {
	Embed(ctx context.Context, texts []string) ([][]float32, error)
}

// DefaultEmbeddingModel is the model asked when EmbedderOptions.Model is
// empty.
const DefaultEmbeddingModel = "text-embedding-3-small"

// DefaultEmbeddingTimeout bounds one call to Embed (all its requests) when
// EmbedderOptions.Timeout is zero.
const DefaultEmbeddingTimeout = 30 * time.Second

// DefaultEmbeddingBatch is how many phrases one request carries at most
// when EmbedderOptions.Batch is zero. OpenAI accepts up to 2,048 inputs a
// request; key phrases are a few words, so 256 is far inside its token
// limit too.
const DefaultEmbeddingBatch = 256

// DefaultEmbeddingCache is how many phrases' vectors an OpenAIEmbedder
// keeps between calls when EmbedderOptions.CacheSize is zero. A vector of
// text-embedding-3-small is 1,536 float32s, 6 KB, so about 6 MB in all.
const DefaultEmbeddingCache = 1024

// EmbedderOptions configures an OpenAIEmbedder. The endpoint, key and
// client are handled as in ModelOptions.
type EmbedderOptions struct {
	// APIKey is sent as a bearer token, or as the api-key header for Azure
	// OpenAI.
	APIKey string
	// BaseURL is the endpoint, as in ModelOptions.BaseURL. On Azure OpenAI
	// the embedding deployment is Model; a deployment named in the URL is
	// used only when the URL is an embeddings URL (its path ends in
	// /embeddings), since the URL is usually the chat deployment's.
	BaseURL string
	// Model is the embedding model's name, or its deployment's on Azure
	// OpenAI. Empty means DefaultEmbeddingModel.
	Model string
	// Dimensions asks text-embedding-3 models for shorter vectors; zero
	// leaves the model's own length.
	Dimensions int
	// HTTPClient sends the requests. Nil means a client whose Timeout is
	// Timeout. It is copied, not changed.
	HTTPClient *http.Client
	// Timeout bounds one call to Embed, all its requests together. Zero
	// means DefaultEmbeddingTimeout.
	Timeout time.Duration
	// Batch is the most phrases one request carries. Zero means
	// DefaultEmbeddingBatch.
	Batch int
	// CacheSize is how many phrases' vectors are kept between calls
	// (least recently used dropped first). Zero means
	// DefaultEmbeddingCache; negative keeps none.
	CacheSize int
	// Scrub is applied to each phrase just before it is sent, as the model
	// coder does to answers. Nil sends the phrase as it is.
	Scrub func(string) string
	// Registerer receives the embedder's metrics. Nil keeps them
	// unregistered.
	Registerer prometheus.Registerer
}

// OpenAIEmbedder is an Embedder over an OpenAI-compatible embeddings
// endpoint. It sends each distinct phrase (as scrubbed) at most once while
// its vector is in the cache, never logs, and its errors never hold the
// phrases or the API key. It is safe for concurrent use.
type OpenAIEmbedder struct {
	client     *openai.Client
	model      string
	dimensions int
	timeout    time.Duration
	batch      int
	scrub      func(string) string
	cache      *vectorCache

	requests   prometheus.Counter
	failures   prometheus.Counter
	tokens     prometheus.Counter
	usedCalls  atomic.Int64
	usedTokens atomic.Int64
}

var _ Embedder = (*OpenAIEmbedder)(nil)

// NewEmbedder returns an embedder configured by o. It sends nothing until
// Embed is called.
func NewEmbedder(o EmbedderOptions) *OpenAIEmbedder {
	model := o.Model
	if model == "" {
		model = DefaultEmbeddingModel
	}
	timeout := o.Timeout
	if timeout <= 0 {
		timeout = DefaultEmbeddingTimeout
	}
	cfg := embedderConfig(o.APIKey, o.BaseURL, &model)
	hc := o.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: timeout}
	}
	cfg.HTTPClient = withRetryAfter(hc)
	batch := o.Batch
	if batch <= 0 {
		batch = DefaultEmbeddingBatch
	}
	size := o.CacheSize
	if size == 0 {
		size = DefaultEmbeddingCache
	}
	e := &OpenAIEmbedder{
		client:     openai.NewClientWithConfig(cfg),
		model:      model,
		dimensions: o.Dimensions,
		timeout:    timeout,
		batch:      batch,
		scrub:      o.Scrub,
		cache:      newVectorCache(size),
	}
	requests := registerCounterVec(o.Registerer, prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "whatmatters_embedding_requests_total",
		Help: "Requests the theme embedder sent, by result (ok or error).",
	}, []string{"result"}))
	e.requests = requests.WithLabelValues("ok")
	e.failures = requests.WithLabelValues("error")
	e.tokens = registerCounter(o.Registerer, prometheus.NewCounter(prometheus.CounterOpts{
		Name: "whatmatters_embedding_tokens_total",
		Help: "Tokens used by the theme embedder, as the endpoint reported them.",
	}))
	return e
}

// embedderConfig is clientConfig for the embeddings endpoint. On Azure
// OpenAI a deployment in the URL is taken only from an embeddings URL, and
// then replaces *model.
func embedderConfig(apiKey, baseURL string, model *string) openai.ClientConfig {
	u, err := url.Parse(baseURL)
	if baseURL == "" || err != nil || !isAzureHost(u.Hostname()) {
		cfg, _ := clientConfig(apiKey, baseURL, *model)
		return cfg
	}
	if !strings.HasSuffix(strings.TrimRight(u.Path, "/"), "/embeddings") {
		v := *u
		v.Path, v.RawPath = "", ""
		u = &v
	}
	cfg, deployment := azureConfig(apiKey, u, *model)
	if deployment != "" {
		*model = deployment
	}
	return cfg
}

// Model returns the embedding model's name (the deployment's on Azure
// OpenAI).
func (e *OpenAIEmbedder) Model() string { return e.model }

// Usage returns the requests this embedder has sent and the tokens the
// endpoint reported for them.
func (e *OpenAIEmbedder) Usage() (requests, tokens int64) {
	return e.usedCalls.Load(), e.usedTokens.Load()
}

// Embed returns a vector for each text. Each text is scrubbed, and each
// distinct scrubbed text not in the cache is sent once, in requests of at
// most Batch texts. A text blank after scrubbing is not sent; its vector
// is nil. The vectors may be shared with the cache: do not change them.
// Any failure fails the whole call: an *EmbedError, after which
// nothing from the call is cached.
func (e *OpenAIEmbedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	out := make([][]float32, len(texts))
	sent := make([]string, len(texts))
	var todo []string
	at := map[string][]int{}
	for i, t := range texts {
		if e.scrub != nil {
			t = e.scrub(t)
		}
		t = strings.TrimSpace(t)
		sent[i] = t
		if t == "" {
			continue
		}
		if v, ok := e.cache.get(t); ok {
			out[i] = v
			continue
		}
		if _, ok := at[t]; !ok {
			todo = append(todo, t)
		}
		at[t] = append(at[t], i)
	}
	if len(todo) == 0 {
		return out, nil
	}
	ctx, cancel := context.WithTimeout(ctx, e.timeout)
	defer cancel()
	got := make([][]float32, 0, len(todo))
	dim := 0
	for start := 0; start < len(todo); start += e.batch {
		part := todo[start:min(start+e.batch, len(todo))]
		vs, err := e.request(ctx, part)
		if err != nil {
			return nil, err
		}
		for _, v := range vs {
			if dim == 0 {
				dim = len(v)
			}
			if len(v) != dim {
				return nil, &EmbedError{Reason: "the reply's vectors differ in length"}
			}
		}
		got = append(got, vs...)
	}
	for j, t := range todo {
		e.cache.put(t, got[j])
		for _, i := range at[t] {
			out[i] = got[j]
		}
	}
	return out, nil
}

// request sends one batch and checks the reply: one finite, non-zero
// vector per text, each index once.
func (e *OpenAIEmbedder) request(ctx context.Context, texts []string) ([][]float32, error) {
	note := &retryAfterNote{}
	req := openai.EmbeddingRequestStrings{Input: texts, Model: openai.EmbeddingModel(e.model),
		EncodingFormat: openai.EmbeddingEncodingFormatFloat, Dimensions: e.dimensions}
	e.usedCalls.Add(1)
	resp, err := e.client.CreateEmbeddings(context.WithValue(ctx, retryAfterKey{}, note), req)
	if err != nil {
		e.failures.Inc()
		return nil, embedError(classify(err, note))
	}
	if t := resp.Usage.TotalTokens; t > 0 {
		e.usedTokens.Add(int64(t))
		e.tokens.Add(float64(t))
	} else if t := resp.Usage.PromptTokens; t > 0 {
		e.usedTokens.Add(int64(t))
		e.tokens.Add(float64(t))
	}
	vs, err := readEmbeddings(resp, len(texts))
	if err != nil {
		e.failures.Inc()
		return nil, err
	}
	e.requests.Inc()
	return vs, nil
}

// readEmbeddings puts a reply's vectors in the order of the request's
// texts, and rejects a reply with the wrong number of vectors, an index
// missing, repeated or out of range, or a vector empty, zero or not
// finite.
func readEmbeddings(resp openai.EmbeddingResponse, n int) ([][]float32, error) {
	if len(resp.Data) != n {
		return nil, &EmbedError{Reason: "the reply had the wrong number of vectors"}
	}
	out := make([][]float32, n)
	for _, d := range resp.Data {
		if d.Index < 0 || d.Index >= n || out[d.Index] != nil {
			return nil, &EmbedError{Reason: "the reply's vector indexes were not one for each phrase"}
		}
		var sum float64
		for _, x := range d.Embedding {
			f := float64(x)
			if math.IsNaN(f) || math.IsInf(f, 0) {
				return nil, &EmbedError{Reason: "the reply held a vector that is not finite"}
			}
			sum += f * f
		}
		if len(d.Embedding) == 0 || sum == 0 {
			return nil, &EmbedError{Reason: "the reply held an empty or zero vector"}
		}
		out[d.Index] = d.Embedding
	}
	return out, nil
}

// EmbedError is why an OpenAIEmbedder could not embed phrases. Its message
// never holds the phrases or the API key, nor the endpoint's own message.
// A digest whose embeddings fail is grouped by stems alone.
type EmbedError struct {
	// Reason says what went wrong, in words safe to log.
	Reason string
	// StatusCode is the endpoint's HTTP status, or 0 when there was none.
	StatusCode int
	// RetryAfter is how long the endpoint asked to wait, or 0.
	RetryAfter time.Duration

	err error
}

// Error returns "embedder: " and the reason.
func (e *EmbedError) Error() string { return "embedder: " + e.Reason }

// Unwrap returns the underlying error, as ModelError.Unwrap does.
func (e *EmbedError) Unwrap() error { return e.err }

// embedError turns the model coder's classification into an *EmbedError,
// naming the embedding model's setting instead of the chat model's.
func embedError(me *ModelError) *EmbedError {
	r := strings.NewReplacer("OPENAI_MODEL", "OPENAI_EMBEDDING_MODEL", "a chat completion", "an embeddings reply")
	return &EmbedError{
		Reason:     r.Replace(me.Reason),
		StatusCode: me.StatusCode,
		RetryAfter: me.RetryAfter,
		err:        me.err,
	}
}

// errNoVectors is returned when an Embedder gives the wrong number of
// vectors, or vectors of differing lengths.
var errNoVectors = errors.New("embedder: the vectors did not match the phrases")

// vectorCache is a small least-recently-used cache of phrase vectors.
type vectorCache struct {
	mu    sync.Mutex
	size  int
	order *list.List // front is the most recently used
	items map[string]*list.Element
}

type cacheEntry struct {
	text string
	vec  []float32
}

func newVectorCache(size int) *vectorCache {
	if size <= 0 {
		return nil
	}
	return &vectorCache{size: size, order: list.New(), items: map[string]*list.Element{}}
}

func (c *vectorCache) get(text string) ([]float32, bool) {
	if c == nil {
		return nil, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.items[text]
	if !ok {
		return nil, false
	}
	c.order.MoveToFront(el)
	return el.Value.(*cacheEntry).vec, true
}

func (c *vectorCache) put(text string, vec []float32) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[text]; ok {
		el.Value.(*cacheEntry).vec = vec
		c.order.MoveToFront(el)
		return
	}
	c.items[text] = c.order.PushFront(&cacheEntry{text: text, vec: vec})
	for c.order.Len() > c.size {
		last := c.order.Back()
		c.order.Remove(last)
		delete(c.items, last.Value.(*cacheEntry).text)
	}
}

func (c *vectorCache) len() int {
	if c == nil {
		return 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.order.Len()
}
