// Package themes reads stored answers against the codebook of
// docs/codebook.md (four directions, six capabilities) and the theme
// catalogue of docs/themes.md, and finds what recurs across a team's
// stories: the offline coder (rules and a lexicon of UK care language, no
// network), the model coder (any OpenAI-compatible endpoint, its quotes
// checked word for word), catalogue themes and emerging phrases, the weekly
// digest and its trend chart.
package themes
