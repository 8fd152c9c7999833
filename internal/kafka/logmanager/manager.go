package logmanager

import (
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"slices"
	"sync"

	"github.com/wharf-project/wharf/internal/kafka/log"
	"github.com/wharf-project/wharf/internal/kafka/log/checkpoint"
	"github.com/wharf-project/wharf/internal/vfs"
)

// TopicPartition names a partition (the log package's type).
type TopicPartition = log.TopicPartition

// Replication is what the manager needs from the owner of replication
// state (the broker's replica manager): the high watermarks. Retention
// (and the cleaner) deletes only below a partition's high watermark, and
// the replication-offset-checkpoint records them. It is called from the
// manager's and the cleaner's goroutines, with no manager lock held.
type Replication interface {
	// HighWatermark returns tp's high watermark; ok is false when it is
	// not known (the partition is not online here): retention then skips
	// the log and the checkpoint leaves it out.
	HighWatermark(tp TopicPartition) (hw int64, ok bool)
}

// Options are what Open needs besides the Config.
type Options struct {
	FS     vfs.FS       // default vfs.Default
	Clock  log.Clock    // default log.SystemClock
	Logger *slog.Logger // default: discard

	// ClusterID and BrokerID are written to each directory's
	// meta.properties (version 0, ZooKeeper mode) and checked against what
	// is there. An empty ClusterID or a negative BrokerID takes the value
	// from the existing files (an error when there is none).
	ClusterID string
	BrokerID  int32

	// TopicOverrides returns a topic's config overrides (ZooKeeper's
	// /config/topics/<topic>) for the logs found at Open; nil or an empty
	// map means the broker defaults. An invalid override fails Open, as
	// it fails Kafka's startup.
	TopicOverrides func(topic string) map[string]string

	// Replication gives the high watermarks. Without it, retention treats
	// the log end offset as the high watermark (a single replica), and no
	// replication-offset-checkpoint is written except by
	// WriteHighWatermarks.
	Replication Replication

	// ManualSchedule runs no background goroutine: periodic tasks and the
	// logs' deferred work run only when the owner calls RunDue, with a time
	// of its choosing, and the cleaner's threads are not started (the owner
	// calls Cleaner().CleanOnce): tests, simulators. Use it with a custom
	// Clock: the background mode sleeps on the wall clock.
	ManualSchedule bool
}

// Manager owns the log directories and every partition log in them
// (Kafka's LogManager). Its methods are safe for concurrent use.
type Manager struct {
	cfg     Config
	opts    Options
	fs      vfs.FS
	clock   log.Clock
	logger  *slog.Logger
	sched   *scheduler
	fail    *FailureChannel
	cleaner *log.Cleaner // nil when log.cleaner.enable is false

	clusterID string
	brokerID  int32

	dirs      []*logDir // in configuration order; fixed after Open
	dirByPath map[string]*logDir

	cfgMu     sync.Mutex
	topicCfgs map[string]log.Config // the topics' configs at Open

	// createMu serialises the creation, deletion and truncation of logs
	// (Kafka's logCreationOrDeletionLock); it is held across their I/O.
	createMu sync.Mutex
	// mu guards the maps; it is never held across I/O.
	mu       sync.RWMutex
	current  map[TopicPartition]*partition
	future   map[TopicPartition]*partition
	deleting map[*log.Log]struct{} // renamed -delete, waiting for file.delete.delay.ms
	offline  map[TopicPartition]string
	closed   bool
}

// partition is a loaded log and where it lives.
type partition struct {
	log     *log.Log
	dir     *logDir
	topicID checkpoint.Uuid // ZeroUuid: unknown (guarded by Manager.mu)
}

