package broker

import (
	"fmt"
	"testing"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/wharf-project/wharf/internal/kafka/zkdata"
)

func alterResource(t kmsg.ConfigResourceType, name string, kv ...string) kmsg.AlterConfigsRequestResource {
	r := kmsg.NewAlterConfigsRequestResource()
	r.ResourceType, r.ResourceName = t, name
	for i := 0; i+1 < len(kv); i += 2 {
		c := kmsg.NewAlterConfigsRequestResourceConfig()
		c.Name, c.Value = kv[i], strp(kv[i+1])
		r.Configs = append(r.Configs, c)
	}
	return r
}

func alterConfigs(t *testing.T, b *Broker, v int16, validateOnly bool, rs ...kmsg.AlterConfigsRequestResource) []kmsg.AlterConfigsResponseResource {
	t.Helper()
	req := kmsg.NewPtrAlterConfigsRequest()
	req.Version, req.ValidateOnly, req.Resources = v, validateOnly, rs
	resp := call[*kmsg.AlterConfigsResponse](t, b, "PLAINTEXT", req)
	if len(resp.Resources) != len(rs) || resp.ThrottleMillis != 0 {
		t.Fatalf("v%d: %+v", v, resp)
	}
	return resp.Resources
}

// Every version replaces a topic's configs (and the cluster default
// broker configs) with the given set; validate_only changes nothing;
// unknown topics, bad values and BROKER_LOGGER get Kafka's answers.
func TestAlterConfigsEveryVersion(t *testing.T) {
	env := newAdminEnv(t, envOptions{})
	env.createTopic("cfg", 1, map[string]string{"cleanup.policy": "compact"})
	for v := int16(0); v <= 2; v++ {
		want := fmt.Sprint(2000 + v)
		res := alterConfigs(t, env.b, v, true, alterResource(kmsg.ConfigResourceTypeTopic, "cfg", "retention.ms", "1"))
		if res[0].ErrorCode != 0 {
			t.Fatalf("v%d validate_only: %+v", v, res[0])
		}
		res = alterConfigs(t, env.b, v, false,
			alterResource(kmsg.ConfigResourceTypeTopic, "cfg", "retention.ms", want),
			alterResource(kmsg.ConfigResourceTypeTopic, "missing", "retention.ms", "1"),
			alterResource(kmsg.ConfigResourceTypeBroker, "", "log.retention.ms", want),
		)
		if res[0].ErrorCode != 0 || res[0].ResourceName != "cfg" || res[2].ErrorCode != 0 {
			t.Fatalf("v%d: %+v", v, res)
		}
		if res[1].ErrorCode != kerr.UnknownTopicOrPartition.Code {
			t.Errorf("v%d missing topic %+v", v, res[1])
		}
		if got, src := topicConfigValue(t, env.b, "cfg", "retention.ms"); got != want || src != kmsg.ConfigSourceDynamicTopicConfig {
			t.Errorf("v%d retention.ms %s %v", v, got, src)
		}
		// The legacy request replaces the whole set: cleanup.policy is gone.
		if got, src := topicConfigValue(t, env.b, "cfg", "cleanup.policy"); got != "delete" || src != kmsg.ConfigSourceDefaultConfig {
			t.Errorf("v%d cleanup.policy %s %v", v, got, src)
		}
	}
	data, _, err := env.zk.Get(envCtx(t), zkdata.ConfigEntityPath("brokers", zkdata.DefaultEntity))
	if err != nil || string(data) != `{"version":1,"config":{"log.retention.ms":"2002"}}` {
		t.Fatalf("cluster default znode %s %v", data, err)
	}
	res := alterConfigs(t, env.b, 1, false, alterResource(kmsg.ConfigResourceTypeTopic, "cfg", "retention.ms", "soon"))
	if want := "Invalid config value for resource ConfigResource(type=TOPIC, name='cfg'): Invalid value soon for configuration retention.ms: Not a number of type LONG"; res[0].ErrorCode != kerr.InvalidRequest.Code || deref(res[0].ErrorMessage) != want {
		t.Errorf("bad value: %+v %s", res[0], deref(res[0].ErrorMessage))
	}
	res = alterConfigs(t, env.b, 1, false, alterResource(kmsg.ConfigResourceTypeTopic, "cfg", "retention.ms", "5"), alterResource(kmsg.ConfigResourceTypeBrokerLogger, "0", "root", "DEBUG"))
	if res[0].ErrorCode != kerr.InvalidRequest.Code || res[1].ErrorCode != kerr.InvalidRequest.Code {
		t.Errorf("BROKER_LOGGER: %+v", res)
	}
}
