package themes

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"whatmatters/flows"
)

// Gold is one answer labelled by a person against the codebook: the
// labelled data files hold one per line, in this shape.
type Gold struct {
	ID            string      `json:"id"`
	Template      string      `json:"template"`
	Stage         string      `json:"stage"`
	Text          string      `json:"text"`
	Relationships flows.Label `json:"relationships"`
	Stories       flows.Label `json:"stories"`
	Community     flows.Label `json:"community"`
	Anticipation  flows.Label `json:"anticipation"`
	Capabilities  []string    `json:"capabilities"`
}

// Input is the answer as a coder reads it.
func (g Gold) Input() flows.CodeInput {
	return flows.CodeInput{Template: g.Template, Stage: g.Stage, Text: g.Text}
}

// Direction returns the gold label of the direction with the given key.
func (g Gold) Direction(key string) flows.Label {
	return flows.Codes{Relationships: g.Relationships, Stories: g.Stories, Community: g.Community, Anticipation: g.Anticipation}.Direction(key)
}

// LoadGold reads labelled answers, one JSON object a line; blank lines are
// skipped. A label that is not toward, away or none is an error, so that a
// typo in the data cannot pass as a disagreement; a missing label reads as
// none, the codebook's default.
func LoadGold(r io.Reader) ([]Gold, error) {
	var out []Gold
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 4*1024*1024)
	line := 0
	for sc.Scan() {
		line++
		b := strings.TrimSpace(sc.Text())
		if b == "" {
			continue
		}
		var g Gold
		if err := json.Unmarshal([]byte(b), &g); err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		for _, l := range []*flows.Label{&g.Relationships, &g.Stories, &g.Community, &g.Anticipation} {
			if *l == "" {
				*l = flows.None
			}
			if !l.Valid() {
				return nil, fmt.Errorf("line %d (%s): label %q is not toward, away or none", line, g.ID, *l)
			}
		}
		out = append(out, g)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// AgreementReport is how far a coder's codes agree with gold labels: Cohen's
// kappa and plain accuracy per direction (three classes each), and
// micro-averaged precision, recall and F1 over capability tags. Kappa is the
// codebook's measure because it discounts the agreement two coders would
// reach by chance, which is high when most answers are none.
type AgreementReport struct {
	N                   int
	Kappa               map[string]float64 // per direction key
	Accuracy            map[string]float64 // per direction key
	CapabilityF1        float64
	CapabilityPrecision float64
	CapabilityRecall    float64
}

// Agreement compares got[i] with gold[i], for as many answers as both hold.
//
// Kappa is (po - pe) / (1 - pe), with po the observed agreement and pe the
// agreement expected from each side's label frequencies. When pe is 1 (both
// sides gave one and the same label to every answer) kappa is undefined;
// it is reported as 1 then, since the two agree on every answer, and as 0
// when there are no answers.
//
// Capability scores are micro-averaged: true positives, false positives and
// false negatives are summed over every answer and tag first. When neither
// side gives any tag, precision, recall and F1 are 1 (nothing to disagree
// on); when only one side does, the empty side's missing counts score 0.
func Agreement(gold []Gold, got []flows.Codes) AgreementReport {
	n := min(len(gold), len(got))
	r := AgreementReport{N: n, Kappa: map[string]float64{}, Accuracy: map[string]float64{}}
	for _, dir := range flows.Directions {
		a := make([]flows.Label, n)
		b := make([]flows.Label, n)
		for i := range n {
			a[i], b[i] = gold[i].Direction(dir), got[i].Direction(dir)
		}
		r.Kappa[dir], r.Accuracy[dir] = cohenKappa(a, b)
	}
	var tp, fp, fn int
	for i := range n {
		want := map[string]bool{}
		for _, t := range gold[i].Capabilities {
			want[t] = true
		}
		have := map[string]bool{}
		for _, t := range got[i].Capabilities {
			if have[t] {
				continue
			}
			have[t] = true
			if want[t] {
				tp++
			} else {
				fp++
			}
		}
		for t := range want {
			if !have[t] {
				fn++
			}
		}
	}
	r.CapabilityPrecision, r.CapabilityRecall, r.CapabilityF1 = microF1(tp, fp, fn)
	return r
}

// cohenKappa returns Cohen's kappa and the observed agreement of two
// labellings of the same answers over the three labels.
func cohenKappa(a, b []flows.Label) (kappa, accuracy float64) {
	n := len(a)
	if n == 0 {
		return 0, 0
	}
	labels := []flows.Label{flows.Toward, flows.Away, flows.None}
	ca, cb := map[flows.Label]int{}, map[flows.Label]int{}
	agree := 0
	for i := range n {
		ca[a[i]]++
		cb[b[i]]++
		if a[i] == b[i] {
			agree++
		}
	}
	po := float64(agree) / float64(n)
	pe := 0.0
	for _, l := range labels {
		pe += float64(ca[l]) / float64(n) * float64(cb[l]) / float64(n)
	}
	if pe >= 1 {
		if po == 1 {
			return 1, po
		}
		return 0, po
	}
	return (po - pe) / (1 - pe), po
}

// microF1 turns summed counts into precision, recall and F1, with the
// conventions Agreement documents for empty sides.
func microF1(tp, fp, fn int) (p, r, f1 float64) {
	if tp+fp+fn == 0 {
		return 1, 1, 1
	}
	if tp+fp > 0 {
		p = float64(tp) / float64(tp+fp)
	}
	if tp+fn > 0 {
		r = float64(tp) / float64(tp+fn)
	}
	if p+r > 0 {
		f1 = 2 * p * r / (p + r)
	}
	return p, r, f1
}

// String lays the report out as a small table, one direction a row.
func (r AgreementReport) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "answers: %d\n", r.N)
	fmt.Fprintf(&b, "%-14s %6s %8s\n", "direction", "kappa", "accuracy")
	for _, dir := range flows.Directions {
		fmt.Fprintf(&b, "%-14s %6.3f %8.3f\n", dir, r.Kappa[dir], r.Accuracy[dir])
	}
	fmt.Fprintf(&b, "capabilities   micro-F1 %.3f (precision %.3f, recall %.3f)\n", r.CapabilityF1, r.CapabilityPrecision, r.CapabilityRecall)
	return b.String()
}
