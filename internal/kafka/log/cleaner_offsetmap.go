package log

import (
	"errors"
	"hash/maphash"
	"math/bits"
)

// offsetMap is the cleaner's key -> latest offset map (Kafka's
// SkimpyOffsetMap): an open-addressing table of fixed-size entries, each a
// 128-bit hash of the key and an offset, so that its memory is bounded
// whatever the keys' sizes. Two keys with the same hash are one key to
// the map; with 128 bits that does not happen by chance.
//
// The hash. Kafka uses MD5. Wharf uses two independently seeded 64-bit
// hash/maphash values instead: several times faster, just as wide, and,
// unlike a fixed public digest (MD5 collisions are cheap to construct),
// seeded afresh at every clear, so a producer cannot craft two keys that
// collide and make the cleaner drop another key's records. An entry is
// empty when its first hash word is zero; stored hashes have bit 0 set.
//
// The table starts small and doubles, up to the slots the memory budget
// allows, so a cleaner of small logs does not hold the whole dedupe buffer
// (while growing, the old and new tables briefly coexist: at most 1.5
// times the budget).
type offsetMap struct {
	maxSlots int
	table    []mapEntry
	entries  int
	latest   int64
	seed1    maphash.Seed
	seed2    maphash.Seed
	lookups  int64
	probes   int64
}

type mapEntry struct {
	h1, h2 uint64
	offset int64
}

// minMapSlots is the table's initial size.
const minMapSlots = 1024

var errOffsetMapFull = errors.New("log: offset map full")

func newOffsetMap(slots int) *offsetMap {
	m := &offsetMap{maxSlots: max(slots, 1)}
	m.clear()
	return m
}

// slots is how many keys the map can hold (OffsetMap.slots).
func (m *offsetMap) slots() int { return m.maxSlots }

// size is how many keys it holds.
func (m *offsetMap) size() int { return m.entries }

// latestOffset is the offset last put or set by updateLatestOffset, -1
// after clear.
func (m *offsetMap) latestOffset() int64 { return m.latest }

func (m *offsetMap) updateLatestOffset(o int64) { m.latest = o }

// utilization is the share of the slots in use.
func (m *offsetMap) utilization() float64 { return float64(m.entries) / float64(m.maxSlots) }

// collisionRate is the extra probes per lookup.
func (m *offsetMap) collisionRate() float64 {
	if m.lookups == 0 {
		return 0
	}
	return float64(m.probes-m.lookups) / float64(m.lookups)
}

// clear empties the map and draws new seeds. The table keeps its size.
func (m *offsetMap) clear() {
	if m.table == nil {
		m.table = make([]mapEntry, min(minMapSlots, m.maxSlots))
	} else {
		clear(m.table)
	}
	m.entries, m.latest, m.lookups, m.probes = 0, -1, 0, 0
	m.seed1, m.seed2 = maphash.MakeSeed(), maphash.MakeSeed()
}

func (m *offsetMap) hash(key []byte) (uint64, uint64) {
	return maphash.Bytes(m.seed1, key) | 1, maphash.Bytes(m.seed2, key)
}

// home is the slot a hash belongs in.
func (m *offsetMap) home(h1 uint64) int {
	hi, _ := bits.Mul64(h1, uint64(len(m.table)))
	return int(hi)
}

// dist is how far slot i is from the home of the entry hashed h1.
func (m *offsetMap) dist(h1 uint64, i int) int {
	d := i - m.home(h1)
	if d < 0 {
		d += len(m.table)
	}
	return d
}

// lookup returns the slot holding (h1, h2). The table is kept in Robin
// Hood order (along a probe sequence, entries never sit farther from home
// than the ones before them), so a miss stops at the first entry closer
// to its home than the probe is: at a 0.9 load a miss probes a few slots,
// not the fifty of plain linear probing.
func (m *offsetMap) lookup(h1, h2 uint64) (int, bool) {
	n := len(m.table)
	i := m.home(h1)
	for d := 0; d < n; d++ {
		m.probes++
		e := &m.table[i]
		if e.h1 == 0 || m.dist(e.h1, i) < d {
			return 0, false
		}
		if e.h1 == h1 && e.h2 == h2 {
			return i, true
		}
		if i++; i == n {
			i = 0
		}
	}
	return 0, false
}

// insert adds an entry whose key is absent; the table has a free slot.
// Along the way an entry farther from home takes the slot of one closer to
// its own, which moves on.
func (m *offsetMap) insert(e mapEntry) {
	n := len(m.table)
	i, d := m.home(e.h1), 0
	for {
		s := &m.table[i]
		if s.h1 == 0 {
			*s = e
			return
		}
		if sd := m.dist(s.h1, i); sd < d {
			*s, e, d = e, *s, sd
		}
		if i++; i == n {
			i = 0
		}
		d++
	}
}

// put maps key to offset, which becomes the latest offset.
func (m *offsetMap) put(key []byte, offset int64) error {
	h1, h2 := m.hash(key)
	m.lookups++
	if slot, ok := m.lookup(h1, h2); ok {
		m.table[slot].offset = offset
		m.latest = offset
		return nil
	}
	if m.entries >= m.maxSlots {
		return errOffsetMapFull
	}
	if m.entries+1 > len(m.table)*3/4 && len(m.table) < m.maxSlots {
		m.grow()
	}
	m.insert(mapEntry{h1, h2, offset})
	m.entries++
	m.latest = offset
	return nil
}

// get returns the offset of key, or -1.
func (m *offsetMap) get(key []byte) int64 {
	h1, h2 := m.hash(key)
	m.lookups++
	slot, ok := m.lookup(h1, h2)
	if !ok {
		return -1
	}
	return m.table[slot].offset
}

// grow doubles the table (up to maxSlots) and rehashes it.
func (m *offsetMap) grow() {
	old := m.table
	m.table = make([]mapEntry, min(2*len(old), m.maxSlots))
	for _, e := range old {
		if e.h1 != 0 {
			m.insert(e)
		}
	}
}
