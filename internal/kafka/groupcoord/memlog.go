package groupcoord

import (
	"sync"

	"github.com/wharf-project/wharf/internal/kafka/record"
)

// MemLog is an in-memory Log: each partition a byte slice of batches whose
// offsets it assigns, durable at once. Fail makes the next appends fail
// (fault injection); Hold keeps completions until Release (slow disks).
type MemLog struct {
	mu    sync.Mutex
	parts map[int32]*memPart
	fail  error
	hold  bool
	held  []func()
}

type memPart struct {
	data []byte
	next int64
}

// NewMemLog returns an empty MemLog.
func NewMemLog() *MemLog { return &MemLog{parts: map[int32]*memPart{}} }

// Append implements Log.
func (m *MemLog) Append(p int32, batch []byte, done func(err error)) {
	m.mu.Lock()
	if err := m.fail; err != nil {
		m.mu.Unlock()
		done(err)
		return
	}
	mp := m.parts[p]
	if mp == nil {
		mp = &memPart{}
		m.parts[p] = mp
	}
	b := record.Batch(append([]byte(nil), batch...))
	b.SetBaseOffset(mp.next)
	mp.next = b.NextOffset()
	mp.data = append(mp.data, b...)
	if m.hold {
		m.held = append(m.held, func() { done(nil) })
		m.mu.Unlock()
		return
	}
	m.mu.Unlock()
	done(nil)
}

// Read implements Log: everything from the batch holding offset from.
func (m *MemLog) Read(p int32, from int64, _ int32) ([]byte, int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	mp := m.parts[p]
	if mp == nil {
		return nil, 0, nil
	}
	it := record.Iterate(mp.data)
	for {
		b, pos, ok := it.Next()
		if !ok {
			return nil, mp.next, it.Err()
		}
		if b.LastOffset() >= from {
			return append([]byte(nil), mp.data[pos:]...), mp.next, nil
		}
	}
}

// SetFail makes appends fail with err (nil: succeed again).
func (m *MemLog) SetFail(err error) {
	m.mu.Lock()
	m.fail = err
	m.mu.Unlock()
}

// Hold keeps append completions back until Release.
func (m *MemLog) Hold() {
	m.mu.Lock()
	m.hold = true
	m.mu.Unlock()
}

// Release completes the held appends, in order, and stops holding.
func (m *MemLog) Release() {
	m.mu.Lock()
	held := m.held
	m.held, m.hold = nil, false
	m.mu.Unlock()
	for _, f := range held {
		f()
	}
}
