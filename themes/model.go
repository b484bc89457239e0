package themes

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	openai "github.com/sashabaranov/go-openai"

	"whatmatters/flows"
	"whatmatters/prompts"
)

// ModelName is the Coder name stored with the model coder's codes.
const ModelName = "model"

// ModelVersionPrefix starts the Version stored with the model coder's codes,
// which is ModelVersionPrefix followed by the model's name ("1:gpt-4o-mini").
// Raise the number when the prompt or the schema changes in a way that
// should make stored codes be made again.
const ModelVersionPrefix = "1:"

// DefaultModel is the model asked when ModelOptions.Model is empty.
const DefaultModel = "gpt-4o-mini"

// DefaultModelTimeout bounds one request when ModelOptions.HTTPClient is
// nil.
const DefaultModelTimeout = 60 * time.Second

// DefaultAzureAPIVersion is the Azure OpenAI api-version used when the base
// URL does not name one. It is the first generally available version that
// accepts a json_schema response format.
const DefaultAzureAPIVersion = "2024-10-21"

// temperatureZero asks for temperature 0. go-openai leaves a zero
// Temperature out of the request (the field is omitempty), and the API's
// default is 1, so the smallest float32 above zero is sent instead: the
// maintainers' advice, and the same as 0 in effect.
const temperatureZero = math.SmallestNonzeroFloat32

// ModelOptions configures a Model.
type ModelOptions struct {
	// APIKey is sent as a bearer token, or as the api-key header for Azure
	// OpenAI. A local model server accepts any value.
	APIKey string
	// BaseURL is the endpoint, e.g. https://api.openai.com/v1 (the default
	// when empty), http://localhost:11434/v1 for Ollama, or
	// https://NAME.openai.azure.com for Azure OpenAI (whose host is
	// recognised; a full deployment URL, with its api-version, also works).
	BaseURL string
	// Model is the model's name, or the deployment's name on Azure OpenAI.
	// Empty means DefaultModel, or the deployment named in an Azure
	// BaseURL.
	Model string
	// HTTPClient sends the requests; its Timeout bounds each one. Nil
	// means a client with DefaultModelTimeout. It is copied, not changed.
	HTTPClient *http.Client
	// Scrub is applied to the answer text again just before it is sent,
	// in case the text was stored before a name or rule was added. Nil
	// sends the stored text.
	Scrub func(string) string
	// Registerer receives the coder's metrics. Nil keeps them
	// unregistered.
	Registerer prometheus.Registerer
	// Templates supplies each stage's question for the prompt. Nil leaves
	// the question out.
	Templates *prompts.Set
}

// Model is the model coder: it reads an answer against the codebook by
// asking a language model at any OpenAI-compatible endpoint, and keeps a
// key phrase only when its quote is found word for word in the answer. It
// never logs, and its errors never hold the answer text or the API key.
// It is safe for concurrent use.
type Model struct {
	client    *openai.Client
	model     string
	reasoning bool
	scrub     func(string) string
	templates *prompts.Set
	format    *openai.ChatCompletionResponseFormat

	dropped          prometheus.Counter
	requests         *prometheus.CounterVec // by result: ok, error
	promptTokens     prometheus.Counter
	completionTokens prometheus.Counter
	usedPrompt       atomic.Int64
	usedCompletion   atomic.Int64
}

var _ flows.Coder = (*Model)(nil)

// NewModel returns a model coder configured by o. It sends nothing until
// Code is called.
func NewModel(o ModelOptions) *Model {
	cfg, deployment := clientConfig(o.APIKey, o.BaseURL, o.Model)
	cfg.HTTPClient = withRetryAfter(o.HTTPClient)
	model := o.Model
	if model == "" {
		model = deployment
	}
	if model == "" {
		model = DefaultModel
	}
	m := &Model{
		client:    openai.NewClientWithConfig(cfg),
		model:     model,
		reasoning: isReasoningModel(model),
		scrub:     o.Scrub,
		templates: o.Templates,
		format:    responseFormat(),
	}
	m.dropped = registerCounter(o.Registerer, prometheus.NewCounter(prometheus.CounterOpts{
		Name: "whatmatters_model_quotes_dropped_total",
		Help: "Key-phrase quotes from the model coder that were not found word for word in the answer, and were dropped.",
	}))
	m.requests = registerCounterVec(o.Registerer, prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "whatmatters_model_requests_total",
		Help: "Requests the model coder made to the model endpoint, by result (ok, or error: timeouts, 429, 5xx, refused).",
	}, []string{"result"}))
	tokens := registerCounterVec(o.Registerer, prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "whatmatters_model_tokens_total",
		Help: "Tokens used by the model coder, as the endpoint reported them, by kind (prompt or completion).",
	}, []string{"kind"}))
	m.promptTokens = tokens.WithLabelValues("prompt")
	m.completionTokens = tokens.WithLabelValues("completion")
	return m
}

