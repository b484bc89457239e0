package flows

import (
	"testing"
	"time"
)

func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func TestNextWeeklyAcrossDaylightSaving(t *testing.T) {
	london := mustZone(t, "Europe/London")
	newYork := mustZone(t, "America/New_York")
	sydney := mustZone(t, "Australia/Sydney")
	tests := []struct {
		name  string
		loc   *time.Location
		day   time.Weekday
		clock string
		after time.Time
		want  time.Time // in UTC
	}{
		// London springs forward on Sunday 29 March 2026: 09:30 on the
		// Monday after is 08:30 UTC, where the Monday before was 09:30 UTC.
		{"london before spring", london, time.Monday, "09:30", time.Date(2026, 3, 20, 12, 0, 0, 0, time.UTC), time.Date(2026, 3, 23, 9, 30, 0, 0, time.UTC)},
		{"london across spring", london, time.Monday, "09:30", time.Date(2026, 3, 23, 9, 30, 0, 0, time.UTC), time.Date(2026, 3, 30, 8, 30, 0, 0, time.UTC)},
		// Autumn: 25 October 2026, clocks go back.
		{"london across autumn", london, time.Monday, "09:30", time.Date(2026, 10, 20, 0, 0, 0, 0, time.UTC), time.Date(2026, 10, 26, 9, 30, 0, 0, time.UTC)},
		// The day of the change itself, at a time after it.
		{"london on the spring sunday", london, time.Sunday, "09:30", time.Date(2026, 3, 29, 0, 0, 0, 0, time.UTC), time.Date(2026, 3, 29, 8, 30, 0, 0, time.UTC)},
		// A wall time the change skips still yields one time that day.
		{"london in the gap", london, time.Sunday, "01:30", time.Date(2026, 3, 28, 12, 0, 0, 0, time.UTC), time.Date(2026, 3, 29, 1, 30, 0, 0, time.UTC)},
		{"new york across spring", newYork, time.Thursday, "16:00", time.Date(2026, 3, 6, 0, 0, 0, 0, time.UTC), time.Date(2026, 3, 12, 20, 0, 0, 0, time.UTC)},
		{"sydney across its autumn", sydney, time.Friday, "08:00", time.Date(2026, 4, 4, 0, 0, 0, 0, time.UTC), time.Date(2026, 4, 9, 22, 0, 0, 0, time.UTC)},
		{"later the same day", london, time.Tuesday, "17:00", time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC), time.Date(2026, 11, 24, 17, 0, 0, 0, time.UTC)},
		{"just past: next week", london, time.Tuesday, "09:30", time.Date(2026, 11, 24, 9, 30, 0, 1, time.UTC), time.Date(2026, 12, 1, 9, 30, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := NextWeekly(tt.loc, tt.day, tt.clock, tt.after)
			if err != nil {
				t.Fatal(err)
			}
			if !got.Equal(tt.want) {
				t.Errorf("NextWeekly = %s (%s UTC), want %s UTC", got, got.UTC().Format(time.DateTime), tt.want.Format(time.DateTime))
			}
			if got.In(tt.loc).Weekday() != tt.day {
				t.Errorf("lands on %s", got.In(tt.loc).Weekday())
			}
			prev, err := PrevWeekly(tt.loc, tt.day, tt.clock, got)
			if err != nil || !prev.Equal(got) {
				t.Errorf("PrevWeekly(at the occurrence) = %s, %v; want the occurrence", prev, err)
			}
			before, _ := PrevWeekly(tt.loc, tt.day, tt.clock, got.Add(-time.Minute))
			if !before.Before(got) || got.Sub(before) < 167*time.Hour || got.Sub(before) > 169*time.Hour {
				t.Errorf("the occurrence before is %s, want about a week earlier", before)
			}
		})
	}
}

func TestParseScheduleWords(t *testing.T) {
	for _, s := range []string{"thu", "Thursday", "THURS"} {
		if d, err := ParseWeekday(s); err != nil || d != time.Thursday {
			t.Errorf("ParseWeekday(%q) = %v, %v", s, d, err)
		}
	}
	for _, s := range []string{"", "th", "funday"} {
		if _, err := ParseWeekday(s); err == nil {
			t.Errorf("ParseWeekday(%q) accepted", s)
		}
	}
	if h, m, err := ParseClock("9:05"); err != nil || h != 9 || m != 5 {
		t.Errorf("ParseClock(9:05) = %d %d %v", h, m, err)
	}
	for _, s := range []string{"24:00", "9", "9:5", "09:60", "nine"} {
		if _, _, err := ParseClock(s); err == nil {
			t.Errorf("ParseClock(%q) accepted", s)
		}
	}
}
