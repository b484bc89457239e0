package themes

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"whatmatters/flows"
)

// conceptSet is a labelled set of reflections for the theme finder
// (themes/testdata/concepts_*.json): each answer with the catalogue themes
// it is really about, and the recurring concepts outside the catalogue.
type conceptSet struct {
	Name    string          `json:"name"`
	Note    string          `json:"note"`
	Answers []conceptAnswer `json:"answers"`
}

// conceptAnswer is one labelled answer of a conceptSet.
type conceptAnswer struct {
	ID         string   `json:"id"`
	Case       string   `json:"case"`
	Reflection int64    `json:"reflection"`
	Template   string   `json:"template"`
	Stage      string   `json:"stage"`
	Author     string   `json:"author"`
	Discipline string   `json:"discipline"`
	Week       int      `json:"week"`
	Text       string   `json:"text"`
	Themes     []string `json:"themes"`
	New        []string `json:"new"`
}

// readConceptSet reads a labelled set.
func readConceptSet(t *testing.T, file string) conceptSet {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var set conceptSet
	if err := json.Unmarshal(data, &set); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return set
}

// setAnswerText is an answer's text as it is stored: scrubbed of identifiers,
// its case's pseudonym kept.
func setAnswerText(t *testing.T, a conceptAnswer) string {
	t.Helper()
	if a.Case == "" {
		return asStored(t, a.Text)
	}
	return asStored(t, a.Text, a.Case)
}

// conceptScore is how the theme finder did on a set.
type conceptScore struct {
	gold3, found3                int            // gold recurring in three cases or more; of those, found
	top5Right, top5              int            // of the themes a digest's text shows with quotes (at most five), gold recurring
	goldRecurring, found         int            // catalogue concepts recurring in the gold labels; of those, found recurring
	missed, spurious             []string       // gold recurring not found; found recurring that are not gold recurring
	goldIDs, foundIDs            []string       // the gold recurring concepts; the catalogue themes found recurring
	subjectCases                 map[string]int // of each theme found recurring, the cases it is the subject of
	evidence, evidenceRight      int            // answers given as evidence of found gold-recurring themes; of those, labelled with it
	answerTP, answerFP, answerFN int            // per answer and theme
	goldNew, emerging            int
	emergingLabels               []string
	wrongEvidence                []string // a sample, for reading
}

func (s conceptScore) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "recurring concepts found: %d of %d (%.0f%%); of those in three cases or more, %d of %d\n", s.found, s.goldRecurring, pct(s.found, s.goldRecurring), s.found3, s.gold3)
	fmt.Fprintf(&b, "evidence about its concept: %d of %d answers (%.0f%%)\n", s.evidenceRight, s.evidence, pct(s.evidenceRight, s.evidence))
	fmt.Fprintf(&b, "spurious recurring themes: %d %v; of the %d a digest's text shows with quotes, %d\n", len(s.spurious), s.spurious, s.top5, s.top5-s.top5Right)
	fmt.Fprintf(&b, "missed: %v\n", s.missed)
	p, r := pct(s.answerTP, s.answerTP+s.answerFP), pct(s.answerTP, s.answerTP+s.answerFN)
	fmt.Fprintf(&b, "per answer: precision %.0f%%, recall %.0f%% (%d right, %d wrong, %d missed)\n", p, r, s.answerTP, s.answerFP, s.answerFN)
	fmt.Fprintf(&b, "emerging themes shown: %d %q (recurring concepts outside the catalogue in the labels: %d)\n", s.emerging, s.emergingLabels, s.goldNew)
	return b.String()
}

func pct(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return 100 * float64(a) / float64(b)
}

// scoreConcepts codes a set with the offline coder, finds its themes as a
// digest does (every answer, one period), and compares them with the
// labels.
func scoreConcepts(t *testing.T, file string) conceptScore {
	t.Helper()
	return scoreConceptsWith(t, file, NewOffline())
}

// scoreConceptsWith scores the theme finder of the offline coder off.
func scoreConceptsWith(t *testing.T, file string, off *Offline) conceptScore {
	t.Helper()
	return scoreConceptSet(t, readConceptSet(t, file), off)
}

