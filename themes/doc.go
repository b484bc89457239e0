// Package themes reads stored answers against the codebook of
// ../shared/CODEBOOK.md (four directions, six capabilities) and finds the
// themes that recur across a team's stories: the offline coder (rules and a
// lexicon of UK care language, no network), the model coder (any
// OpenAI-compatible endpoint, its quotes checked word for word), key
// phrases, recurring themes, the weekly digest and its trend chart.
package themes
