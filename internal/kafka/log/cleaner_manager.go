package log

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
)

// The cleaning state of each partition (LogCleanerManager's inProgress map):
//
//	none ──grab──> in progress ──done──> none
//	  │                │
//	  │           abortAndPause: the cleaning is cancelled; the caller
//	  │           waits until it has stopped, then it is paused
//	  └─pause──> paused(n) ──resume──> paused(n-1) ... none
//
// A paused partition is neither cleaned nor, if compacted, subject to the
// cleaner's retention pass; pauses nest. "In progress" covers both a
// cleaning and the cleaner's retention pass over a compacted log.
type cleanState struct {
	inProgress bool
	paused     int
	cancel     context.CancelCauseFunc // the cleaning's, while one runs
}

// offsetsToClean is the cleanable range of a log (OffsetsToClean).
type offsetsToClean struct {
	firstDirtyOffset            int64
	firstUncleanableDirtyOffset int64
	forceUpdateCheckpoint       bool
}

// cleanableOffsets is LogCleanerManager.cleanableOffsets: the first dirty
// offset is the checkpointed one, or the log start offset when there is
// none or it lies outside [log start, log end] (then the checkpoint must
// be rewritten); cleaning stops before the active segment, the last stable
// offset (upper) and the first segment whose largest timestamp is within
// min.compaction.lag.ms of now; and, in Wharf, before the recovery point:
// a record is only ever removed because of a newer one that is durable,
// so a crash cannot take a key's last durable value along with the newer
// value that replaced it.
func cleanableOffsets(l *Log, checkpoint int64, hasCheckpoint bool, upper, now int64) offsetsToClean {
	logStart := l.LogStartOffset()
	res := offsetsToClean{firstDirtyOffset: logStart}
	if hasCheckpoint {
		if checkpoint < logStart || checkpoint > l.LogEndOffset() {
			res.forceUpdateCheckpoint = true
		} else {
			res.firstDirtyOffset = checkpoint
		}
	}
	segs := l.Segments()
	active := segs[len(segs)-1]
	uncleanable := min(upper, active.BaseOffset(), l.RecoveryPoint())
	if lag := max(l.Config().MinCompactionLagMs, 0); lag > 0 {
		for _, s := range nonActiveSegmentsFrom(segs, res.firstDirtyOffset) {
			if s.LargestTimestamp() > now-lag {
				uncleanable = min(uncleanable, s.BaseOffset())
				break
			}
		}
	}
	res.firstUncleanableDirtyOffset = max(res.firstDirtyOffset, uncleanable)
	return res
}

// nonActiveSegmentsFrom is UnifiedLog.nonActiveLogSegmentsFrom: the
// inactive segments from the one holding from.
func nonActiveSegmentsFrom(segs []*Segment, from int64) []*Segment {
	active := segs[len(segs)-1]
	if from > active.BaseOffset() {
		return nil
	}
	return segmentsInRange(segs[:len(segs)-1], from, active.BaseOffset())
}

// calculateCleanableBytes returns the base of the segment holding the
// uncleanable offset (the active one if none other does) and the size of
// the segments from the first dirty one up to it
// (LogCleanerManager.calculateCleanableBytes).
func calculateCleanableBytes(segs []*Segment, firstDirty, uncleanable int64) (int64, int64) {
	firstUncleanable := segs[len(segs)-1].BaseOffset()
	if from := nonActiveSegmentsFrom(segs, uncleanable); len(from) > 0 {
		firstUncleanable = from[0].BaseOffset()
	}
	var n int64
	for _, s := range segmentsInRange(segs, min(firstDirty, firstUncleanable), firstUncleanable) {
		n += s.Size()
	}
	return firstUncleanable, n
}

// maxCompactionDelay is how far past max.compaction.lag.ms the oldest
// dirty inactive segment's first batch is (0 when none is).
func maxCompactionDelay(l *Log, firstDirty, now int64) int64 {
	earliest := int64(math.MaxInt64)
	for _, s := range nonActiveSegmentsFrom(l.Segments(), firstDirty) {
		if ts := s.FirstBatchTimestamp(); ts > 0 {
			earliest = min(earliest, ts)
		}
	}
	cleanUntil := now - max(l.Config().MaxCompactionLagMs, 0)
	if earliest < cleanUntil {
		return cleanUntil - earliest
	}
	return 0
}