// scoreConceptSet scores the theme finder of the offline coder off on a
// labelled set.
func scoreConceptSet(t *testing.T, set conceptSet, off *Offline) conceptScore {
	t.Helper()
	cat := off.Catalogue()
	caseIDs := map[string]int64{}
	gold := map[int64][]string{}
	var period []flows.CodedAnswer
	base := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	avoid := map[string]bool{}
	for i, a := range set.Answers {
		var caseID int64
		if a.Case != "" {
			if caseIDs[a.Case] == 0 {
				caseIDs[a.Case] = int64(len(caseIDs) + 1)
			}
			caseID = caseIDs[a.Case]
			avoid[strings.ToLower(a.Case)] = true
		}
		text := setAnswerText(t, a)
		c, err := off.Code(context.Background(), flows.CodeInput{Template: a.Template, Stage: a.Stage, Text: text})
		if err != nil {
			t.Fatal(err)
		}
		id := int64(i + 1)
		gold[id] = a.Themes
		period = append(period, flows.CodedAnswer{
			Answer: flows.Answer{ID: id, ReflectionID: a.Reflection, Stage: a.Stage, Author: a.Author,
				Discipline: a.Discipline, Text: text, CreatedAt: base.AddDate(0, 0, -7*a.Week)},
			CaseID: caseID, Template: a.Template, Codes: &c})
	}
	// The gold recurring concepts, by the digest's own rule.
	type ev struct {
		cases  map[caseKey]bool
		people map[string]bool
	}
	goldEv := map[string]*ev{}
	for i := range period {
		a := &period[i]
		labels := append(slices.Clone(gold[a.ID]), prefixed("new:", set.Answers[i].New)...)
		for _, th := range labels {
			e := goldEv[th]
			if e == nil {
				e = &ev{map[caseKey]bool{}, map[string]bool{}}
				goldEv[th] = e
			}
			e.cases[caseOf(a)] = true
			e.people[a.Author] = true
		}
	}
	goldRec := map[string]bool{}
	gold3 := map[string]bool{}
	var s conceptScore
	for th, e := range goldEv {
		if len(e.cases) >= 2 && len(e.people) >= 2 {
			if strings.HasPrefix(th, "new:") {
				s.goldNew++
				continue
			}
			goldRec[th] = true
			if len(e.cases) >= 3 {
				gold3[th] = true
			}
		}
	}
	f := themeFinder{cat: cat, period: period, noQuotes: map[string]bool{}, attribute: attribution(period), avoid: avoid}
	rec, emg, _ := f.find(context.Background())
	checkCountsFromIDs(t, period, append(slices.Clone(rec), emg...))
	s.goldRecurring = len(goldRec)
	s.gold3 = len(gold3)
	foundRec := map[string]bool{}
	for _, th := range shownWithQuotes(rec) {
		s.top5++
		if goldRec[th.ID] {
			s.top5Right++
		}
	}
	for th := range goldRec {
		s.goldIDs = append(s.goldIDs, th)
	}
	sort.Strings(s.goldIDs)
	s.subjectCases = map[string]int{}
	for _, th := range rec {
		s.foundIDs = append(s.foundIDs, th.ID)
		s.subjectCases[th.ID] = th.SubjectCases
		foundRec[th.ID] = true
		if !goldRec[th.ID] {
			s.spurious = append(s.spurious, th.ID)
			for _, id := range th.AnswerIDs {
				if !slices.Contains(gold[id], th.ID) && len(s.wrongEvidence) < 400 {
					s.wrongEvidence = append(s.wrongEvidence, "SPURIOUS "+th.ID+" ["+carrier(period[id-1], th.ID)+"] ← "+period[id-1].Text)
				}
			}
			continue
		}
		s.found++
		if gold3[th.ID] {
			s.found3++
		}
		for _, id := range th.AnswerIDs {
			s.evidence++
			if slices.Contains(gold[id], th.ID) {
				s.evidenceRight++
			} else if len(s.wrongEvidence) < 400 {
				s.wrongEvidence = append(s.wrongEvidence, th.ID+" ["+carrier(period[id-1], th.ID)+"] ← "+period[id-1].Text)
			}
		}
	}
	for th := range goldRec {
		if !foundRec[th] {
			s.missed = append(s.missed, th)
		}
	}
	sort.Strings(s.missed)
	for _, th := range emg {
		s.emergingLabels = append(s.emergingLabels, th.Label)
	}
	s.emerging = len(emg)
	for i := range period {
		a := &period[i]
		var got []string
		for _, ph := range a.Codes.Phrases {
			if ph.Theme != "" {
				got = append(got, ph.Theme)
			}
		}
		for _, th := range got {
			if slices.Contains(gold[a.ID], th) {
				s.answerTP++
			} else {
				s.answerFP++
			}
		}
		for _, th := range gold[a.ID] {
			if !slices.Contains(got, th) {
				s.answerFN++
				if len(s.wrongEvidence) < 400 {
					s.wrongEvidence = append(s.wrongEvidence, "MISSED "+th+" ← "+a.Text)
				}
			}
		}
	}
	return s
}

