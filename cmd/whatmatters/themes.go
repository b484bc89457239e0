package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"whatmatters/bot"
	"whatmatters/console"
	"whatmatters/flows"
	"whatmatters/prompts"
	"whatmatters/scrub"
	"whatmatters/themes"
)

// coders are the codebook readers the configuration asks for: the offline
// coder always (follow-up questions, and the fallback), and the primary
// coder that makes stored codes: the model when OPENAI_API_KEY or
// OPENAI_BASE_URL is set, else the offline coder.
type coders struct {
	offline       *themes.Offline
	primary       flows.Coder
	model         *themes.Model // nil without a model
	name, version string
	// embedder groups themes by meaning; nil without a model.
	embedder *themes.OpenAIEmbedder
	// similarity is the cosine similarity at which themes are joined.
	similarity float64
	log        *slog.Logger
}

// digester builds digests with the configured grouping, logging (never
// with text) when the embeddings could not be had.
func (c coders) digester() themes.Digester {
	d := themes.Digester{Catalogue: c.offline.Catalogue(), Fallback: c.offline, MergeThreshold: c.similarity}
	if c.embedder != nil {
		d.Embedder = c.embedder
		d.OnGrouping = func(teamID string, g themes.Grouping) {
			if g.Err != nil && c.log != nil {
				c.log.Warn("digest: themes grouped by stems only; embeddings failed", "team", teamID, "err", g.Err)
			}
		}
	}
	return d
}

func newCoders(cfg Config, scrubber *scrub.Scrubber, templates *prompts.Set, reg prometheus.Registerer, log *slog.Logger) coders {
	off := themes.NewOfflineWith(cfg.ThemesFile.Catalogue)
	c := coders{offline: off, primary: off, name: themes.OfflineName, version: off.Version(),
		similarity: float64(cfg.ThemeSimilarity), log: log}
	if cfg.OpenAIAPIKey == "" && cfg.OpenAIBaseURL == "" {
		return c
	}
	var again func(string) string
	var keeping func(string, ...string) string
	if scrubber != nil {
		again = func(s string) string { return scrubber.Scrub(s).Text }
		keeping = func(s string, keep ...string) string {
			k, err := scrubber.Keeping(keep...)
			if err != nil {
				// Words that cannot be kept are not: the text loses more.
				return scrubber.Scrub(s).Text
			}
			return k.Scrub(s).Text
		}
	}
	c.model = themes.NewModel(themes.ModelOptions{APIKey: cfg.OpenAIAPIKey, BaseURL: cfg.OpenAIBaseURL, Model: cfg.OpenAIModel,
		Scrub: keeping, Registerer: reg, Templates: templates, Catalogue: off.Catalogue()})
	if cfg.OpenAIEmbeddingModel != "" && cfg.OpenAIEmbeddingModel != "off" {
		c.embedder = themes.NewEmbedder(themes.EmbedderOptions{APIKey: cfg.OpenAIAPIKey, BaseURL: cfg.OpenAIBaseURL,
			Model: cfg.OpenAIEmbeddingModel, Scrub: again, Registerer: reg})
	}
	c.primary, c.name, c.version = c.model, themes.ModelName, c.model.Version()
	return c
}

// coding is the job side of the coders.
func (c coders) coding(store flows.Store) *themes.Coding {
	return &themes.Coding{Store: store, Primary: c.primary, Offline: c.offline, Name: c.name, Version: c.version}
}

// codeLine is one answer read by `whatmatters code`, with the labels of a
// labelled set when it has them (for --score).
type codeLine struct {
	themes.Gold
}

// codeOut is one line `whatmatters code` writes.
type codeOut struct {
	ID            string        `json:"id"`
	Relationships flows.Label   `json:"relationships"`
	Stories       flows.Label   `json:"stories"`
	Community     flows.Label   `json:"community"`
	Anticipation  flows.Label   `json:"anticipation"`
	Capabilities  []string      `json:"capabilities"`
	Phrases       []phrasePrint `json:"phrases"`
	Coder         string        `json:"coder"`
}

type phrasePrint struct {
	Phrase string `json:"phrase"`
	Quote  string `json:"quote"`
	// Theme is the catalogue theme the words carry, if any.
	Theme string `json:"theme,omitempty"`
}

// maxCodeLine is the longest input line `whatmatters code` reads.
const maxCodeLine = 1 << 20

