package logmanager

import (
	"fmt"
	"math"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/wharf-project/wharf/internal/kafka/log"
)

// Config is the log manager's share of a broker's server.properties: the
// log directories, the intervals of its background work, the cleaner's
// settings, and the broker-level defaults of every topic config (Kafka's
// KafkaConfig.extractLogConfigMap), under Kafka's key names and defaults.
type Config struct {
	// LogDirs is log.dirs, or log.dir when log.dirs is not set
	// (default /tmp/kafka-logs). Paths are cleaned; they should be absolute.
	LogDirs []string
	// NumRecoveryThreadsPerDataDir is num.recovery.threads.per.data.dir:
	// how many logs of one directory load (and close) in parallel.
	NumRecoveryThreadsPerDataDir int
	// BackgroundThreads is background.threads: how many scheduled tasks
	// (flushes, retention, deletions, checkpoints) may run at once.
	BackgroundThreads int
	// FlushSchedulerIntervalMs is log.flush.scheduler.interval.ms: how often
	// logs are checked for flush.ms (math.MaxInt64: never).
	FlushSchedulerIntervalMs int64
	// FlushOffsetCheckpointIntervalMs is
	// log.flush.offset.checkpoint.interval.ms: how often
	// recovery-point-offset-checkpoint is written.
	FlushOffsetCheckpointIntervalMs int64
	// FlushStartOffsetCheckpointIntervalMs is
	// log.flush.start.offset.checkpoint.interval.ms: how often
	// log-start-offset-checkpoint is written.
	FlushStartOffsetCheckpointIntervalMs int64
	// RetentionCheckIntervalMs is log.retention.check.interval.ms: how often
	// retention runs.
	RetentionCheckIntervalMs int64
	// HighWatermarkCheckpointIntervalMs is
	// replica.high.watermark.checkpoint.interval.ms: how often
	// replication-offset-checkpoint is written (when Options.Replication
	// is set).
	HighWatermarkCheckpointIntervalMs int64
	// InitialTaskDelayMs is log.initial.task.delay.ms: the delay before the
	// first run of each periodic task.
	InitialTaskDelayMs int64
	// MessageTimestampDifferenceMaxMs is the deprecated
	// log.message.timestamp.difference.max.ms, which topics may still
	// override (TopicConfig resolves it as Kafka 3.9 does).
	MessageTimestampDifferenceMaxMs int64
	// Cleaner is the log.cleaner.* settings (with message.max.bytes and
	// producer.id.expiration.ms, which the cleaner also reads).
	Cleaner log.CleanerConfig
	// Defaults is every topic's configuration before its overrides: the
	// log.* keys mapped to the topic keys (log.segment.bytes to
	// segment.bytes, log.retention.hours to retention.ms, ...).
	Defaults log.Config
}

// Kafka's defaults for the manager's own keys.
const (
	DefaultLogDir                            = "/tmp/kafka-logs"
	DefaultRetentionCheckIntervalMs          = 5 * 60 * 1000
	DefaultFlushOffsetCheckpointIntervalMs   = 60000
	DefaultFlushStartOffsetCheckpointMs      = 60000
	DefaultHighWatermarkCheckpointIntervalMs = 5000
	DefaultInitialTaskDelayMs                = 30 * 1000
	DefaultBackgroundThreads                 = 10
)

// DefaultConfig returns Kafka's defaults (log.dir /tmp/kafka-logs).
func DefaultConfig() Config {
	return Config{
		LogDirs:                              []string{DefaultLogDir},
		NumRecoveryThreadsPerDataDir:         1,
		BackgroundThreads:                    DefaultBackgroundThreads,
		FlushSchedulerIntervalMs:             math.MaxInt64,
		FlushOffsetCheckpointIntervalMs:      DefaultFlushOffsetCheckpointIntervalMs,
		FlushStartOffsetCheckpointIntervalMs: DefaultFlushStartOffsetCheckpointMs,
		RetentionCheckIntervalMs:             DefaultRetentionCheckIntervalMs,
		HighWatermarkCheckpointIntervalMs:    DefaultHighWatermarkCheckpointIntervalMs,
		InitialTaskDelayMs:                   DefaultInitialTaskDelayMs,
		MessageTimestampDifferenceMaxMs:      math.MaxInt64,
		Cleaner:                              log.DefaultCleanerConfig(),
		Defaults:                             log.DefaultConfig(),
	}
}

