package log

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"testing"
	"time"
)

// TestOffsetMap mirrors OffsetMapTest: every key put is found with its
// last offset, absent keys are not, clear forgets everything, and the map
// refuses keys beyond its slots.
func TestOffsetMap(t *testing.T) {
	for _, slots := range []int{1, 10, 1000, 5000} {
		m := newOffsetMap(slots)
		for round := range 2 {
			for i := range slots {
				if err := m.put([]byte(fmt.Sprint(i)), int64(i)); err != nil {
					t.Fatalf("slots %d: put %d: %v", slots, i, err)
				}
			}
			if m.size() != slots || m.latestOffset() != int64(slots-1) {
				t.Fatalf("slots %d: size %d, latest %d", slots, m.size(), m.latestOffset())
			}
			for i := range slots {
				if got := m.get([]byte(fmt.Sprint(i))); got != int64(i) {
					t.Fatalf("slots %d round %d: key %d -> %d", slots, round, i, got)
				}
			}
			// Overwrites do not take a slot.
			if err := m.put([]byte("0"), 99); err != nil || m.get([]byte("0")) != 99 || m.size() != slots {
				t.Fatalf("overwrite: %v", err)
			}
			if got := m.get([]byte("absent")); got != -1 {
				t.Fatalf("absent key -> %d", got)
			}
			if err := m.put([]byte("one too many"), 1); !errors.Is(err, errOffsetMapFull) {
				t.Fatalf("put into a full map: %v", err)
			}
			m.clear()
			if m.size() != 0 || m.latestOffset() != -1 || m.get([]byte("1")) != -1 {
				t.Fatal("clear kept entries")
			}
		}
		if len(m.table) > slots {
			t.Fatalf("table of %d entries for %d slots", len(m.table), slots)
		}
	}
	m := newOffsetMap(100)
	m.updateLatestOffset(42)
	if m.latestOffset() != 42 || m.utilization() != 0 {
		t.Fatal("updateLatestOffset")
	}
}

// TestOffsetMapProbes: at Kafka's default load factor of 0.9, hits and
// misses both take a handful of probes.
func TestOffsetMapProbes(t *testing.T) {
	const slots = 50_000
	m := newOffsetMap(slots)
	for i := range slots * 9 / 10 {
		if err := m.put([]byte(fmt.Sprint("key-", i)), int64(i)); err != nil {
			t.Fatal(err)
		}
	}
	for _, prefix := range []string{"key-", "absent-"} {
		m.lookups, m.probes = 0, 0
		for i := range slots / 2 {
			m.get([]byte(fmt.Sprint(prefix, i)))
		}
		if r := m.collisionRate(); r > 8 {
			t.Fatalf("%s lookups: %f extra probes each", prefix, r)
		}
	}
}

// TestOffsetMapEmptyAndBinaryKeys: the empty key and keys differing in
// one byte are distinct keys.
func TestOffsetMapEmptyAndBinaryKeys(t *testing.T) {
	m := newOffsetMap(16)
	keys := [][]byte{{}, {0}, {0, 0}, {1}, {0xff, 0}}
	for i, k := range keys {
		if err := m.put(k, int64(i)); err != nil {
			t.Fatal(err)
		}
	}
	for i, k := range keys {
		if got := m.get(k); got != int64(i) {
			t.Fatalf("key %v -> %d, want %d", k, got, i)
		}
	}
}

// BenchmarkOffsetMapPut measures a put of a 16-byte key into a large map.
func BenchmarkOffsetMapPut(b *testing.B) {
	m := newOffsetMap(1 << 20)
	key := []byte("user-000000000000")
	for i := 0; b.Loop(); i++ {
		if m.size() > 700_000 {
			m.clear()
		}
		binary.BigEndian.PutUint64(key[5:], uint64(i))
		_ = m.put(key, int64(i))
	}
}

// fakeTime is a clock for the throttler that advances only when slept.
type fakeTime struct {
	now   time.Time
	slept time.Duration
}

func (f *fakeTime) install(t *throttler) {
	t.now = func() time.Time { return f.now }
	t.sleep = func(ctx context.Context, d time.Duration) error {
		f.slept += d
		f.now = f.now.Add(d)
		return nil
	}
	t.setRate(t.rate)
}

// TestThrottler: I/O above the rate sleeps long enough to hold it, a burst
// of 300 ms worth goes through at once, and an unlimited rate never sleeps.
func TestThrottler(t *testing.T) {
	th := newThrottler(1000)
	ft := &fakeTime{now: time.Unix(1000, 0)}
	ft.install(th)
	if err := th.throttle(context.Background(), 300); err != nil || ft.slept != 0 {
		t.Fatalf("the burst slept %v", ft.slept)
	}
	for range 10 {
		if err := th.throttle(context.Background(), 500); err != nil {
			t.Fatal(err)
		}
	}
	if want := 5 * time.Second; ft.slept < want-time.Millisecond || ft.slept > want+time.Millisecond {
		t.Fatalf("slept %v for 5000 bytes at 1000/s, want %v", ft.slept, want)
	}
	th.setRate(math.MaxFloat64)
	ft.slept = 0
	if err := th.throttle(context.Background(), 1<<40); err != nil || ft.slept != 0 {
		t.Fatalf("unlimited: slept %v", ft.slept)
	}
	// A real sleep is cut short by its context.
	real := newThrottler(1)
	ctx, cancel := context.WithCancelCause(context.Background())
	cancel(ErrCleaningAborted)
	if err := real.throttle(ctx, 1000); !errors.Is(err, ErrCleaningAborted) {
		t.Fatalf("cancelled sleep: %v", err)
	}
}
