package group

import (
	"encoding/binary"
	"math/rand/v2"
	"testing"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// harness drives one shard with a manual timer, keeps the records it wrote
// (the partition's log), the replies by responder and the responders the
// shard forgot, and fails the test if a responder is answered twice, or
// both answered and forgotten.
type harness struct {
	t         testing.TB
	s         *Shard
	timer     *ManualTimer
	log       []Record
	replies   map[Responder]kmsg.Response
	forgotten map[Responder]bool
	next      Responder
	uuids     uint64
}

const startMs = 1_000_000

func newHarness(t testing.TB, cfg Config) *harness {
	h := &harness{t: t, timer: NewManualTimer(startMs), replies: map[Responder]kmsg.Response{}, forgotten: map[Responder]bool{}}
	h.s = NewShard(cfg, h.timer, nil)
	h.s.SetUUIDSource(func() (u [16]byte) {
		h.uuids++
		binary.BigEndian.PutUint64(u[8:], h.uuids)
		return u
	})
	return h
}

// testConfig is Kafka's defaults with the initial delay off, so that most
// scenarios need not wait it out.
func testConfig() Config {
	c := DefaultConfig()
	c.InitialRebalanceDelayMs = 0
	return c
}

func (h *harness) apply(r Result) {
	h.t.Helper()
	h.log = append(h.log, r.Records...)
	for _, rp := range r.Replies {
		if _, dup := h.replies[rp.To]; dup {
			h.t.Fatalf("responder %d answered twice (%T)", rp.To, rp.Resp)
		}
		if h.forgotten[rp.To] {
			h.t.Fatalf("responder %d answered (%T) after the shard forgot it", rp.To, rp.Resp)
		}
		h.replies[rp.To] = rp.Resp
	}
	for _, f := range r.Forgotten {
		if _, answered := h.replies[f]; answered || h.forgotten[f] {
			h.t.Fatalf("responder %d forgotten after it was answered or forgotten", f)
		}
		h.forgotten[f] = true
	}
}

func (h *harness) ctx(version int16) OpContext {
	h.next++
	return OpContext{NowMs: h.timer.Now(), Responder: h.next, Version: version, ClientID: "client", ClientHost: "/127.0.0.1"}
}

func (h *harness) advance(ms int64) {
	h.t.Helper()
	for _, r := range h.timer.Advance(ms) {
		h.apply(r)
	}
}

func (h *harness) answered(r Responder) bool {
	_, ok := h.replies[r]
	return ok
}

func reply[T kmsg.Response](h *harness, r Responder) T {
	h.t.Helper()
	resp, ok := h.replies[r]
	if !ok {
		h.t.Fatalf("responder %d not answered", r)
	}
	typed, ok := resp.(T)
	if !ok {
		h.t.Fatalf("responder %d: got %T", r, resp)
	}
	return typed
}

func wantCode(t testing.TB, what string, got int16, want *kerr.Error) {
	t.Helper()
	if got != code(want) {
		t.Fatalf("%s: error %v, want %v", what, kerr.ErrorForCode(got), want)
	}
}

// subscription is a ConsumerProtocol subscription of the topics.
func subscription(topics ...string) []byte {
	m := kmsg.NewConsumerMemberMetadata()
	m.Version = 0
	m.Topics = topics
	return m.AppendTo(nil)
}

// jreq describes a JoinGroup; zero fields take defaults.
type jreq struct {
	group        string
	member       string
	instance     string
	version      int16 // 0: v7
	v0           bool  // send v0
	session      int32
	rebalance    int32
	protocolType string
	protocols    []kmsg.JoinGroupRequestProtocol
}

func (h *harness) join(j jreq) Responder {
	h.t.Helper()
	req := kmsg.NewPtrJoinGroupRequest()
	req.Group = or(j.group, "g")
	req.MemberID = j.member
	if j.instance != "" {
		req.InstanceID = ptr(j.instance)
	}
	req.SessionTimeoutMillis = orInt(j.session, 10000)
	req.RebalanceTimeoutMillis = orInt(j.rebalance, 30000)
	req.ProtocolType = or(j.protocolType, "consumer")
	req.Protocols = j.protocols
	if req.Protocols == nil {
		req.Protocols = []kmsg.JoinGroupRequestProtocol{{Name: "range", Metadata: subscription("t")}}
	}
	v := j.version
	switch {
	case j.v0:
		v = 0
	case v == 0:
		v = 7
	}
	ctx := h.ctx(v)
	h.apply(h.s.JoinGroup(ctx, req))
	return ctx.Responder
}

// joinNew has a dynamic member join with the KIP-394 round trip and
// returns its id and the responder of its (parked) second JoinGroup.
func (h *harness) joinNew(j jreq) (string, Responder) {
	h.t.Helper()
	r := h.join(j)
	resp := reply[*kmsg.JoinGroupResponse](h, r)
	wantCode(h.t, "first join", resp.ErrorCode, kerr.MemberIDRequired)
	j.member = resp.MemberID
	return resp.MemberID, h.join(j)
}

func (h *harness) sync(member string, generation int32, assignments map[string][]byte) Responder {
	h.t.Helper()
	req := kmsg.NewPtrSyncGroupRequest()
	req.Group = "g"
	req.MemberID = member
	req.Generation = generation
	for id, a := range assignments {
		req.GroupAssignment = append(req.GroupAssignment, kmsg.SyncGroupRequestGroupAssignment{MemberID: id, MemberAssignment: a})
	}
	ctx := h.ctx(5)
	h.apply(h.s.SyncGroup(ctx, req))
	return ctx.Responder
}

func (h *harness) heartbeat(member string, generation int32) int16 {
	h.t.Helper()
	req := kmsg.NewPtrHeartbeatRequest()
	req.Group = "g"
	req.MemberID = member
	req.Generation = generation
	ctx := h.ctx(4)
	h.apply(h.s.Heartbeat(ctx, req))
	return reply[*kmsg.HeartbeatResponse](h, ctx.Responder).ErrorCode
}

func (h *harness) commit(group, member string, generation int32, version int16, offsets map[string]int64) *kmsg.OffsetCommitResponse {
	h.t.Helper()
	req := kmsg.NewPtrOffsetCommitRequest()
	req.Group = group
	req.MemberID = member
	req.Generation = generation
	for topic, off := range offsets {
		req.Topics = append(req.Topics, kmsg.OffsetCommitRequestTopic{
			Topic:      topic,
			Partitions: []kmsg.OffsetCommitRequestTopicPartition{{Partition: 0, Offset: off, LeaderEpoch: 3, Timestamp: -1, Metadata: ptr("m")}},
		})
	}
	ctx := h.ctx(version)
	h.apply(h.s.OffsetCommit(ctx, req))
	return reply[*kmsg.OffsetCommitResponse](h, ctx.Responder)
}

func (h *harness) fetched(group, topic string, partition int32) int64 {
	h.t.Helper()
	resp := h.s.FetchOffsets(kmsg.OffsetFetchRequestGroup{
		Group:  group,
		Topics: []kmsg.OffsetFetchRequestGroupTopic{{Topic: topic, Partitions: []int32{partition}}},
	}, false)
	return resp.Topics[0].Partitions[0].Offset
}

// stableGroup brings dynamic members up to a Stable group "g" and returns
// their ids (the first is the leader) and the generation.
func (h *harness) stableGroup(n int) ([]string, int32) {
	h.t.Helper()
	var ids []string
	var rs []Responder
	for range n {
		id, r := h.joinNew(jreq{})
		ids = append(ids, id)
		rs = append(rs, r)
	}
	h.advance(0)
	if n > 1 && !h.answered(rs[0]) {
		// Later members joined a group already rebalancing: the first
		// generation completes once all rejoin or time out.
		h.advance(30000)
	}
	leaderResp := reply[*kmsg.JoinGroupResponse](h, rs[len(rs)-1])
	gen := leaderResp.Generation
	assign := map[string][]byte{}
	for i, id := range ids {
		assign[id] = []byte{byte(i)}
	}
	var syncs []Responder
	for _, id := range ids {
		g := h.s.classic("g")
		if g.isLeader(id) {
			continue
		}
		syncs = append(syncs, h.sync(id, gen, nil))
	}
	syncs = append(syncs, h.sync(h.s.classic("g").leader, gen, assign))
	for _, r := range syncs {
		wantCode(h.t, "sync", reply[*kmsg.SyncGroupResponse](h, r).ErrorCode, nil)
	}
	if st := h.s.Group("g").StateName(); st != "Stable" {
		h.t.Fatalf("group is %s, want Stable", st)
	}
	return ids, gen
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func orInt(v, def int32) int32 {
	if v == 0 {
		return def
	}
	return v
}

// seededOps is n random operation bytes for a simulation, the same for the
// same seed and stream.
func seededOps(seed, stream uint64, n int) []byte {
	r := rand.New(rand.NewPCG(seed, stream))
	ops := make([]byte, n)
	for i := range ops {
		ops[i] = byte(r.IntN(256))
	}
	return ops
}
