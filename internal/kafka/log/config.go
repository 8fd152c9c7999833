package log

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// TimestampType is message.timestamp.type.
type TimestampType int8

const (
	CreateTime    TimestampType = 0
	LogAppendTime TimestampType = 1
)

func (t TimestampType) String() string {
	if t == LogAppendTime {
		return "LogAppendTime"
	}
	return "CreateTime"
}

// CleanupPolicy is cleanup.policy: a set of "delete" and "compact".
type CleanupPolicy uint8

const (
	CleanupDelete  CleanupPolicy = 1 << iota // retention by time and size
	CleanupCompact                           // the cleaner keeps the last record per key
)

// Delete and Compact report the policy's members.
func (p CleanupPolicy) Delete() bool  { return p&CleanupDelete != 0 }
func (p CleanupPolicy) Compact() bool { return p&CleanupCompact != 0 }

func (p CleanupPolicy) String() string {
	var s []string
	if p.Compact() {
		s = append(s, "compact")
	}
	if p.Delete() {
		s = append(s, "delete")
	}
	return strings.Join(s, ",")
}

// ParseCleanupPolicy parses a cleanup.policy list ("delete", "compact",
// "compact,delete"), case-insensitively as LogConfig does. An empty list is
// valid in Kafka and means neither.
func ParseCleanupPolicy(s string) (CleanupPolicy, error) {
	var p CleanupPolicy
	for _, v := range strings.Split(s, ",") {
		switch strings.ToLower(strings.TrimSpace(v)) {
		case "delete":
			p |= CleanupDelete
		case "compact":
			p |= CleanupCompact
		case "":
			if strings.TrimSpace(s) != "" {
				return 0, fmt.Errorf("%w: cleanup.policy %q has an empty element", ErrInvalidConfig, s)
			}
		default:
			return 0, fmt.Errorf("%w: invalid value %q for cleanup.policy: must be in [compact, delete]", ErrInvalidConfig, v)
		}
	}
	return p, nil
}

// Config holds a partition's topic-level configuration: Kafka's LogConfig,
// under the same key names and with the same defaults. The compaction keys
// are kept for the cleaner; the log itself reads only MaxCompactionLagMs (it
// caps segment.ms for compacted topics).
type Config struct {
	SegmentBytes                int32         // segment.bytes: roll when the active segment would exceed it
	SegmentMs                   int64         // segment.ms: roll when the first batch is this old
	SegmentJitterMs             int64         // segment.jitter.ms: random amount subtracted from segment.ms, per segment
	SegmentIndexBytes           int32         // segment.index.bytes: preallocated size of each index
	IndexIntervalBytes          int32         // index.interval.bytes: bytes between offset index entries
	RetentionMs                 int64         // retention.ms: -1 keeps forever
	RetentionBytes              int64         // retention.bytes: -1 keeps everything
	FileDeleteDelayMs           int64         // file.delete.delay.ms: how long a deleted segment lingers as .deleted
	FlushMessages               int64         // flush.messages: fsync after this many unflushed messages
	FlushMs                     int64         // flush.ms: fsync when the last flush is this old (see FlushIfDue)
	MessageTimestampType        TimestampType // message.timestamp.type
	MessageTimestampBeforeMaxMs int64         // message.timestamp.before.max.ms (checked by record validation)
	MessageTimestampAfterMaxMs  int64         // message.timestamp.after.max.ms (checked by record validation)
	MaxMessageBytes             int32         // max.message.bytes: the largest batch a producer may append
	Preallocate                 bool          // preallocate: reserve segment.bytes when a segment is created
	CleanupPolicy               CleanupPolicy // cleanup.policy
	CompressionType             string        // compression.type: kept for the append path's recompression (not applied here)
	DeleteRetentionMs           int64         // delete.retention.ms (cleaner)
	MinCompactionLagMs          int64         // min.compaction.lag.ms (cleaner)
	MaxCompactionLagMs          int64         // max.compaction.lag.ms (cleaner; caps segment.ms when compacting)
	MinCleanableDirtyRatio      float64       // min.cleanable.dirty.ratio (cleaner)
}

// Kafka's defaults.
const (
	DefaultSegmentBytes       = 1 << 30
	DefaultSegmentMs          = 7 * 24 * 60 * 60 * 1000
	DefaultSegmentIndexBytes  = 10 << 20
	DefaultIndexIntervalBytes = 4096
	DefaultRetentionMs        = 7 * 24 * 60 * 60 * 1000
	DefaultFileDeleteDelayMs  = 60000
	DefaultMaxMessageBytes    = 1<<20 + 12 // 1 MiB + LOG_OVERHEAD
	DefaultDeleteRetentionMs  = 24 * 60 * 60 * 1000
	minSegmentBytes           = 14 // LegacyRecord.RECORD_OVERHEAD_V0, Kafka's lower bound
)

