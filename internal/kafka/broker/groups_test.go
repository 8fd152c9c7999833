package broker

import (
	"fmt"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/wharf-project/wharf/internal/kafka/meta"
	"github.com/wharf-project/wharf/internal/kafka/zkdata/zktest"
)

// groupBroker starts a broker whose offsets topic exists and is loaded:
// FindCoordinator creates it, and answers with this broker once its
// partitions have a leader.
func groupBroker(t *testing.T) *Broker {
	t.Helper()
	b := startBroker(t, brokerProps(zktest.Wharf(t), t.TempDir(), "offsets.topic.num.partitions=3",
		"offsets.topic.replication.factor=3", "group.initial.rebalance.delay.ms=0"))
	req := kmsg.NewPtrFindCoordinatorRequest()
	req.CoordinatorKey = "g"
	if resp := call[*kmsg.FindCoordinatorResponse](t, b, "PLAINTEXT", req); resp.ErrorCode != kerr.CoordinatorNotAvailable.Code {
		t.Fatalf("FindCoordinator before the offsets topic exists: %v", kerr.ErrorForCode(resp.ErrorCode))
	}
	zktest.WaitFor(t, 20*time.Second, "FindCoordinator to name this broker", func() bool {
		return call[*kmsg.FindCoordinatorResponse](t, b, "PLAINTEXT", req).ErrorCode == 0 && len(b.Groups.Shards()) == 3
	})
	// Created with the replication factor capped at the one broker alive.
	if tp, ok := b.Meta.Snapshot().Topic(meta.GroupMetadataTopic); !ok || len(tp.Partitions) != 3 {
		t.Fatalf("offsets topic: %+v", tp)
	}
	return b
}

// createTopicDirect creates a topic through the CreateTopics handler and
// waits until this broker leads its partitions.
func createTopicDirect(t *testing.T, b *Broker, topic string, partitions int32) {
	t.Helper()
	resp := call[*kmsg.CreateTopicsResponse](t, b, "PLAINTEXT", createRequest(5, 30000, false, topicSpec{name: topic, partitions: partitions, rf: 1}))
	if len(resp.Topics) != 1 || resp.Topics[0].ErrorCode != 0 {
		t.Fatalf("create %s: %+v", topic, resp.Topics)
	}
	for p := range partitions {
		leaderState(t, b, tpOf(topic, p))
	}
}

// FindCoordinator names this broker for any group once the offsets topic
// is loaded, at every version, batched from v4.
func TestFindCoordinatorGroups(t *testing.T) {
	b := groupBroker(t)
	for v := int16(0); v <= 5; v++ {
		req := kmsg.NewPtrFindCoordinatorRequest()
		req.Version, req.CoordinatorKey, req.CoordinatorKeys = v, "g", []string{"g1", "g2"}
		resp := call[*kmsg.FindCoordinatorResponse](t, b, "PLAINTEXT", req)
		if v < 4 {
			if resp.ErrorCode != 0 || resp.NodeID != b.ID || resp.Host != "127.0.0.1" || resp.Port <= 0 {
				t.Errorf("v%d: %+v", v, resp)
			}
			if v >= 1 && (resp.ErrorMessage == nil || *resp.ErrorMessage != "NONE") {
				t.Errorf("v%d: error message %v, want NONE", v, resp.ErrorMessage)
			}
			continue
		}
		if len(resp.Coordinators) != 2 {
			t.Fatalf("v%d: %+v", v, resp.Coordinators)
		}
		for i, c := range resp.Coordinators {
			if c.Key != req.CoordinatorKeys[i] || c.ErrorCode != 0 || c.NodeID != b.ID || c.Port <= 0 {
				t.Errorf("v%d: %+v", v, c)
			}
		}
	}
}

