// Package teams is the Microsoft Teams adapter: a delivery.Platform, like
// the Slack adapter (package bot), over the same engine and delivery
// machinery. docs/teams.md gives the rules and their sources.
//
// The served adapter:
//
//   - adapter.go: Adapter, NewAdapter (registered with the delivery
//     machinery under the "teams:" prefix of its dedup keys), Handler for
//     POST /api/messages (verified activities recorded in the inbox and
//     acknowledged), where conversations live (remembered from verified
//     activities), channel privacy and readiness.
//   - platform.go: the engine's step for each recorded activity (commands,
//     replies in reply chains, edits and deletions, card buttons, the
//     install greeting), the replies rendered as sends; a scheduled step's
//     replies for Teams' channels and people. Every read inside a step
//     goes through its transaction.
//   - send.go: sending the outbox through the connector: each
//     conversation paced within Teams' limits, a tenant held after a 429,
//     the connector's 5xx backed off, a 1:1 chat opened when none is
//     known, an uncertain post looked for through Graph before it is sent
//     again, a root post's reply chain anchored with its first question.
//   - dialogflow.go, homeflow.go, files.go: dialogs (task/fetch answered
//     from read-only state, task/submit recorded), the home card kept
//     current by Teams' refresh, and a reply's files (a chart inline, a
//     text file as cards).
//
// Its parts:
//
//   - auth.go, handler.go: the JWT check of every request (Bot Framework
//     keys cached and refreshed, issuer, audience, RS256, skew, the
//     serviceurl claim, the key's endorsement, a tenant allow-list) and
//     the bounded HTTP wrapper (400, 403, 413, 503 when 128 are being
//     checked).
//   - token.go, certificate.go: the bot's token from its own Entra ID
//     tenant, by client secret or certificate.
//   - connector.go: the Bot Connector REST calls, never retrying itself:
//     SendError says whether and when to retry and whether the outcome is
//     uncertain.
//   - activity.go, inbound.go, outbound.go, cards.go, dialogs.go, home.go,
//     chart.go: the activity shapes, what an activity asks of the engine,
//     the engine's replies as sends, Adaptive Cards (no Markdown from
//     people's text, a hidden idempotency marker, Teams' size limits).
//   - limits.go, earlier.go: Teams' rate windows and retry policy; the
//     Graph reader that finds a marked post.
//   - manifest.go: the app package (whatmatters teams-manifest).
package teams
