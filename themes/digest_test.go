package themes_test

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"whatmatters/flows"
	"whatmatters/storage"
	"whatmatters/storage/storagetest"
	"whatmatters/themes"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// digestNow is the end of the golden digest's week: Monday 23 November
// 2026, 09:00 in London.
var digestNow = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)

// seed is one answer of the golden team, with its codes given by hand, so
// the golden digest tests the digest, not the coder's tuning.
type seed struct {
	caseLabel, author, discipline, stage, text string
	daysAgo                                    int
	codes                                      flows.Codes
}

func codes(rel, sto, com, ant flows.Label, caps []string, phrases ...string) flows.Codes {
	c := flows.Codes{Relationships: rel, Stories: sto, Community: com, Anticipation: ant, Capabilities: caps, Coder: "offline", Version: "test"}
	for i := 0; i+1 < len(phrases); i += 2 {
		// "@ID:words" is a catalogue theme carried by words; anything else
		// a key phrase.
		if id, words, ok := strings.Cut(strings.TrimPrefix(phrases[i], "@"), ":"); ok && strings.HasPrefix(phrases[i], "@") {
			c.Phrases = append(c.Phrases, flows.Phrase{Phrase: words, Key: id, Theme: id, Quote: phrases[i+1]})
			continue
		}
		c.Phrases = append(c.Phrases, flows.Phrase{Phrase: phrases[i], Key: themes.PhraseKey(phrases[i]), Quote: phrases[i+1]})
	}
	return c
}

const T, A, N = flows.Toward, flows.Away, flows.None

var goldenSeeds = []seed{
	{"Kestrel", "U1", "district nurse", "looking_ahead", "JIC meds in before the weekend and the OOH handover sent.", 2,
		codes(N, A, A, T, []string{"anticipate"}, "@jic_meds:JIC meds", "JIC meds in before the weekend and the OOH handover sent.")},
	{"Heron", "U2", "GP", "what_happened", "Called out Saturday night, no JIC meds in the house, ended up in ED.", 3,
		codes(A, A, A, A, []string{"comfort"}, "@jic_meds:JIC meds", "Called out Saturday night, no JIC meds in the house, ended up in ED.")},
	// Faith in two cases, but from one person: it does not recur.
	{"Rowan", "U3", "chaplain", "whos_around", "Her church friends take turns to sit with her, and the choir came to sing.", 4,
		codes(T, T, T, N, []string{"live_well", "those_close"}, "@faith_spiritual:church friends", "Her church friends take turns to sit with her, and the choir came to sing.")},
	{"Heron", "U3", "chaplain", "whos_around", "His church friends bring the paper round every morning.", 5,
		codes(T, N, T, N, []string{"live_well"}, "@faith_spiritual:church friends", "His church friends bring the paper round every morning.")},
	{"Wren", "U4", "social worker", "those_close", "Husband exhausted, night sitting twice a week now.", 1,
		codes(T, A, A, N, []string{"those_close"}, "@carer_strain:Husband exhausted", "Husband exhausted, night sitting twice a week now.")},
	{"Kestrel", "U5", "District Nurse", "those_close", "Wife shattered (up three times a night, every night).", 2,
		codes(T, A, N, N, []string{"those_close"}, "@carer_strain:Wife shattered", "Wife shattered (up three times a night, every night).")},
	// A check-in about Kestrel counts toward Kestrel, not as a case of its
	// own; and a phrase outside the catalogue recurs as emerging.
	{"Kestrel", "U2", "GP", "on_your_mind", "Key safe code still not on the system for the night team.", 1,
		codes(N, A, A, A, nil, "key safe code", "Key safe code still not on the system for the night team.")},
	{"Wren", "U4", "social worker", "looking_ahead", "Key safe code to go to the DNs.", 1,
		codes(N, A, A, T, []string{"anticipate"}, "key safe code", "Key safe code to go to the DNs.")},
	{"Wren", "UQUIET", "HCA", "what_matters", "She wants to see the allotment one more time.", 1,
		codes(N, N, N, N, []string{"what_matters", "live_well"}, "@everyday_pleasures:allotment", "She wants to see the allotment one more time.")},
	// Four weeks before: for the comparison.
	{"Alder", "U1", "district nurse", "what_happened", "Admitted via ED Friday, home Monday.", 10,
		codes(A, A, A, A, nil, "ed friday", "Admitted via ED Friday")},
	{"Alder", "U2", "GP", "looking_ahead", "Monitor, review prn.", 12,
		codes(N, A, A, A, nil)},
}

