package main

import (
	"encoding/json"
	"strings"
	"testing"

	"whatmatters/prompts"
)

// prefixOnly ends a wanted message of which only the start is checked.
const prefixOnly = "…"

// TestParseDemoRejectsBadData changes the embedded demo data one mistake at
// a time and checks that parseDemo refuses each with the message that names
// it, so that the checks stay as they are when parseDemo is rearranged.
func TestParseDemoRejectsBadData(t *testing.T) {
	templates, err := prompts.Load()
	if err != nil {
		t.Fatal(err)
	}
	base, err := parseDemo(demoData, templates)
	if err != nil {
		t.Fatal(err)
	}
	// copyDemo is a deep copy of base, through JSON.
	copyDemo := func() demoFile {
		b, err := json.Marshal(base)
		if err != nil {
			t.Fatal(err)
		}
		var f demoFile
		if err := json.Unmarshal(b, &f); err != nil {
			t.Fatal(err)
		}
		return f
	}
	// A reflection with a case and one without, for the changes below.
	caseRef, noCaseRef := -1, -1
	for i, r := range base.Reflections {
		if r.Case != "" && caseRef < 0 {
			caseRef = i
		}
		if r.Case == "" && noCaseRef < 0 {
			noCaseRef = i
		}
	}
	if caseRef != 1 || noCaseRef != 0 {
		t.Fatalf("the demo data's first reflections are %d (no case) and %d (a case); the messages below assume 0 and 1", noCaseRef, caseRef)
	}
	for _, tc := range []struct {
		name   string
		change func(f *demoFile)
		want   string
	}{
		{"team id", func(f *demoFile) { f.Team.ID = "T1" }, "demo data: the team must be TDEMO and have a name"},
		{"team name", func(f *demoFile) { f.Team.Name = "" }, "demo data: the team must be TDEMO and have a name"},
		{"timezone", func(f *demoFile) { f.Team.Timezone = "Mars/Olympus" }, `demo data: timezone "Mars/Olympus": unknown time zone Mars/Olympus`},
		{"no timezone", func(f *demoFile) { f.Team.Timezone = "" }, `demo data: timezone "": <nil>`},
		{"member id", func(f *demoFile) { f.Members[1].User = "" }, `demo data: member "" needs a unique id and a discipline`},
		{"member discipline", func(f *demoFile) { f.Members[1].Discipline = "" }, `demo data: member "UDEMO02" needs a unique id and a discipline`},
		{"member twice", func(f *demoFile) { f.Members[2].User = f.Members[1].User }, `demo data: member "UDEMO02" needs a unique id and a discipline`},
		{"empty case", func(f *demoFile) { f.Cases[0] = "" }, `demo data: case "" is empty or repeated`},
		{"case twice", func(f *demoFile) { f.Cases[1] = f.Cases[0] }, `demo data: case "Kestrel" is empty or repeated`},
		{"day", func(f *demoFile) { f.Reflections[1].Day = "Someday" }, `demo data: reflection 2: week 7, day "Someday", hour 13`},
		{"week before", func(f *demoFile) { f.Reflections[1].Week = -1 }, `demo data: reflection 2: week -1, day "Tue", hour 13`},
		{"week after", func(f *demoFile) { f.Reflections[1].Week = demoWeeks }, `demo data: reflection 2: week 8, day "Tue", hour 13`},
		{"hour", func(f *demoFile) { f.Reflections[1].Hour = 24 }, `demo data: reflection 2: week 7, day "Tue", hour 24`},
		{"negative hour", func(f *demoFile) { f.Reflections[1].Hour = -1 }, `demo data: reflection 2: week 7, day "Tue", hour -1`},
		{"template", func(f *demoFile) { f.Reflections[1].Template = "nope" }, `demo data: reflection 2: no template "nope"`},
		{"case missing", func(f *demoFile) { f.Reflections[1].Case = "" }, `demo data: reflection 2: case "" does not fit template case`},
		{"case not needed", func(f *demoFile) { f.Reflections[0].Case = "Kestrel" }, `demo data: reflection 1: case "Kestrel" does not fit template check_in`},
		{"unknown case", func(f *demoFile) { f.Reflections[1].Case = "Nobody" }, `demo data: reflection 2: case "Nobody" does not fit template case`},
		{"no answers", func(f *demoFile) { f.Reflections[1].Answers = nil }, `demo data: reflection 2 has no answers`},
		{"stage", func(f *demoFile) { f.Reflections[1].Answers[0].Stage = "nope" }, `demo data: reflection 2, answer 1: stage "nope", by "UDEMO01", minute 5`},
		{"author", func(f *demoFile) { f.Reflections[1].Answers[0].By = "UNOBODY" }, `demo data: reflection 2, answer 1: stage "what_matters", by "UNOBODY", minute 5`},
		{"minute 0", func(f *demoFile) { f.Reflections[1].Answers[0].Min = 0 }, `demo data: reflection 2, answer 1: stage "what_matters", by "UDEMO01", minute 0`},
		{"minutes out of order", func(f *demoFile) { f.Reflections[1].Answers[1].Min = 1 }, `demo data: reflection 2, answer 2: stage "` + base.Reflections[1].Answers[1].Stage + `", by "` + base.Reflections[1].Answers[1].By + `", minute 1`},
		{"empty text", func(f *demoFile) { f.Reflections[1].Answers[0].Text = " \n " }, `demo data: reflection 2, answer 1: stage "what_matters", by "UDEMO01", minute 5`},
		{"into next week", func(f *demoFile) { f.Reflections[1].Day, f.Reflections[1].Hour = "Sun", 23 }, `demo data: reflection 2 runs into the next week`},
		{"outcome case", func(f *demoFile) { f.Outcomes[0].Case = "Nobody" }, `demo data: outcome 1: case "Nobody", week 0`},
		{"outcome twice", func(f *demoFile) { f.Outcomes[1].Case = f.Outcomes[0].Case }, `demo data: outcome 2: case "Birch", week 1`},
		{"outcome week before", func(f *demoFile) { f.Outcomes[0].Week = -1 }, `demo data: outcome 1: case "Birch", week -1`},
		{"outcome week after", func(f *demoFile) { f.Outcomes[0].Week = demoOutcomeWeeks }, `demo data: outcome 1: case "Birch", week 26`},
		{"outcome without a story", func(f *demoFile) { f.Cases = append(f.Cases, "Gannet"); f.Outcomes[0].Case = "Gannet" }, `demo data: outcome 1: case "Gannet" has no reflection but died in week 0, inside the demo's weeks`},
		// The message goes on to list the facts flows knows.
		{"outcome fact", func(f *demoFile) { f.Outcomes[0].Facts["nope"] = "yes" }, `demo data: outcome 1 (Birch): nope: invalid: there is no fact "nope" in an outcome record;` + prefixOnly},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := copyDemo()
			tc.change(&f)
			b, err := json.Marshal(f)
			if err != nil {
				t.Fatal(err)
			}
			_, err = parseDemo(b, templates)
			want, prefix := strings.CutSuffix(tc.want, prefixOnly)
			if err == nil || err.Error() != want && !(prefix && strings.HasPrefix(err.Error(), want)) {
				t.Errorf("parseDemo = %v, want %s", err, tc.want)
			}
		})
	}
	t.Run("unknown field", func(t *testing.T) {
		_, err := parseDemo([]byte(`{"team": {"id": "TDEMO"}, "colour": "blue"}`), templates)
		if want := `reading the demo data: json: unknown field "colour"`; err == nil || err.Error() != want {
			t.Errorf("parseDemo = %v, want %s", err, want)
		}
	})
	t.Run("unchanged", func(t *testing.T) {
		b, err := json.Marshal(copyDemo())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := parseDemo(b, templates); err != nil {
			t.Errorf("parseDemo of the data written back = %v", err)
		}
	})
}
