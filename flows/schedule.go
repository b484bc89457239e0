package flows

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ParseClock reads a time of day, "9:30" or "09:30" (24-hour), into hours
// and minutes.
func ParseClock(s string) (hour, minute int, err error) {
	h, m, ok := strings.Cut(strings.TrimSpace(s), ":")
	if ok {
		hour, err = strconv.Atoi(h)
		if err == nil {
			minute, err = strconv.Atoi(m)
		}
	}
	if !ok || err != nil || len(m) != 2 || hour < 0 || hour > 23 || minute < 0 || minute > 59 {
		return 0, 0, fmt.Errorf("%w: %q is not a time of day like 09:30", ErrInvalid, s)
	}
	return hour, minute, nil
}

// ParseWeekday reads a day name in English, whole or shortened to three
// letters or more ("thu", "Thursday").
func ParseWeekday(s string) (time.Weekday, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if len(s) >= 3 {
		for d := time.Sunday; d <= time.Saturday; d++ {
			if strings.HasPrefix(strings.ToLower(d.String()), s) {
				return d, nil
			}
		}
	}
	return 0, fmt.Errorf("%w: %q is not a day of the week", ErrInvalid, s)
}

// occurrence is the weekly time on the given local date.
func occurrence(loc *time.Location, y int, m time.Month, d, hour, minute int) time.Time {
	// time.Date resolves a wall time that a daylight-saving change skips
	// (01:30 on the spring-forward night in London) to one side of the
	// gap, and a repeated one (01:30 on the autumn night) to the first.
	return time.Date(y, m, d, hour, minute, 0, 0, loc)
}

// NextWeekly returns the first time after `after` that falls on the given
// weekday at the given wall-clock time in loc. Being computed from the
// local calendar, it stays at the same local time across daylight-saving
// changes.
func NextWeekly(loc *time.Location, day time.Weekday, clock string, after time.Time) (time.Time, error) {
	hour, minute, err := ParseClock(clock)
	if err != nil {
		return time.Time{}, err
	}
	local := after.In(loc)
	for i := 0; i <= 7; i++ {
		d := local.AddDate(0, 0, i)
		if d.Weekday() != day {
			continue
		}
		t := occurrence(loc, d.Year(), d.Month(), d.Day(), hour, minute)
		if t.After(after) {
			return t, nil
		}
	}
	// Only reached when the time today has passed and today is the day.
	d := local.AddDate(0, 0, 7)
	return occurrence(loc, d.Year(), d.Month(), d.Day(), hour, minute), nil
}

// PrevWeekly returns the last time at or before `at` that falls on the
// given weekday at the given wall-clock time in loc.
func PrevWeekly(loc *time.Location, day time.Weekday, clock string, at time.Time) (time.Time, error) {
	hour, minute, err := ParseClock(clock)
	if err != nil {
		return time.Time{}, err
	}
	local := at.In(loc)
	for i := 0; i <= 7; i++ {
		d := local.AddDate(0, 0, -i)
		if d.Weekday() != day {
			continue
		}
		t := occurrence(loc, d.Year(), d.Month(), d.Day(), hour, minute)
		if !t.After(at) {
			return t, nil
		}
	}
	d := local.AddDate(0, 0, -7)
	return occurrence(loc, d.Year(), d.Month(), d.Day(), hour, minute), nil
}
