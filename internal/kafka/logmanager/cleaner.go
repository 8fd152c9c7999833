package logmanager

import (
	"github.com/wharf-project/wharf/internal/kafka/log"
)

// The log cleaner (compaction) is internal/kafka/log's Cleaner; the
// manager builds it when log.cleaner.enable is true, starts it after
// loading the logs (not with Options.ManualSchedule: the owner then runs
// Cleaner().CleanOnce itself), stops it first at shutdown, and is its host
// (cleanerHost): the live logs, the cleaner-offset-checkpoint of each log
// directory, and the bounds replication sets.
//
// What the manager does around the cleaner, as Kafka's LogManager does:
//   - a truncation below the active segment pauses the partition's
//     cleaning (AbortAndPauseCleaning waits for a cleaning in progress to
//     stop), lowers its cleaner checkpoint to the new active segment's
//     base offset, and resumes it;
//   - a deletion takes the log out of the host's list first, then aborts
//     its cleaning and drops its checkpoint entry;
//   - retention pauses the logs that do not compact while it works on
//     them (PauseCleaningForNonCompacted); the cleaner retains the others;
//   - a topic that stops compacting has its cleaning aborted.
//
// The cleaner calls the host from its own goroutines with none of its
// locks held, and the host never calls the cleaner back from there: a
// checkpoint write that fails takes the directory offline from another
// goroutine (LogDirFailed aborts cleanings, which would wait for the one
// calling).

// cleanerHost is the manager seen by the cleaner (log.CleanerHost).
type cleanerHost struct{ m *Manager }

var _ log.CleanerHost = cleanerHost{}

// Logs returns the live logs.
func (h cleanerHost) Logs() []*log.Log {
	h.m.mu.RLock()
	defer h.m.mu.RUnlock()
	return sortedLogs(h.m.current)
}

// FirstDirtyOffset returns tp's entry in the cleaner-offset-checkpoint of
// the directory holding its live log.
func (h cleanerHost) FirstDirtyOffset(tp TopicPartition) (int64, bool) {
	d := h.m.dirOf(tp)
	if d == nil {
		return 0, false
	}
	d.cleanerMu.Lock()
	defer d.cleanerMu.Unlock()
	o, ok := d.cleanerOffsets[tp]
	return o, ok
}

// SetFirstDirtyOffset records tp's first dirty offset and rewrites the
// directory's cleaner-offset-checkpoint. A partition no longer here
// (deleted meanwhile) is ignored.
func (h cleanerHost) SetFirstDirtyOffset(tp TopicPartition, offset int64) error {
	d := h.m.dirOf(tp)
	if d == nil || h.m.fail.IsOffline(d.path) {
		return nil
	}
	err := h.m.updateCleanerCheckpoint(d, func(o map[TopicPartition]int64) { o[tp] = offset })
	if err != nil {
		go h.m.checkpointFailed(d, err) // not from the cleaner's goroutine: see above
	}
	return err
}

// Bounds returns tp's high watermark twice (no transactions here, so the
// last stable offset is the high watermark): from Options.Replication, or
// the log end offset without it. An unknown high watermark is 0: nothing
// is cleaned or retained.
func (h cleanerHost) Bounds(tp TopicPartition) (int64, int64) {
	hw, ok := h.m.highWatermark(tp)
	if !ok {
		return 0, 0
	}
	return hw, hw
}

// dirOf returns the directory of tp's live log, or nil.
func (m *Manager) dirOf(tp TopicPartition) *logDir {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if p := m.current[tp]; p != nil {
		return p.dir
	}
	return nil
}

// highWatermark is tp's high watermark for retention and cleaning.
func (m *Manager) highWatermark(tp TopicPartition) (int64, bool) {
	if m.opts.Replication != nil {
		return m.opts.Replication.HighWatermark(tp)
	}
	l, ok := m.GetLog(tp)
	if !ok {
		return 0, false
	}
	return l.LogEndOffset(), true
}

// Cleaner returns the log cleaner, or nil when log.cleaner.enable is false.
func (m *Manager) Cleaner() *log.Cleaner { return m.cleaner }
