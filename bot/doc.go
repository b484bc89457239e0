// Package bot holds the adapters that put the flows engine in front of
// people: the Slack app (Socket Mode and HTTP) and the terminal console.
// Adapters turn what a person did into flows inputs and render the replies;
// they make no domain decisions.
package bot
