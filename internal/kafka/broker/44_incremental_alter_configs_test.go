package broker

import (
	"testing"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

type incOp struct {
	name  string
	op    kmsg.IncrementalAlterConfigOp
	value *string
}

func incrementalResource(t kmsg.ConfigResourceType, name string, ops ...incOp) kmsg.IncrementalAlterConfigsRequestResource {
	r := kmsg.NewIncrementalAlterConfigsRequestResource()
	r.ResourceType, r.ResourceName = t, name
	for _, o := range ops {
		c := kmsg.NewIncrementalAlterConfigsRequestResourceConfig()
		c.Name, c.Op, c.Value = o.name, o.op, o.value
		r.Configs = append(r.Configs, c)
	}
	return r
}

// Every version applies SET, DELETE and APPEND to the stored configs,
// keeping what it does not touch; unknown topics and operations get
// Kafka's answers.
func TestIncrementalAlterConfigsEveryVersion(t *testing.T) {
	env := newAdminEnv(t, envOptions{})
	env.createTopic("cfg", 1, map[string]string{"cleanup.policy": "compact", "segment.ms": "100000"})
	for v := int16(0); v <= 1; v++ {
		req := kmsg.NewPtrIncrementalAlterConfigsRequest()
		req.Version = v
		req.Resources = []kmsg.IncrementalAlterConfigsRequestResource{
			incrementalResource(kmsg.ConfigResourceTypeTopic, "cfg",
				incOp{"retention.ms", kmsg.IncrementalAlterConfigOpSet, strp("7000")},
				incOp{"segment.ms", kmsg.IncrementalAlterConfigOpDelete, nil},
				incOp{"cleanup.policy", kmsg.IncrementalAlterConfigOpAppend, strp("delete")}),
			incrementalResource(kmsg.ConfigResourceTypeTopic, "missing", incOp{"retention.ms", kmsg.IncrementalAlterConfigOpSet, strp("1")}),
		}
		resp := call[*kmsg.IncrementalAlterConfigsResponse](t, env.b, "PLAINTEXT", req)
		if len(resp.Resources) != 2 || resp.Resources[0].ErrorCode != 0 || resp.ThrottleMillis != 0 {
			t.Fatalf("v%d: %+v %s", v, resp.Resources, deref(resp.Resources[0].ErrorMessage))
		}
		if resp.Resources[1].ErrorCode != kerr.UnknownTopicOrPartition.Code {
			t.Errorf("v%d missing topic %+v", v, resp.Resources[1])
		}
		for name, want := range map[string]string{"retention.ms": "7000", "segment.ms": "604800000", "cleanup.policy": "compact,delete"} {
			if got, _ := topicConfigValue(t, env.b, "cfg", name); got != want {
				t.Errorf("v%d %s = %s, want %s", v, name, got, want)
			}
		}
	}
	req := kmsg.NewPtrIncrementalAlterConfigsRequest()
	req.Version = 1
	req.Resources = []kmsg.IncrementalAlterConfigsRequestResource{
		incrementalResource(kmsg.ConfigResourceTypeTopic, "cfg", incOp{"retention.ms", 9, strp("1")}),
	}
	resp := call[*kmsg.IncrementalAlterConfigsResponse](t, env.b, "PLAINTEXT", req)
	if resp.Resources[0].ErrorCode != kerr.InvalidRequest.Code || deref(resp.Resources[0].ErrorMessage) != "Unknown operation type 9" {
		t.Fatalf("unknown operation: %+v", resp.Resources[0])
	}
}
