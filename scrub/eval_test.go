package scrub

import (
	"bufio"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
)

// The labelled set's options: a fictional trust's local number formats and
// a team's list of names.
var evalOptions = Options{
	LocalIDPatterns: ParsePatternList(`RBD\d{7}, K\d{6}, UHD\d{8}`),
	Names:           []string{"Edie Lambourne", "Constance", "Walt Orchard", "Pinkney"},
}

// kindCodes maps the labelled set's short codes to kinds.
var kindCodes = map[string]Kind{
	"nhs": NHSNumber, "date": Date, "age": Age, "postcode": Postcode, "phone": Phone,
	"email": Email, "ni": NINumber, "local": LocalID, "name": Name, "bare": Name,
	"chi": CHINumber, "hc": HCNumber, "address": Address, "mention": Mention,
}

// labelled is one paragraph of the labelled set.
type labelled struct {
	line string // file:line
	text string
	gold []span // identifiers to remove
	bare []bool // per gold span: a name with no cue ("bare" in the file)
	keep []span // text that must be left alone (kind "")
}

var markerRE = regexp.MustCompile(`\{\{(\w+):(.*?)\}\}`)

// labelledFiles are the labelled sets the rules were written and tuned on,
// in the format described at the top of testdata/labelled.txt.
var labelledFiles = []string{"testdata/labelled.txt", "testdata/labelled_mixed.txt", "testdata/labelled_lookalikes.txt"}

// tuneFiles are the tuning sets for issue 9 (Slack-style shorthand) and for
// the clinical phrases kept goal (tune_phrases.txt, then tune_styles.txt),
// in the format described at the top of testdata/tune_slack.txt.
var tuneFiles = []string{"testdata/tune_slack.txt", "testdata/tune_phrases.txt", "testdata/tune_styles.txt"}

// heldOutFiles are the held-out sets: written before the rules for issue 9
// and never used to tune them.
var heldOutFiles = []string{"testdata/heldout_slack.txt"}

// loadLabelled reads the original labelled sets.
func loadLabelled(t testing.TB) []labelled {
	t.Helper()
	return loadFiles(t, labelledFiles)
}

// loadFiles reads the labelled sets in paths.
func loadFiles(t testing.TB, paths []string) []labelled {
	t.Helper()
	var out []labelled
	for _, p := range paths {
		out = append(out, loadLabelledFile(t, p)...)
	}
	return out
}