// checkCountsFromIDs checks that each theme's counts are those of the
// answers it names, so that a reader of the JSON can count them again: its
// cases and people are those of its evidence and of the answers naming it
// in passing, its subject cases those of the answers of its evidence that
// are about it; and that themes come strongest first.
func checkCountsFromIDs(t *testing.T, period []flows.CodedAnswer, themes []flows.Theme) {
	t.Helper()
	byID := map[int64]*flows.CodedAnswer{}
	for i := range period {
		byID[period[i].ID] = &period[i]
	}
	for k, th := range themes {
		cases, subject, people := map[caseKey]bool{}, map[caseKey]bool{}, map[string]bool{}
		for _, id := range th.AnswerIDs {
			a := byID[id]
			cases[caseOf(a)], people[a.Author] = true, true
			if th.ID == "" || !namedInPassing(a, th.ID) {
				subject[caseOf(a)] = true
			}
		}
		for _, id := range th.PassingAnswerIDs {
			if slices.Contains(th.AnswerIDs, id) {
				t.Errorf("%s: answer %d is both evidence and named in passing", th.Label, id)
			}
			cases[caseOf(byID[id])], people[byID[id].Author] = true, true
		}
		if th.Cases != len(cases) || th.SubjectCases != len(subject) || th.People != len(people) || th.Answers != len(th.AnswerIDs) {
			t.Errorf("%s: cases %d, subject %d, people %d, answers %d; its answers give %d, %d, %d, %d", th.Label,
				th.Cases, th.SubjectCases, th.People, th.Answers, len(cases), len(subject), len(people), len(th.AnswerIDs))
		}
		if k > 0 && themes[k-1].ID != "" && th.ID != "" && themes[k-1].SubjectCases < th.SubjectCases {
			t.Errorf("%s (subject of %d cases) after %s (%d)", th.Label, th.SubjectCases, themes[k-1].Label, themes[k-1].SubjectCases)
		}
	}
}

// shownWithQuotes are the recurring themes a digest's text shows with
// their counts and quotes (flows.DigestReply): the first five of those
// that are the subject of two cases or more, or when none is, the first
// five.
func shownWithQuotes(rec []flows.Theme) []flows.Theme {
	if cut := slices.IndexFunc(rec, func(t flows.Theme) bool { return t.SubjectCases < 2 }); cut > 0 {
		rec = rec[:cut]
	}
	return rec[:min(len(rec), 5)]
}

// namedInPassing reports whether answer a names theme id only in passing.
func namedInPassing(a *flows.CodedAnswer, id string) bool {
	for _, ph := range a.Codes.Phrases {
		if ph.Theme == id {
			return strings.HasPrefix(ph.Key, PassingKey)
		}
	}
	return false
}

func prefixed(p string, xs []string) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = p + x
	}
	return out
}

