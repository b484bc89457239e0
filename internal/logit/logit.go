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
//
// The fitting loops are marked go:norace. A fit runs on one goroutine over
// slices it owns, so the race detector has nothing to find in them, while
// checking each of their millions of reads and writes made the tests that
// refit the weights take ten times as long under -race (about 30 s for
// the offline coder's weighing, 2.5 s without). Do not share a Problem or
// the weights being fitted between goroutines.
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

//go:norace
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
//
//go:norace
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
//
//go:norace
func Sigmoid(w []float64, a []int) float64 {
	z := 0.0
	for _, j := range a {
		z += w[j]
	}
	return 1 / (1 + math.Exp(-z))
}

// Softmax fits a multinomial logistic regression over classes classes:
// for each feature, one weight a class.
//
//go:norace
func Softmax(p Problem, classes int, o Options) [][]float64 {
	// The weights and the gradient are held flat, feature by feature
	// (w[j*classes+k]), and summed in the same order as a slice a feature
	// would be, so the fit is the same to the last bit, with one memory
	// read a weight rather than two.
	w := make([]float64, p.Features*classes)
	g := make([]float64, len(w))
	out := func() [][]float64 {
		ws := make([][]float64, p.Features)
		for j := range ws {
			ws[j] = w[j*classes : (j+1)*classes : (j+1)*classes]
		}
		return ws
	}
	n := p.total()
	if n == 0 {
		return out()
	}
	pr := make([]float64, classes)
	for range o.Rounds {
		for j := range g {
			g[j] = o.L2 * w[j] / n
		}
		for i, a := range p.Rows {
			if p.Class[i] < 0 {
				continue
			}
			probabilities(w, classes, a, pr)
			for k := range classes {
				e := pr[k]
				if k == p.Class[i] {
					e--
				}
				e *= p.weight(i) / n
				for _, j := range a {
					g[j*classes+k] += e
				}
			}
		}
		for j := range w {
			w[j] -= o.Step * g[j]
		}
	}
	return out()
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
	return normalise(pr)
}

// probabilities is Probabilities over weights held flat.
//
//go:norace
func probabilities(w []float64, classes int, a []int, pr []float64) []float64 {
	clear(pr)
	for _, j := range a {
		row := w[j*classes : (j+1)*classes]
		for k := range pr {
			pr[k] += row[k]
		}
	}
	return normalise(pr)
}

// normalise turns scores into probabilities (a softmax), in place.
//
//go:norace
func normalise(pr []float64) []float64 {
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