// logDir is one of log.dirs.
type logDir struct {
	path             string
	lock             *dirLock
	hadCleanShutdown bool
	recoveryCP       *checkpoint.OffsetFile // recovery-point-offset-checkpoint
	logStartCP       *checkpoint.OffsetFile // log-start-offset-checkpoint
	replicationCP    *checkpoint.OffsetFile // replication-offset-checkpoint
	cleanerCP        *checkpoint.OffsetFile // cleaner-offset-checkpoint

	// cpMu orders the snapshots and writes of this directory's recovery
	// point, log start and high watermark checkpoints, so that a
	// checkpoint taken after a truncation is never overwritten by one
	// taken before it.
	cpMu sync.Mutex
	// cleanerMu guards cleanerOffsets, the content of
	// cleaner-offset-checkpoint, and serialises its writes.
	cleanerMu      sync.Mutex
	cleanerOffsets map[TopicPartition]int64
}

// Open opens the log manager on cfg.LogDirs (LogManager's constructor,
// loadLogs and startup; relative paths on the OS filesystem are made
// absolute first):
//
//  1. create each directory if missing (durably), check it is a
//     directory, and lock it (.lock; see lock.go);
//  2. read every meta.properties, check cluster.id and broker.id against
//     Options and against each other (version 0 only), and write it where
//     it is missing or differs;
//
// then, in every directory in parallel:
//
//  3. note whether the clean shutdown marker is there, then remove it and
//     sync the directory, before any log is touched: a crash during
//     recovery must not pass for a clean shutdown (KAFKA-10471);
//  4. read recovery-point-offset-checkpoint and log-start-offset-checkpoint
//     (an unreadable one counts as empty, as in Kafka: a full recovery);
//  5. open every partition directory with num.recovery.threads.per.data.dir
//     loaders, passing each log its recovery point, log start offset and
//     whether the shutdown was clean. <topic>-<partition>.<id>-delete
//     directories are not opened: they are removed after
//     file.delete.delay.ms. -future directories are opened as future logs
//     (GetFutureLog); -stray directories and names that are not partitions
//     are left alone.
//
// An I/O error in a directory takes it offline (Failures) instead of
// failing Open, unless no directory is left (ErrNoLiveLogDirs). A lock held
// by someone else (ErrLocked), a meta.properties mismatch
// (ErrMetaProperties), an invalid topic override (ErrInvalidConfig) or a
// partition in two directories (ErrDuplicateLog) fail Open, as they fail
// Kafka's startup. Then the periodic tasks are scheduled (after
// log.initial.task.delay.ms) and the cleaner started.
func Open(cfg Config, opts Options) (*Manager, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if opts.FS == nil {
		opts.FS = vfs.Default
	}
	if opts.Clock == nil {
		opts.Clock = log.SystemClock{}
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	cfg.LogDirs = slices.Clone(cfg.LogDirs)
	m := &Manager{
		cfg: cfg, opts: opts, fs: opts.FS, clock: opts.Clock, logger: opts.Logger,
		fail:      newFailureChannel(len(cfg.LogDirs)),
		dirByPath: map[string]*logDir{},
		topicCfgs: map[string]log.Config{},
		current:   map[TopicPartition]*partition{},
		future:    map[TopicPartition]*partition{},
		deleting:  map[*log.Log]struct{}{},
		offline:   map[TopicPartition]string{},
	}
	m.sched = newScheduler(m.clock, m.logger, opts.ManualSchedule, cfg.BackgroundThreads)
	for i, p := range cfg.LogDirs {
		if opts.FS == vfs.Default {
			if abs, err := filepath.Abs(p); err == nil {
				p = abs
			}
		}
		d := &logDir{path: filepath.Clean(p)}
		m.cfg.LogDirs[i] = d.path
		m.dirs = append(m.dirs, d)
		m.dirByPath[d.path] = d
	}
	if err := m.open(); err != nil {
		m.abort()
		return nil, err
	}
	m.startup()
	return m, nil
}

func (m *Manager) open() error {
	if err := m.prepareDirs(); err != nil {
		return err
	}
	if err := m.setupMeta(); err != nil {
		return err
	}
	if err := m.loadLogs(); err != nil {
		return err
	}
	if len(m.OnlineLogDirs()) == 0 {
		return m.noLiveDirs()
	}
	if m.cfg.Cleaner.Enable {
		c, err := log.NewCleaner(m.cfg.Cleaner, cleanerHost{m}, log.CleanerOptions{Clock: m.clock, Logger: m.logger})
		if err != nil {
			return fmt.Errorf("%w: %w", ErrInvalidConfig, err)
		}
		m.cleaner = c
	}
	return nil
}

func (m *Manager) noLiveDirs() error {
	return fmt.Errorf("%w: none of the specified log dirs from %v can be created or validated", ErrNoLiveLogDirs, m.cfg.LogDirs)
}

// abort undoes a failed Open: closes what was opened and releases the locks.
func (m *Manager) abort() {
	m.sched.stop()
	m.mu.Lock()
	var logs []*log.Log
	for _, ps := range []map[TopicPartition]*partition{m.current, m.future} {
		for _, p := range ps {
			logs = append(logs, p.log)
		}
	}
	m.current, m.future = map[TopicPartition]*partition{}, map[TopicPartition]*partition{}
	m.closed = true
	m.mu.Unlock()
	for _, l := range logs {
		_ = l.Close()
	}
	for _, d := range m.dirs {
		if d.lock != nil {
			d.lock.release()
		}
	}
}

// startup schedules the periodic tasks (LogManager.startup) and starts the
// cleaner and the scheduler.
func (m *Manager) startup() {
	delay := m.cfg.InitialTaskDelayMs
	m.sched.schedulePeriodic("kafka-log-retention", delay, m.cfg.RetentionCheckIntervalMs, m.cleanupLogs)
	if m.cfg.FlushSchedulerIntervalMs != maxMs {
		m.sched.schedulePeriodic("kafka-log-flusher", delay, m.cfg.FlushSchedulerIntervalMs, m.flushDirtyLogs)
	}
	m.sched.schedulePeriodic("kafka-recovery-point-checkpoint", delay, m.cfg.FlushOffsetCheckpointIntervalMs,
		func() { _ = m.CheckpointRecoveryPoints() })
	m.sched.schedulePeriodic("kafka-log-start-offset-checkpoint", delay, m.cfg.FlushStartOffsetCheckpointIntervalMs,
		func() { _ = m.CheckpointLogStartOffsets() })
	if m.opts.Replication != nil {
		m.sched.schedulePeriodic("highwatermark-checkpoint", m.cfg.HighWatermarkCheckpointIntervalMs,
			m.cfg.HighWatermarkCheckpointIntervalMs, func() { _ = m.checkpointHighWatermarks() })
	}
	if m.cleaner != nil && !m.opts.ManualSchedule {
		m.cleaner.Start()
	}
	m.sched.start()
}

const maxMs = int64(^uint64(0) >> 1)

// RunDue runs every scheduled task due at now (periodic tasks, deferred
// deletions and flushes) on the caller's goroutine, and returns how many
// ran. It is how time passes with Options.ManualSchedule; in the
// background mode it runs tasks early, beside the scheduler's goroutine.
func (m *Manager) RunDue(now int64) int { return m.sched.RunDue(now) }

// ClusterID is the cluster ID in meta.properties.
func (m *Manager) ClusterID() string { return m.clusterID }

// BrokerID is the broker ID in meta.properties.
func (m *Manager) BrokerID() int32 { return m.brokerID }

// Config returns the configuration the manager was opened with.
func (m *Manager) Config() Config { return m.cfg }

// TopicConfig is Config.TopicConfig with the manager's broker defaults.
func (m *Manager) TopicConfig(overrides map[string]string) (log.Config, error) {
	return m.cfg.TopicConfig(overrides)
}

// Failures is the log directory failure channel.
func (m *Manager) Failures() *FailureChannel { return m.fail }

// LogDirs returns every configured log directory, cleaned, in order.
func (m *Manager) LogDirs() []string {
	out := make([]string, len(m.dirs))
	for i, d := range m.dirs {
		out[i] = d.path
	}
	return out
}

// OnlineLogDirs returns the log directories that are online, in order.
func (m *Manager) OnlineLogDirs() []string {
	var out []string
	for _, d := range m.onlineDirs() {
		out = append(out, d.path)
	}
	return out
}

func (m *Manager) onlineDirs() []*logDir {
	var out []*logDir
	for _, d := range m.dirs {
		if !m.fail.IsOffline(d.path) {
			out = append(out, d)
		}
	}
	return out
}

// IsLogDirOnline reports whether dir is a configured log directory that is
// online.
func (m *Manager) IsLogDirOnline(dir string) bool {
	_, ok := m.dirByPath[filepath.Clean(dir)]
	return ok && !m.fail.IsOffline(filepath.Clean(dir))
}

// HadCleanShutdown reports whether dir held the clean shutdown marker when
// the manager opened it.
func (m *Manager) HadCleanShutdown(dir string) bool {
	d, ok := m.dirByPath[filepath.Clean(dir)]
	return ok && d.hadCleanShutdown
}

// GetLog returns tp's live log.
func (m *Manager) GetLog(tp TopicPartition) (*log.Log, bool) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	p, ok := m.current[tp]
	if !ok {
		return nil, false
	}
	return p.log, true
}

