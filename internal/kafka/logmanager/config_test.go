package logmanager

import (
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/wharf-project/wharf/internal/config"
	"github.com/wharf-project/wharf/internal/kafka/log"
)

func TestParseConfigDefaults(t *testing.T) {
	got, err := ParseConfig(nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := DefaultConfig(); !reflect.DeepEqual(got, want) {
		t.Fatalf("ParseConfig(nil) =\n%+v\nwant\n%+v", got, want)
	}
	if got.Defaults != log.DefaultConfig() {
		t.Fatalf("broker defaults differ from the topic defaults:\n%+v\n%+v", got.Defaults, log.DefaultConfig())
	}
	if got.LogDirs[0] != "/tmp/kafka-logs" || got.RetentionCheckIntervalMs != 300000 ||
		got.FlushOffsetCheckpointIntervalMs != 60000 || got.InitialTaskDelayMs != 30000 ||
		got.Defaults.RetentionMs != 168*3600*1000 || got.Defaults.SegmentMs != 168*3600*1000 ||
		got.Defaults.FlushMs != math.MaxInt64 || got.Cleaner.BackoffMs != 15000 || !got.Cleaner.Enable {
		t.Fatalf("not Kafka's defaults: %+v", got)
	}
}

// TestParseServerProperties reads the log section of Kafka's own
// config/server.properties.
func TestParseServerProperties(t *testing.T) {
	props, _, err := config.ParseProperties([]byte(`
broker.id=0
num.network.threads=3
log.dirs=/tmp/kafka-logs
num.partitions=1
num.recovery.threads.per.data.dir=1
offsets.topic.replication.factor=1
#log.flush.interval.messages=10000
#log.flush.interval.ms=1000
log.retention.hours=168
#log.retention.bytes=1073741824
log.segment.bytes=1073741824
log.retention.check.interval.ms=300000
zookeeper.connect=localhost:2181
`))
	if err != nil {
		t.Fatal(err)
	}
	got, err := ParseConfig(props)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, DefaultConfig()) {
		t.Fatalf("Kafka's server.properties gives\n%+v\nnot the defaults", got)
	}
}