// One group per JoinGroup version goes through its life at matching
// versions of every group API: join (v4+: MEMBER_ID_REQUIRED first), sync
// the leader's assignment, heartbeat, commit and fetch offsets, describe,
// list, leave, delete.
func TestGroupLifecycleEveryVersion(t *testing.T) {
	b := groupBroker(t)
	topic := "events"
	createTopicDirect(t, b, topic, 2)
	for jv := int16(0); jv <= 9; jv++ {
		t.Run(fmt.Sprintf("join_v%d", jv), func(t *testing.T) {
			groupLifecycle(t, b, fmt.Sprintf("g%d", jv), topic, jv)
		})
	}
}

func groupLifecycle(t *testing.T, b *Broker, group, topic string, jv int16) {
	sv, hv, lv := min(jv, 5), min(jv, 4), min(jv, 5)
	join := kmsg.NewPtrJoinGroupRequest()
	join.Version, join.Group, join.ProtocolType = jv, group, "consumer"
	join.SessionTimeoutMillis, join.RebalanceTimeoutMillis = 10000, 10000
	proto := kmsg.NewJoinGroupRequestProtocol()
	proto.Name, proto.Metadata = "range", []byte{0, 1}
	join.Protocols = []kmsg.JoinGroupRequestProtocol{proto}
	jr := call[*kmsg.JoinGroupResponse](t, b, "PLAINTEXT", join)
	if jv >= 4 {
		if jr.ErrorCode != kerr.MemberIDRequired.Code || jr.MemberID == "" {
			t.Fatalf("first join: %v, member %q", kerr.ErrorForCode(jr.ErrorCode), jr.MemberID)
		}
		join.MemberID = jr.MemberID
		jr = call[*kmsg.JoinGroupResponse](t, b, "PLAINTEXT", join)
	}
	if jr.ErrorCode != 0 || jr.Generation != 1 || jr.LeaderID != jr.MemberID || len(jr.Members) != 1 {
		t.Fatalf("join: %v %+v", kerr.ErrorForCode(jr.ErrorCode), jr)
	}
	member := jr.MemberID

	sync := kmsg.NewPtrSyncGroupRequest()
	sync.Version, sync.Group, sync.Generation, sync.MemberID = sv, group, 1, member
	pt, pn := "consumer", "range"
	sync.ProtocolType, sync.Protocol = &pt, &pn
	sync.GroupAssignment = []kmsg.SyncGroupRequestGroupAssignment{{MemberID: member, MemberAssignment: []byte("assigned")}}
	if sr := call[*kmsg.SyncGroupResponse](t, b, "PLAINTEXT", sync); sr.ErrorCode != 0 || string(sr.MemberAssignment) != "assigned" {
		t.Fatalf("sync v%d: %v %q", sv, kerr.ErrorForCode(sr.ErrorCode), sr.MemberAssignment)
	}

	hb := kmsg.NewPtrHeartbeatRequest()
	hb.Version, hb.Group, hb.Generation, hb.MemberID = hv, group, 1, member
	if hr := call[*kmsg.HeartbeatResponse](t, b, "PLAINTEXT", hb); hr.ErrorCode != 0 {
		t.Fatalf("heartbeat v%d: %v", hv, kerr.ErrorForCode(hr.ErrorCode))
	}
	hb.Generation = 7
	if hr := call[*kmsg.HeartbeatResponse](t, b, "PLAINTEXT", hb); hr.ErrorCode != kerr.IllegalGeneration.Code {
		t.Fatalf("heartbeat of generation 7: %v, want ILLEGAL_GENERATION", kerr.ErrorForCode(hr.ErrorCode))
	}

	cv := jv // OffsetCommit and OffsetFetch: 0-9 too
	commit := kmsg.NewPtrOffsetCommitRequest()
	commit.Version, commit.Group, commit.Generation, commit.MemberID = cv, group, 1, member
	ct := kmsg.NewOffsetCommitRequestTopic()
	ct.Topic = topic
	for p := range int32(2) {
		cp := kmsg.NewOffsetCommitRequestTopicPartition()
		cp.Partition, cp.Offset = p, int64(10+p)
		m := "meta"
		cp.Metadata = &m
		ct.Partitions = append(ct.Partitions, cp)
	}
	unknown := kmsg.NewOffsetCommitRequestTopic()
	unknown.Topic = "no-such-topic"
	up := kmsg.NewOffsetCommitRequestTopicPartition()
	unknown.Partitions = []kmsg.OffsetCommitRequestTopicPartition{up}
	commit.Topics = []kmsg.OffsetCommitRequestTopic{ct, unknown}
	cr := call[*kmsg.OffsetCommitResponse](t, b, "PLAINTEXT", commit)
	if cv == 0 {
		// v0 carries no generation or member id: a commit of a simple
		// consumer, refused for a group with members.
		if len(cr.Topics) != 2 || cr.Topics[0].Partitions[0].ErrorCode != kerr.UnknownMemberID.Code ||
			cr.Topics[1].Partitions[0].ErrorCode != kerr.UnknownTopicOrPartition.Code {
			t.Fatalf("commit v0 to a group with a member: %+v", cr.Topics)
		}
		commit.Version = 1
		cr = call[*kmsg.OffsetCommitResponse](t, b, "PLAINTEXT", commit)
	}
	if len(cr.Topics) != 2 || cr.Topics[0].Partitions[0].ErrorCode != 0 || cr.Topics[0].Partitions[1].ErrorCode != 0 ||
		cr.Topics[1].Partitions[0].ErrorCode != kerr.UnknownTopicOrPartition.Code {
		t.Fatalf("commit v%d: %+v", cv, cr.Topics)
	}

	fetch := kmsg.NewPtrOffsetFetchRequest()
	fetch.Version = cv
	if cv >= 8 {
		fg := kmsg.NewOffsetFetchRequestGroup()
		fg.Group = group
		fetch.Groups = []kmsg.OffsetFetchRequestGroup{fg} // all topics
	} else {
		fetch.Group = group
		fetch.Topics = []kmsg.OffsetFetchRequestTopic{{Topic: topic, Partitions: []int32{0, 1}}}
	}
	fr := call[*kmsg.OffsetFetchResponse](t, b, "PLAINTEXT", fetch)
	got := map[int32]int64{}
	if cv >= 8 {
		if len(fr.Groups) != 1 || fr.Groups[0].ErrorCode != 0 {
			t.Fatalf("fetch v%d: %+v", cv, fr.Groups)
		}
		for _, ft := range fr.Groups[0].Topics {
			for _, p := range ft.Partitions {
				got[p.Partition] = p.Offset
			}
		}
	} else {
		for _, ft := range fr.Topics {
			for _, p := range ft.Partitions {
				got[p.Partition] = p.Offset
			}
		}
	}
	if got[0] != 10 || got[1] != 11 {
		t.Fatalf("fetch v%d: committed %v, want 0:10 1:11", cv, got)
	}

	dv := min(jv, 5)
	desc := kmsg.NewPtrDescribeGroupsRequest()
	desc.Version, desc.Groups, desc.IncludeAuthorizedOperations = dv, []string{group, "never-seen"}, true
	dr := call[*kmsg.DescribeGroupsResponse](t, b, "PLAINTEXT", desc)
	if len(dr.Groups) != 2 || dr.Groups[0].State != "Stable" || dr.Groups[0].Protocol != "range" || len(dr.Groups[0].Members) != 1 ||
		string(dr.Groups[0].Members[0].MemberAssignment) != "assigned" || dr.Groups[1].State != "Dead" {
		t.Fatalf("describe v%d: %+v", dv, dr.Groups)
	}
	if dv >= 3 && dr.Groups[0].AuthorizedOperations != groupAuthorizedOperations {
		t.Errorf("describe v%d: authorized operations %d", dv, dr.Groups[0].AuthorizedOperations)
	}

	list := kmsg.NewPtrListGroupsRequest()
	list.Version = dv
	lr := call[*kmsg.ListGroupsResponse](t, b, "PLAINTEXT", list)
	found := false
	for _, g := range lr.Groups {
		found = found || (g.Group == group && g.ProtocolType == "consumer")
	}
	if lr.ErrorCode != 0 || !found {
		t.Fatalf("list v%d: %v %+v", dv, kerr.ErrorForCode(lr.ErrorCode), lr.Groups)
	}

	del := kmsg.NewPtrDeleteGroupsRequest()
	del.Version, del.Groups = min(jv, 2), []string{group}
	if r := call[*kmsg.DeleteGroupsResponse](t, b, "PLAINTEXT", del); len(r.Groups) != 1 || r.Groups[0].ErrorCode != kerr.NonEmptyGroup.Code {
		t.Fatalf("delete of a group with a member: %+v", r.Groups)
	}

	leave := kmsg.NewPtrLeaveGroupRequest()
	leave.Version, leave.Group = lv, group
	if lv >= 3 {
		lm := kmsg.NewLeaveGroupRequestMember()
		lm.MemberID = member
		leave.Members = []kmsg.LeaveGroupRequestMember{lm}
	} else {
		leave.MemberID = member
	}
	if r := call[*kmsg.LeaveGroupResponse](t, b, "PLAINTEXT", leave); r.ErrorCode != 0 {
		t.Fatalf("leave v%d: %v", lv, kerr.ErrorForCode(r.ErrorCode))
	}
	if r := call[*kmsg.DeleteGroupsResponse](t, b, "PLAINTEXT", del); len(r.Groups) != 1 || r.Groups[0].ErrorCode != 0 {
		t.Fatalf("delete of the empty group: %+v", r.Groups)
	}
	if r := call[*kmsg.DeleteGroupsResponse](t, b, "PLAINTEXT", del); r.Groups[0].ErrorCode != kerr.GroupIDNotFound.Code {
		t.Fatalf("delete again: %v, want GROUP_ID_NOT_FOUND", kerr.ErrorForCode(r.Groups[0].ErrorCode))
	}
}

