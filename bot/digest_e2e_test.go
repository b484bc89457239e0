package bot

import (
	"bytes"
	"context"
	"fmt"
	"image/png"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slack-go/slack/slacktest"

	"whatmatters/flows"
	"whatmatters/prompts"
	"whatmatters/storage"
	"whatmatters/themes"
)

// TestWeeklyDigestPostedWithChart runs reflections in a public and a
// private channel over HTTP, lets the coding job code them, sets the
// team's weekly digest to this hour in a leads' channel, and waits for the
// digest job to post the digest there with its chart: the private
// channel's words never appear in it, and the record is marked posted.
func TestWeeklyDigestPostedWithChart(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, db *storage.DB) {
		api := newSlackServer(t, func(s *slackServer, c slacktest.Customize) {
			c.Handle("/conversations.info", s.handle("conversations.info", func(_ http.ResponseWriter, _ *http.Request, v url.Values) any {
				ch := v.Get("channel")
				return map[string]any{"ok": true, "channel": map[string]any{"id": ch, "is_channel": true, "is_private": ch == "CPRIV"}}
			}))
		})
		// The engine's clock can be moved on, so the digest's week can end
		// after the reflections; it asks the adapter which channels are
		// private, as serve wires it.
		var offset atomic.Int64
		clock := func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
		var adapter atomic.Pointer[Slack]
		templates, err := prompts.Load()
		if err != nil {
			t.Fatal(err)
		}
		off := themes.NewOffline()
		engine := flows.NewEngine(flows.Options{Templates: templates, Reader: off, Digests: themes.Digester{Fallback: off}, Now: clock,
			ChannelPrivacy: func(ctx context.Context, team, channel string) (bool, error) {
				return adapter.Load().ChannelPrivate(ctx, team, channel)
			}})
		h := newHarness(t, db, api, harnessOptions{workers: 4, periodic: true, slackOpts: func(o *SlackOptions) { o.Engine = engine.WithStore }})
		adapter.Store(h.slack)
		ctx := context.Background()

		stories := map[string][]string{
			"C1": {"Wants to be at home with her dog, her husband does all her meals and the neighbours pop in.",
				"She told me the garden is where she feels most herself, her husband planted it."},
			"C2": {"To be at home with the dog by the fire, his daughter visits every evening after work.",
				"He said the dog knows when he is poorly and will not leave his side."},
			"CPRIV": {"At home with her dog, and her sister Zebrafinch comes every Sunday with cake.",
				"Her sister said the dog is the only one who still makes her laugh."},
		}
		ts := 0
		// A different person in each channel: a theme recurs only across
		// two people.
		writer := map[string]string{"C1": "U1", "C2": "U2", "CPRIV": "U3"}
		for _, ch := range []string{"C1", "C2", "CPRIV"} {
			h.command(writer[ch], ch, "Kestrel"+ch)
			// Answers come once the first question is in the thread, as
			// people's would.
			root := api.waitFor(t, "first question in "+ch, func(cs []apiCall) bool {
				for _, c := range cs {
					if c.Method == "chat.postMessage" && c.Channel == ch && strings.Contains(c.Text, "1 of 5") {
						return true
					}
				}
				return false
			})
			var thread string
			for _, c := range root {
				if c.Method == "chat.postMessage" && c.Channel == ch && c.Thread == "" {
					thread = c.TS
				}
			}
			for _, a := range stories[ch] {
				ts++
				h.message(fmt.Sprintf("Ev%s%d", ch, ts), writer[ch], ch, thread, fmt.Sprintf("1700000300.%06d", ts), a)
			}
			h.message("EvDone"+ch, writer[ch], ch, thread, fmt.Sprintf("1700000400.%06d", ts), "done")
			api.waitFor(t, "closing summary in "+ch, func(cs []apiCall) bool {
				for _, c := range cs {
					if c.Method == "chat.postMessage" && c.Channel == ch && strings.Contains(c.Text, "Kestrel"+ch) && c.Thread == thread && strings.Contains(c.Text, "the story so far") {
						return true
					}
				}
				return false
			})
		}

		// The coding job codes every answer.
		eventually(t, "the coding job to code every answer", func() (bool, string) {
			coded := 0
			for _, a := range answered(t, db) {
				if a.Codes != nil && a.Codes.Coder == themes.OfflineName {
					coded++
				}
			}
			return coded == 6, fmt.Sprintf("coded %d of 6 answers", coded)
		})

		// A lead sets the digest for this very hour, in the leads' channel.
		if _, err := db.SaveMember(ctx, flows.Member{TeamID: testTeam, UserID: "ULEAD", Role: flows.RoleLead}); err != nil {
			t.Fatal(err)
		}
		// Two hours on, the digest is due at the hour before: after every
		// answer, so its week holds them all.
		offset.Store(int64(2 * time.Hour))
		due := clock().Add(-time.Hour).In(londonTZ(t))
		h.command("ULEAD", "CLEADS", fmt.Sprintf("digest every %s %02d:00", strings.ToLower(due.Weekday().String()), due.Hour()))

		calls := api.waitFor(t, "the digest and its chart in CLEADS", func(cs []apiCall) bool {
			post, chart := false, false
			for _, c := range cs {
				post = post || (c.Method == "chat.postMessage" && c.Channel == "CLEADS")
				chart = chart || (c.Method == "files.completeUploadExternal" && c.Channel == "CLEADS")
			}
			return post && chart
		})
		var digest apiCall
		var upload string
		for _, c := range calls {
			if c.Method == "chat.postMessage" && c.Channel == "CLEADS" {
				digest = c
			}
			if c.Method == "upload" {
				upload = c.Text
			}
		}
		// The private channel's reflection is not drawn on in CLEADS: not
		// in its counts, themes or quotes.
		for _, want := range []string{"What recurred", "2 reflections on 2 cases", "Recurring themes", "Pets that matter", "offline coder"} {
			if !strings.Contains(digest.Text+digest.Blocks, want) {
				t.Errorf("digest lacks %q:\n%s", want, digest.Text)
			}
		}
		if strings.Contains(digest.Text+digest.Blocks, "only one who still makes her laugh") || strings.Contains(digest.Text+digest.Blocks, "comes every Sunday") {
			t.Errorf("the digest quotes a private channel's words in another channel:\n%s", digest.Text)
		}
		img, err := png.Decode(bytes.NewReader([]byte(upload)))
		if err != nil {
			t.Fatalf("the chart is not a PNG: %v", err)
		}
		if b := img.Bounds(); b.Dx() != themes.ChartWidth || b.Dy() != themes.ChartHeight {
			t.Errorf("chart is %dx%d, want %dx%d", b.Dx(), b.Dy(), themes.ChartWidth, themes.ChartHeight)
		}
		recs, err := db.ListDigests(ctx, testTeam)
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) != 1 || recs[0].MessageID != digest.TS || recs[0].Channel != "CLEADS" || recs[0].Summary.Reflections != 2 {
			t.Errorf("digest records = %+v; want one, marked posted as %s", recs, digest.TS)
		}
		// Every later run this week finds the week's digest made.
		if again, err := engine.WithStore(db).DueDigests(ctx); err != nil || len(again) != 0 {
			t.Errorf("after posting, DueDigests = %d, %v; want nothing due", len(again), err)
		}
		if n := len(api.made("files.completeUploadExternal")); n != 1 {
			t.Errorf("%d charts uploaded, want 1", n)
		}

		// "Discuss in a session" on a recurring theme opens the session
		// form for the lead, seeded with the theme.
		theme := buttonValue(t, digest.Blocks, "wm_"+flows.ActionDiscuss)
		if status, _ := h.post("application/x-www-form-urlencoded", interactionForm(map[string]any{
			"type": "block_actions", "trigger_id": "discuss-trigger", "team": map[string]any{"id": testTeam}, "user": map[string]any{"id": "ULEAD"},
			"channel":   map[string]any{"id": "CLEADS"},
			"container": map[string]any{"type": "message", "channel_id": "CLEADS", "message_ts": digest.TS},
			"actions":   []map[string]any{{"action_id": "wm_" + flows.ActionDiscuss, "block_id": "b", "value": theme, "type": "button"}},
		}), nil); status != http.StatusOK {
			t.Fatalf("discuss: %d", status)
		}
		var form apiCall
		for _, c := range api.made("views.open") {
			if c.TS == "discuss-trigger" {
				form = c
			}
		}
		if !strings.Contains(form.Blocks, sessionModalID) || !strings.Contains(form.Blocks, theme) || !strings.Contains(form.Blocks, `"private_metadata":"CLEADS"`) {
			t.Errorf("discuss opened %+v; want the session form for CLEADS with %q", form, theme)
		}
	})
}

func answered(t *testing.T, db *storage.DB) []flows.CodedAnswer {
	t.Helper()
	as, err := db.ListCodedAnswers(context.Background(), testTeam, time.Now().Add(-time.Hour), time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	return as
}

func londonTZ(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/London")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}
