package groupcoord

import (
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/wharf-project/wharf/internal/kafka/group"
	"github.com/wharf-project/wharf/internal/kafka/group/records"
	"github.com/wharf-project/wharf/internal/testutil"
)

const testTimeout = 10 * time.Second

func newTestCoordinator(t *testing.T, l Log) *Coordinator {
	t.Helper()
	cfg := Config{Partitions: 4, Group: group.DefaultConfig()}
	cfg.Group.InitialRebalanceDelayMs = 0
	c := New(cfg, l, nil, func() int64 { return time.Now().UnixMilli() })
	t.Cleanup(c.Close)
	return c
}

// lead makes c the leader of every partition and waits for the loads.
func lead(t *testing.T, c *Coordinator) {
	t.Helper()
	all := make([]int32, c.Partitions())
	for i := range all {
		all[i] = int32(i)
	}
	c.OnLeadershipChange(all, nil)
	if !testutil.WaitFor(func() bool { return len(c.Shards()) >= len(all) }, testTimeout) {
		t.Fatalf("loaded %d of %d shards", len(c.Shards()), len(all))
	}
}

// leading is a coordinator over a new MemLog, leading every partition,
// and a collector of its replies.
func leading(t *testing.T) (*MemLog, *Coordinator, *replies) {
	t.Helper()
	l := NewMemLog()
	c := newTestCoordinator(t, l)
	lead(t, c)
	return l, c, newReplies()
}

// replies collects what the coordinator answers.
type replies struct{ ch chan kmsg.Response }

func newReplies() *replies { return &replies{ch: make(chan kmsg.Response, 100)} }

func (r *replies) fn(resp kmsg.Response) { r.ch <- resp }

func (r *replies) next(t *testing.T) kmsg.Response {
	t.Helper()
	select {
	case resp := <-r.ch:
		return resp
	case <-time.After(testTimeout):
		t.Fatal("no reply")
		return nil
	}
}

func (r *replies) none(t *testing.T) {
	t.Helper()
	select {
	case resp := <-r.ch:
		t.Fatalf("unexpected reply %T %+v", resp, resp)
	case <-time.After(20 * time.Millisecond):
	}
}

func commitReq(groupID, topic string, offsets ...int64) *kmsg.OffsetCommitRequest {
	req := kmsg.NewPtrOffsetCommitRequest()
	req.Version = 8
	req.Group, req.Generation, req.MemberID = groupID, -1, ""
	rt := kmsg.NewOffsetCommitRequestTopic()
	rt.Topic = topic
	for p, o := range offsets {
		rp := kmsg.NewOffsetCommitRequestTopicPartition()
		rp.Partition, rp.Offset = int32(p), o
		rt.Partitions = append(rt.Partitions, rp)
	}
	req.Topics = append(req.Topics, rt)
	return req
}

func commit(c *Coordinator, r *replies, groupID, topic string, offsets ...int64) int16 {
	req := commitReq(groupID, topic, offsets...)
	return c.Do(groupID, group.OpContext{Version: req.Version}, r.fn, func(s *group.Shard, ctx group.OpContext) group.Result {
		return s.OffsetCommit(ctx, req)
	})
}

// fetch reads a group's committed offsets through the runtime (so the
// answer waits behind earlier appends, as a client's would).
func fetch(c *Coordinator, r *replies, groupID string) int16 {
	return c.Do(groupID, group.OpContext{}, r.fn, func(s *group.Shard, ctx group.OpContext) group.Result {
		g := s.FetchOffsets(kmsg.OffsetFetchRequestGroup{Group: groupID}, false)
		resp := kmsg.NewPtrOffsetFetchResponse()
		resp.Groups = []kmsg.OffsetFetchResponseGroup{g}
		return group.Result{Replies: []group.Reply{{To: ctx.Responder, Resp: resp}}}
	})
}

func committed(t *testing.T, resp kmsg.Response) map[int32]int64 {
	t.Helper()
	out := map[int32]int64{}
	for _, g := range resp.(*kmsg.OffsetFetchResponse).Groups {
		for _, tp := range g.Topics {
			for _, p := range tp.Partitions {
				out[p.Partition] = p.Offset
			}
		}
	}
	return out
}

func commitOK(t *testing.T, resp kmsg.Response) {
	t.Helper()
	for _, tp := range resp.(*kmsg.OffsetCommitResponse).Topics {
		for _, p := range tp.Partitions {
			if p.ErrorCode != 0 {
				t.Fatalf("commit of %s[%d]: %v", tp.Topic, p.Partition, kerr.ErrorForCode(p.ErrorCode))
			}
		}
	}
}

