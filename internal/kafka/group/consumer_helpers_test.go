package group

import (
	"fmt"
	"maps"
	"reflect"
	"slices"
	"testing"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/wharf-project/wharf/internal/kafka/group/records"
)

// Topic ids of the consumer group tests.
var (
	topicA  = [16]byte{0xa}
	topicB  = [16]byte{0xb}
	topicAB = [16]byte{0xa, 0xb}
	topicAC = [16]byte{0xa, 0xc}
)

// consumerHarness is a harness whose shard knows topics a (6 partitions)
// and b (3).
func consumerHarness(t testing.TB, cfg Config) (*harness, TopicsMap) {
	h := newHarness(t, cfg)
	topics := TopicsMap{"a": {ID: topicA, Partitions: 6}, "b": {ID: topicB, Partitions: 3}}
	h.s.SetTopicsView(topics)
	return h, topics
}

// cgMember is a simulated KIP-848 client: it owns what its last
// assignment gave it (it revokes at once and says so in its next
// heartbeat).
type cgMember struct {
	group, id, instance string
	epoch               int32
	owned               partitionSet
	names               []string
	regex               *string
	assignor            *string
	version             int16
	rebalanceMs         int32
}

func (m *cgMember) ownedTopics() []kmsg.ConsumerGroupHeartbeatRequestTopic {
	out := []kmsg.ConsumerGroupHeartbeatRequestTopic{}
	for _, tp := range records.TopicPartitionsOf(m.owned) {
		out = append(out, kmsg.ConsumerGroupHeartbeatRequestTopic{TopicID: tp.TopicID, Partitions: tp.Partitions})
	}
	return out
}

func (h *harness) cgSend(version int16, req *kmsg.ConsumerGroupHeartbeatRequest) *kmsg.ConsumerGroupHeartbeatResponse {
	h.t.Helper()
	ctx := h.ctx(version)
	h.apply(h.s.ConsumerGroupHeartbeat(ctx, req))
	return reply[*kmsg.ConsumerGroupHeartbeatResponse](h, ctx.Responder)
}

func (m *cgMember) request(epoch int32) *kmsg.ConsumerGroupHeartbeatRequest {
	req := kmsg.NewPtrConsumerGroupHeartbeatRequest()
	req.Group = or(m.group, "g")
	req.MemberID = m.id
	req.MemberEpoch = epoch
	if m.instance != "" {
		req.InstanceID = ptr(m.instance)
	}
	return req
}

// learn takes a successful reply in.
func (m *cgMember) learn(resp *kmsg.ConsumerGroupHeartbeatResponse) {
	if resp.ErrorCode != 0 {
		return
	}
	m.id, m.epoch = *resp.MemberID, resp.MemberEpoch
	if resp.Assignment != nil {
		m.owned = partitionSet{}
		for _, t := range resp.Assignment.Topics {
			putNonEmpty(m.owned, t.TopicID, slices.Clone(t.Partitions))
		}
	}
}

// cgJoin has the member join (epoch 0) with its subscription.
func (h *harness) cgJoin(m *cgMember) *kmsg.ConsumerGroupHeartbeatResponse {
	h.t.Helper()
	req := m.request(0)
	req.RebalanceTimeoutMillis = orInt(m.rebalanceMs, 30000)
	req.SubscribedTopicNames = m.names
	if req.SubscribedTopicNames == nil && m.regex == nil {
		req.SubscribedTopicNames = []string{"a"}
	}
	req.SubscribedTopicRegex = m.regex
	req.ServerAssignor = m.assignor
	req.Topics = []kmsg.ConsumerGroupHeartbeatRequestTopic{}
	resp := h.cgSend(m.version, req)
	m.owned = partitionSet{}
	m.learn(resp)
	return resp
}

// cgBeat sends a heartbeat at the member's epoch with what it owns.
func (h *harness) cgBeat(m *cgMember) *kmsg.ConsumerGroupHeartbeatResponse {
	h.t.Helper()
	req := m.request(m.epoch)
	req.Topics = m.ownedTopics()
	resp := h.cgSend(m.version, req)
	m.learn(resp)
	return resp
}

// cgLeave sends epoch -1 (or -2).
func (h *harness) cgLeave(m *cgMember, epoch int32) *kmsg.ConsumerGroupHeartbeatResponse {
	h.t.Helper()
	return h.cgSend(m.version, m.request(epoch))
}

func wantOK(t testing.TB, what string, resp *kmsg.ConsumerGroupHeartbeatResponse) {
	t.Helper()
	if resp.ErrorCode != 0 {
		t.Fatalf("%s: %v (%s)", what, kerr.ErrorForCode(resp.ErrorCode), deref(resp.ErrorMessage))
	}
}

