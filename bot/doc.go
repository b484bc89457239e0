// Package bot is the Slack adapter: it puts the flows engine in front of
// people in Slack (Socket Mode and HTTP), recording each delivery in an
// inbox, running it as a job and sending the replies from an outbox. It
// turns what a person did into flows inputs and renders the replies; it
// makes no domain decisions. The terminal adapter is package console.
package bot
