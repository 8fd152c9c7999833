package log

import (
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
	defer l.delMu.Unlock()
	for s := range l.pendingDeletes {
		s.closeFiles()
	}
	clear(l.pendingDeletes)
}
