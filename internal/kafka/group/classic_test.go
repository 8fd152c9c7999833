package group

import (
	"bytes"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/wharf-project/wharf/internal/kafka/group/records"
)

func TestJoinV4PlusRequiresMemberID(t *testing.T) {
	h := newHarness(t, testConfig())
	r := h.join(jreq{version: 4})
	resp := reply[*kmsg.JoinGroupResponse](h, r)
	wantCode(t, "join", resp.ErrorCode, kerr.MemberIDRequired)
	if !strings.HasPrefix(resp.MemberID, "client-") || len(resp.MemberID) != len("client-")+36 {
		t.Fatalf("member id %q, want client-<uuid>", resp.MemberID)
	}
	// The new group is persisted at once, empty.
	if len(h.log) != 1 {
		t.Fatalf("%d records, want the empty group's metadata", len(h.log))
	}
	// A pending id that never joins expires with its session.
	h.advance(10000)
	if g := h.s.classic("g"); len(g.pendingJoin) != 0 {
		t.Fatalf("pending member not expired")
	}
}

func TestJoinV3JoinsWithoutMemberIDRoundTrip(t *testing.T) {
	h := newHarness(t, testConfig())
	r := h.join(jreq{version: 3})
	h.advance(0)
	resp := reply[*kmsg.JoinGroupResponse](h, r)
	wantCode(t, "join", resp.ErrorCode, nil)
	if resp.Generation != 1 || resp.LeaderID != resp.MemberID || len(resp.Members) != 1 {
		t.Fatalf("join response %+v", resp)
	}
}

func TestInitialRebalanceDelayWaitsForMoreMembers(t *testing.T) {
	cfg := DefaultConfig() // 3000 ms delay
	h := newHarness(t, cfg)
	a, ra := h.joinNew(jreq{rebalance: 10000})
	h.advance(1000)
	b, rb := h.joinNew(jreq{rebalance: 10000})
	h.advance(2000) // t=3000: a member came during the delay: wait again
	if h.answered(ra) || h.answered(rb) {
		t.Fatal("join completed before the extended delay")
	}
	h.advance(2999)
	if h.answered(ra) {
		t.Fatal("join completed before t=6000")
	}
	h.advance(1)
	respA := reply[*kmsg.JoinGroupResponse](h, ra)
	respB := reply[*kmsg.JoinGroupResponse](h, rb)
	if respA.Generation != 1 || respB.Generation != 1 || respA.LeaderID != a {
		t.Fatalf("generation %d/%d leader %s", respA.Generation, respB.Generation, respA.LeaderID)
	}
	if len(respA.Members) != 2 || len(respB.Members) != 0 {
		t.Fatalf("leader got %d members, follower %d", len(respA.Members), len(respB.Members))
	}
	if *respA.Protocol != "range" || *respA.ProtocolType != "consumer" || respB.MemberID != b {
		t.Fatalf("response %+v", respB)
	}
}

func TestInitialRebalanceDelayIsBoundedByRebalanceTimeout(t *testing.T) {
	h := newHarness(t, DefaultConfig())
	_, ra := h.joinNew(jreq{rebalance: 5000})
	for range 10 {
		h.advance(1000)
		h.joinNew(jreq{rebalance: 5000})
		if h.answered(ra) {
			break
		}
	}
	// Delay 3000 then at most 2000 more: done by t=5000 whatever arrives.
	if !h.answered(ra) || h.timer.Now() > startMs+5000 {
		t.Fatalf("initial rebalance not bounded: answered %v at %d", h.answered(ra), h.timer.Now()-startMs)
	}
}

