package group

import (
	"testing"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/wharf-project/wharf/internal/kafka/group/records"
)

func TestConsumerFirstMemberGetsEverything(t *testing.T) {
	h, _ := consumerHarness(t, testConfig())
	m := &cgMember{names: []string{"a", "b"}}
	resp := h.cgJoin(m)
	wantOK(t, "join", resp)
	if len(m.id) != 22 || resp.MemberEpoch != 1 || resp.HeartbeatIntervalMillis != 5000 {
		t.Fatalf("join: id %q epoch %d interval %d", m.id, resp.MemberEpoch, resp.HeartbeatIntervalMillis)
	}
	if count(m.owned) != 9 || h.s.Group("g").StateName() != "Stable" {
		t.Fatalf("owns %v, group %s", m.owned, h.s.Group("g").StateName())
	}
	// Kafka's records for a first join, in its order.
	var kinds []records.Type
	for _, rec := range h.log {
		kinds = append(kinds, rec.Key.Type())
	}
	want := []records.Type{
		records.TypeConsumerGroupMemberMetadata, records.TypeConsumerGroupPartitionMetadata,
		records.TypeConsumerGroupMetadata, records.TypeConsumerGroupTargetAssignmentMember,
		records.TypeConsumerGroupTargetAssignmentMetadata, records.TypeConsumerGroupCurrentMemberAssignment,
	}
	if len(kinds) != len(want) {
		t.Fatalf("records %v, want %v", kinds, want)
	}
	for i := range want {
		if kinds[i] != want[i] {
			t.Fatalf("records %v, want %v", kinds, want)
		}
	}
	// A heartbeat with nothing new writes nothing and carries no
	// assignment.
	n := len(h.log)
	resp = h.cgBeat(m)
	wantOK(t, "heartbeat", resp)
	if len(h.log) != n || resp.Assignment != nil || resp.MemberEpoch != 1 {
		t.Fatalf("idle heartbeat: %d records, assignment %v, epoch %d", len(h.log)-n, resp.Assignment, resp.MemberEpoch)
	}
	if _, ok := h.timer.Deadline(sessionTimeoutKey("g", m.id)); !ok {
		t.Fatal("no session timer")
	}
	checkReplayEquivalent(t, h)
}

// A member joining a stable group gets the partitions nobody holds at
// once, and the others as soon as their owners' next heartbeats have
// revoked them: two phases, no partition ever held twice.
func TestConsumerJoinerTwoPhaseRevocation(t *testing.T) {
	h, _ := consumerHarness(t, testConfig())
	a, b := &cgMember{}, &cgMember{}
	wantOK(t, "a joins", h.cgJoin(a))
	wantOK(t, "b joins", h.cgJoin(b))
	// b's partitions are still a's: b waits at the new epoch.
	if b.epoch != 2 || count(b.owned) != 0 {
		t.Fatalf("b: epoch %d owns %v", b.epoch, b.owned)
	}
	if st := h.s.Group("g").StateName(); st != "Reconciling" {
		t.Fatalf("group %s", st)
	}
	// a's heartbeat asks it to revoke half, staying at epoch 1.
	resp := h.cgBeat(a)
	if resp.MemberEpoch != 1 || count(a.owned) != 3 {
		t.Fatalf("a: epoch %d owns %v", resp.MemberEpoch, a.owned)
	}
	if _, ok := h.timer.Deadline(rebalanceTimeoutKey("g", a.id)); !ok {
		t.Fatal("no revocation timer")
	}
	// b cannot have them before a says it let them go.
	h.cgBeat(b)
	if count(b.owned) != 0 {
		t.Fatalf("b got partitions a still owns: %v", b.owned)
	}
	// a acknowledges: epoch 2, the revocation timer stops.
	h.cgBeat(a)
	if a.epoch != 2 || count(a.owned) != 3 {
		t.Fatalf("a: epoch %d owns %v", a.epoch, a.owned)
	}
	if _, ok := h.timer.Deadline(rebalanceTimeoutKey("g", a.id)); ok {
		t.Fatal("revocation timer still armed")
	}
	h.cgBeat(b)
	if count(b.owned) != 3 || h.s.Group("g").StateName() != "Stable" {
		t.Fatalf("b owns %v, group %s", b.owned, h.s.Group("g").StateName())
	}
	for p := range int32(6) {
		if contains(a.owned[topicA], p) == contains(b.owned[topicA], p) {
			t.Fatalf("partition %d: a %v b %v", p, a.owned, b.owned)
		}
	}
	checkReplayEquivalent(t, h)
}

