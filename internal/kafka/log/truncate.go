package log

import (
	"fmt"
	"slices"
)

// TruncateTo removes every offset at or above target (UnifiedLog.truncateTo),
// as a follower does before fetching from a new leader, and reports whether
// anything was removed. The leader epoch cache loses its entries starting
// at or above target (or the log end offset, when there was nothing to
// remove: a conflicting entry may sit there). A target below the first
// segment empties the log and restarts it at target.
//
// Unlike Kafka, the truncation is durable when TruncateTo returns: the
// segments above target are renamed .deleted and the directory synced, then
// the segment holding target is cut and synced; so truncated data cannot
// come back after a crash. The recovery point drops to target: the owner
// must checkpoint it before appending again, as LogManager.truncateTo does,
// or recovery would trust rewritten data it never rescans.
func (l *Log) TruncateTo(target int64) (bool, error) {
	if target < 0 {
		return false, fmt.Errorf("%w: cannot truncate partition %s to a negative offset (%d)", ErrInvalidArgument, l.tp, target)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := l.writableLocked(); err != nil {
		return false, err
	}
	leo := l.logEnd.Load()
	if target >= leo {
		if err := l.epochs.TruncateFromEnd(leo); err != nil {
			return false, l.failLocked(err)
		}
		return false, nil
	}
	segs := *l.segs.Load()
	if segs[0].base > target {
		return true, l.truncateFullyLocked(target)
	}
	l.truncGen.Add(1)
	i := floorSegment(segs, target)
	keep, rest := segs[:i+1:i+1], slices.Clone(segs[i+1:])
	l.publishLocked(keep)
	if len(rest) > 0 {
		if err := l.deleteSegmentsLocked(rest); err != nil {
			return true, l.failLocked(err)
		}
		if err := l.syncDir(); err != nil {
			return true, l.failLocked(err)
		}
		l.dirDirty = false
	}
	active := keep[len(keep)-1]
	if _, err := active.truncateTo(target, l.opts.Clock.NowMs()); err != nil {
		return true, l.failLocked(err)
	}
	if err := active.sync(false); err != nil {
		return true, l.failLocked(err)
	}
	l.logEnd.Store(target)
	l.recovery.Store(min(l.recovery.Load(), target))
	l.logStart.Store(min(l.logStart.Load(), target))
	if err := l.epochs.TruncateFromEnd(target); err != nil {
		return true, l.failLocked(err)
	}
	l.truncGen.Add(1)
	return true, nil
}

// TruncateFullyAndStartAt deletes every segment and restarts the log, empty,
// at newOffset, which becomes the log start and end offset
// (UnifiedLog.truncateFullyAndStartAt); the leader epoch cache is cleared.
// Durable when it returns, as TruncateTo.
func (l *Log) TruncateFullyAndStartAt(newOffset int64) error {
	if newOffset < 0 {
		return fmt.Errorf("%w: cannot restart partition %s at a negative offset (%d)", ErrInvalidArgument, l.tp, newOffset)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := l.writableLocked(); err != nil {
		return err
	}
	return l.truncateFullyLocked(newOffset)
}

func (l *Log) truncateFullyLocked(newOffset int64) error {
	l.truncGen.Add(1)
	old := *l.segs.Load()
	// Rename the old segments first: the new one may reuse a name.
	if err := l.deleteSegmentsLocked(slices.Clone(old)); err != nil {
		return l.failLocked(err)
	}
	fresh, err := createSegment(l.fs, l.sdir, newOffset, l.cfgp.Load().segmentConfig(l.opts.FileCache), "",
		l.opts.Clock.NowMs(), l.randomSegmentJitter())
	if err != nil {
		return l.failLocked(err)
	}
	l.publishLocked([]*Segment{fresh})
	if err := l.syncDir(); err != nil {
		return l.failLocked(err)
	}
	l.dirDirty = false
	l.logEnd.Store(newOffset)
	l.logStart.Store(newOffset)
	l.recovery.Store(min(l.recovery.Load(), newOffset))
	if err := l.epochs.Clear(); err != nil {
		return l.failLocked(err)
	}
	l.truncGen.Add(1)
	return nil
}
