package logmanager

import (
	"fmt"
	"math"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/wharf-project/wharf/internal/kafka/log"
)

// ParseConfig reads the log manager's keys from a broker's properties (as
// config.ParseProperties returns server.properties, after --override),
// with Kafka's defaults for keys not set, its parsing (values trimmed,
// Integer.parseInt, Long.parseLong, ...), its bounds and its messages. Keys
// it does not know are ignored: they belong to other components.
//
// Where Kafka has synonyms, the first one set wins, in Kafka's order:
//
//	retention.ms          log.retention.ms > log.retention.minutes > log.retention.hours (168); negative: -1
//	segment.ms            log.roll.ms > log.roll.hours (168)
//	segment.jitter.ms     log.roll.jitter.ms > log.roll.jitter.hours (0)
//	flush.ms              log.flush.interval.ms > log.flush.scheduler.interval.ms (Long.MAX_VALUE)
//	file.delete.delay.ms  log.segment.delete.delay.ms (60000)
//	log directories       log.dirs > log.dir (/tmp/kafka-logs), comma-separated
//
// and the other topic defaults come from log.segment.bytes,
// log.index.size.max.bytes, log.index.interval.bytes,
// log.flush.interval.messages, log.retention.bytes, log.cleanup.policy,
// log.preallocate, log.message.timestamp.*, message.max.bytes,
// compression.type and log.cleaner.{delete.retention.ms,
// min.compaction.lag.ms, max.compaction.lag.ms, min.cleanable.ratio}.
func ParseConfig(props map[string]string) (Config, error) {
	p := &propReader{props: props}
	c := DefaultConfig()
	d := &c.Defaults

	dirs := p.str("log.dir", DefaultLogDir)
	if v, ok := p.get("log.dirs"); ok {
		dirs = v
	}
	c.LogDirs = nil
	for _, s := range strings.Split(dirs, ",") {
		if s = strings.TrimSpace(s); s != "" {
			c.LogDirs = append(c.LogDirs, filepath.Clean(s))
		}
	}

	c.NumRecoveryThreadsPerDataDir = int(p.int32("num.recovery.threads.per.data.dir", 1, 1))
	c.BackgroundThreads = int(p.int32("background.threads", DefaultBackgroundThreads, 1))
	c.FlushSchedulerIntervalMs = p.int64("log.flush.scheduler.interval.ms", math.MaxInt64, math.MinInt64)
	c.FlushOffsetCheckpointIntervalMs = int64(p.int32("log.flush.offset.checkpoint.interval.ms", DefaultFlushOffsetCheckpointIntervalMs, 0))
	c.FlushStartOffsetCheckpointIntervalMs = int64(p.int32("log.flush.start.offset.checkpoint.interval.ms", DefaultFlushStartOffsetCheckpointMs, 0))
	c.RetentionCheckIntervalMs = p.int64("log.retention.check.interval.ms", DefaultRetentionCheckIntervalMs, 1)
	c.HighWatermarkCheckpointIntervalMs = p.int64("replica.high.watermark.checkpoint.interval.ms", DefaultHighWatermarkCheckpointIntervalMs, math.MinInt64)
	c.InitialTaskDelayMs = p.int64("log.initial.task.delay.ms", DefaultInitialTaskDelayMs, 0)

	c.Cleaner.Enable = p.bool("log.cleaner.enable", true)
	c.Cleaner.Threads = int(p.int32("log.cleaner.threads", 1, 0))
	c.Cleaner.DedupeBufferSize = p.int64("log.cleaner.dedupe.buffer.size", 128<<20, math.MinInt64)
	c.Cleaner.DedupeBufferLoadFactor = p.float("log.cleaner.io.buffer.load.factor", 0.9, math.Inf(-1), math.Inf(1))
	c.Cleaner.IOBufferSize = int(p.int32("log.cleaner.io.buffer.size", 512<<10, 0))
	c.Cleaner.IOMaxBytesPerSecond = p.float("log.cleaner.io.max.bytes.per.second", math.MaxFloat64, math.Inf(-1), math.Inf(1))
	c.Cleaner.BackoffMs = p.int64("log.cleaner.backoff.ms", 15000, 0)

	d.SegmentBytes = p.int32("log.segment.bytes", log.DefaultSegmentBytes, 14)
	d.SegmentMs = p.hoursOr("log.roll.ms", "log.roll.hours", 24*7, 1)
	d.SegmentJitterMs = p.hoursOr("log.roll.jitter.ms", "log.roll.jitter.hours", 0, 0)
	d.SegmentIndexBytes = p.int32("log.index.size.max.bytes", log.DefaultSegmentIndexBytes, 4)
	d.IndexIntervalBytes = p.int32("log.index.interval.bytes", log.DefaultIndexIntervalBytes, 0)
	d.FlushMessages = p.int64("log.flush.interval.messages", math.MaxInt64, 1)
	d.FlushMs = c.FlushSchedulerIntervalMs
	if _, ok := p.get("log.flush.interval.ms"); ok {
		d.FlushMs = p.int64("log.flush.interval.ms", 0, math.MinInt64)
	}
	d.RetentionBytes = p.int64("log.retention.bytes", -1, math.MinInt64)
	d.RetentionMs = p.retentionMs()
	d.MaxMessageBytes = p.int32("message.max.bytes", log.DefaultMaxMessageBytes, 0)
	c.Cleaner.MaxMessageSize = int(d.MaxMessageBytes)
	c.Cleaner.ProducerIDExpirationMs = int64(p.int32("producer.id.expiration.ms", log.DefaultProducerIDExpirationMs, 1))
	d.FileDeleteDelayMs = p.int64("log.segment.delete.delay.ms", log.DefaultFileDeleteDelayMs, 0)
	d.DeleteRetentionMs = p.int64("log.cleaner.delete.retention.ms", log.DefaultDeleteRetentionMs, 0)
	d.MinCompactionLagMs = p.int64("log.cleaner.min.compaction.lag.ms", 0, 0)
	d.MaxCompactionLagMs = p.int64("log.cleaner.max.compaction.lag.ms", math.MaxInt64, 1)
	d.MinCleanableDirtyRatio = p.float("log.cleaner.min.cleanable.ratio", 0.5, 0, 1)
	d.Preallocate = p.bool("log.preallocate", false)
	if v, ok := p.get("log.cleanup.policy"); ok {
		pol, err := log.ParseCleanupPolicy(v)
		if err != nil {
			p.fail(configError("log.cleanup.policy", v, "String must be one of: compact, delete"))
		}
		d.CleanupPolicy = pol
	}
	d.CompressionType = p.oneOf("compression.type", "producer", "uncompressed", "zstd", "lz4", "snappy", "gzip", "producer")
	switch p.oneOf("log.message.timestamp.type", "CreateTime", "CreateTime", "LogAppendTime") {
	case "LogAppendTime":
		d.MessageTimestampType = log.LogAppendTime
	default:
		d.MessageTimestampType = log.CreateTime
	}
	// KafkaConfig.logMessageTimestampBefore/AfterMaxMs: the deprecated
	// difference stands in while the new keys keep their default.
	c.MessageTimestampDifferenceMaxMs = p.int64("log.message.timestamp.difference.max.ms", math.MaxInt64, 0)
	d.MessageTimestampBeforeMaxMs = p.int64("log.message.timestamp.before.max.ms", math.MaxInt64, 0)
	d.MessageTimestampAfterMaxMs = p.int64("log.message.timestamp.after.max.ms", math.MaxInt64, 0)
	if d.MessageTimestampBeforeMaxMs == math.MaxInt64 {
		d.MessageTimestampBeforeMaxMs = c.MessageTimestampDifferenceMaxMs
	}
	if d.MessageTimestampAfterMaxMs == math.MaxInt64 {
		d.MessageTimestampAfterMaxMs = c.MessageTimestampDifferenceMaxMs
	}
	if p.err != nil {
		return Config{}, p.err
	}
	// KafkaConfig's own requirements on the derived values.
	switch {
	case d.SegmentMs < 1:
		return Config{}, fmt.Errorf("%w: log.roll.ms must be greater than or equal to 1", ErrInvalidConfig)
	case d.SegmentJitterMs < 0:
		return Config{}, fmt.Errorf("%w: log.roll.jitter.ms must be greater than or equal to 0", ErrInvalidConfig)
	case d.RetentionMs < 1 && d.RetentionMs != -1:
		return Config{}, fmt.Errorf("%w: log.retention.ms must be unlimited (-1) or, greater than or equal to 1", ErrInvalidConfig)
	}
	if err := c.Validate(); err != nil {
		return Config{}, err
	}
	return c, nil
}