func count(set partitionSet) int {
	n := 0
	for _, ps := range set {
		n += len(ps)
	}
	return n
}

// consumerView is what a consumer group persists, for replay equivalence:
// everything but the metadata refresh deadline.
type consumerView struct {
	State                  string
	Epoch, AssignmentEpoch int32
	Metadata               map[string]topicMeta
	Static                 map[string]string
	Target                 map[string]string
	Owners                 string
	Members                map[string]string
}

func consumerViewOf(g *consumerGroup) consumerView {
	v := consumerView{
		State: g.StateName(), Epoch: g.epoch, AssignmentEpoch: g.assignmentEpoch,
		Metadata: maps.Clone(g.metadata), Static: maps.Clone(g.static),
		Target: map[string]string{}, Members: map[string]string{}, Owners: fmt.Sprint(g.owners),
	}
	for id, a := range g.target {
		v.Target[id] = fmt.Sprint(a)
	}
	for id, m := range g.members {
		v.Members[id] = fmt.Sprintf("%s/%s/%s/%s/%s/%v/%s/%d/%s/%v/%d/%d/%d/%v/%v", m.id, deref(m.instanceID), deref(m.rackID),
			m.clientID, m.clientHost, m.topicNames, deref(m.regex), m.rebalanceTimeoutMs, deref(m.assignor),
			m.classic != nil, m.epoch, m.prevEpoch, m.state, m.assigned, m.revoking)
	}
	return v
}

// checkConsumerInvariants: the derived state agrees with the members, no
// partition has two holders, and targets do not overlap.
func checkConsumerInvariants(t testing.TB, g *consumerGroup) {
	t.Helper()
	holders := map[[16]byte]map[int32]holder{}
	for _, m := range g.members {
		for _, set := range []partitionSet{m.assigned, m.revoking} {
			for tp, ps := range set {
				if holders[tp] == nil {
					holders[tp] = map[int32]holder{}
				}
				for _, p := range ps {
					if _, dup := holders[tp][p]; dup {
						t.Fatalf("group %s: partition %x-%d held twice", g.id, tp[:1], p)
					}
					holders[tp][p] = holder{m.id, m.epoch}
				}
			}
		}
		if m.instanceID != nil && g.static[*m.instanceID] != m.id {
			t.Fatalf("group %s: static map does not name %s", g.id, m.id)
		}
	}
	if fmt.Sprint(holders) != fmt.Sprint(g.owners) {
		t.Fatalf("group %s: owners %v, members hold %v", g.id, g.owners, holders)
	}
	targeted := map[[16]byte]map[int32]bool{}
	for id, a := range g.target {
		for tp, ps := range a {
			if targeted[tp] == nil {
				targeted[tp] = map[int32]bool{}
			}
			for _, p := range ps {
				if targeted[tp][p] {
					t.Fatalf("group %s: partition %x-%d targeted twice (%s)", g.id, tp[:1], p, id)
				}
				targeted[tp][p] = true
			}
		}
	}
	before := g.state
	g.updateState()
	if g.state != before {
		t.Fatalf("group %s: state %v, derives %v", g.id, before, g.state)
	}
	if g.epoch < g.assignmentEpoch {
		t.Fatalf("group %s: epoch %d behind the assignment epoch %d", g.id, g.epoch, g.assignmentEpoch)
	}
}

// compactPrefix is the log as compaction may leave it: among the first n
// records only the last of each key remains (tombstones included), in
// their order; the rest is untouched.
func compactPrefix(t testing.TB, log []Record, n int) []Record {
	t.Helper()
	n = min(n, len(log))
	last := map[string]int{}
	for i, rec := range log[:n] {
		k, _, err := records.Encode(rec)
		if err != nil {
			t.Fatal(err)
		}
		last[string(k)] = i
	}
	var out []Record
	for i, rec := range log[:n] {
		k, _, _ := records.Encode(rec)
		if last[string(k)] == i {
			out = append(out, rec)
		}
	}
	return append(out, log[n:]...)
}

// checkCompactedReplayEquivalent: a shard loaded from a log compaction
// thinned out up to n equals the live one.
func checkCompactedReplayEquivalent(t testing.TB, h *harness, n int) {
	t.Helper()
	live, loaded := viewOf(h.s), viewOf(reload(t, compactPrefix(t, h.log, n)))
	if !reflect.DeepEqual(live, loaded) {
		t.Fatalf("shard loaded from the log compacted up to %d of %d differs from the live one:\nlive   %+v\nloaded %+v", n, len(h.log), live, loaded)
	}
}
