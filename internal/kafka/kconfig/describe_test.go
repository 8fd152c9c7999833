package kconfig

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/wharf-project/wharf/internal/kafka/zkdata"
)

// newTestManager starts a Manager over a MemStore holding the given
// dynamic configs and topics.
func newTestManager(t *testing.T, static map[string]string, dynDefault, dynBroker map[string]string, topics map[string]map[string]string) (*Manager, *MemStore) {
	t.Helper()
	ctx := context.Background()
	b, err := ParseBroker(shipped(t, static), nil)
	if err != nil {
		t.Fatal(err)
	}
	st := NewMemStore()
	if dynDefault != nil {
		st.SetEntityConfig(ctx, zkdata.ConfigBrokers, zkdata.DefaultEntity, zkdata.SortedEntries(dynDefault))
	}
	if dynBroker != nil {
		st.SetEntityConfig(ctx, zkdata.ConfigBrokers, "0", zkdata.SortedEntries(dynBroker))
	}
	for name, cfg := range topics {
		st.AddTopic(name, true)
		if len(cfg) > 0 {
			st.SetEntityConfig(ctx, zkdata.ConfigTopics, name, zkdata.SortedEntries(cfg))
		}
	}
	m := NewManager(Options{Static: b, BrokerID: 0, Store: st, Now: func() int64 { return 0 }})
	if err := m.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m, st
}

// render prints a config entry as kafka-configs.sh --describe does, with
// its source, read-only flag and type.
func render(c kmsg.DescribeConfigsResponseResourceConfig) string {
	v := "null"
	if c.Value != nil {
		v = *c.Value
	}
	var syn []string
	for _, s := range c.ConfigSynonyms {
		sv := "null"
		if s.Value != nil {
			sv = *s.Value
		}
		syn = append(syn, fmt.Sprintf("%s:%s=%s", s.Source, s.Name, sv))
	}
	return fmt.Sprintf("%s=%s source=%s sensitive=%v readOnly=%v type=%s synonyms={%s}",
		c.Name, v, c.Source, c.IsSensitive, c.ReadOnly, c.ConfigType, strings.Join(syn, ", "))
}

func describeOne(t *testing.T, m *Manager, typ kmsg.ConfigResourceType, name string, keys ...string) kmsg.DescribeConfigsResponseResource {
	t.Helper()
	req := kmsg.NewPtrDescribeConfigsRequest()
	req.IncludeSynonyms = true
	r := kmsg.NewDescribeConfigsRequestResource()
	r.ResourceType, r.ResourceName, r.ConfigNames = typ, name, keys
	req.Resources = append(req.Resources, r)
	res := m.DescribeConfigs(context.Background(), req)
	if len(res) != 1 {
		t.Fatalf("%d results", len(res))
	}
	return res[0]
}

func configsByName(res kmsg.DescribeConfigsResponseResource) map[string]string {
	out := map[string]string{}
	for _, c := range res.Configs {
		out[c.Name] = render(c)
	}
	return out
}

var (
	describeDynDefault = map[string]string{"log.retention.ms": "3600000", "min.insync.replicas": "2"}
	describeDynBroker  = map[string]string{"log.segment.bytes": "536870912"}
)