// loadLabelledFile reads one labelled set.
func loadLabelledFile(t testing.TB, path string) []labelled {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []labelled
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		n++
		line := sc.Text()
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		var l labelled
		l.line = fmt.Sprintf("%s:%d", path[len("testdata/"):], n)
		var b strings.Builder
		last := 0
		for _, m := range markerRE.FindAllStringSubmatchIndex(line, -1) {
			b.WriteString(line[last:m[0]])
			code, val := line[m[2]:m[3]], line[m[4]:m[5]]
			start := b.Len()
			b.WriteString(val)
			sp := span{start, b.Len(), ""}
			if code == "keep" {
				l.keep = append(l.keep, sp)
			} else if k, ok := kindCodes[code]; ok {
				sp.kind = k
				l.gold = append(l.gold, sp)
				l.bare = append(l.bare, code == "bare")
			} else {
				t.Fatalf("%s:%d: unknown marker %q", path, n, code)
			}
			last = m[1]
		}
		b.WriteString(line[last:])
		l.text = b.String()
		if strings.Contains(l.text, "{{") {
			t.Fatalf("%s:%d: unbalanced marker", path, n)
		}
		out = append(out, l)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// seg is a stretch of unchanged original text: where it now lies, and
// where it started in the original.
type seg struct{ newStart, newEnd, orig int }

// allSpans runs Scrub's passes like Scrub does and returns every span found,
// mapped back to positions in the original text.
func allSpans(s *Scrubber, text string) []span {
	segs := []seg{{0, len(text), 0}}
	var out []span
	for {
		spans := s.find(text, nil)
		if len(spans) == 0 {
			return out
		}
		for _, sp := range spans {
			for _, g := range segs {
				if sp.start >= g.newStart && sp.end <= g.newEnd {
					out = append(out, span{g.orig + sp.start - g.newStart, g.orig + sp.end - g.newStart, sp.kind})
					break
				}
			}
		}
		// Rebuild the segments for the replaced text.
		var next []seg
		pos, newPos := 0, 0
		for _, sp := range spans {
			if sp.start > pos {
				next = append(next, mapSeg(segs, pos, sp.start, newPos)...)
			}
			newPos += sp.start - pos + len(sp.kind.Placeholder())
			pos = sp.end
		}
		next = append(next, mapSeg(segs, pos, len(text), newPos)...)
		segs = next
		text = replace(text, spans)
	}
}

// mapSeg returns the parts of [from, to) of the current text that are
// unchanged original text, placed at newPos in the next text.
func mapSeg(segs []seg, from, to, newPos int) []seg {
	var out []seg
	for _, g := range segs {
		a, b := max(g.newStart, from), min(g.newEnd, to)
		if a < b {
			out = append(out, seg{newPos + a - from, newPos + b - from, g.orig + a - g.newStart})
		}
	}
	return out
}

func overlaps(a, b span) bool { return a.start < b.end && b.start < a.end }

// covered reports whether g is wholly covered by the union of spans, and
// whether all the covering spans are of g's kind.
func covered(g span, spans []span) (all, typed bool) {
	typed = true
	pos := g.start
	for pos < g.end {
		next := -1
		for _, p := range spans {
			if p.start <= pos && p.end > pos {
				next = p.end
				if p.kind != g.kind {
					typed = false
				}
				break
			}
		}
		if next < 0 {
			return false, false
		}
		pos = next
	}
	return true, typed
}

// A row of the evaluation table: a kind, or one of the two name classes.
const (
	rowNameCued = "name (with a cue)"
	rowNameBare = "name (no cue)"
)

// evalRows are the rows of the evaluation table, in order.
func evalRows() []string {
	var rows []string
	for _, k := range allKinds {
		rows = append(rows, string(k))
		if k == Name {
			rows = append(rows, rowNameCued, rowNameBare)
		}
	}
	return rows
}

// evalCounts are the counts behind one row: gold spans, gold spans wholly
// removed, removed as their own kind, spans removed, and of those the ones
// that overlap a gold span.
type evalCounts struct{ gold, found, typed, pred, tp int }

// evalResult is the scrubber's score on a labelled set.
type evalResult struct {
	rows           map[string]*evalCounts
	keeps, keepHit int
	lines, gold    int
	predAll, tpAll int
	problems       []string
}

func (r evalResult) recall(row string) float64 {
	c := r.rows[row]
	return ratio(c.found, c.gold)
}

func (r evalResult) precision(row string) float64 {
	c := r.rows[row]
	return ratio(c.tp, c.pred)
}

// evaluate scrubs every paragraph of set and scores the result.
func evaluate(s *Scrubber, set []labelled) evalResult {
	r := evalResult{rows: map[string]*evalCounts{}}
	for _, row := range evalRows() {
		r.rows[row] = &evalCounts{}
	}
	for _, l := range set {
		r.lines++
		pred := allSpans(s, l.text)
		for gi, g := range l.gold {
			rows := []*evalCounts{r.rows[string(g.kind)]}
			if g.kind == Name {
				if l.bare[gi] {
					rows = append(rows, r.rows[rowNameBare])
				} else {
					rows = append(rows, r.rows[rowNameCued])
				}
			}
			all, typed := covered(g, pred)
			for _, c := range rows {
				c.gold++
				if all {
					c.found++
				}
				if typed {
					c.typed++
				}
			}
			if !all {
				r.problems = append(r.problems, fmt.Sprintf("%s: missed %s %q", l.line, g.kind, l.text[g.start:g.end]))
			} else if !typed {
				r.problems = append(r.problems, fmt.Sprintf("%s: %s %q removed as another kind", l.line, g.kind, l.text[g.start:g.end]))
			}
		}
		for _, p := range pred {
			c := r.rows[string(p.kind)]
			c.pred++
			r.predAll++
			hit := false
			for _, g := range l.gold {
				if overlaps(p, g) {
					hit = true
					break
				}
			}
			if hit {
				c.tp++
				r.tpAll++
			} else {
				r.problems = append(r.problems, fmt.Sprintf("%s: false %s %q", l.line, p.kind, l.text[p.start:p.end]))
			}
		}
		for _, k := range l.keep {
			r.keeps++
			for _, p := range pred {
				if overlaps(p, k) {
					r.keepHit++
					r.problems = append(r.problems, fmt.Sprintf("%s: touched %q (kept text)", l.line, l.text[k.start:k.end]))
					break
				}
			}
		}
		r.gold += len(l.gold)
	}
	return r
}

// logTable logs the evaluation table, in the layout used in
// docs/scrubbing.md.
func (r evalResult) logTable(t *testing.T) {
	t.Helper()
	t.Logf("%-27s %5s %5s %7s %6s %5s %9s", "kind", "gold", "found", "recall", "typed", "pred", "precision")
	for _, row := range evalRows() {
		x := r.rows[row]
		if row == rowNameCued || row == rowNameBare {
			t.Logf("  %-25s %5d %5d %7.3f", row, x.gold, x.found, ratio(x.found, x.gold))
			continue
		}
		t.Logf("%-27s %5d %5d %7.3f %6d %5d %9.3f", row, x.gold, x.found, ratio(x.found, x.gold), x.typed, x.pred, ratio(x.tp, x.pred))
	}
	t.Logf("%d paragraphs, %d identifiers, overall precision %d/%d = %.3f, %d kept spans (%d touched, %.3f kept)",
		r.lines, r.gold, r.tpAll, r.predAll, ratio(r.tpAll, r.predAll), r.keeps, r.keepHit, 1-float64(r.keepHit)/float64(max(r.keeps, 1)))
}

// threshold is the least recall and precision a row must reach.
type threshold struct{ recall, precision float64 }

// checkThresholds fails the test for every row below its threshold.
func checkThresholds(t *testing.T, r evalResult, th map[string]threshold, minOverall float64, maxTouched int) {
	t.Helper()
	for row, want := range th {
		if got := r.recall(row); got < want.recall {
			t.Errorf("%s: recall %.3f below %.2f", row, got, want.recall)
		}
		if got := r.precision(row); got < want.precision {
			t.Errorf("%s: precision %.3f below %.2f", row, got, want.precision)
		}
	}
	if p := ratio(r.tpAll, r.predAll); p < minOverall {
		t.Errorf("overall precision %.3f below %.2f", p, minOverall)
	}
	if r.keepHit > maxTouched {
		t.Errorf("%d of %d kept spans were touched; at most %d expected", r.keepHit, r.keeps, maxTouched)
	}
}

// Thresholds on the tuning sets (labelled*.txt, tune_slack.txt,
// tune_phrases.txt and tune_styles.txt), set at or just under what the
// rules reach; the
// measured figures are in docs/scrubbing.md. If a change lowers one, look
// at the misses the test logs before touching a threshold.
var tuneThresholds = map[string]threshold{
	string(NHSNumber): {1.00, 1.00}, // 76/76, 76/76
	string(CHINumber): {1.00, 1.00}, // 3/3, 3/3
	string(HCNumber):  {1.00, 1.00}, // 3/3, 3/3
	string(Date):      {0.98, 0.99}, // 82/83 = 0.988, 82/82
	string(Age):       {0.98, 0.98}, // 60/61 = 0.984, 60/60
	string(Postcode):  {1.00, 1.00}, // 55/55, 55/55
	string(Address):   {0.95, 0.95}, // 10/10, 10/10
	string(Phone):     {0.98, 1.00}, // 64/65 = 0.985, 64/64
	string(Email):     {1.00, 1.00}, // 43/43, 43/43
	string(NINumber):  {1.00, 1.00}, // 42/42, 42/42
	string(LocalID):   {0.97, 1.00}, // 48/49 = 0.980, 48/48
	string(Name):      {0.99, 0.99}, // 303/305 = 0.993, 301/301
	rowNameCued:       {0.99, 0},    // 285/287 = 0.993
	// 18/18: "Gwendoline" (tune_phrases.txt) and "Agnieszka"
	// (tune_styles.txt) are found since namedata/firstnames_uk.txt.
	rowNameBare:     {1.00, 0},
	string(Mention): {1.00, 1.00}, // 5/5, 5/5
}

// maxTuneKeptTouched is how many "keep" spans of the tuning sets may be
// touched.
const maxTuneKeptTouched = 0 // measured 0 of 1174; was 2 of 845 before the tune_styles.txt rules

// TestLabelledSet runs the scrubber over the tuning sets and reports
// recall and precision per kind. Run it with -v to see the table:
//
//	go test -run TestLabelledSet -v ./scrub
func TestLabelledSet(t *testing.T) {
	s, err := New(evalOptions)
	if err != nil {
		t.Fatal(err)
	}
	orig := loadLabelled(t)
	r := evaluate(s, append(orig, loadFiles(t, tuneFiles)...))
	r.logTable(t)
	for _, p := range r.problems {
		t.Log(p)
	}
	checkThresholds(t, r, tuneThresholds, 0.99, maxTuneKeptTouched) // overall 792/792 = 1.000
	// The original sets alone keep their own size checks.
	o := evaluate(s, orig)
	for _, k := range []Kind{NHSNumber, Date, Age, Postcode, Phone, Email, NINumber, LocalID, Name} {
		if n := o.rows[string(k)].gold; n < 30 {
			t.Errorf("%s: only %d labelled examples; want at least 30", k, n)
		}
	}
	if o.gold < 300 {
		t.Errorf("only %d labelled identifiers; want at least 300", o.gold)
	}
	if o.keeps < o.gold {
		t.Errorf("%d kept spans for %d identifiers; want at least as many", o.keeps, o.gold)
	}
}

// heldOutOptions are the options for the held-out set: the same local
// number formats, and no team names list, so every name must be found by
// the rules.
var heldOutOptions = Options{LocalIDPatterns: evalOptions.LocalIDPatterns}

// Thresholds on the held-out set, at or just under the figures reached
// when it was first scored against the finished rules, and updated (kept
// spans and name precision only) when it was scored once against the
// finished rules for the clinical phrases goal, and again (names only)
// when it was scored once against the finished tune_styles.txt rules
// (docs/scrubbing.md).
// They are a floor against regressions, not a target to tune to: the
// held-out set must not be edited, nor rules tuned on its misses.
var heldOutThresholds = map[string]threshold{
	string(NHSNumber): {1.00, 1.00}, // 22/22, 23/23
	string(CHINumber): {1.00, 1.00}, // 8/8 (7 typed as CHI), 7/7
	string(HCNumber):  {1.00, 1.00}, // 5/5, 5/5
	string(Date):      {0.97, 0.97}, // 40/40, 40/40
	string(Age):       {0.88, 0.97}, // 18/20 = 0.900, 18/18
	string(Postcode):  {0.97, 0.97}, // 18/18, 18/18
	string(Address):   {0.95, 0.95}, // 16/16, 16/16
	string(Phone):     {0.97, 0.97}, // 16/16, 16/16
	string(Email):     {0.97, 0.97}, // 8/8, 8/8
	string(NINumber):  {0.97, 0.97}, // 11/11, 11/11
	string(LocalID):   {0.97, 0.97}, // 5/5, 5/5
	string(Name):      {0.97, 0.99}, // 136/139 = 0.978, 130/131 = 0.992
	rowNameCued:       {0.98, 0},    // 99/99
	rowNameBare:       {0.92, 0},    // 37/40 = 0.925
	string(Mention):   {1.00, 1.00}, // 9/9, 9/9
}

// maxHeldOutKeptTouched is how many "keep" spans of the held-out set may
// be touched.
const maxHeldOutKeptTouched = 2 // measured 2 of 168 (0.988 kept), before and after the tune_styles.txt rules; was 3 before the tune_phrases.txt rules

// TestHeldOutSet scores the held-out set. It logs the table but not the
// individual misses, so that no rule is tuned on them; set
// SCRUB_SHOW_HELDOUT=1 to list them when reviewing a regression.
//
//	go test -run TestHeldOutSet -v ./scrub
func TestHeldOutSet(t *testing.T) {
	s, err := New(heldOutOptions)
	if err != nil {
		t.Fatal(err)
	}
	r := evaluate(s, loadFiles(t, heldOutFiles))
	r.logTable(t)
	if os.Getenv("SCRUB_SHOW_HELDOUT") == "1" {
		for _, p := range r.problems {
			t.Log(p)
		}
	}
	checkThresholds(t, r, heldOutThresholds, 0.99, maxHeldOutKeptTouched) // overall 306/307 = 0.997
	if r.lines < 150 {
		t.Errorf("held-out set has %d paragraphs; want at least 150", r.lines)
	}
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 1
	}
	return float64(a) / float64(b)
}

// TestLabelledNHSNumbersAreValid checks the labelled set's NHS numbers with
// an independent implementation of the check digit, so a typo in the set
// cannot pass unnoticed.
func TestLabelledNHSNumbersAreValid(t *testing.T) {
	for _, l := range loadLabelled(t) {
		for _, g := range l.gold {
			if g.kind == NHSNumber && !refNHSValid(digitsOnly(l.text[g.start:g.end])) {
				t.Errorf("%s: %q is not a valid NHS number", l.line, l.text[g.start:g.end])
			}
		}
	}
}