func TestSyncRelaysLeaderAssignment(t *testing.T) {
	h := newHarness(t, testConfig())
	ids, gen := h.stableGroup(3)
	g := h.s.classic("g")
	for i, id := range ids {
		if !bytes.Equal(g.member(id).assignment, []byte{byte(i)}) {
			t.Fatalf("member %d assignment %v", i, g.member(id).assignment)
		}
	}
	last := h.log[len(h.log)-1]
	if v, ok := last.Value.(records.GroupMetadataValue); !ok || len(v.Members) != 3 || v.Generation != gen {
		t.Fatalf("last record %+v, want the group's metadata", last)
	}
	// A stable member syncing again gets its assignment back.
	r := h.sync(ids[1], gen, nil)
	resp := reply[*kmsg.SyncGroupResponse](h, r)
	if !bytes.Equal(resp.MemberAssignment, []byte{1}) || *resp.Protocol != "range" {
		t.Fatalf("re-sync %+v", resp)
	}
}

func TestSyncLeaderOmittingMemberGivesEmptyAssignment(t *testing.T) {
	h := newHarness(t, testConfig())
	a, ra := h.joinNew(jreq{})
	b, rb := h.joinNew(jreq{})
	h.advance(0)
	gen := reply[*kmsg.JoinGroupResponse](h, ra).Generation
	wantCode(t, "b", reply[*kmsg.JoinGroupResponse](h, rb).ErrorCode, nil)
	sb := h.sync(b, gen, nil)
	if h.answered(sb) {
		t.Fatal("follower answered before the leader's assignment")
	}
	sa := h.sync(a, gen, map[string][]byte{a: {9}})
	if got := reply[*kmsg.SyncGroupResponse](h, sb).MemberAssignment; len(got) != 0 {
		t.Fatalf("omitted member got %v", got)
	}
	if got := reply[*kmsg.SyncGroupResponse](h, sa).MemberAssignment; !bytes.Equal(got, []byte{9}) {
		t.Fatalf("leader got %v", got)
	}
}

func TestSyncErrors(t *testing.T) {
	h := newHarness(t, testConfig())
	ids, gen := h.stableGroup(2)
	cases := []struct {
		name   string
		mutate func(*kmsg.SyncGroupRequest)
		want   *kerr.Error
	}{
		{"empty group id", func(r *kmsg.SyncGroupRequest) { r.Group = "" }, kerr.InvalidGroupID},
		{"unknown group", func(r *kmsg.SyncGroupRequest) { r.Group = "nope" }, kerr.UnknownMemberID},
		{"unknown member", func(r *kmsg.SyncGroupRequest) { r.MemberID = "x" }, kerr.UnknownMemberID},
		{"illegal generation", func(r *kmsg.SyncGroupRequest) { r.Generation = gen + 1 }, kerr.IllegalGeneration},
		{"protocol type", func(r *kmsg.SyncGroupRequest) { r.ProtocolType = ptr("connect") }, kerr.InconsistentGroupProtocol},
		{"protocol name", func(r *kmsg.SyncGroupRequest) { r.Protocol = ptr("roundrobin") }, kerr.InconsistentGroupProtocol},
		{"unknown instance", func(r *kmsg.SyncGroupRequest) { r.InstanceID = ptr("i") }, kerr.UnknownMemberID},
	}
	for _, c := range cases {
		req := kmsg.NewPtrSyncGroupRequest()
		req.Group, req.MemberID, req.Generation = "g", ids[0], gen
		c.mutate(req)
		ctx := h.ctx(5)
		h.apply(h.s.SyncGroup(ctx, req))
		wantCode(t, c.name, reply[*kmsg.SyncGroupResponse](h, ctx.Responder).ErrorCode, c.want)
	}
	// During a rebalance: REBALANCE_IN_PROGRESS.
	h.join(jreq{member: ids[0]})
	r := h.sync(ids[1], gen, nil)
	wantCode(t, "rebalancing", reply[*kmsg.SyncGroupResponse](h, r).ErrorCode, kerr.RebalanceInProgress)
}

