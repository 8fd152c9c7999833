package partition

import (
	"slices"
	"testing"
	"time"

	"github.com/wharf-project/wharf/internal/vfs"
)

// An acks=1 append's fsync is lazy: nothing is visible until the lazy
// delay, unless a fetch waits for the partition (before or after the
// append), which flushes at once; acks=all never waits for the delay.
func TestLazyFlush(t *testing.T) {
	e := newEnv(t, vfs.NewMem(), Config{LazyFlushDelay: time.Hour}, Options{})
	e.lead("t", 1, 0)
	p := tp("t", 0)
	l := e.rm.mustLog(t, p)

	if r := e.produce(p, 1, batch(t, -1, 0, 0, 2, "a")); r.ErrorCode != 0 {
		t.Fatalf("acks=1: %+v", r)
	}
	if l.RecoveryPoint() != 0 {
		t.Fatalf("an acks=1 append was fsynced at once (recovery point %d)", l.RecoveryPoint())
	}
	// A fetch about to wait flushes what is not yet fsynced.
	if vals := longPoll(t, e, p, 0); !slices.Equal(vals, []string{"a-0", "a-1"}) {
		t.Fatalf("waiting fetch read %v", vals)
	}

	// An append while a fetch waits on the partition flushes at once.
	ch := make(chan []string, 1)
	go func() { ch <- longPoll(t, e, p, 2) }()
	waitFor(t, "the fetch to wait", func() bool { return e.rm.fetchPurgatory.watched(p) })
	if r := e.produce(p, 1, batch(t, -1, 0, 0, 1, "b")); r.ErrorCode != 0 {
		t.Fatalf("acks=1: %+v", r)
	}
	if vals := recv(t, ch); !slices.Equal(vals, []string{"b-0"}) {
		t.Fatalf("waiting fetch read %v", vals)
	}

	// acks=all does not wait for the lazy delay.
	if r := e.produce(p, -1, batch(t, -1, 0, 0, 1, "c")); r.ErrorCode != 0 || l.RecoveryPoint() != 4 {
		t.Fatalf("acks=all: %+v, recovery point %d", r, l.RecoveryPoint())
	}
}

// Without a waiter, the lazy flush runs after the delay.
func TestLazyFlushRunsAfterTheDelay(t *testing.T) {
	e := newEnv(t, vfs.NewMem(), Config{LazyFlushDelay: 10 * time.Millisecond}, Options{})
	e.lead("t", 2, 0)
	for i := range int32(2) {
		if r := e.produce(tp("t", i), 0, batch(t, -1, 0, 0, 3, "a")); r.ErrorCode != 0 {
			t.Fatalf("acks=0: %+v", r)
		}
	}
	for i := range int32(2) {
		l := e.rm.mustLog(t, tp("t", i))
		waitFor(t, "the lazy flush", func() bool { return l.RecoveryPoint() == 3 })
		if vals, res := e.consume(tp("t", i), 0); len(vals) != 3 || res.HighWatermark != 3 {
			t.Fatalf("partition %d after the lazy flush: %v (HW %d)", i, vals, res.HighWatermark)
		}
	}
}

// longPoll is a consumer's fetch from offset that waits up to 30 s for a
// byte, returning the values read.
func longPoll(t *testing.T, e *env, p TopicPartition, from int64) []string {
	t.Helper()
	res := e.rm.Fetch(FetchRequest{ReplicaID: -1, MaxWaitMs: 30000, MinBytes: 1, MaxBytes: 1 << 20,
		Partitions: []FetchPartition{{TopicPartition: p, FetchOffset: from, MaxBytes: 1 << 20, CurrentLeaderEpoch: -1,
			LastFetchedEpoch: -1, LogStartOffset: -1}}})[0]
	defer res.Release()
	if res.ErrorCode != 0 {
		t.Errorf("fetch: error %d", res.ErrorCode)
		return nil
	}
	data, err := res.Records.AppendTo(nil)
	if err != nil {
		t.Error(err)
		return nil
	}
	return values(t, data)
}
