package broker

import (
	"fmt"
	"testing"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/wharf-project/wharf/internal/kafka/controller"
	"github.com/wharf-project/wharf/internal/kafka/meta"
)

type growth struct {
	topic  string
	count  int32
	assign [][]int32 // nil: none; empty: an empty list
}

func partitionsRequest(v int16, timeoutMs int32, validateOnly bool, gs ...growth) *kmsg.CreatePartitionsRequest {
	req := kmsg.NewPtrCreatePartitionsRequest()
	req.Version, req.TimeoutMillis, req.ValidateOnly = v, timeoutMs, validateOnly
	for _, g := range gs {
		t := kmsg.NewCreatePartitionsRequestTopic()
		t.Topic, t.Count = g.topic, g.count
		if g.assign != nil {
			t.Assignment = []kmsg.CreatePartitionsRequestTopicAssignment{}
			for _, rs := range g.assign {
				a := kmsg.NewCreatePartitionsRequestTopicAssignment()
				a.Replicas = rs
				t.Assignment = append(t.Assignment, a)
			}
		}
		req.Topics = append(req.Topics, t)
	}
	return req
}

// Every version grows a topic and answers once the new partitions have
// leaders; validate_only grows nothing.
func TestCreatePartitionsEveryVersion(t *testing.T) {
	env := newAdminEnv(t, envOptions{})
	for v := int16(0); v <= 3; v++ {
		name := fmt.Sprintf("p-v%d", v)
		env.createTopic(name, 1, nil)
		resp := call[*kmsg.CreatePartitionsResponse](t, env.b, "PLAINTEXT", partitionsRequest(v, 10000, true, growth{topic: name, count: 4}))
		if r := resp.Topics[0]; r.ErrorCode != 0 || r.Topic != name {
			t.Fatalf("v%d validate_only: %+v", v, r)
		}
		if n, _ := env.b.Meta.Snapshot().NumPartitions(name); n != 1 {
			t.Fatalf("v%d validate_only grew the topic to %d", v, n)
		}
		resp = call[*kmsg.CreatePartitionsResponse](t, env.b, "PLAINTEXT", partitionsRequest(v, 10000, false, growth{topic: name, count: 3, assign: [][]int32{{0}, {0}}}))
		if r := resp.Topics[0]; r.ErrorCode != 0 || r.ErrorMessage != nil || resp.ThrottleMillis != 0 {
			t.Fatalf("v%d: %+v", v, r)
		}
		if n := env.b.Meta.Snapshot().LeaderlessPartitions(name, []int32{0, 1, 2}); n != 0 {
			t.Fatalf("v%d answered with %d partitions leaderless", v, n)
		}
	}
}

