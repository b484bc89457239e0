package teams

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

const (
	testTeam    = "19:f0e1d2c3b4a5968778695a4b3c2d1e0f@thread.tacv2"
	testChannel = "19:a1b2c3d4e5f60718293a4b5c6d7e8f90@thread.tacv2"
	testRoot    = "1733560000000"
	testAAD     = "6b1f4c7e-2d7a-4c55-9d1e-0a4f3c2b1a90"
	testPersona = "a:1Zb3tJfM8z4rGq0N8y8S7mJkQe9xWmBqOe6K7zYp0c2VwXh"
)

// Each fixture, in the shape Teams sends, becomes what the engine is asked.
func TestInboundFromFixtures(t *testing.T) {
	cases := []struct {
		file string
		want Inbound
	}{
		{"message_channel_mention.json", Inbound{Kind: InboundReply,
			DedupKey: "teams:1733561234567", OrderKey: testTeam + "/" + testChannel + "/" + testRoot,
			TeamID: testTeam, Channel: testChannel, Thread: testRoot, MessageID: "1733561234567",
			Text: "She wanted her dog there at the end. **not bold** [not a link](https://example.invalid)"}},
		{"message_channel_reply.json", Inbound{Kind: InboundReply,
			DedupKey: "teams:1733561300000", OrderKey: testTeam + "/" + testChannel + "/" + testRoot,
			TeamID: testTeam, Channel: testChannel, Thread: testRoot, MessageID: "1733561300000",
			Text: "He wanted the window open, to hear the birds."}},
		{"message_channel_command.json", Inbound{Kind: InboundCommand,
			DedupKey: "teams:1733563000000", OrderKey: testTeam + "/" + testChannel,
			TeamID: testTeam, Channel: testChannel, Text: "Kestrel"}},
		{"message_personal.json", Inbound{Kind: InboundHelp,
			DedupKey: "teams:1733562000001", OrderKey: testTenant + "/@" + testAAD,
			TeamID: testTenant, Channel: testPersona}},
		{"message_submit_fallback.json", Inbound{Kind: InboundControl,
			DedupKey: "teams:1733562000002", OrderKey: testTenant + "/@" + testAAD,
			TeamID: testTenant, Channel: testPersona, Action: "skip", Value: "42"}},
		{"invoke_card_action.json", Inbound{Kind: InboundControl,
			DedupKey: "teams:f:8f7a6b5c-4d3e-2f1a-0b9c-8d7e6f5a4b3c", OrderKey: testTeam + "/" + testChannel + "/" + testRoot,
			TeamID: testTeam, Channel: testChannel, Thread: testRoot, Action: "next", Value: "42", Invoke: true}},
		{"message_update_edit.json", Inbound{Kind: InboundEdit,
			DedupKey: "teams:edit:1733561234567:2026-12-07T09:30:00Z", OrderKey: testTeam + "/" + testChannel + "/" + testRoot,
			TeamID: testTeam, Channel: testChannel, Thread: testRoot, MessageID: "1733561234567",
			Text: "She wanted her dog and her daughter there at the end."}},
		{"message_delete_soft.json", Inbound{Kind: InboundDelete,
			DedupKey: "teams:delete:1733561234567", OrderKey: testTeam + "/" + testChannel + "/" + testRoot,
			TeamID: testTeam, Channel: testChannel, Thread: testRoot, MessageID: "1733561234567"}},
		{"conversation_update_bot_added.json", Inbound{Kind: InboundInstall,
			DedupKey: "teams:f:4c5d6e7f-8a9b-4c0d-9e1f-2a3b4c5d6e7f", OrderKey: testTeam + "/" + testTeam,
			TeamID: testTeam, Channel: testTeam}},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			a := fixture(t, c.file)
			got := ReadInbound(a, "")
			want := c.want
			// The envelope every kind carries.
			want.ServiceURL, want.TenantID = "https://smba.trafficmanager.net/emea/", testTenant
			want.ConversationType = a.Conversation.ConversationType
			want.UserID, want.TeamsUserID = a.From.AADObjectID, a.From.ID
			if got != want {
				t.Errorf("ReadInbound:\n got %+v\nwant %+v", got, want)
			}
			if got.Kind == InboundIgnore || got.Reason != "" {
				t.Errorf("kind %v, reason %q", got.Kind, got.Reason)
			}
			// The same bot, named by its bare app id, reads the same.
			if again := ReadInbound(a, testAppID); again != got {
				t.Errorf("with the bare app id: %+v", again)
			}
		})
	}
}