// GetFutureLog returns tp's future log (a -future directory: the target of
// a move between log directories).
func (m *Manager) GetFutureLog(tp TopicPartition) (*log.Log, bool) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	p, ok := m.future[tp]
	if !ok {
		return nil, false
	}
	return p.log, true
}

// TopicID returns the topic ID in tp's partition.metadata, if known.
func (m *Manager) TopicID(tp TopicPartition) (checkpoint.Uuid, bool) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	p, ok := m.current[tp]
	if !ok || p.topicID == checkpoint.ZeroUuid {
		return checkpoint.ZeroUuid, false
	}
	return p.topicID, true
}

// LogDirOf returns the log directory holding tp's live log.
func (m *Manager) LogDirOf(tp TopicPartition) (string, bool) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	p, ok := m.current[tp]
	if !ok {
		return "", false
	}
	return p.dir.path, true
}

// IsOffline reports whether tp's log was in a log directory that went
// offline while the manager ran (Kafka answers KAFKA_STORAGE_ERROR for it).
func (m *Manager) IsOffline(tp TopicPartition) bool {
	m.mu.RLock()
	defer m.mu.RUnlock()
	_, ok := m.offline[tp]
	return ok
}

// AllLogs returns every live and future log, sorted by partition (live
// before future).
func (m *Manager) AllLogs() []*log.Log {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return sortedLogs(m.current, m.future)
}

