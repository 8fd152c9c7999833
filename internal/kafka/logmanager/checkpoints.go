package logmanager

import (
	"errors"
	"fmt"
	"maps"
	"path/filepath"

	"github.com/wharf-project/wharf/internal/kafka/log"
	"github.com/wharf-project/wharf/internal/kafka/log/checkpoint"
)

// The four offset checkpoints of a log directory, in Kafka's format
// (checkpoint.OffsetFile: "0\n<count>\n<topic> <partition> <offset>\n..."),
// each replaced crash-safely (<name>.tmp, fsync, rename, directory fsync):
//
//	recovery-point-offset-checkpoint  every log's recovery point; written every
//	                                  log.flush.offset.checkpoint.interval.ms, after
//	                                  truncations and deletions, and at Close
//	log-start-offset-checkpoint       log start offsets above the first segment's base;
//	                                  every log.flush.start.offset.checkpoint.interval.ms,
//	                                  after truncations and deletions, at Close
//	replication-offset-checkpoint     high watermarks (WriteHighWatermarks; every
//	                                  replica.high.watermark.checkpoint.interval.ms and at
//	                                  Close with Options.Replication)
//	cleaner-offset-checkpoint         the cleaner's first dirty offsets (cleaner.go); dropped
//	                                  or lowered on deletion and truncation
//
// A write error other than an unwritable entry takes the directory offline.

// CheckpointRecoveryPoints writes recovery-point-offset-checkpoint in every
// online directory (LogManager.checkpointLogRecoveryOffsets).
func (m *Manager) CheckpointRecoveryPoints() error {
	var errs []error
	for _, d := range m.onlineDirs() {
		errs = append(errs, m.checkpointDir(d, true, false))
	}
	return errors.Join(errs...)
}

// CheckpointLogStartOffsets writes log-start-offset-checkpoint in every
// online directory (LogManager.checkpointLogStartOffsets).
func (m *Manager) CheckpointLogStartOffsets() error {
	var errs []error
	for _, d := range m.onlineDirs() {
		errs = append(errs, m.checkpointDir(d, false, true))
	}
	return errors.Join(errs...)
}

// checkpointDir writes d's recovery point and/or log start checkpoints from
// the logs as they are now. d.cpMu is held from the snapshot to the end of
// the write: a checkpoint started after a truncation finished reflects it
// and is written last.
func (m *Manager) checkpointDir(d *logDir, recovery, logStart bool) error {
	return m.checkpointFailed(d, m.writeCheckpoints(d, recovery, logStart))
}

func (m *Manager) writeCheckpoints(d *logDir, recovery, logStart bool) error {
	d.cpMu.Lock()
	defer d.cpMu.Unlock()
	if m.fail.IsOffline(d.path) {
		return nil
	}
	logs := m.logsIn(d)
	if recovery {
		offsets := make(map[checkpoint.TopicPartition]int64, len(logs))
		for tp, l := range logs {
			offsets[checkpoint.TopicPartition(tp)] = l.RecoveryPoint()
		}
		if err := d.recoveryCP.Write(offsets); err != nil {
			return err
		}
	}
	if logStart {
		offsets := map[checkpoint.TopicPartition]int64{}
		for tp, l := range logs {
			if segs := l.Segments(); len(segs) > 0 && l.LogStartOffset() > segs[0].BaseOffset() {
				offsets[checkpoint.TopicPartition(tp)] = l.LogStartOffset()
			}
		}
		if err := d.logStartCP.Write(offsets); err != nil {
			return err
		}
	}
	return nil
}

// checkpointFailed takes d offline after an I/O error writing a checkpoint
// (called with no lock held: the failure closes logs and calls the
// cleaner).
func (m *Manager) checkpointFailed(d *logDir, err error) error {
	if err != nil && !errors.Is(err, checkpoint.ErrInvalidEntry) {
		m.LogDirFailed(d.path, err)
	}
	return err
}

