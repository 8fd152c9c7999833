package log

import (
	"encoding/binary"
	"fmt"

	"github.com/wharf-project/wharf/internal/kafka/record"
)

// timeIndex maps timestamps to offsets (TimeIndex). The file format and how
// entries are kept are described in index.go.
type timeIndex struct{ *index }

func newActiveTimeIndex(s *Segment, maxBytes int64, cache *FileCache) (*timeIndex, error) {
	x, err := newActiveIndex(s, TimeIndexFileSuffix, timeEntrySize, maxBytes, cache)
	if err != nil {
		return nil, err
	}
	return &timeIndex{x}, nil
}

func openTimeIndex(s *Segment, cache *FileCache) (*timeIndex, bool, error) {
	x, missing, err := openIndexFile(s, TimeIndexFileSuffix, timeEntrySize, cache)
	if err != nil {
		return nil, false, err
	}
	return &timeIndex{x}, missing, nil
}

func (ti *timeIndex) entryOf(e []byte) TimestampOffset {
	return TimestampOffset{keyTimestamp(ti.base, e), keyTimeOffset(ti.base, e)}
}

// lastEntry is the last entry, or (NoTimestamp, base) when empty.
func (ti *timeIndex) lastEntry() TimestampOffset {
	ti.mu.RLock()
	defer ti.mu.RUnlock()
	return ti.lastEntryLocked()
}

func (ti *timeIndex) lastEntryLocked() TimestampOffset {
	if e := ti.lastLocked(); e != nil {
		return ti.entryOf(e)
	}
	return TimestampOffset{Timestamp: record.NoTimestamp, Offset: ti.base}
}

// isFull is TimeIndex.isFull: the last slot is kept for the entry written
// when the segment is rolled.
func (ti *timeIndex) isFull() bool {
	ti.mu.RLock()
	defer ti.mu.RUnlock()
	return ti.n >= ti.maxEntries-1
}

// lookup returns the last entry whose timestamp is <= ts, or
// (NoTimestamp, base) when there is none (TimeIndex.lookup).
func (ti *timeIndex) lookup(ts int64) (TimestampOffset, error) {
	var e [timeEntrySize]byte
	slot, err := ti.search(ts, keyTimestamp, e[:])
	if err != nil || slot < 0 {
		return TimestampOffset{Timestamp: record.NoTimestamp, Offset: ti.base}, err
	}
	return ti.entryOf(e[:]), nil
}

// maybeAppend adds (ts, offset) to an active index when ts is above the
// last entry's timestamp (TimeIndex.maybeAppend). skipFullCheck is for the
// final entry of a segment, which uses the reserved slot.
func (ti *timeIndex) maybeAppend(ts, offset int64, skipFullCheck bool) error {
	ti.mu.Lock()
	defer ti.mu.Unlock()
	if !ti.active {
		return fmt.Errorf("%w: time index of segment %d is not active", ErrInvalidArgument, ti.base)
	}
	if !skipFullCheck && ti.n >= ti.maxEntries-1 {
		return fmt.Errorf("%w: time index of segment %d is full (%d entries)", ErrInvalidArgument, ti.base, ti.n)
	}
	last := ti.lastEntryLocked()
	if ti.n > 0 && offset < last.Offset {
		return fmt.Errorf("%w: time index offset %d is below the last entry's %d in segment %d",
			ErrInvalidArgument, offset, last.Offset, ti.base)
	}
	if ti.n > 0 && ts < last.Timestamp {
		return fmt.Errorf("%w: time index timestamp %d is below the last entry's %d in segment %d",
			ErrInvalidArgument, ts, last.Timestamp, ti.base)
	}
	if ts <= last.Timestamp {
		return nil
	}
	rel, ok := toRelative(ti.base, offset)
	if !ok {
		return fmt.Errorf("%w: offset %d overflows the time index of segment %d", ErrInvalidArgument, offset, ti.base)
	}
	var e [timeEntrySize]byte
	binary.BigEndian.PutUint64(e[:], uint64(ts))
	binary.BigEndian.PutUint32(e[8:], uint32(rel))
	ti.appendLocked(e[:])
	return nil
}

// truncateTo removes every entry whose offset is >= offset from an active
// index (TimeIndex.truncateTo).
func (ti *timeIndex) truncateTo(offset int64) {
	ti.mu.Lock()
	defer ti.mu.Unlock()
	ti.truncateKeyLocked(offset, keyTimeOffset)
}

// sanityCheck is TimeIndex.sanityCheck, on what the file held when opened.
func (ti *timeIndex) sanityCheck() error {
	ti.mu.RLock()
	defer ti.mu.RUnlock()
	path := ti.filePath()
	if ti.fileLen%timeEntrySize != 0 {
		return fmt.Errorf("time index file %s is corrupt, found %d bytes which is neither positive nor a multiple of %d",
			path, ti.fileLen, timeEntrySize)
	}
	if ti.n == 0 {
		return nil
	}
	first, last := keyTimestamp(ti.base, ti.head[:]), ti.entryOf(ti.tail[:])
	switch {
	case last.Timestamp < first:
		return fmt.Errorf("corrupt time index found, time index file (%s) has non-zero size but the last timestamp is %d which is less than the first timestamp %d",
			path, last.Timestamp, first)
	case last.Offset < ti.base:
		return fmt.Errorf("corrupt time index found, time index file (%s) has non-zero size but the last offset is %d which is less than the first offset %d",
			path, last.Offset, ti.base)
	}
	return nil
}