// goldenTeam stores the seeds, with their codes, in a fresh database.
func goldenTeam(t *testing.T, db *storage.DB) {
	t.Helper()
	ctx := context.Background()
	if _, err := db.EnsureTeam(ctx, flows.Team{ID: "TG", Name: "Golden Team", Timezone: "Europe/London", CreatedAt: digestNow.AddDate(0, 0, -60)}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SaveMember(ctx, flows.Member{TeamID: "TG", UserID: "UQUIET", NoQuotes: true}); err != nil {
		t.Fatal(err)
	}
	cases := map[string]int64{}
	for i, sd := range goldenSeeds {
		id, ok := cases[sd.caseLabel]
		if !ok {
			c, err := db.CreateCase(ctx, flows.Case{TeamID: "TG", Label: sd.caseLabel})
			if err != nil {
				t.Fatal(err)
			}
			id, cases[sd.caseLabel] = c.ID, c.ID
		}
		at := digestNow.AddDate(0, 0, -sd.daysAgo)
		r, err := db.CreateReflection(ctx, flows.Reflection{TeamID: "TG", CaseID: id, Template: "case", Status: flows.StatusComplete,
			Channel: "CTEAM", Thread: fmt.Sprintf("t%d", i), StartedBy: sd.author, CreatedAt: at, UpdatedAt: at, LastActivityAt: at, ClosedAt: at})
		if err != nil {
			t.Fatal(err)
		}
		a, err := db.AddAnswer(ctx, flows.Answer{ReflectionID: r.ID, TeamID: "TG", Stage: sd.stage, Author: sd.author,
			Discipline: sd.discipline, Text: sd.text, CreatedAt: at})
		if err != nil {
			t.Fatal(err)
		}
		if err := db.SaveCodes(ctx, a.ID, flows.TextHash(a.Text), sd.codes); err != nil {
			t.Fatal(err)
		}
	}
}

// plain renders a reply as text for the golden file.
func plain(r flows.Reply) string {
	var b strings.Builder
	b.WriteString(r.Title + "\n")
	for _, p := range r.Parts {
		if p.Label != "" {
			b.WriteString("## " + p.Label + "\n")
		}
		if p.Quote {
			fmt.Fprintf(&b, "> %s (%s)\n", p.Text, p.By)
			continue
		}
		b.WriteString(p.Text + "\n")
	}
	return b.String()
}

func TestDigestGolden(t *testing.T) {
	db := storagetest.SQLite(t)
	goldenTeam(t, db)
	d, err := themes.BuildDigest(context.Background(), db, themes.DigestOptions{TeamID: "TG", Weeks: 1, Now: digestNow})
	if err != nil {
		t.Fatal(err)
	}
	got := plain(flows.DigestReply(d, "CLEADS", nil))
	const path = "testdata/digest.golden"
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./themes -run TestDigestGolden -update to write it)", err)
	}
	if got != string(want) {
		t.Errorf("digest differs from %s:\n--- got ---\n%s\n--- want ---\n%s", path, got, want)
	}
	// Whatever the wording, these hold: two cases from two people each
	// (faith, two cases from one person, does not recur); the check-in on
	// Kestrel counts toward Kestrel; district nurses (two of them) are
	// named, the one GP and the one social worker are not.
	if len(d.Recurring) != 2 || d.Recurring[0].Cases != 2 || d.Recurring[1].Cases != 2 {
		t.Errorf("recurring = %+v; want carer strain and JIC meds, two cases each", d.Recurring)
	}
	if d.Cases != 4 {
		t.Errorf("cases = %d, want 4 (Kestrel, Heron, Rowan, Wren)", d.Cases)
	}
	if len(d.Emerging) != 1 || d.Emerging[0].Label != "key safe code" || d.Emerging[0].Cases != 2 {
		t.Errorf("emerging = %+v, want the key safe code in two cases", d.Emerging)
	}
	for _, th := range d.Recurring {
		for _, q := range th.Quotes {
			if want := map[string]string{"district nurse": "district nurse", "District Nurse": "district nurse"}[q.Discipline]; q.Discipline != "a team member" && want == "" {
				t.Errorf("quote attributed to %q, who is the only one of that discipline", q.Discipline)
			}
		}
	}
	if strings.Contains(got, "allotment one more time") {
		t.Error("quoted someone who said quotes off")
	}
	if d.Disciplines == nil {
		t.Error("five people contributed: the disciplines should be shown")
	}
	for _, th := range append(d.Recurring, d.Emerging...) {
		for _, q := range th.Quotes {
			found := false
			for _, sd := range goldenSeeds {
				found = found || strings.Contains(sd.text, q.Text)
			}
			if !found {
				t.Errorf("quote %q is not word for word in any answer", q.Text)
			}
		}
	}
}