// Offsets committed through one coordinator are found by the next one
// loading the same log: a broker restart resumes the group.
func TestCommittedOffsetsSurviveReload(t *testing.T) {
	l := NewMemLog()
	c := newTestCoordinator(t, l)
	if code := c.ErrorFor("g"); code != kerr.NotCoordinator.Code {
		t.Fatalf("before leading: %v", kerr.ErrorForCode(code))
	}
	lead(t, c)
	r := newReplies()
	if code := commit(c, r, "g", "t", 5, 7); code != 0 {
		t.Fatal(kerr.ErrorForCode(code))
	}
	commitOK(t, r.next(t))
	if code := commit(c, r, "g", "t", 6); code != 0 {
		t.Fatal(kerr.ErrorForCode(code))
	}
	commitOK(t, r.next(t))
	c.Close()

	c2 := newTestCoordinator(t, l)
	lead(t, c2)
	if code := fetch(c2, r, "g"); code != 0 {
		t.Fatal(kerr.ErrorForCode(code))
	}
	got := committed(t, r.next(t))
	if got[0] != 6 || got[1] != 7 || len(got) != 2 {
		t.Fatalf("after reload: %v, want 0:6 1:7", got)
	}
}

// A reply leaves only once its records are durable, and a read that
// follows waits behind them (it must not show an offset that could still
// be lost).
func TestRepliesWaitForDurability(t *testing.T) {
	l, c, r := leading(t)
	l.Hold()
	commit(c, r, "g", "t", 42)
	fetch(c, r, "g")
	r.none(t)
	l.Release()
	commitOK(t, r.next(t))
	if got := committed(t, r.next(t)); got[0] != 42 {
		t.Fatalf("fetch after commit: %v", got)
	}
}

// A failed append answers the operations waiting on it with errors and
// reloads the shard from the log, dropping what was not written.
func TestFailedAppendReloads(t *testing.T) {
	l, c, r := leading(t)
	commit(c, r, "g", "t", 1)
	commitOK(t, r.next(t))

	l.SetFail(kerr.NotEnoughReplicas)
	commit(c, r, "g", "t", 2)
	resp := r.next(t).(*kmsg.OffsetCommitResponse)
	if code := resp.Topics[0].Partitions[0].ErrorCode; code != kerr.CoordinatorNotAvailable.Code {
		t.Fatalf("failed commit answered %v", kerr.ErrorForCode(code))
	}
	l.SetFail(nil)
	var code int16
	testutil.WaitFor(func() bool {
		code = fetch(c, r, "g")
		return code != kerr.CoordinatorLoadInProgress.Code && code != kerr.NotCoordinator.Code
	}, testTimeout)
	if code != 0 {
		t.Fatalf("after the failure: %v", kerr.ErrorForCode(code))
	}
	if got := committed(t, r.next(t)); got[0] != 1 {
		t.Fatalf("after reload: %v, want the durable 1", got)
	}
}

// Losing leadership unloads the shard: a parked JoinGroup is answered
// NOT_COORDINATOR and new requests are refused.
func TestUnloadAnswersParkedJoins(t *testing.T) {
	_, c, r := leading(t)
	join := func(member string) int16 { return joinGroup(c, r, member) }
	second := parkSecondMember(t, c, r)
	c.OnLeadershipChange(nil, []int32{c.PartitionFor("g")})
	resp := r.next(t).(*kmsg.JoinGroupResponse)
	if resp.ErrorCode != kerr.NotCoordinator.Code {
		t.Fatalf("parked join after unload: %v", kerr.ErrorForCode(resp.ErrorCode))
	}
	if code := join(second.MemberID); code != kerr.NotCoordinator.Code {
		t.Fatalf("join after unload: %v", kerr.ErrorForCode(code))
	}
}

// joinGroup sends member's JoinGroup for group "g".
func joinGroup(c *Coordinator, r *replies, member string) int16 {
	req := kmsg.NewPtrJoinGroupRequest()
	req.Version = 4
	req.Group, req.MemberID, req.ProtocolType = "g", member, "consumer"
	req.SessionTimeoutMillis, req.RebalanceTimeoutMillis = 10000, 60000
	p := kmsg.NewJoinGroupRequestProtocol()
	p.Name, p.Metadata = "range", []byte{0}
	req.Protocols = append(req.Protocols, p)
	return c.Do("g", group.OpContext{Version: req.Version, ClientID: "c"}, r.fn, func(s *group.Shard, ctx group.OpContext) group.Result {
		return s.JoinGroup(ctx, req)
	})
}