// Kafka's errors and messages, one entry per distinct topic in request
// order, the waits and the controller check.
func TestCreatePartitionsErrors(t *testing.T) {
	env := newAdminEnv(t, envOptions{})
	env.createTopic("two", 2, nil)
	env.createTopic("other", 1, nil)
	resp := call[*kmsg.CreatePartitionsResponse](t, env.b, "PLAINTEXT", partitionsRequest(1, 5000, false,
		growth{topic: "two", count: 1},
		growth{topic: "dup", count: 3},
		growth{topic: "missing", count: 3},
		growth{topic: "dup", count: 4},
		growth{topic: "other", count: 1},
		growth{topic: "unknown-broker", count: 3, assign: [][]int32{{9}}},
	))
	want := []struct {
		topic string
		code  int16
		msg   string
	}{
		{"two", kerr.InvalidPartitions.Code, "Topic currently has 2 partitions, which is higher than the requested 1."},
		{"dup", kerr.InvalidRequest.Code, "Duplicate topic in request."},
		{"missing", kerr.UnknownTopicOrPartition.Code, "The topic 'missing' does not exist."},
		{"other", kerr.InvalidPartitions.Code, "Topic already has 1 partitions."},
		{"unknown-broker", kerr.UnknownTopicOrPartition.Code, "The topic 'unknown-broker' does not exist."},
	}
	if len(resp.Topics) != len(want) {
		t.Fatalf("results %+v", resp.Topics)
	}
	for i, w := range want {
		if r := resp.Topics[i]; r.Topic != w.topic || r.ErrorCode != w.code || deref(r.ErrorMessage) != w.msg {
			t.Errorf("%s: %s %q, want %s %q", r.Topic, kerr.ErrorForCode(r.ErrorCode), deref(r.ErrorMessage), kerr.ErrorForCode(w.code), w.msg)
		}
	}
	for _, c := range []struct {
		g   growth
		msg string
	}{
		{growth{topic: "two", count: 3, assign: [][]int32{{9}}}, "Unknown broker(s) in replica assignment: 9."},
		{growth{topic: "two", count: 4, assign: [][]int32{{0}}}, "Increasing the number of partitions by 2 but 1 assignments provided."},
		{growth{topic: "two", count: 3, assign: [][]int32{}}, "Increasing the number of partitions by 1 but 0 assignments provided."},
	} {
		resp := call[*kmsg.CreatePartitionsResponse](t, env.b, "PLAINTEXT", partitionsRequest(3, 5000, false, c.g))
		if r := resp.Topics[0]; r.ErrorCode != kerr.InvalidReplicaAssignment.Code || deref(r.ErrorMessage) != c.msg {
			t.Errorf("%+v: %s %q", c.g, kerr.ErrorForCode(r.ErrorCode), deref(r.ErrorMessage))
		}
	}
	// timeout_ms 0: grown, answered REQUEST_TIMED_OUT at once.
	resp = call[*kmsg.CreatePartitionsResponse](t, env.b, "PLAINTEXT", partitionsRequest(2, 0, false, growth{topic: "two", count: 3}))
	if r := resp.Topics[0]; r.ErrorCode != kerr.RequestTimedOut.Code || r.ErrorMessage != nil {
		t.Fatalf("timeout 0: %+v", r)
	}
	env.waitFor("two's third partition", func() bool {
		return env.b.Meta.Snapshot().LeaderlessPartitions("two", []int32{0, 1, 2}) == 0
	})
	// A topic whose partition 0 has no live replica: the new partition
	// gets a leader, partition 0 never does, and Kafka waits on every
	// partition of the topic.
	call[*kmsg.CreateTopicsResponse](t, env.b, "PLAINTEXT", createRequest(5, 0, false,
		topicSpec{name: "orphan", partitions: -1, rf: -1, assign: map[int32][]int32{0: {7}}}))
	resp = call[*kmsg.CreatePartitionsResponse](t, env.b, "PLAINTEXT", partitionsRequest(3, 200, false, growth{topic: "orphan", count: 2}))
	if r := resp.Topics[0]; r.ErrorCode != kerr.RequestTimedOut.Code {
		t.Fatalf("orphan: %+v %s", r, deref(r.ErrorMessage))
	}
	env.waitFor("orphan's new partition", func() bool {
		p, ok := env.b.Meta.Snapshot().Partition("orphan", 1)
		return ok && p.Leader == 0
	})
	// Not the controller.
	resp = call[*kmsg.CreatePartitionsResponse](t, env.standby(), "PLAINTEXT", partitionsRequest(3, 1000, false, growth{topic: "two", count: 9}, growth{topic: "two", count: 9}))
	if len(resp.Topics) != 1 || resp.Topics[0].ErrorCode != kerr.NotController.Code {
		t.Fatalf("standby: %+v", resp.Topics)
	}
}

// A topic marked under /admin/delete_topics is refused before the Admin
// looks at it.
func TestCreatePartitionsQueuedForDeletion(t *testing.T) {
	env := newAdminEnv(t, envOptions{})
	// A broker of a cluster without a controller, so the mark stays.
	zk := dialZK(t, env.zkAt+"/quiet")
	b := &Broker{ID: 0, Config: env.b.Config, Meta: meta.New(0), Log: env.b.Log, ZK: zk,
		Admin: controller.NewAdmin(controller.AdminConfig{ZK: zk})}
	if err := zk.CreateDeleteTopicPath(envCtx(t), "doomed"); err != nil {
		t.Fatal(err)
	}
	resp := call[*kmsg.CreatePartitionsResponse](t, b, "PLAINTEXT", partitionsRequest(0, 1000, false, growth{topic: "doomed", count: 2}, growth{topic: "alive", count: 2}))
	if r := resp.Topics[0]; r.ErrorCode != kerr.InvalidTopicException.Code || deref(r.ErrorMessage) != "The topic is queued for deletion." {
		t.Fatalf("doomed: %+v", r)
	}
	if r := resp.Topics[1]; r.ErrorCode != kerr.UnknownTopicOrPartition.Code {
		t.Fatalf("alive: %+v", r)
	}
}
