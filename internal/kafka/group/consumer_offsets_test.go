package group

import (
	"testing"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

func TestConsumerGroupOffsetCommitAndFetch(t *testing.T) {
	h, _ := consumerHarness(t, testConfig())
	a := &cgMember{}
	h.cgJoin(a)
	for _, tc := range []struct {
		name    string
		member  string
		epoch   int32
		version int16
		want    *kerr.Error
	}{
		{"member at its epoch", a.id, a.epoch, 9, nil},
		{"stale epoch", a.id, a.epoch + 1, 9, kerr.StaleMemberEpoch},
		{"unknown member", "nope", a.epoch, 9, kerr.UnknownMemberID},
		{"no epoch, group not empty", "", -1, 9, kerr.UnknownMemberID},
		{"before v9", a.id, a.epoch, 8, kerr.UnsupportedVersion},
	} {
		resp := h.commit("g", tc.member, tc.epoch, tc.version, map[string]int64{"a": 42})
		wantCode(t, tc.name, resp.Topics[0].Partitions[0].ErrorCode, tc.want)
	}
	fetch := func(member *string, epoch int32) kmsg.OffsetFetchResponseGroup {
		return h.s.FetchOffsets(kmsg.OffsetFetchRequestGroup{
			Group: "g", MemberID: member, MemberEpoch: epoch,
			Topics: []kmsg.OffsetFetchRequestGroupTopic{{Topic: "a", Partitions: []int32{0}}},
		}, false)
	}
	if r := fetch(nil, -1); r.ErrorCode != 0 || r.Topics[0].Partitions[0].Offset != 42 {
		t.Fatalf("admin fetch %+v", r)
	}
	if r := fetch(&a.id, a.epoch); r.ErrorCode != 0 || r.Topics[0].Partitions[0].Offset != 42 {
		t.Fatalf("member fetch %+v", r)
	}
	wantCode(t, "fetch stale", fetch(&a.id, a.epoch+1).ErrorCode, kerr.StaleMemberEpoch)
	wantCode(t, "fetch unknown", fetch(ptr("x"), 1).ErrorCode, kerr.UnknownMemberID)

	// Once empty, anyone may commit without an epoch.
	h.cgLeave(a, leaveEpoch)
	wantCode(t, "empty group commit", h.commit("g", "", -1, 9, map[string]int64{"a": 43}).Topics[0].Partitions[0].ErrorCode, nil)
	checkReplayEquivalent(t, h)
}

func TestConsumerGroupOffsetDeleteAndExpiry(t *testing.T) {
	cfg := testConfig()
	h, _ := consumerHarness(t, cfg)
	a := &cgMember{names: []string{"a"}}
	h.cgJoin(a)
	h.commit("g", a.id, a.epoch, 9, map[string]int64{"a": 1, "old": 2})

	req := kmsg.NewPtrOffsetDeleteRequest()
	req.Group = "g"
	req.Topics = []kmsg.OffsetDeleteRequestTopic{
		{Topic: "a", Partitions: []kmsg.OffsetDeleteRequestTopicPartition{{Partition: 0}}},
		{Topic: "old", Partitions: []kmsg.OffsetDeleteRequestTopicPartition{{Partition: 0}}},
	}
	ctx := h.ctx(0)
	h.apply(h.s.OffsetDelete(ctx, req))
	resp := reply[*kmsg.OffsetDeleteResponse](h, ctx.Responder)
	wantCode(t, "group", resp.ErrorCode, nil)
	wantCode(t, "subscribed topic", resp.Topics[0].Partitions[0].ErrorCode, kerr.GroupSubscribedToTopic)
	wantCode(t, "other topic", resp.Topics[1].Partitions[0].ErrorCode, nil)
	if h.fetched("g", "old", 0) != -1 || h.fetched("g", "a", 0) != 1 {
		t.Fatal("offset delete removed the wrong offsets")
	}

	// Expiry: a live group's subscribed offsets stay; once it is empty
	// they expire from their commit, and the empty group goes with them.
	h.commit("g", a.id, a.epoch, 9, map[string]int64{"old": 2})
	for range cfg.OffsetsRetentionMs / 40000 {
		h.advance(40000)
		h.cgBeat(a)
	}
	h.apply(h.s.CleanupExpiredOffsets(h.timer.Now()))
	if h.fetched("g", "old", 0) != -1 || h.fetched("g", "a", 0) != 1 {
		t.Fatal("expiry of a live consumer group's offsets")
	}
	h.cgLeave(a, leaveEpoch)
	h.apply(h.s.CleanupExpiredOffsets(h.timer.Now()))
	if h.s.Group("g") != nil {
		t.Fatalf("empty consumer group with expired offsets kept: %v", h.s.Group("g"))
	}
	checkReplayEquivalent(t, h)
}

func TestConsumerGroupListDescribeDelete(t *testing.T) {
	h, topics := consumerHarness(t, testConfig())
	a, b := &cgMember{instance: "i1"}, &cgMember{}
	req := a.request(0)
	h.cgJoin(a)
	_ = req
	h.cgJoin(b)
	h.stableGroupNamed("classic")

	lg := h.s.ListGroups(nil, []string{"Consumer"})
	if len(lg) != 1 || lg[0].Group != "g" || lg[0].GroupType != "consumer" || lg[0].ProtocolType != "consumer" || lg[0].GroupState != "Reconciling" {
		t.Fatalf("list consumer groups %+v", lg)
	}
	if lg := h.s.ListGroups([]string{"reconciling"}, nil); len(lg) != 1 {
		t.Fatalf("state filter %+v", lg)
	}
	if d := h.s.DescribeGroup("g"); d.State != "Dead" || d.ErrorCode != 0 {
		t.Fatalf("classic describe of a consumer group %+v", d)
	}

	ds := h.s.ConsumerGroupDescribe([]string{"g", "classic", "nope"})
	wantCode(t, "classic", ds[1].ErrorCode, kerr.GroupIDNotFound)
	wantCode(t, "unknown", ds[2].ErrorCode, kerr.GroupIDNotFound)
	d := ds[0]
	if d.ErrorCode != 0 || d.State != "Reconciling" || d.Epoch != 2 || d.AssignmentEpoch != 2 || d.AssignorName != "uniform" || len(d.Members) != 2 {
		t.Fatalf("describe %+v", d)
	}
	for _, m := range d.Members {
		if m.MemberType != 1 || m.ClientID != "client" || len(m.SubscribedTopics) != 1 {
			t.Fatalf("member %+v", m)
		}
		if m.MemberID == a.id {
			if deref(m.InstanceID) != "i1" || len(m.Assignment.TopicPartitions[0].Partitions) != 6 || len(m.TargetAssignment.TopicPartitions[0].Partitions) != 3 {
				t.Fatalf("a described as %+v", m)
			}
			if m.Assignment.TopicPartitions[0].Topic != "a" {
				t.Fatalf("topic name %q", m.Assignment.TopicPartitions[0].Topic)
			}
		}
	}
	// A topic the view lost is left out of described assignments.
	delete(topics, "a")
	if d := h.s.ConsumerGroupDescribe([]string{"g"})[0]; len(d.Members[0].Assignment.TopicPartitions) != 0 {
		t.Fatalf("deleted topic described %+v", d.Members[0].Assignment)
	}

	del := func() int16 {
		ctx := h.ctx(2)
		h.apply(h.s.DeleteGroups(ctx, []string{"g"}))
		return reply[*kmsg.DeleteGroupsResponse](h, ctx.Responder).Groups[0].ErrorCode
	}
	wantCode(t, "delete live", del(), kerr.NonEmptyGroup)
	h.commit("g", "", -1, 9, nil)
	h.cgLeave(a, leaveEpoch)
	h.cgLeave(b, leaveEpoch)
	h.commit("g", "", -1, 9, map[string]int64{"a": 5})
	wantCode(t, "delete empty", del(), nil)
	if h.s.Group("g") != nil || h.fetched("g", "a", 0) != -1 {
		t.Fatal("deleted group or its offsets remain")
	}
	checkReplayEquivalent(t, h)
	wantCode(t, "delete again", del(), kerr.GroupIDNotFound)
}

func TestConsumerGroupOnLoadedAndUnload(t *testing.T) {
	h, topics := consumerHarness(t, testConfig())
	a, b := &cgMember{}, &cgMember{}
	h.cgJoin(a)
	h.cgJoin(b)
	h.cgBeat(a) // a must revoke: a revocation timer
	loaded := reload(t, h.log)
	timer := NewManualTimer(h.timer.Now())
	loaded.timer = timer
	loaded.SetTopicsView(topics)
	loaded.OnLoaded(timer.Now())
	for _, key := range []string{sessionTimeoutKey("g", a.id), sessionTimeoutKey("g", b.id), rebalanceTimeoutKey("g", a.id)} {
		if _, ok := timer.Deadline(key); !ok {
			t.Fatalf("no timer %s after load (have %v)", key, timer.Keys())
		}
	}
	if replies := loaded.Unload(); len(replies) != 0 {
		t.Fatalf("unload replies %v", replies)
	}
	for _, key := range timer.Keys() {
		if key != cleanupKey {
			t.Fatalf("timer %s survives unload", key)
		}
	}
}

func TestClassicCallsOnConsumerGroup(t *testing.T) {
	h, _ := consumerHarness(t, testConfig())
	a := &cgMember{instance: "i1"}
	h.cgJoin(a)
	n := len(h.log)

	req := kmsg.NewPtrLeaveGroupRequest()
	req.Group = "g"
	req.Members = []kmsg.LeaveGroupRequestMember{{MemberID: a.id}, {InstanceID: ptr("i1")}, {MemberID: "x", InstanceID: ptr("i1")}}
	ctx := h.ctx(5)
	h.apply(h.s.LeaveGroup(ctx, req))
	resp := reply[*kmsg.LeaveGroupResponse](h, ctx.Responder)
	wantCode(t, "leave top", resp.ErrorCode, nil)
	wantCode(t, "consumer member", resp.Members[0].ErrorCode, kerr.UnknownMemberID)
	wantCode(t, "by instance", resp.Members[1].ErrorCode, kerr.UnknownMemberID)
	wantCode(t, "fenced instance", resp.Members[2].ErrorCode, kerr.FencedInstanceID)

	wantCode(t, "heartbeat", h.heartbeat(a.id, a.epoch), kerr.UnknownMemberID)
	sync := reply[*kmsg.SyncGroupResponse](h, h.sync(a.id, a.epoch, nil))
	wantCode(t, "sync", sync.ErrorCode, kerr.UnknownMemberID)
	if len(h.log) != n || h.s.consumer("g").members[a.id] == nil {
		t.Fatal("a classic call changed the consumer group")
	}
}
