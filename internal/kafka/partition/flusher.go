package partition

import "sync"

// flusher runs the group-commit fsyncs of durable mode: an append queues
// its partition (once: a partition already queued is not queued again),
// and a worker flushes the partition's log up to its end, then reports
// the new recovery point, which advances the high watermark and
// completes the acks=all produces and the fetches waiting for it. Every
// append that lands while a flush runs is covered by the next one, so
// concurrent producers share fsyncs; the workers never hold a partition
// lock during the fsync.
type flusher struct {
	mu     sync.Mutex
	cond   sync.Cond
	queue  []*Partition
	closed bool
	wg     sync.WaitGroup
}

func newFlusher(workers int) *flusher {
	f := &flusher{}
	f.cond.L = &f.mu
	for range workers {
		f.wg.Add(1)
		go f.work()
	}
	return f
}

// enqueue asks for a flush of p's log.
func (f *flusher) enqueue(p *Partition) {
	if !p.flushQueued.CompareAndSwap(false, true) {
		return
	}
	f.mu.Lock()
	if f.closed {
		f.mu.Unlock()
		p.flushQueued.Store(false)
		return
	}
	f.queue = append(f.queue, p)
	f.mu.Unlock()
	f.cond.Signal()
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
		p.flushQueued.Store(false)
		p.flush()
	}
}

// close finishes the queued flushes and stops the workers.
func (f *flusher) close() {
	f.mu.Lock()
	f.closed = true
	f.mu.Unlock()
	f.cond.Broadcast()
	f.wg.Wait()
}
