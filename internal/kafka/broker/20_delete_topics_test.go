package broker

import (
	"fmt"
	"testing"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/wharf-project/wharf/internal/kafka/zkdata"
)

// deleteRequest names topics (v0-v5) or gives names and ids (v6).
func deleteRequest(v int16, timeoutMs int32, names []string, ids ...zkdata.UUID) *kmsg.DeleteTopicsRequest {
	req := kmsg.NewPtrDeleteTopicsRequest()
	req.Version, req.TimeoutMillis = v, timeoutMs
	for _, n := range names {
		if v < 6 {
			req.TopicNames = append(req.TopicNames, n)
			continue
		}
		t := kmsg.NewDeleteTopicsRequestTopic()
		t.Topic = strp(n)
		req.Topics = append(req.Topics, t)
	}
	for _, id := range ids {
		t := kmsg.NewDeleteTopicsRequestTopic()
		t.TopicID = id
		req.Topics = append(req.Topics, t)
	}
	return req
}

// Every version deletes by name, and waits until the topic has left the
// metadata cache; v6 also by id, answering with the name.
func TestDeleteTopicsEveryVersion(t *testing.T) {
	env := newAdminEnv(t, envOptions{})
	for v := int16(0); v <= 6; v++ {
		name := fmt.Sprintf("d-v%d", v)
		env.createTopic(name, 2, map[string]string{"retention.ms": "1000"})
		resp := call[*kmsg.DeleteTopicsResponse](t, env.b, "PLAINTEXT", deleteRequest(v, 10000, []string{name}))
		if len(resp.Topics) != 1 || deref(resp.Topics[0].Topic) != name || resp.Topics[0].ErrorCode != 0 || resp.ThrottleMillis != 0 {
			t.Fatalf("v%d: %+v", v, resp.Topics)
		}
		if env.b.Meta.Snapshot().Contains(name) {
			t.Fatalf("v%d answered before %s left the cache", v, name)
		}
	}
	created := env.createTopic("by-id", 1, nil)
	resp := call[*kmsg.DeleteTopicsResponse](t, env.b, "PLAINTEXT", deleteRequest(6, 10000, nil, zkdata.UUID(created.TopicID)))
	if r := resp.Topics[0]; r.ErrorCode != 0 || deref(r.Topic) != "by-id" || r.TopicID != created.TopicID {
		t.Fatalf("by id: %+v", r)
	}
	env.waitFor("the znodes of by-id to go", func() bool { return !env.topicExistsInZK("by-id") })
}

// Unknown names and ids, both or neither given, a topic named twice, and
// timeout_ms 0, which marks the topic but answers REQUEST_TIMED_OUT.
func TestDeleteTopicsErrors(t *testing.T) {
	env := newAdminEnv(t, envOptions{})
	env.createTopic("a", 1, nil)
	env.createTopic("b", 1, nil)
	unknown := zkdata.UUID{5}
	req := deleteRequest(6, 10000, []string{"a", "nope", "a"}, unknown)
	req.Topics = append(req.Topics, kmsg.NewDeleteTopicsRequestTopic()) // neither name nor id
	resp := call[*kmsg.DeleteTopicsResponse](t, env.b, "PLAINTEXT", req)
	for i, want := range []int16{0, kerr.UnknownTopicOrPartition.Code, 0, kerr.UnknownTopicID.Code, kerr.InvalidRequest.Code} {
		if r := resp.Topics[i]; r.ErrorCode != want {
			t.Errorf("entry %d (%s %v): %s", i, deref(r.Topic), r.TopicID, kerr.ErrorForCode(r.ErrorCode))
		}
	}
	if r := resp.Topics[3]; r.Topic != nil || r.TopicID != unknown {
		t.Errorf("unknown id entry %+v", r)
	}
	if r := resp.Topics[4]; deref(r.ErrorMessage) != "Neither topic name nor id were specified." {
		t.Errorf("empty entry %+v", r)
	}
	// A name and an id in one entry refuse the request.
	both := deleteRequest(6, 10000, nil, unknown)
	both.Topics[0].Topic = strp("b")
	both.Topics = append(both.Topics, deleteRequest(6, 0, []string{"b"}).Topics...)
	resp = call[*kmsg.DeleteTopicsResponse](t, env.b, "PLAINTEXT", both)
	if len(resp.Topics) != 2 || resp.Topics[0].ErrorCode != kerr.InvalidRequest.Code || resp.Topics[1].ErrorCode != kerr.InvalidRequest.Code ||
		!env.b.Meta.Snapshot().Contains("b") {
		t.Fatalf("name and id: %+v", resp.Topics)
	}
	// timeout_ms 0: marked for deletion, answered at once.
	resp = call[*kmsg.DeleteTopicsResponse](t, env.b, "PLAINTEXT", deleteRequest(4, 0, []string{"b"}))
	if resp.Topics[0].ErrorCode != kerr.RequestTimedOut.Code {
		t.Fatalf("timeout 0: %+v", resp.Topics[0])
	}
	env.waitFor("b to be deleted", func() bool { return !env.b.Meta.Snapshot().Contains("b") })
}

// delete.topic.enable=false: INVALID_REQUEST before v3,
// TOPIC_DELETION_DISABLED after; a broker that is not the controller
// answers NOT_CONTROLLER first.
func TestDeleteTopicsDisabledAndNotController(t *testing.T) {
	b := metadataCluster(t)
	off := cacheBroker(t, map[string]string{"delete.topic.enable": "false"})
	off.Meta = b.Meta
	for v := int16(0); v <= 6; v++ {
		resp := call[*kmsg.DeleteTopicsResponse](t, off, "PLAINTEXT", deleteRequest(v, 1000, []string{"orders", "nope"}))
		want := kerr.TopicDeletionDisabled.Code
		if v < 3 {
			want = kerr.InvalidRequest.Code
		}
		if len(resp.Topics) != 2 || resp.Topics[0].ErrorCode != want || resp.Topics[1].ErrorCode != want {
			t.Errorf("v%d: %+v", v, resp.Topics)
		}
	}
	env := newAdminEnv(t, envOptions{})
	env.createTopic("kept", 1, nil)
	resp := call[*kmsg.DeleteTopicsResponse](t, env.standby(), "PLAINTEXT", deleteRequest(6, 1000, []string{"kept"}))
	if resp.Topics[0].ErrorCode != kerr.NotController.Code || !env.topicExistsInZK("kept") {
		t.Fatalf("standby: %+v", resp.Topics[0])
	}
}