// Validate checks the values against Kafka's bounds, and two of Wharf's
// own: the checkpoint intervals must be at least 1 ms (Kafka accepts 0
// and then fails to schedule the task), and the log directories must be
// distinct after cleaning (Kafka: "Duplicate log directory found").
func (c Config) Validate() error {
	if len(c.LogDirs) == 0 {
		return fmt.Errorf("%w: log.dirs must contain at least one directory", ErrInvalidConfig)
	}
	seen := map[string]bool{}
	for _, d := range c.LogDirs {
		cd := filepath.Clean(d)
		if d == "" || seen[cd] {
			return fmt.Errorf("%w: Duplicate or empty log directory found: %s", ErrInvalidConfig, strings.Join(c.LogDirs, ", "))
		}
		seen[cd] = true
	}
	type bound struct {
		ok   bool
		key  string
		v    any
		rule string
	}
	for _, b := range []bound{
		{c.NumRecoveryThreadsPerDataDir >= 1, "num.recovery.threads.per.data.dir", c.NumRecoveryThreadsPerDataDir, "Value must be at least 1"},
		{c.BackgroundThreads >= 1, "background.threads", c.BackgroundThreads, "Value must be at least 1"},
		{c.FlushSchedulerIntervalMs >= 1, "log.flush.scheduler.interval.ms", c.FlushSchedulerIntervalMs, "Value must be at least 1"},
		{c.FlushOffsetCheckpointIntervalMs >= 1, "log.flush.offset.checkpoint.interval.ms", c.FlushOffsetCheckpointIntervalMs, "Value must be at least 1"},
		{c.FlushStartOffsetCheckpointIntervalMs >= 1, "log.flush.start.offset.checkpoint.interval.ms", c.FlushStartOffsetCheckpointIntervalMs, "Value must be at least 1"},
		{c.RetentionCheckIntervalMs >= 1, "log.retention.check.interval.ms", c.RetentionCheckIntervalMs, "Value must be at least 1"},
		{c.HighWatermarkCheckpointIntervalMs >= 1, "replica.high.watermark.checkpoint.interval.ms", c.HighWatermarkCheckpointIntervalMs, "Value must be at least 1"},
		{c.InitialTaskDelayMs >= 0, "log.initial.task.delay.ms", c.InitialTaskDelayMs, "Value must be at least 0"},
		{c.MessageTimestampDifferenceMaxMs >= 0, "log.message.timestamp.difference.max.ms", c.MessageTimestampDifferenceMaxMs, "Value must be at least 0"},
	} {
		if !b.ok {
			return configError(b.key, fmt.Sprint(b.v), b.rule)
		}
	}
	if err := c.Defaults.Validate(); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidConfig, err)
	}
	if c.Cleaner.Enable {
		if err := c.Cleaner.Validate(); err != nil {
			return fmt.Errorf("%w: %w", ErrInvalidConfig, err)
		}
	}
	return nil
}

// TopicConfig returns a topic's log configuration: the broker defaults
// with the topic's overrides (the properties ZooKeeper stores under
// /config/topics/<topic>, with Kafka's topic-level names: retention.ms,
// segment.bytes, cleanup.policy, ...) applied on top, as
// LogConfig.fromProps does. Keys that are not log configs are ignored.
// The deprecated message.timestamp.difference.max.ms stands for
// message.timestamp.before/after.max.ms where those are left at their
// default (Long.MAX_VALUE), as in Kafka 3.9.
func (c Config) TopicConfig(overrides map[string]string) (log.Config, error) {
	cfg, err := log.ParseConfig(overrides, c.Defaults)
	if err != nil {
		return log.Config{}, fmt.Errorf("%w: %w", ErrInvalidConfig, err)
	}
	diff := c.MessageTimestampDifferenceMaxMs
	if raw, ok := overrides["message.timestamp.difference.max.ms"]; ok {
		v := strings.TrimSpace(raw)
		if diff, err = strconv.ParseInt(v, 10, 64); err != nil {
			return log.Config{}, configError("message.timestamp.difference.max.ms", v, "Not a number of type LONG")
		}
		if diff < 0 {
			return log.Config{}, configError("message.timestamp.difference.max.ms", v, "Value must be at least 0")
		}
	}
	if cfg.MessageTimestampBeforeMaxMs == math.MaxInt64 {
		cfg.MessageTimestampBeforeMaxMs = diff
	}
	if cfg.MessageTimestampAfterMaxMs == math.MaxInt64 {
		cfg.MessageTimestampAfterMaxMs = diff
	}
	return cfg, nil
}
