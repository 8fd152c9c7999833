package logmanager

import (
	"errors"

	"github.com/wharf-project/wharf/internal/kafka/log"
	"github.com/wharf-project/wharf/internal/kafka/log/checkpoint"
)

// Close shuts the manager down (LogManager.shutdown): the scheduler stops
// (pending deferred work is dropped, running tasks finish), then the
// cleaner; the high watermarks are checkpointed (with
// Options.Replication); logs waiting for deletion are deleted now; then,
// in every online directory in parallel, each log is flushed and closed
// (num.recovery.threads.per.data.dir at a time) and, only if all of them
// closed cleanly, the recovery point and log start checkpoints are written
// and then the clean shutdown marker, last: the next Open skips recovery
// there. The locks are released. Close returns every error met; a second
// Close returns ErrClosed.
func (m *Manager) Close() error {
	m.createMu.Lock()
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		m.createMu.Unlock()
		return ErrClosed
	}
	m.closed = true
	m.mu.Unlock()
	m.createMu.Unlock()

	m.sched.stop()
	if m.cleaner != nil {
		m.cleaner.Stop()
	}
	var errs []error
	if m.opts.Replication != nil {
		errs = append(errs, m.checkpointHighWatermarks())
	}
	m.mu.Lock()
	var deleting []*log.Log
	for l := range m.deleting {
		deleting = append(deleting, l)
	}
	m.mu.Unlock()
	for _, l := range deleting {
		m.deleteLog(l)
	}

	dirs := m.onlineDirs()
	dirErrs := make([]error, len(dirs))
	parallel(len(dirs), len(dirs), func(i int) { dirErrs[i] = m.closeDir(dirs[i]) })
	for _, d := range m.dirs {
		if d.lock != nil {
			d.lock.release()
		}
	}
	return errors.Join(append(errs, dirErrs...)...)
}

// closeDir closes d's logs, then writes its checkpoints and its clean
// shutdown marker if every log closed cleanly.
func (m *Manager) closeDir(d *logDir) error {
	logs := make([]*log.Log, 0)
	for _, l := range m.logsIn(d) {
		logs = append(logs, l)
	}
	errs := make([]error, len(logs))
	parallel(len(logs), m.cfg.NumRecoveryThreadsPerDataDir, func(i int) { errs[i] = logs[i].Close() })
	if err := errors.Join(errs...); err != nil {
		m.logger.Error("closing logs; no clean shutdown marker written", "dir", d.path, "err", err)
		return err
	}
	if err := m.checkpointDir(d, true, true); err != nil {
		return err
	}
	if m.fail.IsOffline(d.path) {
		return nil
	}
	return checkpoint.WriteCleanShutdown(m.fs, d.path, checkpoint.NoBrokerEpoch)
}