// propReader reads typed values as Kafka's ConfigDef does; the first error
// latches.
type propReader struct {
	props map[string]string
	err   error
}

func (p *propReader) fail(err error) {
	if p.err == nil {
		p.err = err
	}
}

// get returns the trimmed value of key, if set (ConfigDef trims every value).
func (p *propReader) get(key string) (string, bool) {
	v, ok := p.props[key]
	return strings.TrimSpace(v), ok
}

func (p *propReader) str(key, def string) string {
	if v, ok := p.get(key); ok {
		return v
	}
	return def
}

func (p *propReader) oneOf(key, def string, allowed ...string) string {
	v, ok := p.get(key)
	if !ok {
		return def
	}
	for _, a := range allowed {
		if v == a {
			return v
		}
	}
	p.fail(configError(key, v, "String must be one of: "+strings.Join(allowed, ", ")))
	return def
}

func (p *propReader) integer(key string, bits int, def, lo int64, kind string) int64 {
	v, ok := p.get(key)
	if !ok {
		return def
	}
	n, err := strconv.ParseInt(v, 10, bits)
	if err != nil {
		p.fail(configError(key, v, "Not a number of type "+kind))
		return def
	}
	if n < lo {
		p.fail(configError(key, v, fmt.Sprintf("Value must be at least %d", lo)))
		return def
	}
	return n
}

