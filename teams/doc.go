// Package teams holds the foundations of the Microsoft Teams adapter: what
// talks to the Bot Framework, with nothing of the engine's delivery in it.
//
// What is here:
//
//   - auth.go: Verifier checks the JWT on each POST /api/messages (Bot
//     Framework OpenID metadata and key set, cached, refreshed daily and on
//     an unknown kid at most once per gap; issuer, audience, RS256 only,
//     clock skew, the serviceurl claim, the key's endorsement of the
//     channel, a tenant allow-list) and fills ServiceURLs, the only service
//     URLs the connector will send to.
//   - handler.go: Handler, the HTTP wrapper: bounded body, parse, verify,
//     then the callback; 400 for bad JSON and 403 for a failed check, both
//     before anything is handed on.
//   - token.go: TokenSource, the bot's client-credentials token from its
//     own Entra ID tenant, cached until shortly before expiry.
//   - connector.go: Connector sends, replies in a channel thread, updates,
//     deletes and opens 1:1 chats; it never retries or sleeps, but returns
//     SendError saying whether to retry, after how long, and whether the
//     outcome is uncertain.
//   - activity.go: the activity shapes (messages, invokes, conversation
//     updates, edits and deletions), mention stripping, card actions,
//     dialog payloads and invoke responses.
//   - cards.go: a flows.Reply as an Adaptive Card (Action.Execute buttons,
//     text that cannot carry Markdown, kept under Teams' size limit, a
//     hidden idempotency marker that CardMarker reads back).
//   - inbound.go: ReadInbound, a verified activity as what the engine is
//     asked (command, help, reply, control, edit, delete, install, or
//     ignore with a reason safe to log), with its team, person, channel,
//     reply chain, dedup key and ordering key. Commands are "reflect …"
//     after the bot's @mention, or in a 1:1 chat.
//   - outbound.go: Outbound, the engine's replies as connector sends
//     (root post, reply in a chain, update, 1:1 chat for notices and
//     direct messages), each with its card, marker and what to do after
//     an uncertain outcome; private channels and reflections outside
//     channels refused, and the person told.
//   - manifest.go: Manifest and AppPackage, the Teams app manifest and the
//     zip to upload (bot in team and personal scopes, the reflect commands,
//     the RSC permission ChannelMessage.Read.Group, icons drawn here),
//     checked against the schema's required fields and lengths.
//
// What is not here yet: the adapter's integration with the delivery
// machinery (recording inbound activities under their dedup and ordering
// keys, running the engine, keeping sends in the outbox, runners and
// pacing, opening 1:1 chats and storing them, looking for a marker
// through Graph after an uncertain send), answering invokes with a
// refreshed card, dialogs for answers, files (my data, the digest's
// chart) and the home card. The TEAMS_* settings are read and checked by
// cmd/whatmatters, but nothing serves Teams yet.
// docs/teams.md gives the rules and their sources.
package teams