func channelMessage(t *testing.T, text string, mention bool) *Activity {
	t.Helper()
	a := fixture(t, "message_channel_command.json")
	a.Text = text
	if !mention {
		a.Entities = nil
	}
	return a
}

// Teams has no slash commands: "reflect" (or "/reflect") after the @mention
// is the command, and the rest is what followed /reflect.
func TestCommandParsing(t *testing.T) {
	at := "<at>What Matters</at>"
	cases := []struct {
		text    string
		mention bool
		kind    InboundKind
		command string
	}{
		{at + " reflect Kestrel", true, InboundCommand, "Kestrel"},
		{at + " Reflect   Kestrel  Ward ", true, InboundCommand, "Kestrel Ward"},
		{at + " /reflect Kestrel", true, InboundCommand, "Kestrel"},
		{at + " reflect", true, InboundCommand, ""},
		{at + " reflect help", true, InboundCommand, "help"},
		{"reflect Kestrel " + at, true, InboundCommand, "Kestrel"},
		{at, true, InboundHelp, ""},
		{at + " ", true, InboundHelp, ""},
		{at + " help", true, InboundHelp, ""},
		{at + " reflections are good", true, InboundHelp, ""},
		{at + " what can you do?", true, InboundHelp, ""},
		// Seen only through RSC: not addressed to the bot.
		{"reflect Kestrel", false, InboundIgnore, ""},
		{"a note for the team", false, InboundIgnore, ""},
	}
	for _, c := range cases {
		got := ReadInbound(channelMessage(t, c.text, c.mention), "")
		if got.Kind != c.kind || got.Text != c.command {
			t.Errorf("%q: got %v %q, want %v %q", c.text, got.Kind, got.Text, c.kind, c.command)
		}
		if got.Kind == InboundCommand || got.Kind == InboundHelp {
			if got.Thread != "" || got.OrderKey != ChannelKey(testTeam, testChannel) || got.Channel != testChannel {
				t.Errorf("%q: a command is the channel's: %+v", c.text, got)
			}
		}
	}
}

// In a 1:1 chat everything is addressed to the bot: "reflect …" is the
// command, anything else gets help.
func TestPersonalChat(t *testing.T) {
	for text, want := range map[string]Inbound{
		"reflect my data":   {Kind: InboundCommand, Text: "my data"},
		"/reflect":          {Kind: InboundCommand},
		"REFLECT forget-me": {Kind: InboundCommand, Text: "forget-me"},
		"my data":           {Kind: InboundHelp},
		"hello":             {Kind: InboundHelp},
	} {
		a := fixture(t, "message_personal.json")
		a.Text = text
		got := ReadInbound(a, "")
		if got.Kind != want.Kind || got.Text != want.Text {
			t.Errorf("%q: got %v %q", text, got.Kind, got.Text)
		}
		if got.TeamID != testTenant || got.Channel != testPersona || got.OrderKey != UserKey(testTenant, testAAD) || got.Thread != "" {
			t.Errorf("%q: a 1:1 chat is the tenant's and the person's: %+v", text, got)
		}
	}
}

// A command said inside a reply chain is still the channel's; a bare
// @mention there gets help; anything else there is a reply, mention or not.
func TestInReplyChain(t *testing.T) {
	a := fixture(t, "message_channel_mention.json")
	a.Text = "<at>What Matters</at> reflect Kestrel"
	if got := ReadInbound(a, ""); got.Kind != InboundCommand || got.Text != "Kestrel" || got.Thread != "" || got.OrderKey != ChannelKey(testTeam, testChannel) {
		t.Errorf("command in a chain: %+v", got)
	}
	a.Text = "<at>What Matters</at>"
	if got := ReadInbound(a, ""); got.Kind != InboundHelp {
		t.Errorf("bare mention in a chain: %+v", got)
	}
	a.Text = "reflect on this: she was calm"
	a.Entities = nil
	if got := ReadInbound(a, ""); got.Kind != InboundReply || got.Text != "reflect on this: she was calm" {
		t.Errorf("an answer that begins with reflect, unaddressed: %+v", got)
	}
	// The chain's root read from replyToId when the conversation id has no
	// ;messageid= part.
	a.Conversation.ID = testChannel
	a.ReplyToID = "1733569999999"
	if got := ReadInbound(a, ""); got.Kind != InboundReply || got.Thread != "1733569999999" || got.Channel != testChannel {
		t.Errorf("root from replyToId: %+v", got)
	}
	// A root post is no reply: its conversation id names itself.
	b := fixture(t, "message_channel_command.json")
	b.Entities, b.Text = nil, "a root post"
	if got := ReadInbound(b, ""); got.Kind != InboundIgnore {
		t.Errorf("unaddressed root post: %+v", got)
	}
}

