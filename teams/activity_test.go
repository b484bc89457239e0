package teams

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

func fixture(t *testing.T, name string) *Activity {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	a, err := ParseActivity(b)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return a
}

func TestFixturesParse(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	if err != nil || len(files) < 9 {
		t.Fatalf("fixtures: %v, %v", files, err)
	}
	for _, f := range files {
		a := fixture(t, filepath.Base(f))
		if a.ChannelID != ChannelTeams || a.ServiceURL == "" || a.From == nil || a.Conversation == nil || a.Recipient == nil {
			t.Errorf("%s: missing envelope fields: %+v", f, a)
		}
		if a.TenantID() != testTenant {
			t.Errorf("%s: tenant %q", f, a.TenantID())
		}
	}
}

func TestChannelMessageWithMention(t *testing.T) {
	a := fixture(t, "message_channel_mention.json")
	if a.Type != TypeMessage || a.ConversationType() != "channel" {
		t.Fatalf("type %q, conversation %q", a.Type, a.ConversationType())
	}
	if a.From.AADObjectID != "6b1f4c7e-2d7a-4c55-9d1e-0a4f3c2b1a90" {
		t.Errorf("aadObjectId = %q", a.From.AADObjectID)
	}
	if a.ChannelData.Team == nil || a.ChannelData.Channel == nil || a.ChannelData.Channel.ID != "19:a1b2c3d4e5f60718293a4b5c6d7e8f90@thread.tacv2" {
		t.Errorf("channel data = %+v", a.ChannelData)
	}
	want := "She wanted her dog there at the end. **not bold** [not a link](https://example.invalid)"
	if got := a.TextWithoutMention(""); got != want {
		t.Errorf("text without mention = %q", got)
	}
	if got := a.TextWithoutMention(testAppID); got != want {
		t.Errorf("text without mention (bare app id) = %q", got)
	}
	if RootConversationID(a.Conversation.ID) != "19:a1b2c3d4e5f60718293a4b5c6d7e8f90@thread.tacv2" || ThreadRoot(a.Conversation.ID) != "1733560000000" {
		t.Errorf("thread of %q not read", a.Conversation.ID)
	}
}

func TestMentionOfSomeoneElseStays(t *testing.T) {
	a := &Activity{
		Type:      TypeMessage,
		Text:      "<at>What Matters</at> ask <at>Sam Lee</at> too",
		Recipient: &ChannelAccount{ID: "28:bot"},
		Entities: []Entity{
			{Type: "mention", Text: "<at>What Matters</at>", Mentioned: &ChannelAccount{ID: "28:bot"}},
			{Type: "mention", Text: "<at>Sam Lee</at>", Mentioned: &ChannelAccount{ID: "29:sam"}},
		},
	}
	if got := a.TextWithoutMention(""); got != "ask <at>Sam Lee</at> too" {
		t.Errorf("got %q", got)
	}
	// A mention only in the text, not in the entities, is not trusted.
	a.Entities = nil
	if got := a.TextWithoutMention(""); got != a.Text {
		t.Errorf("got %q", got)
	}
}

func TestPersonalMessage(t *testing.T) {
	a := fixture(t, "message_personal.json")
	if a.ConversationType() != "personal" || a.TextWithoutMention("") != "my data" {
		t.Errorf("personal message: %q %q", a.ConversationType(), a.TextWithoutMention(""))
	}
	if _, err := a.CardAction(); err == nil {
		t.Error("a plain message read as a card action")
	}
}

func TestCardActionFromInvokeAndFallback(t *testing.T) {
	a := fixture(t, "invoke_card_action.json")
	ca, err := a.CardAction()
	if err != nil {
		t.Fatal(err)
	}
	if ca != (CardAction{Verb: "next", Action: "next", Value: "42"}) {
		t.Errorf("card action = %+v", ca)
	}
	b := fixture(t, "message_submit_fallback.json")
	ca, err = b.CardAction()
	if err != nil {
		t.Fatal(err)
	}
	if ca != (CardAction{Action: "skip", Value: "42"}) {
		t.Errorf("fallback card action = %+v", ca)
	}
	bad := &Activity{Type: TypeInvoke, Name: InvokeCardAction, Value: json.RawMessage(`{"action":{"type":"Action.Execute"}}`)}
	if _, err := bad.CardAction(); err == nil {
		t.Error("card action without a verb accepted")
	}
}