// The expected lines follow ConfigHelper.createTopicConfigEntry and
// configSynonyms of Kafka 2.8: the topic's override first, then the broker
// key's values per-broker > cluster default > static > default, with the
// entries before the first one named like the topic's broker synonym
// dropped (so segment.ms and flush.ms show none).
func TestDescribeTopicSourcesAndSynonyms(t *testing.T) {
	m, _ := newTestManager(t, nil, describeDynDefault, describeDynBroker,
		map[string]map[string]string{"t": {"retention.ms": "1000", "cleanup.policy": "compact", "unknown.key": "x"}})
	res := describeOne(t, m, kmsg.ConfigResourceTypeTopic, "t")
	if res.ErrorCode != 0 {
		t.Fatalf("error %d", res.ErrorCode)
	}
	got := configsByName(res)
	for name, want := range map[string]string{
		"retention.ms":                          "retention.ms=1000 source=DYNAMIC_TOPIC_CONFIG sensitive=false readOnly=false type=LONG synonyms={DYNAMIC_TOPIC_CONFIG:retention.ms=1000, DYNAMIC_DEFAULT_BROKER_CONFIG:log.retention.ms=3600000, STATIC_BROKER_CONFIG:log.retention.hours=168, DEFAULT_CONFIG:log.retention.hours=168}",
		"segment.bytes":                         "segment.bytes=536870912 source=DYNAMIC_BROKER_CONFIG sensitive=false readOnly=false type=INT synonyms={DYNAMIC_BROKER_CONFIG:log.segment.bytes=536870912, STATIC_BROKER_CONFIG:log.segment.bytes=1073741824, DEFAULT_CONFIG:log.segment.bytes=1073741824}",
		"min.insync.replicas":                   "min.insync.replicas=2 source=DYNAMIC_DEFAULT_BROKER_CONFIG sensitive=false readOnly=false type=INT synonyms={DYNAMIC_DEFAULT_BROKER_CONFIG:min.insync.replicas=2, DEFAULT_CONFIG:min.insync.replicas=1}",
		"cleanup.policy":                        "cleanup.policy=compact source=DYNAMIC_TOPIC_CONFIG sensitive=false readOnly=false type=LIST synonyms={DYNAMIC_TOPIC_CONFIG:cleanup.policy=compact, DEFAULT_CONFIG:log.cleanup.policy=delete}",
		"segment.ms":                            "segment.ms=604800000 source=DEFAULT_CONFIG sensitive=false readOnly=false type=LONG synonyms={}",
		"flush.ms":                              "flush.ms=9223372036854775807 source=DEFAULT_CONFIG sensitive=false readOnly=false type=LONG synonyms={}",
		"min.cleanable.dirty.ratio":             "min.cleanable.dirty.ratio=0.5 source=DEFAULT_CONFIG sensitive=false readOnly=false type=DOUBLE synonyms={DEFAULT_CONFIG:log.cleaner.min.cleanable.ratio=0.5}",
		"message.format.version":                "message.format.version=2.8-IV1 source=DEFAULT_CONFIG sensitive=false readOnly=false type=STRING synonyms={DEFAULT_CONFIG:log.message.format.version=2.8-IV1}",
		"leader.replication.throttled.replicas": "leader.replication.throttled.replicas= source=DEFAULT_CONFIG sensitive=false readOnly=false type=LIST synonyms={}",
		"max.message.bytes":                     "max.message.bytes=1048588 source=DEFAULT_CONFIG sensitive=false readOnly=false type=INT synonyms={DEFAULT_CONFIG:message.max.bytes=1048588}",
		"unknown.key":                           "unknown.key=null source=DYNAMIC_TOPIC_CONFIG sensitive=true readOnly=false type=UNKNOWN synonyms={DYNAMIC_TOPIC_CONFIG:unknown.key=null}",
	} {
		if got[name] != want {
			t.Errorf("%s\n got %s\nwant %s", name, got[name], want)
		}
	}
	if len(res.Configs) != len(topicKeys)+1 {
		t.Errorf("%d entries, want every topic config and the unknown key", len(res.Configs))
	}
	for i := 1; i < len(res.Configs); i++ {
		if res.Configs[i-1].Name >= res.Configs[i].Name {
			t.Fatalf("entries not sorted at %s", res.Configs[i].Name)
		}
	}
	// Requested keys only; without synonyms the source stays.
	req := kmsg.NewPtrDescribeConfigsRequest()
	r := kmsg.NewDescribeConfigsRequestResource()
	r.ResourceType, r.ResourceName, r.ConfigNames = kmsg.ConfigResourceTypeTopic, "t", []string{"retention.ms", "nope"}
	req.Resources = append(req.Resources, r)
	req.IncludeDocumentation = true
	one := m.DescribeConfigs(context.Background(), req)[0]
	if len(one.Configs) != 1 || len(one.Configs[0].ConfigSynonyms) != 0 || one.Configs[0].Source != kmsg.ConfigSourceDynamicTopicConfig ||
		one.Configs[0].Documentation == nil || !strings.HasPrefix(*one.Configs[0].Documentation, "This configuration controls the maximum time") {
		t.Fatalf("filtered: %+v", one.Configs)
	}
}

