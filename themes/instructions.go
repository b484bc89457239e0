package themes

import (
	"regexp"
	"strings"
)

// ReadsAsInstructions reports whether an answer's text reads as
// instructions to a language model rather than as something written about
// a person's care: "ignore previous instructions", "you are now…", "system
// prompt", "disregard the above", "respond with JSON", a role marker such
// as "assistant:" at the start of a line, a chat template's tokens, JSON in
// the shape of the codes, or a Markdown code fence. Such an answer is never
// sent to the model: the offline coder reads it (see CodeWithFallback).
//
// It looks for the forms instructions take, not for single words, so that
// ordinary care text ("she disregarded the advice", "didn't respond with
// words", "new instructions for the syringe driver") is not caught; its
// tests run it over every answer of the labelled sets, expecting none. A
// determined writer can word instructions it misses: the labels a model
// gives are still checked against the answer's own words (see Model.Code),
// so this is one fence of several, not the only one.
func ReadsAsInstructions(text string) bool {
	s := normaliseForInstructions(text)
	for _, re := range instructionPatterns {
		if re.MatchString(s) {
			return true
		}
	}
	return false
}

// normaliseForInstructions lower-cases text, drops zero-width and other
// invisible characters (which can split a trigger phrase without showing),
// straightens curly quotes and folds runs of spaces and tabs, keeping line
// breaks (role markers are looked for at the start of a line).
func normaliseForInstructions(text string) string {
	var b strings.Builder
	b.Grow(len(text))
	space := false
	for _, r := range strings.ToLower(text) {
		switch r {
		case '\u200b', '\u200c', '\u200d', '\u2060', '\ufeff', '\u00ad':
			continue
		case '\u2018', '\u2019', '\u201b', '\u2032':
			r = '\''
		case '\u201c', '\u201d', '\u201f', '\u2033':
			r = '"'
		case '\t', ' ', '\u00a0', '\u2002', '\u2003', '\u2009', '\u202f':
			if !space {
				b.WriteByte(' ')
			}
			space = true
			continue
		}
		space = false
		b.WriteRune(r)
	}
	return b.String()
}

// The words that make "ignore …" or "disregard …" an instruction about
// instructions: at least one strong qualifier ("all", "previous", "the
// above") before what is to be ignored, so that "ignore the messages from
// the GP" is not caught but "ignore all previous instructions" is.
const (
	instrStrong = `(?:all|any|previous|prior|above|earlier|preceding|foregoing|former|original|initial|system|your|every|other)`
	instrWeak   = `(?:the|these|those|this|my|of|and|above|previous|prior|earlier|system|your)`
	instrObject = `(?:instructions?|rules|prompts?|directions|guidelines|directives|codebook|context|text|commands?)`
)

var instructionPatterns = []*regexp.Regexp{
	// "ignore all previous instructions", "ignore the above prompt",
	// "forget your rules", "disregard any prior directions".
	regexp.MustCompile(`\b(?:ignore|disregard|forget|override)\s+(?:` + instrWeak + `\s+){0,3}` + instrStrong + `\s+(?:` + instrWeak + `\s+){0,3}` + instrObject + `\b`),
	// "ignore the above.", "disregard everything before this".
	regexp.MustCompile(`\b(?:ignore|disregard|forget)\s+(?:all\s+|everything\s+|anything\s+|the\s+|that\s+)*(?:above|before this|written above|said above|(?:previous|prior|preceding)\s*(?:[.,;:!\n]|$|and\b))`),
	// A new identity: "you are now", "from now on you", "act as an AI".
	regexp.MustCompile(`\byou are now\b`),
	regexp.MustCompile(`\bfrom now on,?\s+(?:you|respond|reply|answer|output)\b`),
	regexp.MustCompile(`\b(?:act|behave|respond)\s+as\s+(?:an?\s+)?(?:ai|assistant|language model|llm|chatbot|chatgpt|gpt)\b`),
	regexp.MustCompile(`\byou are (?:an?\s+)?(?:ai|large language model|language model|llm|chatbot|chatgpt)\b`),
	// The prompt's parts by name.
	regexp.MustCompile(`\b(?:system|developer)\s+(?:prompt|message|instructions?)\b`),
	regexp.MustCompile(`\b(?:jailbreak|prompt injection|developer mode)\b`),
	// What to output: "respond with JSON", "reply only with the
	// following:", "output json", "return only JSON".
	regexp.MustCompile(`\b(?:respond|reply|answer)\s+(?:only\s+)?(?:with|in|using)\s+(?:only\s+)?(?:json|the following\s*:|exactly\s*:|this (?:json|object)|an? (?:json|object)|["{\[])`),
	regexp.MustCompile(`\b(?:respond|reply)\s+with\b[^.\n]{0,60}(?:\bjson\b|\btoward\b|\{)`),
	regexp.MustCompile(`\b(?:output|return|print|emit|produce|write)\s+(?:only\s+|the\s+|this\s+|valid\s+|raw\s+|following\s+)*(?:json\b|following\s*:)`),
	// The codes themselves: "label this answer toward", "set every
	// direction to toward", a JSON key of the reply's shape.
	regexp.MustCompile(`\b(?:label|code|mark|rate|classify|tag|set)\s+(?:this|it|the answer|everything|all|every|each)\b[^.\n]{0,40}\b(?:as|to)\s+["']?(?:toward|away)\b`),
	regexp.MustCompile(`\b(?:all|every|each)\s+(?:four\s+)?(?:directions|labels)\b[^.\n]{0,30}\btoward\b`),
	regexp.MustCompile(`"(?:relationships|stories|community|anticipation|capabilities|phrases|themes|quote|phrase)"\s*:`),
	// Role markers at the start of a line ("system:", "### assistant:"),
	// and chat templates' tokens.
	regexp.MustCompile(`(?m)^\s*(?:#+\s*)?(?:system|assistant|developer|user|human)\s*:`),
	regexp.MustCompile(`<\|[a-z_]+\|>|\[/?inst\]|<</?sys>>|</?(?:system|assistant|user|instructions?)>`),
	// A Markdown code fence.
	regexp.MustCompile("```"),
}
