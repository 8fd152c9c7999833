package log

import (
	"encoding/binary"
	"fmt"
	"io"
	"slices"
	"sync"
)

// The two index files of a segment (AbstractIndex, OffsetIndex, TimeIndex).
// Both are arrays of fixed-size big-endian entries with no header, no
// checksum and no trailer; offsets are stored relative to the segment's base
// offset (the number in the file name).
//
// <base>.index, 8-byte entries, strictly increasing offsets and positions:
//
//	+-------------------------+-------------------------+
//	| relative offset (int32) | file position (int32)   |  entry 0
//	+-------------------------+-------------------------+
//	| ...                                               |
//	+---------------------------------------------------+
//
// An entry (o, p) means: the batch starting at byte p of <base>.log has last
// offset base+o. One entry is added per index.interval.bytes of log, for the
// batch that crosses the interval, so a lookup of offset t finds the last
// entry with offset <= t and scans batch headers from p.
//
// <base>.timeindex, 12-byte entries, non-decreasing timestamps and offsets:
//
//	+---------------------------+-------------------------+
//	| timestamp (int64, ms)     | relative offset (int32) |  entry 0
//	+---------------------------+-------------------------+
//	| ...                                                 |
//	+-----------------------------------------------------+
//
// An entry (ts, o) means: the largest timestamp in the segment up to offset
// base+o is ts, so every record with a timestamp above ts comes after base+o.
// Entries are added alongside offset index entries, only when the segment's
// max timestamp grew, plus one final entry (the segment's max timestamp)
// when the segment stops being active.
//
// Files. An index file holds exactly its valid entries ("trimmed", as Kafka
// leaves it when a segment is rolled or the log closed). Kafka keeps the
// active segment's index files mmapped and preallocated to
// segment.index.bytes; here no index file is ever kept open. The active
// segment's entries (and those of a cleaned segment being written) live in
// memory only, at most segment.index.bytes of them (one entry per batch at
// most), and reach the files, trimmed, in one write when the segment is
// rolled, sealed or its log closed; the flush that covers an inactive
// segment fsyncs them. Until then the active segment's files may be missing
// or stale: recovery rescans the active segment after any crash (it always
// lies at or after the recovery point), and a missing or insane index is
// rebuilt whatever the shutdown.
//
// An existing file is opened as AbstractIndex does: every whole entry in it
// is valid (which is why a file with a zero tail, left untrimmed by Kafka
// after a crash, fails the sanity checks and is rebuilt). Opening reads only
// the file's length and its first and last entries; the entries of an
// inactive index are read whole when first looked up and kept in the
// FileCache, within its memory bound. Inactive entries are immutable: an
// index made active again (a truncation) works on a copy, so that lookups
// may search a loaded array without holding the index's lock.

const (
	offsetEntrySize = 8
	timeEntrySize   = 12
)

// keyFunc extracts a search key from an entry.
type keyFunc func(base int64, e []byte) int64

// index is the storage both kinds of index share.
type index struct {
	seg   *Segment // names the file
	kind  string   // IndexFileSuffix or TimeIndexFileSuffix
	es    int64    // entry size
	base  int64    // the segment's base offset
	cache *clockList
	entry cacheEntry

	mu         sync.RWMutex
	n          int64  // valid entries
	maxEntries int64  // room: segment.index.bytes/es while active, n after
	mem        []byte // entries [0, n) when loaded; always loaded while active
	loaded     bool
	active     bool // entries change: kept in memory, outside the cache
	listed     bool // counted in the cache
	written    bool // the file holds exactly the n entries
	synced     bool // ... durably
	fileLen    int64
	head, tail [timeEntrySize]byte // the first and last entries, when n > 0
}

func newIndex(seg *Segment, kind string, es int64, cache *FileCache) *index {
	x := &index{seg: seg, kind: kind, es: es, base: seg.base, cache: &cache.indexes}
	x.entry.owner = x
	return x
}