func TestHeartbeatErrors(t *testing.T) {
	h := newHarness(t, testConfig())
	ids, gen := h.stableGroup(2)
	wantCode(t, "ok", h.heartbeat(ids[1], gen), nil)
	wantCode(t, "unknown member", h.heartbeat("x", gen), kerr.UnknownMemberID)
	wantCode(t, "generation", h.heartbeat(ids[1], gen-1), kerr.IllegalGeneration)
	req := kmsg.NewPtrHeartbeatRequest()
	ctx := h.ctx(4)
	h.apply(h.s.Heartbeat(ctx, req))
	wantCode(t, "empty group id", reply[*kmsg.HeartbeatResponse](h, ctx.Responder).ErrorCode, kerr.InvalidGroupID)
	h.join(jreq{member: ids[0]}) // the leader rejoins: a rebalance starts
	wantCode(t, "rebalancing", h.heartbeat(ids[1], gen), kerr.RebalanceInProgress)
}

func TestSessionTimeoutRemovesSilentMember(t *testing.T) {
	h := newHarness(t, testConfig())
	ids, gen := h.stableGroup(2)
	for range 3 {
		h.advance(3000)
		wantCode(t, "heartbeat", h.heartbeat(ids[0], gen), nil)
	}
	h.advance(1000)
	// ids[1] never heartbeat: its 10 s session has run out.
	g := h.s.classic("g")
	if g.hasMember(ids[1]) || !g.in(statePreparingRebalance) {
		t.Fatalf("member not removed: state %v", g.state)
	}
	wantCode(t, "heartbeat", h.heartbeat(ids[0], gen), kerr.RebalanceInProgress)
	r := h.join(jreq{member: ids[0]})
	resp := reply[*kmsg.JoinGroupResponse](h, r)
	if resp.Generation != gen+1 || len(resp.Members) != 1 {
		t.Fatalf("rejoin %+v", resp)
	}
}

func TestRebalanceTimeoutDropsMembersThatDoNotRejoin(t *testing.T) {
	h := newHarness(t, testConfig())
	ids, gen := h.stableGroup(3)
	r0 := h.join(jreq{member: ids[0]})
	r1 := h.join(jreq{member: ids[1]})
	for range 9 { // ids[2] keeps heartbeating but never rejoins
		h.advance(3000)
		h.heartbeat(ids[2], gen)
	}
	if h.answered(r0) {
		t.Fatal("join completed before the rebalance timeout")
	}
	h.advance(3000)
	resp := reply[*kmsg.JoinGroupResponse](h, r0)
	if resp.Generation != gen+1 || len(resp.Members) != 2 {
		t.Fatalf("join %+v", resp)
	}
	wantCode(t, "second", reply[*kmsg.JoinGroupResponse](h, r1).ErrorCode, nil)
	if h.s.classic("g").hasMember(ids[2]) {
		t.Fatal("member that did not rejoin is still in the group")
	}
}

func TestPendingSyncExpiryRebalances(t *testing.T) {
	h := newHarness(t, testConfig())
	a, ra := h.joinNew(jreq{rebalance: 5000})
	b, _ := h.joinNew(jreq{rebalance: 5000})
	h.advance(0)
	gen := reply[*kmsg.JoinGroupResponse](h, ra).Generation
	h.sync(a, gen, map[string][]byte{a: {1}, b: {2}})
	// b never syncs: after the rebalance timeout it is removed.
	h.advance(5000)
	g := h.s.classic("g")
	if g.hasMember(b) || !g.in(statePreparingRebalance) {
		t.Fatalf("state %v, b member %v", g.state, g.hasMember(b))
	}
}

