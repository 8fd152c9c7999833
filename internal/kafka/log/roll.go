package log

import (
	"fmt"
)

// maybeRollLocked rolls the active segment when the append described by
// info (size bytes) must go to a new one (UnifiedLog.maybeRoll,
// LogSegment.shouldRoll): the segment would pass segment.bytes, its first
// batch is older than segment.ms minus its jitter (by the new batches'
// timestamp, or by the clock when the first batch has none), an index is
// full, or the last offset does not fit its relative offsets. It returns
// the segment to append to.
func (l *Log) maybeRollLocked(size int64, info AppendInfo, now int64) (*Segment, error) {
	cfg := l.cfgp.Load()
	segs := *l.segs.Load()
	s := segs[len(segs)-1]
	cur := s.Size()
	reachedRollMs := s.timeWaitedForRoll(now, info.MaxTimestamp) > cfg.MaxSegmentMs()-s.rollJitter
	if cur > int64(cfg.SegmentBytes)-size ||
		(cur > 0 && reachedRollMs) ||
		s.oi.isFull() || s.ti.isFull() ||
		!s.canConvertToRelativeOffset(info.LastOffset) {
		return l.rollLocked(info.FirstOffset, now)
	}
	return s, nil
}

// Roll starts a new active segment at the log end offset (UnifiedLog.roll).
// The previous segment gets its final time index entry and its index files
// written, trimmed; its .log goes to the FileCache, and a flush of it is
// scheduled.
func (l *Log) Roll() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := l.writableLocked(); err != nil {
		return err
	}
	_, err := l.rollLocked(0, l.opts.Clock.NowMs())
	return err
}

// rollLocked is LocalLog.roll: the new segment starts at
// max(expectedNextOffset, log end offset). A failure leaves the log failed.
func (l *Log) rollLocked(expectedNextOffset, now int64) (*Segment, error) {
	cfg := l.cfgp.Load()
	sc := cfg.segmentConfig(l.opts.FileCache)
	segs := *l.segs.Load()
	active := segs[len(segs)-1]
	newOffset := max(expectedNextOffset, l.logEnd.Load())
	var fresh *Segment
	var err error
	switch {
	case newOffset == active.base && active.Size() == 0:
		// An empty active segment rolled onto itself (an index "full" at
		// size 0, KAFKA-6388): replace it.
		if err := l.deleteSegmentsLocked([]*Segment{active}); err != nil {
			return nil, l.failLocked(err)
		}
		if fresh, err = createSegment(l.fs, l.sdir, newOffset, sc, "", now, l.randomSegmentJitter()); err != nil {
			return nil, l.failLocked(err)
		}
		segs = append(segs[:len(segs)-1:len(segs)-1], fresh)
	case newOffset <= active.base:
		return nil, fmt.Errorf("%w: cannot roll to offset %d: the active segment starts at %d",
			ErrInvalidArgument, newOffset, active.base)
	default:
		for _, kind := range []string{LogFileSuffix, IndexFileSuffix, TimeIndexFileSuffix, TxnIndexFileSuffix} {
			if err := l.removeIfExists(FilenamePrefix(newOffset) + kind); err != nil {
				return nil, l.failLocked(err)
			}
		}
		if err := active.onBecomeInactive(false); err != nil {
			return nil, l.failLocked(err)
		}
		if fresh, err = createSegment(l.fs, l.sdir, newOffset, sc, "", now, l.randomSegmentJitter()); err != nil {
			return nil, l.failLocked(err)
		}
		segs = append(segs[:len(segs):len(segs)], fresh)
	}
	l.dirDirty = true
	l.publishLocked(segs)
	l.logger.Debug("rolled new log segment", "base", newOffset)
	// Flush the segment just finished in the background, as Kafka does;
	// its files are final now.
	l.opts.Scheduler.ScheduleOnce("flush-log", 0, func() { _ = l.Flush(newOffset) })
	return fresh, nil
}
