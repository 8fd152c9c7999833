package group

import (
	"fmt"
	"slices"
	"testing"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// cgSimClient is a simulated KIP-848 consumer that may misbehave: drop
// replies, or keep partitions it was asked to revoke.
type cgSimClient struct {
	cgMember
	joined bool
}

// cgSimStats counts what a consumer simulation reached.
type cgSimStats struct {
	stable, revocations, fenced, replayChecks int
}

// runConsumerSim drives consumer group "g" with five clients (two static,
// two speaking v1) over topics a, b and, at times, c, checking after each
// operation the group's invariants and that no two members own a
// partition at once, and every few operations that a shard loaded from
// the log equals the live one.
func runConsumerSim(t testing.TB, ops []byte) cgSimStats {
	var st cgSimStats
	cfg := testConfig()
	cfg.ConsumerSessionTimeoutMs = 9000
	cfg.ConsumerHeartbeatIntervalMs = 3000
	cfg.OffsetsRetentionMs = 60000
	h, topics := consumerHarness(t, cfg)
	clients := []*cgSimClient{
		{cgMember: cgMember{names: []string{"a"}}},
		{cgMember: cgMember{names: []string{"a", "b"}, assignor: ptr("range")}},
		{cgMember: cgMember{id: "v1-client", version: 1, regex: ptr("[ab]|c")}},
		{cgMember: cgMember{instance: "i3", names: []string{"a"}}},
		{cgMember: cgMember{instance: "i4", names: []string{"b"}, version: 1, id: "v1-static", rebalanceMs: 4000}},
	}
	reset := func(c *cgSimClient) {
		c.joined, c.epoch, c.owned = false, 0, partitionSet{}
		if c.version == 0 {
			c.id = ""
		}
	}
	for i := 0; i+1 < len(ops); i += 2 {
		arg := ops[i+1]
		c := clients[int(arg)%len(clients)]
		switch ops[i] % 16 {
		case 0, 1, 2, 3, 4, 5, 6:
			var resp *kmsg.ConsumerGroupHeartbeatResponse
			if !c.joined {
				resp = h.cgJoin(&c.cgMember)
			} else {
				before := c.owned
				req := c.request(c.epoch)
				req.Topics = c.ownedTopics()
				resp = h.cgSend(c.version, req)
				if arg%11 == 0 {
					break // the reply is lost
				}
				c.learn(resp)
				if arg%7 == 0 && resp.Assignment != nil {
					// A slow client keeps what it was asked to revoke.
					keep := partitionSet{}
					for tp, ps := range before {
						keep[tp] = ps
					}
					for tp, ps := range c.owned {
						keep[tp] = sortedUnion(keep[tp], ps)
					}
					c.owned = keep
				}
			}
			switch resp.ErrorCode {
			case 0:
				c.joined = true
			case kerr.FencedMemberEpoch.Code, kerr.UnknownMemberID.Code, kerr.FencedInstanceID.Code:
				st.fenced++
				reset(c)
			}
		case 7:
			if c.joined {
				epoch := int32(leaveEpoch)
				if c.instance != "" && arg%2 == 0 {
					epoch = staticLeaveEpoch
				}
				h.cgLeave(&c.cgMember, epoch)
				reset(c)
			}
		case 8, 9:
			h.advance(int64(arg) * 40)
		case 10:
			switch arg % 3 {
			case 0:
				if _, ok := topics["c"]; ok {
					delete(topics, "c")
				} else {
					topics["c"] = TopicInfo{ID: [16]byte{0xc}, Partitions: int32(arg%5) + 1}
				}
			case 1:
				topics["a"] = TopicInfo{ID: topicA, Partitions: int32(arg%9) + 1}
			}
			h.s.OnMetadataChange(h.timer.Now())
		case 11:
			if c.joined {
				h.commit("g", c.id, c.epoch, 9, map[string]int64{"a": int64(arg)})
			} else {
				h.commit("g", "", -1, 9, map[string]int64{"b": int64(arg)})
			}
		case 12:
			if c.joined && c.version == 0 {
				req := c.request(c.epoch)
				req.SubscribedTopicNames = [][]string{{"a"}, {"b"}, {"a", "b", "c"}}[arg%3]
				req.Topics = c.ownedTopics()
				c.learn(h.cgSend(0, req))
			}
		case 13:
			h.apply(h.s.CleanupExpiredOffsets(h.timer.Now()))
			if arg%4 == 0 {
				h.apply(h.s.DeleteGroups(h.ctx(2), []string{"g"}))
			}
		case 14:
			h.s.ConsumerGroupDescribe([]string{"g"})
			h.s.ListGroups(nil, []string{"consumer"})
			h.s.FetchOffsets(kmsg.OffsetFetchRequestGroup{Group: "g", MemberID: &c.id, MemberEpoch: c.epoch}, false)
		case 15:
			checkReplayEquivalent(t, h)
			checkCompactedReplayEquivalent(t, h, len(h.log)*int(arg)/255)
			st.replayChecks++
		}
		checkInvariants(t, h.s, map[string]int32{})
		checkClientsDisjoint(t, h.s, clients)
		if g := h.s.consumer("g"); g != nil {
			if g.state == consumerStable && len(g.members) > 1 {
				st.stable++
			}
			for _, m := range g.members {
				if len(m.revoking) > 0 {
					st.revocations++
				}
			}
		}
	}
	checkReplayEquivalent(t, h)
	checkCompactedReplayEquivalent(t, h, len(h.log))
	return st
}

func sortedUnion(a, b []int32) []int32 {
	out := append(append([]int32(nil), a...), b...)
	slices.Sort(out)
	return slices.Compact(out)
}

// checkClientsDisjoint: two clients the group still counts as members
// never both believe they own a partition.
func checkClientsDisjoint(t testing.TB, s *Shard, clients []*cgSimClient) {
	t.Helper()
	g := s.consumer("g")
	if g == nil {
		return
	}
	owner := map[string]string{}
	for _, c := range clients {
		if !c.joined || g.members[c.id] == nil {
			continue
		}
		for tp, ps := range c.owned {
			for _, p := range ps {
				key := fmt.Sprintf("%x-%d", tp[:2], p)
				if other, ok := owner[key]; ok {
					t.Fatalf("partition %s owned by %s and %s", key, other, c.id)
				}
				owner[key] = c.id
			}
		}
	}
}

func TestConsumerSimulation(t *testing.T) {
	n := 150
	if testing.Short() {
		n = 15
	}
	var total cgSimStats
	for seed := range n {
		st := runConsumerSim(t, seededOps(uint64(seed), 848, 800))
		total.stable += st.stable
		total.revocations += st.revocations
		total.fenced += st.fenced
		total.replayChecks += st.replayChecks
	}
	t.Logf("over %d runs: %+v", n, total)
	if total.stable < n || total.revocations < n || total.fenced < n/4 || total.replayChecks < n {
		t.Fatalf("the simulation reached too little: %+v", total)
	}
}

func FuzzConsumerShard(f *testing.F) {
	f.Add([]byte{0, 0, 0, 1, 0, 2, 0, 3, 0, 4, 0, 0, 0, 1, 7, 1, 0, 0, 15, 0})
	f.Add([]byte{0, 3, 0, 4, 7, 8, 0, 3, 10, 0, 0, 2, 8, 200, 0, 1, 15, 0})
	f.Fuzz(func(t *testing.T, ops []byte) {
		if len(ops) > 2000 {
			ops = ops[:2000]
		}
		_ = runConsumerSim(t, ops)
	})
}