func TestStaticMemberRestartKeepsAssignmentWithoutRebalance(t *testing.T) {
	h := newHarness(t, testConfig())
	ra := h.join(jreq{instance: "i-a"})
	rb := h.join(jreq{instance: "i-b"})
	h.advance(0)
	ja, jb := reply[*kmsg.JoinGroupResponse](h, ra), reply[*kmsg.JoinGroupResponse](h, rb)
	if !strings.HasPrefix(ja.MemberID, "i-a-") {
		t.Fatalf("static member id %q, want i-a-<uuid>", ja.MemberID)
	}
	gen := ja.Generation
	h.sync(jb.MemberID, gen, nil)
	h.sync(ja.MemberID, gen, map[string][]byte{ja.MemberID: {1}, jb.MemberID: {2}})

	// b restarts: same instance id, no member id.
	before := len(h.log)
	r := h.join(jreq{instance: "i-b"})
	resp := reply[*kmsg.JoinGroupResponse](h, r)
	wantCode(t, "rejoin", resp.ErrorCode, nil)
	if resp.MemberID == jb.MemberID || resp.Generation != gen {
		t.Fatalf("restart %+v", resp)
	}
	g := h.s.classic("g")
	if !g.in(stateStable) || !bytes.Equal(g.member(resp.MemberID).assignment, []byte{2}) {
		t.Fatalf("state %v assignment %v", g.state, g.member(resp.MemberID).assignment)
	}
	if len(h.log) != before+1 {
		t.Fatal("new member id not persisted")
	}
	// The old id is fenced.
	req := kmsg.NewPtrHeartbeatRequest()
	req.Group, req.MemberID, req.Generation, req.InstanceID = "g", jb.MemberID, gen, ptr("i-b")
	ctx := h.ctx(4)
	h.apply(h.s.Heartbeat(ctx, req))
	wantCode(t, "old id", reply[*kmsg.HeartbeatResponse](h, ctx.Responder).ErrorCode, kerr.FencedInstanceID)
}

func TestStaticMemberRestartDuringJoinFencesParkedRequest(t *testing.T) {
	h := newHarness(t, testConfig())
	ids, gen := h.stableStaticGroup("i-a", "i-b", "i-c")
	// a rejoins (a rebalance), b rejoins and is parked waiting for c ...
	h.join(jreq{member: ids[0], instance: "i-a"})
	parkedB := h.join(jreq{member: ids[1], instance: "i-b"})
	if h.answered(parkedB) {
		t.Fatal("join completed without c")
	}
	// ... then b restarts: the parked join of its old id is fenced.
	nb := h.join(jreq{instance: "i-b"})
	wantCode(t, "fenced", reply[*kmsg.JoinGroupResponse](h, parkedB).ErrorCode, kerr.FencedInstanceID)
	rc := h.join(jreq{member: ids[2], instance: "i-c"})
	j := reply[*kmsg.JoinGroupResponse](h, nb)
	if j.Generation != gen+1 || j.MemberID == ids[1] || !h.answered(rc) {
		t.Fatalf("new b %+v", j)
	}
}

// stableStaticGroup brings static members with the instance ids up to a
// Stable group "g".
func (h *harness) stableStaticGroup(instances ...string) ([]string, int32) {
	h.t.Helper()
	var rs []Responder
	for _, in := range instances {
		rs = append(rs, h.join(jreq{instance: in}))
	}
	h.advance(0)
	var ids []string
	for _, r := range rs {
		ids = append(ids, reply[*kmsg.JoinGroupResponse](h, r).MemberID)
	}
	gen := reply[*kmsg.JoinGroupResponse](h, rs[0]).Generation
	for _, id := range ids[1:] {
		h.sync(id, gen, nil)
	}
	h.sync(ids[0], gen, map[string][]byte{})
	return ids, gen
}

func TestStaticMemberNotRemovedByRebalanceTimeout(t *testing.T) {
	h := newHarness(t, testConfig())
	ra := h.join(jreq{instance: "i-a", session: 60000, rebalance: 5000})
	rb := h.join(jreq{instance: "i-b", session: 60000, rebalance: 5000})
	h.advance(0)
	ja, jb := reply[*kmsg.JoinGroupResponse](h, ra), reply[*kmsg.JoinGroupResponse](h, rb)
	h.sync(jb.MemberID, ja.Generation, nil)
	h.sync(ja.MemberID, ja.Generation, map[string][]byte{})
	r := h.join(jreq{member: ja.MemberID, instance: "i-a", session: 60000, rebalance: 5000})
	h.advance(5000)
	resp := reply[*kmsg.JoinGroupResponse](h, r)
	if len(resp.Members) != 2 {
		t.Fatalf("static member dropped by the rebalance timeout: %d members", len(resp.Members))
	}
}