// codeCommand reads answers as JSON lines on stdin and writes their codes,
// touching no database; each answer is scrubbed first, as it would be
// stored. With --score, the input's labels are compared with
// the coder's and the agreement printed instead.
func codeFlags(fs *flag.FlagSet) func(context.Context, *env, []string) error {
	which := fs.String("coder", "offline", "the `CODER`: offline, or model (needs OPENAI_API_KEY or OPENAI_BASE_URL)")
	score := fs.Bool("score", false, "compare with the labels on each input line and print the agreement")
	return func(ctx context.Context, e *env, _ []string) error {
		return codeCommand(ctx, e.cfg, *which, *score, e.stdin, e.stdout)
	}
}

func codeCommand(ctx context.Context, cfg Config, which string, score bool, stdin io.Reader, stdout io.Writer) error {
	templates, err := prompts.Load()
	if err != nil {
		return err
	}
	scrubber, err := newScrubber(cfg)
	if err != nil {
		return err
	}
	cs := newCoders(cfg, scrubber, templates, nil, nil)
	var coder flows.Coder
	switch which {
	case "offline":
		coder = cs.offline
	case "model":
		if cs.model == nil {
			return errors.New("code --coder model: set OPENAI_API_KEY (or OPENAI_BASE_URL for a local model server) first")
		}
		coder = cs.model
	default:
		return usageError{fmt.Sprintf("code: --coder is offline or model, not %q", which)}
	}

	in := bufio.NewScanner(stdin)
	in.Buffer(make([]byte, 64*1024), maxCodeLine)
	out := json.NewEncoder(stdout)
	var gold []themes.Gold
	var got []flows.Codes
	line := 0
	for in.Scan() {
		line++
		raw := strings.TrimSpace(in.Text())
		if raw == "" {
			continue
		}
		var l codeLine
		if err := json.Unmarshal([]byte(raw), &l); err != nil {
			return fmt.Errorf("line %d: not an answer as JSON ({\"id\",\"template\",\"stage\",\"text\"}): %v", line, err)
		}
		if strings.TrimSpace(l.Text) == "" {
			return fmt.Errorf("line %d: the answer has no text", line)
		}
		// Coded as it would be stored: scrubbed of identifiers, as every
		// answer is before it is kept or read (so --score measures the coder
		// as it works, the figures in docs/themes.md).
		text := scrubber.Scrub(l.Text).Text
		c, err := codeWithRetries(ctx, coder, cs.offline, flows.CodeInput{Template: l.Template, Stage: l.Stage, Text: text})
		if err != nil {
			return fmt.Errorf("line %d: %w", line, err)
		}
		if score {
			gold = append(gold, l.Gold)
			got = append(got, c)
			continue
		}
		o := codeOut{ID: l.ID, Relationships: c.Relationships, Stories: c.Stories, Community: c.Community,
			Anticipation: c.Anticipation, Capabilities: c.Capabilities, Phrases: []phrasePrint{}, Coder: c.Coder}
		if o.Capabilities == nil {
			o.Capabilities = []string{}
		}
		if c.Fallback {
			o.Coder += " (fallback)"
		}
		for _, p := range c.Phrases {
			o.Phrases = append(o.Phrases, phrasePrint{Phrase: p.Phrase, Quote: p.Quote, Theme: p.Theme})
		}
		if err := out.Encode(o); err != nil {
			return err
		}
	}
	if err := in.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return fmt.Errorf("line %d: longer than %d bytes", line+1, maxCodeLine)
		}
		return fmt.Errorf("reading answers: %w", err)
	}
	if score {
		if len(gold) == 0 {
			return errors.New("code --score: no answers on standard input")
		}
		fmt.Fprintln(stdout, strings.TrimRight(themes.Agreement(gold, got).String(), "\n"))
	}
	return nil
}

// codeWithRetries asks the model up to three times, waiting as it asks,
// then stands the offline codes in, marked as a fallback.
func codeWithRetries(ctx context.Context, coder, offline flows.Coder, in flows.CodeInput) (flows.Codes, error) {
	const attempts = 3
	for i := 1; ; i++ {
		c, err := themes.CodeWithFallback(ctx, coder, offline, in, i == attempts)
		if err == nil {
			return c, nil
		}
		wait, _ := themes.RetryAfter(err)
		wait = min(max(wait, time.Second), 30*time.Second)
		select {
		case <-ctx.Done():
			return flows.Codes{}, ctx.Err()
		case <-time.After(wait):
		}
	}
}

// digestFormats are the formats `whatmatters digest` prints.
var digestFormats = []string{"text", "markdown", "json"}