// The target: in a stable group that lost a member, a joiner gets
// the orphaned partitions in its join response, and the rest right after
// their owners' next heartbeats, with no time passing on the clock.
func TestConsumerJoinerGetsFreePartitionsAtOnce(t *testing.T) {
	h, _ := consumerHarness(t, testConfig())
	a, b, c := &cgMember{}, &cgMember{}, &cgMember{}
	for _, m := range []*cgMember{a, b, c} {
		wantOK(t, "join", h.cgJoin(m))
	}
	for range 3 {
		for _, m := range []*cgMember{a, b, c} {
			h.cgBeat(m)
		}
	}
	if count(a.owned) != 2 || count(b.owned) != 2 || count(c.owned) != 2 {
		t.Fatalf("not balanced: %v %v %v", a.owned, b.owned, c.owned)
	}
	wantOK(t, "c leaves", h.cgLeave(c, leaveEpoch))
	start := h.timer.Now()
	d := &cgMember{}
	h.cgJoin(d)
	if count(d.owned) == 0 {
		t.Fatalf("joiner got none of the freed partitions: %v", d.owned)
	}
	first := count(d.owned)
	h.cgBeat(a)
	h.cgBeat(b)
	h.cgBeat(d)
	if count(d.owned) <= first && count(d.owned) != 2 {
		t.Fatalf("joiner owns %v after the owners' heartbeats", d.owned)
	}
	for range 2 {
		for _, m := range []*cgMember{a, b, d} {
			h.cgBeat(m)
		}
	}
	if h.s.Group("g").StateName() != "Stable" || count(a.owned)+count(b.owned)+count(d.owned) != 6 || h.timer.Now() != start {
		t.Fatalf("group %s, owned %v %v %v", h.s.Group("g").StateName(), a.owned, b.owned, d.owned)
	}
	checkReplayEquivalent(t, h)
}

func TestConsumerLeaveHandsPartitionsOver(t *testing.T) {
	h, _ := consumerHarness(t, testConfig())
	a, b := &cgMember{}, &cgMember{}
	h.cgJoin(a)
	h.cgJoin(b)
	h.cgBeat(a)
	h.cgBeat(a)
	h.cgBeat(b)
	resp := h.cgLeave(b, leaveEpoch)
	wantOK(t, "leave", resp)
	if *resp.MemberID != b.id || resp.MemberEpoch != -1 {
		t.Fatalf("leave reply %+v", resp)
	}
	if st := h.s.Group("g").StateName(); st != "Assigning" {
		t.Fatalf("group %s after a leave", st)
	}
	h.cgBeat(a)
	if count(a.owned) != 6 || h.s.Group("g").StateName() != "Stable" {
		t.Fatalf("a owns %v, group %s", a.owned, h.s.Group("g").StateName())
	}
	if _, ok := h.timer.Deadline(sessionTimeoutKey("g", b.id)); ok {
		t.Fatal("left member's session timer still armed")
	}
	wantOK(t, "last leaves", h.cgLeave(a, leaveEpoch))
	if st := h.s.Group("g").StateName(); st != "Empty" {
		t.Fatalf("group %s", st)
	}
	checkReplayEquivalent(t, h)
}

func TestConsumerSessionTimeoutFencesSilentMember(t *testing.T) {
	h, _ := consumerHarness(t, testConfig())
	a, b := &cgMember{}, &cgMember{}
	h.cgJoin(a)
	h.cgJoin(b)
	for range 10 { // a heartbeats every 5 s; b says nothing
		h.advance(5000)
		h.cgBeat(a)
	}
	if g := h.s.consumer("g"); g.members[b.id] != nil || count(a.owned) != 6 {
		t.Fatalf("b still a member after its session; a owns %v", a.owned)
	}
	resp := h.cgBeat(b)
	wantCode(t, "fenced member heartbeat", resp.ErrorCode, kerr.UnknownMemberID)
	checkReplayEquivalent(t, h)
}