// Version returns the Version stored with this coder's codes:
// ModelVersionPrefix and the model's name.
func (m *Model) Version() string { return ModelVersionPrefix + m.model }

// Usage returns the tokens this Model has used so far, as the endpoint
// reported them.
func (m *Model) Usage() (prompt, completion int64) {
	return m.usedPrompt.Load(), m.usedCompletion.Load()
}

// Code reads one answer against the codebook. It scrubs in.Text again,
// sends it once, and checks the reply: every label and tag must be one the
// codebook knows (else the whole reply is rejected), and a key phrase is
// kept only when its quote is an exact span of in.Text (surrounding white
// space aside), and of the text as scrubbed again. Dropped quotes are
// counted in Codes.DroppedQuotes. A blank
// answer is coded none on all four directions without a request.
//
// Every error is a *ModelError, which says whether trying again later may
// help.
func (m *Model) Code(ctx context.Context, in flows.CodeInput) (flows.Codes, error) {
	text := in.Text
	if m.scrub != nil {
		text = m.scrub(text)
	}
	if strings.TrimSpace(text) == "" {
		return m.stamp(flows.Codes{
			Relationships: flows.None, Stories: flows.None, Community: flows.None, Anticipation: flows.None,
			Capabilities: []string{}, Phrases: []flows.Phrase{},
		}), nil
	}
	system, user := prompts.CodingPrompt(in.Template, in.Stage, m.templates.StageQuestion(in.Template, in.Stage), text)
	req := openai.ChatCompletionRequest{
		Model: m.model,
		Messages: []openai.ChatCompletionMessage{
			{Role: openai.ChatMessageRoleSystem, Content: system},
			{Role: openai.ChatMessageRoleUser, Content: user},
		},
		ResponseFormat: m.format,
	}
	if !m.reasoning {
		req.Temperature = temperatureZero
	}
	note := &retryAfterNote{}
	resp, err := m.client.CreateChatCompletion(context.WithValue(ctx, retryAfterKey{}, note), req)
	if err != nil {
		m.requests.WithLabelValues("error").Inc()
		return flows.Codes{}, classify(err, note)
	}
	m.requests.WithLabelValues("ok").Inc()
	m.countUsage(resp.Usage)
	codes, err := m.read(resp, in.Text, text)
	if err != nil {
		return flows.Codes{}, err
	}
	return m.stamp(codes), nil
}

func (m *Model) stamp(c flows.Codes) flows.Codes {
	c.Coder = ModelName
	c.Version = m.Version()
	return c
}

func (m *Model) countUsage(u openai.Usage) {
	if u.PromptTokens > 0 {
		m.usedPrompt.Add(int64(u.PromptTokens))
		m.promptTokens.Add(float64(u.PromptTokens))
	}
	if u.CompletionTokens > 0 {
		m.usedCompletion.Add(int64(u.CompletionTokens))
		m.completionTokens.Add(float64(u.CompletionTokens))
	}
}

// modelReply is the JSON object the schema asks for.
type modelReply struct {
	Relationships string   `json:"relationships"`
	Stories       string   `json:"stories"`
	Community     string   `json:"community"`
	Anticipation  string   `json:"anticipation"`
	Capabilities  []string `json:"capabilities"`
	Phrases       []struct {
		Phrase string `json:"phrase"`
		Quote  string `json:"quote"`
	} `json:"phrases"`
}