func TestLeaveGroup(t *testing.T) {
	h := newHarness(t, testConfig())
	ids, _ := h.stableGroup(3)
	req := kmsg.NewPtrLeaveGroupRequest()
	req.Group = "g"
	req.Members = []kmsg.LeaveGroupRequestMember{{MemberID: ids[1]}, {MemberID: "nobody"}, {InstanceID: ptr("ghost")}}
	ctx := h.ctx(5)
	h.apply(h.s.LeaveGroup(ctx, req))
	resp := reply[*kmsg.LeaveGroupResponse](h, ctx.Responder)
	wantCode(t, "top", resp.ErrorCode, nil)
	wantCode(t, "member", resp.Members[0].ErrorCode, nil)
	wantCode(t, "unknown", resp.Members[1].ErrorCode, kerr.UnknownMemberID)
	wantCode(t, "unknown instance", resp.Members[2].ErrorCode, kerr.UnknownMemberID)
	g := h.s.classic("g")
	if g.hasMember(ids[1]) || !g.in(statePreparingRebalance) {
		t.Fatalf("leave: state %v", g.state)
	}
	// v0: one member, error at the top level.
	old := kmsg.NewPtrLeaveGroupRequest()
	old.Group, old.MemberID = "g", "nobody"
	ctx = h.ctx(0)
	h.apply(h.s.LeaveGroup(ctx, old))
	wantCode(t, "v0", reply[*kmsg.LeaveGroupResponse](h, ctx.Responder).ErrorCode, kerr.UnknownMemberID)
}

func TestLeaveStaticMemberByInstanceID(t *testing.T) {
	h := newHarness(t, testConfig())
	r := h.join(jreq{instance: "i-a"})
	h.advance(0)
	j := reply[*kmsg.JoinGroupResponse](h, r)
	h.sync(j.MemberID, j.Generation, map[string][]byte{})
	req := kmsg.NewPtrLeaveGroupRequest()
	req.Group = "g"
	req.Members = []kmsg.LeaveGroupRequestMember{{InstanceID: ptr("i-a")}}
	ctx := h.ctx(4)
	h.apply(h.s.LeaveGroup(ctx, req))
	wantCode(t, "leave", reply[*kmsg.LeaveGroupResponse](h, ctx.Responder).Members[0].ErrorCode, nil)
	g := h.s.classic("g")
	if !g.in(stateEmpty) || g.generation != j.Generation+1 {
		t.Fatalf("state %v generation %d", g.state, g.generation)
	}
}

func TestGroupMaxSize(t *testing.T) {
	cfg := testConfig()
	cfg.MaxSize = 2
	h := newHarness(t, cfg)
	h.stableGroup(2)
	r := h.join(jreq{member: ""})
	resp := reply[*kmsg.JoinGroupResponse](h, r)
	if resp.ErrorCode == code(kerr.MemberIDRequired) {
		r = h.join(jreq{member: resp.MemberID})
		resp = reply[*kmsg.JoinGroupResponse](h, r)
	}
	wantCode(t, "third member", resp.ErrorCode, kerr.GroupMaxSizeReached)
}