// tuningSets are the theme finder's tuning sets, each with what it was
// written for, what was measured on it and when, and the floors it is held
// to: a little under what the finder measures now, so that a change that
// makes it worse fails. The held-out sets are scored apart (below) and
// never tuned on. The goals: at least 8 of every 10 recurring concepts
// found, at least 80% of their evidence about them, at most one spurious
// recurring theme. Run one set with
// go test -run 'TestThemeFinderTuningSets/tune6' -v ./themes.
var tuningSets = []struct {
	name, file, label string
	found, evidence   float64
	spurious          int
}{
	// The set the cues were first tuned on.
	// Measured: 28 of 28 found, 91% of evidence, 4 spurious (each a theme
	// the labeller gave one person or one case: hoists and beds, tube
	// feeding, a neighbour, hard conversations). With answers that name a
	// theme in passing left out of its evidence (concepts/passing.go,
	// 2026-12-07): 28 of 28, 92% (178 of 193) -> 96% (159 of 165), 4
	// spurious.
	{"tune", "testdata/concepts_tune.json", "tuning set", 0.95, 0.94, 5},
	// The second tuning set,
	// written to hold answers that name a theme's words in passing while they
	// are about something else; the cues were fitted to it.
	// Measured when weak cues came in (2026-12-07): 20 of 25 found, 85% of
	// evidence (59% before them), 3 spurious. With the cues fitted to the
	// third tuning set: 20 of 25, 84% (102 of 121), 3 spurious. With
	// answers naming a theme in passing left out of its evidence: 20 of
	// 25, 89% (91 of 102), 3 spurious.
	{"tune2", "testdata/concepts_tune2.json", "second tuning set", 0.75, 0.90, 3},
	// The third tuning set,
	// written to hold what the finder was known (in aggregate) to miss: a
	// working life named in passing, family named collectively or by
	// nickname, and services named in passing; the cues may be fitted to it.
	// Measured before any rule was fitted to it (2026-12-07): 29 of 30
	// found (honest_conversations missed), 79% of evidence (117 of 148), no
	// spurious theme; per answer precision 77%, recall 60%. With the cues
	// of concepts/cues.go: 30 of 30, 84% (166 of 198), no spurious theme;
	// per answer precision 82%, recall 85%. With answers naming a theme in
	// passing left out of its evidence: 30 of 30, 88% (142 of 161), none
	// spurious.
	{"tune3", "testdata/concepts_tune3.json", "third tuning set", 0.97, 0.89, 1},
	// The fourth tuning set,
	// written to measure evidence precision: answers that carry the words of
	// several themes while being about one of them.
	// Measured when it was written (2026-12-07), before the mechanism for
	// answers that name a theme in passing: 18 of 20 found (missed:
	// avoiding_admission, independence_control), 55% of evidence (59 of
	// 108), 5 spurious (each a theme named in passing in other cases:
	// pets, out_of_hours, eating_drinking_mouthcare, syringe_driver,
	// advance_care_plan); per answer precision 51%, recall 58%. With it
	// (measured before any cue was fitted to the set): 18 of 20, 64% (54
	// of 85), 5 spurious. No cue has been fitted to it. With the cues
	// fitted to the fifth tuning set (2026-12-07): 19 of 20 (only
	// avoiding_admission missed), 64% (56 of 87), 5 spurious.
	{"tune4", "testdata/concepts_tune4.json", "fourth tuning set", 0.85, 0.74, 5},
	// The fifth tuning set,
	// written for coverage: for each theme, several ways teams say it in
	// shorthand (abbreviations, misspellings, note form, regional words).
	// Measured when it was written (2026-12-07), before any cue was fitted
	// to it: 28 of 35 found (missed: family_conflict,
	// honest_conversations, independence_control, plans_shared,
	// rapid_discharge, staff_support, stopping_treatment), 84% of evidence
	// (75 of 89), no spurious theme; per answer precision 81%, recall 63%.
	// With the cues fitted to it (catalogue.json and concepts/cues.go): 35
	// of 35, 91% (115 of 126), none spurious; per answer precision 86%,
	// recall 93%.
	{"tune5", "testdata/concepts_tune5.json", "fifth tuning set", 0.97, 0.94, 1},
	// The sixth tuning set,
	// written by a new writer for registers the others underuse (ward
	// handover, paramedics, care home notes, Scottish, Welsh and Northern
	// Irish terms), paraphrase, and answers that name a theme's words in
	// passing.
	// Measured when it was written (2026-12-07), before any cue was fitted
	// to it: 29 of 35 found, 70% of evidence (65 of 93), none spurious;
	// per answer precision 64%, recall 48%. With the cues fitted to it: 35
	// of 35, 86% (119 of 139), none spurious; precision 79%, recall 91%.
	{"tune6", "testdata/concepts_tune6.json", "sixth tuning set", 0.97, 0.87, 1},
	// The seventh tuning set,
	// written by a new writer in settings the others underuse (hospice
	// inpatient units, learning disability, dementia care homes, inclusion
	// health, prison, heart failure, COPD, renal and MND care) and in a spread
	// of styles (dictated run-ons, fragments, text-speak, initials for family).
	// Measured when it was written (2026-12-07), before anything was
	// fitted to it: 35 of 35 found, 61% of evidence (90 of 147), none
	// spurious; per answer precision 56%, recall 61%. With the cues of the
	// catalogue before the sixth set's: 34 of 35, 61%, none spurious;
	// precision 54%, recall 55%. After dropping cues that found only wrong
	// answers across the tuning sets, and with a theme said once past the
	// first sentence of an answer naming three themes counted as passing:
	// 35 of 35, 65% (86 of 133), none spurious.
	{"tune7", "testdata/concepts_tune7.json", "seventh tuning set", 0.97, 0.74, 1},
	// The eighth tuning set,
	// written by a new writer for coverage: every theme in three cases or more,
	// each time in other words (paraphrase, regional and colloquial English).
	// Measured when it was written (2026-12-07), before any cue was fitted
	// to it: 29 of 35 found, 71% of evidence (86 of 121), none spurious;
	// per answer precision 68%, recall 41%. With the catalogue as it was
	// at the start of that day (before the sixth set's cues): 27 of 35,
	// 68%, recall 35%. With cues fitted to it, each checked against the
	// other tuning sets and dropped where it found more wrong answers than
	// right there: 35 of 35, 86% (143 of 167), none spurious; precision
	// 79%, recall 81%.
	{"tune8", "testdata/concepts_tune8.json", "eighth tuning set", 0.97, 0.87, 1},
	// The ninth set, a
	// typical team's month written by a new writer to check the finished
	// finder unseen: nothing was fitted to it in the round it was written.
	// Measured when it was written (2026-12-07), nothing fitted to it: 31
	// of 35 found (89%), 67% of evidence (82 of 122), none spurious; per
	// answer precision 64%, recall 61%. With the catalogue as it was at the
	// start of that day: 31 of 35, 68% (77 of 113), precision 66%, recall
	// 58%.
	{"tune9", "testdata/concepts_tune9.json", "ninth set", 0.86, 0.84, 1},
	// A check set, written by a new writer after the ninth set's cues
	// (a hospice and its community's month, some long accounts), to
	// measure the finished finder unseen; nothing fitted to it. Measured
	// once written (2026-12-07): 34 of 35 found (carer_strain missed), 71%
	// of evidence (91 of 128), none spurious; per answer precision 59%,
	// recall 65%. With the catalogue of the day's start: 34 of 35, 72% (93
	// of 130), precision 61%, recall 63%: on this writer the day's cues
	// found a little more at a little less precision.
	{"tune10", "testdata/concepts_tune10.json", "tenth set (a check set)", 0.94, 0.73, 1},
	// The eleventh to thirteenth sets (session 11) were written blind the
	// way a team writes: ten themes recurring, two dozen others each the
	// subject of one case only and named in passing in others. Measured
	// before anything was fitted to them: 10 of 10 found in each, evidence
	// 85%, 67% and 70%, and 15, 24 and 21 spurious themes, nearly all
	// themes named in passing in two cases or more. Then eleven senses they
	// showed were set aside in the catalogue, and the aboutness was refitted
	// with them: evidence 89%, 71% and 73%, spurious 15, 23 and 21.
	{"tune11", "testdata/concepts_tune11.json", "eleventh set (Cornish coast)", 0.9, 0.86, 16},
	{"tune12", "testdata/concepts_tune12.json", "twelfth set (London hospital)", 0.9, 0.68, 24},
	{"tune13", "testdata/concepts_tune13.json", "thirteenth set (Teesside)", 0.9, 0.70, 22},
	// The fourteenth set (session 12), written blind to the original
	// brief (ten themes each said in other words every time, one-offs,
	// sense traps; a Welsh upland community team, concepts_tune14.md).
	// Measured before anything was fitted to it: 9 of 11 found (82%; of
	// the ten planned, 8: just-in-case medicines and continuity missed),
	// 80% of evidence (28 of 35), 15 spurious; per answer precision 61%,
	// recall 39%, the lowest of any set: its writer avoided the
	// catalogue's words. With 25 cues taken from its missed answers, each
	// checked on every other tuning set (TestCueCandidates): 11 of 11, 91%
	// (50 of 55), 15; precision 69%, recall 55%.
	{"tune14", "testdata/concepts_tune14.json", "fourteenth set (Welsh uplands)", 0.9, 0.88, 16},
	// A check set written in session 10 by a new writer, blind to the
	// cues, the rules, the aboutness and every other set (a Fens community
	// team's month; concepts_check1.md), after the aboutness was fitted:
	// nothing was fitted to it and its errors were not read. Measured once
	// written (2026-12-07): 20 of 24 found (83%), 73% of evidence (62 of
	// 85), 6 spurious (eating_drinking_mouthcare, rapid_discharge,
	// symptom_control, practical_affairs, advance_care_plan,
	// children_grandchildren: each a one-off case in this writer's labels,
	// found by the finder in two cases or more); per answer precision 63%,
	// recall 61%. Without the aboutness: the same, 73% (63 of 86). The
	// floors hold these figures; they are not the goals. Session 11,
	// measured once after each of two rounds (errors still not read):
	// check 1 20 of 24, 75% (61 of 81) then 74% (60 of 81), 6 spurious,
	// none among the strongest five (one when ordered by all cases); check
	// 2 21 of 23, 84% (71 of 85) then 84% (72 of 86), 5, none among the
	// strongest five. Session 12, measured once after each of two rounds:
	// unchanged after the first; with the aboutness threshold at 2/3,
	// check 1 20 of 24, 78% (53 of 68), 6; check 2 21 of 23, 86% (69 of
	// 80), 5. With the fourteenth set's cues (measured once after): check 1
	// 77% (54 of 70), check 2 87% (71 of 82), found and spurious as before.
	// Session 13, with the cues for the four themes read worst (measured
	// once after): check 1 21 of 24 (stopping treatment found), 77% (53 of
	// 69), 6; check 2 unchanged.
	{"check1", "testdata/concepts_check1.json", "first check set (blind; no cue, rule or fit has seen it)", 0.80, 0.76, 6},
	// A second check set, by another blind writer (a Northern Irish team's
	// month; concepts_check2.md), written at the end of session 10 and
	// measured once, its errors not read: 21 of 23 found (91%), 82% of
	// evidence (71 of 87; 80%, 71 of 89, without the aboutness), 5
	// spurious (community_groups, advance_care_plan, rapid_discharge,
	// recognising_dying, bereavement_support: one-off cases, or one
	// author's, in the writer's labels); per answer precision 65%, recall
	// 59%.
	{"check2", "testdata/concepts_check2.json", "second check set (blind; no cue, rule or fit has seen it)", 0.90, 0.84, 5},
}

