package broker

import (
	"testing"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// describeResource is a DescribeConfigs resource.
func describeResource(t kmsg.ConfigResourceType, name string, configs ...string) kmsg.DescribeConfigsRequestResource {
	r := kmsg.NewDescribeConfigsRequestResource()
	r.ResourceType, r.ResourceName, r.ConfigNames = t, name, configs
	return r
}

// describeConfigs asks at version v, with synonyms and documentation
// where the version has them.
func describeConfigs(t *testing.T, b *Broker, v int16, rs ...kmsg.DescribeConfigsRequestResource) []kmsg.DescribeConfigsResponseResource {
	t.Helper()
	req := kmsg.NewPtrDescribeConfigsRequest()
	req.Version, req.Resources = v, rs
	req.IncludeSynonyms, req.IncludeDocumentation = v >= 1, v >= 3
	resp := call[*kmsg.DescribeConfigsResponse](t, b, "PLAINTEXT", req)
	if len(resp.Resources) != len(rs) || resp.ThrottleMillis != 0 {
		t.Fatalf("v%d: %+v", v, resp)
	}
	return resp.Resources
}

// topicConfigValue is a topic config's value as DescribeConfigs v4 shows it.
func topicConfigValue(t *testing.T, b *Broker, topic, name string) (string, kmsg.ConfigSource) {
	t.Helper()
	res := describeConfigs(t, b, 4, describeResource(kmsg.ConfigResourceTypeTopic, topic, name))[0]
	if res.ErrorCode != 0 || len(res.Configs) != 1 {
		t.Fatalf("describing %s of %s: %+v", name, topic, res)
	}
	return deref(res.Configs[0].Value), res.Configs[0].Source
}

// Every version describes topics and the broker with what the version
// carries (v0 is_default; v1+ source and synonyms; v3+ type and
// documentation); an unknown topic is UNKNOWN_TOPIC_OR_PARTITION, an
// illegal name INVALID_TOPIC_EXCEPTION.
func TestDescribeConfigsEveryVersion(t *testing.T) {
	env := newAdminEnv(t, envOptions{props: map[string]string{"num.partitions": "4"}})
	env.createTopic("cfg", 1, map[string]string{"retention.ms": "1000"})
	for v := int16(0); v <= 4; v++ {
		res := describeConfigs(t, env.b, v,
			describeResource(kmsg.ConfigResourceTypeTopic, "cfg", "retention.ms", "cleanup.policy"),
			describeResource(kmsg.ConfigResourceTypeBroker, "0", "num.partitions"),
			describeResource(kmsg.ConfigResourceTypeTopic, "missing"),
			describeResource(kmsg.ConfigResourceTypeTopic, "bad name"),
		)
		topic := res[0]
		if topic.ErrorCode != 0 || topic.ResourceName != "cfg" || len(topic.Configs) != 2 {
			t.Fatalf("v%d topic %+v", v, topic)
		}
		cleanup, retention := topic.Configs[0], topic.Configs[1] // by name
		if retention.Name != "retention.ms" || deref(retention.Value) != "1000" || cleanup.Name != "cleanup.policy" || deref(cleanup.Value) != "delete" {
			t.Fatalf("v%d configs %+v", v, topic.Configs)
		}
		if v == 0 && (retention.IsDefault || !cleanup.IsDefault) {
			t.Errorf("v0 is_default %v %v", retention.IsDefault, cleanup.IsDefault)
		}
		if v >= 1 {
			if retention.Source != kmsg.ConfigSourceDynamicTopicConfig || cleanup.Source != kmsg.ConfigSourceDefaultConfig {
				t.Errorf("v%d sources %v %v", v, retention.Source, cleanup.Source)
			}
			if s := retention.ConfigSynonyms; len(s) == 0 || s[0].Name != "retention.ms" || s[0].Source != kmsg.ConfigSourceDynamicTopicConfig {
				t.Errorf("v%d synonyms %+v", v, s)
			}
		}
		if (v >= 3) != (retention.ConfigType == kmsg.ConfigTypeLong && retention.Documentation != nil) {
			t.Errorf("v%d type %v documentation %v", v, retention.ConfigType, retention.Documentation != nil)
		}
		broker := res[1]
		if broker.ErrorCode != 0 || len(broker.Configs) != 1 || deref(broker.Configs[0].Value) != "4" || !broker.Configs[0].ReadOnly {
			t.Fatalf("v%d broker %+v", v, broker)
		}
		if v >= 1 && broker.Configs[0].Source != kmsg.ConfigSourceStaticBrokerConfig {
			t.Errorf("v%d broker source %v", v, broker.Configs[0].Source)
		}
		if res[2].ErrorCode != kerr.UnknownTopicOrPartition.Code || len(res[2].Configs) != 0 {
			t.Errorf("v%d missing topic %+v", v, res[2])
		}
		if res[3].ErrorCode != kerr.InvalidTopicException.Code {
			t.Errorf("v%d illegal name %+v", v, res[3])
		}
	}
	// A resource type Kafka does not know refuses the whole request.
	res := describeConfigs(t, env.b, 2, describeResource(kmsg.ConfigResourceTypeTopic, "cfg"), describeResource(99, "x"))
	if res[0].ErrorCode != kerr.InvalidRequest.Code || res[1].ErrorCode != kerr.InvalidRequest.Code {
		t.Fatalf("unknown type: %+v", res)
	}
}
