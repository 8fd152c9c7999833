// Package latency summarizes a run's latency samples with exact
// percentiles (nearest rank): with at most a few million samples per run,
// sorting is cheap and there is no approximation to explain.
//
// Invariants: Summarize of no samples is the zero Summary; percentiles are
// always samples that were taken, never interpolated.
package latency

import (
	"slices"
	"time"
)

// Summary describes one run's samples.
type Summary struct {
	N                         int
	Mean, P50, P99, P999, Max time.Duration
}

// Summarize sorts the samples (in place) and reads their percentiles.
func Summarize(s []time.Duration) Summary {
	if len(s) == 0 {
		return Summary{}
	}
	slices.Sort(s)
	var sum time.Duration
	for _, d := range s {
		sum += d
	}
	return Summary{N: len(s), Mean: sum / time.Duration(len(s)),
		P50: At(s, 0.50), P99: At(s, 0.99), P999: At(s, 0.999), Max: s[len(s)-1]}
}

// At returns the q-quantile (0 < q <= 1) of sorted samples by nearest
// rank, or 0 if there are none.
func At(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(q*float64(len(sorted))+0.5) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

// US is d in microseconds.
func US(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }
