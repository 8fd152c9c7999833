package log

import (
	"maps"
	"slices"
)

// deleteSegmentsLocked retires segments the caller has already taken out
// of the published list (LocalLog.deleteSegmentFiles with asyncDelete):
// their files are renamed .deleted at once, so that a crash leaves them for
// the loader to remove, and removed after file.delete.delay.ms, so that
// readers holding regions of them can finish.
func (l *Log) deleteSegmentsLocked(segs []*Segment) error {
	if len(segs) == 0 {
		return nil
	}
	for _, s := range segs {
		s.deleted.Store(true)
		// Nothing new reads it: close its file unless a reader pins it.
		s.log.dropIdle()
		s.oi.release()
		s.ti.release()
	}
	l.delMu.Lock()
	for _, s := range segs {
		l.pendingDeletes[s] = struct{}{}
	}
	l.delMu.Unlock()
	l.dirDirty = true
	toDelete := slices.Clone(segs)
	defer l.opts.Scheduler.ScheduleOnce("delete-file", l.cfgp.Load().FileDeleteDelayMs, func() {
		l.removeDeleted(toDelete)
	})
	for _, s := range segs {
		if suffix := s.currentSuffix(); suffix != DeletedFileSuffix {
			if err := s.changeSuffix(suffix, DeletedFileSuffix); err != nil {
				return err
			}
		}
	}
	return nil
}

// removeDeleted is the delayed part of a deletion. After Close the files
// stay, as .deleted, for the next load to remove.
func (l *Log) removeDeleted(segs []*Segment) {
	for _, s := range segs {
		l.delMu.Lock()
		_, pending := l.pendingDeletes[s]
		delete(l.pendingDeletes, s)
		l.delMu.Unlock()
		if !pending {
			continue
		}
		if err := s.removeFiles(); err != nil {
			l.logger.Warn("removing deleted segment", "segment", s.LogPath(), "err", err)
		}
	}
}

// closePendingDeletes closes the files of segments waiting for removal.
func (l *Log) closePendingDeletes() {
	l.delMu.Lock()
	pending := slices.Collect(maps.Keys(l.pendingDeletes))
	clear(l.pendingDeletes)
	l.delMu.Unlock()
	for _, s := range pending {
		s.closeFiles()
	}
}