// newActiveIndex is an empty index taking appends, with room for maxBytes.
func newActiveIndex(seg *Segment, kind string, es, maxBytes int64, cache *FileCache) (*index, error) {
	if maxBytes < es {
		return nil, fmt.Errorf("%w: invalid max index size %d", ErrInvalidConfig, maxBytes)
	}
	x := newIndex(seg, kind, es, cache)
	x.loaded, x.active = true, true
	x.maxEntries = maxBytes / es
	return x, nil
}

// openIndexFile reads what an existing index file says about itself: its
// length and first and last entries. A missing file is an empty index,
// reported in missing.
func openIndexFile(seg *Segment, kind string, es int64, cache *FileCache) (x *index, missing bool, err error) {
	x = newIndex(seg, kind, es, cache)
	err = seg.atPath(kind, func(path string) error {
		f, err := seg.fs.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		st, err := f.Stat()
		if err != nil {
			return err
		}
		x.fileLen = st.Size()
		x.n = x.fileLen / es
		if x.n == 0 {
			return nil
		}
		if _, err := f.ReadAt(x.head[:es], 0); err != nil {
			return fmt.Errorf("log: reading index %s: %w", path, err)
		}
		if _, err := f.ReadAt(x.tail[:es], (x.n-1)*es); err != nil {
			return fmt.Errorf("log: reading index %s: %w", path, err)
		}
		return nil
	})
	if isNotExist(err) {
		return x, true, nil
	}
	if err != nil {
		return nil, false, err
	}
	x.maxEntries = x.n
	x.written = true
	return x, false, nil
}

func (x *index) entries() int64 {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.n
}

// isActive reports whether the index takes changes (and lives in memory).
func (x *index) isActive() bool {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.active
}

// sizeInBytes is the size of the valid entries.
func (x *index) sizeInBytes() int64 { return x.entries() * x.es }

func (x *index) filePath() string { return x.seg.path(x.kind) }

// lastLocked is the last entry, or nil when empty.
func (x *index) lastLocked() []byte {
	if x.n == 0 {
		return nil
	}
	return x.tail[:x.es]
}

