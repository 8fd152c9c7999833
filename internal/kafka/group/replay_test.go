package group

import (
	"errors"
	"fmt"
	"reflect"
	"testing"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/wharf-project/wharf/internal/kafka/group/records"
)

// shardView is the state a shard persists: what a shard loaded from its
// log must equal. Time-of-state is compared for Empty groups only (offset
// expiry runs from it); a Stable group's record carries the time the
// rebalance completed its join phase, as Kafka's does.
type shardView struct {
	Groups    map[string]groupView
	Consumers map[string]consumerView
	Offsets   map[string]offsetAndMetadata
}

type groupView struct {
	State, ProtocolType, Protocol, Leader string
	Generation                            int32
	EmptySince                            int64
	Members                               []string
}

func viewOf(s *Shard) shardView {
	v := shardView{Groups: map[string]groupView{}, Consumers: map[string]consumerView{}, Offsets: map[string]offsetAndMetadata{}}
	for id, gr := range s.groups {
		if cg, ok := gr.(*consumerGroup); ok {
			v.Consumers[id] = consumerViewOf(cg)
			continue
		}
		g := gr.(*classicGroup)
		if g.in(stateEmpty) && g.protocolType == nil && g.generation == 0 && len(s.offsets[id]) == 0 {
			// A group a failed commit created holds nothing and writes
			// nothing (the next cleanup tombstones it, as in Kafka).
			continue
		}
		gv := groupView{
			State: g.state.String(), ProtocolType: g.protocolTypeOr(), Protocol: g.protocolNameOr(),
			Leader: g.leader, Generation: g.generation,
		}
		if g.in(stateEmpty) {
			gv.EmptySince = g.stateTimestamp
		}
		for _, m := range g.members() {
			gv.Members = append(gv.Members, fmt.Sprintf("%s/%s/%s/%s/%d/%d/%x/%x", m.id, deref(m.instanceID), m.clientID,
				m.clientHost, m.rebalanceTimeoutMs, m.sessionTimeoutMs, m.metadata(g.protocolNameOr()), m.assignment))
		}
		v.Groups[id] = gv
	}
	for group := range s.offsets {
		s.offsets.each(group, func(topic string, p int32, om offsetAndMetadata) {
			v.Offsets[fmt.Sprintf("%s/%s/%d", group, topic, p)] = om
		})
	}
	return v
}

// quiescent: every group is Empty or Stable, the states a log describes.
func quiescent(s *Shard) bool {
	for _, gr := range s.groups {
		if g, ok := gr.(*classicGroup); ok && !g.in(stateEmpty) && !g.in(stateStable) {
			return false
		}
	}
	return true
}

// reload builds a shard from the log's bytes, as the runtime loads one.
func reload(t testing.TB, log []Record) *Shard {
	t.Helper()
	s := NewShard(testConfig(), NewManualTimer(0), nil)
	for i, rec := range log {
		k, v, err := records.Encode(rec)
		if err != nil {
			t.Fatalf("record %d %+v: encode: %v", i, rec, err)
		}
		back, err := records.Decode(k, v)
		if err != nil {
			t.Fatalf("record %d: decode: %v", i, err)
		}
		if err := s.Replay(back); err != nil {
			t.Fatalf("record %d: replay: %v", i, err)
		}
	}
	return s
}

func checkReplayEquivalent(t testing.TB, h *harness) {
	t.Helper()
	live, loaded := viewOf(h.s), viewOf(reload(t, h.log))
	if !reflect.DeepEqual(live, loaded) {
		t.Fatalf("loaded shard differs from the live one:\nlive   %+v\nloaded %+v", live, loaded)
	}
}

