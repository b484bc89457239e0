// Package flows is the domain of What Matters: cases, reflections and their
// answers, and the conversations that gather them.
//
// It knows nothing of Slack, SQL or HTTP. An adapter (the Slack bot or the
// console) turns what a person did into an input for the Engine; the Engine
// loads state from a Store, decides, saves, and returns Replies, which are
// plain values the adapter renders. Replies never carry markup: every piece
// of text in them is plain text, and the adapter escapes it.
package flows
