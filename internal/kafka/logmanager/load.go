package logmanager

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"sync"
	"sync/atomic"

	"github.com/wharf-project/wharf/internal/kafka/log"
	"github.com/wharf-project/wharf/internal/kafka/log/checkpoint"
)

// metadataTopic is KRaft's metadata log, which LogManager never loads.
const metadataTopic = "__cluster_metadata"

// loaded is one log opened by loadDir.
type loaded struct {
	tp      TopicPartition
	kind    log.DirKind
	log     *log.Log
	topicID checkpoint.Uuid
}

// loadResult is what loading one directory gave.
type loadResult struct {
	logs  []loaded
	ioErr error // takes the directory offline
	fatal error // fails Open
}

// loadLogs loads every online directory in parallel (LogManager.loadLogs)
// and registers the logs.
func (m *Manager) loadLogs() error {
	dirs := m.onlineDirs()
	results := make([]loadResult, len(dirs))
	parallel(len(dirs), len(dirs), func(i int) { results[i] = m.loadDir(dirs[i]) })
	var fatal error
	for i, d := range dirs {
		r := results[i]
		if r.fatal != nil || r.ioErr != nil {
			for _, ld := range r.logs {
				_ = ld.log.Close()
			}
			if r.fatal != nil {
				fatal = cmpErr(fatal, r.fatal)
			} else {
				m.LogDirFailed(d.path, r.ioErr)
			}
			continue
		}
		if err := m.register(d, r.logs); err != nil {
			fatal = cmpErr(fatal, err)
		}
	}
	return fatal
}

func cmpErr(first, next error) error {
	if first != nil {
		return first
	}
	return next
}

// register adds a directory's logs to the maps; a partition already
// loaded from another directory is ErrDuplicateLog.
func (m *Manager) register(d *logDir, logs []loaded) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	var err error
	for _, ld := range logs {
		target := m.current
		if ld.kind == log.DirFuture {
			target = m.future
		}
		if prev, dup := target[ld.tp]; dup {
			err = cmpErr(err, fmt.Errorf("%w for %s in both %s and %s. It is likely because log directory failure happened "+
				"while broker was replacing current replica with future replica. Recover broker from this failure by "+
				"manually deleting one of the two directories for this partition. It is recommended to delete the "+
				"partition in the log directory that is known to have failed recently.",
				ErrDuplicateLog, ld.tp, prev.log.Dir(), ld.log.Dir()))
			_ = ld.log.Close()
			continue
		}
		target[ld.tp] = &partition{log: ld.log, dir: d, topicID: ld.topicID}
	}
	return err
}

// loadJob is a partition directory to open.
type loadJob struct {
	name string
	tp   TopicPartition
	kind log.DirKind
}

// loadDir loads one log directory: the clean shutdown marker (removed
// durably before anything else), the checkpoints, then every partition
// with num.recovery.threads.per.data.dir workers.
func (m *Manager) loadDir(d *logDir) loadResult {
	clean, err := checkpoint.HasCleanShutdown(m.fs, d.path)
	if err != nil {
		return loadResult{ioErr: err}
	}
	if err := checkpoint.RemoveCleanShutdown(m.fs, d.path); err != nil {
		return loadResult{ioErr: err}
	}
	d.hadCleanShutdown = clean
	if err := m.openCheckpoints(d); err != nil {
		return loadResult{ioErr: err}
	}
	m.loadCleanerCheckpoint(d)
	recoveryPoints, err := d.recoveryCP.Read()
	if err != nil {
		m.logger.Warn("cannot read the recovery point checkpoint; recovering every log from its start",
			"dir", d.path, "err", err)
		recoveryPoints = nil
	}
	logStarts, err := d.logStartCP.Read()
	if err != nil {
		m.logger.Warn("cannot read the log start offset checkpoint; using each log's first segment",
			"dir", d.path, "err", err)
		logStarts = nil
	}
	jobs, err := m.scanDir(d)
	if err != nil {
		return loadResult{ioErr: err}
	}
	if clean {
		m.logger.Info("skipping recovery: clean shutdown file found", "dir", d.path, "logs", len(jobs))
	} else if len(jobs) > 0 {
		m.logger.Info("recovering logs: no clean shutdown file found", "dir", d.path, "logs", len(jobs))
	}

	out := make([]loaded, len(jobs))
	ok := make([]bool, len(jobs))
	var stop atomic.Bool
	var errMu sync.Mutex
	var res loadResult
	parallel(len(jobs), m.cfg.NumRecoveryThreadsPerDataDir, func(i int) {
		if stop.Load() {
			return // the directory is failing: open no more of it
		}
		ld, ioErr, fatal := m.loadPartition(d, jobs[i], clean, recoveryPoints, logStarts)
		if ioErr != nil || fatal != nil {
			stop.Store(true)
			errMu.Lock()
			res.ioErr, res.fatal = cmpErr(res.ioErr, ioErr), cmpErr(res.fatal, fatal)
			errMu.Unlock()
			return
		}
		out[i], ok[i] = ld, true
	})
	for i := range out {
		if ok[i] {
			res.logs = append(res.logs, out[i])
		}
	}
	return res
}

