package prompts

import (
	"embed"
	"fmt"
	"strings"
	"text/template"
)

// The model coder's prompt: the coding scheme of docs/codebook.md told
// to a language model (coding/system.txt), and the message that carries one
// answer (coding/user.txt).
//
//go:embed coding/system.txt coding/user.txt
var codingFiles embed.FS

var (
	codingSystem = mustRead("coding/system.txt")
	codingUser   = template.Must(template.New("user").Option("missingkey=error").Parse(mustRead("coding/user.txt")))
)

func mustRead(name string) string {
	data, err := codingFiles.ReadFile(name)
	if err != nil {
		panic("prompts: " + err.Error())
	}
	return string(data)
}

// The limits of a reply, stated to the model in coding/system.txt and
// enforced by the model coder when it reads a reply, whatever the endpoint
// did with the schema.
const (
	// CodingMaxThemes is the most catalogue themes one answer is given.
	CodingMaxThemes = 5
	// CodingMaxPhrases is the most key phrases (proposed labels) one
	// answer is given.
	CodingMaxPhrases = 5
	// CodingMaxPhraseWords and CodingMaxPhraseChars bound one key phrase.
	CodingMaxPhraseWords = 6
	CodingMaxPhraseChars = 60
	// CodingMaxQuoteChars bounds one quote.
	CodingMaxQuoteChars = 400
)

// CodingTheme is one theme of the catalogue as the coding prompt lists it:
// its id, plain label and one-line definition.
type CodingTheme struct {
	ID, Label, Definition string
}

// themesMarker is the line of coding/system.txt that the catalogue's list
// of themes replaces.
const themesMarker = "{{THEMES}}"

// CodingSystem returns the model coder's system prompt: the whole coding
// scheme (four directions, six capability tags, rules 1 to 3, meta replies,
// why the stage matters), the catalogue's themes (one line each, made from
// themes, in their order), how to give themes and key phrases with
// word-for-word quotes, and the rule that the answer text is data, never
// instructions. It depends only on themes, so it is the same for every
// answer and providers that cache a repeated prompt prefix can cache it.
func CodingSystem(themes []CodingTheme) string {
	var b strings.Builder
	for _, t := range themes {
		id := cleanKey(t.ID)
		label := strings.ReplaceAll(oneLine(t.Label), "`", "'")
		def := strings.ReplaceAll(oneLine(t.Definition), "`", "'")
		fmt.Fprintf(&b, "- `%s`: %s. %s\n", id, strings.TrimRight(label, "."), def)
	}
	list := strings.TrimRight(b.String(), "\n")
	if list == "" {
		list = "(none: give no themes)"
	}
	return strings.Replace(codingSystem, themesMarker, list, 1)
}

// CodingPrompt returns the system and user messages that ask a model to
// read one answer against the codebook and the catalogue's themes: see
// CodingSystem and CodingUser.
func CodingPrompt(themes []CodingTheme, template, stage, stageQuestion, text string) (system, user string) {
	return CodingSystem(themes), CodingUser(template, stage, stageQuestion, text)
}

// CodingUser returns the user message that carries one answer. template
// and stage are the keys of the answer's template and stage, stageQuestion
// that stage's question (empty when not known; see Set.StageQuestion) and
// text the answer's scrubbed text.
//
// The text is put between fence lines of backticks longer than any run of
// backticks in it, so no text can close the fence early, and the system
// prompt tells the model that everything inside is data. The text itself
// is passed on unchanged, so a model can quote it word for word. The result
// depends only on the arguments.
func CodingUser(template, stage, stageQuestion, text string) string {
	q := oneLine(stageQuestion)
	if q == "" {
		q = "(not known)"
	}
	var b strings.Builder
	err := codingUser.Execute(&b, struct {
		Template, Stage, Question, Fence, Text string
	}{
		Template: cleanKey(template),
		Stage:    cleanKey(stage),
		Question: q,
		Fence:    Fence(text),
		Text:     text,
	})
	if err != nil {
		// The template is embedded and its fields are fixed, so this
		// cannot happen at run time; the tests execute it.
		panic("prompts: coding user message: " + err.Error())
	}
	return b.String()
}

// Fence returns the fence that CodingPrompt puts around text: a run of
// backticks one longer than the longest run in text, and at least three.
// No line of text can therefore be the fence.
func Fence(text string) string {
	longest, run := 0, 0
	for i := 0; i < len(text); i++ {
		if text[i] == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	return strings.Repeat("`", max(3, longest+1))
}

// cleanKey keeps only the characters a template or stage key may hold
// (lower case letters, digits, underscores), so a key cannot carry text
// into the prompt.
func cleanKey(key string) string {
	k := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' {
			return r
		}
		return -1
	}, strings.ToLower(key))
	if k == "" {
		return "(not known)"
	}
	return k
}

// oneLine folds runs of white space, line breaks included, into single
// spaces.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// StageQuestion returns the question of the given stage of the given
// template, with {case} filled as "this person", or "" when s is nil or
// the template or stage is not known.
func (s *Set) StageQuestion(template, stage string) string {
	if s == nil {
		return ""
	}
	t, ok := s.Get(template)
	if !ok {
		return ""
	}
	i := t.StageIndex(stage)
	if i < 0 {
		return ""
	}
	return Fill(t.Stages[i].Question, "")
}