// grabFilthiestCompactedLog chooses the log to clean next and marks it in
// progress (LogCleanerManager.grabFilthiestCompactedLog): among compacted
// logs neither in progress, paused nor uncleanable, those whose dirty
// ratio exceeds min.cleanable.dirty.ratio, or that have dirty bytes older
// than max.compaction.lag.ms; the dirtiest wins. The host and the logs are
// asked without the cleaner's lock; if a pause happened meanwhile the
// choice is made again.
func (c *Cleaner) grabFilthiestCompactedLog(now int64) (*logToClean, context.Context) {
	c.grabMu.Lock()
	defer c.grabMu.Unlock()
	for {
		c.mu.Lock()
		gen := c.pauseGen
		busy := make(map[TopicPartition]bool, len(c.states))
		for tp := range c.states {
			busy[tp] = true
		}
		c.lastRunMs = now
		c.mu.Unlock()

		var best *logToClean
		var maxRatio float64
		var maxDelay int64
		for _, l := range c.host.Logs() {
			tp := l.TopicPartition()
			if !l.Config().CleanupPolicy.Compact() || busy[tp] || c.isUncleanable(l) {
				continue
			}
			ckpt, has := c.host.FirstDirtyOffset(tp)
			_, lso := c.host.Bounds(tp)
			offs := cleanableOffsets(l, ckpt, has, lso, now)
			if offs.forceUpdateCheckpoint {
				if !l.Config().CleanupPolicy.Delete() {
					c.logger.Warn("resetting the first dirty offset to the log start offset: the checkpointed offset is invalid",
						"partition", tp, "checkpoint", ckpt, "logStartOffset", offs.firstDirtyOffset)
				}
				if err := c.host.SetFirstDirtyOffset(tp, offs.firstDirtyOffset); err != nil {
					c.logger.Warn("updating the cleaner checkpoint", "partition", tp, "err", err)
				}
			}
			delay := maxCompactionDelay(l, offs.firstDirtyOffset, now)
			maxDelay = max(maxDelay, delay)
			ltc := newLogToClean(tp, l, offs.firstDirtyOffset, offs.firstUncleanableDirtyOffset, delay > 0)
			if ltc.totalBytes() <= 0 {
				continue
			}
			ratio := ltc.cleanableRatio()
			maxRatio = max(maxRatio, ratio)
			if !(ltc.needCompactionNow && ltc.cleanableBytes > 0) && !(ratio > l.Config().MinCleanableDirtyRatio) {
				continue
			}
			if best == nil || ratio > best.cleanableRatio() {
				best = &ltc
			}
		}

		c.mu.Lock()
		if c.pauseGen != gen {
			c.mu.Unlock()
			continue
		}
		c.dirtiestRatio, c.maxCompactionDelayMs = maxRatio, maxDelay
		if best == nil {
			c.mu.Unlock()
			return nil, nil
		}
		if c.states[best.tp] != nil {
			// The retention pass took it meanwhile: choose again.
			c.mu.Unlock()
			continue
		}
		ctx, cancel := context.WithCancelCause(c.ctx)
		c.states[best.tp] = &cleanState{inProgress: true, cancel: cancel}
		c.mu.Unlock()
		return best, ctx
	}
}

// doneCleaning ends a cleaning (LogCleanerManager.doneCleaning): a
// cleaning that completed without being aborted records its end offset
// through the host first; then the partition is no longer in progress
// (paused, if an abort asked for it), and waiting aborts return.
func (c *Cleaner) doneCleaning(tp TopicPartition, endOffset int64, completed bool) {
	c.mu.Lock()
	st := c.states[tp]
	write := completed && st != nil && st.paused == 0
	c.mu.Unlock()
	if write {
		// Still in progress: an abort arriving now waits for this write.
		if err := c.host.SetFirstDirtyOffset(tp, endOffset); err != nil {
			c.logger.Warn("updating the cleaner checkpoint", "partition", tp, "err", err)
		}
	}
	c.finish([]TopicPartition{tp})
}

// finish takes partitions out of progress (doneCleaning, doneDeleting).
func (c *Cleaner) finish(tps []TopicPartition) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, tp := range tps {
		st := c.states[tp]
		if st == nil {
			continue
		}
		if st.cancel != nil {
			st.cancel(nil)
		}
		st.inProgress, st.cancel = false, nil
		if st.paused == 0 {
			delete(c.states, tp)
		}
	}
	c.cond.Broadcast()
}