func TestParseConfig(t *testing.T) {
	for _, tc := range []struct {
		name  string
		props map[string]string
		check func(c Config) bool
	}{
		{"retention hours", map[string]string{"log.retention.hours": "1"},
			func(c Config) bool { return c.Defaults.RetentionMs == 3600000 }},
		{"retention minutes over hours", map[string]string{"log.retention.minutes": "2", "log.retention.hours": "1"},
			func(c Config) bool { return c.Defaults.RetentionMs == 120000 }},
		{"retention ms over minutes", map[string]string{"log.retention.ms": "5", "log.retention.minutes": "2", "log.retention.hours": "1"},
			func(c Config) bool { return c.Defaults.RetentionMs == 5 }},
		{"negative hours unlimited", map[string]string{"log.retention.hours": "-1"},
			func(c Config) bool { return c.Defaults.RetentionMs == -1 }},
		{"negative ms unlimited", map[string]string{"log.retention.ms": "-7"},
			func(c Config) bool { return c.Defaults.RetentionMs == -1 }},
		{"retention bytes", map[string]string{"log.retention.bytes": "1048576"},
			func(c Config) bool { return c.Defaults.RetentionBytes == 1<<20 }},
		{"roll hours", map[string]string{"log.roll.hours": "2"},
			func(c Config) bool { return c.Defaults.SegmentMs == 7200000 }},
		{"roll ms over hours", map[string]string{"log.roll.ms": "1000", "log.roll.hours": "2"},
			func(c Config) bool { return c.Defaults.SegmentMs == 1000 }},
		{"roll jitter hours", map[string]string{"log.roll.jitter.hours": "1"},
			func(c Config) bool { return c.Defaults.SegmentJitterMs == 3600000 }},
		{"flush.ms from the scheduler interval", map[string]string{"log.flush.scheduler.interval.ms": "2000"},
			func(c Config) bool { return c.Defaults.FlushMs == 2000 && c.FlushSchedulerIntervalMs == 2000 }},
		{"flush.ms from log.flush.interval.ms", map[string]string{"log.flush.interval.ms": "500", "log.flush.scheduler.interval.ms": "2000"},
			func(c Config) bool { return c.Defaults.FlushMs == 500 && c.FlushSchedulerIntervalMs == 2000 }},
		{"flush messages", map[string]string{"log.flush.interval.messages": "10000"},
			func(c Config) bool { return c.Defaults.FlushMessages == 10000 }},
		{"log.dirs list", map[string]string{"log.dirs": " /a , /b/,, /c ", "log.dir": "/x"},
			func(c Config) bool { return reflect.DeepEqual(c.LogDirs, []string{"/a", "/b", "/c"}) }},
		{"log.dir alone", map[string]string{"log.dir": "/x/y"},
			func(c Config) bool { return reflect.DeepEqual(c.LogDirs, []string{"/x/y"}) }},
		{"segment delete delay", map[string]string{"log.segment.delete.delay.ms": "0"},
			func(c Config) bool { return c.Defaults.FileDeleteDelayMs == 0 }},
		{"segment and index", map[string]string{"log.segment.bytes": " 1048576 ", "log.index.size.max.bytes": "4096", "log.index.interval.bytes": "0"},
			func(c Config) bool {
				return c.Defaults.SegmentBytes == 1<<20 && c.Defaults.SegmentIndexBytes == 4096 && c.Defaults.IndexIntervalBytes == 0
			}},
		{"cleanup policy", map[string]string{"log.cleanup.policy": "compact,delete"},
			func(c Config) bool { return c.Defaults.CleanupPolicy == log.CleanupCompact|log.CleanupDelete }},
		{"cleaner", map[string]string{"log.cleaner.enable": "FALSE", "log.cleaner.threads": "3", "log.cleaner.backoff.ms": "100",
			"log.cleaner.dedupe.buffer.size": "1000000", "log.cleaner.io.buffer.load.factor": "0.5",
			"log.cleaner.min.cleanable.ratio": "0.25", "log.cleaner.delete.retention.ms": "10",
			"log.cleaner.min.compaction.lag.ms": "20", "log.cleaner.max.compaction.lag.ms": "30"},
			func(c Config) bool {
				return !c.Cleaner.Enable && c.Cleaner.Threads == 3 && c.Cleaner.BackoffMs == 100 && c.Cleaner.DedupeBufferSize == 1e6 &&
					c.Cleaner.DedupeBufferLoadFactor == 0.5 && c.Defaults.MinCleanableDirtyRatio == 0.25 &&
					c.Defaults.DeleteRetentionMs == 10 && c.Defaults.MinCompactionLagMs == 20 && c.Defaults.MaxCompactionLagMs == 30
			}},
		{"intervals", map[string]string{"log.flush.offset.checkpoint.interval.ms": "1000", "log.flush.start.offset.checkpoint.interval.ms": "2000",
			"log.retention.check.interval.ms": "3000", "replica.high.watermark.checkpoint.interval.ms": "4000",
			"log.initial.task.delay.ms": "0", "num.recovery.threads.per.data.dir": "4", "background.threads": "2"},
			func(c Config) bool {
				return c.FlushOffsetCheckpointIntervalMs == 1000 && c.FlushStartOffsetCheckpointIntervalMs == 2000 &&
					c.RetentionCheckIntervalMs == 3000 && c.HighWatermarkCheckpointIntervalMs == 4000 &&
					c.InitialTaskDelayMs == 0 && c.NumRecoveryThreadsPerDataDir == 4 && c.BackgroundThreads == 2
			}},
		{"message settings", map[string]string{"message.max.bytes": "2000", "compression.type": "zstd", "log.preallocate": "true",
			"log.message.timestamp.type": "LogAppendTime"},
			func(c Config) bool {
				return c.Defaults.MaxMessageBytes == 2000 && c.Defaults.CompressionType == "zstd" && c.Defaults.Preallocate &&
					c.Defaults.MessageTimestampType == log.LogAppendTime
			}},
		{"deprecated timestamp difference", map[string]string{"log.message.timestamp.difference.max.ms": "1000"},
			func(c Config) bool {
				return c.Defaults.MessageTimestampBeforeMaxMs == 1000 && c.Defaults.MessageTimestampAfterMaxMs == 1000
			}},
		{"new timestamp keys win", map[string]string{"log.message.timestamp.difference.max.ms": "1000", "log.message.timestamp.before.max.ms": "5"},
			func(c Config) bool {
				return c.Defaults.MessageTimestampBeforeMaxMs == 5 && c.Defaults.MessageTimestampAfterMaxMs == 1000
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := ParseConfig(tc.props)
			if err != nil {
				t.Fatal(err)
			}
			if !tc.check(c) {
				t.Fatalf("%v gives %+v", tc.props, c)
			}
		})
	}
}

