package partition

import (
	"sync"
	"time"
)

// flusher runs the group-commit fsyncs of durable mode: an append queues
// its partition (once: a partition already queued is not queued again),
// and a worker flushes the partition's log up to its end, then reports
// the new recovery point, which advances the high watermark and
// completes the acks=all produces and the fetches waiting for it. Every
// append that lands while a flush runs is covered by the next one, so
// concurrent producers share fsyncs; the workers never hold a partition
// lock during the fsync.
//
// A flush somebody waits for is urgent: an acks=all produce's, a
// replica's, and one a fetch asks for when it is about to wait on a
// partition with records not yet fsynced. A flush nobody waits for yet (an
// append with acks 0 or 1, answered without the fsync) is lazy: it runs
// within lazyDelay, so that a stream of such appends pays one fsync per
// delay rather than one per request; an urgent request for the same
// partition in the meantime runs it at once.
type flusher struct {
	lazyDelay time.Duration

	mu      sync.Mutex
	cond    sync.Cond
	queue   []*Partition // urgent, in order
	lazy    []*Partition // waiting for the lazy timer
	timerOn bool
	closed  bool
	wg      sync.WaitGroup
}

// A partition's flushState (Partition.flushQueued).
const (
	flushIdle   int32 = iota // not queued
	flushLazy                // in the lazy list
	flushUrgent              // in the queue
)

func newFlusher(workers int, lazyDelay time.Duration) *flusher {
	f := &flusher{lazyDelay: lazyDelay}
	f.cond.L = &f.mu
	for range workers {
		f.wg.Add(1)
		go f.work()
	}
	return f
}

// enqueue asks for a flush of p's log at once.
func (f *flusher) enqueue(p *Partition) {
	for {
		st := p.flushQueued.Load()
		if st == flushUrgent {
			return
		}
		if p.flushQueued.CompareAndSwap(st, flushUrgent) {
			break // a lazy entry left in f.lazy is skipped by promote
		}
	}
	f.mu.Lock()
	if f.closed {
		f.mu.Unlock()
		p.flushQueued.Store(flushIdle)
		return
	}
	f.queue = append(f.queue, p)
	f.mu.Unlock()
	f.cond.Signal()
}

// enqueueLazy asks for a flush of p's log within lazyDelay.
func (f *flusher) enqueueLazy(p *Partition) {
	if f.lazyDelay <= 0 {
		f.enqueue(p)
		return
	}
	if !p.flushQueued.CompareAndSwap(flushIdle, flushLazy) {
		return // already queued, lazily or not
	}
	f.mu.Lock()
	if f.closed {
		f.mu.Unlock()
		p.flushQueued.Store(flushIdle)
		return
	}
	f.lazy = append(f.lazy, p)
	if !f.timerOn {
		f.timerOn = true
		time.AfterFunc(f.lazyDelay, f.promote)
	}
	f.mu.Unlock()
}

// promote moves the lazy partitions to the queue. A partition an urgent
// request already queued (or a worker already flushed) is skipped.
func (f *flusher) promote() {
	f.mu.Lock()
	lazy := f.lazy
	f.lazy, f.timerOn = nil, false
	n := 0
	for _, p := range lazy {
		if p.flushQueued.CompareAndSwap(flushLazy, flushUrgent) {
			f.queue = append(f.queue, p)
			n++
		}
	}
	f.mu.Unlock()
	if n == 1 {
		f.cond.Signal()
	} else if n > 1 {
		f.cond.Broadcast()
	}
}

func (f *flusher) work() {
	defer f.wg.Done()
	for {
		f.mu.Lock()
		for len(f.queue) == 0 && !f.closed {
			f.cond.Wait()
		}
		if len(f.queue) == 0 {
			f.mu.Unlock()
			return
		}
		p := f.queue[0]
		f.queue[0] = nil
		f.queue = f.queue[1:]
		f.mu.Unlock()
		// Cleared before the flush: an append from now on queues the
		// partition again, for the next flush.
		p.flushQueued.Store(flushIdle)
		p.flush()
	}
}

// close finishes the queued flushes, lazy ones included, and stops the
// workers.
func (f *flusher) close() {
	f.promote()
	f.mu.Lock()
	f.closed = true
	f.mu.Unlock()
	f.cond.Broadcast()
	f.wg.Wait()
}
