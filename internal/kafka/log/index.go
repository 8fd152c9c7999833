package log

import (
	"encoding/binary"
	"fmt"
	"sync"

	"github.com/wharf-project/wharf/internal/vfs"
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
// Sizes. The active segment's index files are preallocated to
// segment.index.bytes rounded down to the entry size, zero-filled; the
// number of valid entries is known only in memory. When the segment is
// rolled or the log closed, the files are trimmed to their valid entries.
// An existing file is opened as AbstractIndex does: every whole entry in it
// is taken as valid (which is why a file that was not trimmed, after a
// crash, holds zero entries at its end: recovery or the sanity checks
// replace it). Reopened as the active segment's index, the file is extended
// to segment.index.bytes again.
//
// In memory. The entries of an inactive segment are read from the file on
// demand (binary search with positioned reads, the last few hundred entries
// in one read). The active index keeps its newest entries (at most about
// 2*warmBytes) in memory: appends go there and reach the file in batches,
// when the window is full, at flush, roll and close; recovery rebuilds the
// index of any segment that was not flushed, so entries not yet in the file
// are never needed after a crash.

const (
	offsetEntrySize = 8
	timeEntrySize   = 12
	// warmBytes is how much of the active index stays in memory after a
	// spill (Kafka's warm section is 8 KiB for the same reason: lookups near
	// the end are the common case).
	warmBytes = 8192
	// chunkEntries bounds the entries a lookup reads from a file at once.
	chunkEntries = 512
)

var chunkPool = sync.Pool{New: func() any { b := make([]byte, chunkEntries*timeEntrySize); return &b }}

// index is the storage both kinds of index share.
type index struct {
	mu       sync.RWMutex
	fs       vfs.FS
	path     string
	f        vfs.File
	es       int64 // entry size
	base     int64 // the segment's base offset
	fileLen  int64 // the file's length: preallocated while active, trimmed otherwise
	n        int64 // valid entries
	written  int64 // entries [0, written) are in the file
	memStart int64 // mem holds entries [memStart, n); memStart <= written
	mem      []byte
}

// openIndex opens the index at path. create makes a new, empty file
// preallocated to maxBytes (replacing any file of that name); otherwise an
// existing file is opened (created empty if missing) and every whole entry
// in it is valid.
func openIndex(fs vfs.FS, path string, base, es, maxBytes int64, create bool) (*index, error) {
	x := &index{fs: fs, path: path, es: es, base: base}
	var err error
	if create {
		if maxBytes < es {
			return nil, fmt.Errorf("%w: invalid max index size %d", ErrInvalidConfig, maxBytes)
		}
		if x.f, err = fs.Create(path); err != nil {
			return nil, err
		}
		x.fileLen = maxBytes / es * es
		if err = x.f.Truncate(x.fileLen); err != nil {
			_ = x.f.Close()
			return nil, err
		}
		return x, nil
	}
	if x.f, err = fs.OpenReadWrite(path); err != nil {
		return nil, err
	}
	st, err := x.f.Stat()
	if err != nil {
		_ = x.f.Close()
		return nil, err
	}
	x.fileLen = st.Size()
	x.n = x.fileLen / es
	x.written, x.memStart = x.n, x.n
	return x, nil
}

func (x *index) entries() int64 {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.n
}

// maxEntries is how many entries the file has room for (AbstractIndex.maxEntries).
func (x *index) maxEntriesLocked() int64 { return x.fileLen / x.es }

// sizeInBytes is the size of the valid entries.
func (x *index) sizeInBytes() int64 { return x.entries() * x.es }

// entryLocked returns entry i, from memory or from the file (into buf).
func (x *index) entryLocked(i int64, buf []byte) ([]byte, error) {
	if i >= x.memStart {
		o := (i - x.memStart) * x.es
		return x.mem[o : o+x.es], nil
	}
	b := buf[:x.es]
	if _, err := x.f.ReadAt(b, i*x.es); err != nil {
		return nil, fmt.Errorf("log: reading index %s entry %d: %w", x.path, i, err)
	}
	return b, nil
}

// largestLowerBoundLocked returns the last slot whose key is <= target, or
// -1 when there is none. Keys must be non-decreasing.
func (x *index) largestLowerBoundLocked(target int64, key func(base int64, e []byte) int64) (int64, error) {
	if x.n == 0 {
		return -1, nil
	}
	bp := chunkPool.Get().(*[]byte)
	defer chunkPool.Put(bp)
	buf := *bp
	at := func(i int64) (int64, error) {
		e, err := x.entryLocked(i, buf)
		if err != nil {
			return 0, err
		}
		return key(x.base, e), nil
	}
	lo, hi := int64(0), x.n-1
	if x.memStart < x.n {
		k, err := at(x.memStart)
		if err != nil {
			return 0, err
		}
		if k <= target {
			lo = x.memStart // the answer is in memory
		} else {
			if x.memStart == 0 {
				return -1, nil
			}
			hi = x.memStart - 1
		}
	}
	if lo == 0 {
		k, err := at(0)
		if err != nil {
			return 0, err
		}
		if k > target {
			return -1, nil
		}
	}
	// key(lo) <= target; find the last such slot in [lo, hi].
	for lo < hi {
		if lo < x.memStart && hi-lo < chunkEntries {
			return x.searchChunkLocked(lo, hi, target, key, buf)
		}
		mid := lo + (hi-lo+1)/2
		k, err := at(mid)
		if err != nil {
			return 0, err
		}
		if k <= target {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return lo, nil
}

// searchChunkLocked finishes a search over file-resident slots [lo, hi]
// (key(lo) <= target) with one read.
func (x *index) searchChunkLocked(lo, hi, target int64, key func(int64, []byte) int64, buf []byte) (int64, error) {
	b := buf[:(hi-lo+1)*x.es]
	if _, err := x.f.ReadAt(b, lo*x.es); err != nil {
		return 0, fmt.Errorf("log: reading index %s: %w", x.path, err)
	}
	for i := hi; i > lo; i-- {
		if key(x.base, b[(i-lo)*x.es:]) <= target {
			return i, nil
		}
	}
	return lo, nil
}

// truncateKeyLocked keeps the entries whose key (an offset) is below
// target (OffsetIndex/TimeIndex.truncateTo): an entry for target itself
// goes, and everything after it.
func (x *index) truncateKeyLocked(target int64, key func(int64, []byte) int64) error {
	slot, err := x.largestLowerBoundLocked(target, key)
	if err != nil {
		return err
	}
	keep := slot + 1
	if slot >= 0 {
		buf := make([]byte, x.es)
		e, err := x.entryLocked(slot, buf)
		if err != nil {
			return err
		}
		if key(x.base, e) == target {
			keep = slot
		}
	}
	x.truncateToEntriesLocked(keep)
	return nil
}

// appendLocked adds an entry (the caller checked ordering and room).
func (x *index) appendLocked(e []byte) error {
	x.mem = append(x.mem, e...)
	x.n++
	if int64(len(x.mem)) < 2*warmBytes {
		return nil
	}
	if err := x.writePendingLocked(); err != nil {
		return err
	}
	drop := (int64(len(x.mem)) - warmBytes) / x.es
	x.mem = x.mem[:copy(x.mem, x.mem[drop*x.es:])]
	x.memStart += drop
	return nil
}

// writePendingLocked writes the entries not yet in the file.
func (x *index) writePendingLocked() error {
	if x.written >= x.n {
		return nil
	}
	b := x.mem[(x.written-x.memStart)*x.es : (x.n-x.memStart)*x.es]
	if _, err := x.f.WriteAt(b, x.written*x.es); err != nil {
		return fmt.Errorf("log: writing index %s: %w", x.path, err)
	}
	x.written = x.n
	if end := x.n * x.es; end > x.fileLen {
		x.fileLen = end // an index rebuilt past its preallocated size grows
	}
	return nil
}

// truncateToEntriesLocked keeps the first k entries.
func (x *index) truncateToEntriesLocked(k int64) {
	if k >= x.n {
		return
	}
	x.n = k
	x.written = min(x.written, k)
	if k < x.memStart {
		x.memStart = k
		x.mem = x.mem[:0]
	} else {
		x.mem = x.mem[:(k-x.memStart)*x.es]
	}
}

// resizeLocked sets the file's length to newSize rounded down to whole
// entries (AbstractIndex.resize), writing pending entries first.
func (x *index) resizeLocked(newSize int64) error {
	rounded := newSize / x.es * x.es
	if err := x.writePendingLocked(); err != nil {
		return err
	}
	if rounded == x.fileLen {
		return nil
	}
	if err := x.f.Truncate(rounded); err != nil {
		return fmt.Errorf("log: resizing index %s: %w", x.path, err)
	}
	x.fileLen = rounded
	if rounded < x.n*x.es {
		x.truncateToEntriesLocked(rounded / x.es)
	}
	return nil
}

func (x *index) resize(newSize int64) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.resizeLocked(newSize)
}

// trimToValidSize cuts the file to its valid entries (AbstractIndex.trimToValidSize).
func (x *index) trimToValidSize() error {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.resizeLocked(x.n * x.es)
}

// writePending writes the entries held only in memory.
func (x *index) writePending() error {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.writePendingLocked()
}

// reset empties the index and preallocates maxBytes (AbstractIndex.reset).
func (x *index) resetLocked(maxBytes int64) error {
	x.n, x.written, x.memStart = 0, 0, 0
	x.mem = x.mem[:0]
	return x.resizeLocked(maxBytes)
}

func (x *index) sync() error { return x.f.Sync() }

func (x *index) close() error { return x.f.Close() }

// rename moves the file (the handle follows it).
func (x *index) rename(newPath string) error {
	if err := x.fs.Rename(x.path, newPath); err != nil {
		return err
	}
	x.mu.Lock()
	x.path = newPath
	x.mu.Unlock()
	return nil
}

func (x *index) setPath(p string) {
	x.mu.Lock()
	x.path = p
	x.mu.Unlock()
}

func (x *index) filePath() string {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.path
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
