package partition

import (
	"sync"
	"sync/atomic"
	"testing"
)

// testOp completes once its flag is set.
type testOp struct {
	opBase
	ok        atomic.Bool
	completes atomic.Int32
	expiries  atomic.Int32
}

func (o *testOp) ready() bool { return o.ok.Load() }
func (o *testOp) expired()    { o.expiries.Add(1) }
func (o *testOp) complete()   { o.completes.Add(1) }

func TestPurgatory(t *testing.T) {
	p := newPurgatory()
	a, b := tp("t", 0), tp("t", 1)
	ready := &testOp{}
	ready.ok.Store(true)
	if !p.tryCompleteElseWatch(ready, 100, []TopicPartition{a}) || ready.completes.Load() != 1 || p.size() != 0 {
		t.Fatal("a ready operation was watched")
	}
	o1, o2, o3 := &testOp{}, &testOp{}, &testOp{}
	p.tryCompleteElseWatch(o1, 300, []TopicPartition{a, b})
	p.tryCompleteElseWatch(o2, 100, []TopicPartition{b})
	p.tryCompleteElseWatch(o3, 200, []TopicPartition{a})
	if d, ok := p.nextDeadline(); !ok || d != 100 || p.size() != 3 {
		t.Fatalf("deadline %d size %d", d, p.size())
	}
	select {
	case <-p.wake:
	default:
		t.Fatal("no wake-up for an earlier deadline")
	}
	// a key with nothing ready completes nothing
	if n := p.checkAndComplete(a); n != 0 {
		t.Fatalf("completed %d", n)
	}
	o1.ok.Store(true)
	if n := p.checkAndComplete(b); n != 1 || o1.completes.Load() != 1 {
		t.Fatalf("completed %d", n)
	}
	// o1 left both watch lists and the heap
	if p.watched(a) != true || p.size() != 2 {
		t.Fatalf("size %d", p.size())
	}
	if n := p.expireDue(150); n != 1 || o2.expiries.Load() != 1 || o2.completes.Load() != 1 {
		t.Fatalf("expired %d", n)
	}
	if p.watched(b) {
		t.Fatal("expired operation still watched")
	}
	o3.ok.Store(true)
	p.checkAndComplete(a)
	if p.size() != 0 || p.watched(a) || o3.expiries.Load() != 0 {
		t.Fatal("purgatory not empty")
	}
	if n := p.expireDue(1 << 62); n != 0 {
		t.Fatalf("expired %d from an empty purgatory", n)
	}
}

// Completion races: each operation completes exactly once whoever tries.
func TestPurgatoryCompletesOnce(t *testing.T) {
	p := newPurgatory()
	key := tp("t", 0)
	ops := make([]*testOp, 200)
	for i := range ops {
		ops[i] = &testOp{}
		p.tryCompleteElseWatch(ops[i], int64(i), []TopicPartition{key})
	}
	for _, o := range ops {
		o.ok.Store(true)
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(2)
		go func() { defer wg.Done(); p.checkAndComplete(key) }()
		go func() { defer wg.Done(); p.expireDue(100) }()
	}
	wg.Wait()
	p.checkAndComplete(key)
	for i, o := range ops {
		if o.completes.Load() != 1 {
			t.Fatalf("op %d completed %d times", i, o.completes.Load())
		}
	}
	if p.size() != 0 {
		t.Fatalf("size %d", p.size())
	}
}
