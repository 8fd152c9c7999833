package cli

import (
	"bytes"
	"math"
	"testing"
	"time"
)

// virtualClock is a clock whose time moves only when the code under test
// sleeps or the test advances it.
type virtualClock struct{ ns int64 }

func (v *virtualClock) clock(interruptAfter int) clock {
	sleeps := 0
	return clock{
		nowMs: func() int64 { return v.ns / 1e6 },
		nanos: func() int64 { return v.ns },
		sleep: func(d time.Duration) bool {
			sleeps++
			if interruptAfter > 0 && sleeps > interruptAfter {
				return false
			}
			v.ns += int64(d)
			return true
		},
	}
}

func TestThrottlerAccuracy(t *testing.T) {
	for _, tc := range []struct {
		target  float64
		records int64
		sendNs  int64 // what one send costs
	}{
		{1000, 5000, 10_000},
		{100, 300, 50_000},
		{50000, 100000, 2_000},
		{2.5, 10, 1_000_000},
	} {
		v := &virtualClock{ns: 1_700_000_000_000 * 1e6}
		clk := v.clock(0)
		start := clk.nowMs()
		thr := newThrottler(tc.target, start, clk)
		for i := range tc.records {
			sendStart := clk.nowMs()
			v.ns += tc.sendNs
			if thr.shouldThrottle(i, sendStart) {
				thr.throttle()
			}
		}
		// ThroughputThrottler never throttles in the first millisecond
		// (elapsed 0); every later record is held to 1/target apart.
		burst := int64(math.Ceil(1e6 / float64(tc.sendNs)))
		took := float64(clk.nowMs()-start) / 1000
		want := float64(tc.records-burst) / tc.target
		if math.Abs(took-want) > want*0.03 {
			t.Errorf("%d records at %v/s took %.3f s, want %.3f s ± 3%%", tc.records, tc.target, took, want)
		}
	}
}

func TestThrottlerNegativeNeverThrottlesAndZeroBlocks(t *testing.T) {
	v := &virtualClock{}
	clk := v.clock(3)
	thr := newThrottler(-1, 0, clk)
	v.ns = 10e9
	if thr.shouldThrottle(1e9, clk.nowMs()) {
		t.Error("a negative target throttled")
	}
	thr = newThrottler(0, 0, clk)
	if !thr.shouldThrottle(1, 1) {
		t.Error("target 0 does not throttle")
	}
	if thr.throttle() {
		t.Error("target 0 returned from throttle without an interrupt")
	}
}

func TestProducerStatsLines(t *testing.T) {
	v := &virtualClock{}
	clk := v.clock(0)
	var out bytes.Buffer
	s := newProducerStats(10, 5000, clk, &out)
	for i := range 10 {
		v.ns += 600e6 // 0.6 s per record: a window line after the 9th
		s.completed(int32(10+i), 100, clk.nowMs())
	}
	s.printTotal()
	want := "9 records sent, 1.7 records/sec (0.00 MB/sec), 14.0 ms avg latency, 18.0 ms max latency.\n" +
		"10 records sent, 1.666667 records/sec (0.00 MB/sec), 14.50 ms avg latency, 19.00 ms max latency, 15 ms 50th, 19 ms 95th, 19 ms 99th, 19 ms 99.9th.\n"
	diffText(t, "stats", out.String(), want)

	// no successful record: Java prints NaN averages and zero percentiles
	out.Reset()
	empty := newProducerStats(5, 5000, clk, &out)
	v.ns += 1e9
	empty.printTotal()
	diffText(t, "empty", out.String(), "0 records sent, 0.000000 records/sec (0.00 MB/sec), NaN ms avg latency, 0.00 ms max latency, 0 ms 50th, 0 ms 95th, 0 ms 99th, 0 ms 99.9th.\n")
}

func TestProducerStatsSampleAtMostHalfAMillionLatencies(t *testing.T) {
	v := &virtualClock{}
	s := newProducerStats(1_500_001, 5000, v.clock(0), &bytes.Buffer{})
	if s.sampling != 3 || len(s.latencies) != 500_001 {
		t.Errorf("sampling %d, %d slots", s.sampling, len(s.latencies))
	}
	for i := range 1_500_001 {
		s.completed(int32(i%7), 1, 0)
	}
	if s.index != 500_001 {
		t.Errorf("%d samples", s.index)
	}
}