// read checks the model's reply and turns it into codes. stored is the
// answer's stored text, which quotes must come from, and sent the text as
// scrubbed again and sent, which they must also be in: a quote found only
// in the stored text would hold something the scrubber now removes, which
// the model could only have guessed.
func (m *Model) read(resp openai.ChatCompletionResponse, stored, sent string) (flows.Codes, error) {
	if len(resp.Choices) == 0 {
		return flows.Codes{}, &ModelError{Retryable: true, Reason: "the reply had no message"}
	}
	choice := resp.Choices[0]
	if choice.Message.Refusal != "" || choice.FinishReason == openai.FinishReasonContentFilter {
		// The refusal's wording is not kept: it may quote the answer.
		return flows.Codes{}, &ModelError{Retryable: true, Reason: "the model refused to code the answer"}
	}
	if choice.FinishReason == openai.FinishReasonLength {
		return flows.Codes{}, &ModelError{Retryable: true, Reason: "the reply was cut off at the token limit"}
	}
	var r modelReply
	if err := json.Unmarshal([]byte(stripCodeFence(choice.Message.Content)), &r); err != nil {
		return flows.Codes{}, &ModelError{Retryable: true, Reason: "the reply was not the JSON asked for", err: err}
	}

	c := flows.Codes{Capabilities: []string{}, Phrases: []flows.Phrase{}}
	for _, d := range []struct {
		key string
		got string
		to  *flows.Label
	}{
		{flows.DirRelationships, r.Relationships, &c.Relationships},
		{flows.DirStories, r.Stories, &c.Stories},
		{flows.DirCommunity, r.Community, &c.Community},
		{flows.DirAnticipation, r.Anticipation, &c.Anticipation},
	} {
		l := flows.Label(d.got)
		if !l.Valid() {
			// The value is not quoted: it came from the model.
			return flows.Codes{}, &ModelError{Retryable: true, Reason: "the reply gave an invalid label for " + d.key}
		}
		*d.to = l
	}
	for _, tag := range r.Capabilities {
		if !slices.Contains(flows.Capabilities, tag) {
			return flows.Codes{}, &ModelError{Retryable: true, Reason: "the reply gave a capability tag the codebook does not have"}
		}
	}
	// In the codebook's order, each tag once.
	for _, tag := range flows.Capabilities {
		if slices.Contains(r.Capabilities, tag) {
			c.Capabilities = append(c.Capabilities, tag)
		}
	}

	seen := map[string]bool{}
	for _, p := range r.Phrases {
		quote := strings.TrimSpace(p.Quote)
		if quote == "" || !strings.Contains(stored, quote) || !strings.Contains(sent, quote) {
			c.DroppedQuotes++
			continue
		}
		phrase := normalisePhrase(p.Phrase)
		key := PhraseKey(phrase)
		if key == "" || seen[key] {
			continue
		}
		seen[key] = true
		c.Phrases = append(c.Phrases, flows.Phrase{Phrase: phrase, Key: key, Quote: quote})
	}
	if c.DroppedQuotes > 0 {
		m.dropped.Add(float64(c.DroppedQuotes))
	}
	return c, nil
}

// normalisePhrase lower-cases a phrase, folds its white space and trims
// punctuation from its ends.
func normalisePhrase(p string) string {
	p = strings.Join(strings.Fields(strings.ToLower(p)), " ")
	return strings.TrimSpace(strings.Trim(p, `.,;:!?"'`))
}

// stripCodeFence removes a Markdown code fence around a reply, which some
// local models add when a server does not enforce the response format.
func stripCodeFence(s string) string {
	s = strings.TrimSpace(s)
	if !strings.HasPrefix(s, "```") || !strings.HasSuffix(s, "```") || len(s) < 6 {
		return s
	}
	s = strings.TrimSuffix(s, "```")
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[i+1:]
	}
	return strings.TrimPrefix(s, "```")
}

// CodeWithFallback codes an answer with model, and falls back to offline
// when the model fails on the last attempt. It returns the model's codes
// when the model succeeds. When the model fails and lastAttempt is false it
// returns the model's error, so the job is tried again later; when
// lastAttempt is true it returns offline's codes with Fallback set, and no
// error. A caller that gives up early (say after a *ModelError that is not
// Retryable) should call it once more with lastAttempt true. A nil model
// means no model is configured: offline's codes are returned as they are.
func CodeWithFallback(ctx context.Context, model, offline flows.Coder, in flows.CodeInput, lastAttempt bool) (flows.Codes, error) {
	if m, ok := model.(*Model); ok && m == nil {
		model = nil
	}
	if model != nil {
		codes, err := model.Code(ctx, in)
		if err == nil {
			return codes, nil
		}
		if !lastAttempt {
			return flows.Codes{}, err
		}
	}
	codes, err := offline.Code(ctx, in)
	if err != nil {
		return flows.Codes{}, err
	}
	codes.Fallback = model != nil
	return codes, nil
}

// clientConfig returns go-openai's configuration for the endpoint, and the
// deployment named in an Azure OpenAI deployment URL, if any.
func clientConfig(apiKey, baseURL, model string) (openai.ClientConfig, string) {
	if baseURL == "" {
		return openai.DefaultConfig(apiKey), ""
	}
	if u, err := url.Parse(baseURL); err == nil && isAzureHost(u.Hostname()) {
		return azureConfig(apiKey, u, model)
	}
	cfg := openai.DefaultConfig(apiKey)
	cfg.BaseURL = strings.TrimRight(baseURL, "/")
	return cfg, ""
}

