package group

import (
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/wharf-project/wharf/internal/kafka/group/records"
)

func TestSimpleConsumerCommitCreatesGroup(t *testing.T) {
	h := newHarness(t, testConfig())
	resp := h.commit("simple", "", -1, 8, map[string]int64{"t": 42})
	wantCode(t, "commit", resp.Topics[0].Partitions[0].ErrorCode, nil)
	if got := h.fetched("simple", "t", 0); got != 42 {
		t.Fatalf("fetched %d", got)
	}
	g := h.s.Group("simple")
	if g == nil || g.StateName() != "Empty" {
		t.Fatalf("simple group %v", g)
	}
	rec := h.log[len(h.log)-1]
	v := rec.Value.(records.OffsetCommitValue)
	if v.Version != 3 || v.Offset != 42 || v.LeaderEpoch != 3 || v.Metadata != "m" || v.CommitTimestamp != startMs {
		t.Fatalf("record %+v", v)
	}
	// The empty group id is accepted for backwards compatibility.
	wantCode(t, "empty id", h.commit("", "", -1, 8, map[string]int64{"t": 1}).Topics[0].Partitions[0].ErrorCode, nil)
}

func TestOffsetCommitErrors(t *testing.T) {
	h := newHarness(t, testConfig())
	ids, gen := h.stableGroup(2)
	cases := []struct {
		name       string
		group      string
		member     string
		generation int32
		version    int16
		want       *kerr.Error
	}{
		{"unknown group v9", "nope", "m", 1, 9, kerr.GroupIDNotFound},
		{"unknown group v8", "nope", "m", 1, 8, kerr.IllegalGeneration},
		{"unknown member", "g", "x", gen, 8, kerr.UnknownMemberID},
		{"illegal generation", "g", ids[0], gen + 1, 8, kerr.IllegalGeneration},
		{"no member in a live group", "g", "", -1, 8, kerr.UnknownMemberID},
		{"member", "g", ids[1], gen, 8, nil},
	}
	for _, c := range cases {
		resp := h.commit(c.group, c.member, c.generation, c.version, map[string]int64{"t": 5})
		wantCode(t, c.name, resp.Topics[0].Partitions[0].ErrorCode, c.want)
	}
	// Mid-rebalance, after the JoinGroup response: REBALANCE_IN_PROGRESS.
	h.join(jreq{member: ids[0]})
	r := h.join(jreq{member: ids[1]})
	ngen := reply[*kmsg.JoinGroupResponse](h, r).Generation
	wantCode(t, "completing", h.commit("g", ids[1], ngen, 8, map[string]int64{"t": 6}).Topics[0].Partitions[0].ErrorCode,
		kerr.RebalanceInProgress)
}

func TestOffsetMetadataTooLarge(t *testing.T) {
	cfg := testConfig()
	cfg.OffsetMetadataMaxBytes = 4
	h := newHarness(t, cfg)
	req := kmsg.NewPtrOffsetCommitRequest()
	req.Group = "s"
	req.Topics = []kmsg.OffsetCommitRequestTopic{{Topic: "t", Partitions: []kmsg.OffsetCommitRequestTopicPartition{
		{Partition: 0, Offset: 1, Metadata: ptr("12345"), LeaderEpoch: -1, Timestamp: -1},
		{Partition: 1, Offset: 1, Metadata: ptr("1234"), LeaderEpoch: -1, Timestamp: -1},
	}}}
	ctx := h.ctx(8)
	h.apply(h.s.OffsetCommit(ctx, req))
	resp := reply[*kmsg.OffsetCommitResponse](h, ctx.Responder)
	wantCode(t, "too large", resp.Topics[0].Partitions[0].ErrorCode, kerr.OffsetMetadataTooLarge)
	wantCode(t, "fits", resp.Topics[0].Partitions[1].ErrorCode, nil)
	if h.fetched("s", "t", 0) != -1 || h.fetched("s", "t", 1) != 1 {
		t.Fatal("wrong partitions stored")
	}
}

func TestOffsetFetchAll(t *testing.T) {
	h := newHarness(t, testConfig())
	h.commit("s", "", -1, 8, map[string]int64{"b": 2, "a": 1})
	resp := h.s.FetchOffsets(kmsg.OffsetFetchRequestGroup{Group: "s"}, true)
	if len(resp.Topics) != 2 || resp.Topics[0].Topic != "a" || resp.Topics[1].Partitions[0].Offset != 2 {
		t.Fatalf("fetch all %+v", resp)
	}
	if p := resp.Topics[0].Partitions[0]; p.LeaderEpoch != 3 || *p.Metadata != "m" {
		t.Fatalf("partition %+v", p)
	}
	none := h.s.FetchOffsets(kmsg.OffsetFetchRequestGroup{Group: "none"}, false)
	if none.Topics == nil || len(none.Topics) != 0 || none.ErrorCode != 0 {
		t.Fatalf("unknown group %+v", none)
	}
	if h.fetched("none", "a", 0) != -1 {
		t.Fatal("unknown group has an offset")
	}
}

