package logmanager

import (
	"cmp"
	"errors"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"

	"github.com/wharf-project/wharf/internal/kafka/log"
	"github.com/wharf-project/wharf/internal/kafka/log/checkpoint"
)

// CreateOptions tune GetOrCreateLogWith.
type CreateOptions struct {
	// IsNew says the partition is new to this broker (LeaderAndIsr's
	// isNew): its log is created even while a log directory is offline.
	// Otherwise a missing log is not created then, since it may be in the
	// offline directory (ErrLogDirOffline, KAFKA_STORAGE_ERROR).
	IsNew bool
	// Dir is the log directory to create the log in (Kafka's preferred
	// log directory); "" picks the online directory holding the fewest
	// partitions.
	Dir string
}

// GetOrCreateLog returns tp's live log, creating it if there is none: see
// GetOrCreateLogWith (with CreateOptions{}, Kafka's defaults).
func (m *Manager) GetOrCreateLog(tp TopicPartition, cfg log.Config, topicID checkpoint.Uuid) (*log.Log, error) {
	return m.GetOrCreateLogWith(tp, cfg, topicID, CreateOptions{})
}

// GetOrCreateLogWith returns tp's live log, creating it if there is none
// (LogManager.getOrCreateLog): in o.Dir, or else in the online log
// directory holding the fewest partitions (nextLogDirs), trying the next
// one if creating it fails there (which takes that directory offline). A
// new log is empty at offset 0 and gets cfg; an existing log keeps its
// config (UpdateTopicConfig changes it).
//
// topicID, unless checkpoint.ZeroUuid (unknown, as a ZooKeeper controller
// may send), is written to partition.metadata (durably) when the log has
// none, and must equal the one it has (ErrInconsistentTopicID).
func (m *Manager) GetOrCreateLogWith(tp TopicPartition, cfg log.Config, topicID checkpoint.Uuid, o CreateOptions) (*log.Log, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidConfig, err)
	}
	m.createMu.Lock()
	defer m.createMu.Unlock()
	if m.isClosed() {
		return nil, ErrClosed
	}
	m.mu.RLock()
	p := m.current[tp]
	m.mu.RUnlock()
	if p == nil {
		var err error
		if p, err = m.createLocked(tp, cfg, o); err != nil {
			return nil, err
		}
	}
	if err := m.assignTopicIDLocked(p, tp, topicID); err != nil {
		return nil, err
	}
	return p.log, nil
}

func (m *Manager) createLocked(tp TopicPartition, cfg log.Config, o CreateOptions) (*partition, error) {
	if off := m.fail.Offline(); !o.IsNew && len(off) > 0 {
		return nil, fmt.Errorf("%w: Can not create log for %s because log directories %s are offline",
			ErrLogDirOffline, tp, strings.Join(off, ","))
	}
	candidates := m.nextLogDirs()
	if o.Dir != "" {
		d, ok := m.dirByPath[filepath.Clean(o.Dir)]
		if !ok {
			return nil, fmt.Errorf("%w: Log dir %s is not found in the config", ErrLogDirOffline, o.Dir)
		}
		candidates = []*logDir{d}
	}
	var tried []string
	var errs []error
	for _, d := range candidates {
		tried = append(tried, d.path)
		if m.fail.IsOffline(d.path) {
			errs = append(errs, fmt.Errorf("%w: Can not create log %s because log directory %s is offline",
				ErrLogDirOffline, log.DirName(tp), d.path))
			continue
		}
		l, err := log.Open(m.fs, filepath.Join(d.path, log.DirName(tp)), cfg, m.logOptions(0, 0, false))
		if err != nil {
			err = fmt.Errorf("logmanager: Error while creating log for %s in dir %s: %w", log.DirName(tp), d.path, err)
			m.LogDirFailed(d.path, err)
			errs = append(errs, err)
			continue
		}
		p := &partition{log: l, dir: d}
		m.mu.Lock()
		m.current[tp] = p
		delete(m.offline, tp)
		m.mu.Unlock()
		m.logger.Info("created log", "partition", tp.String(), "dir", l.Dir())
		return p, nil
	}
	return nil, fmt.Errorf("%w: No log directories available. Tried %s: %w",
		ErrLogDirOffline, strings.Join(tried, ", "), errors.Join(errs...))
}

// nextLogDirs returns the online directories, the one with the fewest
// partitions (live and future) first; ties keep the configured order.
func (m *Manager) nextLogDirs() []*logDir {
	dirs := m.onlineDirs()
	count := map[*logDir]int{}
	m.mu.RLock()
	for _, ps := range []map[TopicPartition]*partition{m.current, m.future} {
		for _, p := range ps {
			count[p.dir]++
		}
	}
	m.mu.RUnlock()
	slices.SortStableFunc(dirs, func(a, b *logDir) int { return cmp.Compare(count[a], count[b]) })
	return dirs
}