// WriteHighWatermarks writes replication-offset-checkpoint in every online
// directory (ReplicaManager.checkpointHighWatermarks): each gets the high
// watermarks of the partitions whose live log it holds; partitions without
// a log here are left out.
func (m *Manager) WriteHighWatermarks(hws map[TopicPartition]int64) error {
	byDir := map[*logDir]map[checkpoint.TopicPartition]int64{}
	m.mu.RLock()
	for tp, hw := range hws {
		if p := m.current[tp]; p != nil {
			if byDir[p.dir] == nil {
				byDir[p.dir] = map[checkpoint.TopicPartition]int64{}
			}
			byDir[p.dir][checkpoint.TopicPartition(tp)] = hw
		}
	}
	m.mu.RUnlock()
	var errs []error
	for _, d := range m.onlineDirs() {
		d.cpMu.Lock()
		err := d.replicationCP.Write(byDir[d])
		d.cpMu.Unlock()
		errs = append(errs, m.checkpointFailed(d, err))
	}
	return errors.Join(errs...)
}

// checkpointHighWatermarks writes the high watermarks Options.Replication
// knows.
func (m *Manager) checkpointHighWatermarks() error {
	hws := map[TopicPartition]int64{}
	for tp := range m.CurrentLogs() {
		if hw, ok := m.opts.Replication.HighWatermark(tp); ok {
			hws[tp] = hw
		}
	}
	err := m.WriteHighWatermarks(hws)
	if err != nil {
		m.logger.Error("writing high watermarks", "err", err)
	}
	return err
}

// ReadHighWatermarks returns the high watermarks in the online directories'
// replication-offset-checkpoint files, for the broker to start its
// partitions from (a directory whose file cannot be read is reported in
// the error and skipped).
func (m *Manager) ReadHighWatermarks() (map[TopicPartition]int64, error) {
	out := map[TopicPartition]int64{}
	var errs []error
	for _, d := range m.onlineDirs() {
		d.cpMu.Lock()
		hws, err := d.replicationCP.Read()
		d.cpMu.Unlock()
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for tp, hw := range hws {
			out[TopicPartition(tp)] = hw
		}
	}
	return out, errors.Join(errs...)
}

func (m *Manager) onlineDir(dir string) (*logDir, error) {
	d, ok := m.dirByPath[filepath.Clean(dir)]
	if !ok {
		return nil, fmt.Errorf("%w: Log dir %s is not found in the config", ErrLogDirOffline, dir)
	}
	if m.fail.IsOffline(d.path) {
		return nil, fmt.Errorf("%w: %s", ErrLogDirOffline, d.path)
	}
	return d, nil
}

// CleanerCheckpoint returns dir's cleaner-offset-checkpoint as the manager
// holds it (read at Open, then kept in memory and written through).
func (m *Manager) CleanerCheckpoint(dir string) (map[TopicPartition]int64, error) {
	d, err := m.onlineDir(dir)
	if err != nil {
		return nil, err
	}
	d.cleanerMu.Lock()
	defer d.cleanerMu.Unlock()
	return maps.Clone(d.cleanerOffsets), nil
}

// loadCleanerCheckpoint reads d's cleaner-offset-checkpoint at Open; an
// unreadable one counts as empty, as Kafka's LogCleanerManager takes it
// (the cleaner then starts from each log's start).
func (m *Manager) loadCleanerCheckpoint(d *logDir) {
	raw, err := d.cleanerCP.Read()
	if err != nil {
		m.logger.Warn("cannot read the cleaner checkpoint; starting from an empty one", "dir", d.path, "err", err)
	}
	d.cleanerOffsets = fromCheckpoint(raw)
}

// updateCleanerCheckpoint lets update change d's cleaner offsets and, if
// they changed, writes the file (crash-safely) before keeping them. The
// caller handles a write error (checkpointFailed) with no lock held.
func (m *Manager) updateCleanerCheckpoint(d *logDir, update func(offsets map[TopicPartition]int64)) error {
	d.cleanerMu.Lock()
	defer d.cleanerMu.Unlock()
	offsets := maps.Clone(d.cleanerOffsets)
	if offsets == nil {
		offsets = map[TopicPartition]int64{}
	}
	update(offsets)
	if maps.Equal(offsets, d.cleanerOffsets) {
		return nil
	}
	out := make(map[checkpoint.TopicPartition]int64, len(offsets))
	for tp, o := range offsets {
		out[checkpoint.TopicPartition(tp)] = o
	}
	if err := d.cleanerCP.Write(out); err != nil {
		return err
	}
	d.cleanerOffsets = offsets
	return nil
}

func fromCheckpoint(in map[checkpoint.TopicPartition]int64) map[TopicPartition]int64 {
	out := make(map[TopicPartition]int64, len(in))
	for tp, o := range in {
		out[log.TopicPartition(tp)] = o
	}
	return out
}