// Bots, the bot itself included, are never answered or stored; nor is
// anyone without a stable Entra id.
func TestIgnored(t *testing.T) {
	secret := "a story nobody should see in a log"
	mutate := map[string]func(a *Activity){
		"from a bot": func(a *Activity) { a.From.Role = "bot" },
		"from itself": func(a *Activity) {
			a.From = &ChannelAccount{ID: "28:" + testAppID, Name: "What Matters"}
		},
		"from another bot": func(a *Activity) { a.From = &ChannelAccount{ID: "28:other-app", AADObjectID: "x"} },
		"no aadObjectId":   func(a *Activity) { a.From.AADObjectID = "" },
		"no sender":        func(a *Activity) { a.From = nil },
		"no conversation":  func(a *Activity) { a.Conversation = nil },
		"no id":            func(a *Activity) { a.ID = "" },
		"other channel":    func(a *Activity) { a.ChannelID = "slack" },
		"no team":          func(a *Activity) { a.ChannelData.Team = nil },
		"unknown type":     func(a *Activity) { a.Type = "typing " + secret },
		"undelete": func(a *Activity) {
			a.Type = TypeMessageUpdate
			a.ChannelData.EventType = EventUndeleteMessage
		},
		"edit outside a chain": func(a *Activity) {
			a.Type = TypeMessageUpdate
			a.ChannelData.EventType = EventEditMessage
			a.Conversation.ID, a.ReplyToID = testChannel, ""
		},
		"dialog invoke": func(a *Activity) {
			a.Type, a.Name = TypeInvoke, InvokeTaskFetch
		},
		"card action without verb": func(a *Activity) {
			a.Type, a.Name, a.Value = TypeInvoke, InvokeCardAction, json.RawMessage(`{"action":{"type":"Action.Execute"}}`)
		},
		"meeting chat": func(a *Activity) { a.Conversation.ConversationType = "meeting" },
	}
	for name, m := range mutate {
		a := fixture(t, "message_channel_mention.json")
		a.Text = "<at>What Matters</at> " + secret
		m(a)
		got := ReadInbound(a, "")
		if got.Kind != InboundIgnore || got.Reason == "" {
			t.Errorf("%s: got %+v", name, got)
			continue
		}
		if strings.Contains(got.Reason, "story") || strings.Contains(got.Reason, " log") || got.Text != "" {
			t.Errorf("%s: reason carries text: %q", name, got.Reason)
		}
		if got.DedupKey != "" || got.UserID != "" {
			t.Errorf("%s: an ignored activity keeps nothing: %+v", name, got)
		}
	}
	task := fixture(t, "invoke_card_action.json")
	task.Name = InvokeTaskFetch
	if got := ReadInbound(task, ""); got.Kind != InboundIgnore || !got.Invoke || got.Reason != "invoke task/fetch" {
		t.Errorf("an ignored invoke still needs its answer: %+v", got)
	}
	if got := ReadInbound(nil, ""); got.Kind != InboundIgnore {
		t.Errorf("nil: %+v", got)
	}
	// A conversationUpdate that adds someone else is no install.
	a := fixture(t, "conversation_update_bot_added.json")
	a.MembersAdded = []ChannelAccount{{ID: "29:someone"}}
	if got := ReadInbound(a, ""); got.Kind != InboundIgnore || got.Reason != "conversationUpdate teamMemberAdded" {
		t.Errorf("member added: %+v", got)
	}
}