// assignTopicIDLocked records topicID in p's partition.metadata if it has
// none (createMu held: the directory cannot be renamed meanwhile).
func (m *Manager) assignTopicIDLocked(p *partition, tp TopicPartition, topicID checkpoint.Uuid) error {
	if topicID == checkpoint.ZeroUuid {
		return nil
	}
	m.mu.RLock()
	cur := p.topicID
	m.mu.RUnlock()
	switch cur {
	case topicID:
		return nil
	case checkpoint.ZeroUuid:
	default:
		return fmt.Errorf("%w: Tried to assign topic ID %s to log for topic partition %s,but log already contained topic ID %s",
			ErrInconsistentTopicID, topicID, tp, cur)
	}
	if err := checkpoint.WritePartitionMetadata(m.fs, checkpoint.PartitionMetadataFilePath(p.log.Dir()), topicID); err != nil {
		m.LogDirFailed(p.dir.path, err)
		return err
	}
	m.mu.Lock()
	p.topicID = topicID
	m.mu.Unlock()
	return nil
}

// AsyncDelete deletes tp's live log (LogManager.asyncDelete): it leaves
// the manager at once, any cleaning of it is aborted, its
// cleaner-offset-checkpoint entry dropped, its directory renamed
// <topic>-<partition>.<uuid>-delete (durably, so a restart does not bring
// it back) and the directory's checkpoints rewritten without it; the
// directory is removed file.delete.delay.ms later (the broker default),
// or at Close. It reports whether there was a log. With no log and a log
// directory offline it fails with ErrLogDirOffline: the log may be there.
func (m *Manager) AsyncDelete(tp TopicPartition) (bool, error) {
	m.createMu.Lock()
	defer m.createMu.Unlock()
	if m.isClosed() {
		return false, ErrClosed
	}
	m.mu.Lock()
	p := m.current[tp]
	delete(m.current, tp)
	m.mu.Unlock()
	if p == nil {
		if off := m.fail.Offline(); len(off) > 0 {
			return false, fmt.Errorf("%w: Failed to delete log for %s because it may be in one of the offline directories %s",
				ErrLogDirOffline, tp, strings.Join(off, ","))
		}
		return false, nil
	}
	if m.cleaner != nil {
		m.cleaner.AbortCleaning(tp) // after the removal: the cleaner no longer lists it
	}
	if err := m.checkpointFailed(p.dir, m.updateCleanerCheckpoint(p.dir, func(o map[TopicPartition]int64) { delete(o, tp) })); err != nil {
		m.logger.Warn("cannot drop the deleted partition from the cleaner checkpoint", "partition", tp.String(), "err", err)
	}
	if err := p.log.RenameDir(log.DeleteDirName(tp)); err != nil {
		_ = p.log.Close()
		m.LogDirFailed(p.dir.path, err)
		return true, err
	}
	l := p.log
	m.mu.Lock()
	m.deleting[l] = struct{}{}
	m.mu.Unlock()
	m.sched.ScheduleOnce("kafka-delete-logs", m.cfg.Defaults.FileDeleteDelayMs, func() { m.deleteLog(l) })
	m.logger.Info("log renamed and scheduled for deletion", "partition", tp.String(), "dir", l.Dir())
	return true, m.checkpointDir(p.dir, true, true)
}

// deleteLog removes a log renamed by AsyncDelete, unless Close or a
// directory failure took it first.
func (m *Manager) deleteLog(l *log.Log) {
	m.mu.Lock()
	_, ok := m.deleting[l]
	delete(m.deleting, l)
	m.mu.Unlock()
	if !ok {
		return
	}
	dir := l.Dir()
	if err := l.Delete(); err != nil {
		m.logger.Error("deleting log", "dir", dir, "err", err)
		return
	}
	if err := m.fs.SyncDir(filepath.Dir(dir)); err != nil {
		m.logger.Warn("syncing a log directory after a deletion", "dir", filepath.Dir(dir), "err", err)
	}
}

// scheduleDirRemoval removes a -delete directory found at load after
// file.delete.delay.ms, as Kafka deletes the logs it loads from them.
func (m *Manager) scheduleDirRemoval(path string) {
	m.sched.ScheduleOnce("kafka-delete-logs", m.cfg.Defaults.FileDeleteDelayMs, func() {
		if m.fail.IsOffline(filepath.Dir(path)) {
			return
		}
		if err := m.fs.RemoveAll(path); err != nil {
			m.logger.Error("deleting log", "dir", path, "err", err)
			return
		}
		if err := m.fs.SyncDir(filepath.Dir(path)); err != nil {
			m.logger.Warn("syncing a log directory after a deletion", "dir", filepath.Dir(path), "err", err)
		}
	})
}