// deletableLogs marks every idle compacted log in progress and returns
// them for the retention pass (LogCleanerManager.deletableLogs): compacted
// logs get their retention from the cleaner, so that it never races with
// a cleaning of the same log.
func (c *Cleaner) deletableLogs() []*Log {
	logs := c.host.Logs()
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []*Log
	for _, l := range logs {
		tp := l.TopicPartition()
		if c.states[tp] != nil || !l.Config().CleanupPolicy.Compact() {
			continue
		}
		if _, bad := c.uncleanable[l]; bad {
			continue
		}
		c.states[tp] = &cleanState{inProgress: true}
		out = append(out, l)
	}
	return out
}

// AbortCleaning stops a cleaning of tp in progress, waiting until it has
// stopped, and leaves tp cleanable (LogCleaner.abortCleaning).
func (c *Cleaner) AbortCleaning(tp TopicPartition) {
	c.AbortAndPauseCleaning(tp)
	_ = c.ResumeCleaning(tp)
}

// AbortAndPauseCleaning stops a cleaning of tp in progress (or the
// cleaner's retention pass over it) and pauses tp's cleaning until
// ResumeCleaning; it returns once nothing of the cleaner touches tp's log
// and no checkpoint for it will be written (abortAndPauseCleaning). Call
// it before truncating, deleting, closing or renaming a compacted log;
// pauses nest.
func (c *Cleaner) AbortAndPauseCleaning(tp TopicPartition) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.pauseGen++
	st := c.states[tp]
	if st == nil {
		st = &cleanState{}
		c.states[tp] = st
	}
	st.paused++
	if st.cancel != nil {
		st.cancel(ErrCleaningAborted)
	}
	for st.inProgress {
		c.cond.Wait()
	}
}

// ResumeCleaning undoes one pause of each partition (resumeCleaning).
// Resuming a partition that is not paused is ErrCleaningNotPaused; the
// others are still resumed.
func (c *Cleaner) ResumeCleaning(tps ...TopicPartition) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	var errs []error
	for _, tp := range tps {
		st := c.states[tp]
		if st == nil || st.paused == 0 {
			errs = append(errs, fmt.Errorf("%w: %s", ErrCleaningNotPaused, tp))
			continue
		}
		st.paused--
		if st.paused == 0 && !st.inProgress {
			delete(c.states, tp)
		}
	}
	return errors.Join(errs...)
}

// PauseCleaningForNonCompacted pauses every log without compaction that
// the cleaner is not busy with and returns them: the ones the owner's
// retention may now work on; resume them afterwards
// (pauseCleaningForNonCompactedPartitions). It closes the race between
// retention and a cleaning when a topic's cleanup.policy changes.
func (c *Cleaner) PauseCleaningForNonCompacted() []*Log {
	logs := c.host.Logs()
	c.mu.Lock()
	defer c.mu.Unlock()
	c.pauseGen++
	var out []*Log
	for _, l := range logs {
		tp := l.TopicPartition()
		if l.Config().CleanupPolicy.Compact() || c.states[tp] != nil {
			continue
		}
		c.states[tp] = &cleanState{paused: 1}
		out = append(out, l)
	}
	return out
}

// CleaningPaused reports whether tp's cleaning is paused.
func (c *Cleaner) CleaningPaused(tp TopicPartition) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	st := c.states[tp]
	return st != nil && st.paused > 0
}

// CleaningInProgress reports whether the cleaner is working on tp's log.
func (c *Cleaner) CleaningInProgress(tp TopicPartition) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	st := c.states[tp]
	return st != nil && st.inProgress
}

// markUncleanable stops cleaning a log that failed unexpectedly, until the
// owner stops listing it (a reopened log is a new *Log, cleanable again).
func (c *Cleaner) markUncleanable(l *Log) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.uncleanable[l] = struct{}{}
}

func (c *Cleaner) isUncleanable(l *Log) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, bad := c.uncleanable[l]
	return bad
}

// maintainUncleanable forgets logs the host no longer lists.
func (c *Cleaner) maintainUncleanable() {
	c.mu.Lock()
	n := len(c.uncleanable)
	c.mu.Unlock()
	if n == 0 {
		return
	}
	logs := c.host.Logs()
	c.mu.Lock()
	defer c.mu.Unlock()
	for l := range c.uncleanable {
		if !slices.Contains(logs, l) {
			delete(c.uncleanable, l)
		}
	}
}