// TestThemeFinderTuningSets scores the finder on each tuning set and holds
// it to the set's floors; run with -v for the figures.
func TestThemeFinderTuningSets(t *testing.T) {
	for _, ts := range tuningSets {
		t.Run(ts.name, func(t *testing.T) {
			s := scoreTuningSet(t, ts.file, ts.label)
			checkConceptFloors(t, s, ts.found, ts.evidence, ts.spurious)
		})
	}
}

// scoreTuningSet scores the finder on a tuning set and logs the figures
// under its name; with WHATMATTERS_SHOW_WRONG set, the evidence that is
// not about its concept too (never for a held-out set: no rule may be
// fitted to those).
func scoreTuningSet(t *testing.T, file, name string) conceptScore {
	t.Helper()
	s := scoreConcepts(t, file)
	t.Logf("%s\n%s", name, s)
	if os.Getenv("WHATMATTERS_SHOW_WRONG") != "" {
		for _, w := range s.wrongEvidence {
			t.Log(w)
		}
	}
	return s
}

// skipHeldOut skips a held-out test when WHATMATTERS_NO_HELDOUT is set, so
// that rules can be worked on with every other test run and the held-out
// sets scored only once, at the end.
func skipHeldOut(t *testing.T) {
	t.Helper()
	if os.Getenv("WHATMATTERS_NO_HELDOUT") != "" {
		t.Skip("WHATMATTERS_NO_HELDOUT is set")
	}
}

