// Package logit fits small logistic regressions by gradient descent: the
// offline coder's weighing of the four directions (themes/offline) and the
// theme finder's aboutness (themes) are fitted with it, in tests that
// write and check their weights. It has no place in serving: the fitted
// weights are data, read by the packages that use them.
//
// The fit is plain batch gradient descent on the weighted mean log loss
// plus a ridge penalty, from zero weights, for a fixed number of rounds:
// deterministic, with no randomness and no stopping rule to tune. The
// problems it serves are small (a few thousand rows, a few thousand
// binary features), where that is fast enough and easy to reason about.
package logit

import "math"

// Problem is a set of labelled rows over binary features.
type Problem struct {
	// Features is how many features there are; a row names the ones it has.
	Features int
	// Rows are the indices of each row's features, each under Features.
	Rows [][]int
	// Class is each row's class: 0 or 1 for Logistic, 0 to Classes-1 for
	// Softmax; a negative class leaves the row out of the fit.
	Class []int
	// Weight is how many rows each counts as; nil counts each once.
	Weight []float64
}

// Options are the fit's settings.
type Options struct {
	L2     float64 // the ridge penalty, divided by the rows' total weight
	Step   float64 // the step of each round
	Rounds int     // how many rounds
}

func (p *Problem) weight(i int) float64 {
	if p.Weight == nil {
		return 1
	}
	return p.Weight[i]
}

// total is the weight of the rows in the fit.
func (p *Problem) total() float64 {
	var n float64
	for i := range p.Rows {
		if p.Class[i] >= 0 {
			n += p.weight(i)
		}
	}
	return n
}

// Logistic fits a binary logistic regression: one weight a feature, the
// log odds of class 1.
func Logistic(p Problem, o Options) []float64 {
	w := make([]float64, p.Features)
	g := make([]float64, p.Features)
	n := p.total()
	if n == 0 {
		return w
	}
	for range o.Rounds {
		for j := range g {
			g[j] = o.L2 * w[j] / n
		}
		for i, a := range p.Rows {
			if p.Class[i] < 0 {
				continue
			}
			e := Sigmoid(w, a) - float64(p.Class[i])
			e *= p.weight(i) / n
			for _, j := range a {
				g[j] += e
			}
		}
		for j := range w {
			w[j] -= o.Step * g[j]
		}
	}
	return w
}

// Sigmoid is the probability of class 1 for a row with features a.
func Sigmoid(w []float64, a []int) float64 {
	z := 0.0
	for _, j := range a {
		z += w[j]
	}
	return 1 / (1 + math.Exp(-z))
}

// Softmax fits a multinomial logistic regression over classes classes:
// for each feature, one weight a class.
func Softmax(p Problem, classes int, o Options) [][]float64 {
	w := make([][]float64, p.Features)
	g := make([][]float64, p.Features)
	for j := range w {
		w[j] = make([]float64, classes)
		g[j] = make([]float64, classes)
	}
	n := p.total()
	if n == 0 {
		return w
	}
	pr := make([]float64, classes)
	for range o.Rounds {
		for j := range g {
			for k := range classes {
				g[j][k] = o.L2 * w[j][k] / n
			}
		}
		for i, a := range p.Rows {
			if p.Class[i] < 0 {
				continue
			}
			Probabilities(w, a, pr)
			for k := range classes {
				e := pr[k]
				if k == p.Class[i] {
					e--
				}
				e *= p.weight(i) / n
				for _, j := range a {
					g[j][k] += e
				}
			}
		}
		for j := range w {
			for k := range classes {
				w[j][k] -= o.Step * g[j][k]
			}
		}
	}
	return w
}

// Probabilities sets into pr each class's probability for a row with
// features a, and returns it.
func Probabilities(w [][]float64, a []int, pr []float64) []float64 {
	clear(pr)
	for _, j := range a {
		for k := range pr {
			pr[k] += w[j][k]
		}
	}
	m := math.Inf(-1)
	for _, z := range pr {
		m = max(m, z)
	}
	var s float64
	for k := range pr {
		pr[k] = math.Exp(pr[k] - m)
		s += pr[k]
	}
	for k := range pr {
		pr[k] /= s
	}
	return pr
}

// Argmax is the index of the largest value, the first of equals.
func Argmax(z []float64) int {
	best := 0
	for k := range z {
		if z[k] > z[best] {
			best = k
		}
	}
	return best
}