// LogsByTopic returns the live and future logs of topic.
func (m *Manager) LogsByTopic(topic string) []*log.Log {
	m.mu.RLock()
	defer m.mu.RUnlock()
	var out []*log.Log
	for _, l := range sortedLogs(m.current, m.future) {
		if l.TopicPartition().Topic == topic {
			out = append(out, l)
		}
	}
	return out
}

// CurrentLogs returns every live log by partition (a copy).
func (m *Manager) CurrentLogs() map[TopicPartition]*log.Log {
	m.mu.RLock()
	defer m.mu.RUnlock()
	out := make(map[TopicPartition]*log.Log, len(m.current))
	for tp, p := range m.current {
		out[tp] = p.log
	}
	return out
}

func sortedLogs(maps ...map[TopicPartition]*partition) []*log.Log {
	var out []*log.Log
	for _, ps := range maps {
		tps := make([]TopicPartition, 0, len(ps))
		for tp := range ps {
			tps = append(tps, tp)
		}
		slices.SortFunc(tps, comparePartitions)
		for _, tp := range tps {
			out = append(out, ps[tp].log)
		}
	}
	return out
}

func comparePartitions(a, b TopicPartition) int {
	return checkpoint.TopicPartition(a).Compare(checkpoint.TopicPartition(b))
}

// logsIn returns the live and future logs of d, by partition, for its
// checkpoints (a future log and a live log of the same partition never
// share a directory).
func (m *Manager) logsIn(d *logDir) map[TopicPartition]*log.Log {
	m.mu.RLock()
	defer m.mu.RUnlock()
	out := map[TopicPartition]*log.Log{}
	for _, ps := range []map[TopicPartition]*partition{m.current, m.future} {
		for tp, p := range ps {
			if p.dir == d {
				out[tp] = p.log
			}
		}
	}
	return out
}