func TestOffsetDelete(t *testing.T) {
	h := newHarness(t, testConfig())
	ids, gen := h.stableGroup(1) // subscribed to "t"
	h.commit("g", ids[0], gen, 8, map[string]int64{"t": 1, "old": 2})
	del := func(group string, topics ...string) *kmsg.OffsetDeleteResponse {
		req := kmsg.NewPtrOffsetDeleteRequest()
		req.Group = group
		for _, tp := range topics {
			req.Topics = append(req.Topics, kmsg.OffsetDeleteRequestTopic{Topic: tp, Partitions: []kmsg.OffsetDeleteRequestTopicPartition{{Partition: 0}}})
		}
		ctx := h.ctx(0)
		h.apply(h.s.OffsetDelete(ctx, req))
		return reply[*kmsg.OffsetDeleteResponse](h, ctx.Responder)
	}
	resp := del("g", "t", "old")
	wantCode(t, "subscribed", resp.Topics[0].Partitions[0].ErrorCode, kerr.GroupSubscribedToTopic)
	wantCode(t, "unsubscribed", resp.Topics[1].Partitions[0].ErrorCode, nil)
	if h.fetched("g", "old", 0) != -1 || h.fetched("g", "t", 0) != 1 {
		t.Fatal("wrong offsets deleted")
	}
	if last := h.log[len(h.log)-1]; !last.IsTombstone() {
		t.Fatalf("no tombstone: %+v", last)
	}
	wantCode(t, "unknown group", del("nope", "t").ErrorCode, kerr.GroupIDNotFound)
	wantCode(t, "empty id", del("", "t").ErrorCode, kerr.InvalidGroupID)

	// A live group of another protocol type cannot tell what it consumes.
	r := h.join(jreq{group: "c", protocolType: "connect"})
	h.join(jreq{group: "c", protocolType: "connect", member: reply[*kmsg.JoinGroupResponse](h, r).MemberID})
	h.advance(0)
	wantCode(t, "non-consumer", del("c", "t").ErrorCode, kerr.NonEmptyGroup)
}

func TestOffsetsExpire(t *testing.T) {
	cfg := testConfig()
	h := newHarness(t, cfg)
	retention := cfg.OffsetsRetentionMs
	h.commit("s", "", -1, 8, map[string]int64{"t": 1})
	h.advance(retention - 1)
	h.apply(h.s.CleanupExpiredOffsets(h.timer.Now()))
	if h.fetched("s", "t", 0) != 1 {
		t.Fatal("expired early")
	}
	h.advance(1)
	h.apply(h.s.CleanupExpiredOffsets(h.timer.Now()))
	if h.fetched("s", "t", 0) != -1 || h.s.Group("s") != nil {
		t.Fatal("simple group's offset not expired or group kept")
	}
	last := h.log[len(h.log)-1]
	if _, ok := last.Key.(records.GroupMetadataKey); !ok || !last.IsTombstone() {
		t.Fatalf("last record %+v, want the group's tombstone", last)
	}
}

func TestOffsetsOfEmptyGroupExpireFromWhenItEmptied(t *testing.T) {
	cfg := testConfig()
	cfg.OffsetsRetentionMs = 60000
	h := newHarness(t, cfg)
	ids, gen := h.stableGroup(1)
	h.commit("g", ids[0], gen, 8, map[string]int64{"t": 1})
	for range 30 { // the member keeps its session alive past the retention
		h.advance(3000)
		wantCode(t, "heartbeat", h.heartbeat(ids[0], gen), nil)
	}
	h.apply(h.s.CleanupExpiredOffsets(h.timer.Now()))
	if h.fetched("g", "t", 0) != 1 {
		t.Fatal("offset of a live, subscribed group expired")
	}
	// The member leaves: retention counts from now.
	req := kmsg.NewPtrLeaveGroupRequest()
	req.Group, req.Members = "g", []kmsg.LeaveGroupRequestMember{{MemberID: ids[0]}}
	ctx := h.ctx(4)
	h.apply(h.s.LeaveGroup(ctx, req))
	emptied := h.timer.Now()
	h.advance(cfg.OffsetsRetentionMs - 1)
	h.apply(h.s.CleanupExpiredOffsets(h.timer.Now()))
	if h.fetched("g", "t", 0) != 1 {
		t.Fatal("expired before the retention since emptying")
	}
	h.advance(emptied + cfg.OffsetsRetentionMs - h.timer.Now())
	h.apply(h.s.CleanupExpiredOffsets(h.timer.Now()))
	if h.fetched("g", "t", 0) != -1 || h.s.Group("g") != nil {
		t.Fatal("not expired")
	}
}

