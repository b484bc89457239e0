package flows_test

import (
	"strings"
	"testing"
	"time"

	"whatmatters/flows"
	"whatmatters/storage"
	"whatmatters/storage/storagetest"
)

// TestSettingsCommandAndDigestSchedule: /reflect settings (where no form
// opens) shows a member their discipline only and a lead the team's digest
// too; SetDigestSchedule lets a lead set and clear the weekly digest and
// refuses a member, changing nothing.
func TestSettingsCommandAndDigestSchedule(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		c := newConvo(t, db)
		c.cmd("ann", "discipline district nurse")
		got := notice(t, c.cmd("ann", "settings"))
		text := flattenParts(got)
		if !strings.Contains(text, "district nurse") || strings.Contains(text, "Weekly digest") {
			t.Fatalf("member's settings = %q; want the discipline and nothing of the team", text)
		}

		refused, err := c.engine.SetDigestSchedule(c.ctx, actor("ann"), flows.DigestSchedule{Channel: "CLEADS", Day: time.Friday, Hour: 8})
		if err != nil {
			t.Fatal(err)
		}
		if len(refused) != 1 || refused[0].Kind != flows.Direct || !strings.Contains(refused[0].Title, "Only the team's leads") {
			t.Fatalf("member's schedule change = %+v; want a direct refusal", refused)
		}
		if tm, _ := db.GetTeam(c.ctx, team); tm.DigestChannel != "" {
			t.Fatalf("team after a refused change = %+v", tm)
		}

		if err := c.engine.SetRole(c.ctx, team, "ann", flows.RoleLead, "cli"); err != nil {
			t.Fatal(err)
		}
		set, err := c.engine.SetDigestSchedule(c.ctx, actor("ann"), flows.DigestSchedule{Channel: "CLEADS", Day: time.Friday, Hour: 8})
		if err != nil || len(set) != 1 || set[0].Kind != flows.Direct || !strings.Contains(flattenParts(set[0]), "Friday at 08:00") {
			t.Fatalf("lead's schedule = %+v, %v", set, err)
		}
		tm, _ := db.GetTeam(c.ctx, team)
		if tm.DigestChannel != "CLEADS" || tm.DigestDay != time.Friday || tm.DigestHour != 8 {
			t.Fatalf("team = %+v; want Fridays at 08:00 in CLEADS", tm)
		}
		// The same schedule again changes nothing and says nothing.
		if again, err := c.engine.SetDigestSchedule(c.ctx, actor("ann"), flows.DigestSchedule{Channel: "CLEADS", Day: time.Friday, Hour: 8}); err != nil || len(again) != 0 {
			t.Fatalf("unchanged schedule = %+v, %v; want nothing", again, err)
		}
		text = flattenParts(notice(t, c.cmd("ann", "settings")))
		if !strings.Contains(text, "Weekly digest: every Friday at 08:00") {
			t.Fatalf("lead's settings = %q; want the digest schedule", text)
		}
		if _, err := c.engine.SetDigestSchedule(c.ctx, actor("ann"), flows.DigestSchedule{Channel: "CLEADS", Day: time.Friday, Hour: 24}); err == nil {
			t.Fatal("hour 24 was accepted")
		}
		if off, err := c.engine.SetDigestSchedule(c.ctx, actor("ann"), flows.DigestSchedule{}); err != nil || len(off) != 1 || !strings.Contains(off[0].Title, "off") {
			t.Fatalf("clearing = %+v, %v", off, err)
		}
		if tm, _ := db.GetTeam(c.ctx, team); tm.DigestChannel != "" {
			t.Fatalf("team after clearing = %+v; want no weekly digest", tm)
		}
	})
}

func flattenParts(r flows.Reply) string {
	var b strings.Builder
	b.WriteString(r.Title)
	for _, p := range r.Parts {
		b.WriteString("\n" + p.Label + " " + p.Text + " " + strings.Join(p.Channels, " "))
	}
	return b.String()
}
