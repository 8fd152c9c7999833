package log

import (
	"fmt"
	"slices"
	"sync"

	"github.com/wharf-project/wharf/internal/kafka/log/checkpoint"
)

// EpochEntry is one leader epoch and the first offset written in it.
type EpochEntry = checkpoint.EpochEntry

// Sentinels of EndOffsetFor (Kafka's UNDEFINED_EPOCH and UNDEFINED_EPOCH_OFFSET).
const (
	UndefinedEpoch       int32 = -1
	UndefinedEpochOffset int64 = -1
)

// EpochCache is the leader epoch cache (LeaderEpochFileCache): for each
// leader epoch the first offset written in it, persisted to
// leader-epoch-checkpoint. Entries are sorted with epochs and start offsets
// both strictly increasing; Assign keeps it so by dropping the entries a new
// one conflicts with.
//
// Every change is written through before the method returns (Kafka writes
// truncations asynchronously; the loader repairs either way). Safe for
// concurrent use; its lock is a leaf.
type EpochCache struct {
	mu      sync.RWMutex
	entries []EpochEntry
	cp      EpochCheckpoint
}

// NewEpochCache loads the cache from cp. Entries are re-assigned one by one,
// as Kafka's constructor does, so a file breaking the ordering is repaired.
func NewEpochCache(cp EpochCheckpoint) (*EpochCache, error) {
	c := &EpochCache{cp: cp}
	read, err := cp.Read()
	if err != nil {
		return nil, fmt.Errorf("log: reading leader epoch checkpoint: %w", err)
	}
	for _, e := range read {
		if e.Epoch < 0 || e.StartOffset < 0 {
			return nil, fmt.Errorf("%w: leader epoch checkpoint holds invalid entry %+v", ErrInvalidArgument, e)
		}
		c.assignLocked(e)
	}
	return c, nil
}

func (c *EpochCache) latestLocked() (EpochEntry, bool) {
	if len(c.entries) == 0 {
		return EpochEntry{}, false
	}
	return c.entries[len(c.entries)-1], true
}

func (c *EpochCache) updateNeededLocked(e EpochEntry) bool {
	last, ok := c.latestLocked()
	return !ok || e.Epoch != last.Epoch || e.StartOffset < last.StartOffset
}

// assignLocked adds e unless it repeats the latest epoch at a later offset,
// first removing (from the end) every entry with an epoch or start offset
// not below e's. It reports whether the cache changed.
func (c *EpochCache) assignLocked(e EpochEntry) bool {
	if !c.updateNeededLocked(e) {
		return false
	}
	i := len(c.entries)
	for i > 0 && (c.entries[i-1].Epoch >= e.Epoch || c.entries[i-1].StartOffset >= e.StartOffset) {
		i--
	}
	c.entries = append(c.entries[:i], e)
	return true
}

// Assign records that epoch starts at startOffset (LeaderEpochFileCache.assign):
// once assigned, an epoch's start offset only moves down.
func (c *EpochCache) Assign(epoch int32, startOffset int64) error {
	if epoch < 0 || startOffset < 0 {
		return fmt.Errorf("%w: invalid partition leader epoch entry (epoch %d, start offset %d)",
			ErrInvalidArgument, epoch, startOffset)
	}
	e := EpochEntry{Epoch: epoch, StartOffset: startOffset}
	c.mu.RLock()
	needed := c.updateNeededLocked(e)
	c.mu.RUnlock()
	if !needed {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.assignLocked(e) {
		return nil
	}
	return c.writeLocked()
}

func (c *EpochCache) writeLocked() error {
	if err := c.cp.Write(slices.Clone(c.entries)); err != nil {
		return fmt.Errorf("log: writing leader epoch checkpoint: %w", err)
	}
	return nil
}

// setCheckpoint moves the cache to another file (after a directory rename).
func (c *EpochCache) setCheckpoint(cp EpochCheckpoint) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.cp = cp
}

// LatestEpoch returns the newest epoch.
func (c *EpochCache) LatestEpoch() (int32, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	e, ok := c.latestLocked()
	return e.Epoch, ok
}

// LatestEntry returns the newest entry.
func (c *EpochCache) LatestEntry() (EpochEntry, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.latestLocked()
}

// EarliestEntry returns the oldest entry.
func (c *EpochCache) EarliestEntry() (EpochEntry, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if len(c.entries) == 0 {
		return EpochEntry{}, false
	}
	return c.entries[0], true
}

// PreviousEpoch returns the epoch before the latest one.
func (c *EpochCache) PreviousEpoch() (int32, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if len(c.entries) < 2 {
		return 0, false
	}
	return c.entries[len(c.entries)-2].Epoch, true
}