func TestDescribeBrokerSourcesAndSynonyms(t *testing.T) {
	m, _ := newTestManager(t, map[string]string{"custom.key": "v"}, describeDynDefault, describeDynBroker, nil)
	res := describeOne(t, m, kmsg.ConfigResourceTypeBroker, "0")
	got := configsByName(res)
	for name, want := range map[string]string{
		"log.segment.bytes":               "log.segment.bytes=536870912 source=DYNAMIC_BROKER_CONFIG sensitive=false readOnly=false type=INT synonyms={DYNAMIC_BROKER_CONFIG:log.segment.bytes=536870912, STATIC_BROKER_CONFIG:log.segment.bytes=1073741824, DEFAULT_CONFIG:log.segment.bytes=1073741824}",
		"log.retention.ms":                "log.retention.ms=3600000 source=DYNAMIC_DEFAULT_BROKER_CONFIG sensitive=false readOnly=false type=LONG synonyms={DYNAMIC_DEFAULT_BROKER_CONFIG:log.retention.ms=3600000, STATIC_BROKER_CONFIG:log.retention.hours=168, DEFAULT_CONFIG:log.retention.hours=168}",
		"log.retention.hours":             "log.retention.hours=168 source=STATIC_BROKER_CONFIG sensitive=false readOnly=true type=INT synonyms={STATIC_BROKER_CONFIG:log.retention.hours=168, DEFAULT_CONFIG:log.retention.hours=168}",
		"num.io.threads":                  "num.io.threads=8 source=STATIC_BROKER_CONFIG sensitive=false readOnly=false type=INT synonyms={STATIC_BROKER_CONFIG:num.io.threads=8, DEFAULT_CONFIG:num.io.threads=8}",
		"zookeeper.connect":               "zookeeper.connect=localhost:2181 source=STATIC_BROKER_CONFIG sensitive=false readOnly=true type=STRING synonyms={STATIC_BROKER_CONFIG:zookeeper.connect=localhost:2181}",
		"broker.rack":                     "broker.rack=null source=DEFAULT_CONFIG sensitive=false readOnly=true type=STRING synonyms={}",
		"ssl.key.password":                "ssl.key.password=null source=DEFAULT_CONFIG sensitive=true readOnly=false type=PASSWORD synonyms={}",
		"custom.key":                      "custom.key=null source=STATIC_BROKER_CONFIG sensitive=true readOnly=true type=UNKNOWN synonyms={STATIC_BROKER_CONFIG:custom.key=null}",
		"min.insync.replicas":             "min.insync.replicas=2 source=DYNAMIC_DEFAULT_BROKER_CONFIG sensitive=false readOnly=false type=INT synonyms={DYNAMIC_DEFAULT_BROKER_CONFIG:min.insync.replicas=2, DEFAULT_CONFIG:min.insync.replicas=1}",
		"log.cleaner.min.cleanable.ratio": "log.cleaner.min.cleanable.ratio=0.5 source=DEFAULT_CONFIG sensitive=false readOnly=false type=DOUBLE synonyms={DEFAULT_CONFIG:log.cleaner.min.cleanable.ratio=0.5}",
		"process.roles":                   "process.roles= source=DEFAULT_CONFIG sensitive=false readOnly=true type=LIST synonyms={DEFAULT_CONFIG:process.roles=}",
	} {
		if got[name] != want {
			t.Errorf("%s\n got %s\nwant %s", name, got[name], want)
		}
	}

	// The cluster default: its dynamic keys only, default-level synonyms.
	def := configsByName(describeOne(t, m, kmsg.ConfigResourceTypeBroker, ""))
	if len(def) != 2 || def["log.retention.ms"] != "log.retention.ms=3600000 source=DYNAMIC_DEFAULT_BROKER_CONFIG sensitive=false readOnly=false type=LONG synonyms={DYNAMIC_DEFAULT_BROKER_CONFIG:log.retention.ms=3600000}" {
		t.Errorf("default resource: %v", def)
	}
}

func TestDescribeInternalKeysHiddenWithoutDynamicConfigs(t *testing.T) {
	m, _ := newTestManager(t, nil, nil, nil, nil)
	got := configsByName(describeOne(t, m, kmsg.ConfigResourceTypeBroker, "0"))
	if _, ok := got["process.roles"]; ok {
		t.Error("internal key described")
	}
	if got["num.partitions"] != "num.partitions=1 source=STATIC_BROKER_CONFIG sensitive=false readOnly=true type=INT synonyms={STATIC_BROKER_CONFIG:num.partitions=1, DEFAULT_CONFIG:num.partitions=1}" {
		t.Error(got["num.partitions"])
	}
}

func TestDescribeErrors(t *testing.T) {
	m, _ := newTestManager(t, nil, nil, nil, map[string]map[string]string{"t": nil})
	for _, c := range []struct {
		typ  kmsg.ConfigResourceType
		name string
		code int16
		msg  string
	}{
		{kmsg.ConfigResourceTypeTopic, "missing", kerr.UnknownTopicOrPartition.Code, ""},
		{kmsg.ConfigResourceTypeTopic, "bad/name", kerr.InvalidTopicException.Code, "Topic name \"bad/name\" is illegal, it contains a character other than ASCII alphanumerics, '.', '_' and '-'"},
		{kmsg.ConfigResourceTypeBroker, "1", kerr.InvalidRequest.Code, "Unexpected broker id, expected 0 or empty string, but received 1"},
		{kmsg.ConfigResourceTypeBroker, "x", kerr.InvalidRequest.Code, "Broker id must be an integer, but it is: x"},
		{kmsg.ConfigResourceTypeBrokerLogger, "", kerr.InvalidRequest.Code, "Broker id must not be empty"},
	} {
		res := describeOne(t, m, c.typ, c.name)
		msg := ""
		if res.ErrorMessage != nil {
			msg = *res.ErrorMessage
		}
		if res.ErrorCode != c.code || msg != c.msg || len(res.Configs) != 0 {
			t.Errorf("%s %q: code %d msg %q", c.typ, c.name, res.ErrorCode, msg)
		}
	}
	logger := describeOne(t, m, kmsg.ConfigResourceTypeBrokerLogger, "0")
	if len(logger.Configs) != 1 || render(logger.Configs[0]) != "root=INFO source=DYNAMIC_BROKER_LOGGER_CONFIG sensitive=false readOnly=false type=UNKNOWN synonyms={}" {
		t.Errorf("loggers %+v", logger.Configs)
	}
}