// Deleting a topic removes the groups' committed offsets of it.
func TestDeletedTopicOffsetsRemoved(t *testing.T) {
	b := groupBroker(t)
	createTopicDirect(t, b, "gone", 1)
	createTopicDirect(t, b, "kept", 1)
	commit := kmsg.NewPtrOffsetCommitRequest()
	commit.Version, commit.Group, commit.Generation = 8, "g", -1
	for _, topic := range []string{"gone", "kept"} {
		ct := kmsg.NewOffsetCommitRequestTopic()
		ct.Topic = topic
		cp := kmsg.NewOffsetCommitRequestTopicPartition()
		cp.Offset = 5
		ct.Partitions = []kmsg.OffsetCommitRequestTopicPartition{cp}
		commit.Topics = append(commit.Topics, ct)
	}
	if r := call[*kmsg.OffsetCommitResponse](t, b, "PLAINTEXT", commit); r.Topics[0].Partitions[0].ErrorCode != 0 || r.Topics[1].Partitions[0].ErrorCode != 0 {
		t.Fatalf("commit: %+v", r.Topics)
	}
	del := kmsg.NewPtrDeleteTopicsRequest()
	del.Version, del.TimeoutMillis, del.TopicNames = 4, 30000, []string{"gone"}
	if r := call[*kmsg.DeleteTopicsResponse](t, b, "PLAINTEXT", del); r.Topics[0].ErrorCode != 0 {
		t.Fatalf("delete topic: %v", kerr.ErrorForCode(r.Topics[0].ErrorCode))
	}
	fetch := kmsg.NewPtrOffsetFetchRequest()
	fetch.Version = 8
	fg := kmsg.NewOffsetFetchRequestGroup()
	fg.Group = "g"
	fetch.Groups = []kmsg.OffsetFetchRequestGroup{fg}
	zktest.WaitFor(t, 20*time.Second, "the deleted topic's offsets to go", func() bool {
		r := call[*kmsg.OffsetFetchResponse](t, b, "PLAINTEXT", fetch)
		return len(r.Groups[0].Topics) == 1 && r.Groups[0].Topics[0].Topic == "kept"
	})
}