func TestDialogInvokes(t *testing.T) {
	fetch := fixture(t, "invoke_task_fetch.json")
	req, err := fetch.TaskRequest()
	if err != nil {
		t.Fatal(err)
	}
	var d struct{ Action, Value string }
	if err := json.Unmarshal(req.Data, &d); err != nil || d.Action != "answer" || d.Value != "42" || req.Context.Theme != "default" {
		t.Errorf("task/fetch = %+v %+v %v", req, d, err)
	}
	submit := fixture(t, "invoke_task_submit.json")
	req, err = submit.TaskRequest()
	if err != nil {
		t.Fatal(err)
	}
	var s struct{ Answer string }
	if err := json.Unmarshal(req.Data, &s); err != nil || s.Answer == "" {
		t.Errorf("task/submit = %s %v", req.Data, err)
	}
	if _, err := fixture(t, "invoke_card_action.json").TaskRequest(); err == nil {
		t.Error("card action read as a dialog invoke")
	}
}

func TestConversationEvents(t *testing.T) {
	if a := fixture(t, "conversation_update_bot_added.json"); !a.BotAdded() || a.ChannelData.Team.Name == "" {
		t.Error("bot added not recognised")
	}
	if a := fixture(t, "message_channel_mention.json"); a.BotAdded() {
		t.Error("a message read as the bot being added")
	}
	edit := fixture(t, "message_update_edit.json")
	if !edit.IsEdit() || edit.IsSoftDelete() || edit.ID != "1733561234567" {
		t.Error("edit not recognised")
	}
	if edit.TextWithoutMention("") != "She wanted her dog and her daughter there at the end." {
		t.Errorf("edited text = %q", edit.TextWithoutMention(""))
	}
	del := fixture(t, "message_delete_soft.json")
	if !del.IsSoftDelete() || del.IsEdit() || del.ID != "1733561234567" {
		t.Error("delete not recognised")
	}
}

func TestThreadConversationID(t *testing.T) {
	got := ThreadConversationID("19:abc@thread.tacv2;messageid=1", "2")
	if got != "19:abc@thread.tacv2;messageid=2" {
		t.Errorf("got %q", got)
	}
	if ThreadRoot("a:personal") != "" {
		t.Error("personal chat has a thread root")
	}
}

func TestParseActivityRejects(t *testing.T) {
	for _, in := range []string{``, `[]`, `{}`, `{"type":""}`, `{"type":"message"`} {
		if _, err := ParseActivity([]byte(in)); err == nil {
			t.Errorf("%q parsed", in)
		}
	}
}

func TestInvokeResponses(t *testing.T) {
	b, _ := json.Marshal(TaskContinue("Your answer", json.RawMessage(`{"type":"AdaptiveCard"}`), "medium", "medium").Body)
	var tc struct {
		Task struct {
			Type  string
			Value struct {
				Title string
				Card  Attachment
			}
		}
	}
	if err := json.Unmarshal(b, &tc); err != nil || tc.Task.Type != "continue" || tc.Task.Value.Card.ContentType != ContentTypeAdaptiveCard {
		t.Errorf("task continue = %s", b)
	}
	b, _ = json.Marshal(TaskMessage("Thanks").Body)
	if string(b) != `{"task":{"type":"message","value":"Thanks"}}` {
		t.Errorf("task message = %s", b)
	}
	b, _ = json.Marshal(CardMessageResponse("Done").Body)
	if string(b) != `{"statusCode":200,"type":"application/vnd.microsoft.activity.message","value":"Done"}` {
		t.Errorf("card message = %s", b)
	}
}