func TestConsumerRevocationTimeoutFencesMember(t *testing.T) {
	h, _ := consumerHarness(t, testConfig())
	a, b := &cgMember{rebalanceMs: 20000}, &cgMember{}
	h.cgJoin(a)
	h.cgJoin(b)
	h.cgBeat(a) // asked to revoke 3, but keeps all:
	a.owned = partitionSet{topicA: {0, 1, 2, 3, 4, 5}}
	for range 5 {
		h.advance(5000)
		h.cgBeat(a)
		a.owned = partitionSet{topicA: {0, 1, 2, 3, 4, 5}}
		h.cgBeat(b)
	}
	if h.s.consumer("g").members[a.id] != nil {
		t.Fatal("a kept partitions past its rebalance timeout and stayed")
	}
	if count(b.owned) != 6 {
		t.Fatalf("b owns %v", b.owned)
	}
	checkReplayEquivalent(t, h)
}

func TestConsumerStaticMemberRejoinsWithItsPartitions(t *testing.T) {
	h, _ := consumerHarness(t, testConfig())
	a, s := &cgMember{}, &cgMember{instance: "i1"}
	h.cgJoin(a)
	h.cgJoin(s)
	for range 2 {
		h.cgBeat(a)
		h.cgBeat(s)
	}
	owned, epoch := s.owned, h.s.consumer("g").epoch
	// Another process claiming the instance while it is held.
	other := &cgMember{instance: "i1"}
	wantCode(t, "unreleased", h.cgJoin(other).ErrorCode, kerr.UnreleasedInstanceID)
	// A heartbeat under another member id is fenced.
	fake := &cgMember{instance: "i1", id: "x", epoch: s.epoch}
	wantCode(t, "fenced instance", h.cgBeat(fake).ErrorCode, kerr.FencedInstanceID)

	resp := h.cgLeave(s, staticLeaveEpoch)
	wantOK(t, "static leave", resp)
	if resp.MemberEpoch != -2 || h.s.consumer("g").epoch != epoch {
		t.Fatalf("static leave: epoch %d, group epoch %d", resp.MemberEpoch, h.s.consumer("g").epoch)
	}
	// a cannot take the absent member's partitions.
	h.cgBeat(a)
	if count(a.owned) != 3 {
		t.Fatalf("a owns %v", a.owned)
	}
	back := &cgMember{instance: "i1"}
	wantOK(t, "rejoin", h.cgJoin(back))
	if back.id == s.id || !equalSets(back.owned, owned) || h.s.consumer("g").epoch != epoch {
		t.Fatalf("rejoined as %s owning %v (had %v), group epoch %d", back.id, back.owned, owned, h.s.consumer("g").epoch)
	}
	if h.s.consumer("g").members[s.id] != nil {
		t.Fatal("old member id still in the group")
	}
	checkReplayEquivalent(t, h)

	// A static member that leaves with -1 is gone for good.
	wantOK(t, "leave", h.cgLeave(back, leaveEpoch))
	if h.s.consumer("g").static["i1"] != "" {
		t.Fatal("instance still held")
	}
	checkReplayEquivalent(t, h)
}

func TestConsumerStaticMemberSessionTimeout(t *testing.T) {
	h, _ := consumerHarness(t, testConfig())
	s := &cgMember{instance: "i1"}
	h.cgJoin(s)
	h.cgLeave(s, staticLeaveEpoch)
	h.advance(45000)
	if h.s.Group("g").StateName() != "Empty" {
		t.Fatal("a departed static member outlived its session")
	}
}

func TestConsumerRegexSubscription(t *testing.T) {
	h, topics := consumerHarness(t, testConfig())
	topics["ab"] = TopicInfo{ID: topicAB, Partitions: 2}
	m := &cgMember{id: "client-chosen-id", version: 1, regex: ptr("a.*")}
	wantOK(t, "join", h.cgJoin(m))
	if m.id != "client-chosen-id" || count(m.owned) != 8 || len(m.owned[topicB]) != 0 {
		t.Fatalf("regex member %s owns %v", m.id, m.owned)
	}
	// A matching topic appears: the next heartbeat picks it up.
	topics["ac"] = TopicInfo{ID: topicAC, Partitions: 1}
	topics["xa"] = TopicInfo{ID: [16]byte{0xff}, Partitions: 1} // "a.*" matches whole names only
	h.s.OnMetadataChange(h.timer.Now())
	h.cgBeat(m)
	if m.epoch != 2 || count(m.owned) != 9 {
		t.Fatalf("after a new topic: epoch %d owns %v", m.epoch, m.owned)
	}
	// Offsets of matched topics stay while the group subscribes.
	if !h.s.consumer("g").isSubscribedToTopic("ac") || h.s.consumer("g").isSubscribedToTopic("xa") {
		t.Fatal("regex subscription not reflected")
	}
	checkReplayEquivalent(t, h)
}