// A quote from a private channel is not shown in a digest posted to
// another channel, but is in its own.
func TestDigestReplyHidesQuotesWhereNotVisible(t *testing.T) {
	db := storagetest.SQLite(t)
	goldenTeam(t, db)
	d, err := themes.BuildDigest(context.Background(), db, themes.DigestOptions{TeamID: "TG", Weeks: 1, Now: digestNow})
	if err != nil {
		t.Fatal(err)
	}
	hidden := plain(flows.DigestReply(d, "CLEADS", func(q flows.Quote) bool { return q.Channel != "CTEAM" }))
	if strings.Contains(hidden, "> ") {
		t.Errorf("quotes shown though none may be:\n%s", hidden)
	}
	if !strings.Contains(hidden, "Just-in-case medicines ready in time: in 2 cases") {
		t.Errorf("themes should still be listed without their quotes:\n%s", hidden)
	}
}

// A digest for a channel draws only on the answers that channel may show:
// no theme, emerging phrase, quote or count comes from a channel it may
// not, whatever the phrases' words.
func TestDigestDrawsOnlyOnChannelsShown(t *testing.T) {
	db := storagetest.SQLite(t)
	goldenTeam(t, db)
	all, err := themes.BuildDigest(context.Background(), db, themes.DigestOptions{TeamID: "TG", Weeks: 1, Now: digestNow})
	if err != nil {
		t.Fatal(err)
	}
	if len(all.Emerging) == 0 || all.Answers == 0 {
		t.Fatalf("the golden team's digest has %d answers and %d emerging themes", all.Answers, len(all.Emerging))
	}
	// Every golden answer is in CTEAM; a channel that may not show CTEAM
	// sees nothing of it.
	d, err := themes.BuildDigest(context.Background(), db, themes.DigestOptions{TeamID: "TG", Weeks: 1, Now: digestNow,
		Shown: func(ch string) bool { return ch != "CTEAM" }})
	if err != nil {
		t.Fatal(err)
	}
	text := plain(flows.DigestReply(d, "CLEADS", nil))
	if d.Answers != 0 || len(d.Recurring) != 0 || len(d.Emerging) != 0 || strings.Contains(text, "key safe") || strings.Contains(text, "shattered") {
		t.Errorf("a digest that may not show CTEAM drew on it: %d answers, %d recurring, %d emerging\n%s", d.Answers, len(d.Recurring), len(d.Emerging), text)
	}
}

