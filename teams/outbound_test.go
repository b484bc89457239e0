package teams

import (
	"errors"
	"strings"
	"testing"

	"whatmatters/flows"
)

const otherAAD = "0c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f"

// channelOrigin is where a command in a channel's root post came from.
func channelOrigin(t *testing.T) Origin {
	t.Helper()
	return OriginOf(ReadInbound(fixture(t, "message_channel_command.json"), ""))
}

func plan(t *testing.T, replies []flows.Reply, o Origin, opt OutboundOptions) Plan {
	t.Helper()
	p, err := Outbound(replies, o, opt)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// cardOf is a send's card, checked to be the one Adaptive Card it carries.
func cardOf(t *testing.T, s Send) map[string]any {
	t.Helper()
	if s.Activity == nil || s.Activity.Type != TypeMessage || len(s.Activity.Attachments) != 1 ||
		s.Activity.Attachments[0].ContentType != ContentTypeAdaptiveCard {
		t.Fatalf("send carries no card: %+v", s.Activity)
	}
	if got := CardMarker(s.Activity.Attachments[0].Content); got != s.Marker || got == "" {
		t.Fatalf("card marker %q, send marker %q", got, s.Marker)
	}
	return decodeCard(t, s.Activity.Attachments[0].Content)
}

func cardText(t *testing.T, s Send) string {
	var b strings.Builder
	walk(cardOf(t, s), func(m map[string]any) {
		if txt, ok := m["text"].(string); ok {
			b.WriteString(txt + "\n")
		}
	})
	return b.String()
}

// Each kind of reply becomes the send Teams needs.
func TestRepliesToSends(t *testing.T) {
	o := channelOrigin(t)
	replies := []flows.Reply{
		{Kind: flows.Post, Channel: testChannel, Anchor: 7, Title: "Reflection: Kestrel"},
		{Kind: flows.Post, Channel: testChannel, Thread: testRoot, Title: "What mattered most to them?",
			Buttons: []flows.Button{{Label: "Next", Action: flows.ActionNext, Value: "7:q1"}}},
		{Kind: flows.Post, Session: 3, Title: "Learning session"}, // no channel: the origin's
		{Kind: flows.Post, Channel: testChannel, Digest: 9, Title: "This week",
			Attachment: &flows.Attachment{Name: "chart.png", Type: "image/png", Data: []byte{1}}},
		{Kind: flows.Update, Channel: testChannel, Message: "1733564000000", Title: "Stage 2 of 4"},
		{Kind: flows.Ack, User: testAAD, Message: "1733561234567"},
	}
	p := plan(t, replies, o, OutboundOptions{})
	if len(p.Refused) != 0 || len(p.Sends) != 6 {
		t.Fatalf("plan: %+v", p)
	}
	for _, s := range p.Sends {
		if s.ServiceURL != "https://smba.trafficmanager.net/emea/" || s.TenantID != testTenant || s.Conversation != testChannel {
			t.Errorf("%v: envelope %+v", s.Kind, s)
		}
		cardOf(t, s)
	}
	root, reply, session, digest, chart, update := p.Sends[0], p.Sends[1], p.Sends[2], p.Sends[3], p.Sends[4], p.Sends[5]
	if root.Kind != SendPost || root.Thread != "" || root.Anchor != 7 || root.OnUncertain != LookFirst {
		t.Errorf("root post: %+v", root)
	}
	if reply.Kind != SendReply || reply.Thread != testRoot || reply.Anchor != 0 || reply.OnUncertain != LookFirst {
		t.Errorf("reply in the chain: %+v", reply)
	}
	if !strings.Contains(cardText(t, reply), "What mattered most") {
		t.Error("reply card lost its title")
	}
	var verb string
	walk(cardOf(t, reply), func(m map[string]any) {
		if m["type"] == "Action.Execute" {
			verb, _ = m["verb"].(string)
		}
	})
	if verb != flows.ActionNext {
		t.Errorf("button verb %q", verb)
	}
	if session.Kind != SendPost || session.Session != 3 {
		t.Errorf("session post: %+v", session)
	}
	if digest.Kind != SendPost || digest.Digest != 9 || digest.Attachment != nil {
		t.Errorf("digest post: %+v", digest)
	}
	// Its chart follows as a card of its own (files.go); this one cannot
	// be read as a PNG, so its figures stand in.
	if chart.Kind != SendPost || chart.Digest != 0 || chart.Marker == digest.Marker {
		t.Errorf("chart: %+v", chart)
	}
	if update.Kind != SendUpdate || update.MessageID != "1733564000000" || update.OnUncertain != RetrySafe {
		t.Errorf("update: %+v", update)
	}
}

// No ephemeral messages in Teams: a notice goes to the person's 1:1 chat,
// opened when none is known.
func TestNoticesGoToThePersonalChat(t *testing.T) {
	o := channelOrigin(t)
	notice := flows.Reply{Kind: flows.Notice, Channel: testChannel, Title: "Only you can see this"}

	p := plan(t, []flows.Reply{notice}, o, OutboundOptions{})
	if len(p.Sends) != 1 {
		t.Fatalf("sends: %+v", p.Sends)
	}
	s := p.Sends[0]
	if s.Kind != SendPersonal || !s.Notice || s.User != testAAD || s.TeamsUserID != o.TeamsUserID ||
		!s.OpenChat || s.Conversation != "" || s.OnUncertain != Resend {
		t.Errorf("notice, no chat known: %+v", s)
	}

	// A chat known for the person is used.
	known := OutboundOptions{Person: func(user string) (string, string) {
		if user == testAAD {
			return "29:from-store", "a:known-chat"
		}
		return "", ""
	}}
	s = plan(t, []flows.Reply{notice}, o, known).Sends[0]
	if s.OpenChat || s.Conversation != "a:known-chat" || s.TeamsUserID != o.TeamsUserID {
		t.Errorf("notice, chat known: %+v", s)
	}

	// Said in the 1:1 chat: the notice answers there.
	po := OriginOf(ReadInbound(fixture(t, "message_personal.json"), ""))
	s = plan(t, []flows.Reply{flows.HelpReply(po.Channel, po.UserID)}, po, known).Sends[0]
	if s.Kind != SendPersonal || s.OpenChat || s.Conversation != testPersona || s.User != testAAD {
		t.Errorf("help in the 1:1 chat: %+v", s)
	}
	if !strings.Contains(cardText(t, s), "@What Matters reflect") {
		t.Error("help card lost its text (its commands said the Teams way)")
	}

	// A notice for someone else.
	s = plan(t, []flows.Reply{{Kind: flows.Notice, User: otherAAD, Title: "For Sam"}}, o, OutboundOptions{}).Sends[0]
	if s.User != otherAAD || s.TeamsUserID != "" || !s.OpenChat {
		t.Errorf("notice for another: %+v", s)
	}
}

func TestDirectMessage(t *testing.T) {
	o := channelOrigin(t)
	file := &flows.Attachment{Name: "what-matters-my-data.json", Type: "application/json", Data: []byte("{}")}
	p := plan(t, []flows.Reply{
		{Kind: flows.Direct, User: otherAAD, Title: "Your data", Attachment: file},
		{Kind: flows.Direct, Title: "nobody"}, // no user: nowhere to go
	}, o, OutboundOptions{})
	if len(p.Sends) != 2 {
		t.Fatalf("sends: %+v", p.Sends)
	}
	s := p.Sends[0]
	if s.Kind != SendPersonal || s.Notice || s.User != otherAAD || !s.OpenChat {
		t.Errorf("direct: %+v", s)
	}
	// The file follows in the same chat, as its text (files.go).
	if f := p.Sends[1]; f.Kind != SendPersonal || f.User != otherAAD || !strings.Contains(cardText(t, f), file.Name) {
		t.Errorf("file: %+v", f)
	}
}

// Apps cannot post in a private channel: the post is refused, and the
// person who asked is told once, privately.
func TestPrivateChannelRefused(t *testing.T) {
	o := channelOrigin(t)
	o.ChannelType = ChannelPrivate
	replies := []flows.Reply{
		{Kind: flows.Post, Channel: testChannel, Anchor: 7, Title: "Reflection: Kestrel"},
		{Kind: flows.Update, Channel: testChannel, Message: "1733564000000", Title: "Stage 2"},
		{Kind: flows.Notice, Title: "Started"},
	}
	p := plan(t, replies, o, OutboundOptions{})
	if len(p.Refused) != 2 || p.Refused[0].Reply != 0 || p.Refused[1].Reply != 1 ||
		!errors.Is(p.Refused[0].Err, ErrPrivateChannel) || p.Refused[0].Channel != testChannel {
		t.Fatalf("refused: %+v", p.Refused)
	}
	for _, s := range p.Sends {
		if s.Kind != SendPersonal {
			t.Errorf("a send into the private channel: %+v", s)
		}
	}
	if len(p.Sends) != 2 || !strings.Contains(cardText(t, p.Sends[0]), "private channel") || p.Sends[0].User != testAAD {
		t.Fatalf("sends: %+v", p.Sends)
	}

	// Another channel, known through the options to be private.
	o = channelOrigin(t)
	opt := OutboundOptions{ChannelType: func(ch string) string {
		if ch == "19:secret@thread.tacv2" {
			return "Private"
		}
		return ChannelStandard
	}}
	p = plan(t, []flows.Reply{{Kind: flows.Post, Channel: "19:secret@thread.tacv2", Title: "Digest"},
		{Kind: flows.Post, Channel: "19:open@thread.tacv2", Title: "Digest"}}, o, opt)
	if len(p.Refused) != 1 || len(p.Sends) != 2 || p.Sends[0].Kind != SendPersonal ||
		p.Sends[1].Kind != SendPost || p.Sends[1].Conversation != "19:open@thread.tacv2" {
		t.Errorf("plan: %+v", p)
	}
	// A shared channel is not refused.
	o.ChannelType = ChannelShared
	if p := plan(t, replies[:1], o, OutboundOptions{}); len(p.Refused) != 0 || p.Sends[0].Kind != SendPost {
		t.Errorf("shared channel: %+v", p)
	}
}

// A reflection needs a reply chain: a chat has none.
func TestReflectionOutsideAChannelRefused(t *testing.T) {
	po := OriginOf(ReadInbound(fixture(t, "message_personal.json"), ""))
	p := plan(t, []flows.Reply{{Kind: flows.Post, Anchor: 7, Title: "Reflection"},
		{Kind: flows.Post, Title: "What Matters"}}, po, OutboundOptions{})
	if len(p.Refused) != 1 || !errors.Is(p.Refused[0].Err, ErrNoReplyChains) {
		t.Fatalf("refused: %+v", p.Refused)
	}
	if len(p.Sends) != 2 || p.Sends[0].Kind != SendPersonal || !p.Sends[0].Notice {
		t.Fatalf("sends: %+v", p.Sends)
	}
	// A plain post answers in the chat itself: no reply chain, no lookup.
	if s := p.Sends[1]; s.Kind != SendPost || s.Conversation != testPersona || s.Thread != "" || s.OnUncertain != Resend {
		t.Errorf("post in the chat: %+v", s)
	}
}

// The markers are the same each time the same delivery's replies are
// translated, and differ between sends and deliveries.
func TestMarkers(t *testing.T) {
	o := channelOrigin(t)
	replies := []flows.Reply{{Kind: flows.Post, Title: "a"}, {Kind: flows.Post, Title: "a"}}
	p1, p2 := plan(t, replies, o, OutboundOptions{}), plan(t, replies, o, OutboundOptions{})
	if p1.Sends[0].Marker != p2.Sends[0].Marker || p1.Sends[1].Marker != p2.Sends[1].Marker {
		t.Error("markers differ between translations")
	}
	if p1.Sends[0].Marker == p1.Sends[1].Marker {
		t.Error("two sends share a marker")
	}
	o.Delivery = "teams:another"
	if p3 := plan(t, replies, o, OutboundOptions{}); p3.Sends[0].Marker == p1.Sends[0].Marker {
		t.Error("two deliveries share a marker")
	}
	if m := p1.Sends[0].Marker; !strings.HasPrefix(m, MarkerPrefix) || len(m) != len(MarkerPrefix)+24 {
		t.Errorf("marker %q", m)
	}
	o.Delivery = ""
	if _, err := Outbound(replies, o, OutboundOptions{}); err == nil {
		t.Error("no delivery, no markers: want an error")
	}
	// A card without a marker reads as none; nor does any other id.
	if CardMarker([]byte(`{"body":[{"type":"TextBlock","id":"title"}]}`)) != "" || CardMarker([]byte("not json")) != "" {
		t.Error("CardMarker read a marker that is not one")
	}
	// A reply with no body still carries its marker.
	s := plan(t, []flows.Reply{{Kind: flows.Post, Buttons: []flows.Button{{Label: "Next", Action: flows.ActionNext}}}}, channelOrigin(t), OutboundOptions{}).Sends[0]
	cardOf(t, s)
}

// A reply too long for Teams is shortened into one card under the limit,
// marker included.
func TestSendsRespectTheSizeLimit(t *testing.T) {
	long := strings.Repeat("She asked for the window open. ", 4000)
	p := plan(t, []flows.Reply{{Kind: flows.Post, Thread: testRoot, Title: "Synthesis", Parts: []flows.Part{{Text: long}, {Text: long}}}},
		channelOrigin(t), OutboundOptions{})
	s := p.Sends[0]
	cardOf(t, s)
	if n := utf16Bytes(s.Activity.Attachments[0].Content); n > MaxCardBytes {
		t.Errorf("card is %d bytes", n)
	}
	if !strings.Contains(cardText(t, s), CutNote) {
		t.Error("shortened card lacks the note")
	}
}

func TestSendKindNames(t *testing.T) {
	for k := SendPost; k <= SendPersonal; k++ {
		if k.String() == "unknown" {
			t.Errorf("kind %d unnamed", k)
		}
	}
	if SendKind(0).String() != "unknown" {
		t.Error("zero kind named")
	}
}

func TestReflectionsHere(t *testing.T) {
	in := ReadInbound(fixture(t, "message_channel_command.json"), "")
	if err := in.ReflectionsHere(); err != nil {
		t.Errorf("standard channel: %v", err)
	}
	in.ChannelType = ChannelPrivate
	if err := in.ReflectionsHere(); !errors.Is(err, ErrPrivateChannel) {
		t.Errorf("private channel: %v", err)
	}
	if err := ReadInbound(fixture(t, "message_personal.json"), "").ReflectionsHere(); !errors.Is(err, ErrNoReplyChains) {
		t.Errorf("1:1 chat: %v", err)
	}
}
