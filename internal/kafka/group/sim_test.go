package group

import (
	"testing"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// simMember is what a simulated client knows of itself.
type simMember struct {
	instance string // "" for a dynamic member
	id       string
	gen      int32
	joinR    Responder
}

// runSim drives a shard with the operations the bytes choose (two bytes an
// operation: what, and with which member or argument), checking the
// invariants after each and, at rest, that a shard loaded from the log
// equals the live one.
// simStats counts what a run reached, so that a test can tell a
// simulation that exercised the shard from one that went nowhere.
type simStats struct {
	stableMulti, replayChecks, generations int
}

func runSim(t testing.TB, ops []byte) simStats {
	var st simStats
	cfg := testConfig()
	cfg.InitialRebalanceDelayMs = 500
	cfg.MaxSize = 4
	cfg.OffsetsRetentionMs = 60000
	h := newHarness(t, cfg)
	members := []*simMember{{}, {}, {}, {instance: "i3"}, {instance: "i4"}}
	maxGen := map[string]int32{}
	for i := 0; i+1 < len(ops); i += 2 {
		arg := ops[i+1]
		m := members[int(arg)%len(members)]
		switch ops[i] % 16 {
		case 0, 1, 2, 3, 4, 5:
			simStep(h, m, arg)
		case 6:
			id := m.id
			if m.instance != "" && arg%3 == 0 {
				id = "" // a static member restarts
			}
			m.joinR = h.join(jreq{member: id, instance: m.instance, version: int16(3 + arg%7),
				session: 6000, rebalance: int32(arg%3)*4000 - 1, protocols: simProtocols(arg)})
		case 7:
			simSync(h, m, arg)
		case 8:
			h.heartbeat(m.id, m.gen)
		case 9:
			req := kmsg.NewPtrLeaveGroupRequest()
			req.Group = "g"
			lm := kmsg.LeaveGroupRequestMember{MemberID: m.id}
			if m.instance != "" && arg%2 == 0 {
				lm = kmsg.LeaveGroupRequestMember{InstanceID: ptr(m.instance)}
			}
			req.Members = []kmsg.LeaveGroupRequestMember{lm}
			ctx := h.ctx(5)
			h.apply(h.s.LeaveGroup(ctx, req))
		case 10:
			h.commit("g", m.id, m.gen, int16(arg%10), map[string]int64{"t": int64(arg)})
			h.commit("s", "", -1, 8, map[string]int64{"u": int64(arg)})
		case 11, 12:
			h.advance(int64(arg) * 50)
		case 13:
			h.apply(h.s.CleanupExpiredOffsets(h.timer.Now()))
		case 14:
			if arg%4 == 0 {
				ctx := h.ctx(2)
				h.apply(h.s.DeleteGroups(ctx, []string{"g", "s"}))
			}
		case 15:
			h.s.DescribeGroup("g")
			h.s.ListGroups([]string{"stable"}, nil)
			h.s.FetchOffsets(kmsg.OffsetFetchRequestGroup{Group: "g"}, false)
		}
		for _, sm := range members {
			learn(h, sm)
		}
		checkInvariants(t, h.s, maxGen)
		checkEveryRequestAccounted(t, h)
		if g := h.s.classic("g"); g != nil && g.in(stateStable) && g.numMembers() > 1 {
			st.stableMulti++
		}
		if i%16 == 0 && quiescent(h.s) {
			checkReplayEquivalent(t, h)
			st.replayChecks++
		}
	}
	st.generations = int(maxGen["g"])
	return st
}

// simStep does what a well-behaved client would do next: join, rejoin
// when a rebalance starts, sync once it has the generation, heartbeat.
func simStep(h *harness, m *simMember, arg byte) {
	if m.joinR != 0 {
		return // waiting for its JoinGroup response
	}
	g := h.s.classic("g")
	rejoin := func() {
		m.joinR = h.join(jreq{member: m.id, instance: m.instance, version: 7, session: 6000, rebalance: 8000,
			protocols: simProtocols(0)})
	}
	switch {
	case m.id == "" || g == nil || !g.hasMember(m.id):
		rejoin()
	case g.in(statePreparingRebalance):
		rejoin()
	case g.in(stateCompletingRebalance) && m.gen == g.generation:
		simSync(h, m, arg)
	case g.in(stateStable) && m.gen != g.generation:
		rejoin()
	default:
		if code := h.heartbeat(m.id, m.gen); code != 0 && arg%2 == 0 {
			rejoin()
		}
	}
}

func simSync(h *harness, m *simMember, arg byte) {
	req := kmsg.NewPtrSyncGroupRequest()
	req.Group, req.MemberID, req.Generation = "g", m.id, m.gen
	if m.instance != "" {
		req.InstanceID = ptr(m.instance)
	}
	if g := h.s.classic("g"); g != nil && g.isLeader(m.id) {
		for j, other := range g.order {
			if int(arg)%7 != j { // sometimes leave a member out
				req.GroupAssignment = append(req.GroupAssignment,
					kmsg.SyncGroupRequestGroupAssignment{MemberID: other, MemberAssignment: []byte{byte(j)}})
			}
		}
	}
	ctx := h.ctx(int16(arg % 6))
	h.apply(h.s.SyncGroup(ctx, req))
}

func simProtocols(arg byte) []kmsg.JoinGroupRequestProtocol {
	switch arg % 4 {
	case 0:
		return []kmsg.JoinGroupRequestProtocol{{Name: "range", Metadata: subscription("t")}}
	case 1:
		return []kmsg.JoinGroupRequestProtocol{{Name: "cooperative-sticky", Metadata: subscription("t", "u")}, {Name: "range", Metadata: subscription("t")}}
	case 2:
		return []kmsg.JoinGroupRequestProtocol{{Name: "roundrobin", Metadata: subscription("t")}}
	default:
		return []kmsg.JoinGroupRequestProtocol{{Name: "range", Metadata: subscription("u")}}
	}
}

// learn updates a member from the answer to its JoinGroup, once there is one.
func learn(h *harness, m *simMember) {
	if m.joinR == 0 || !h.answered(m.joinR) {
		return
	}
	resp := h.replies[m.joinR].(*kmsg.JoinGroupResponse)
	m.joinR = 0
	switch resp.ErrorCode {
	case 0:
		m.id, m.gen = resp.MemberID, resp.Generation
	case kerr.MemberIDRequired.Code:
		m.id = resp.MemberID
	case kerr.UnknownMemberID.Code, kerr.FencedInstanceID.Code:
		m.id = ""
	}
}

// checkEveryRequestAccounted: each request the shard was given is
// answered, forgotten (Result.Forgotten, so the runtime can release it) or
// still parked in a member, and only one of these.
func checkEveryRequestAccounted(t testing.TB, h *harness) {
	t.Helper()
	waiting := map[Responder]bool{}
	for _, id := range h.s.GroupIDs() {
		if g := h.s.classic(id); g != nil {
			for _, m := range g.members() {
				for _, p := range []*parked{m.awaitingJoin, m.awaitingSync} {
					if p != nil {
						waiting[p.to] = true
					}
				}
			}
		}
	}
	for r := Responder(1); r <= h.next; r++ {
		_, answered := h.replies[r]
		n := 0
		for _, b := range []bool{answered, h.forgotten[r], waiting[r]} {
			if b {
				n++
			}
		}
		if n != 1 {
			t.Fatalf("request %d: answered %v, forgotten %v, parked %v", r, answered, h.forgotten[r], waiting[r])
		}
	}
}

func checkInvariants(t testing.TB, s *Shard, maxGen map[string]int32) {
	t.Helper()
	for id := range maxGen {
		if s.groups[id] == nil {
			delete(maxGen, id) // deleted: a new group may start again at 0
		}
	}
	for id, gr := range s.groups {
		g, ok := gr.(*classicGroup)
		if !ok {
			checkConsumerInvariants(t, gr.(*consumerGroup))
			continue
		}
		if g.generation < maxGen[id] {
			t.Fatalf("group %s: generation went from %d to %d", id, maxGen[id], g.generation)
		}
		maxGen[id] = g.generation
		if len(g.order) != len(g.byID) {
			t.Fatalf("group %s: %d ordered members, %d by id", id, len(g.order), len(g.byID))
		}
		awaiting := 0
		supported := map[string]int{}
		for _, m := range g.members() {
			if m.awaitingJoin != nil {
				awaiting++
			}
			for _, p := range m.protocols {
				supported[p.name]++
			}
			if m.instanceID != nil && g.static[*m.instanceID] != m.id {
				t.Fatalf("group %s: static map does not name %s", id, m.id)
			}
			if g.in(stateStable) && m.assignment == nil {
				t.Fatalf("group %s: Stable with member %s unassigned", id, m.id)
			}
		}
		if awaiting != g.numAwaitingJoin {
			t.Fatalf("group %s: %d awaiting join, counted %d", id, awaiting, g.numAwaitingJoin)
		}
		for name, n := range g.supported {
			if supported[name] != n {
				t.Fatalf("group %s: protocol %s counted %d, is %d", id, name, n, supported[name])
			}
		}
		if len(g.static) > len(g.order) {
			t.Fatalf("group %s: stale static members %v", id, g.static)
		}
		switch {
		case g.in(stateEmpty) && g.numMembers() > 0:
			t.Fatalf("group %s: Empty with %d members", id, g.numMembers())
		case g.numMembers() > 0 && !g.hasMember(g.leader):
			t.Fatalf("group %s: leader %q is not a member", id, g.leader)
		case (g.in(stateStable) || g.in(stateCompletingRebalance)) && g.protocolName == nil:
			t.Fatalf("group %s: %v without a protocol", id, g.state)
		}
	}
}

func TestSimulation(t *testing.T) {
	n := 200
	if testing.Short() {
		n = 20
	}
	var total simStats
	for seed := range n {
		st := runSim(t, seededOps(uint64(seed), 5, 600))
		total.stableMulti += st.stableMulti
		total.replayChecks += st.replayChecks
		total.generations += st.generations
	}
	t.Logf("over %d runs: %d steps with a Stable group of 2+, %d replay checks, %d generations at the end",
		n, total.stableMulti, total.replayChecks, total.generations)
	if total.stableMulti < n || total.replayChecks < n || total.generations < n {
		t.Fatalf("the simulation reached too little: %+v", total)
	}
}

func FuzzShard(f *testing.F) {
	f.Add([]byte{0, 0, 0, 1, 6, 5, 2, 0, 2, 1, 3, 0, 5, 0, 4, 1, 6, 200, 7, 0})
	f.Add([]byte{0, 3, 0, 4, 6, 10, 2, 3, 2, 4, 0, 3, 6, 90, 8, 0, 9, 0})
	f.Fuzz(func(t *testing.T, ops []byte) {
		if len(ops) > 2000 {
			ops = ops[:2000]
		}
		_ = runSim(t, ops)
	})
}