// TruncateTo truncates live logs to the given offsets (followers after a
// leader change; LogManager.truncateTo) and then rewrites the recovery
// point (and log start) checkpoints of every directory where a log lost
// data, before returning: a recovery point checkpointed above a
// truncation would let a crash skip the rescan of data written after it.
// Partitions without a log are skipped. A log whose truncation goes below
// its active segment has its cleaning paused meanwhile and its cleaner
// checkpoint lowered.
func (m *Manager) TruncateTo(offsets map[TopicPartition]int64) error {
	m.createMu.Lock()
	defer m.createMu.Unlock()
	if m.isClosed() {
		return ErrClosed
	}
	affected := map[*logDir]bool{}
	var errs []error
	for _, tp := range slices.SortedFunc(maps.Keys(offsets), comparePartitions) {
		m.mu.RLock()
		p := m.current[tp]
		m.mu.RUnlock()
		if p == nil {
			continue
		}
		target := offsets[tp]
		err := m.withCleaningPaused(p, tp, target < p.log.ActiveSegment().BaseOffset(), func() error {
			truncated, err := p.log.TruncateTo(target)
			if truncated {
				affected[p.dir] = true
			}
			return err
		})
		if err != nil {
			errs = append(errs, err)
		}
	}
	for _, d := range m.dirs {
		if affected[d] {
			errs = append(errs, m.checkpointDir(d, true, true))
		}
	}
	return errors.Join(errs...)
}

// TruncateFullyAndStartAt empties tp's live log and restarts it at
// newOffset (LogManager.truncateFullyAndStartAt), then rewrites its
// directory's recovery point and log start checkpoints.
func (m *Manager) TruncateFullyAndStartAt(tp TopicPartition, newOffset int64) error {
	m.createMu.Lock()
	defer m.createMu.Unlock()
	if m.isClosed() {
		return ErrClosed
	}
	m.mu.RLock()
	p := m.current[tp]
	m.mu.RUnlock()
	if p == nil {
		return nil
	}
	err := m.withCleaningPaused(p, tp, true, func() error { return p.log.TruncateFullyAndStartAt(newOffset) })
	return errors.Join(err, m.checkpointDir(p.dir, true, true))
}

// withCleaningPaused runs truncate with tp's cleaning paused (if pause),
// lowering its cleaner checkpoint to the active segment afterwards. A
// storage error takes the directory offline.
func (m *Manager) withCleaningPaused(p *partition, tp TopicPartition, pause bool, truncate func() error) error {
	if pause && m.cleaner != nil {
		m.cleaner.AbortAndPauseCleaning(tp)
		defer func() { _ = m.cleaner.ResumeCleaning(tp) }()
	}
	err := truncate()
	if err != nil {
		m.storageError(p, err)
	}
	if pause {
		base := p.log.ActiveSegment().BaseOffset()
		cerr := m.updateCleanerCheckpoint(p.dir, func(o map[TopicPartition]int64) {
			if v, ok := o[tp]; ok && v > base {
				o[tp] = base
			}
		})
		err = errors.Join(err, m.checkpointFailed(p.dir, cerr))
	}
	return err
}

// UpdateTopicConfig gives every live and future log of topic the config
// cfg (a dynamic topic config change: compute it with TopicConfig). A log
// that stops compacting has its cleaning aborted.
func (m *Manager) UpdateTopicConfig(topic string, cfg log.Config) error {
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidConfig, err)
	}
	var errs []error
	for _, l := range m.LogsByTopic(topic) {
		old := l.Config()
		if err := l.UpdateConfig(cfg); err != nil {
			errs = append(errs, err)
			continue
		}
		if old.CleanupPolicy.Compact() && !cfg.CleanupPolicy.Compact() && m.cleaner != nil {
			m.cleaner.AbortCleaning(l.TopicPartition())
		}
	}
	return errors.Join(errs...)
}

// storageError takes p's directory offline when err says its log's
// storage failed, unless the log has left the manager meanwhile: a log
// being deleted may fail a flush that raced with its rename (Kafka
// swallows that NoSuchFileException), and that says nothing about the
// directory.
func (m *Manager) storageError(p *partition, err error) {
	if !errors.Is(err, log.ErrStorage) {
		return
	}
	m.mu.RLock()
	tp := p.log.TopicPartition()
	live := m.current[tp] == p || m.future[tp] == p
	m.mu.RUnlock()
	if live {
		m.LogDirFailed(p.dir.path, err)
	}
}

func (m *Manager) isClosed() bool {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.closed
}