// openCheckpoints opens the directory's four offset checkpoints, creating
// missing ones empty as Kafka does.
func (m *Manager) openCheckpoints(d *logDir) error {
	for _, cp := range []struct {
		dst  **checkpoint.OffsetFile
		name string
	}{
		{&d.recoveryCP, checkpoint.RecoveryPointCheckpointFileName},
		{&d.logStartCP, checkpoint.LogStartOffsetCheckpointFileName},
		{&d.replicationCP, checkpoint.ReplicationOffsetCheckpointFileName},
		{&d.cleanerCP, checkpoint.CleanerOffsetCheckpointFileName},
	} {
		f, err := checkpoint.OpenOffsetFile(m.fs, filepath.Join(d.path, cp.name))
		if err != nil {
			return err
		}
		*cp.dst = f
	}
	return nil
}

// scanDir lists the partition directories to open, and schedules the
// removal of -delete directories.
func (m *Manager) scanDir(d *logDir) ([]loadJob, error) {
	names, err := m.fs.List(d.path)
	if err != nil {
		return nil, err
	}
	var jobs []loadJob
	for _, name := range names {
		tp, kind, perr := log.ParseDirName(name)
		if perr == nil && tp.Topic == metadataTopic {
			continue
		}
		st, err := m.fs.Stat(filepath.Join(d.path, name))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		} else if err != nil {
			return nil, err
		}
		if !st.IsDir() {
			continue
		}
		switch {
		case perr != nil:
			// Kafka fails to start on such a directory (lost+found, ...);
			// Wharf leaves it alone.
			m.logger.Warn("skipping a directory that is not a partition's", "dir", filepath.Join(d.path, name))
		case kind == log.DirDelete:
			m.scheduleDirRemoval(filepath.Join(d.path, name))
		case kind == log.DirStray:
			m.logger.Warn("leaving a stray partition directory alone", "dir", filepath.Join(d.path, name))
		default:
			jobs = append(jobs, loadJob{name: name, tp: tp, kind: kind})
		}
	}
	return jobs, nil
}

// loadPartition opens one partition's log (LogManager.loadLog).
func (m *Manager) loadPartition(d *logDir, job loadJob, clean bool, recoveryPoints, logStarts map[checkpoint.TopicPartition]int64) (ld loaded, ioErr, fatal error) {
	cfg, err := m.configFor(job.tp.Topic)
	if err != nil {
		return loaded{}, nil, err
	}
	ctp := checkpoint.TopicPartition(job.tp)
	dir := filepath.Join(d.path, job.name)
	l, err := log.Open(m.fs, dir, cfg, m.logOptions(recoveryPoints[ctp], logStarts[ctp], clean))
	if err != nil {
		return loaded{}, fmt.Errorf("logmanager: loading %s: %w", dir, err), nil
	}
	ld = loaded{tp: job.tp, kind: job.kind, log: l}
	pm, err := checkpoint.ReadPartitionMetadata(m.fs, checkpoint.PartitionMetadataFilePath(dir))
	switch {
	case err == nil:
		ld.topicID = pm.TopicID
	case !errors.Is(err, fs.ErrNotExist):
		// Rewritten when the broker next names the topic ID.
		m.logger.Warn("ignoring an unreadable partition.metadata", "dir", dir, "err", err)
	}
	return ld, nil, nil
}

// logOptions are the options every log gets.
func (m *Manager) logOptions(recoveryPoint, logStart int64, clean bool) log.Options {
	return log.Options{
		Clock: m.clock, Logger: m.logger, Scheduler: m.sched,
		RecoveryPoint: recoveryPoint, LogStartOffset: logStart, HadCleanShutdown: clean,
	}
}

// configFor returns a topic's config at Open: the broker defaults with the
// topic's overrides, computed once per topic.
func (m *Manager) configFor(topic string) (log.Config, error) {
	m.cfgMu.Lock()
	defer m.cfgMu.Unlock()
	if c, ok := m.topicCfgs[topic]; ok {
		return c, nil
	}
	var overrides map[string]string
	if m.opts.TopicOverrides != nil {
		overrides = m.opts.TopicOverrides(topic)
	}
	c, err := m.cfg.TopicConfig(overrides)
	if err != nil {
		return log.Config{}, fmt.Errorf("%w (topic %s)", err, topic)
	}
	m.topicCfgs[topic] = c
	return c, nil
}

// parallel calls fn(i) for every i in [0, n) from at most workers
// goroutines, and returns when all calls have.
func parallel(n, workers int, fn func(i int)) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(workers, n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				fn(i)
			}
		}()
	}
	wg.Wait()
}
