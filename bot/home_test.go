package bot

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/slack-go/slack"
)

var when = time.Date(2025, 3, 4, 10, 30, 0, 0, time.UTC)

// homeJSON returns the view as Slack receives it, and every string in it
// that Slack shows.
func homeJSON(t *testing.T, v slack.HomeTabViewRequest) (map[string]any, []string) {
	t.Helper()
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	var ss []string
	allStrings(m["blocks"], &ss)
	return m, ss
}

func TestHomeViewEmpty(t *testing.T) {
	v := HomeView(Home{UserID: "U0ME"})
	m, ss := homeJSON(t, v)
	if m["type"] != "home" {
		t.Errorf("view type %v", m["type"])
	}
	all := strings.Join(ss, "\n")
	for _, want := range []string{
		"What Matters", "Welcome, <@U0ME>.", "Start a reflection", "wm_home_start",
		"Nothing yet.", "No cases yet.", "No digest yet.",
		"Discipline: not set yet\nAvailability: not away\nWeekly check-in: on", "wm_home_settings",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("empty Home tab lacks %q", want)
		}
	}
}

func TestHomeViewContent(t *testing.T) {
	h := Home{
		UserID:     "U0ME",
		Discipline: "district nurse",
		Recent: []HomeReflection{
			{ID: 7, Title: "Reflecting on Rosa", Status: "in_progress", When: when, Channel: "C0WARD7"},
			{ID: 6, Title: "", Status: "complete", Channel: "not-a-channel"},
		},
		Cases:          []HomeCase{{Label: "Rosa", LastReflected: when, Count: 3}, {Label: "Sam", LastReflected: when, Count: 1}, {Label: "Ali"}},
		DigestHeadline: "Families & routines came up most",
		AwayUntil:      "Monday 10 March",
		CheckInSnoozed: true,
	}
	v := HomeView(h)
	var got []string
	for _, b := range v.Blocks.BlockSet {
		if s, ok := b.(*slack.SectionBlock); ok {
			got = append(got, s.BlockID+": "+s.Text.Text)
		}
	}
	date := fmt.Sprintf("<!date^%d^{date_short_pretty}|4 Mar 2025>", when.Unix())
	want := []string{
		"wm_home_intro: Welcome, <@U0ME>. Reflect together on what matters to the people you care for. Start a reflection here, or type `/reflect` in a team channel.",
		"wm_home_recent: *Your recent reflections*",
		"wm_home_r0_7: *Reflecting on Rosa*\nin progress · " + date + " · in <#C0WARD7>",
		"wm_home_r1_6: *Untitled reflection*\ncomplete",
		"wm_home_cases: *Your team's cases*",
		"wm_home_c0: *Rosa* · reflected on 3 times, last " + date,
		"wm_home_c1: *Sam* · reflected on once, last " + date,
		"wm_home_c2: *Ali* · not reflected on yet",
		"wm_home_digest: *Latest digest*",
		"wm_home_digest_text: Families &amp; routines came up most",
		"wm_home_settings_title: *Your settings*",
		"wm_home_settings_text: Discipline: district nurse\nAvailability: away until Monday 10 March\nWeekly check-in: snoozed",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("sections (-want +got):\n%s", diff)
	}
	var actions []string
	for _, b := range v.Blocks.BlockSet {
		if a, ok := b.(*slack.ActionBlock); ok {
			for _, e := range a.Elements.ElementSet {
				actions = append(actions, e.(*slack.ButtonBlockElement).ActionID)
			}
		}
	}
	if diff := cmp.Diff([]string{"wm_home_start", "wm_home_form", "wm_home_settings"}, actions); diff != "" {
		t.Errorf("buttons (-want +got):\n%s", diff)
	}
}

func TestHomeViewHostile(t *testing.T) {
	evil := "<!channel> <@U0EVIL> <#C0EVIL> <http://evil.example|click> ```"
	h := Home{
		UserID:         "<!here>",
		Discipline:     evil,
		Recent:         []HomeReflection{{ID: 1, Title: evil, Status: evil, Channel: "<#C0EVIL>"}},
		Cases:          []HomeCase{{Label: evil, Count: 2}},
		DigestHeadline: evil + strings.Repeat("&", 5000),
		AwayUntil:      evil,
	}
	_, ss := homeJSON(t, HomeView(h))
	for _, s := range ss {
		s = regexp.MustCompile(`<!date\^\d+\^\{date_short_pretty\}\|[^<>]*>`).ReplaceAllString(s, "")
		for _, bad := range []string{"<!", "<@", "<#", "<http", "```"} {
			if strings.Contains(s, bad) {
				t.Errorf("Home tab shows %q in %.80q", bad, s)
			}
		}
	}
}

func TestHomeViewLimits(t *testing.T) {
	h := Home{UserID: "U0ME", Discipline: strings.Repeat("nurse ", 1000), AwayUntil: strings.Repeat("&", 3000)}
	for i := range 500 {
		h.Recent = append(h.Recent, HomeReflection{ID: int64(i), Title: strings.Repeat("<Rosa> & ", 500), Status: "complete", When: when, Channel: "C0WARD"})
		h.Cases = append(h.Cases, HomeCase{Label: strings.Repeat("&", 4000), LastReflected: when, Count: i})
	}
	h.DigestHeadline = strings.Repeat("& ", 5000)
	m, _ := homeJSON(t, HomeView(h))
	blocks := m["blocks"].([]any)
	if len(blocks) > maxHomeBlocks {
		t.Errorf("%d blocks, Slack allows %d", len(blocks), maxHomeBlocks)
	}
	ids := map[string]bool{}
	for i, b := range blocks {
		b := b.(map[string]any)
		id, _ := b["block_id"].(string)
		if id != "" && ids[id] {
			t.Errorf("block %d repeats block_id %q", i, id)
		}
		ids[id] = true
		if text, ok := b["text"].(map[string]any); ok {
			limit := maxSectionText
			if b["type"] == "header" {
				limit = maxHeaderText
			}
			if n := textLen(textOf(text)); n == 0 || n > limit {
				t.Errorf("block %d (%v): %d characters", i, b["type"], n)
			}
		}
	}
	for _, id := range []string{"wm_home_recent_more", "wm_home_cases_more", "wm_home_settings"} {
		if !ids[id] {
			t.Errorf("no block %q", id)
		}
	}
}
