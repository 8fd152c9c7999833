package log

import (
	"encoding/binary"
	"fmt"
)

// offsetIndex maps offsets to positions in the segment's .log
// (OffsetIndex). The file format and how entries are kept are described in
// index.go.
type offsetIndex struct{ *index }

func newActiveOffsetIndex(s *Segment, maxBytes int64, cache *FileCache) (*offsetIndex, error) {
	x, err := newActiveIndex(s, IndexFileSuffix, offsetEntrySize, maxBytes, cache)
	if err != nil {
		return nil, err
	}
	return &offsetIndex{x}, nil
}

func openOffsetIndex(s *Segment, cache *FileCache) (*offsetIndex, bool, error) {
	x, missing, err := openIndexFile(s, IndexFileSuffix, offsetEntrySize, cache)
	if err != nil {
		return nil, false, err
	}
	return &offsetIndex{x}, missing, nil
}

func (oi *offsetIndex) entryOf(e []byte) OffsetPosition {
	return OffsetPosition{keyOffset(oi.base, e), keyPosition(oi.base, e)}
}

// lastEntry is the last entry, or (base, 0) when empty.
func (oi *offsetIndex) lastEntry() OffsetPosition {
	oi.mu.RLock()
	defer oi.mu.RUnlock()
	return oi.lastEntryLocked()
}

func (oi *offsetIndex) lastEntryLocked() OffsetPosition {
	if e := oi.lastLocked(); e != nil {
		return oi.entryOf(e)
	}
	return OffsetPosition{Offset: oi.base}
}

// lookup returns the last entry whose offset is <= target, or (base, 0)
// when there is none (OffsetIndex.lookup).
func (oi *offsetIndex) lookup(target int64) (OffsetPosition, error) {
	return oi.lookupBy(target, keyOffset)
}

// lookupPosition returns the last entry whose position is <= pos, or
// (base, 0) when there is none.
func (oi *offsetIndex) lookupPosition(pos int64) (OffsetPosition, error) {
	return oi.lookupBy(pos, keyPosition)
}

func (oi *offsetIndex) lookupBy(target int64, key keyFunc) (OffsetPosition, error) {
	var e [offsetEntrySize]byte
	slot, err := oi.search(target, key, e[:])
	if err != nil || slot < 0 {
		return OffsetPosition{Offset: oi.base}, err
	}
	return oi.entryOf(e[:]), nil
}

// isFull is OffsetIndex.isFull: no room for another entry.
func (oi *offsetIndex) isFull() bool {
	oi.mu.RLock()
	defer oi.mu.RUnlock()
	return oi.n >= oi.maxEntries
}

// append adds (offset, pos) to an active index; offset must exceed the
// last entry's.
func (oi *offsetIndex) append(offset, pos int64) error {
	oi.mu.Lock()
	defer oi.mu.Unlock()
	if !oi.active {
		return fmt.Errorf("%w: offset index of segment %d is not active", ErrInvalidArgument, oi.base)
	}
	rel, ok := toRelative(oi.base, offset)
	if !ok {
		return fmt.Errorf("%w: offset %d overflows the index of segment %d", ErrInvalidArgument, offset, oi.base)
	}
	if last := oi.lastEntryLocked().Offset; oi.n > 0 && offset <= last {
		return fmt.Errorf("%w: offset index entry %d is not above the last entry %d of segment %d",
			ErrInvalidArgument, offset, last, oi.base)
	}
	var e [offsetEntrySize]byte
	binary.BigEndian.PutUint32(e[:], uint32(rel))
	binary.BigEndian.PutUint32(e[4:], uint32(pos))
	oi.appendLocked(e[:])
	return nil
}

// truncateTo removes every entry whose offset is >= offset from an active
// index (OffsetIndex.truncateTo).
func (oi *offsetIndex) truncateTo(offset int64) {
	oi.mu.Lock()
	defer oi.mu.Unlock()
	oi.truncateKeyLocked(offset, keyOffset)
}

// sanityCheck is OffsetIndex.sanityCheck plus two checks that catch an index
// left untrimmed by a crash (its zero tail) or describing a longer log: the
// last entry must be above the first and point inside the log. It checks
// what the file held when opened.
func (oi *offsetIndex) sanityCheck(logSize int64) error {
	oi.mu.RLock()
	defer oi.mu.RUnlock()
	path := oi.filePath()
	if oi.fileLen%offsetEntrySize != 0 {
		return fmt.Errorf("index file %s is corrupt, found %d bytes which is neither positive nor a multiple of %d",
			path, oi.fileLen, offsetEntrySize)
	}
	if oi.n == 0 {
		return nil
	}
	first, last := oi.entryOf(oi.head[:]), oi.entryOf(oi.tail[:])
	switch {
	case last.Offset < oi.base:
		return fmt.Errorf("corrupt index found, index file %s has non-zero size but the last offset is %d which is less than the base offset %d",
			path, last.Offset, oi.base)
	case oi.n > 1 && (last.Offset <= first.Offset || last.Position <= first.Position):
		return fmt.Errorf("corrupt index found, index file %s: last entry %v is not above the first %v", path, last, first)
	case last.Position >= logSize:
		return fmt.Errorf("corrupt index found, index file %s: last entry %v points past the log's %d bytes", path, last, logSize)
	}
	return nil
}