func TestConsumerMetadataChangeBumpsEpoch(t *testing.T) {
	h, topics := consumerHarness(t, testConfig())
	a, b := &cgMember{}, &cgMember{}
	h.cgJoin(a)
	h.cgJoin(b)
	for range 2 {
		h.cgBeat(a)
		h.cgBeat(b)
	}
	epoch := h.s.consumer("g").epoch
	// A change of other topics bumps nothing.
	topics["b"] = TopicInfo{ID: topicB, Partitions: 5}
	h.s.OnMetadataChange(h.timer.Now())
	h.cgBeat(a)
	if h.s.consumer("g").epoch != epoch {
		t.Fatal("epoch bumped for an unsubscribed topic")
	}
	topics["a"] = TopicInfo{ID: topicA, Partitions: 8}
	h.s.OnMetadataChange(h.timer.Now())
	h.cgBeat(a)
	h.cgBeat(b)
	if h.s.consumer("g").epoch != epoch+1 || count(a.owned)+count(b.owned) != 8 {
		t.Fatalf("epoch %d, owned %v %v", h.s.consumer("g").epoch, a.owned, b.owned)
	}
	// The topic is deleted: nothing left to assign.
	delete(topics, "a")
	h.s.OnMetadataChange(h.timer.Now())
	h.cgBeat(a)
	h.cgBeat(b)
	if count(a.owned)+count(b.owned) != 0 {
		t.Fatalf("owned after deletion %v %v", a.owned, b.owned)
	}
	checkReplayEquivalent(t, h)
}

func TestConsumerRangeAssignorAndSubscriptionChange(t *testing.T) {
	h, _ := consumerHarness(t, testConfig())
	a, b := &cgMember{assignor: ptr("range")}, &cgMember{assignor: ptr("range")}
	h.cgJoin(a)
	h.cgJoin(b)
	for range 2 {
		h.cgBeat(a)
		h.cgBeat(b)
	}
	if got := a.owned[topicA]; len(got) != 3 || got[0] != 0 || got[2] != 2 {
		t.Fatalf("range gave a %v", a.owned)
	}
	d := h.s.ConsumerGroupDescribe([]string{"g"})[0]
	if d.AssignorName != "range" {
		t.Fatalf("assignor %s", d.AssignorName)
	}
	// b changes its subscription to b only.
	req := b.request(b.epoch)
	req.SubscribedTopicNames = []string{"b"}
	req.Topics = b.ownedTopics()
	b.learn(h.cgSend(0, req))
	for range 3 {
		h.cgBeat(a)
		h.cgBeat(b)
	}
	if count(a.owned) != 6 || count(b.owned) != 3 || len(b.owned[topicB]) != 3 {
		t.Fatalf("after the change: a %v b %v", a.owned, b.owned)
	}
	checkReplayEquivalent(t, h)
}

