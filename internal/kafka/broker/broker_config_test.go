package broker

import (
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/wharf-project/wharf/internal/kafka/zkdata/zktest"
)

// alterTopic sets a topic's configs through IncrementalAlterConfigs (k=v).
func (e *dataEnv) alterTopic(topic string, kvs ...string) {
	e.t.Helper()
	req := kmsg.NewPtrIncrementalAlterConfigsRequest()
	req.Version = 1
	r := kmsg.NewIncrementalAlterConfigsRequestResource()
	r.ResourceType, r.ResourceName = kmsg.ConfigResourceTypeTopic, topic
	for _, kv := range kvs {
		k, v, _ := strings.Cut(kv, "=")
		c := kmsg.NewIncrementalAlterConfigsRequestResourceConfig()
		c.Name, c.Value, c.Op = k, kmsg.StringPtr(v), kmsg.IncrementalAlterConfigOpSet
		r.Configs = append(r.Configs, c)
	}
	req.Resources = append(req.Resources, r)
	resp := roundTrip[*kmsg.IncrementalAlterConfigsResponse](e, req)
	if rr := resp.Resources[0]; rr.ErrorCode != 0 {
		e.t.Fatalf("altering %s: %s %s", topic, errorName(rr.ErrorCode), deref(rr.ErrorMessage))
	}
}

// TestTopicConfigReachesTheLog: overrides given at creation are the new
// log's (Kafka reads them from ZooKeeper when it creates the log; they
// used to be ignored until a restart), and IncrementalAlterConfigs
// changes reach the open log: segments roll at the new segment.bytes,
// retention.bytes is the log's, cleanup.policy=compact refuses
// DeleteRecords and unkeyed records, and back to delete allows them.
func TestTopicConfigReachesTheLog(t *testing.T) {
	e := newDataEnv(t)
	e.createTopic("created", 1, "segment.bytes=2000", "retention.bytes=12345", "min.insync.replicas=1")
	l, ok := e.b.Logs.GetLog(tpOf("created", 0))
	if !ok || l.Config().SegmentBytes != 2000 || l.Config().RetentionBytes != 12345 {
		t.Fatalf("the new log's config: %+v (found %v)", l.Config(), ok)
	}

	e.createTopic("altered", 1)
	tp := tpOf("altered", 0)
	e.alterTopic("altered", "segment.bytes=1000", "retention.bytes=54321")
	zktest.WaitFor(t, 10*time.Second, "segment.bytes on the log", func() bool {
		l, ok := e.b.Logs.GetLog(tp)
		return ok && l.Config().SegmentBytes == 1000 && l.Config().RetentionBytes == 54321
	})
	payload := strings.Repeat("s", 600)
	for i := 0; i < 4; i++ {
		e.mustProduce("altered", 0, payload)
	}
	l, _ = e.b.Logs.GetLog(tp)
	if n := len(l.Segments()); n < 4 {
		t.Errorf("%d segments after four 600-byte batches at segment.bytes 1000, want 4", n)
	}

	e.alterTopic("altered", "cleanup.policy=compact")
	zktest.WaitFor(t, 10*time.Second, "cleanup.policy on the log", func() bool {
		return e.deleteRecords("altered", 0, 1).ErrorCode == kerr.PolicyViolation.Code
	})
	if r := e.produce("altered", 0, values(t, "no key")); r.ErrorCode != kerr.InvalidRecord.Code {
		t.Errorf("an unkeyed record on a compacted topic: %s", errorName(r.ErrorCode))
	}
	e.alterTopic("altered", "cleanup.policy=delete")
	zktest.WaitFor(t, 10*time.Second, "cleanup.policy delete on the log", func() bool {
		return e.deleteRecords("altered", 0, 1).ErrorCode == 0
	})
}
