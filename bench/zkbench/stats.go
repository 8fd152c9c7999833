package main

import (
	"slices"
	"time"
)

type latencySummary struct {
	n                         int
	mean, p50, p99, p999, max time.Duration
}

// summarize sorts the samples (in place) and reads exact percentiles
// (nearest rank): with at most a few hundred thousand samples per run,
// sorting is cheaper than being approximately right.
func summarize(s []time.Duration) latencySummary {
	if len(s) == 0 {
		return latencySummary{}
	}
	slices.Sort(s)
	var sum time.Duration
	for _, d := range s {
		sum += d
	}
	at := func(q float64) time.Duration {
		i := int(q*float64(len(s))+0.5) - 1
		return s[min(max(i, 0), len(s)-1)]
	}
	return latencySummary{n: len(s), mean: sum / time.Duration(len(s)),
		p50: at(0.50), p99: at(0.99), p999: at(0.999), max: s[len(s)-1]}
}

func us(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }
