package kconfig

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"

	"github.com/wharf-project/wharf/internal/kafka/log"
)

// topicKeys are Kafka 2.8's LogConfig keys, each with the broker key that
// supplies its default (LogConfig.TopicConfigSynonyms; "" for the replica
// throttle lists, which have no broker default), plus Kafka 3.6+'s
// message.timestamp.before/after.max.ms, which Wharf's log enforces.
// The defaults here are Kafka's; a topic's actual defaults come from its
// broker (Broker.TopicDefaults).
var topicKeys = []struct {
	key    *Key
	broker string
}{
	{tk("segment.bytes", TypeInt, int32(log.DefaultSegmentBytes), atLeast{14}), "log.segment.bytes"},
	{tk("segment.ms", TypeLong, int64(log.DefaultSegmentMs), atLeast{1}), "log.roll.ms"},
	{tk("segment.jitter.ms", TypeLong, int64(0), atLeast{0}), "log.roll.jitter.ms"},
	{tk("segment.index.bytes", TypeInt, int32(log.DefaultSegmentIndexBytes), atLeast{0}), "log.index.size.max.bytes"},
	{tk("flush.messages", TypeLong, int64(math.MaxInt64), atLeast{0}), "log.flush.interval.messages"},
	{tk("flush.ms", TypeLong, int64(math.MaxInt64), atLeast{0}), "log.flush.interval.ms"},
	{tk("retention.bytes", TypeLong, int64(-1), nil), "log.retention.bytes"},
	{tk("retention.ms", TypeLong, int64(log.DefaultRetentionMs), atLeast{-1}), "log.retention.ms"},
	{tk("max.message.bytes", TypeInt, int32(log.DefaultMaxMessageBytes), atLeast{0}), "message.max.bytes"},
	{tk("index.interval.bytes", TypeInt, int32(log.DefaultIndexIntervalBytes), atLeast{0}), "log.index.interval.bytes"},
	{tk("delete.retention.ms", TypeLong, int64(log.DefaultDeleteRetentionMs), atLeast{0}), "log.cleaner.delete.retention.ms"},
	{tk("min.compaction.lag.ms", TypeLong, int64(0), atLeast{0}), "log.cleaner.min.compaction.lag.ms"},
	{tk("max.compaction.lag.ms", TypeLong, int64(math.MaxInt64), atLeast{1}), "log.cleaner.max.compaction.lag.ms"},
	{tk("file.delete.delay.ms", TypeLong, int64(log.DefaultFileDeleteDelayMs), atLeast{0}), "log.segment.delete.delay.ms"},
	{tk("min.cleanable.dirty.ratio", TypeDouble, 0.5, between{0, 1}), "log.cleaner.min.cleanable.ratio"},
	{tk("cleanup.policy", TypeList, []string{"delete"}, validList{"compact", "delete"}), "log.cleanup.policy"},
	{tk("unclean.leader.election.enable", TypeBoolean, false, nil), "unclean.leader.election.enable"},
	{tk("min.insync.replicas", TypeInt, int32(1), atLeast{1}), "min.insync.replicas"},
	{tk("compression.type", TypeString, "producer", validString(compressionTypes)), "compression.type"},
	{tk("preallocate", TypeBoolean, false, nil), "log.preallocate"},
	{tk("message.format.version", TypeString, latestAPIVersion, apiVersionValidator{}), "log.message.format.version"},
	{tk("message.timestamp.type", TypeString, "CreateTime", validString{"CreateTime", "LogAppendTime"}), "log.message.timestamp.type"},
	{tk("message.timestamp.difference.max.ms", TypeLong, int64(math.MaxInt64), atLeast{0}), "log.message.timestamp.difference.max.ms"},
	{tk("message.timestamp.before.max.ms", TypeLong, int64(math.MaxInt64), atLeast{0}), "log.message.timestamp.before.max.ms"},
	{tk("message.timestamp.after.max.ms", TypeLong, int64(math.MaxInt64), atLeast{0}), "log.message.timestamp.after.max.ms"},
	{tk("leader.replication.throttled.replicas", TypeList, []string{}, throttledReplicas{}), ""},
	{tk("follower.replication.throttled.replicas", TypeList, []string{}, throttledReplicas{}), ""},
	{tk("message.downconversion.enable", TypeBoolean, true, nil), "log.message.downconversion.enable"},
}

func tk(name string, t Type, dflt any, v validator) *Key {
	return &Key{Name: name, Type: t, Default: dflt, Validate: v, Doc: topicDocs[name]}
}

var (
	topicDef = func() *def {
		keys := make([]*Key, len(topicKeys))
		for i, t := range topicKeys {
			keys[i] = t.key
		}
		return newDef(keys)
	}()
	// topicSynonyms is LogConfig.TopicConfigSynonyms: topic key -> the
	// broker key of highest priority that gives its default.
	topicSynonyms = func() map[string]string {
		m := map[string]string{}
		for _, t := range topicKeys {
			if t.broker != "" {
				m[t.key.Name] = t.broker
			}
		}
		return m
	}()
)

// TopicConfigNames lists the topic-level config names (LogConfig.configNames),
// sorted.
func TopicConfigNames() []string {
	return slices.Sorted(maps.Keys(topicDef.index))
}

// TopicConfigKey returns a topic config's definition.
func TopicConfigKey(name string) (*Key, bool) { return topicDef.key(name) }

// BrokerSynonymOf returns the broker key that supplies a topic config's
// default (retention.ms -> log.retention.ms), as DescribeConfigs reports it.
func BrokerSynonymOf(topicKey string) (string, bool) {
	b, ok := topicSynonyms[topicKey]
	return b, ok
}

// ValidateTopicConfig is LogConfig.validate: the names must be topic
// configs (ErrInvalidConfig, "Unknown topic config name: x"), the values
// must parse and pass their validators (ErrConfig, ConfigException's
// message), and min.compaction.lag.ms must not exceed max.compaction.lag.ms
// (ErrInvalidConfig). CreateTopics and AlterConfigs call it.
func ValidateTopicConfig(props map[string]string) error {
	for _, name := range slices.Sorted(maps.Keys(props)) {
		if _, ok := topicDef.key(name); !ok {
			return newError(ErrInvalidConfig, "Unknown topic config name: "+name)
		}
	}
	vals, err := topicDef.parse(props)
	if err != nil {
		return err
	}
	minLag, _ := vals["min.compaction.lag.ms"].(int64)
	maxLag, _ := vals["max.compaction.lag.ms"].(int64)
	if minLag > maxLag {
		return newError(ErrInvalidConfig, fmt.Sprintf("conflict topic config setting min.compaction.lag.ms (%d) > max.compaction.lag.ms (%d)", minLag, maxLag))
	}
	return nil
}

// TopicConfig is a topic's effective configuration: its overrides on top
// of its broker's defaults.
type TopicConfig struct {
	// Overrides are the topic's own settings (/config/topics/<topic>).
	Overrides map[string]string
	// Log is the partition logs' configuration (logmanager's TopicConfig
	// over the broker's current log defaults).
	Log log.Config

	MinInSyncReplicas           int32
	UncleanLeaderElectionEnable bool
	CompressionType             string // also in Log
	MessageDownConversionEnable bool
	MessageFormatVersion        string // normalised ("2.8-IV1")
	// LeaderThrottledReplicas and FollowerThrottledReplicas are the
	// replica throttle lists: "*" or partition:broker pairs.
	LeaderThrottledReplicas   []string
	FollowerThrottledReplicas []string

	values map[string]any
}

// Value returns a topic config's effective parsed value.
func (t TopicConfig) Value(name string) (any, bool) {
	v, ok := t.values[name]
	return v, ok
}

// TopicDefaults returns the topic-level defaults this broker gives every
// topic: LogConfig.extractLogConfigMap, topic key -> parsed value.
func (b *Broker) TopicDefaults() map[string]any {
	g := getter(b.values)
	m := make(map[string]any, len(topicKeys))
	for _, t := range topicKeys {
		m[t.key.Name] = t.key.Default
		if t.broker != "" {
			if v, ok := b.values[t.broker]; ok && v != nil {
				m[t.key.Name] = v
			}
		}
	}
	roll := int64(g.int("log.roll.hours")) * 3600000
	if !g.isNull("log.roll.ms") {
		roll = g.long("log.roll.ms")
	}
	jitter := int64(g.int("log.roll.jitter.hours")) * 3600000
	if !g.isNull("log.roll.jitter.ms") {
		jitter = g.long("log.roll.jitter.ms")
	}
	flush := g.long("log.flush.scheduler.interval.ms")
	if !g.isNull("log.flush.interval.ms") {
		flush = g.long("log.flush.interval.ms")
	}
	m["segment.ms"], m["segment.jitter.ms"], m["flush.ms"] = roll, jitter, flush
	m["retention.ms"] = retentionMs(g)
	m["message.format.version"] = b.LogMessageFormatVersion
	return m
}

// TopicConfig returns a topic's effective configuration from its overrides
// (validated as ValidateTopicConfig does) and this broker's defaults.
// Keys that are not topic configs are ignored here (Kafka ignores them when
// it builds a log's config), but kept in Overrides.
func (b *Broker) TopicConfig(overrides map[string]string) (TopicConfig, error) {
	known := map[string]string{}
	for k, v := range overrides {
		if _, ok := topicDef.key(k); ok {
			known[k] = v
		}
	}
	if err := ValidateTopicConfig(known); err != nil {
		return TopicConfig{}, err
	}
	vals := b.TopicDefaults()
	for k := range known {
		v, err := topicDef.index[k].parseValue(known)
		if err != nil {
			return TopicConfig{}, err
		}
		vals[k] = v
	}
	// flush.messages=0 is valid in Kafka and means a flush after every
	// message; Wharf's log expresses that as 1.
	logProps := maps.Clone(known)
	if vals["flush.messages"] == int64(0) {
		logProps["flush.messages"] = "1"
	}
	lc, err := b.Log.TopicConfig(logProps)
	if err != nil {
		return TopicConfig{}, newError(ErrInvalidConfig, strings.TrimPrefix(err.Error(), "logmanager: invalid config: "))
	}
	g := getter(vals)
	t := TopicConfig{
		Overrides:                   maps.Clone(overrides),
		Log:                         lc,
		MinInSyncReplicas:           g.int("min.insync.replicas"),
		UncleanLeaderElectionEnable: g.bool("unclean.leader.election.enable"),
		CompressionType:             strings.ToLower(g.str("compression.type")),
		MessageDownConversionEnable: g.bool("message.downconversion.enable"),
		LeaderThrottledReplicas:     g.list("leader.replication.throttled.replicas"),
		FollowerThrottledReplicas:   g.list("follower.replication.throttled.replicas"),
		values:                      vals,
	}
	t.MessageFormatVersion, _ = apiVersion(g.str("message.format.version"))
	if t.Overrides == nil {
		t.Overrides = map[string]string{}
	}
	return t, nil
}
