package logmanager

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"path/filepath"
	"slices"
	"time"

	"github.com/wharf-project/wharf/internal/kafka/log"
	"github.com/wharf-project/wharf/internal/kafka/log/checkpoint"
	"github.com/wharf-project/wharf/internal/vfs"
)

// prepareDirs creates, checks and locks every log directory
// (createAndValidateLogDirs and lockLogDirs). A directory that cannot be
// created or locked for an I/O reason goes offline; one locked by someone
// else fails Open.
func (m *Manager) prepareDirs() error {
	for _, d := range m.dirs {
		if err := mkdirDurable(m.fs, d.path); err != nil {
			m.LogDirFailed(d.path, fmt.Errorf("logmanager: failed to create data directory %s: %w", d.path, err))
			continue
		}
		if st, err := m.fs.Stat(d.path); err != nil || !st.IsDir() {
			if err == nil {
				err = errors.New("not a directory")
			}
			m.LogDirFailed(d.path, fmt.Errorf("logmanager: %s is not a readable log directory: %w", d.path, err))
			continue
		}
		lock, err := lockDir(m.fs, d.path)
		if errors.Is(err, ErrLocked) {
			return err
		} else if err != nil {
			m.LogDirFailed(d.path, err)
			continue
		}
		d.lock = lock
	}
	if len(m.onlineDirs()) == 0 {
		return m.noLiveDirs()
	}
	return nil
}

// mkdirDurable creates dir and its missing parents, syncing the parent of
// each one created: a directory entry lost in a crash takes everything
// under it along.
func mkdirDurable(fsys vfs.FS, dir string) error {
	var missing []string
	for d := filepath.Clean(dir); ; d = filepath.Dir(d) {
		if _, err := fsys.Stat(d); err == nil {
			break
		} else if !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		missing = append(missing, d)
		if d == filepath.Dir(d) {
			break
		}
	}
	if len(missing) == 0 {
		return nil
	}
	if err := fsys.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, d := range slices.Backward(missing) {
		if err := fsys.SyncDir(filepath.Dir(d)); err != nil {
			return err
		}
	}
	return nil
}

// setupMeta is what a ZooKeeper-mode KafkaServer does with meta.properties
// before it starts its LogManager: load every directory's file (an
// unreadable one takes its directory offline), verify them against the
// broker's cluster and broker IDs with version 0 required, settle the IDs,
// and write the file wherever it is missing or differs.
func (m *Manager) setupMeta() error {
	online := m.OnlineLogDirs()
	ens, err := checkpoint.LoadMetaEnsemble(m.fs, online)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrMetaProperties, err)
	}
	for _, dir := range slices.Sorted(maps.Keys(ens.Errors)) {
		m.LogDirFailed(dir, ens.Errors[dir])
	}
	expectedID := m.opts.BrokerID
	if expectedID < 0 {
		expectedID = -1
	}
	if err := ens.Verify(m.opts.ClusterID, expectedID, checkpoint.RequireV0); err != nil {
		return fmt.Errorf("%w: %w", ErrMetaProperties, err)
	}
	m.clusterID, m.brokerID = m.opts.ClusterID, m.opts.BrokerID
	if m.clusterID == "" {
		id, ok := ens.ClusterID()
		if !ok {
			return fmt.Errorf("%w: no cluster ID given and none found in meta.properties", ErrMetaProperties)
		}
		m.clusterID = id
	}
	if m.brokerID < 0 {
		id, ok := ens.NodeID()
		if !ok {
			return fmt.Errorf("%w: No broker ID found, and none found in meta.properties", ErrMetaProperties)
		}
		m.brokerID = id
	}
	out := ens.Rewrite(m.fs, m.clusterID, m.brokerID, time.UnixMilli(m.clock.NowMs()))
	for _, dir := range slices.Sorted(maps.Keys(out.Errors)) {
		if _, known := ens.Errors[dir]; !known {
			m.LogDirFailed(dir, out.Errors[dir])
		}
	}
	if len(m.onlineDirs()) == 0 {
		return m.noLiveDirs()
	}
	return nil
}

// LogDirFailed takes dir offline after an I/O error (Kafka's
// LogDirFailureChannel.maybeAddOfflineLogDir followed by
// LogManager.handleLogDirFailure): it is reported once on Failures().C,
// its logs are removed from the manager (IsOffline reports their
// partitions) and closed, the cleaner stops using it, and its lock is
// released. No checkpoint or clean shutdown marker is written there again,
// so its next start recovers it. The broker calls it when a log it uses
// directly fails with log.ErrStorage; the manager calls it for the errors
// it meets itself.
func (m *Manager) LogDirFailed(dir string, err error) {
	d, ok := m.dirByPath[filepath.Clean(dir)]
	if !ok || !m.fail.add(d.path, err) {
		return
	}
	m.logger.Error("log directory offline", "dir", d.path, "err", err)
	m.mu.Lock()
	var logs []*log.Log
	var live []TopicPartition
	for _, ps := range []map[TopicPartition]*partition{m.current, m.future} {
		for tp, p := range ps {
			if p.dir == d {
				logs = append(logs, p.log)
				if p == m.current[tp] {
					live = append(live, tp)
				}
				delete(ps, tp)
				m.offline[tp] = d.path
			}
		}
	}
	for l := range m.deleting {
		if filepath.Dir(l.Dir()) == d.path {
			logs = append(logs, l)
			delete(m.deleting, l)
		}
	}
	m.mu.Unlock()
	if m.cleaner != nil {
		// Stop the cleanings of the directory's logs before closing them
		// (LogCleaner.handleLogDirFailure); they are no longer listed.
		for _, tp := range live {
			m.cleaner.AbortCleaning(tp)
		}
	}
	for _, l := range logs {
		_ = l.Close() // the files stay for the next start to recover
	}
	if len(m.onlineDirs()) == 0 {
		m.logger.Error("all log directories have failed; the broker must shut down", "dirs", m.cfg.LogDirs)
	}
	if d.lock != nil {
		d.lock.release()
	}
}
