package logit

import (
	"math"
	"slices"
	"testing"
)

var opts = Options{L2: 1, Step: 0.5, Rounds: 300}

// toy is a binary problem: feature 0 is a bias every row has; feature 1
// marks class 1 and feature 2 class 0, with one row that goes against its
// feature so the fit cannot be perfect.
func toy() Problem {
	return Problem{Features: 3,
		Rows:  [][]int{{0, 1}, {0, 1}, {0, 1}, {0, 1}, {0, 2}, {0, 2}, {0, 2}, {0, 2}, {0, 1}},
		Class: []int{1, 1, 1, 1, 0, 0, 0, 0, 0}}
}

func TestLogisticLearnsWhichFeatureMarksTheClass(t *testing.T) {
	w := Logistic(toy(), opts)
	if p := Sigmoid(w, []int{0, 1}); p < 0.6 {
		t.Errorf("a row with feature 1 is class 1 with probability %.3f, want over 0.6", p)
	}
	if p := Sigmoid(w, []int{0, 2}); p > 0.3 {
		t.Errorf("a row with feature 2 is class 1 with probability %.3f, want under 0.3", p)
	}
	if w[1] <= 0 || w[2] >= 0 {
		t.Errorf("weights %v: feature 1 should weigh toward class 1, feature 2 against", w)
	}
	if again := Logistic(toy(), opts); !slices.Equal(w, again) {
		t.Errorf("two fits differ: %v and %v", w, again)
	}
}

func TestRowsLeftOutAndRowsWeighed(t *testing.T) {
	base := Logistic(toy(), opts)

	withOut := toy()
	withOut.Rows = append(withOut.Rows, []int{0, 2}, []int{0, 2})
	withOut.Class = append(withOut.Class, -1, -1)
	if got := Logistic(withOut, opts); !slices.Equal(got, base) {
		t.Errorf("rows with a negative class changed the fit: %v, want %v", got, base)
	}

	doubled := toy()
	doubled.Rows = append(doubled.Rows, []int{0, 1})
	doubled.Class = append(doubled.Class, 1)
	weighed := toy()
	weighed.Weight = []float64{2, 1, 1, 1, 1, 1, 1, 1, 1}
	a, b := Logistic(doubled, opts), Logistic(weighed, opts)
	for j := range a {
		if math.Abs(a[j]-b[j]) > 1e-9 {
			t.Fatalf("a row weighing 2 fits %v; the row twice fits %v", b, a)
		}
	}
}

func TestSoftmaxLearnsThreeClasses(t *testing.T) {
	p := Problem{Features: 4, Rows: [][]int{{0, 1}, {0, 1}, {0, 2}, {0, 2}, {0, 3}, {0, 3}, {0, 3}}, Class: []int{0, 0, 1, 1, 2, 2, 2}}
	w := Softmax(p, 3, opts)
	pr := make([]float64, 3)
	for f, want := range map[int]int{1: 0, 2: 1, 3: 2} {
		Probabilities(w, []int{0, f}, pr)
		if got := Argmax(pr); got != want {
			t.Errorf("a row with feature %d: probabilities %v, most likely class %d, want %d", f, pr, got, want)
		}
		var sum float64
		for _, v := range pr {
			sum += v
		}
		if math.Abs(sum-1) > 1e-12 {
			t.Errorf("probabilities %v sum to %v", pr, sum)
		}
	}
}

func TestNoRowsGivesZeroWeights(t *testing.T) {
	p := Problem{Features: 2, Rows: [][]int{{0, 1}}, Class: []int{-1}}
	for _, v := range Logistic(p, opts) {
		if v != 0 {
			t.Fatalf("weights %v from no labelled row", Logistic(p, opts))
		}
	}
	for _, ws := range Softmax(p, 3, opts) {
		for _, v := range ws {
			if v != 0 || math.IsNaN(v) {
				t.Fatalf("softmax weights %v from no labelled row", ws)
			}
		}
	}
}