func TestParseConfigErrors(t *testing.T) {
	for _, tc := range []struct {
		props map[string]string
		want  string
	}{
		{map[string]string{"log.segment.bytes": "abc"}, "Invalid value abc for configuration log.segment.bytes: Not a number of type INT"},
		{map[string]string{"log.segment.bytes": "3000000000"}, "Not a number of type INT"},
		{map[string]string{"log.segment.bytes": "13"}, "Invalid value 13 for configuration log.segment.bytes: Value must be at least 14"},
		{map[string]string{"log.retention.ms": "0"}, "log.retention.ms must be unlimited (-1) or, greater than or equal to 1"},
		{map[string]string{"log.retention.bytes": "1.5"}, "Not a number of type LONG"},
		{map[string]string{"log.roll.hours": "0"}, "Value must be at least 1"},
		{map[string]string{"log.roll.ms": "0"}, "log.roll.ms must be greater than or equal to 1"},
		{map[string]string{"num.recovery.threads.per.data.dir": "0"}, "num.recovery.threads.per.data.dir: Value must be at least 1"},
		{map[string]string{"log.cleaner.enable": "yes"}, "Expected value to be either true or false"},
		{map[string]string{"compression.type": "brotli"}, "String must be one of: uncompressed, zstd, lz4, snappy, gzip, producer"},
		{map[string]string{"log.message.timestamp.type": "Foo"}, "String must be one of: CreateTime, LogAppendTime"},
		{map[string]string{"log.cleanup.policy": "compact,purge"}, "String must be one of: compact, delete"},
		{map[string]string{"log.cleaner.min.cleanable.ratio": "1.5"}, "Value must be no less than 0 and no more than 1"},
		{map[string]string{"log.cleaner.io.buffer.load.factor": "x"}, "Not a number of type DOUBLE"},
		{map[string]string{"log.flush.offset.checkpoint.interval.ms": "0"}, "Value must be at least 1"},
		{map[string]string{"log.flush.interval.messages": "0"}, "Value must be at least 1"},
		{map[string]string{"log.index.size.max.bytes": "8"}, "segment.index.bytes"},
		{map[string]string{"log.dirs": " , "}, "log.dirs must contain at least one directory"},
		{map[string]string{"log.dirs": "/a,/a/"}, "Duplicate or empty log directory"},
	} {
		_, err := ParseConfig(tc.props)
		if !errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: %v, want ErrInvalidConfig with %q", tc.props, err, tc.want)
		}
	}
}

