package log

import (
	"context"
	"math"
	"sync"
	"time"
)

// throttler bounds the cleaner threads' combined I/O to a rate
// (log.cleaner.io.max.bytes.per.second) with a token bucket shared by all
// threads. Kafka's Throttler measures the rate over 300 ms periods and
// sleeps off any excess; the bucket does the same with a burst of 300 ms
// worth of bytes: a caller takes what it read or wrote, and when the bucket
// goes into debt it sleeps until the debt is repaid. Later callers see the
// debt and queue behind it, so the rate holds across threads.
type throttler struct {
	mu     sync.Mutex
	rate   float64 // bytes per second; unlimited when not finite and positive
	tokens float64
	last   time.Time
	now    func() time.Time
	sleep  func(ctx context.Context, d time.Duration) error
}

// throttleBurst is how many seconds of I/O the bucket holds.
const throttleBurst = 0.3

func newThrottler(rate float64) *throttler {
	t := &throttler{now: time.Now, sleep: sleepCtx}
	t.setRate(rate)
	return t
}

// setRate changes the rate (a dynamic reconfiguration).
func (t *throttler) setRate(rate float64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.rate = rate
	t.tokens = t.burst()
	t.last = t.now()
}

func (t *throttler) unlimited() bool {
	return !(t.rate > 0) || t.rate >= math.MaxFloat64 || math.IsInf(t.rate, 1)
}

func (t *throttler) burst() float64 { return t.rate * throttleBurst }

// throttle accounts for n bytes of I/O and sleeps as long as the rate
// requires; it returns early, with the context's error, when ctx is done.
func (t *throttler) throttle(ctx context.Context, n int64) error {
	if n <= 0 {
		return nil
	}
	t.mu.Lock()
	if t.unlimited() {
		t.mu.Unlock()
		return nil
	}
	now := t.now()
	if elapsed := now.Sub(t.last).Seconds(); elapsed > 0 {
		t.tokens = min(t.burst(), t.tokens+elapsed*t.rate)
	}
	t.last = now
	t.tokens -= float64(n)
	var wait time.Duration
	if t.tokens < 0 {
		wait = time.Duration(-t.tokens / t.rate * float64(time.Second))
	}
	t.mu.Unlock()
	if wait <= 0 {
		return nil
	}
	return t.sleep(ctx, wait)
}

// sleepCtx sleeps for d or until ctx is done.
func sleepCtx(ctx context.Context, d time.Duration) error {
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-tm.C:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}