// DefaultConfig returns Kafka's topic defaults.
func DefaultConfig() Config {
	return Config{
		SegmentBytes:                DefaultSegmentBytes,
		SegmentMs:                   DefaultSegmentMs,
		SegmentIndexBytes:           DefaultSegmentIndexBytes,
		IndexIntervalBytes:          DefaultIndexIntervalBytes,
		RetentionMs:                 DefaultRetentionMs,
		RetentionBytes:              -1,
		FileDeleteDelayMs:           DefaultFileDeleteDelayMs,
		FlushMessages:               math.MaxInt64,
		FlushMs:                     math.MaxInt64,
		MessageTimestampType:        CreateTime,
		MessageTimestampBeforeMaxMs: math.MaxInt64,
		MessageTimestampAfterMaxMs:  math.MaxInt64,
		MaxMessageBytes:             DefaultMaxMessageBytes,
		CleanupPolicy:               CleanupDelete,
		CompressionType:             "producer",
		DeleteRetentionMs:           DefaultDeleteRetentionMs,
		MaxCompactionLagMs:          math.MaxInt64,
		MinCleanableDirtyRatio:      0.5,
	}
}

// Validate checks every value against Kafka's bounds. One deliberate
// tightening: segment.index.bytes must hold at least one time index entry
// (12 bytes); Kafka accepts 4 but then fails to create the index.
func (c Config) Validate() error {
	check := func(ok bool, key string, v any, rule string) error {
		if ok {
			return nil
		}
		return fmt.Errorf("%w: invalid value %v for configuration %s: %s", ErrInvalidConfig, v, key, rule)
	}
	for _, err := range []error{
		check(c.SegmentBytes >= minSegmentBytes, "segment.bytes", c.SegmentBytes, "value must be at least 14"),
		check(c.SegmentMs >= 1, "segment.ms", c.SegmentMs, "value must be at least 1"),
		check(c.SegmentJitterMs >= 0, "segment.jitter.ms", c.SegmentJitterMs, "value must be at least 0"),
		check(c.SegmentIndexBytes >= timeEntrySize, "segment.index.bytes", c.SegmentIndexBytes, "value must be at least 12"),
		check(c.IndexIntervalBytes >= 0, "index.interval.bytes", c.IndexIntervalBytes, "value must be at least 0"),
		check(c.RetentionMs >= -1, "retention.ms", c.RetentionMs, "value must be at least -1"),
		check(c.FileDeleteDelayMs >= 0, "file.delete.delay.ms", c.FileDeleteDelayMs, "value must be at least 0"),
		check(c.FlushMessages >= 1, "flush.messages", c.FlushMessages, "value must be at least 1"),
		check(c.FlushMs >= 0, "flush.ms", c.FlushMs, "value must be at least 0"),
		check(c.MessageTimestampType == CreateTime || c.MessageTimestampType == LogAppendTime,
			"message.timestamp.type", c.MessageTimestampType, "must be CreateTime or LogAppendTime"),
		check(c.MessageTimestampBeforeMaxMs >= 0, "message.timestamp.before.max.ms", c.MessageTimestampBeforeMaxMs, "value must be at least 0"),
		check(c.MessageTimestampAfterMaxMs >= 0, "message.timestamp.after.max.ms", c.MessageTimestampAfterMaxMs, "value must be at least 0"),
		check(c.MaxMessageBytes >= 0, "max.message.bytes", c.MaxMessageBytes, "value must be at least 0"),
		check(c.CleanupPolicy&^(CleanupDelete|CleanupCompact) == 0, "cleanup.policy", uint8(c.CleanupPolicy), "unknown policy bits"),
		check(validCompressionType(c.CompressionType), "compression.type", c.CompressionType,
			"must be one of uncompressed, zstd, lz4, snappy, gzip, producer"),
		check(c.DeleteRetentionMs >= 0, "delete.retention.ms", c.DeleteRetentionMs, "value must be at least 0"),
		check(c.MinCompactionLagMs >= 0, "min.compaction.lag.ms", c.MinCompactionLagMs, "value must be at least 0"),
		check(c.MaxCompactionLagMs >= 1, "max.compaction.lag.ms", c.MaxCompactionLagMs, "value must be at least 1"),
		check(c.MinCleanableDirtyRatio >= 0 && c.MinCleanableDirtyRatio <= 1, "min.cleanable.dirty.ratio",
			c.MinCleanableDirtyRatio, "value must be between 0 and 1"),
	} {
		if err != nil {
			return err
		}
	}
	return nil
}

