package kconfig

import (
	"errors"
	"math"
	"testing"

	"github.com/wharf-project/wharf/internal/kafka/log"
)

func TestValidateTopicConfig(t *testing.T) {
	for _, c := range []struct {
		props map[string]string
		kind  error
		msg   string
	}{
		{map[string]string{"cleanup.policy": "compact,delete"}, nil, ""},
		{map[string]string{"cleanup.policy": " Compact "}, ErrConfig, "Invalid value Compact for configuration cleanup.policy: String must be one of: compact, delete"},
		{map[string]string{"cleanup.policy": "compact,,delete"}, ErrConfig, "Invalid value  for configuration cleanup.policy: String must be one of: compact, delete"},
		{map[string]string{"cleanup.policy": ""}, nil, ""},
		{map[string]string{"min.insync.replicas": "0"}, ErrConfig, "Invalid value 0 for configuration min.insync.replicas: Value must be at least 1"},
		{map[string]string{"message.timestamp.type": "LogAppendTime"}, nil, ""},
		{map[string]string{"message.timestamp.type": "logappendtime"}, ErrConfig, "Invalid value logappendtime for configuration message.timestamp.type: String must be one of: CreateTime, LogAppendTime"},
		{map[string]string{"compression.type": "zstd"}, nil, ""},
		{map[string]string{"compression.type": "GZIP"}, ErrConfig, "Invalid value GZIP for configuration compression.type: String must be one of: uncompressed, zstd, lz4, snappy, gzip, producer"},
		{map[string]string{"max.message.bytes": "-1"}, ErrConfig, "Invalid value -1 for configuration max.message.bytes: Value must be at least 0"},
		{map[string]string{"max.message.bytes": "2147483648"}, ErrConfig, "Invalid value 2147483648 for configuration max.message.bytes: Not a number of type INT"},
		{map[string]string{"retention.ms": "-2"}, ErrConfig, "Invalid value -2 for configuration retention.ms: Value must be at least -1"},
		{map[string]string{"retention.ms": "-1", "retention.bytes": "-5"}, nil, ""},
		{map[string]string{"segment.bytes": "13"}, ErrConfig, "Invalid value 13 for configuration segment.bytes: Value must be at least 14"},
		{map[string]string{"min.cleanable.dirty.ratio": "1.5"}, ErrConfig, "Invalid value 1.5 for configuration min.cleanable.dirty.ratio: Value must be no more than 1"},
		{map[string]string{"min.cleanable.dirty.ratio": "half"}, ErrConfig, "Invalid value half for configuration min.cleanable.dirty.ratio: Not a number of type DOUBLE"},
		{map[string]string{"preallocate": "TRUE"}, nil, ""},
		{map[string]string{"unclean.leader.election.enable": "1"}, ErrConfig, "Invalid value 1 for configuration unclean.leader.election.enable: Expected value to be either true or false"},
		{map[string]string{"message.format.version": "0.10.2"}, nil, ""},
		{map[string]string{"message.format.version": "3.0"}, ErrConfig, "Invalid value 3.0 for configuration message.format.version: Version `3.0` is not a valid version"},
		{map[string]string{"leader.replication.throttled.replicas": "*"}, nil, ""},
		{map[string]string{"follower.replication.throttled.replicas": "0:1, 2:3"}, nil, ""},
		{map[string]string{"max.compaction.lag.ms": "0"}, ErrConfig, "Invalid value 0 for configuration max.compaction.lag.ms: Value must be at least 1"},
		{map[string]string{"min.compaction.lag.ms": "7", "max.compaction.lag.ms": "6"}, ErrInvalidConfig, "conflict topic config setting min.compaction.lag.ms (7) > max.compaction.lag.ms (6)"},
		{map[string]string{"retention.hours": "1"}, ErrInvalidConfig, "Unknown topic config name: retention.hours"},
	} {
		err := ValidateTopicConfig(c.props)
		if c.kind == nil {
			if err != nil {
				t.Errorf("%v: %v", c.props, err)
			}
			continue
		}
		var e *Error
		if !errors.As(err, &e) || !errors.Is(err, c.kind) || e.Msg != c.msg {
			t.Errorf("%v:\n got %v\nwant %v: %s", c.props, err, c.kind, c.msg)
		}
	}
}

func TestTopicConfigFromBrokerDefaults(t *testing.T) {
	b, err := ParseBroker(shipped(t, map[string]string{
		"log.retention.minutes":           "30",
		"log.roll.hours":                  "2",
		"min.insync.replicas":             "2",
		"compression.type":                "lz4",
		"log.message.format.version":      "2.1",
		"log.message.timestamp.type":      "LogAppendTime",
		"log.cleaner.min.cleanable.ratio": "0.25",
	}), nil)
	if err != nil {
		t.Fatal(err)
	}
	def, err := b.TopicConfig(nil)
	if err != nil {
		t.Fatal(err)
	}
	if def.Log.RetentionMs != 30*60000 || def.Log.SegmentMs != 2*3600000 || def.MinInSyncReplicas != 2 ||
		def.CompressionType != "lz4" || def.MessageFormatVersion != "2.1-IV2" || def.Log.MessageTimestampType != log.LogAppendTime ||
		def.Log.MinCleanableDirtyRatio != 0.25 || !def.MessageDownConversionEnable {
		t.Fatalf("defaults %+v", def)
	}
	tc, err := b.TopicConfig(map[string]string{
		"retention.ms": "1000", "min.insync.replicas": "3", "unclean.leader.election.enable": "true",
		"flush.messages": "0", "message.downconversion.enable": "false", "leader.replication.throttled.replicas": "0:1,1:2",
		"not.a.topic.key": "kept",
	})
	if err != nil {
		t.Fatal(err)
	}
	if tc.Log.RetentionMs != 1000 || tc.MinInSyncReplicas != 3 || !tc.UncleanLeaderElectionEnable || tc.Log.FlushMessages != 1 ||
		tc.MessageDownConversionEnable || len(tc.LeaderThrottledReplicas) != 2 || tc.Overrides["not.a.topic.key"] != "kept" {
		t.Fatalf("overrides %+v", tc)
	}
	if v, _ := tc.Value("flush.messages"); v != int64(0) {
		t.Fatalf("flush.messages value %v", v)
	}
	if _, err := b.TopicConfig(map[string]string{"segment.index.bytes": "8"}); !errors.Is(err, ErrInvalidConfig) {
		t.Fatalf("an index too small for one entry: %v", err)
	}
	if v, _ := def.Value("flush.ms"); v != int64(math.MaxInt64) {
		t.Fatalf("flush.ms default %v", v)
	}
}

func FuzzParseBroker(f *testing.F) {
	f.Add("num.partitions", "3")
	f.Add("listeners", "PLAINTEXT://[::1]:9092,SSL://h:1")
	f.Add("log.cleanup.policy", "compact, delete,")
	f.Add("max.connections.per.ip.overrides", "a:1,b")
	f.Add("min.cleanable.dirty.ratio", "1e-3d")
	f.Fuzz(func(t *testing.T, k, v string) {
		props := map[string]string{"zookeeper.connect": "localhost:2181", k: v}
		b, err := ParseBroker(props, nil)
		if err == nil && b == nil {
			t.Fatal("nil broker without error")
		}
		if err != nil && !errors.Is(err, ErrConfig) {
			t.Fatalf("error of another kind: %v", err)
		}
		_ = ValidateTopicConfig(map[string]string{k: v})
	})
}
