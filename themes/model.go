package themes

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus"
	openai "github.com/sashabaranov/go-openai"

	"whatmatters/concepts"
	"whatmatters/flows"
	"whatmatters/prompts"
	"whatmatters/scrub"
)

// ModelName is the Coder name stored with the model coder's codes.
const ModelName = "model"

// ModelVersionPrefix starts the Version stored with the model coder's codes,
// which is ModelVersionPrefix, the model's name and the theme catalogue's
// fingerprint ("2:gpt-4o-mini+1a2b3c4d5e6f"). Raise the number when the
// prompt or the schema changes in a way that should make stored codes be
// made again.
const ModelVersionPrefix = "2:"

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
	// in case the text was stored before a name or rule was added, keeping
	// the words the answer's CodeInput.Keep lists (the case pseudonyms the
	// scrubber kept when the text was stored). It also checks every key
	// phrase the model proposes as a label (see Code), with no words kept.
	// Nil sends the stored text, and checks labels with the scrubber's
	// default rules.
	Scrub func(text string, keep ...string) string
	// Catalogue is the theme catalogue the model assigns themes from: its
	// themes are listed in the prompt, and an id outside it is dropped.
	// Nil means the built-in catalogue.
	Catalogue *concepts.Catalogue
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
	host      string
	reasoning bool
	scrub     func(string, ...string) string
	templates *prompts.Set
	catalogue *concepts.Catalogue
	system    string
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
	cat := o.Catalogue
	if cat == nil {
		cat = concepts.Builtin()
	}
	m := &Model{
		client:    openai.NewClientWithConfig(cfg),
		model:     model,
		host:      endpointHost(cfg.BaseURL),
		reasoning: isReasoningModel(model),
		scrub:     o.Scrub,
		templates: o.Templates,
		catalogue: cat,
		system:    prompts.CodingSystem(codingThemes(cat)),
		format:    responseFormat(cat),
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
// ModelVersionPrefix, the model's name and the catalogue's fingerprint.
func (m *Model) Version() string {
	return ModelVersionPrefix + m.model + "+" + m.catalogue.Fingerprint()
}

// Endpoint names the endpoint the coder calls, by its host (and port):
// calls to one endpoint share its pace (see Coding.Pace).
func (m *Model) Endpoint() string { return m.host }

// Catalogue is the theme catalogue the coder assigns themes from.
func (m *Model) Catalogue() *concepts.Catalogue { return m.catalogue }

// endpointHost is the host and port of a base URL, lower-cased.
func endpointHost(base string) string {
	u, err := url.Parse(base)
	if err != nil || u.Host == "" {
		return "unknown"
	}
	return strings.ToLower(u.Host)
}

// codingThemes lists a catalogue's themes for the prompt.
func codingThemes(cat *concepts.Catalogue) []prompts.CodingTheme {
	out := make([]prompts.CodingTheme, len(cat.Themes))
	for i, t := range cat.Themes {
		out[i] = prompts.CodingTheme{ID: t.ID, Label: t.Label, Definition: t.Definition}
	}
	return out
}

// Usage returns the tokens this Model has used so far, as the endpoint
// reported them.
func (m *Model) Usage() (prompt, completion int64) {
	return m.usedPrompt.Load(), m.usedCompletion.Load()
}

// Code reads one answer against the codebook and the theme catalogue. It
// scrubs in.Text again (keeping in.Keep), sends it once, and checks the
// reply: every label and tag must be one the codebook knows (else the whole
// reply is rejected); a theme is kept only when its id is the catalogue's
// and its quote is an exact span of in.Text (surrounding white space
// aside) and of the text as scrubbed again; a key phrase, which would
// label an emerging theme, only when its quote is such a span too and the
// phrase is made of the quote's own words, short, plain, and left alone by
// the scrubber (see keepPhrase). At most prompts.CodingMaxThemes themes and
// prompts.CodingMaxPhrases phrases are kept, whatever the endpoint sent;
// everything dropped is counted in Codes.DroppedQuotes. A blank answer is
// coded none on all four directions without a request.
//
// An answer that reads as instructions to a model (ReadsAsInstructions) is
// never sent: Code returns a *ModelError with Instructions set, and
// CodeWithFallback has the offline coder read it.
//
// Every error is a *ModelError, which says whether trying again later may
// help.
func (m *Model) Code(ctx context.Context, in flows.CodeInput) (flows.Codes, error) {
	text := in.Text
	if m.scrub != nil {
		text = m.scrub(text, in.Keep...)
	}
	if strings.TrimSpace(text) == "" {
		return m.stamp(flows.Codes{
			Relationships: flows.None, Stories: flows.None, Community: flows.None, Anticipation: flows.None,
			Capabilities: []string{}, Phrases: []flows.Phrase{},
		}), nil
	}
	if ReadsAsInstructions(in.Text) || ReadsAsInstructions(text) {
		return flows.Codes{}, errInstructions()
	}
	user := prompts.CodingUser(in.Template, in.Stage, m.templates.StageQuestion(in.Template, in.Stage), text)
	req := openai.ChatCompletionRequest{
		Model: m.model,
		Messages: []openai.ChatCompletionMessage{
			{Role: openai.ChatMessageRoleSystem, Content: m.system},
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

// errInstructions is the error of an answer that was not sent because it
// reads as instructions to the model.
func errInstructions() *ModelError {
	return &ModelError{Instructions: true, Reason: "the answer reads as instructions to the model; it was not sent"}
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
	Themes        []struct {
		ID    string `json:"id"`
		Quote string `json:"quote"`
	} `json:"themes"`
	Phrases []struct {
		Phrase string `json:"phrase"`
		Quote  string `json:"quote"`
	} `json:"phrases"`
}

// maxReplyBytes bounds a reply's content: five themes and five phrases
// with quotes of the longest allowed length are well under it.
const maxReplyBytes = 32 << 10

// read checks the model's reply and turns it into codes. stored is the
// answer's stored text, which quotes must come from, and sent the text as
// scrubbed again and sent, which they must also be in: a quote found only
// in the stored text would hold something the scrubber now removes, which
// the model could only have guessed.
func (m *Model) read(resp openai.ChatCompletionResponse, stored, sent string) (flows.Codes, error) {
	content, err := replyContent(resp)
	if err != nil {
		return flows.Codes{}, err
	}
	var r modelReply
	if err := json.Unmarshal([]byte(stripCodeFence(content)), &r); err != nil {
		return flows.Codes{}, &ModelError{Retryable: true, Reason: "the reply was not the JSON asked for", err: err}
	}
	c := flows.Codes{Capabilities: []string{}, Phrases: []flows.Phrase{}}
	if err := readLabels(&c, r); err != nil {
		return flows.Codes{}, err
	}
	m.readThemes(&c, r, stored, sent)
	m.readPhrases(&c, r, stored, sent)
	if c.DroppedQuotes > 0 {
		m.dropped.Add(float64(c.DroppedQuotes))
	}
	return c, nil
}

// replyContent is the reply's message, or why there is none to read: no
// message, a refusal, a reply cut off, or one longer than any asked for.
func replyContent(resp openai.ChatCompletionResponse) (string, error) {
	if len(resp.Choices) == 0 {
		return "", &ModelError{Retryable: true, Reason: "the reply had no message"}
	}
	choice := resp.Choices[0]
	switch {
	case choice.Message.Refusal != "" || choice.FinishReason == openai.FinishReasonContentFilter:
		// The refusal's wording is not kept: it may quote the answer.
		return "", &ModelError{Retryable: true, Reason: "the model refused to code the answer"}
	case choice.FinishReason == openai.FinishReasonLength:
		return "", &ModelError{Retryable: true, Reason: "the reply was cut off at the token limit"}
	case len(choice.Message.Content) > maxReplyBytes:
		return "", &ModelError{Retryable: true, Reason: "the reply was longer than any reply asked for"}
	}
	return choice.Message.Content, nil
}

// readLabels takes the four directions' labels and the capability tags
// (in the codebook's order, each once); anything the codebook does not
// have is an error.
func readLabels(c *flows.Codes, r modelReply) error {
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
			return &ModelError{Retryable: true, Reason: "the reply gave an invalid label for " + d.key}
		}
		*d.to = l
	}
	for _, tag := range r.Capabilities {
		if !slices.Contains(flows.Capabilities, tag) {
			return &ModelError{Retryable: true, Reason: "the reply gave a capability tag the codebook does not have"}
		}
	}
	for _, tag := range flows.Capabilities {
		if slices.Contains(r.Capabilities, tag) {
			c.Capabilities = append(c.Capabilities, tag)
		}
	}
	return nil
}

// readThemes keeps the catalogue themes the reply gives: a known id, with
// a quote of the answer's words, each once. Others count as dropped.
func (m *Model) readThemes(c *flows.Codes, r modelReply, stored, sent string) {
	themes := map[string]bool{}
	for i, t := range r.Themes {
		id := strings.TrimSpace(t.ID)
		quote, ok := quoteSpan(t.Quote, stored, sent)
		switch {
		case themes[id] && ok:
			continue // the same theme again: kept once
		case i >= prompts.CodingMaxThemes || !ok:
			c.DroppedQuotes++
			continue
		}
		if _, known := m.catalogue.Theme(id); !known {
			c.DroppedQuotes++
			continue
		}
		themes[id] = true
		before, after := cutEdges(stored, quote)
		c.Phrases = append(c.Phrases, flows.Phrase{Phrase: m.themeWords(id, quote), Key: id, Theme: id,
			Quote: quote, CutBefore: before, CutAfter: after})
	}
}

// readPhrases keeps the key phrases the reply gives: labels of emerging
// themes, so made of the quote's own words and nothing a scrubber would
// take out, each once. Others count as dropped.
func (m *Model) readPhrases(c *flows.Codes, r modelReply, stored, sent string) {
	keys := map[string]bool{}
	for i, p := range r.Phrases {
		quote, ok := quoteSpan(p.Quote, stored, sent)
		if i >= prompts.CodingMaxPhrases || !ok {
			c.DroppedQuotes++
			continue
		}
		phrase, ok := m.keepPhrase(p.Phrase, quote)
		key := PhraseKey(phrase)
		if !ok || key == "" {
			c.DroppedQuotes++
			continue
		}
		if keys[key] {
			continue // the same phrase again: kept once
		}
		keys[key] = true
		before, after := cutEdges(stored, quote)
		c.Phrases = append(c.Phrases, flows.Phrase{Phrase: phrase, Key: key, Quote: quote, CutBefore: before, CutAfter: after})
	}
}

// quoteSpan returns a quote without its surrounding white space, when
// it is an exact span of both the stored and the sent text, no longer than
// prompts.CodingMaxQuoteChars, and holds words besides placeholders.
func quoteSpan(q, stored, sent string) (string, bool) {
	q = strings.TrimSpace(q)
	if q == "" || utf8.RuneCountInString(q) > prompts.CodingMaxQuoteChars ||
		!strings.Contains(stored, q) || !strings.Contains(sent, q) {
		return "", false
	}
	if len(labelWords(q)) == 0 {
		return "", false
	}
	return q, true
}

// themeWords are the words of a quote that carry a theme, as the
// catalogue's cues find them, or the whole quote when no cue does.
func (m *Model) themeWords(id, quote string) string {
	for _, h := range m.catalogue.Find(quote) {
		if h.Theme == id && h.Start < h.End && h.End <= len(quote) {
			return quote[h.Start:h.End]
		}
	}
	return quote
}

// cutEdges says whether a quote leaves out words of its sentence before or
// after it in text: it starts after something that does not end a
// sentence, or ends before more of one.
func cutEdges(text, quote string) (before, after bool) {
	i := strings.Index(text, quote)
	if i < 0 {
		return false, false
	}
	head := strings.TrimRight(text[:i], " \t")
	tail := strings.TrimLeft(text[i+len(quote):], " \t")
	if head != "" {
		r, _ := utf8.DecodeLastRuneInString(head)
		before = !strings.ContainsRune(".!?\n", r)
	}
	if tail != "" {
		last, _ := utf8.DecodeLastRuneInString(quote)
		first, _ := utf8.DecodeRuneInString(tail)
		after = !strings.ContainsRune(".!?", last) && !strings.ContainsRune(".!?\n", first)
	}
	return before, after
}

// labelMarkup are characters a label never holds: Slack's and Markdown's
// markup, brackets (placeholders, links), mentions and links.
const labelMarkup = "<>*_~|[]{}`@\\"

// keepPhrase checks a key phrase the model proposed, with its verified
// quote, and returns it in lower case. A phrase becomes the label of an
// emerging theme, shown in digests across cases, so it is kept only when:
// it is at most prompts.CodingMaxPhraseWords words and
// prompts.CodingMaxPhraseChars characters; it holds no markup, link,
// mention or run of four digits, only letters, digits, spaces and
// apostrophes, hyphens, ampersands, slashes, full stops and commas; every
// one of its words is a word of the quote, outside placeholders (so it is
// never made only of placeholders, and holds nothing the answer does not);
// and the scrubber leaves it unchanged both as written in the quote and
// with every word capitalised (so a name the writer typed in lower case,
// "john smith", is still caught as "John Smith").
func (m *Model) keepPhrase(phrase, quote string) (string, bool) {
	p := strings.Join(strings.Fields(phrase), " ")
	p = strings.TrimSpace(strings.Trim(p, `.,;:!?"'`))
	if p == "" || utf8.RuneCountInString(p) > prompts.CodingMaxPhraseChars ||
		strings.ContainsAny(p, labelMarkup) || strings.Contains(p, "://") || strings.Contains(p, "[...]") {
		return "", false
	}
	digits := 0
	for _, r := range p {
		switch {
		case unicode.IsDigit(r):
			if digits++; digits >= 4 {
				return "", false
			}
			continue
		case unicode.IsLetter(r) || unicode.IsMark(r) || r == ' ' || strings.ContainsRune("'’-&/.,", r):
		default:
			return "", false
		}
		digits = 0
	}
	words := labelWords(p)
	if len(words) == 0 || len(words) > prompts.CodingMaxPhraseWords {
		return "", false
	}
	// Each word as the quote writes it, outside placeholders.
	written := map[string]string{}
	for _, w := range labelWordsAsWritten(quote) {
		if _, ok := written[strings.ToLower(w)]; !ok {
			written[strings.ToLower(w)] = w
		}
	}
	asWritten := make([]string, len(words))
	titled := make([]string, len(words))
	for i, w := range words {
		q, ok := written[w]
		if !ok {
			return "", false
		}
		asWritten[i] = q
		titled[i] = titleWord(q)
	}
	for _, s := range []string{strings.Join(asWritten, " "), strings.Join(titled, " ")} {
		if m.scrubLabel(s) != s {
			return "", false
		}
	}
	return strings.ToLower(p), true
}

// scrubLabel scrubs a proposed label with the coder's scrubber, keeping no
// words, or with the default rules when it has none.
func (m *Model) scrubLabel(s string) string {
	if m.scrub != nil {
		return m.scrub(s)
	}
	var def *scrub.Scrubber
	return def.Scrub(s).Text
}

// titleWord capitalises a word's first letter.
func titleWord(w string) string {
	r, n := utf8.DecodeRuneInString(w)
	return string(unicode.ToUpper(r)) + w[n:]
}

// labelWords returns the lower-case words of s outside placeholders
// (anything in square brackets): letters and digits, with apostrophes
// inside a word.
func labelWords(s string) []string {
	ws := labelWordsAsWritten(s)
	for i, w := range ws {
		ws[i] = strings.ToLower(w)
	}
	return ws
}

// labelWordsAsWritten is labelWords in the text's own case, with curly
// apostrophes straightened.
func labelWordsAsWritten(s string) []string {
	var out []string
	var b strings.Builder
	depth := 0
	flush := func() {
		if w := strings.Trim(b.String(), "'"); w != "" {
			out = append(out, w)
		}
		b.Reset()
	}
	for _, r := range s {
		switch {
		case r == '[':
			flush()
			depth++
		case r == ']':
			flush()
			depth = max(depth-1, 0)
		case depth > 0:
		case unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r):
			b.WriteRune(r)
		case (r == '\'' || r == '’') && b.Len() > 0:
			b.WriteRune('\'')
		default:
			flush()
		}
	}
	flush()
	return out
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

// The reasons the offline coder read an answer although a model was
// configured, stored in flows.Codes.OfflineReason.
const (
	// OfflineModelFailed: the model failed on the last attempt (or for
	// good), so the offline codes stand.
	OfflineModelFailed = "the model failed"
	// OfflineInstructions: the answer reads as instructions to the model,
	// so it was never sent.
	OfflineInstructions = "read as instructions to the model"
)

// CodeWithFallback codes an answer with model, and falls back to offline
// when the model fails on the last attempt. It returns the model's codes
// when the model succeeds. When the model fails and lastAttempt is false it
// returns the model's error, so the job is tried again later; when
// lastAttempt is true it returns offline's codes with Fallback set and
// OfflineReason OfflineModelFailed, and no error. An answer the model
// coder would not send because it reads as instructions (a *ModelError
// with Instructions set) gets offline's codes at once, whatever the
// attempt, with OfflineReason OfflineInstructions. A caller that gives up
// early (say after a *ModelError that is not Retryable) should call it
// once more with lastAttempt true. A nil model means no model is
// configured: offline's codes are returned as they are.
func CodeWithFallback(ctx context.Context, model, offline flows.Coder, in flows.CodeInput, lastAttempt bool) (flows.Codes, error) {
	if m, ok := model.(*Model); ok && m == nil {
		model = nil
	}
	reason := ""
	if model != nil {
		codes, err := model.Code(ctx, in)
		if err == nil {
			return codes, nil
		}
		var me *ModelError
		switch {
		case errors.As(err, &me) && me.Instructions:
			reason = OfflineInstructions
		case !lastAttempt:
			return flows.Codes{}, err
		default:
			reason = OfflineModelFailed
		}
	}
	return offlineInstead(ctx, offline, in, reason)
}

// offlineInstead returns offline's codes for an answer, marked as read in
// a model's place for reason (none when reason is empty: no model).
func offlineInstead(ctx context.Context, offline flows.Coder, in flows.CodeInput, reason string) (flows.Codes, error) {
	codes, err := offline.Code(ctx, in)
	if err != nil {
		return flows.Codes{}, err
	}
	codes.Fallback = reason != ""
	codes.OfflineReason = reason
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
func responseFormat(cat *concepts.Catalogue) *openai.ChatCompletionResponseFormat {
	return &openai.ChatCompletionResponseFormat{
		Type: openai.ChatCompletionResponseFormatTypeJSONSchema,
		JSONSchema: &openai.ChatCompletionResponseFormatJSONSchema{
			Name:        "answer_codes",
			Description: "One answer read against the codebook: four direction labels, capability tags, catalogue themes and key phrases, each with an exact quote.",
			Schema:      codingSchema(cat),
			Strict:      true,
		},
	}
}

// codingSchema is the JSON schema of the reply: the four directions (each
// toward, away or none), the capability tags (each one of the six), the
// catalogue themes (each an id of cat and a quote) and the key phrases
// (each a phrase and a quote). Properties are listed in the order a model
// should write them; strict mode needs every property required and no
// others allowed.
//
// The limits (at most five themes and five phrases, a phrase's words and
// characters, a quote's characters) are given as descriptions and in the
// prompt, not as maxItems or maxLength: not every endpoint's strict mode
// takes those keywords, and one that refuses them would refuse every
// request. Model.read enforces every limit itself.
func codingSchema(cat *concepts.Catalogue) json.RawMessage {
	type schema map[string]any
	labels := []string{string(flows.Toward), string(flows.Away), string(flows.None)}
	ids := make([]string, len(cat.Themes))
	for i, t := range cat.Themes {
		ids[i] = t.ID
	}
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
	quote := schema{"type": "string", "description": fmt.Sprintf(
		"An exact span of the answer, character for character, at most %d characters.", prompts.CodingMaxQuoteChars)}
	for _, d := range flows.Directions {
		add(d, schema{"type": "string", "enum": labels})
	}
	add("capabilities", schema{"type": "array", "items": schema{"type": "string", "enum": flows.Capabilities}})
	add("themes", schema{
		"type":        "array",
		"description": fmt.Sprintf("At most %d catalogue themes, each id once.", prompts.CodingMaxThemes),
		"items": schema{
			"type": "object",
			"properties": schema{
				"id":    schema{"type": "string", "enum": ids},
				"quote": quote,
			},
			"required":             []string{"id", "quote"},
			"additionalProperties": false,
		}})
	add("phrases", schema{
		"type":        "array",
		"description": fmt.Sprintf("At most %d key phrases.", prompts.CodingMaxPhrases),
		"items": schema{
			"type": "object",
			"properties": schema{
				"phrase": schema{"type": "string", "description": fmt.Sprintf(
					"Two to %d plain lower-case words of the quote, at most %d characters.",
					prompts.CodingMaxPhraseWords, prompts.CodingMaxPhraseChars)},
				"quote": quote,
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
