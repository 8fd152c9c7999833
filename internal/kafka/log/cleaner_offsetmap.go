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

// find returns the slot holding (h1, h2), or the empty slot where it
// belongs; ok is false when the table is full and does not hold it.
func (m *offsetMap) find(h1, h2 uint64) (slot int, ok bool) {
	m.lookups++
	n := len(m.table)
	hi, _ := bits.Mul64(h1, uint64(n))
	i := int(hi)
	for range n {
		m.probes++
		e := &m.table[i]
		if e.h1 == 0 || (e.h1 == h1 && e.h2 == h2) {
			return i, true
		}
		if i++; i == n {
			i = 0
		}
	}
	return 0, false
}

// put maps key to offset, which becomes the latest offset.
func (m *offsetMap) put(key []byte, offset int64) error {
	h1, h2 := m.hash(key)
	slot, ok := m.find(h1, h2)
	if ok && m.table[slot].h1 != 0 {
		m.table[slot].offset = offset
		m.latest = offset
		return nil
	}
	if m.entries >= m.maxSlots {
		return errOffsetMapFull
	}
	if m.entries+1 > len(m.table)*3/4 && len(m.table) < m.maxSlots {
		m.grow()
		slot, ok = m.find(h1, h2)
	}
	if !ok {
		return errOffsetMapFull
	}
	m.table[slot] = mapEntry{h1, h2, offset}
	m.entries++
	m.latest = offset
	return nil
}

// get returns the offset of key, or -1.
func (m *offsetMap) get(key []byte) int64 {
	h1, h2 := m.hash(key)
	slot, ok := m.find(h1, h2)
	if !ok || m.table[slot].h1 == 0 {
		return -1
	}
	return m.table[slot].offset
}

// grow doubles the table (up to maxSlots) and rehashes it.
func (m *offsetMap) grow() {
	old, lookups, probes := m.table, m.lookups, m.probes
	m.table = make([]mapEntry, min(2*len(old), m.maxSlots))
	for _, e := range old {
		if e.h1 != 0 {
			slot, _ := m.find(e.h1, e.h2)
			m.table[slot] = e
		}
	}
	m.lookups, m.probes = lookups, probes
}
