package log

import "math"

// Flush makes every offset below upTo durable, fsyncing what the log holds
// (group commit). Any number of goroutines may call it at once: one of
// them at a time runs a flush, which covers everything appended before it
// started (up to the log end offset then, whatever its caller asked for);
// callers that arrive meanwhile wait for it and, if it did not cover their
// offset, one of them runs the next flush for all. So each fsync serves
// every appender waiting when it starts, and appends continue while it runs.
//
// A flush syncs each segment from the one holding the recovery point to the
// log end: the .log file, plus the indexes of segments no longer active
// (the active segment's indexes are rebuilt after a crash, so Kafka's
// syncing them would buy nothing); and the directory, when segments were
// created, renamed or deleted since its last sync. Then the recovery point
// moves to the offset covered. upTo beyond the log end offset is capped at
// it. An fsync error is fatal (ErrStorage): the data's state is unknown.
func (l *Log) Flush(upTo int64) error {
	l.fmu.Lock()
	defer l.fmu.Unlock()
	for {
		switch {
		case l.flushErr != nil:
			return l.flushErr
		case upTo <= l.recovery.Load():
			return nil
		case l.flushClosed:
			return ErrClosed
		}
		if !l.flushing {
			break
		}
		l.flushWaiters++
		l.fcond.Wait()
		l.flushWaiters--
	}
	l.flushing = true
	l.fmu.Unlock()
	err := l.flushOnce()
	l.fmu.Lock()
	l.flushing = false
	if err != nil && l.flushErr == nil && err != ErrClosed {
		l.flushErr = err
	}
	l.fcond.Broadcast()
	return err
}

// FlushIfDue flushes when flush.ms has passed since the last flush (what
// Kafka's log manager checks every log.flush.scheduler.interval.ms; the
// owner calls this on its own schedule).
func (l *Log) FlushIfDue(now int64) error {
	ms := l.cfgp.Load().FlushMs
	if ms == math.MaxInt64 || now-l.lastFlush.Load() < ms || l.UnflushedMessages() <= 0 {
		return nil
	}
	return l.Flush(l.LogEndOffset())
}

// flushPlan is what one flush syncs.
type flushPlan struct {
	segs        []*Segment
	withIndexes []bool
	syncDir     bool   // sync the directory too
	target      int64  // the recovery point once done
	gen         uint64 // truncGen when planned
}

// planFlushLocked lists what must be synced for everything below the log end
// offset to be durable. closing includes the active segment's indexes.
func (l *Log) planFlushLocked(closing bool) flushPlan {
	// Only one flush plans at a time (Flush's leader, or Close after the
	// last flush): the slices are reused.
	p := flushPlan{target: l.logEnd.Load(), gen: l.truncGen.Load(),
		segs: l.plan.segs[:0], withIndexes: l.plan.withIndexes[:0]}
	defer func() { l.plan.segs, l.plan.withIndexes = p.segs[:0], p.withIndexes[:0] }()
	rp := l.recovery.Load()
	if p.target <= rp && !closing {
		return p
	}
	segs := *l.segs.Load()
	for i := max(floorSegment(segs, rp), 0); i < len(segs); i++ {
		s := segs[i]
		if s.base >= p.target && !closing {
			break // an empty active segment: its entry is the directory's
		}
		p.segs = append(p.segs, s)
		p.withIndexes = append(p.withIndexes, closing || i < len(segs)-1)
	}
	p.syncDir = l.dirDirty || closing
	l.dirDirty = false
	return p
}

// runFlush syncs a plan. A segment deleted meanwhile is skipped, and its
// errors ignored: its data is being removed anyway.
func (l *Log) runFlush(p flushPlan) error {
	for i, s := range p.segs {
		if s.deleted.Load() {
			continue
		}
		if err := s.sync(p.withIndexes[i]); err != nil && !s.deleted.Load() {
			return err
		}
	}
	if p.syncDir {
		return l.syncDir()
	}
	return nil
}

// syncDir syncs the log's directory where it is now (RenameDir may move it
// while a flush runs).
func (l *Log) syncDir() error {
	l.sdir.mu.RLock()
	defer l.sdir.mu.RUnlock()
	return l.fs.SyncDir(l.sdir.path)
}

// flushOnce runs one flush and advances the recovery point, unless a
// truncation happened meanwhile (it set the recovery point itself).
func (l *Log) flushOnce() error {
	l.mu.Lock()
	if err := l.writableLocked(); err != nil {
		l.mu.Unlock()
		return err
	}
	p := l.planFlushLocked(false)
	l.mu.Unlock()
	err := l.runFlush(p)
	l.mu.Lock()
	defer l.mu.Unlock()
	defer clear(p.segs) // the reused slice must not keep segments alive
	if err != nil {
		if p.syncDir {
			l.dirDirty = true
		}
		return l.failLocked(err)
	}
	if p.gen != l.truncGen.Load() {
		return nil
	}
	// A segment synced as the active one (without its indexes) that was
	// rolled meanwhile has indexes now final but not durable: recovery
	// must still rescan it, so the recovery point stays at its start; the
	// flush the roll scheduled syncs them.
	target := p.target
	segs := *l.segs.Load()
	for i, s := range p.segs {
		if !p.withIndexes[i] && s != segs[len(segs)-1] {
			target = min(target, s.base)
		}
	}
	if target > l.recovery.Load() {
		l.recovery.Store(target)
		l.lastFlush.Store(l.opts.Clock.NowMs())
	}
	return nil
}