func TestJoinErrors(t *testing.T) {
	h := newHarness(t, testConfig())
	ids, _ := h.stableGroup(1)
	cases := []struct {
		name string
		j    jreq
		want *kerr.Error
	}{
		{"empty group id", jreq{group: "-"}, kerr.InvalidGroupID},
		{"session too short", jreq{session: 5999}, kerr.InvalidSessionTimeout},
		{"session too long", jreq{session: 1800001}, kerr.InvalidSessionTimeout},
		{"other protocol type", jreq{protocolType: "connect"}, kerr.InconsistentGroupProtocol},
		{"no common protocol", jreq{protocols: []kmsg.JoinGroupRequestProtocol{{Name: "x"}}}, kerr.InconsistentGroupProtocol},
		{"unknown member", jreq{member: "who"}, kerr.UnknownMemberID},
		{"unknown member, unknown group", jreq{group: "other", member: "who"}, kerr.UnknownMemberID},
		{"member fenced by instance", jreq{member: ids[0], instance: "i"}, kerr.UnknownMemberID},
		{"empty protocols on a new group", jreq{group: "new", protocols: []kmsg.JoinGroupRequestProtocol{}}, kerr.InconsistentGroupProtocol},
	}
	for _, c := range cases {
		if c.j.group == "-" {
			c.j.group = ""
			req := kmsg.NewPtrJoinGroupRequest()
			req.SessionTimeoutMillis = 10000
			ctx := h.ctx(7)
			h.apply(h.s.JoinGroup(ctx, req))
			wantCode(t, c.name, reply[*kmsg.JoinGroupResponse](h, ctx.Responder).ErrorCode, c.want)
			continue
		}
		r := h.join(c.j)
		wantCode(t, c.name, reply[*kmsg.JoinGroupResponse](h, r).ErrorCode, c.want)
	}
}

func TestMemberRejoinsWithSameMetadataInCompletingRebalance(t *testing.T) {
	h := newHarness(t, testConfig())
	a, ra := h.joinNew(jreq{})
	h.advance(0)
	first := reply[*kmsg.JoinGroupResponse](h, ra)
	// The response was lost: the same join again gets it again.
	r := h.join(jreq{member: a})
	again := reply[*kmsg.JoinGroupResponse](h, r)
	if again.Generation != first.Generation || len(again.Members) != 1 || !h.s.classic("g").in(stateCompletingRebalance) {
		t.Fatalf("again %+v", again)
	}
}

func TestFollowerRejoinWithSameMetadataKeepsGroupStable(t *testing.T) {
	h := newHarness(t, testConfig())
	ids, gen := h.stableGroup(2)
	r := h.join(jreq{member: ids[1]})
	resp := reply[*kmsg.JoinGroupResponse](h, r)
	if resp.Generation != gen || !h.s.classic("g").in(stateStable) {
		t.Fatalf("follower rejoin changed the group: %+v", resp)
	}
	// With new metadata it rebalances.
	h.join(jreq{member: ids[1], protocols: []kmsg.JoinGroupRequestProtocol{{Name: "range", Metadata: subscription("t", "u")}}})
	if !h.s.classic("g").in(statePreparingRebalance) {
		t.Fatal("metadata change did not rebalance")
	}
}

func TestProtocolSelectionByVote(t *testing.T) {
	h := newHarness(t, testConfig())
	p := func(names ...string) []kmsg.JoinGroupRequestProtocol {
		var ps []kmsg.JoinGroupRequestProtocol
		for _, n := range names {
			ps = append(ps, kmsg.JoinGroupRequestProtocol{Name: n, Metadata: subscription("t")})
		}
		return ps
	}
	_, ra := h.joinNew(jreq{protocols: p("roundrobin", "range")})
	h.joinNew(jreq{protocols: p("range", "roundrobin", "sticky")})
	h.joinNew(jreq{protocols: p("sticky", "roundrobin", "range")})
	h.advance(0)
	// sticky is not supported by all; roundrobin gets 2 votes of 3.
	if got := *reply[*kmsg.JoinGroupResponse](h, ra).Protocol; got != "roundrobin" {
		t.Fatalf("selected %q, want roundrobin", got)
	}
}