func TestReplayRebuildsTheShard(t *testing.T) {
	h := newHarness(t, testConfig())
	ids, gen := h.stableGroup(3)
	h.commit("g", ids[0], gen, 8, map[string]int64{"t": 10})
	h.commit("s", "", -1, 8, map[string]int64{"t": 1, "u": 2})
	checkReplayEquivalent(t, h)

	// Static members, a restart, a leave to Empty, a deletion, an expiry.
	h.stableStaticGroupNamed("st", "i-a", "i-b")
	r := h.join(jreq{group: "st", instance: "i-b"})
	wantCode(t, "restart", reply[*kmsg.JoinGroupResponse](h, r).ErrorCode, nil)
	checkReplayEquivalent(t, h)

	req := kmsg.NewPtrLeaveGroupRequest()
	req.Group = "st"
	req.Members = []kmsg.LeaveGroupRequestMember{{InstanceID: ptr("i-a")}, {InstanceID: ptr("i-b")}}
	ctx := h.ctx(5)
	h.apply(h.s.LeaveGroup(ctx, req))
	if h.s.Group("st").StateName() != "Empty" {
		t.Fatalf("st is %s", h.s.Group("st").StateName())
	}
	checkReplayEquivalent(t, h)

	ctx = h.ctx(2)
	h.apply(h.s.DeleteGroups(ctx, []string{"st"}))
	h.commit("s", "", -1, 2, map[string]int64{"t": 3})
	checkReplayEquivalent(t, h)
	h.advance(testConfig().OffsetsRetentionMs)
	h.apply(h.s.CleanupExpiredOffsets(h.timer.Now()))
	if h.s.Group("s") != nil {
		t.Fatal("s not expired")
	}
	// g's silent members were removed long ago; g is Empty and keeps its
	// offset, whose retention runs from when g emptied.
	if !quiescent(h.s) || h.fetched("g", "t", 0) != 10 {
		t.Fatal("g not at rest with its offset")
	}
	checkReplayEquivalent(t, h)
}

func (h *harness) stableStaticGroupNamed(group string, instances ...string) ([]string, int32) {
	h.t.Helper()
	var rs []Responder
	for _, in := range instances {
		rs = append(rs, h.join(jreq{group: group, instance: in}))
	}
	h.advance(0)
	var ids []string
	for _, r := range rs {
		ids = append(ids, reply[*kmsg.JoinGroupResponse](h, r).MemberID)
	}
	gen := reply[*kmsg.JoinGroupResponse](h, rs[0]).Generation
	sync := func(id string, a map[string][]byte) {
		req := kmsg.NewPtrSyncGroupRequest()
		req.Group, req.MemberID, req.Generation = group, id, gen
		for m, b := range a {
			req.GroupAssignment = append(req.GroupAssignment, kmsg.SyncGroupRequestGroupAssignment{MemberID: m, MemberAssignment: b})
		}
		ctx := h.ctx(5)
		h.apply(h.s.SyncGroup(ctx, req))
	}
	for _, id := range ids[1:] {
		sync(id, nil)
	}
	all := map[string][]byte{}
	for i, id := range ids {
		all[id] = []byte{byte(i + 1)}
	}
	sync(ids[0], all)
	return ids, gen
}

func TestReplayRejectsUnsupportedRecords(t *testing.T) {
	h := newHarness(t, testConfig())
	h.stableGroup(1)
	for _, rec := range []Record{
		// A consumer group record for the id of a live classic group.
		records.NewGroupEpoch("g", 3),
		records.NewCurrentAssignment("g", "m", records.ConsumerGroupCurrentMemberAssignmentValue{}),
		// A value of another kind than its key.
		{Key: records.ConsumerGroupMetadataKey{GroupID: "x"}, Value: records.ConsumerGroupTargetAssignmentMetadataValue{}},
		{Key: records.OffsetCommitKey{Group: "x", Topic: "t"}, Value: records.ConsumerGroupMetadataValue{}},
	} {
		if err := h.s.Replay(rec); !errors.Is(err, ErrUnsupportedRecord) {
			t.Fatalf("%+v: err %v", rec, err)
		}
	}
	if h.s.classic("g") == nil || h.s.Group("x") != nil {
		t.Fatal("a refused record changed the shard")
	}
	// Tombstones of what the shard does not hold are no-ops.
	for _, rec := range memberTombstones("g", "m") {
		if err := h.s.Replay(rec); err != nil {
			t.Fatal(err)
		}
	}
}

func TestOnLoadedSchedulesSessions(t *testing.T) {
	h := newHarness(t, testConfig())
	ids, _ := h.stableGroup(2)
	loaded := reload(t, h.log)
	timer := NewManualTimer(h.timer.Now())
	loaded.timer = timer
	loaded.OnLoaded(timer.Now())
	for _, id := range ids {
		if _, ok := timer.Deadline(heartbeatKey("g", id)); !ok {
			t.Fatalf("no session timer for %s", id)
		}
	}
	// Nobody heartbeats the loaded group: both sessions end, it empties.
	timer.Advance(10000)
	if g := loaded.classic("g"); !g.in(stateEmpty) {
		t.Fatalf("loaded group is %v", g.state)
	}
}
