package teams

import (
	"bytes"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"strings"
	"testing"
	"unicode/utf8"

	"whatmatters/flows"
)

// A person's data (my data) goes to their 1:1 chat as the file's text, in
// numbered cards that each fit, and together give back the whole file.
func TestMyDataGoesAsTextParts(t *testing.T) {
	var rows []map[string]string
	for i := range 600 {
		rows = append(rows, map[string]string{"answer": strings.Repeat("The garden mattered to her, ", 4) + string(rune('a'+i%26))})
	}
	data, err := json.Marshal(map[string]any{"answers": rows})
	if err != nil {
		t.Fatal(err)
	}
	r := flows.Reply{Kind: flows.Direct, User: "u1", Title: "Your data",
		Attachment: &flows.Attachment{Name: "what-matters-my-data.json", Type: "application/json", Data: data}}
	plan, err := Outbound([]flows.Reply{r}, Origin{Delivery: "teams:1", UserID: "u1", TeamsUserID: "29:u1", ConversationType: ConversationPersonal, Channel: "a:chat"}, OutboundOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(plan.Sends) < 3 {
		t.Fatalf("%d sends; want the message and the file in several parts", len(plan.Sends))
	}
	var whole strings.Builder
	markers := map[string]bool{}
	for i, s := range plan.Sends[1:] {
		if s.Kind != SendPersonal || s.Conversation != "a:chat" {
			t.Errorf("part %d goes %s to %q; want the 1:1 chat", i+1, s.Kind, s.Conversation)
		}
		if markers[s.Marker] {
			t.Errorf("part %d repeats marker %s", i+1, s.Marker)
		}
		markers[s.Marker] = true
		b, _ := json.Marshal(s.Activity)
		if utf16Bytes(b) > MaxCardBytes {
			t.Errorf("part %d is %d bytes; over the card limit", i+1, utf16Bytes(b))
		}
		var c struct {
			Body []struct {
				Inlines []struct{ Text, FontType string } `json:"inlines"`
			} `json:"body"`
		}
		if err := json.Unmarshal(s.Activity.Attachments[0].Content, &c); err != nil || len(c.Body) != 2 {
			t.Fatalf("part %d: %v", i+1, err)
		}
		if !strings.Contains(c.Body[0].Inlines[0].Text, "part ") {
			t.Errorf("part %d titled %q; want it numbered", i+1, c.Body[0].Inlines[0].Text)
		}
		if c.Body[1].Inlines[0].FontType != "monospace" {
			t.Errorf("part %d not monospaced", i+1)
		}
		whole.WriteString(c.Body[1].Inlines[0].Text)
	}
	var back any
	if err := json.Unmarshal([]byte(whole.String()), &back); err != nil {
		t.Errorf("the parts together are not the file: %v", err)
	}
}

// splitText never cuts inside a character, and loses nothing.
func TestSplitText(t *testing.T) {
	s := strings.Repeat("é—ü", 1000)
	parts := splitText(s, 100)
	if strings.Join(parts, "") != s {
		t.Fatal("parts do not give the text back")
	}
	for _, p := range parts {
		if len(p) > 100 || !utf8.ValidString(p) {
			t.Fatalf("part of %d bytes, valid %v", len(p), utf8.ValidString(p))
		}
	}
}

// A digest's chart follows its post as a card of its own with the image.
func TestDigestChartFollowsThePost(t *testing.T) {
	png := tinyPNG(t)
	r := flows.Reply{Kind: flows.Post, Channel: "19:c@thread.tacv2", Title: "Weekly digest", Digest: 7,
		Attachment: &flows.Attachment{Name: "what-matters-trend.png", Type: "image/png", Data: png}}
	plan, err := Outbound([]flows.Reply{r}, Origin{Delivery: "digests:1", ConversationType: ConversationChannel, Channel: "19:c@thread.tacv2"}, OutboundOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(plan.Sends) != 2 {
		t.Fatalf("%d sends; want the digest and its chart", len(plan.Sends))
	}
	if plan.Sends[0].Digest != 7 || plan.Sends[1].Digest != 0 {
		t.Errorf("digest marks %d, %d; want the post alone marked", plan.Sends[0].Digest, plan.Sends[1].Digest)
	}
	b, _ := json.Marshal(plan.Sends[1].Activity)
	if !strings.Contains(string(b), "data:image/png;base64,") {
		t.Errorf("chart card carries no image: %.200s", b)
	}
}

// tinyPNG is a small real PNG.
func tinyPNG(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 40, 20))
	for x := range 40 {
		img.Set(x, x/2, color.RGBA{R: 200, A: 255})
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