// int32 reads an INT at least lo (math.MinInt64 for no bound).
func (p *propReader) int32(key string, def int32, lo int64) int32 {
	return int32(p.integer(key, 32, int64(def), lo, "INT"))
}

// int64 reads a LONG at least lo (math.MinInt64 for no bound).
func (p *propReader) int64(key string, def, lo int64) int64 {
	return p.integer(key, 64, def, lo, "LONG")
}

func (p *propReader) float(key string, def, lo, hi float64) float64 {
	v, ok := p.get(key)
	if !ok {
		return def
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil {
		p.fail(configError(key, v, "Not a number of type DOUBLE"))
		return def
	}
	if f < lo || f > hi {
		p.fail(configError(key, v, fmt.Sprintf("Value must be no less than %v and no more than %v", lo, hi)))
		return def
	}
	return f
}

func (p *propReader) bool(key string, def bool) bool {
	v, ok := p.get(key)
	if !ok {
		return def
	}
	switch strings.ToLower(v) {
	case "true":
		return true
	case "false":
		return false
	}
	p.fail(configError(key, v, "Expected value to be either true or false"))
	return def
}

// hoursOr is a LONG in ms that, when not set, comes from an INT in hours
// (log.roll.ms / log.roll.hours).
func (p *propReader) hoursOr(msKey, hoursKey string, defHours int32, loHours int64) int64 {
	if _, ok := p.get(msKey); ok {
		return p.int64(msKey, 0, math.MinInt64)
	}
	return int64(p.int32(hoursKey, defHours, loHours)) * 60 * 60 * 1000
}

// retentionMs is KafkaConfig.logRetentionTimeMillis: log.retention.ms, else
// log.retention.minutes, else log.retention.hours; any negative result
// means unlimited (-1).
func (p *propReader) retentionMs() int64 {
	var ms int64
	if _, ok := p.get("log.retention.ms"); ok {
		ms = p.int64("log.retention.ms", 0, math.MinInt64)
	} else if _, ok := p.get("log.retention.minutes"); ok {
		ms = int64(p.int32("log.retention.minutes", 0, math.MinInt64)) * 60 * 1000
	} else {
		ms = int64(p.int32("log.retention.hours", 24*7, math.MinInt64)) * 60 * 60 * 1000
	}
	if ms < 0 {
		return -1
	}
	return ms
}