// digestCommand builds a team's digest and prints it, or with --post posts
// it to the team's digest channel in Slack.
func digestFlags(fs *flag.FlagSet) func(context.Context, *env, []string) error {
	var o digestOptions
	fs.IntVar(&o.weeks, "weeks", 1, "the number of weeks, `N` (1 to 52), ending now")
	fs.StringVar(&o.team, "team", "", "the team's `ID` (needed when the database holds several)")
	fs.StringVar(&o.format, "format", "text", "the output `FORMAT`: text, markdown or json")
	fs.BoolVar(&o.post, "post", false, "post it to the team's digest channel in Slack instead of printing it (needs SLACK_BOT_TOKEN)")
	fs.StringVar(&o.channel, "channel", "", "with --post, this channel `ID` instead of the team's digest channel")
	fs.StringVar(&o.chart, "chart", "", "also write the digest's chart, a PNG, to `FILE`")
	return func(ctx context.Context, e *env, _ []string) error {
		return digestCommand(ctx, e, o)
	}
}

// digestOptions are digest's flags.
type digestOptions struct {
	weeks                 int
	team, format, channel string
	chart                 string
	post                  bool
}

func digestCommand(ctx context.Context, e *env, o digestOptions) error {
	cfg, stdout, log := e.cfg, e.stdout, e.log
	if o.weeks < 1 || o.weeks > 52 {
		return usageError{fmt.Sprintf("digest: --weeks is 1 to 52, not %d", o.weeks)}
	}
	if !contains(digestFormats, o.format) {
		return usageError{fmt.Sprintf("digest: --format is text, markdown or json, not %q", o.format)}
	}
	if o.channel != "" && !o.post {
		return usageError{"digest: --channel goes with --post"}
	}
	if o.post && cfg.SlackBotToken == "" {
		return errors.New("digest --post: set SLACK_BOT_TOKEN so the digest can be posted to Slack")
	}
	db, err := e.openExisting(ctx, "digest")
	if err != nil {
		return err
	}
	defer db.Close()
	teamID, err := pickTeam(ctx, db, o.team)
	if err != nil {
		return err
	}
	var slackAdapter *bot.Slack
	privacy := func(ctx context.Context, teamID, channel string) (bool, error) {
		return slackAdapter.ChannelPrivate(ctx, teamID, channel)
	}
	engine, cs, err := buildEngine(cfg, db, log, privacy, nil)
	if err != nil {
		return err
	}
	coding := cs.coding(db)
	coding.MaxWait = digestModelWait
	coded, err := coding.CodeAllReport(ctx)
	if err != nil {
		return fmt.Errorf("coding new answers: %w", err)
	}
	if o.post {
		slackAdapter = bot.NewSlack(bot.SlackOptions{BotToken: cfg.SlackBotToken, APIURL: cfg.SlackAPIURL,
			HTTPClient: &http.Client{Timeout: 30 * time.Second}, Store: db, Engine: engine.WithStore, Log: log})
		p, err := engine.PrepareDigest(ctx, teamID, o.channel, o.weeks)
		if err != nil {
			return err
		}
		d := p.Digest
		err = slackAdapter.Delivery().PostNow(ctx, "digest-cli", func(ctx context.Context, e *flows.Engine) ([]flows.Reply, error) {
			return e.OweDigests(ctx, []flows.PreparedDigest{p})
		})
		if err != nil {
			return fmt.Errorf("the digest is recorded but Slack did not take it yet (%w); it waits in the outbox, and whatmatters serve will send it", err)
		}
		fmt.Fprintf(stdout, "Posted the digest of team %s (%s, %d answers) to Slack.\n", teamID, plural2(d.Weeks, "week"), d.Answers)
		return reportOffline(ctx, e.stderr, cs, db, coded, d)
	}
	d, err := engine.Digest(ctx, teamID, o.weeks)
	if err != nil {
		return err
	}
	if err := reportOffline(ctx, e.stderr, cs, db, coded, d); err != nil {
		return err
	}
	if err := writeChart(o.chart, func() ([]byte, error) { return engine.Chart(d) }); err != nil {
		return err
	}
	if err := db.AddAudit(ctx, flows.AuditEntry{TeamID: teamID, Actor: "cli", Action: flows.AuditDigestShown,
		Detail: fmt.Sprintf("printed, %d weeks, format %s; answers=%d", o.weeks, o.format, d.Answers)}); err != nil {
		return err
	}
	return printReport(stdout, o.format, d, flows.DigestReply(d, "", nil))
}

// writeChart draws a chart and writes it to path; nothing when path is "".
func writeChart(path string, draw func() ([]byte, error)) error {
	if path == "" {
		return nil
	}
	png, err := draw()
	if err != nil {
		return fmt.Errorf("drawing the chart: %w", err)
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		return fmt.Errorf("writing the chart: %w", err)
	}
	return nil
}

// printReport prints a report in the format asked for: v as indented JSON,
// or its reply as Markdown or plain text.
func printReport(w io.Writer, format string, v any, reply flows.Reply) error {
	switch format {
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	case "markdown":
		_, err := io.WriteString(w, markdown(reply))
		return err
	}
	_, err := fmt.Fprintln(w, console.RenderText(reply))
	return err
}