// heldOutSets are the theme finder's held-out sets, each written by
// someone who saw no rule, cue or other set and never used to change
// anything, with the floors the finder is held to: a little under what it
// measured when last scored, so that a change that makes it worse fails.
// The floors are not the goals. Each set is scored once at the end of a
// round; its errors are not read.
var heldOutSets = []struct {
	file, name      string
	found, evidence float64
	spurious        int
}{
	// The first, written before any tuning. Measured: 31 of 34 found, 71% of evidence (under the 80% goal), no
	// spurious theme; with weak cues, 72% of evidence. With the cues of
	// concepts/cues.go (fitted to the third tuning set; measured here once
	// after, 2026-12-07): 31 of 34, 72% (158 of 220), no spurious theme.
	// With answers that name a theme in passing left out of its evidence
	// (concepts/passing.go, fitted on the tuning sets; measured here once
	// after, 2026-12-07): 31 of 34, 77% (142 of 184, under the 80% goal),
	// no spurious theme. With the cues fitted to the fifth tuning set
	// (measured here once after, 2026-12-07): 31 of 34, 77% (143 of 185),
	// no spurious theme.
	// At the end of the round that fitted the sixth and eighth tuning
	// sets' cues, with the answers as stored (measured here once after,
	// 2026-12-07): 32 of 34 (94%), 78% (139 of 178), 1 spurious
	// (rapid_discharge). At the end of the second round (the ninth set's
	// cues, a theme said once past the first clause of a crowded answer
	// named in passing; measured here once after): 32 of 34, 78% (138 of
	// 177), 1 spurious. At the end of the third round (eight cues made
	// weak; measured here once after): 32 of 34, 78% (135 of 173), 1
	// spurious. With the fitted aboutness (themes/about.go, fitted to the
	// tuning sets; session 10, measured here once after): 32 of 34, 80.4%
	// (135 of 168: five wrong answers no longer evidence, none right
	// lost), 1 spurious. Session 11 (catalogue look-alikes, the aboutness
	// refitted to thirteen sets; measured here once after): 32 of 34,
	// 81.3% (135 of 166), 1 spurious; none among the strongest five. After
	// its second round (cues from the new sets' missed answers; measured
	// here once after): 32 of 34, 80.8% (135 of 167), 1. Session 12 (nine
	// look-alike senses set aside, the aboutness refitted to them;
	// measured here once after, errors not read): 31 of 34, 80.1% (133 of
	// 166), 1. With the aboutness threshold at 2/3 (measured here once
	// after): 31 of 34, 81.3% (122 of 150), 1. With the fourteenth set's
	// cues (measured here once after): 31 of 34, 82.4% (122 of 148), 1.
	// Session 13, with the cues for the four themes read worst (measured
	// here once after): 31 of 34, 81.9% (122 of 149), 1.
	{"testdata/concepts_heldout.json", "held-out set", 0.9, 0.80, 1},
	// The second, written later by another writer from the catalogue's
	// definitions and the codebook only.
	// Measured the first time it was run (2026-12-07): 23 of 30 found
	// (77%, under the 80% goal), 83% of evidence, 2 spurious (over the
	// goal of at most one). With weak cues (fitted to the second tuning
	// set, measured here once after): 21 of 30 (70%), 86% of evidence, 2
	// spurious: more precise, and two concepts fewer found. With the cues
	// of concepts/cues.go (fitted to the third tuning set; measured here
	// once after, 2026-12-07): 22 of 30 (73%), 87% of evidence (84 of 97),
	// 2 spurious. With answers naming a theme in passing left out of its
	// evidence (measured here once after, 2026-12-07): 22 of 30 (73%, under
	// the goal), 89% (75 of 84), 2 spurious (over the goal). With the cues
	// fitted to the fifth tuning set, written for coverage (measured here
	// once after, 2026-12-07): unchanged, 22 of 30 (73%), 89% (75 of 84),
	// 2 spurious (recognising_dying, capacity_decisions).
	// At the end of the round that fitted the sixth and eighth tuning
	// sets' cues, as stored (measured here once after, 2026-12-07): 23 of
	// 30 (77%, still under the goal), 90% (74 of 82), 2 spurious
	// (recognising_dying, capacity_decisions). At the end of the second
	// round (measured here once after): 23 of 30, 91% (70 of 77), 2
	// spurious. At the end of the third: 23 of 30, 95% (70 of 74), 2.
	// With the fitted aboutness (session 10, measured here once after):
	// 23 of 30, 96% (68 of 71), 2. Session 11 (measured here once after):
	// 23 of 30, 97% (66 of 68), 2; none among the strongest five. After
	// its second round: 23 of 30, 96% (66 of 69), 2. Session 12 (measured
	// here once after each of two rounds): 23 of 30, 96%, 2; then, with the
	// aboutness threshold at 2/3, 23 of 30, 95% (57 of 60), 2; with the
	// fourteenth set's cues, 23 of 30, 95% (58 of 61), 2. Session 13
	// (measured here once after its cues): the same.
	{"testdata/concepts_heldout2.json", "second held-out set", 0.75, 0.94, 2},
	// The third, written on 2026-12-07 (concepts_heldout3.md).
	// Measured the first time it was run, at the end of the round
	// (2026-12-07, answers as stored): 31 of 31 found, 78% of evidence
	// (102 of 131), none spurious. At the end of the second round
	// (measured here once after): 31 of 31, 78% (105 of 135), none. At
	// the end of the third: 31 of 31, 79.5% (105 of 132), none. With the
	// fitted aboutness (session 10, measured here once after): 31 of 31,
	// 79.8% (103 of 129), none: one answer short of 80% of evidence.
	// Session 11 (measured here once after each of two rounds): 31 of 31,
	// 80.5% (103 of 128), none, both times. Session 12: the same after its
	// first round; with the aboutness threshold at 2/3, 31 of 31, 81.2% (95
	// of 117), none; with the fourteenth set's cues, 31 of 31, 80.3% (94
	// of 117), none. Session 13 (measured here once after its cues): 31
	// of 31, 80.9% (93 of 115), none.
	{"testdata/concepts_heldout3.json", "third held-out set", 0.95, 0.80, 1},
	// The fourth, written in session 11 the way the check sets were (ten
	// themes recurring, others each the subject of one case and named in
	// passing in others; concepts_heldout4.md).
	// Measured the first time it was run, at the end of session 11 (its
	// errors not read): 16 of 17 found (of those in three cases or more,
	// 15 of 16), 73% of evidence (57 of 78), 11 spurious, none among the
	// five a digest's text shows; per answer precision 62%, recall 57%.
	// Session 12 (measured here once after each of two rounds): the same
	// after the first; with the aboutness threshold at 2/3, 16 of 17, 76%
	// (47 of 62), 11, none among the five; with the fourteenth set's cues,
	// 16 of 17, 75% (45 of 60), 11. Session 13 (measured here once after
	// its cues): the same.
	{"testdata/concepts_heldout4.json", "fourth held-out set", 0.9, 0.74, 11},
	// The fifth and sixth were written in session 13 to the brief of the
	// first (concepts_heldout5.md, concepts_heldout6.md).
	// Scored once as the finder stood at the end of session 12: 27 of 31
	// found (87%; of those in three cases or more, 23 of 25), 86% of
	// evidence (87 of 101), 2 spurious, none among the five a digest's
	// text shows; per answer precision 69%, recall 59%. The four concepts
	// missed are none of the twelve the writer meant to recur: labelled
	// honestly, they recur too. Scored once more after session 13's 88
	// cues for the four themes read worst on the tuning sets (family
	// conflict, independence, stopping treatment, continuity): 28 of 31
	// (stopping treatment found), 86% (88 of 102), 3 spurious (continuity
	// of care added).
	{"testdata/concepts_heldout5.json", "fifth held-out set (east Lincolnshire coast)", 0.85, 0.84, 3},
	// Written while those cues were chosen (on tuning sets alone) and
	// scored once after them: 23 of 25 found (92%; stopping treatment and
	// staff support missed), 80% of evidence (69 of 86), 3 spurious, none
	// among the five a digest's text shows; per answer precision 66%,
	// recall 59%. Scored with the catalogue before those cues, for
	// comparison: 23 of 25, 81% (70 of 86), the same 3 spurious. The cues
	// did not carry to it.
	{"testdata/concepts_heldout6.json", "sixth held-out set", 0.9, 0.79, 3},
}

