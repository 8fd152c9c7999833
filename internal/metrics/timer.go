package metrics

import (
	"math"
	"math/bits"
	"sync"
	"sync/atomic"
	"time"
)

// timer is a Kafka histogram: percentiles of recent samples and a count
// of all samples. Kafka's Yammer histograms keep an exponentially decaying
// reservoir biased to the last five minutes; a timer keeps log-linear
// buckets (8 per power of two) with the count and the sum of their
// samples, for the current and the previous window of 150 seconds, and
// reports percentiles over both: the mean of the bucket holding the sample
// of that rank, so within 12% of it, and exact when the bucket's samples
// are equal.
//
// observe is an atomic load and three atomic adds: no lock, no allocation.
// Windows turn over when the collector reads the timer (a scrape), not on
// observe, so a timer that is never scraped only accumulates.
type timer struct {
	scale float64 // stored units per sample unit: 1000 keeps milliseconds to the microsecond
	count atomic.Int64
	cur   atomic.Pointer[window]

	mu      sync.Mutex // held by readers, which turn the windows over
	prev    *window
	rotated time.Time
	period  time.Duration
	now     func() time.Time // tests move time
}

const (
	subBits    = 3
	subBuckets = 1 << subBits
	maxExp     = 44 // values up to 2^44 stored units (200 days in µs) are told apart
	numBuckets = (maxExp-subBits+1)*subBuckets + subBuckets
)

type window struct {
	n   [numBuckets]atomic.Uint32
	sum [numBuckets]atomic.Uint64
}

// newTimer returns a timer for samples multiplied by scale before they are
// bucketed (1000 for milliseconds kept to the microsecond, 1 for bytes).
func newTimer(scale float64) *timer {
	t := &timer{scale: scale, prev: new(window), period: 150 * time.Second, now: time.Now}
	t.cur.Store(new(window))
	t.rotated = t.now()
	return t
}

// bucketOf is the index of the bucket holding v: exact below 16, then 16
// buckets per power of two.
func bucketOf(v uint64) int {
	if v < subBuckets {
		return int(v)
	}
	e := bits.Len64(v) - 1 // v in [2^e, 2^(e+1))
	if e > maxExp {
		return numBuckets - 1
	}
	sub := int(v>>(e-subBits)) & (subBuckets - 1)
	return (e-subBits+1)*subBuckets + sub
}

func (t *timer) observe(v float64) {
	t.count.Add(1)
	s := v * t.scale
	var u uint64
	switch {
	case !(s > 0): // zero, negative, NaN
	case s >= math.MaxUint64/2:
		u = math.MaxUint64 / 2
	default:
		u = uint64(s + 0.5)
	}
	w, i := t.cur.Load(), bucketOf(u)
	w.n[i].Add(1)
	w.sum[i].Add(u)
}

// snapshot turns the windows over if they are due and returns the count
// and sum of each bucket over the current and previous window, with the
// total count.
func (t *timer) snapshot() (n, sum [numBuckets]uint64, total uint64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	for k := 0; k < 2 && now.Sub(t.rotated) >= t.period; k++ {
		// prev is cleared and becomes current; writers still holding the
		// old current land in what is now prev.
		for i := range t.prev.n {
			t.prev.n[i].Store(0)
			t.prev.sum[i].Store(0)
		}
		t.prev = t.cur.Swap(t.prev)
		t.rotated = t.rotated.Add(t.period)
	}
	if now.Sub(t.rotated) >= t.period { // idle for longer than two windows
		t.rotated = now
	}
	cur := t.cur.Load()
	for i := range n {
		n[i] = uint64(cur.n[i].Load()) + uint64(t.prev.n[i].Load())
		sum[i] = cur.sum[i].Load() + t.prev.sum[i].Load()
		total += n[i]
	}
	return n, sum, total
}

// percentiles turns the windows over if due and returns the timer's
// percentiles, in the order of quantiles. With no recent sample they read
// 0, as an empty Yammer snapshot does.
func (t *timer) percentiles() []float64 {
	n, sum, total := t.snapshot()
	out := make([]float64, len(quantiles))
	if total == 0 {
		return out
	}
	for k, q := range quantiles {
		// the bucket of the sample of rank ceil(q*total), 1-based
		rank := max(uint64(math.Ceil(q.q*float64(total))), 1)
		var cum uint64
		for i, c := range n {
			cum += c
			if cum >= rank {
				out[k] = float64(sum[i]) / float64(c) / t.scale
				break
			}
		}
	}
	return out
}

// emit sends the timer's percentiles and count.
func (t *timer) emit(e *emitter, h histogramFamilies, labels ...string) {
	for k, v := range t.percentiles() {
		e.value(h.quantiles, v, append(labels[:len(labels):len(labels)], "quantile", quantiles[k].label)...)
	}
	e.value(h.count, float64(t.count.Load()), labels...)
}