func TestConsumerHeartbeatErrors(t *testing.T) {
	cfg := testConfig()
	cfg.ConsumerMaxSize = 2
	h, _ := consumerHarness(t, cfg)
	a := &cgMember{}
	h.cgJoin(a)
	h.cgBeat(a)
	h.stableGroupNamed("classic")

	full := func(mut func(r *kmsg.ConsumerGroupHeartbeatRequest)) *kmsg.ConsumerGroupHeartbeatRequest {
		r := kmsg.NewPtrConsumerGroupHeartbeatRequest()
		r.Group = "g"
		r.RebalanceTimeoutMillis = 30000
		r.SubscribedTopicNames = []string{"a"}
		r.Topics = []kmsg.ConsumerGroupHeartbeatRequestTopic{}
		mut(r)
		return r
	}
	for _, tc := range []struct {
		name    string
		version int16
		req     *kmsg.ConsumerGroupHeartbeatRequest
		want    *kerr.Error
	}{
		{"empty group id", 0, full(func(r *kmsg.ConsumerGroupHeartbeatRequest) { r.Group = " " }), kerr.InvalidRequest},
		{"blank instance id", 0, full(func(r *kmsg.ConsumerGroupHeartbeatRequest) { r.InstanceID = ptr("") }), kerr.InvalidRequest},
		{"blank rack id", 0, full(func(r *kmsg.ConsumerGroupHeartbeatRequest) { r.RackID = ptr(" ") }), kerr.InvalidRequest},
		{"no rebalance timeout", 0, full(func(r *kmsg.ConsumerGroupHeartbeatRequest) { r.RebalanceTimeoutMillis = -1 }), kerr.InvalidRequest},
		{"owned on join", 0, full(func(r *kmsg.ConsumerGroupHeartbeatRequest) {
			r.Topics = []kmsg.ConsumerGroupHeartbeatRequestTopic{{TopicID: topicA, Partitions: []int32{0}}}
		}), kerr.InvalidRequest},
		{"null owned on join", 0, full(func(r *kmsg.ConsumerGroupHeartbeatRequest) { r.Topics = nil }), kerr.InvalidRequest},
		{"no topics v0", 0, full(func(r *kmsg.ConsumerGroupHeartbeatRequest) { r.SubscribedTopicNames = []string{} }), kerr.InvalidRequest},
		{"no topics nor regex v1", 1, full(func(r *kmsg.ConsumerGroupHeartbeatRequest) { r.MemberID = "m"; r.SubscribedTopicNames = nil }), kerr.InvalidRequest},
		{"no member id v1", 1, full(func(r *kmsg.ConsumerGroupHeartbeatRequest) {}), kerr.InvalidRequest},
		{"no member id heartbeat", 0, full(func(r *kmsg.ConsumerGroupHeartbeatRequest) { r.MemberEpoch = 3 }), kerr.InvalidRequest},
		{"static leave without instance", 0, full(func(r *kmsg.ConsumerGroupHeartbeatRequest) { r.MemberID = "m"; r.MemberEpoch = -2 }), kerr.InvalidRequest},
		{"epoch -3", 0, full(func(r *kmsg.ConsumerGroupHeartbeatRequest) { r.MemberID = "m"; r.MemberEpoch = -3 }), kerr.InvalidRequest},
		{"bad regex", 1, full(func(r *kmsg.ConsumerGroupHeartbeatRequest) { r.MemberID = "m"; r.SubscribedTopicRegex = ptr("a(") }), kerr.InvalidRegularExpression},
		{"unknown assignor", 0, full(func(r *kmsg.ConsumerGroupHeartbeatRequest) { r.ServerAssignor = ptr("sticky") }), kerr.UnsupportedAssignor},
		{"unknown group", 0, full(func(r *kmsg.ConsumerGroupHeartbeatRequest) { r.Group = "nope"; r.MemberID = "m"; r.MemberEpoch = 1 }), kerr.GroupIDNotFound},
		{"leave unknown group", 0, full(func(r *kmsg.ConsumerGroupHeartbeatRequest) { r.Group = "nope"; r.MemberID = "m"; r.MemberEpoch = -1 }), kerr.GroupIDNotFound},
		{"classic group id", 0, full(func(r *kmsg.ConsumerGroupHeartbeatRequest) { r.Group = "classic" }), kerr.GroupIDNotFound},
		{"unknown member", 0, full(func(r *kmsg.ConsumerGroupHeartbeatRequest) { r.MemberID = "m"; r.MemberEpoch = 1 }), kerr.UnknownMemberID},
		{"leave unknown member", 0, full(func(r *kmsg.ConsumerGroupHeartbeatRequest) { r.MemberID = "m"; r.MemberEpoch = -1 }), kerr.UnknownMemberID},
		{"unknown instance", 0, full(func(r *kmsg.ConsumerGroupHeartbeatRequest) {
			r.MemberID, r.MemberEpoch, r.InstanceID = "m", 1, ptr("i9")
		}), kerr.UnknownMemberID},
		{"epoch ahead", 0, full(func(r *kmsg.ConsumerGroupHeartbeatRequest) { r.MemberID = a.id; r.MemberEpoch = 5 }), kerr.FencedMemberEpoch},
	} {
		resp := h.cgSend(tc.version, tc.req)
		wantCode(t, tc.name, resp.ErrorCode, tc.want)
		if resp.ErrorMessage == nil || *resp.ErrorMessage == "" {
			t.Fatalf("%s: no error message", tc.name)
		}
	}
	b := &cgMember{}
	wantOK(t, "second member", h.cgJoin(b))
	wantCode(t, "third member", h.cgJoin(&cgMember{}).ErrorCode, kerr.GroupMaxSizeReached)
	// A member with a stale epoch and partitions it no longer has.
	h.cgBeat(a)
	h.cgBeat(a)
	stale := *a
	stale.epoch = h.s.consumer("g").members[a.id].prevEpoch
	stale.owned = partitionSet{topicA: {0, 1, 2, 3, 4, 5}}
	wantCode(t, "stale epoch", h.cgBeat(&stale).ErrorCode, kerr.FencedMemberEpoch)
	// The previous epoch with a subset of its partitions is accepted (the
	// reply bumping it was lost).
	prev := *a
	prev.epoch = h.s.consumer("g").members[a.id].prevEpoch
	wantOK(t, "previous epoch", h.cgBeat(&prev))
	// Epoch 0 is a rejoin: a member still in the group past its first
	// epochs is fenced (Kafka accepts it only as its previous epoch).
	rejoin := full(func(r *kmsg.ConsumerGroupHeartbeatRequest) { r.MemberID = a.id })
	wantCode(t, "rejoin at 0 while a member", h.cgSend(0, rejoin).ErrorCode, kerr.FencedMemberEpoch)
}