// digestModelWait bounds how long `whatmatters digest` waits, in all, for
// a model endpoint that asks it to (Retry-After) before it stops asking the
// model and reads the answers left with the offline coder.
const digestModelWait = time.Minute

// offlineRead returns why the offline coder, not the model, read an
// answer for a digest, or "" when the model did.
func offlineRead(a flows.CodedAnswer) string {
	switch c := a.Codes; {
	case c == nil:
		return "not coded yet"
	case c.OfflineReason != "":
		return c.OfflineReason
	case c.Fallback:
		return themes.OfflineModelFailed
	case c.Coder == themes.OfflineName:
		return "coded by the offline coder before the model read them"
	}
	return ""
}

// reportOffline says, on w (standard error, so the digest's own output
// stays as asked), how many of the period's answers the offline coder read
// in the model's place, and why, and what the model did in this run.
// Nothing when there is no model, or it read every answer.
func reportOffline(ctx context.Context, w io.Writer, cs coders, db flows.Store, coded themes.CodeReport, d flows.Digest) error {
	if cs.model == nil {
		return nil
	}
	period, err := db.ListCodedAnswers(ctx, d.TeamID, d.From, d.To)
	if err != nil {
		return err
	}
	by := map[string]int{}
	var reasons []string
	offline := 0
	for _, a := range period {
		r := offlineRead(a)
		if r == "" {
			continue
		}
		if by[r] == 0 {
			reasons = append(reasons, r)
		}
		by[r]++
		offline++
	}
	if offline == 0 && coded.ModelFailed == 0 {
		return nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "whatmatters digest: %d of the period's %s read by the offline coder, not the model", offline, plural2(len(period), "answer"))
	slices.SortStableFunc(reasons, func(x, y string) int { return by[y] - by[x] })
	for i, r := range reasons {
		sep := ", "
		if i == 0 {
			sep = ": "
		}
		fmt.Fprintf(&b, "%s%d %s", sep, by[r], r)
	}
	b.WriteString(".")
	if coded.ModelFailed > 0 {
		fmt.Fprintf(&b, " In this run the model did not code %s (%s; %s asked, %s waited for the endpoint); "+
			"whatmatters serve's coding job tries them again.", plural2(coded.ModelFailed, "answer"), coded.Reason,
			plural2(coded.Requests, "reading"), coded.Waited.Round(time.Millisecond))
	}
	_, err = fmt.Fprintln(w, b.String())
	return err
}

// pickTeam is the team a command is about: the one named, or the only one.
func pickTeam(ctx context.Context, s flows.Store, named string) (string, error) {
	if named != "" {
		if _, err := s.GetTeam(ctx, named); errors.Is(err, flows.ErrNotFound) {
			return "", fmt.Errorf("there is no team %q in this database", named)
		} else if err != nil {
			return "", err
		}
		return named, nil
	}
	teams, err := s.ListTeams(ctx)
	if err != nil {
		return "", err
	}
	switch len(teams) {
	case 0:
		return "", errors.New("this database has no team yet: reflect first (whatmatters console), or load the fictional demo team with whatmatters demo")
	case 1:
		return teams[0].ID, nil
	}
	ids := make([]string, len(teams))
	for i, t := range teams {
		ids[i] = t.ID
	}
	return "", usageError{"this database holds several teams: say which with --team (" + strings.Join(ids, ", ") + ")"}
}

// markdown writes a reply as Markdown: the title as a heading, labels as
// subheadings, quotes as block quotes.
func markdown(r flows.Reply) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n", mdEscape(r.Title))
	for _, p := range r.Parts {
		if p.Label != "" {
			fmt.Fprintf(&b, "\n## %s\n", mdEscape(p.Label))
		}
		switch {
		case p.Quote:
			fmt.Fprintf(&b, "\n> %s\n> — %s\n", strings.ReplaceAll(mdEscape(p.Text), "\n", "\n> "), mdEscape(p.By))
		default:
			fmt.Fprintf(&b, "\n%s\n", strings.ReplaceAll(mdEscape(p.Text), "\n", "  \n"))
		}
	}
	return b.String()
}

// mdEscape keeps people's words from being read as Markdown.
func mdEscape(s string) string {
	r := strings.NewReplacer(`\`, `\\`, "`", "\\`", "*", `\*`, "_", `\_`, "[", `\[`, "]", `\]`, "<", "&lt;", ">", "&gt;", "#", `\#`, "|", `\|`)
	return r.Replace(s)
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func plural2(n int, noun string) string {
	return fmt.Sprintf("%d %s%s", n, noun, plural(n))
}
