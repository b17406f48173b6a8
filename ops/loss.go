package ops

import "math"

// CrossEntropyForward returns mean over rows of -log softmax(logits[r])[targets[r]]
// for logits [n, c], and stores each row's log-sum-exp for the backward pass.
// Targets must lie in [0, c).
func CrossEntropyForward(lse []float32, logits []float32, targets []int, n, c int) float32 {
	var loss float64
	for r := 0; r < n; r++ {
		row := logits[r*c : (r+1)*c]
		m := lineMax(row, 0, c, 1)
		var s float64
		for _, v := range row {
			s += math.Exp(float64(v - m))
		}
		l := float64(m) + math.Log(s)
		lse[r] = float32(l)
		loss += l - float64(row[targets[r]])
	}
	return float32(loss / float64(n))
}

// CrossEntropyBackward accumulates dlogits += g/n * (softmax(logits) - onehot(target)).
func CrossEntropyBackward(dlogits []float32, g float32, logits, lse []float32, targets []int, n, c int) {
	k := float64(g) / float64(n)
	for r := 0; r < n; r++ {
		row, d := logits[r*c:(r+1)*c], dlogits[r*c:(r+1)*c]
		l := float64(lse[r])
		for j, v := range row {
			p := math.Exp(float64(v) - l)
			if j == targets[r] {
				p--
			}
			d[j] += float32(k * p)
		}
	}
}

// MSEForward returns mean((a-b)^2).
func MSEForward(a, b []float32) float32 {
	var s float64
	for i, v := range a {
		d := float64(v) - float64(b[i])
		s += d * d
	}
	return float32(s / float64(len(a)))
}

// MSEBackward accumulates da += 2g(a-b)/n and db -= 2g(a-b)/n (either may be nil).
func MSEBackward(da, db []float32, g float32, a, b []float32) {
	k := 2 * float64(g) / float64(len(a))
	for i, v := range a {
		d := float32(k * (float64(v) - float64(b[i])))
		if da != nil {
			da[i] += d
		}
		if db != nil {
			db[i] -= d
		}
	}
}
