package server

import (
	"math/rand"
	"sync"

	"github.com/wharf-project/wharf/internal/zk/persist"
)

// maxBatch bounds one group commit (ZooKeeper's SyncRequestProcessor flushes
// at 1000 requests too).
const maxBatch = 1000

// persister appends prepared txns to the log and fsyncs once per batch:
// group commit. It hands every batch back to the core in submission order.
// Its queue is unbounded so the core never blocks on it; connections are
// bounded upstream by their request tokens.
type persister struct {
	log  *persist.SnapLog
	core *core

	mu     sync.Mutex
	cond   *sync.Cond
	queue  []*item
	closed bool

	snapCount int
	sinceSnap int
	threshold int
	rnd       *rand.Rand
	done      chan struct{}
}

func newPersister(log *persist.SnapLog, k *core, snapCount int) *persister {
	p := &persister{log: log, core: k, snapCount: snapCount, rnd: rand.New(rand.NewSource(rand.Int63())), done: make(chan struct{})}
	p.cond = sync.NewCond(&p.mu)
	p.resetThreshold()
	return p
}

// resetThreshold is SyncRequestProcessor's randomised roll: snapCount/2 plus
// a random share of the other half, so an ensemble's members do not all
// snapshot at once.
func (p *persister) resetThreshold() {
	half := p.snapCount / 2
	if half < 1 {
		half = 1
	}
	p.threshold = half + p.rnd.Intn(half)
	p.sinceSnap = 0
}

func (p *persister) submit(it *item) {
	p.mu.Lock()
	p.queue = append(p.queue, it)
	p.mu.Unlock()
	p.cond.Signal()
}

func (p *persister) stop() {
	p.mu.Lock()
	p.closed = true
	p.mu.Unlock()
	p.cond.Signal()
	<-p.done
}

func (p *persister) take() ([]*item, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for len(p.queue) == 0 && !p.closed {
		p.cond.Wait()
	}
	if len(p.queue) == 0 {
		return nil, false
	}
	n := min(len(p.queue), maxBatch)
	batch := make([]*item, n)
	copy(batch, p.queue)
	rest := copy(p.queue, p.queue[n:])
	clear(p.queue[rest:])
	p.queue = p.queue[:rest]
	return batch, true
}

func (p *persister) run() {
	defer close(p.done)
	for {
		batch, ok := p.take()
		if !ok {
			return
		}
		txns := 0
		var err error
		for _, it := range batch {
			if it.hdr == nil {
				continue
			}
			if err = p.log.TxnLog().Append(it.hdr, it.txn, nil); err != nil {
				break
			}
			txns++
		}
		if err == nil && txns > 0 {
			err = p.log.TxnLog().Commit()
		}
		if err != nil {
			p.core.post(evPersisted{err: err})
			return
		}
		p.core.post(evPersisted{batch: batch})
		p.sinceSnap += txns
		if p.sinceSnap >= p.threshold {
			if err := p.log.TxnLog().Roll(); err != nil {
				p.core.post(evPersisted{err: err})
				return
			}
			p.resetThreshold()
			p.core.post(evSnapshotDue{})
		}
	}
}