// TestCooperativeRebalance follows the cooperative-sticky two-phase flow:
// the coordinator relays; a member that must give partitions up rejoins
// after revoking them, which starts a second rebalance.
func TestCooperativeRebalance(t *testing.T) {
	h := newHarness(t, testConfig())
	coop := func(owned string) []kmsg.JoinGroupRequestProtocol {
		return []kmsg.JoinGroupRequestProtocol{{Name: "cooperative-sticky", Metadata: subscription("t", owned)}}
	}
	a, ra := h.joinNew(jreq{protocols: coop("p0,p1")})
	h.advance(0)
	gen := reply[*kmsg.JoinGroupResponse](h, ra).Generation
	h.sync(a, gen, map[string][]byte{a: []byte("p0,p1")})

	// b joins; a rejoins still owning both partitions (phase 1).
	b, rb := h.joinNew(jreq{protocols: coop("")})
	ra = h.join(jreq{member: a, protocols: coop("p0,p1")})
	j1 := reply[*kmsg.JoinGroupResponse](h, ra)
	wantCode(t, "b phase 1", reply[*kmsg.JoinGroupResponse](h, rb).ErrorCode, nil)
	gen1 := j1.Generation
	// The leader hands b nothing yet and keeps p0 for a (p1 revoked).
	sb := h.sync(b, gen1, nil)
	h.sync(a, gen1, map[string][]byte{a: []byte("p0"), b: {}})
	wantCode(t, "sync b", reply[*kmsg.SyncGroupResponse](h, sb).ErrorCode, nil)
	if !h.s.classic("g").in(stateStable) {
		t.Fatal("not stable after phase 1")
	}
	// a revoked p1 and rejoins (phase 2): a new generation gives p1 to b.
	ra = h.join(jreq{member: a, protocols: coop("p0")})
	rb = h.join(jreq{member: b, protocols: coop("")})
	j2 := reply[*kmsg.JoinGroupResponse](h, ra)
	if j2.Generation != gen1+1 {
		t.Fatalf("phase 2 generation %d, want %d", j2.Generation, gen1+1)
	}
	sb = h.sync(b, j2.Generation, nil)
	h.sync(a, j2.Generation, map[string][]byte{a: []byte("p0"), b: []byte("p1")})
	if got := reply[*kmsg.SyncGroupResponse](h, sb).MemberAssignment; string(got) != "p1" {
		t.Fatalf("b got %q", got)
	}
	// A member rejoining with a stale owned partition mid-flight keeps the
	// group consistent: it is just a metadata change, so a new rebalance.
	h.join(jreq{member: b, protocols: coop("p1,p0")})
	g := h.s.classic("g")
	if !g.in(statePreparingRebalance) || g.generation != j2.Generation {
		t.Fatalf("state %v generation %d", g.state, g.generation)
	}
}

func TestUnloadAnswersParkedRequests(t *testing.T) {
	h := newHarness(t, testConfig())
	ids, _ := h.stableGroup(2)
	r := h.join(jreq{member: ids[0]})
	replies := h.s.Unload()
	found := false
	for _, rp := range replies {
		if rp.To == r {
			found = true
			wantCode(t, "unload", rp.Resp.(*kmsg.JoinGroupResponse).ErrorCode, kerr.NotCoordinator)
		}
	}
	if !found {
		t.Fatal("parked join not answered on unload")
	}
	if len(h.timer.Keys()) != 0 {
		t.Fatalf("timers left after unload: %v", h.timer.Keys())
	}
}

func TestNewMemberParkedJoinTimesOut(t *testing.T) {
	h := newHarness(t, testConfig())
	a, ra := h.joinNew(jreq{rebalance: 600000, session: 60000})
	h.advance(0)
	gen := reply[*kmsg.JoinGroupResponse](h, ra).Generation
	h.sync(a, gen, map[string][]byte{a: {1}})
	// b joins: a rebalance starts; a heartbeats but takes its time to rejoin.
	_, rb := h.joinNew(jreq{})
	for range 10 {
		h.advance(30000)
		h.heartbeat(a, gen)
	}
	// After group.new.member.join.timeout (5 min) b's parked join ends.
	wantCode(t, "parked new member", reply[*kmsg.JoinGroupResponse](h, rb).ErrorCode, kerr.UnknownMemberID)
	if h.s.classic("g").numMembers() != 1 {
		t.Fatal("timed-out new member still in the group")
	}
}

