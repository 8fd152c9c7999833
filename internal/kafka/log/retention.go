package log

import (
	"fmt"
	"slices"
)

// DeleteOldSegments applies retention (UnifiedLog.deleteOldSegments),
// oldest segments first, and returns how many it deleted:
//   - always, segments whose every offset is below the log start offset
//     (after IncrementLogStartOffset);
//   - with cleanup.policy delete, the oldest segments while the log is
//     larger than retention.bytes (a segment goes only if the log stays at
//     or above retention.bytes without it), then the segments whose largest
//     timestamp is more than retention.ms before now.
//
// A segment is deleted only if all its offsets are below highWatermark (the
// log start offset never passes it), and an empty active segment never is;
// when every segment must go, a new active segment is rolled first, as
// Kafka does. The log start offset moves to the first remaining segment.
// Deleted segments' files are renamed .deleted and removed after
// file.delete.delay.ms through the scheduler.
func (l *Log) DeleteOldSegments(now, highWatermark int64) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := l.writableLocked(); err != nil {
		return 0, err
	}
	cfg := l.cfgp.Load()
	total, err := l.deleteOldSegmentsLocked(highWatermark, now, func(_ *Segment, next *Segment) bool {
		return next != nil && next.base <= l.logStart.Load()
	})
	if err != nil || !cfg.CleanupPolicy.Delete() {
		return total, err
	}
	if cfg.RetentionBytes >= 0 {
		if size := l.Size(); size >= cfg.RetentionBytes {
			diff := size - cfg.RetentionBytes
			n, err := l.deleteOldSegmentsLocked(highWatermark, now, func(s *Segment, _ *Segment) bool {
				if diff-s.Size() >= 0 {
					diff -= s.Size()
					return true
				}
				return false
			})
			total += n
			if err != nil {
				return total, err
			}
		}
	}
	if cfg.RetentionMs >= 0 {
		n, err := l.deleteOldSegmentsLocked(highWatermark, now, func(s *Segment, _ *Segment) bool {
			return now-s.LargestTimestamp() > cfg.RetentionMs
		})
		total += n
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

// deleteOldSegmentsLocked deletes the longest run of oldest segments the
// predicate accepts (UnifiedLog.deletableSegments and deleteSegments).
func (l *Log) deleteOldSegmentsLocked(highWatermark, now int64, pred func(s, next *Segment) bool) (int, error) {
	segs := *l.segs.Load()
	var deletable []*Segment
	for i, s := range segs {
		var next *Segment
		upper := l.logEnd.Load()
		if i+1 < len(segs) {
			next, upper = segs[i+1], segs[i+1].base
		}
		if highWatermark < upper || !pred(s, next) || (next == nil && s.Size() == 0) {
			break
		}
		deletable = append(deletable, s)
	}
	if len(deletable) == 0 {
		return 0, nil
	}
	if len(deletable) == len(segs) {
		// Keep an active segment: roll a new one at the log end.
		if _, err := l.rollLocked(0, now); err != nil {
			return 0, err
		}
		segs = *l.segs.Load()
	}
	last := deletable[len(deletable)-1]
	i := slices.Index(segs, last)
	if err := l.incrementLogStartLocked(segs[i+1].base); err != nil {
		return 0, err
	}
	l.publishLocked(slices.Clone(segs[i+1:]))
	if err := l.deleteSegmentsLocked(deletable); err != nil {
		return 0, l.failLocked(err)
	}
	l.logger.Info("deleted segments", "count", len(deletable), "logStartOffset", l.logStart.Load())
	return len(deletable), nil
}

// IncrementLogStartOffset moves the log start offset up to newStart (the
// DeleteRecords API; UnifiedLog.maybeIncrementLogStartOffset). newStart
// must not pass bound, the high watermark the caller holds, nor the log
// end offset (ErrOffsetOutOfRange). Offsets below it become unreadable at
// once; the segments entirely below it go at the next DeleteOldSegments.
// It reports whether the log start offset moved.
func (l *Log) IncrementLogStartOffset(newStart, bound int64) (bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := l.writableLocked(); err != nil {
		return false, err
	}
	if newStart > bound || newStart > l.logEnd.Load() {
		return false, fmt.Errorf("%w: cannot increment the log start offset to %d of partition %s since it is larger than the high watermark %d",
			ErrOffsetOutOfRange, newStart, l.tp, min(bound, l.logEnd.Load()))
	}
	if newStart <= l.logStart.Load() {
		return false, nil
	}
	return true, l.incrementLogStartLocked(newStart)
}

func (l *Log) incrementLogStartLocked(newStart int64) error {
	if newStart <= l.logStart.Load() {
		return nil
	}
	l.logStart.Store(newStart)
	if err := l.epochs.TruncateFromStart(newStart); err != nil {
		return l.failLocked(err)
	}
	return nil
}
