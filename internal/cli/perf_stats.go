package cli

import (
	"fmt"
	"io"
	"slices"
	"sync"
	"time"
)

// clock is the time source of the perf tools: System.currentTimeMillis
// and a sleep that ends early when ctx is done. Tests substitute both.
type clock struct {
	nowMs func() int64
	nanos func() int64
	sleep func(d time.Duration) bool // false when interrupted
}

func realClock(done <-chan struct{}) clock {
	start := time.Now()
	return clock{
		nowMs: func() int64 { return time.Now().UnixMilli() },
		nanos: func() int64 { return int64(time.Since(start)) },
		sleep: func(d time.Duration) bool {
			t := time.NewTimer(d)
			defer t.Stop()
			select {
			case <-t.C:
				return true
			case <-done:
				return false
			}
		},
	}
}

// producerStats is ProducerPerformance.Stats: totals, a window printed
// every reportingInterval ms, and up to 500,000 sampled latencies for the
// percentiles. record is called from the producer's callbacks; the mutex
// orders it with the final report.
type producerStats struct {
	mu                      sync.Mutex
	out                     io.Writer
	clk                     clock
	start                   int64
	latencies               []int32
	sampling                int64
	reportingInterval       int64
	iteration               int64
	index                   int
	count, bytes            int64
	maxLatency              int32
	totalLatency            int64
	windowCount             int64
	windowMaxLatency        int32
	windowTotal, windowByte int64
	windowStart             int64
}

// newProducerStats needs numRecords > 0 (ProducerPerformance divides by it).
func newProducerStats(numRecords int64, reportingInterval int64, clk clock, out io.Writer) *producerStats {
	now := clk.nowMs()
	sampling := numRecords / min(numRecords, 500000)
	return &producerStats{
		out: out, clk: clk, start: now, windowStart: now,
		sampling:          sampling,
		latencies:         make([]int32, numRecords/sampling+1),
		reportingInterval: reportingInterval,
	}
}

// completed is PerfCallback.onCompletion for a record sent successfully.
func (s *producerStats) completed(latency int32, bytes int, now int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.count++
	s.bytes += int64(bytes)
	s.totalLatency += int64(latency)
	s.maxLatency = max(s.maxLatency, latency)
	s.windowCount++
	s.windowByte += int64(bytes)
	s.windowTotal += int64(latency)
	s.windowMaxLatency = max(s.windowMaxLatency, latency)
	if s.iteration%s.sampling == 0 && s.index < len(s.latencies) {
		s.latencies[s.index] = latency
		s.index++
	}
	if now-s.windowStart >= s.reportingInterval {
		s.printWindow()
		s.windowStart = s.clk.nowMs()
		s.windowCount, s.windowMaxLatency, s.windowTotal, s.windowByte = 0, 0, 0, 0
	}
	s.iteration++
}

func (s *producerStats) printWindow() {
	elapsed := float64(s.clk.nowMs() - s.windowStart)
	recsPerSec := 1000.0 * float64(s.windowCount) / elapsed
	mbPerSec := 1000.0 * float64(s.windowByte) / elapsed / (1024.0 * 1024.0)
	fmt.Fprintf(s.out, "%d records sent, %s records/sec (%s MB/sec), %s ms avg latency, %s ms max latency.\n",
		s.windowCount, javaFixed(recsPerSec, 1), javaFixed(mbPerSec, 2),
		javaFixed(float64(s.windowTotal)/float64(s.windowCount), 1), javaFixed(float64(s.windowMaxLatency), 1))
}

// sent is the number of records acknowledged so far.
func (s *producerStats) sent() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.count
}

// println writes a line under the stats' lock, so that callbacks on
// several goroutines never interleave their lines with the windows.
func (s *producerStats) println(w io.Writer, line string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fmt.Fprintln(w, line)
}

// printTotal is Stats.printTotal: the summary line with the percentiles.
func (s *producerStats) printTotal() {
	s.mu.Lock()
	defer s.mu.Unlock()
	elapsed := float64(s.clk.nowMs() - s.start)
	recsPerSec := 1000.0 * float64(s.count) / elapsed
	mbPerSec := 1000.0 * float64(s.bytes) / elapsed / (1024.0 * 1024.0)
	p := s.percentiles(0.5, 0.95, 0.99, 0.999)
	fmt.Fprintf(s.out, "%d records sent, %s records/sec (%s MB/sec), %s ms avg latency, %s ms max latency, %d ms 50th, %d ms 95th, %d ms 99th, %d ms 99.9th.\n",
		s.count, javaFixed(recsPerSec, 6), javaFixed(mbPerSec, 2), javaFixed(float64(s.totalLatency)/float64(s.count), 2),
		javaFixed(float64(s.maxLatency), 2), p[0], p[1], p[2], p[3])
}

// percentiles sorts the samples and picks latencies[(int)(p*size)].
func (s *producerStats) percentiles(ps ...float64) []int32 {
	size := min(s.index, len(s.latencies))
	slices.Sort(s.latencies[:size])
	out := make([]int32, len(ps))
	for i, p := range ps {
		out[i] = s.latencies[int(p*float64(size))]
	}
	return out
}

// throttler is ThroughputThrottler: with a positive target it sleeps, on
// average, 1/target seconds per record, in sleeps of at least 2 ms; with
// a negative target it never throttles; with 0 it blocks until the run is
// interrupted.
type throttler struct {
	clk         clock
	startMs     int64
	target      float64
	sleepTimeNs int64
	deficitNs   int64
}

const minSleepNs = 2 * int64(time.Millisecond)

func newThrottler(target float64, startMs int64, clk clock) *throttler {
	t := &throttler{clk: clk, startMs: startMs, target: target, sleepTimeNs: 1<<63 - 1}
	if target > 0 {
		t.sleepTimeNs = int64(1e9 / target)
	}
	return t
}

// shouldThrottle: the rate so far, amountSoFar over the seconds since
// start as a float, is above the target.
func (t *throttler) shouldThrottle(amountSoFar, sendStartMs int64) bool {
	if t.target < 0 {
		return false
	}
	elapsedSec := float32(sendStartMs-t.startMs) / 1000
	return elapsedSec > 0 && float64(amountSoFar)/float64(elapsedSec) > t.target
}

// throttle sleeps off the accumulated deficit; false when interrupted.
func (t *throttler) throttle() bool {
	if t.target == 0 {
		for t.clk.sleep(time.Hour) {
		}
		return false
	}
	t.deficitNs += t.sleepTimeNs
	if t.deficitNs < minSleepNs {
		return true
	}
	start := t.clk.nanos()
	remaining := t.deficitNs
	for remaining > 0 {
		if !t.clk.sleep(time.Duration(remaining)) {
			if slept := t.clk.nanos() - start; slept <= t.deficitNs {
				t.deficitNs -= slept
			}
			return false
		}
		remaining = t.deficitNs - (t.clk.nanos() - start)
	}
	t.deficitNs = 0
	return true
}