func isAzureHost(host string) bool {
	host = strings.ToLower(host)
	return strings.HasSuffix(host, ".openai.azure.com") || strings.HasSuffix(host, ".cognitiveservices.azure.com")
}

// azureConfig accepts the resource's URL (https://NAME.openai.azure.com) or
// a full deployment URL, e.g.
// https://NAME.openai.azure.com/openai/deployments/DEPLOYMENT/chat/completions?api-version=2024-10-21,
// and takes the deployment and api-version from it when present.
func azureConfig(apiKey string, u *url.URL, model string) (openai.ClientConfig, string) {
	version := u.Query().Get("api-version")
	if version == "" {
		version = DefaultAzureAPIVersion
	}
	var deployment string
	parts := strings.Split(strings.Trim(u.Path, "/"), "/")
	if i := slices.Index(parts, "deployments"); i >= 0 && i+1 < len(parts) {
		deployment = parts[i+1]
	}
	cfg := openai.DefaultAzureConfig(apiKey, u.Scheme+"://"+u.Host)
	cfg.APIVersion = version
	name := deployment
	if name == "" {
		name = model
	}
	if name == "" {
		name = DefaultModel
	}
	cfg.AzureModelMapperFunc = func(string) string { return name }
	return cfg, deployment
}

// isReasoningModel reports whether a model takes no temperature (OpenAI's
// reasoning models reject one).
func isReasoningModel(model string) bool {
	for _, p := range []string{"o1", "o3", "o4", "gpt-5", "gpt-6"} {
		if strings.HasPrefix(model, p) {
			return true
		}
	}
	return false
}

// responseFormat asks for the codes as JSON matching codingSchema, strictly.
func responseFormat() *openai.ChatCompletionResponseFormat {
	return &openai.ChatCompletionResponseFormat{
		Type: openai.ChatCompletionResponseFormatTypeJSONSchema,
		JSONSchema: &openai.ChatCompletionResponseFormatJSONSchema{
			Name:        "answer_codes",
			Description: "One answer read against the codebook: four direction labels, capability tags and key phrases with exact quotes.",
			Schema:      codingSchema(),
			Strict:      true,
		},
	}
}

// codingSchema is the JSON schema of the reply: the four directions (each
// toward, away or none), the capability tags (each one of the six) and the
// key phrases (each a phrase and a quote). Properties are listed in the
// order a model should write them; strict mode needs every property
// required and no others allowed.
func codingSchema() json.RawMessage {
	type schema map[string]any
	labels := []string{string(flows.Toward), string(flows.Away), string(flows.None)}
	var props []string
	var b strings.Builder
	b.WriteString(`{"type":"object","properties":{`)
	add := func(name string, s schema) {
		if len(props) > 0 {
			b.WriteByte(',')
		}
		props = append(props, name)
		k, _ := json.Marshal(name)
		v, err := json.Marshal(s)
		if err != nil {
			panic("themes: coding schema: " + err.Error())
		}
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	for _, d := range flows.Directions {
		add(d, schema{"type": "string", "enum": labels})
	}
	add("capabilities", schema{"type": "array", "items": schema{"type": "string", "enum": flows.Capabilities}})
	add("phrases", schema{"type": "array", "items": schema{
		"type": "object",
		"properties": schema{
			"phrase": schema{"type": "string"},
			"quote":  schema{"type": "string"},
		},
		"required":             []string{"phrase", "quote"},
		"additionalProperties": false,
	}})
	req, _ := json.Marshal(props)
	b.WriteString(`},"required":`)
	b.Write(req)
	b.WriteString(`,"additionalProperties":false}`)
	return json.RawMessage(b.String())
}

// registerCounter registers c with reg, or returns the counter already
// registered under its name (a second Model on the same registry).
func registerCounter(reg prometheus.Registerer, c prometheus.Counter) prometheus.Counter {
	if reg == nil {
		return c
	}
	if err := reg.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			if existing, ok := are.ExistingCollector.(prometheus.Counter); ok {
				return existing
			}
		}
	}
	return c
}

func registerCounterVec(reg prometheus.Registerer, c *prometheus.CounterVec) *prometheus.CounterVec {
	if reg == nil {
		return c
	}
	if err := reg.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			if existing, ok := are.ExistingCollector.(*prometheus.CounterVec); ok {
				return existing
			}
		}
	}
	return c
}