func TestTopicConfig(t *testing.T) {
	base, err := ParseConfig(map[string]string{"log.retention.hours": "1", "log.segment.bytes": "100000",
		"log.message.timestamp.difference.max.ms": "777"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name      string
		overrides map[string]string
		check     func(c log.Config) bool
	}{
		{"no overrides: the broker defaults", nil, func(c log.Config) bool { return c == base.Defaults }},
		{"retention.ms", map[string]string{"retention.ms": "1000"}, func(c log.Config) bool {
			return c.RetentionMs == 1000 && c.SegmentBytes == 100000
		}},
		{"segment.bytes and cleanup.policy", map[string]string{"segment.bytes": "2048", "cleanup.policy": "compact"},
			func(c log.Config) bool {
				return c.SegmentBytes == 2048 && c.CleanupPolicy == log.CleanupCompact && c.RetentionMs == 3600000
			}},
		{"unknown keys ignored", map[string]string{"min.insync.replicas": "2", "leader.replication.throttled.replicas": "*"},
			func(c log.Config) bool { return c == base.Defaults }},
		{"broker difference inherited", map[string]string{"retention.ms": "1"},
			func(c log.Config) bool {
				return c.MessageTimestampBeforeMaxMs == 777 && c.MessageTimestampAfterMaxMs == 777
			}},
		// As in Kafka: the broker's difference became its before/after
		// defaults, which a topic's difference does not replace.
		{"broker difference over topic difference", map[string]string{"message.timestamp.difference.max.ms": "5"},
			func(c log.Config) bool {
				return c.MessageTimestampBeforeMaxMs == 777 && c.MessageTimestampAfterMaxMs == 777
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := base.TopicConfig(tc.overrides)
			if err != nil {
				t.Fatal(err)
			}
			if !tc.check(c) {
				t.Fatalf("%v gives %+v", tc.overrides, c)
			}
		})
	}
	def := DefaultConfig()
	for _, tc := range []struct {
		overrides     map[string]string
		before, after int64
	}{
		{map[string]string{"message.timestamp.difference.max.ms": "5"}, 5, 5},
		{map[string]string{"message.timestamp.difference.max.ms": "5", "message.timestamp.before.max.ms": "9"}, 9, 5},
		{map[string]string{"message.timestamp.after.max.ms": "3"}, math.MaxInt64, 3},
	} {
		c, err := def.TopicConfig(tc.overrides)
		if err != nil || c.MessageTimestampBeforeMaxMs != tc.before || c.MessageTimestampAfterMaxMs != tc.after {
			t.Errorf("%v: before %d after %d (%v), want %d %d", tc.overrides, c.MessageTimestampBeforeMaxMs,
				c.MessageTimestampAfterMaxMs, err, tc.before, tc.after)
		}
	}
	for _, bad := range []map[string]string{
		{"retention.ms": "x"},
		{"segment.bytes": "1"},
		{"cleanup.policy": "shred"},
		{"message.timestamp.difference.max.ms": "-1"},
	} {
		if _, err := base.TopicConfig(bad); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("%v: %v, want ErrInvalidConfig", bad, err)
		}
	}
}

// FuzzParseConfig: any properties give a valid Config or ErrInvalidConfig,
// never a panic; a Config it returns passes Validate, and its topic
// configs with any overrides do too.
func FuzzParseConfig(f *testing.F) {
	f.Add("log.retention.hours", "1", "retention.ms", "5")
	f.Add("log.dirs", " /a , /b ", "segment.bytes", "x")
	f.Add("log.roll.ms", "-3", "cleanup.policy", "compact,,delete")
	f.Add("log.cleaner.io.buffer.load.factor", "NaN", "message.timestamp.difference.max.ms", "9")
	f.Fuzz(func(t *testing.T, k1, v1, k2, v2 string) {
		c, err := ParseConfig(map[string]string{k1: v1, k2: v2})
		if err != nil {
			if !errors.Is(err, ErrInvalidConfig) {
				t.Fatalf("%v: not ErrInvalidConfig", err)
			}
			return
		}
		if err := c.Validate(); err != nil {
			t.Fatalf("ParseConfig returned an invalid config: %v", err)
		}
		tc, err := c.TopicConfig(map[string]string{k1: v1, k2: v2})
		if err != nil {
			if !errors.Is(err, ErrInvalidConfig) {
				t.Fatalf("%v: not ErrInvalidConfig", err)
			}
			return
		}
		if err := tc.Validate(); err != nil {
			t.Fatalf("TopicConfig returned an invalid config: %v", err)
		}
	})
}