func TestExplicitRetentionExpiresOffset(t *testing.T) {
	h := newHarness(t, testConfig())
	req := kmsg.NewPtrOffsetCommitRequest()
	req.Group = "s"
	req.RetentionTimeMillis = 5000
	req.Topics = []kmsg.OffsetCommitRequestTopic{{Topic: "t", Partitions: []kmsg.OffsetCommitRequestTopicPartition{{Partition: 0, Offset: 7, LeaderEpoch: -1, Timestamp: -1}}}}
	ctx := h.ctx(2)
	h.apply(h.s.OffsetCommit(ctx, req))
	if v := h.log[len(h.log)-1].Value.(records.OffsetCommitValue); v.Version != 1 || v.ExpireTimestamp != startMs+5000 {
		t.Fatalf("record %+v, want v1 with the expire timestamp", v)
	}
	h.advance(5000)
	h.apply(h.s.CleanupExpiredOffsets(h.timer.Now()))
	if h.fetched("s", "t", 0) != -1 {
		t.Fatal("explicit retention ignored")
	}
}

func TestPeriodicCleanupAfterLoad(t *testing.T) {
	cfg := testConfig()
	h := newHarness(t, cfg)
	h.commit("s", "", -1, 8, map[string]int64{"t": 1})
	h.apply(h.s.OnLoaded(h.timer.Now()))
	h.advance(cfg.OffsetsRetentionMs + cfg.OffsetsRetentionCheckIntervalMs)
	if h.fetched("s", "t", 0) != -1 {
		t.Fatal("periodic cleanup did not run")
	}
	if _, ok := h.timer.Deadline(cleanupKey); !ok {
		t.Fatal("cleanup not rescheduled")
	}
}

func TestDeleteGroups(t *testing.T) {
	h := newHarness(t, testConfig())
	h.stableGroup(1)
	h.commit("s", "", -1, 8, map[string]int64{"t": 1, "u": 2})
	ctx := h.ctx(2)
	h.apply(h.s.DeleteGroups(ctx, []string{"g", "s", "nope", "s"}))
	resp := reply[*kmsg.DeleteGroupsResponse](h, ctx.Responder)
	wantCode(t, "live", resp.Groups[0].ErrorCode, kerr.NonEmptyGroup)
	wantCode(t, "empty", resp.Groups[1].ErrorCode, nil)
	wantCode(t, "unknown", resp.Groups[2].ErrorCode, kerr.GroupIDNotFound)
	wantCode(t, "again", resp.Groups[3].ErrorCode, kerr.GroupIDNotFound)
	tombstones := 0
	for _, rec := range h.log {
		if rec.IsTombstone() {
			tombstones++
		}
	}
	if tombstones != 3 || h.s.Group("s") != nil || h.fetched("s", "t", 0) != -1 {
		t.Fatalf("%d tombstones, want 2 offsets and the group", tombstones)
	}
}

func TestDescribeAndListGroups(t *testing.T) {
	h := newHarness(t, testConfig())
	ids, _ := h.stableGroup(2)
	h.commit("s", "", -1, 8, map[string]int64{"t": 1})
	d := h.s.DescribeGroup("g")
	if d.State != "Stable" || d.Protocol != "range" || d.ProtocolType != "consumer" || len(d.Members) != 2 {
		t.Fatalf("describe %+v", d)
	}
	if m := d.Members[1]; m.MemberID != ids[1] || m.ClientHost != "/127.0.0.1" || len(m.ProtocolMetadata) == 0 || len(m.MemberAssignment) != 1 {
		t.Fatalf("member %+v", m)
	}
	if d := h.s.DescribeGroup("nope"); d.State != "Dead" || d.ErrorCode != 0 {
		t.Fatalf("unknown %+v", d)
	}
	h.join(jreq{member: ids[0]})
	if d := h.s.DescribeGroup("g"); d.Protocol != "" || len(d.Members[0].ProtocolMetadata) != 0 {
		t.Fatalf("rebalancing group shows metadata: %+v", d)
	}
	names := func(gs []kmsg.ListGroupsResponseGroup) string {
		var s []string
		for _, g := range gs {
			s = append(s, g.Group+":"+g.GroupState+":"+g.ProtocolType+":"+g.GroupType)
		}
		return strings.Join(s, ",")
	}
	if got := names(h.s.ListGroups(nil, nil)); got != "g:PreparingRebalance:consumer:classic,s:Empty::classic" {
		t.Fatalf("list %s", got)
	}
	if got := names(h.s.ListGroups([]string{" EMPTY "}, []string{"Classic"})); got != "s:Empty::classic" {
		t.Fatalf("filtered %s", got)
	}
	if got := names(h.s.ListGroups(nil, []string{"consumer"})); got != "" {
		t.Fatalf("consumer type %s", got)
	}
}

func TestDeletePartitionOffsets(t *testing.T) {
	h := newHarness(t, testConfig())
	h.commit("a", "", -1, 8, map[string]int64{"t": 1, "u": 2})
	h.commit("b", "", -1, 8, map[string]int64{"t": 3})
	r := h.s.DeletePartitionOffsets(h.timer.Now(), map[string][]int32{"t": {0, 1}})
	h.apply(r)
	if len(r.Records) != 2 || h.fetched("a", "t", 0) != -1 || h.fetched("b", "t", 0) != -1 || h.fetched("a", "u", 0) != 2 {
		t.Fatalf("%d tombstones", len(r.Records))
	}
}
