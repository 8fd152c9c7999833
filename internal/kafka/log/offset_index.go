package log

import (
	"encoding/binary"
	"fmt"

	"github.com/wharf-project/wharf/internal/vfs"
)

// offsetIndex maps offsets to positions in the segment's .log
// (OffsetIndex). The file format is described in index.go.
type offsetIndex struct {
	*index
	lastOffset int64 // the last entry's offset, or base when empty (under mu)
}

func openOffsetIndex(fs vfs.FS, path string, base, maxBytes int64, create bool) (*offsetIndex, error) {
	x, err := openIndex(fs, path, base, offsetEntrySize, maxBytes, create)
	if err != nil {
		return nil, err
	}
	oi := &offsetIndex{index: x}
	if err := oi.refreshLastLocked(); err != nil {
		_ = x.close()
		return nil, err
	}
	return oi, nil
}

func (oi *offsetIndex) refreshLastLocked() error {
	oi.lastOffset = oi.base
	if oi.n == 0 {
		return nil
	}
	var buf [offsetEntrySize]byte
	e, err := oi.entryLocked(oi.n-1, buf[:])
	if err != nil {
		return err
	}
	oi.lastOffset = keyOffset(oi.base, e)
	return nil
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

func (oi *offsetIndex) lookupBy(target int64, key func(int64, []byte) int64) (OffsetPosition, error) {
	oi.mu.RLock()
	defer oi.mu.RUnlock()
	slot, err := oi.largestLowerBoundLocked(target, key)
	if err != nil || slot < 0 {
		return OffsetPosition{Offset: oi.base}, err
	}
	return oi.entryAtLocked(slot)
}

func (oi *offsetIndex) entryAtLocked(slot int64) (OffsetPosition, error) {
	var buf [offsetEntrySize]byte
	e, err := oi.entryLocked(slot, buf[:])
	if err != nil {
		return OffsetPosition{Offset: oi.base}, err
	}
	return OffsetPosition{keyOffset(oi.base, e), keyPosition(oi.base, e)}, nil
}

// isFull is OffsetIndex.isFull: no room for another entry.
func (oi *offsetIndex) isFull() bool {
	oi.mu.RLock()
	defer oi.mu.RUnlock()
	return oi.n >= oi.maxEntriesLocked()
}

// append adds (offset, pos); offset must exceed the last entry's.
func (oi *offsetIndex) append(offset, pos int64) error {
	oi.mu.Lock()
	defer oi.mu.Unlock()
	rel, ok := toRelative(oi.base, offset)
	if !ok {
		return fmt.Errorf("%w: offset %d overflows the index of segment %d", ErrInvalidArgument, offset, oi.base)
	}
	if oi.n > 0 && offset <= oi.lastOffset {
		return fmt.Errorf("%w: offset index entry %d is not above the last entry %d in %s",
			ErrInvalidArgument, offset, oi.lastOffset, oi.path)
	}
	var e [offsetEntrySize]byte
	binary.BigEndian.PutUint32(e[:], uint32(rel))
	binary.BigEndian.PutUint32(e[4:], uint32(pos))
	if err := oi.appendLocked(e[:]); err != nil {
		return err
	}
	oi.lastOffset = offset
	return nil
}

// truncateTo removes every entry whose offset is >= offset (OffsetIndex.truncateTo).
func (oi *offsetIndex) truncateTo(offset int64) error {
	oi.mu.Lock()
	defer oi.mu.Unlock()
	if err := oi.truncateKeyLocked(offset, keyOffset); err != nil {
		return err
	}
	return oi.refreshLastLocked()
}

// reset empties the index and preallocates it (before a rebuild).
func (oi *offsetIndex) reset(maxBytes int64) error {
	oi.mu.Lock()
	defer oi.mu.Unlock()
	oi.lastOffset = oi.base
	return oi.resetLocked(maxBytes)
}

// sanityCheck is OffsetIndex.sanityCheck plus two checks that catch an index
// left untrimmed by a crash (its zero tail) or describing a longer log: the
// last entry must be above the first and point inside the log.
func (oi *offsetIndex) sanityCheck(logSize int64) error {
	oi.mu.RLock()
	defer oi.mu.RUnlock()
	if oi.fileLen%offsetEntrySize != 0 {
		return fmt.Errorf("index file %s is corrupt, found %d bytes which is neither positive nor a multiple of %d",
			oi.path, oi.fileLen, offsetEntrySize)
	}
	if oi.n == 0 {
		return nil
	}
	last, err := oi.entryAtLocked(oi.n - 1)
	if err != nil {
		return err
	}
	first, err := oi.entryAtLocked(0)
	if err != nil {
		return err
	}
	switch {
	case last.Offset < oi.base:
		return fmt.Errorf("corrupt index found, index file %s has non-zero size but the last offset is %d which is less than the base offset %d",
			oi.path, last.Offset, oi.base)
	case oi.n > 1 && (last.Offset <= first.Offset || last.Position <= first.Position):
		return fmt.Errorf("corrupt index found, index file %s: last entry %v is not above the first %v", oi.path, last, first)
	case last.Position >= logSize:
		return fmt.Errorf("corrupt index found, index file %s: last entry %v points past the log's %d bytes", oi.path, last, logSize)
	}
	return nil
}
