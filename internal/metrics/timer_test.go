package metrics

import (
	"math/rand/v2"
	"testing"
	"time"
)

func TestBucketsAreOrderedAndNarrow(t *testing.T) {
	prev := -1
	for v := uint64(0); v < 1<<20; v += 1 + v/64 {
		b := bucketOf(v)
		if b < prev {
			t.Fatalf("bucketOf(%d) = %d after %d", v, b, prev)
		}
		prev = b
	}
	if bucketOf(1<<62) != numBuckets-1 || bucketOf(1<<maxExp) >= numBuckets {
		t.Error("huge values are not clamped into the last bucket")
	}
	// every value of a bucket is within 12.5% of every other
	for v := uint64(16); v < 1<<30; v = v*3/2 + 1 {
		lo, hi := v, v
		for lo > 0 && bucketOf(lo-1) == bucketOf(v) {
			lo--
		}
		for bucketOf(hi+1) == bucketOf(v) {
			hi++
		}
		if float64(hi-lo) > 0.125*float64(lo) {
			t.Fatalf("bucket of %d spans %d..%d", v, lo, hi)
		}
	}
}

// quantile reads one percentile of a timer as a scrape would.
func quantile(tm *timer, label string) float64 {
	ps := tm.percentiles()
	for k, q := range quantiles {
		if q.label == label {
			return ps[k]
		}
	}
	panic("no quantile " + label)
}

func TestTimerWindowsTurnOver(t *testing.T) {
	now := time.Unix(1000, 0)
	tm := newTimer(1000)
	tm.now = func() time.Time { return now }
	tm.rotated = now
	for range 100 {
		tm.observe(100)
	}
	if got := quantile(tm, "0.50"); got != 100 {
		t.Fatalf("p50 %v", got)
	}
	now = now.Add(160 * time.Second) // a scrape turns the window: the 100 ms samples are the previous one
	if got := quantile(tm, "0.50"); got != 100 {
		t.Fatalf("p50 after a turn %v, want 100", got)
	}
	for range 300 {
		tm.observe(1)
	}
	if got := quantile(tm, "0.50"); got != 1 {
		t.Errorf("p50 after a turn %v, want 1", got)
	}
	if got := quantile(tm, "0.999"); got != 100 {
		t.Errorf("p99.9 after a turn %v, want 100 (previous window still counted)", got)
	}
	now = now.Add(150 * time.Second) // two turns: the 100 ms samples are gone
	if got := quantile(tm, "0.999"); got != 1 {
		t.Errorf("p99.9 after two turns %v, want 1", got)
	}
	now = now.Add(time.Hour)
	if got := quantile(tm, "0.50"); got != 0 {
		t.Errorf("p50 after an idle hour %v, want 0", got)
	}
	if tm.count.Load() != 400 {
		t.Errorf("count %d: the count is of all time", tm.count.Load())
	}
}

func TestTimerClampsOddSamples(t *testing.T) {
	tm := newTimer(1)
	for _, v := range []float64{-5, 0, 1e300, rand.Float64()} {
		tm.observe(v) // must not panic or index out of range
	}
	if tm.count.Load() != 4 {
		t.Error("odd samples not counted")
	}
}