// largestLowerBound returns the last slot of mem's n entries whose key is
// <= target, or -1 when there is none. Keys must be non-decreasing.
func largestLowerBound(mem []byte, n, es, base, target int64, key keyFunc) int64 {
	if n == 0 || key(base, mem[:es]) > target {
		return -1
	}
	lo, hi := int64(0), n-1 // key(lo) <= target
	for lo < hi {
		mid := lo + (hi-lo+1)/2
		if key(base, mem[mid*es:]) <= target {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return lo
}

// search copies into out the last entry whose key is <= target and returns
// its slot, or -1 when there is none. An inactive index is loaded first.
func (x *index) search(target int64, key keyFunc, out []byte) (int64, error) {
	for {
		x.mu.RLock()
		if x.active {
			// Mutable entries: search under the lock.
			slot := largestLowerBound(x.mem, x.n, x.es, x.base, target, key)
			if slot >= 0 {
				copy(out, x.mem[slot*x.es:(slot+1)*x.es])
			}
			x.mu.RUnlock()
			return slot, nil
		}
		mem, n, loaded := x.mem, x.n, x.loaded
		x.mu.RUnlock()
		if loaded {
			x.cache.touch(&x.entry)
		} else {
			var active bool
			var err error
			if mem, n, active, err = x.load(); err != nil {
				return -1, err
			}
			if active {
				continue // made active meanwhile
			}
		}
		// Inactive entries never change: no lock needed.
		slot := largestLowerBound(mem, n, x.es, x.base, target, key)
		if slot >= 0 {
			copy(out, mem[slot*x.es:(slot+1)*x.es])
		}
		return slot, nil
	}
}

// load reads an inactive index's entries from its file and caches them. It
// reports active instead when the index is active (its entries must be
// read under the lock).
func (x *index) load() (mem []byte, n int64, active bool, err error) {
	x.mu.Lock()
	if x.active {
		x.mu.Unlock()
		return nil, 0, true, nil
	}
	err = x.loadLocked()
	mem, n = x.mem, x.n
	add := err == nil && !x.listed
	x.listed = x.listed || add
	x.mu.Unlock()
	if add {
		x.cache.add(&x.entry, int64(cap(mem)))
	}
	return mem, n, false, err
}

func (x *index) loadLocked() error {
	if x.loaded {
		return nil
	}
	b := make([]byte, x.n*x.es)
	if len(b) > 0 {
		err := x.seg.atPath(x.kind, func(path string) error {
			f, err := x.seg.fs.Open(path)
			if err != nil {
				return err
			}
			defer f.Close()
			if m, err := f.ReadAt(b, 0); m < len(b) {
				return fmt.Errorf("log: reading index %s: %d of %d bytes: %w", path, m, len(b), err)
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	x.mem, x.loaded = b, true
	return nil
}

// evict is the cache dropping an inactive index's entries.
func (x *index) evict() (keep bool, toClose io.Closer) {
	if !x.mu.TryLock() {
		return true, nil
	}
	defer x.mu.Unlock()
	if !x.active {
		x.mem, x.loaded = nil, false
	}
	x.listed = false
	return false, nil
}

// appendLocked adds an entry to an active index (the caller checked
// ordering; room is the roll's business, as in Kafka).
func (x *index) appendLocked(e []byte) {
	x.mem = append(x.mem, e...)
	x.n++
	if x.n == 1 {
		copy(x.head[:], e)
	}
	copy(x.tail[:], e)
	x.written, x.synced = false, false
}

// truncateToEntriesLocked keeps the first k entries of an active index.
func (x *index) truncateToEntriesLocked(k int64) {
	if k >= x.n {
		return
	}
	x.n = k
	x.mem = x.mem[:k*x.es]
	if k > 0 {
		copy(x.tail[:], x.mem[(k-1)*x.es:])
	}
	x.written, x.synced = false, false
}

// truncateKeyLocked keeps the entries of an active index whose key (an
// offset) is below target (OffsetIndex/TimeIndex.truncateTo): an entry for
// target itself goes, and everything after it.
func (x *index) truncateKeyLocked(target int64, key keyFunc) {
	slot := largestLowerBound(x.mem, x.n, x.es, x.base, target, key)
	keep := slot + 1
	if slot >= 0 && key(x.base, x.mem[slot*x.es:]) == target {
		keep = slot
	}
	x.truncateToEntriesLocked(keep)
}

// makeActive loads the entries to take changes again, with room for
// maxBytes (rounded down to whole entries; entries past the room are
// dropped, as AbstractIndex.resize does).
func (x *index) makeActive(maxBytes int64) error {
	x.mu.Lock()
	if !x.active {
		if err := x.loadLocked(); err != nil {
			x.mu.Unlock()
			return err
		}
		x.mem = slices.Clone(x.mem) // the loaded array stays immutable for lookups holding it
		x.active = true
	}
	x.maxEntries = maxBytes / x.es
	x.truncateToEntriesLocked(x.maxEntries)
	x.unlockUnlisted()
	return nil
}

// reset empties an index, making it active, before a rebuild
// (AbstractIndex.reset).
func (x *index) reset(maxBytes int64) {
	x.mu.Lock()
	x.mem, x.n, x.loaded, x.active = nil, 0, true, true
	x.maxEntries = maxBytes / x.es
	x.written, x.synced = false, false
	x.unlockUnlisted()
}

// finish writes an active index's entries to its file, trimmed, synced if
// sync, and makes the index inactive (immutable, and cached)
// (AbstractIndex.trimToValidSize, then closing the mmap).
func (x *index) finish(sync bool) error {
	x.mu.Lock()
	var err error
	switch {
	case !x.written:
		err = x.writeFileLocked(sync)
	case sync:
		err = x.syncFileLocked()
	}
	if err != nil {
		x.mu.Unlock()
		return err
	}
	x.active = false
	x.maxEntries = x.n
	add := x.loaded && !x.listed
	x.listed = x.listed || add
	cost := int64(cap(x.mem))
	x.mu.Unlock()
	if add {
		x.cache.add(&x.entry, cost)
	}
	return nil
}

// writeFileLocked replaces the file with the valid entries.
func (x *index) writeFileLocked(sync bool) error {
	b := x.mem[:x.n*x.es]
	err := x.seg.atPath(x.kind, func(path string) error {
		f, err := x.seg.fs.Create(path)
		if err != nil {
			return err
		}
		if len(b) > 0 {
			if _, err := f.WriteAt(b, 0); err != nil {
				_ = f.Close()
				return fmt.Errorf("log: writing index %s: %w", path, err)
			}
		}
		if sync {
			if err := f.Sync(); err != nil {
				_ = f.Close()
				return err
			}
		}
		return f.Close()
	})
	if err != nil {
		x.written, x.synced = false, false
		return err
	}
	x.written, x.synced, x.fileLen = true, sync, int64(len(b))
	return nil
}

// syncFile makes an inactive index's file durable, once: opened, fsynced,
// closed. An active index is skipped: its file is rewritten when it stops
// being active, and recovery rebuilds it after a crash.
func (x *index) syncFile() error {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.active {
		return nil
	}
	return x.syncFileLocked()
}

func (x *index) syncFileLocked() error {
	switch {
	case !x.written:
		return x.writeFileLocked(true)
	case x.synced:
		return nil
	}
	err := x.seg.atPath(x.kind, func(path string) error {
		f, err := x.seg.fs.Open(path)
		if err != nil {
			return err
		}
		if err := f.Sync(); err != nil {
			_ = f.Close()
			return err
		}
		return f.Close()
	})
	if err == nil {
		x.synced = true
	}
	return err
}

// unlockUnlisted takes the index out of the cache and unlocks it.
func (x *index) unlockUnlisted() { x.cache.unlockUnlisted(&x.mu, &x.listed, &x.entry) }

// release drops the entries from memory and the cache (the segment is
// closed or gone).
func (x *index) release() {
	x.mu.Lock()
	if !x.active {
		x.mem, x.loaded = nil, false
	}
	x.unlockUnlisted()
}

// allEntries returns a copy of the valid entries.
func (x *index) allEntries() ([]byte, error) {
	for {
		x.mu.RLock()
		if x.loaded {
			b := slices.Clone(x.mem[:x.n*x.es])
			x.mu.RUnlock()
			return b, nil
		}
		x.mu.RUnlock()
		mem, n, active, err := x.load()
		if err != nil {
			return nil, err
		}
		if !active {
			return slices.Clone(mem[:n*x.es]), nil
		}
	}
}

// Keys for searches.
func keyOffset(base int64, e []byte) int64 { return base + int64(int32(binary.BigEndian.Uint32(e))) }
func keyPosition(_ int64, e []byte) int64  { return int64(int32(binary.BigEndian.Uint32(e[4:]))) }
func keyTimestamp(_ int64, e []byte) int64 { return int64(binary.BigEndian.Uint64(e)) }
func keyTimeOffset(base int64, e []byte) int64 {
	return base + int64(int32(binary.BigEndian.Uint32(e[8:])))
}

// OffsetPosition is an offset index entry, offsets absolute.
type OffsetPosition struct {
	Offset   int64
	Position int64
}

// TimestampOffset is a time index entry, offsets absolute.
type TimestampOffset struct {
	Timestamp int64
	Offset    int64
}

// DecodeOffsetIndex parses the whole entries of an .index file's bytes.
func DecodeOffsetIndex(b []byte, base int64) []OffsetPosition {
	out := make([]OffsetPosition, 0, len(b)/offsetEntrySize)
	for ; len(b) >= offsetEntrySize; b = b[offsetEntrySize:] {
		out = append(out, OffsetPosition{keyOffset(base, b), keyPosition(base, b)})
	}
	return out
}

// DecodeTimeIndex parses the whole entries of a .timeindex file's bytes.
func DecodeTimeIndex(b []byte, base int64) []TimestampOffset {
	out := make([]TimestampOffset, 0, len(b)/timeEntrySize)
	for ; len(b) >= timeEntrySize; b = b[timeEntrySize:] {
		out = append(out, TimestampOffset{keyTimestamp(base, b), keyTimeOffset(base, b)})
	}
	return out
}

// toRelative converts an offset to the int32 an entry stores; ok is false
// when it does not fit (AbstractIndex.toRelative).
func toRelative(base, offset int64) (int32, bool) {
	r := offset - base
	if r < 0 || r > 1<<31-1 {
		return 0, false
	}
	return int32(r), true
}