func TestThemeFinderHeldOut(t *testing.T) {
	skipHeldOut(t)
	for _, h := range heldOutSets {
		t.Run(h.name, func(t *testing.T) {
			s := scoreConcepts(t, h.file)
			t.Logf("%s\n%s", h.name, s)
			checkConceptFloors(t, s, h.found, h.evidence, h.spurious)
		})
	}
}

func checkConceptFloors(t *testing.T, s conceptScore, found, evidence float64, spurious int) {
	t.Helper()
	if float64(s.found) < found*float64(s.goldRecurring) {
		t.Errorf("found %d of %d recurring concepts, want at least %.0f%%", s.found, s.goldRecurring, 100*found)
	}
	if float64(s.evidenceRight) < evidence*float64(s.evidence) {
		t.Errorf("%d of %d answers of evidence are about their concept, want at least %.0f%%", s.evidenceRight, s.evidence, 100*evidence)
	}
	if len(s.spurious) > spurious {
		t.Errorf("%d spurious recurring themes %v, want at most %d", len(s.spurious), s.spurious, spurious)
	}
}

// carrier is the words that carried a theme in an answer.
func carrier(a flows.CodedAnswer, id string) string {
	for _, ph := range a.Codes.Phrases {
		if ph.Theme == id {
			return ph.Phrase
		}
	}
	return ""
}