// ConsumerGroupHeartbeat (KIP-848) at v0 (the coordinator names the
// member) and v1 (the client does): a member joins, is assigned every
// partition of its topic by the uniform assignor, and ConsumerGroupDescribe
// at each version shows it.
func TestConsumerGroupHeartbeatEveryVersion(t *testing.T) {
	b := groupBroker(t)
	createTopicDirect(t, b, "kip848", 3)
	for v := int16(0); v <= 1; v++ {
		group := fmt.Sprintf("cg%d", v)
		hb := kmsg.NewPtrConsumerGroupHeartbeatRequest()
		hb.Version, hb.Group, hb.MemberEpoch, hb.RebalanceTimeoutMillis = v, group, 0, 30000
		hb.SubscribedTopicNames = []string{"kip848"}
		hb.Topics = []kmsg.ConsumerGroupHeartbeatRequestTopic{} // owned partitions: empty (not null) to join
		if v >= 1 {
			hb.MemberID = "client-chosen-id"
		}
		var resp *kmsg.ConsumerGroupHeartbeatResponse
		zktest.WaitFor(t, 10*time.Second, "an assignment", func() bool {
			resp = call[*kmsg.ConsumerGroupHeartbeatResponse](t, b, "PLAINTEXT", hb)
			if resp.ErrorCode != 0 {
				t.Fatalf("v%d heartbeat: %v %s", v, kerr.ErrorForCode(resp.ErrorCode), derefString(resp.ErrorMessage))
			}
			if resp.MemberID != nil {
				hb.MemberID = *resp.MemberID
			}
			hb.MemberEpoch = resp.MemberEpoch
			return resp.Assignment != nil && len(resp.Assignment.Topics) == 1 && len(resp.Assignment.Topics[0].Partitions) == 3
		})
		if v >= 1 && hb.MemberID != "client-chosen-id" {
			t.Errorf("v1 member id %q, want the client's", hb.MemberID)
		}
		if resp.HeartbeatIntervalMillis != 5000 {
			t.Errorf("v%d heartbeat interval %d, want group.consumer.heartbeat.interval.ms 5000", v, resp.HeartbeatIntervalMillis)
		}
		desc := kmsg.NewPtrConsumerGroupDescribeRequest()
		desc.Version, desc.Groups, desc.IncludeAuthorizedOperations = v, []string{group, "g-none"}, true
		dr := call[*kmsg.ConsumerGroupDescribeResponse](t, b, "PLAINTEXT", desc)
		if len(dr.Groups) != 2 || dr.Groups[0].ErrorCode != 0 || len(dr.Groups[0].Members) != 1 ||
			dr.Groups[0].Members[0].MemberID != hb.MemberID || dr.Groups[0].AuthorizedOperations != groupAuthorizedOperations ||
			dr.Groups[1].ErrorCode != kerr.GroupIDNotFound.Code {
			t.Fatalf("v%d describe: %+v", v, dr.Groups)
		}
		hb.MemberEpoch = -1 // leave
		if r := call[*kmsg.ConsumerGroupHeartbeatResponse](t, b, "PLAINTEXT", hb); r.ErrorCode != 0 || r.MemberEpoch != -1 {
			t.Fatalf("v%d leave: %v epoch %d", v, kerr.ErrorForCode(r.ErrorCode), r.MemberEpoch)
		}
	}
}

func derefString(s *string) string {
	if s == nil {
		return "<nil>"
	}
	return *s
}