func TestQuietWeekDigest(t *testing.T) {
	db := storagetest.SQLite(t)
	goldenTeam(t, db)
	d, err := themes.BuildDigest(context.Background(), db, themes.DigestOptions{TeamID: "TG", Weeks: 1, Now: digestNow.AddDate(0, 0, 30)})
	if err != nil {
		t.Fatal(err)
	}
	got := plain(flows.DigestReply(d, "CLEADS", nil))
	if !d.Empty() || !strings.Contains(got, "A quiet week") || d.Question == "" {
		t.Errorf("quiet week digest:\n%s", got)
	}
	if _, err := themes.BuildDigest(context.Background(), db, themes.DigestOptions{TeamID: "TNONE", Now: digestNow}); err == nil {
		t.Error("a digest for a team that does not exist should fail")
	}
}

// seedDigest10k fills a SQLite database with 10,000 coded answers (the
// offline coder's codes on the tuning set's texts), 500 cases over twelve
// weeks, for the digest benchmarks; it returns the database and the time
// the weeks end.
func seedDigest10k(b *testing.B) (*storage.DB, time.Time) {
	db := storagetest.SQLite(b)
	ctx := context.Background()
	if _, err := db.EnsureTeam(ctx, flows.Team{ID: "TB", Timezone: "Europe/London"}); err != nil {
		b.Fatal(err)
	}
	f, err := os.Open("testdata/codes_tune.jsonl")
	if err != nil {
		b.Fatal(err)
	}
	gold, err := themes.LoadGold(f)
	f.Close()
	if err != nil {
		b.Fatal(err)
	}
	off := themes.NewOffline()
	now := digestNow
	err = db.InTx(ctx, func(s flows.Store) error {
		for c := 0; c < 500; c++ {
			cs, err := s.CreateCase(ctx, flows.Case{TeamID: "TB", Label: fmt.Sprintf("Case%d", c)})
			if err != nil {
				return err
			}
			at := now.Add(-time.Duration(c) * 12 * 7 * 24 * time.Hour / 500)
			r, err := s.CreateReflection(ctx, flows.Reflection{TeamID: "TB", CaseID: cs.ID, Template: "case", Status: flows.StatusComplete,
				Channel: "C1", StartedBy: "U1", CreatedAt: at, UpdatedAt: at, LastActivityAt: at})
			if err != nil {
				return err
			}
			for i := 0; i < 20; i++ {
				g := gold[(c*20+i)%len(gold)]
				a, err := s.AddAnswer(ctx, flows.Answer{ReflectionID: r.ID, TeamID: "TB", Stage: g.Stage, Author: fmt.Sprintf("U%d", i%12),
					Discipline: "nurse", Text: g.Text, CreatedAt: at})
				if err != nil {
					return err
				}
				codes, _ := off.Code(ctx, flows.CodeInput{Template: g.Template, Stage: g.Stage, Text: g.Text})
				if err := s.SaveCodes(ctx, a.ID, flows.TextHash(a.Text), codes); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return db, now
}

// BenchmarkDigest10k builds a digest over 10,000 coded answers (the
// offline coder's codes), 500 cases over twelve weeks.
func BenchmarkDigest10k(b *testing.B) {
	db, now := seedDigest10k(b)
	ctx := context.Background()
	// One digest first, so that the tables a running process loads once
	// (the synonyms, the clinical words) are not counted against every
	// digest when the loop runs only a few times.
	if _, err := themes.BuildDigest(ctx, db, themes.DigestOptions{TeamID: "TB", Weeks: 12, Now: now.Add(time.Hour)}); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		d, err := themes.BuildDigest(ctx, db, themes.DigestOptions{TeamID: "TB", Weeks: 12, Now: now.Add(time.Hour)})
		if err != nil {
			b.Fatal(err)
		}
		if d.Answers != 10000 {
			b.Fatalf("digest read %d answers, want 10000", d.Answers)
		}
	}
}