// parkSecondMember makes group "g" stable with one member, then has a
// second member join: its JoinGroup parks until the first rejoins. It
// returns the second member's first answer (MEMBER_ID_REQUIRED).
func parkSecondMember(t *testing.T, c *Coordinator, r *replies) *kmsg.JoinGroupResponse {
	t.Helper()
	joinGroup(c, r, "")
	first := r.next(t).(*kmsg.JoinGroupResponse)
	if first.ErrorCode != kerr.MemberIDRequired.Code || first.MemberID == "" {
		t.Fatalf("first join: %+v", first)
	}
	joinGroup(c, r, first.MemberID) // the rebalance completes at once: the only member
	if resp := r.next(t).(*kmsg.JoinGroupResponse); resp.ErrorCode != 0 {
		t.Fatalf("second join: %v", kerr.ErrorForCode(resp.ErrorCode))
	}
	// A second member's join parks the group in PreparingRebalance until
	// the first member rejoins.
	joinGroup(c, r, "")
	second := r.next(t).(*kmsg.JoinGroupResponse)
	joinGroup(c, r, second.MemberID)
	r.none(t)
	return second
}

// An answered request leaves no reply function behind, nor does one the
// shard forgets unanswered (a parked JoinGroup its member's next JoinGroup
// displaces); a parked one is answered and dropped when the shard unloads.
func TestRespondersAreDropped(t *testing.T) {
	_, c, r := leading(t)
	p := c.PartitionFor("g")
	c.mu.Lock()
	s := c.shards[p]
	c.mu.Unlock()
	pending := func() int {
		s.mu.Lock()
		defer s.mu.Unlock()
		return len(s.responders)
	}
	commit(c, r, "g", "t", 1)
	commitOK(t, r.next(t))
	if n := pending(); n != 0 {
		t.Fatalf("%d reply functions kept after an answered commit", n)
	}
	second := parkSecondMember(t, c, r)
	joinGroup(c, r, second.MemberID) // displaces the parked join: never answered
	r.none(t)
	if n := pending(); n != 1 {
		t.Fatalf("%d reply functions kept, want only the parked join (not the one it displaced)", n)
	}
	c.OnLeadershipChange(nil, []int32{p})
	if resp := r.next(t).(*kmsg.JoinGroupResponse); resp.ErrorCode != kerr.NotCoordinator.Code {
		t.Fatalf("parked join after unload: %v", kerr.ErrorForCode(resp.ErrorCode))
	}
	r.none(t)
	if n := pending(); n != 0 {
		t.Fatalf("%d reply functions kept after unload", n)
	}
}

// A corrupt record in the partition keeps its groups unavailable instead
// of serving a partial state.
func TestCorruptPartitionStaysUnavailable(t *testing.T) {
	l := NewMemLog()
	batch, err := encodeBatch(nil, 0)
	if err != nil || batch != nil {
		t.Fatalf("empty batch: %v %v", batch, err)
	}
	bad := badLog{MemLog: l}
	c := newTestCoordinator(t, bad)
	c.OnLeadershipChange([]int32{0}, nil)
	if !testutil.WaitFor(func() bool { return c.ErrorFor("polygenelubricants") == kerr.NotCoordinator.Code }, testTimeout) { // partition 0
		t.Fatal("a corrupt partition was loaded")
	}
}

// badLog returns bytes that are no batch.
type badLog struct{ *MemLog }

func (badLog) Read(int32, int64, int32) ([]byte, int64, error) {
	return []byte("not a record batch at all, but long enough to parse a header from it......"), 100, nil
}

// A KIP-848 group's records among a classic group's offsets load too.
func TestLoadSkipsUnsupportedRecords(t *testing.T) {
	l, c, r := leading(t)
	commit(c, r, "g", "t", 3)
	commitOK(t, r.next(t))
	c.Close()
	batch, err := encodeBatch([]records.Record{records.NewGroupEpoch("g848", 5)}, 0)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	l.Append(c.PartitionFor("g"), batch, func(err error) { done <- err })
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	c2 := newTestCoordinator(t, l)
	lead(t, c2)
	fetch(c2, r, "g")
	if got := committed(t, r.next(t)); got[0] != 3 {
		t.Fatalf("after a load with a KIP-848 record: %v", got)
	}
}

// Deleting a topic's partitions removes every group's offsets of them.
func TestPartitionsDeletedRemoveOffsets(t *testing.T) {
	_, c, r := leading(t)
	commit(c, r, "g", "t", 1, 2)
	commitOK(t, r.next(t))
	commit(c, r, "g", "u", 9)
	commitOK(t, r.next(t))
	c.OnPartitionsDeleted(map[string][]int32{"t": {0, 1}})
	fetch(c, r, "g")
	resp := r.next(t).(*kmsg.OffsetFetchResponse)
	if len(resp.Groups) != 1 || len(resp.Groups[0].Topics) != 1 || resp.Groups[0].Topics[0].Topic != "u" {
		t.Fatalf("offsets after deleting t: %+v", resp.Groups)
	}
}