func validCompressionType(s string) bool {
	switch s {
	case "uncompressed", "zstd", "lz4", "snappy", "gzip", "producer":
		return true
	}
	return false
}

// MaxSegmentMs is LogConfig.maxSegmentMs: segment.ms, capped by
// max.compaction.lag.ms on compacted topics so dirty segments get cleaned.
func (c Config) MaxSegmentMs() int64 {
	if c.CleanupPolicy.Compact() && c.MaxCompactionLagMs > 0 {
		return min(c.MaxCompactionLagMs, c.SegmentMs)
	}
	return c.SegmentMs
}

// ParseConfig applies Kafka topic config properties (as stored in ZooKeeper
// under /config/topics, or given to kafka-configs) to base. Keys it does not
// know are ignored: they belong to other components. Values are parsed as
// Kafka's ConfigDef parses them (Integer.parseInt, Long.parseLong, ...), and
// the result is validated.
func ParseConfig(props map[string]string, base Config) (Config, error) {
	c := base
	for k, raw := range props {
		v := strings.TrimSpace(raw)
		var err error
		switch k {
		case "segment.bytes":
			c.SegmentBytes, err = parseInt32(k, v)
		case "segment.ms":
			c.SegmentMs, err = parseInt64(k, v)
		case "segment.jitter.ms":
			c.SegmentJitterMs, err = parseInt64(k, v)
		case "segment.index.bytes":
			c.SegmentIndexBytes, err = parseInt32(k, v)
		case "index.interval.bytes":
			c.IndexIntervalBytes, err = parseInt32(k, v)
		case "retention.ms":
			c.RetentionMs, err = parseInt64(k, v)
		case "retention.bytes":
			c.RetentionBytes, err = parseInt64(k, v)
		case "file.delete.delay.ms":
			c.FileDeleteDelayMs, err = parseInt64(k, v)
		case "flush.messages":
			c.FlushMessages, err = parseInt64(k, v)
		case "flush.ms":
			c.FlushMs, err = parseInt64(k, v)
		case "message.timestamp.type":
			switch v {
			case "CreateTime":
				c.MessageTimestampType = CreateTime
			case "LogAppendTime":
				c.MessageTimestampType = LogAppendTime
			default:
				err = fmt.Errorf("%w: invalid value %s for configuration %s: String must be one of: CreateTime, LogAppendTime",
					ErrInvalidConfig, v, k)
			}
		case "message.timestamp.before.max.ms":
			c.MessageTimestampBeforeMaxMs, err = parseInt64(k, v)
		case "message.timestamp.after.max.ms":
			c.MessageTimestampAfterMaxMs, err = parseInt64(k, v)
		case "max.message.bytes":
			c.MaxMessageBytes, err = parseInt32(k, v)
		case "preallocate":
			c.Preallocate, err = parseBool(k, v)
		case "cleanup.policy":
			c.CleanupPolicy, err = ParseCleanupPolicy(v)
		case "compression.type":
			c.CompressionType = strings.ToLower(v)
		case "delete.retention.ms":
			c.DeleteRetentionMs, err = parseInt64(k, v)
		case "min.compaction.lag.ms":
			c.MinCompactionLagMs, err = parseInt64(k, v)
		case "max.compaction.lag.ms":
			c.MaxCompactionLagMs, err = parseInt64(k, v)
		case "min.cleanable.dirty.ratio":
			c.MinCleanableDirtyRatio, err = strconv.ParseFloat(v, 64)
			if err != nil {
				err = badValue(k, v, "Not a number of type DOUBLE")
			}
		}
		if err != nil {
			return base, err
		}
	}
	if err := c.Validate(); err != nil {
		return base, err
	}
	return c, nil
}

func badValue(k, v, why string) error {
	return fmt.Errorf("%w: invalid value %s for configuration %s: %s", ErrInvalidConfig, v, k, why)
}

func parseInt32(k, v string) (int32, error) {
	n, err := strconv.ParseInt(v, 10, 32)
	if err != nil {
		return 0, badValue(k, v, "Not a number of type INT")
	}
	return int32(n), nil
}

func parseInt64(k, v string) (int64, error) {
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 0, badValue(k, v, "Not a number of type LONG")
	}
	return n, nil
}

func parseBool(k, v string) (bool, error) {
	switch strings.ToLower(v) {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, badValue(k, v, "Expected value to be either true or false")
}
