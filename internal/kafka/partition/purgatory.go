package partition

import (
	"container/heap"
	"sync"
	"sync/atomic"
)

// delayed is an operation waiting in a purgatory (DelayedOperation): a
// produce waiting for acks, a fetch waiting for bytes, a record deletion
// waiting for the low watermark.
type delayed interface {
	base() *opBase
	// ready reports whether the operation can complete now. It is called
	// with no purgatory or partition lock held, possibly concurrently from
	// several goroutines: implementations serialise themselves.
	ready() bool
	// expired is called once, before complete, when the deadline passed.
	expired()
	// complete answers the request; called exactly once, with no lock held.
	complete()
}

// opBase is what the purgatory keeps for each operation.
type opBase struct {
	done     atomic.Bool
	deadline int64
	keys     []TopicPartition
	heapIdx  int // index in the timer heap; -1 when not in it
}

func (b *opBase) base() *opBase { return b }

// purgatory holds delayed operations (DelayedOperationPurgatory): each
// watched under the partitions it depends on, and in a timer heap by
// deadline. Completion is triggered by checkAndComplete(partition) after
// an append, a high watermark advance or a leadership change, and by
// expireDue for the deadlines; no goroutine waits per operation.
//
// mu is a leaf lock: ready and complete are never called under it.
type purgatory struct {
	mu       sync.Mutex
	watchers map[TopicPartition]map[delayed]struct{}
	timers   opHeap
	// wake is signalled when an operation with an earlier deadline than
	// any before arrives, so the expiry loop re-arms its timer.
	wake chan struct{}
}

func newPurgatory() *purgatory {
	return &purgatory{watchers: map[TopicPartition]map[delayed]struct{}{}, wake: make(chan struct{}, 1)}
}

// tryCompleteElseWatch completes op at once if it is ready, else watches
// it under its keys until deadline, trying once more after watching so
// that an event between the first try and the watch is not missed. It
// reports whether op completed.
func (p *purgatory) tryCompleteElseWatch(op delayed, deadline int64, keys []TopicPartition) bool {
	if op.ready() {
		return p.forceComplete(op)
	}
	b := op.base()
	b.deadline, b.keys, b.heapIdx = deadline, keys, -1
	p.mu.Lock()
	if b.done.Load() {
		p.mu.Unlock()
		return true
	}
	for _, k := range keys {
		w := p.watchers[k]
		if w == nil {
			w = map[delayed]struct{}{}
			p.watchers[k] = w
		}
		w[op] = struct{}{}
	}
	heap.Push(&p.timers, op)
	earliest := p.timers[0] == op
	p.mu.Unlock()
	if earliest {
		select {
		case p.wake <- struct{}{}:
		default:
		}
	}
	if op.ready() {
		return p.forceComplete(op)
	}
	return false
}

// forceComplete completes op unless someone did already.
func (p *purgatory) forceComplete(op delayed) bool {
	if !op.base().done.CompareAndSwap(false, true) {
		return false
	}
	p.forget(op)
	op.complete()
	return true
}

// forget removes op from the watch lists and the heap.
func (p *purgatory) forget(op delayed) {
	b := op.base()
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, k := range b.keys {
		if w := p.watchers[k]; w != nil {
			delete(w, op)
			if len(w) == 0 {
				delete(p.watchers, k)
			}
		}
	}
	if b.heapIdx >= 0 && b.heapIdx < len(p.timers) && p.timers[b.heapIdx] == op {
		heap.Remove(&p.timers, b.heapIdx)
	}
}

// checkAndComplete tries the operations watching key; it returns how many
// completed.
func (p *purgatory) checkAndComplete(key TopicPartition) int {
	p.mu.Lock()
	w := p.watchers[key]
	if len(w) == 0 {
		p.mu.Unlock()
		return 0
	}
	ops := make([]delayed, 0, len(w))
	for op := range w {
		ops = append(ops, op)
	}
	p.mu.Unlock()
	n := 0
	for _, op := range ops {
		if !op.base().done.Load() && op.ready() && p.forceComplete(op) {
			n++
		}
	}
	return n
}

// watched reports whether any operation waits on key.
func (p *purgatory) watched(key TopicPartition) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.watchers[key]) > 0
}

// expireDue completes, as expired, the operations whose deadline is at or
// before now.
func (p *purgatory) expireDue(now int64) int {
	var due []delayed
	p.mu.Lock()
	for len(p.timers) > 0 && p.timers[0].base().deadline <= now {
		due = append(due, heap.Pop(&p.timers).(delayed))
	}
	p.mu.Unlock()
	n := 0
	for _, op := range due {
		if !op.base().done.CompareAndSwap(false, true) {
			continue
		}
		p.forget(op)
		op.expired()
		op.complete()
		n++
	}
	return n
}

// nextDeadline is the earliest deadline waiting.
func (p *purgatory) nextDeadline() (int64, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.timers) == 0 {
		return 0, false
	}
	return p.timers[0].base().deadline, true
}

// size is the number of operations waiting.
func (p *purgatory) size() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.timers)
}

// opHeap orders operations by deadline.
type opHeap []delayed

func (h opHeap) Len() int { return len(h) }
func (h opHeap) Less(i, j int) bool {
	return h[i].base().deadline < h[j].base().deadline
}
func (h opHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].base().heapIdx, h[j].base().heapIdx = i, j
}
func (h *opHeap) Push(x any) {
	op := x.(delayed)
	op.base().heapIdx = len(*h)
	*h = append(*h, op)
}
func (h *opHeap) Pop() any {
	old := *h
	n := len(old)
	op := old[n-1]
	old[n-1] = nil
	op.base().heapIdx = -1
	*h = old[:n-1]
	return op
}