func (h *harness) stableGroupNamed(group string) {
	h.t.Helper()
	h.stableStaticGroupNamed(group, "c1")
}

func TestJoinGroupOnConsumerGroup(t *testing.T) {
	h, _ := consumerHarness(t, testConfig())
	a := &cgMember{}
	h.cgJoin(a)
	r := h.join(jreq{})
	wantCode(t, "classic join", reply[*kmsg.JoinGroupResponse](h, r).ErrorCode, kerr.InconsistentGroupProtocol)
	h.cgLeave(a, leaveEpoch)
	// An empty consumer group gives its id to a classic group.
	id, r := h.joinNew(jreq{})
	h.advance(0)
	wantCode(t, "classic join on empty", reply[*kmsg.JoinGroupResponse](h, r).ErrorCode, nil)
	if h.s.classic("g") == nil || !h.s.classic("g").hasMember(id) {
		t.Fatal("no classic group took the id")
	}
	// And an empty classic group gives it back.
	req := kmsg.NewPtrLeaveGroupRequest()
	req.Group = "g"
	req.Members = []kmsg.LeaveGroupRequestMember{{MemberID: id}}
	h.apply(h.s.LeaveGroup(h.ctx(3), req))
	wantOK(t, "consumer join on empty classic", h.cgJoin(&cgMember{}))
	checkReplayEquivalent(t, h)
}

// A member joining a stable group of ten over 100 partitions owns its share
// once each owner has had its next heartbeat (which asks it to revoke) and
// acknowledged the revocation (clients send that heartbeat at once), and
// the joiner has heartbeated once more: the wait is bounded by the
// heartbeat interval, not by the group's size.
func TestConsumerJoinerOfLargeGroupNeedsOneRound(t *testing.T) {
	h, topics := consumerHarness(t, testConfig())
	topics["a"] = TopicInfo{ID: topicA, Partitions: 100}
	ms := make([]*cgMember, 10)
	for i := range ms {
		ms[i] = &cgMember{}
		h.cgJoin(ms[i])
	}
	for range 3 {
		for _, m := range ms {
			h.cgBeat(m)
		}
	}
	if h.s.Group("g").StateName() != "Stable" {
		t.Fatalf("group %s", h.s.Group("g").StateName())
	}
	joiner := &cgMember{}
	h.cgJoin(joiner)
	for _, m := range ms { // each owner's next heartbeat asks it to revoke
		before, had := m.epoch, count(m.owned)
		h.cgBeat(m)
		if count(m.owned) < had && m.epoch != before {
			t.Fatalf("owner moved to epoch %d before revoking", m.epoch)
		}
		h.cgBeat(m) // and it acknowledges at once
	}
	h.cgBeat(joiner)
	if n := count(joiner.owned); n != 9 && n != 10 {
		t.Fatalf("joiner owns %d partitions after one round", n)
	}
	if st := h.s.Group("g").StateName(); st != "Stable" {
		t.Fatalf("group %s", st)
	}
}