// PreviousEntry returns the entry of the largest epoch below epoch.
func (c *EpochCache) PreviousEntry(epoch int32) (EpochEntry, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	i := c.searchLocked(epoch) // first entry with Epoch >= epoch
	if i == 0 {
		return EpochEntry{}, false
	}
	return c.entries[i-1], true
}

// NextEpoch returns the smallest epoch above epoch.
func (c *EpochCache) NextEpoch(epoch int32) (int32, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	i := c.searchLocked(epoch + 1)
	if epoch == 1<<31-1 || i == len(c.entries) {
		return 0, false
	}
	return c.entries[i].Epoch, true
}

// Entry returns epoch's entry.
func (c *EpochCache) Entry(epoch int32) (EpochEntry, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	i := c.searchLocked(epoch)
	if i < len(c.entries) && c.entries[i].Epoch == epoch {
		return c.entries[i], true
	}
	return EpochEntry{}, false
}

// searchLocked returns the index of the first entry whose epoch is >= epoch.
func (c *EpochCache) searchLocked(epoch int32) int {
	i, _ := slices.BinarySearchFunc(c.entries, epoch, func(e EpochEntry, t int32) int {
		return int(e.Epoch) - int(t)
	})
	return i
}

// Entries returns a copy of the entries, oldest first.
func (c *EpochCache) Entries() []EpochEntry {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return slices.Clone(c.entries)
}

// EndOffsetFor answers OffsetsForLeaderEpoch (LeaderEpochFileCache.endOffsetFor):
// the largest epoch <= requested and the offset where it ended, which is the
// start of the next epoch, or logEndOffset for the latest epoch.
// (UndefinedEpoch, UndefinedEpochOffset) means no answer: an undefined or
// unknown-and-too-new epoch, or an empty cache.
func (c *EpochCache) EndOffsetFor(requested int32, logEndOffset int64) (int32, int64) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if requested == UndefinedEpoch {
		return UndefinedEpoch, UndefinedEpochOffset
	}
	if last, ok := c.latestLocked(); ok && last.Epoch == requested {
		return requested, logEndOffset
	}
	higher := c.searchLocked(requested + 1) // first entry with Epoch > requested
	if requested == 1<<31-1 || higher == len(c.entries) {
		return UndefinedEpoch, UndefinedEpochOffset
	}
	if higher == 0 {
		// Older than every cached epoch: its end is the first known start.
		return requested, c.entries[0].StartOffset
	}
	return c.entries[higher-1].Epoch, c.entries[higher].StartOffset
}

// EpochForOffset returns the epoch the given offset was written in.
func (c *EpochCache) EpochForOffset(offset int64) (int32, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	var prev int32
	found := false
	for _, e := range c.entries {
		if e.StartOffset == offset {
			return e.Epoch, true
		}
		if e.StartOffset > offset {
			return prev, found
		}
		prev, found = e.Epoch, true
	}
	return prev, found
}

// TruncateFromEnd removes every entry starting at or after endOffset
// (truncateFromEnd); a negative endOffset does nothing.
func (c *EpochCache) TruncateFromEnd(endOffset int64) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	last, ok := c.latestLocked()
	if endOffset < 0 || !ok || last.StartOffset < endOffset {
		return nil
	}
	i := len(c.entries)
	for i > 0 && c.entries[i-1].StartOffset >= endOffset {
		i--
	}
	c.entries = c.entries[:i]
	return c.writeLocked()
}

// TruncateFromStart drops the epochs that ended at or before startOffset and
// moves the start of the epoch containing it up to startOffset
// (truncateFromStart): truncateFromStart(6) keeps an entry at offset 6.
func (c *EpochCache) TruncateFromStart(startOffset int64) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for n < len(c.entries) && c.entries[n].StartOffset <= startOffset {
		n++
	}
	if n == 0 {
		return nil
	}
	first := EpochEntry{Epoch: c.entries[n-1].Epoch, StartOffset: startOffset}
	c.entries = append([]EpochEntry{first}, c.entries[n:]...)
	return c.writeLocked()
}

// Clear removes every entry and writes the empty file (clearAndFlush).
func (c *EpochCache) Clear() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.entries = nil
	return c.writeLocked()
}

// EndOffsetForEpoch answers OffsetsForLeaderEpoch for this log
// (UnifiedLog.endOffsetForEpoch): the largest epoch <= epoch and where it
// ended, the log end offset for the latest epoch. ok is false when the
// cache has no answer (the follower then truncates by high watermark).
func (l *Log) EndOffsetForEpoch(epoch int32) (foundEpoch int32, endOffset int64, ok bool) {
	e, o := l.epochs.EndOffsetFor(epoch, l.LogEndOffset())
	if o == UndefinedEpochOffset {
		return UndefinedEpoch, UndefinedEpochOffset, false
	}
	return e, o, true
}