// Teams re-sends an activity with the same id after 15 s: it reads to the
// same key. Each edit of a message is its own activity, with the same id
// but its own time.
func TestDedupKeys(t *testing.T) {
	for _, f := range []string{"message_channel_mention.json", "invoke_card_action.json", "message_update_edit.json", "message_delete_soft.json", "conversation_update_bot_added.json"} {
		first, resent := ReadInbound(fixture(t, f), ""), ReadInbound(fixture(t, f), "")
		if first.DedupKey == "" || first.DedupKey != resent.DedupKey || !strings.HasPrefix(first.DedupKey, DedupPrefix) {
			t.Errorf("%s: keys %q, %q", f, first.DedupKey, resent.DedupKey)
		}
	}
	edit := fixture(t, "message_update_edit.json")
	k1 := ReadInbound(edit, "").DedupKey
	edit.Timestamp = edit.Timestamp.Add(time.Minute)
	edit.Text = "<at>What Matters</at> changed again"
	if k2 := ReadInbound(edit, "").DedupKey; k2 == k1 {
		t.Errorf("a second edit has the first's key %q", k1)
	}
	// Without a timestamp, a digest of the text tells edits apart, and
	// never the text itself.
	edit.Timestamp = time.Time{}
	k3 := ReadInbound(edit, "").DedupKey
	edit.Text = "<at>What Matters</at> and again"
	k4 := ReadInbound(edit, "").DedupKey
	if k3 == k4 || strings.Contains(k3, "changed") {
		t.Errorf("edit keys without time: %q, %q", k3, k4)
	}
	// A message and its edit never share a key.
	if ReadInbound(fixture(t, "message_channel_mention.json"), "").DedupKey == k1 {
		t.Error("a message and its edit share a key")
	}
}

// Answers, controls and edits of one reply chain share an ordering key;
// another chain, the channel and the 1:1 chat each have their own.
func TestOrderKeys(t *testing.T) {
	chain := ReadInbound(fixture(t, "message_channel_reply.json"), "").OrderKey
	for _, f := range []string{"message_channel_mention.json", "invoke_card_action.json", "message_update_edit.json", "message_delete_soft.json"} {
		if k := ReadInbound(fixture(t, f), "").OrderKey; k != chain {
			t.Errorf("%s: key %q, want the chain's %q", f, k, chain)
		}
	}
	other := fixture(t, "message_channel_reply.json")
	other.Conversation.ID = ThreadConversationID(testChannel, "1733570000000")
	if k := ReadInbound(other, "").OrderKey; k == chain || k != ThreadKey(testTeam, testChannel, "1733570000000") {
		t.Errorf("another chain: %q", k)
	}
	if k := ReadInbound(fixture(t, "message_channel_command.json"), "").OrderKey; k == chain || k != ChannelKey(testTeam, testChannel) {
		t.Errorf("channel: %q", k)
	}
}

func TestPrivateChannelIsKnown(t *testing.T) {
	a := fixture(t, "message_channel_command.json")
	if in := ReadInbound(a, ""); in.Private() {
		t.Error("a channel without a type is not private")
	}
	a.ChannelData.Channel.Type = "Private"
	in := ReadInbound(a, "")
	if !in.Private() || in.ChannelType != ChannelPrivate || in.Kind != InboundCommand {
		t.Errorf("private channel: %+v", in)
	}
}

func TestInboundKindNames(t *testing.T) {
	seen := map[string]bool{}
	for k := InboundIgnore; k <= InboundInstall; k++ {
		n := k.String()
		if n == "unknown" || seen[n] {
			t.Errorf("kind %d: %q", k, n)
		}
		seen[n] = true
	}
	if InboundKind(99).String() != "unknown" {
		t.Error("out of range")
	}
}

func TestIdent(t *testing.T) {
	if got := ident("adaptiveCard/action"); got != "adaptiveCard/action" {
		t.Errorf("ident = %q", got)
	}
	if got := ident("typing story\n<b>"); got != "(unrecognised name)" {
		t.Errorf("ident = %q", got)
	}
	if got := ident(strings.Repeat("a", 41)); got != "(unrecognised name)" {
		t.Errorf("ident not bounded: %q", got)
	}
	if ident("") != `""` {
		t.Error("empty")
	}
}
