package log

import (
	"encoding/binary"
	"fmt"

	"github.com/wharf-project/wharf/internal/kafka/record"
	"github.com/wharf-project/wharf/internal/vfs"
)

// timeIndex maps timestamps to offsets (TimeIndex). The file format is
// described in index.go.
type timeIndex struct {
	*index
	last TimestampOffset // the last entry, or (NoTimestamp, base) when empty (under mu)
}

func openTimeIndex(fs vfs.FS, path string, base, maxBytes int64, create bool) (*timeIndex, error) {
	x, err := openIndex(fs, path, base, timeEntrySize, maxBytes, create)
	if err != nil {
		return nil, err
	}
	ti := &timeIndex{index: x}
	if err := ti.refreshLastLocked(); err != nil {
		_ = x.close()
		return nil, err
	}
	return ti, nil
}

func (ti *timeIndex) refreshLastLocked() error {
	ti.last = TimestampOffset{Timestamp: record.NoTimestamp, Offset: ti.base}
	if ti.n == 0 {
		return nil
	}
	var buf [timeEntrySize]byte
	e, err := ti.entryLocked(ti.n-1, buf[:])
	if err != nil {
		return err
	}
	ti.last = TimestampOffset{keyTimestamp(ti.base, e), keyTimeOffset(ti.base, e)}
	return nil
}

func (ti *timeIndex) lastEntry() TimestampOffset {
	ti.mu.RLock()
	defer ti.mu.RUnlock()
	return ti.last
}

// isFull is TimeIndex.isFull: the last slot is kept for the entry written
// when the segment is rolled.
func (ti *timeIndex) isFull() bool {
	ti.mu.RLock()
	defer ti.mu.RUnlock()
	return ti.n >= ti.maxEntriesLocked()-1
}

// lookup returns the last entry whose timestamp is <= ts, or
// (NoTimestamp, base) when there is none (TimeIndex.lookup).
func (ti *timeIndex) lookup(ts int64) (TimestampOffset, error) {
	ti.mu.RLock()
	defer ti.mu.RUnlock()
	none := TimestampOffset{Timestamp: record.NoTimestamp, Offset: ti.base}
	slot, err := ti.largestLowerBoundLocked(ts, keyTimestamp)
	if err != nil || slot < 0 {
		return none, err
	}
	var buf [timeEntrySize]byte
	e, err := ti.entryLocked(slot, buf[:])
	if err != nil {
		return none, err
	}
	return TimestampOffset{keyTimestamp(ti.base, e), keyTimeOffset(ti.base, e)}, nil
}

// maybeAppend adds (ts, offset) when ts is above the last entry's timestamp
// (TimeIndex.maybeAppend). skipFullCheck is for the final entry of a
// segment, which uses the reserved slot.
func (ti *timeIndex) maybeAppend(ts, offset int64, skipFullCheck bool) error {
	ti.mu.Lock()
	defer ti.mu.Unlock()
	if !skipFullCheck && ti.n >= ti.maxEntriesLocked()-1 {
		return fmt.Errorf("%w: time index %s is full (%d entries)", ErrInvalidArgument, ti.path, ti.n)
	}
	if ti.n > 0 && offset < ti.last.Offset {
		return fmt.Errorf("%w: time index offset %d is below the last entry's %d in %s",
			ErrInvalidArgument, offset, ti.last.Offset, ti.path)
	}
	if ti.n > 0 && ts < ti.last.Timestamp {
		return fmt.Errorf("%w: time index timestamp %d is below the last entry's %d in %s",
			ErrInvalidArgument, ts, ti.last.Timestamp, ti.path)
	}
	if ts <= ti.last.Timestamp {
		return nil
	}
	rel, ok := toRelative(ti.base, offset)
	if !ok {
		return fmt.Errorf("%w: offset %d overflows the time index of segment %d", ErrInvalidArgument, offset, ti.base)
	}
	var e [timeEntrySize]byte
	binary.BigEndian.PutUint64(e[:], uint64(ts))
	binary.BigEndian.PutUint32(e[8:], uint32(rel))
	if err := ti.appendLocked(e[:]); err != nil {
		return err
	}
	ti.last = TimestampOffset{ts, offset}
	return nil
}

// truncateTo removes every entry whose offset is >= offset (TimeIndex.truncateTo).
func (ti *timeIndex) truncateTo(offset int64) error {
	ti.mu.Lock()
	defer ti.mu.Unlock()
	if err := ti.truncateKeyLocked(offset, keyTimeOffset); err != nil {
		return err
	}
	return ti.refreshLastLocked()
}

func (ti *timeIndex) reset(maxBytes int64) error {
	ti.mu.Lock()
	defer ti.mu.Unlock()
	ti.last = TimestampOffset{Timestamp: record.NoTimestamp, Offset: ti.base}
	return ti.resetLocked(maxBytes)
}

// sanityCheck is TimeIndex.sanityCheck.
func (ti *timeIndex) sanityCheck() error {
	ti.mu.RLock()
	defer ti.mu.RUnlock()
	if ti.fileLen%timeEntrySize != 0 {
		return fmt.Errorf("time index file %s is corrupt, found %d bytes which is neither positive nor a multiple of %d",
			ti.path, ti.fileLen, timeEntrySize)
	}
	if ti.n == 0 {
		return nil
	}
	var buf [timeEntrySize]byte
	e, err := ti.entryLocked(0, buf[:])
	if err != nil {
		return err
	}
	switch first := keyTimestamp(ti.base, e); {
	case ti.last.Timestamp < first:
		return fmt.Errorf("corrupt time index found, time index file (%s) has non-zero size but the last timestamp is %d which is less than the first timestamp %d",
			ti.path, ti.last.Timestamp, first)
	case ti.last.Offset < ti.base:
		return fmt.Errorf("corrupt time index found, time index file (%s) has non-zero size but the last offset is %d which is less than the first offset %d",
			ti.path, ti.last.Offset, ti.base)
	}
	return nil
}