func TestJoinV0UsesSessionTimeoutAsRebalanceTimeout(t *testing.T) {
	h := newHarness(t, testConfig())
	r := h.join(jreq{v0: true, session: 7000, rebalance: 99999})
	h.advance(0)
	resp := reply[*kmsg.JoinGroupResponse](h, r)
	if m := h.s.classic("g").member(resp.MemberID); m == nil || m.rebalanceTimeoutMs != 7000 {
		t.Fatalf("member %+v", m)
	}
}

func TestStaticLeaderRestartV9SkipsAssignment(t *testing.T) {
	h := newHarness(t, testConfig())
	ids, gen := h.stableStaticGroup("i-a", "i-b")
	r := h.join(jreq{instance: "i-a", version: 9})
	resp := reply[*kmsg.JoinGroupResponse](h, r)
	if !resp.SkipAssignment || resp.LeaderID != resp.MemberID || len(resp.Members) != 2 || resp.Generation != gen {
		t.Fatalf("v9 leader restart %+v", resp)
	}
	if resp.MemberID == ids[0] {
		t.Fatal("restarted static member kept its old id")
	}
	// Before v9 the restarted leader is told the old leader id.
	r = h.join(jreq{instance: "i-a", version: 8})
	resp = reply[*kmsg.JoinGroupResponse](h, r)
	if resp.SkipAssignment || len(resp.Members) != 0 {
		t.Fatalf("v8 leader restart %+v", resp)
	}
}

func TestLeaveGroupWithoutGroupID(t *testing.T) {
	h := newHarness(t, testConfig())
	for _, v := range []int16{0, 5} {
		req := kmsg.NewPtrLeaveGroupRequest()
		req.Members = []kmsg.LeaveGroupRequestMember{{MemberID: "m"}}
		ctx := h.ctx(v)
		h.apply(h.s.LeaveGroup(ctx, req))
		wantCode(t, "leave", reply[*kmsg.LeaveGroupResponse](h, ctx.Responder).ErrorCode, kerr.InvalidGroupID)
	}
}

func TestUnloadAnswersParkedSync(t *testing.T) {
	h := newHarness(t, testConfig())
	_, ra := h.joinNew(jreq{})
	b, _ := h.joinNew(jreq{})
	h.advance(0)
	sb := h.sync(b, reply[*kmsg.JoinGroupResponse](h, ra).Generation, nil)
	for _, rp := range h.s.Unload() {
		if rp.To == sb {
			wantCode(t, "unload", rp.Resp.(*kmsg.SyncGroupResponse).ErrorCode, kerr.NotCoordinator)
			return
		}
	}
	t.Fatal("parked sync not answered on unload")
}

// A JoinGroup displaced by its member's next one is never answered, as in
// Kafka; the Result says so (Forgotten), so that the runtime can release
// the request. The displacing one is answered when the rebalance ends.
func TestDisplacedJoinIsForgotten(t *testing.T) {
	h := newHarness(t, testConfig())
	ids, _ := h.stableGroup(2)
	first := h.join(jreq{member: ids[0]}) // a rebalance starts; ids[1] has not rejoined
	if h.answered(first) || h.forgotten[first] {
		t.Fatal("the first JoinGroup was not parked")
	}
	second := h.join(jreq{member: ids[0]})
	if !h.forgotten[first] || h.answered(first) {
		t.Fatalf("displaced JoinGroup: forgotten %v, answered %v", h.forgotten[first], h.answered(first))
	}
	h.join(jreq{member: ids[1]})
	wantCode(t, "the displacing JoinGroup", reply[*kmsg.JoinGroupResponse](h, second).ErrorCode, nil)
}
