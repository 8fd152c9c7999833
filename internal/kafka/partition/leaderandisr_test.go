package partition

import (
	"slices"
	"sync"
	"testing"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/wharf-project/wharf/internal/kafka/log"
	"github.com/wharf-project/wharf/internal/kafka/replica"
	"github.com/wharf-project/wharf/internal/vfs"
)

// fakeFetcher records what the replica manager asks of the fetcher.
type fakeFetcher struct {
	mu      sync.Mutex
	added   map[TopicPartition]InitialFetchState
	removed []TopicPartition
}

func (f *fakeFetcher) AddPartitions(m map[TopicPartition]InitialFetchState) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.added == nil {
		f.added = map[TopicPartition]InitialFetchState{}
	}
	for k, v := range m {
		f.added[k] = v
	}
}

func (f *fakeFetcher) RemovePartitions(tps []TopicPartition) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.removed = append(f.removed, tps...)
}

func partitionErrors(resp *kmsg.LeaderAndISRResponse) map[TopicPartition]int16 {
	out := map[TopicPartition]int16{}
	for _, p := range resp.Partitions {
		out[tp(p.Topic, p.Partition)] = p.ErrorCode
	}
	return out
}

func TestLeaderAndIsrChecks(t *testing.T) {
	e := newEnv(t, vfs.NewMem(), Config{}, Options{})
	e.lead("t", 1, 5)
	p := tp("t", 0)
	for _, tc := range []struct {
		name string
		req  *kmsg.LeaderAndISRRequest
		top  int16
		code int16
	}{
		{"same epoch", leaderAndIsr(1, "t", 1, 1, 5, []int32{1}, []int32{1}), 0, kerr.StaleControllerEpoch.Code},
		{"older epoch", leaderAndIsr(1, "t", 1, 1, 4, []int32{1}, []int32{1}), 0, kerr.StaleControllerEpoch.Code},
		{"older controller", leaderAndIsr(0, "t", 1, 1, 9, []int32{1}, []int32{1}), kerr.StaleControllerEpoch.Code, kerr.StaleControllerEpoch.Code},
		{"not a replica", leaderAndIsr(1, "u", 1, 2, 0, []int32{2}, []int32{2}), 0, kerr.UnknownTopicOrPartition.Code},
	} {
		resp := e.rm.BecomeLeaderOrFollower(tc.req)
		got := partitionErrors(resp)
		if resp.ErrorCode != tc.top || len(got) != 1 {
			t.Errorf("%s: top %d, %v", tc.name, resp.ErrorCode, got)
		}
		for _, code := range got {
			if code != tc.code {
				t.Errorf("%s: partition error %d, want %d", tc.name, code, tc.code)
			}
		}
	}
	if st := e.rm.mustPartition(t, p).State(); st.LeaderEpoch != 5 || st.Role != replica.RoleLeader {
		t.Fatalf("state changed: %+v", st)
	}
	if _, ok := e.rm.Partition(tp("u", 0)); ok {
		t.Fatal("a refused partition is hosted")
	}
	// v5 answers per topic, with the topic id
	req := leaderAndIsr(2, "v", 2, 1, 0, []int32{1}, []int32{1})
	req.Version = 5
	req.TopicStates[0].TopicID = [16]byte{1, 2, 3}
	resp := e.rm.BecomeLeaderOrFollower(req)
	if len(resp.Topics) != 1 || resp.Topics[0].TopicID != [16]byte{1, 2, 3} || len(resp.Topics[0].Partitions) != 2 {
		t.Fatalf("v5 response %+v", resp)
	}
	// a different topic id for the same log
	req = leaderAndIsr(2, "v", 1, 1, 1, []int32{1}, []int32{1})
	req.Version = 5
	req.TopicStates[0].TopicID = [16]byte{9}
	if code := e.rm.BecomeLeaderOrFollower(req).Topics[0].Partitions[0].ErrorCode; code != kerr.InconsistentTopicID.Code {
		t.Fatalf("inconsistent topic id: %d", code)
	}
}

func (rm *ReplicaManager) mustPartition(t testing.TB, p TopicPartition) *Partition {
	t.Helper()
	part, ok := rm.Partition(p)
	if !ok {
		t.Fatalf("%s not hosted", p)
	}
	return part
}

// Leader to follower and back: waiting produces are answered
// NOT_LEADER_OR_FOLLOWER, the fetcher starts at the log end, truncation
// goes by leader epoch, and the new leader epoch starts at the log end.
func TestLeaderFollowerTransitions(t *testing.T) {
	g := newGate()
	f := &fakeFetcher{}
	var changes [][2][]TopicPartition
	e := newEnvWith(t, vfs.NewMem(), g, Config{}, Options{Fetcher: f, OnLeadershipChange: func(l, fl []TopicPartition) {
		changes = append(changes, [2][]TopicPartition{l, fl})
	}})
	t.Cleanup(g.release)
	p := tp("t", 0)
	e.rm.BecomeLeaderOrFollower(leaderAndIsr(1, "t", 1, 1, 1, []int32{1}, []int32{1, 2}))
	for i := int32(0); i < 4; i++ {
		if r := e.produce(p, -1, batch(t, 1, 0, i, 1, "epoch1")); r.ErrorCode != 0 {
			t.Fatal(r)
		}
	}
	g.close()
	waiting := e.produceAsync(p, -1, 30000, batch(t, 1, 0, 4, 1, "unacked"))
	waitFor(t, "the fsync", func() bool { return g.waiting.Load() > 0 })

	// broker 2 takes over in epoch 2
	resp := e.rm.BecomeLeaderOrFollower(leaderAndIsr(1, "t", 1, 2, 2, []int32{2}, []int32{1, 2}))
	if code := partitionErrors(resp)[p]; code != 0 {
		t.Fatalf("become follower: %d", code)
	}
	if r := recv(t, waiting); r.ErrorCode != kerr.NotLeaderForPartition.Code {
		t.Fatalf("waiting produce: %v", r)
	}
	g.release()
	if r := e.produce(p, 1, batch(t, -1, 0, 0, 1, "x")); r.ErrorCode != kerr.NotLeaderForPartition.Code {
		t.Fatalf("append to a follower: %v", r)
	}
	st, want := f.added[p], InitialFetchState{Leader: 2, LeaderEpoch: 2, FetchOffset: 5}
	if st != want {
		t.Fatalf("fetcher told %+v, want %+v", st, want)
	}
	if len(changes) != 2 || !slices.Equal(changes[1][1], []TopicPartition{p}) {
		t.Fatalf("leadership changes %v", changes)
	}
	// consumers must use the leader (no KIP-392 metadata)
	if r := e.rm.Fetch(FetchRequest{ReplicaID: -1, MaxBytes: 100, Partitions: []FetchPartition{consumerFetch(p, 0, 100)}}); r[0].ErrorCode != kerr.NotLeaderForPartition.Code {
		t.Fatalf("consumer fetch from a follower: %d", r[0].ErrorCode)
	}

	// The new leader never got offset 4: its epoch 1 ends at 4.
	part := e.rm.mustPartition(t, p)
	l := part.Log()
	tr := replica.FollowerTruncation(replica.EpochEndOffset{LeaderEpoch: 1, EndOffset: 4},
		func(epoch int32) (replica.EpochEndOffset, bool) {
			ep, end, ok := l.EndOffsetForEpoch(epoch)
			return replica.EpochEndOffset{LeaderEpoch: ep, EndOffset: end}, ok
		}, l.LogEndOffset(), st.FetchOffset)
	if tr != (replica.Truncation{Offset: 4, Completed: true}) {
		t.Fatalf("truncation %+v", tr)
	}
	if err := part.TruncateTo(tr.Offset); err != nil {
		t.Fatal(err)
	}
	if l.LogEndOffset() != 4 {
		t.Fatalf("log end %d", l.LogEndOffset())
	}
	// the replicated batches of the new leader (epoch 2) arrive
	b := batch(t, 1, 0, 4, 2, "epoch2")
	rb := append([]byte(nil), b...)
	rbBatch := rb[:]
	setBaseAndEpoch(rbBatch, 4, 2)
	if info, err := part.AppendAsFollower(rbBatch); err != nil || info.LastOffset != 5 {
		t.Fatalf("follower append: %+v %v", info, err)
	}
	part.FollowerHighWatermark(6)

	// broker 1 leads again in epoch 3: the epoch starts at the log end
	e.rm.BecomeLeaderOrFollower(leaderAndIsr(1, "t", 1, 1, 3, []int32{1}, []int32{1, 2}))
	if ep, ok := l.EpochCache().Entry(3); !ok || ep.StartOffset != 6 {
		t.Fatalf("epoch 3 entry %+v %v", ep, ok)
	}
	for _, tc := range []struct {
		epoch     int32
		wantEpoch int32
		wantEnd   int64
	}{{1, 1, 4}, {2, 2, 6}, {3, 3, 6}, {0, 0, 0}} {
		r := e.rm.OffsetForLeaderEpoch(p, 3, tc.epoch)
		if r.ErrorCode != 0 || r.LeaderEpoch != tc.wantEpoch || r.EndOffset != tc.wantEnd {
			t.Errorf("epoch %d: %+v", tc.epoch, r)
		}
	}
	if r := e.rm.OffsetForLeaderEpoch(p, 2, 1); r.ErrorCode != kerr.FencedLeaderEpoch.Code {
		t.Fatalf("fenced: %+v", r)
	}
	// the producer state followed: the replicated batch (seq 4-5) was
	// recorded, the truncated one (seq 4 in epoch 1's tail) forgotten
	if r := e.produce(p, -1, batch(t, 1, 0, 4, 2, "epoch2")); r.ErrorCode != 0 || r.BaseOffset != 4 {
		t.Fatalf("retry of the replicated batch: %v", r)
	}
	if r := e.produce(p, -1, batch(t, 1, 0, 6, 1, "next")); r.ErrorCode != 0 || r.BaseOffset != 6 {
		t.Fatalf("next: %v", r)
	}
}

// setBaseAndEpoch stamps a batch as a leader does (both outside the CRC).
func setBaseAndEpoch(b []byte, base int64, epoch int32) {
	for i := 0; i < 8; i++ {
		b[i] = byte(base >> (56 - 8*i))
	}
	for i := 0; i < 4; i++ {
		b[12+i] = byte(epoch >> (24 - 8*i))
	}
}

func TestStopReplica(t *testing.T) {
	f := &fakeFetcher{}
	e := newEnv(t, vfs.NewMem(), Config{}, Options{Fetcher: f})
	e.lead("t", 2, 3)
	e.produce(tp("t", 0), -1, batch(t, -1, 0, 0, 1, "x"))
	stop := func(controllerEpoch int32, epoch int32, del bool) *kmsg.StopReplicaResponse {
		req := kmsg.NewPtrStopReplicaRequest()
		req.Version, req.ControllerEpoch = 3, controllerEpoch
		topic := kmsg.NewStopReplicaRequestTopic()
		topic.Topic = "t"
		ps := kmsg.NewStopReplicaRequestTopicPartitionState()
		ps.Partition, ps.LeaderEpoch, ps.Delete = 0, epoch, del
		topic.PartitionStates = append(topic.PartitionStates, ps)
		req.Topics = append(req.Topics, topic)
		return e.rm.StopReplicas(req)
	}
	if r := stop(0, 4, true); r.ErrorCode != kerr.StaleControllerEpoch.Code {
		t.Fatalf("stale controller: %+v", r)
	}
	if r := stop(1, 3, true); r.Partitions[0].ErrorCode != kerr.FencedLeaderEpoch.Code {
		t.Fatalf("same epoch: %+v", r)
	}
	if r := stop(1, -2, true); r.ErrorCode != 0 || r.Partitions[0].ErrorCode != 0 {
		t.Fatalf("delete: %+v", r)
	}
	if _, ok := e.lm.GetLog(tp("t", 0)); ok {
		t.Fatal("log still live after StopReplica delete")
	}
	if r := e.produce(tp("t", 0), 1, batch(t, -1, 0, 0, 1, "x")); r.ErrorCode != kerr.UnknownTopicOrPartition.Code {
		t.Fatalf("after delete: %v", r)
	}
	if !slices.Contains(f.removed, tp("t", 0)) {
		t.Fatal("fetcher not stopped")
	}
	// v0: old layout, no epochs
	req := kmsg.NewPtrStopReplicaRequest()
	req.ControllerEpoch, req.DeletePartitions = 1, false
	topic := kmsg.NewStopReplicaRequestTopic()
	topic.Topic, topic.Partition = "t", 1
	req.Topics = append(req.Topics, topic)
	if r := e.rm.StopReplicas(req); r.Partitions[0].ErrorCode != 0 {
		t.Fatalf("v0: %+v", r)
	}
	if _, ok := e.lm.GetLog(tp("t", 1)); !ok {
		t.Fatal("StopReplica without delete removed the log")
	}
}

// isrUpdater commits every proposal at once.
type isrUpdater struct {
	mu      sync.Mutex
	changes []replica.IsrChange
}

func (u *isrUpdater) UpdateIsr(_ TopicPartition, c replica.IsrChange, done func(replica.IsrOutcome, replica.LeaderAndIsr)) {
	u.mu.Lock()
	u.changes = append(u.changes, c)
	u.mu.Unlock()
	done(replica.IsrCommitted, replica.LeaderAndIsr{Leader: c.Leader, LeaderEpoch: c.LeaderEpoch, ISR: c.ISR, ZkVersion: c.ZkVersion + 1})
}

// A follower that stops fetching leaves the ISR after
// replica.lag.time.max.ms, through the ISR updater; acks=all then
// completes without it, and with min.insync.replicas=2 it fails after the
// append.
func TestIsrShrinkUnblocksAcksAll(t *testing.T) {
	u := &isrUpdater{}
	minISR := 1
	e := newEnv(t, vfs.NewMem(), Config{ReplicaLagTimeMaxMs: 1000}, Options{IsrUpdater: u, MinInsyncReplicas: func(string) int { return minISR }})
	e.rm.BecomeLeaderOrFollower(leaderAndIsr(1, "t", 1, 1, 0, []int32{1, 2}, []int32{1, 2}))
	p := tp("t", 0)
	ch := e.produceAsync(p, -1, 60000, batch(t, -1, 0, 0, 1, "x"))
	waitFor(t, "the fsync", func() bool { return e.rm.mustLog(t, p).RecoveryPoint() == 1 })
	noAnswer(t, ch)
	e.clock.advance(1001)
	e.rm.Tick(e.clock.NowMs())
	r := recv(t, ch)
	if r.ErrorCode != 0 || len(u.changes) != 1 || !slices.Equal(u.changes[0].ISR, []int32{1}) {
		t.Fatalf("after the shrink: %v, changes %+v", r, u.changes)
	}
	if st := e.rm.mustPartition(t, p).State(); !slices.Equal(st.ISR, []int32{1}) || st.HighWatermark != 1 {
		t.Fatalf("state %+v", st)
	}
	// the follower catches up and rejoins
	res := e.rm.Fetch(FetchRequest{ReplicaID: 2, MaxBytes: 1 << 20, Partitions: []FetchPartition{{TopicPartition: p, FetchOffset: 1,
		MaxBytes: 1 << 20, LogStartOffset: 0, CurrentLeaderEpoch: 0, LastFetchedEpoch: 0}}})
	ReleaseAll(res)
	if st := e.rm.mustPartition(t, p).State(); !slices.Equal(st.ISR, []int32{1, 2}) {
		t.Fatalf("ISR %v after the follower caught up", st.ISR)
	}
	minISR = 2
	ch = e.produceAsync(p, -1, 60000, batch(t, -1, 0, 0, 1, "y"))
	waitFor(t, "the fsync", func() bool { return e.rm.mustLog(t, p).RecoveryPoint() == 2 })
	e.clock.advance(1001)
	e.rm.Tick(e.clock.NowMs())
	if r := recv(t, ch); r.ErrorCode != kerr.NotEnoughReplicasAfterAppend.Code || r.BaseOffset != 1 {
		t.Fatalf("ISR shrank below min.insync.replicas after the append: %v", r)
	}
	if r := e.produce(p, -1, batch(t, -1, 0, 0, 1, "z")); r.ErrorCode != kerr.NotEnoughReplicas.Code {
		t.Fatalf("before the append: %v", r)
	}
}

func TestOffsetsAPIs(t *testing.T) {
	e := newEnv(t, vfs.NewMem(), Config{AsyncFlush: true}, Options{})
	e.lead("t", 1, 2)
	p := tp("t", 0)
	for i := 0; i < 5; i++ {
		bl := batch(t, -1, 0, 0, 2, "x")
		e.produce(p, 1, bl)
	}
	lo := func(replicaID int32, ts int64) ListOffsetsResult {
		return e.rm.ListOffsets(replicaID, ReadUncommitted, ListOffsetsPartition{TopicPartition: p, Timestamp: ts, CurrentLeaderEpoch: -1})
	}
	if r := lo(-1, log.LatestTimestamp); r.ErrorCode != 0 || r.Offset != 10 || r.LeaderEpoch != 2 {
		t.Fatalf("latest: %+v", r)
	}
	if r := lo(-1, log.EarliestTimestamp); r.ErrorCode != 0 || r.Offset != 0 {
		t.Fatalf("earliest: %+v", r)
	}
	if r := lo(-1, t0); r.ErrorCode != 0 || r.Offset != 0 || r.Timestamp != t0 {
		t.Fatalf("by time: %+v", r)
	}
	if r := lo(-1, t0+1); r.ErrorCode != 0 || r.Offset != -1 || r.Timestamp != -1 {
		t.Fatalf("after every record: %+v", r)
	}
	if r := lo(-1, log.MaxTimestamp); r.ErrorCode != 0 || r.Timestamp != t0 {
		t.Fatalf("max timestamp: %+v", r)
	}
	if r := e.rm.ListOffsets(-1, 0, ListOffsetsPartition{TopicPartition: p, Timestamp: -1, CurrentLeaderEpoch: 1}); r.ErrorCode != kerr.FencedLeaderEpoch.Code {
		t.Fatalf("fenced: %+v", r)
	}
	var got []DeleteRecordsResult
	cb := func(r []DeleteRecordsResult) { got = r }
	e.rm.DeleteRecords(1000, []DeleteRecordsPartition{{TopicPartition: p, Offset: 11}}, cb)
	if got[0].ErrorCode != kerr.OffsetOutOfRange.Code {
		t.Fatalf("beyond the HW: %+v", got[0])
	}
	e.rm.DeleteRecords(1000, []DeleteRecordsPartition{{TopicPartition: p, Offset: -1}, {TopicPartition: tp("x", 0), Offset: 1},
		{TopicPartition: tp("__consumer_offsets", 0), Offset: 1}}, cb)
	if got[0].ErrorCode != 0 || got[0].LowWatermark != 10 || got[1].ErrorCode != kerr.UnknownTopicOrPartition.Code ||
		got[2].ErrorCode != kerr.InvalidTopicException.Code {
		t.Fatalf("delete to the HW: %+v", got)
	}
	if r := lo(-1, log.EarliestTimestamp); r.Offset != 10 {
		t.Fatalf("earliest after delete: %+v", r)
	}
	dirs := e.rm.DescribeLogDirs(nil)
	if len(dirs) != 1 || dirs[0].ErrorCode != 0 || len(dirs[0].Partitions) != 1 {
		t.Fatalf("log dirs %+v", dirs)
	}
	if d := dirs[0].Partitions[0]; d.TopicPartition != p || d.Size != e.rm.mustLog(t, p).Size() || d.Size == 0 || d.OffsetLag != 0 {
		t.Fatalf("log dir partition %+v", d)
	}
	if dirs := e.rm.DescribeLogDirs(func(TopicPartition) bool { return false }); len(dirs[0].Partitions) != 0 {
		t.Fatal("filter ignored")
	}
}

// The high watermarks are checkpointed at Close and come back at the next
// LeaderAndIsr; the Replication interface serves them to the log manager.
func TestHighWatermarkCheckpoint(t *testing.T) {
	e := newEnv(t, vfs.NewMem(), Config{}, Options{})
	e.lead("t", 2, 0)
	e.produce(tp("t", 0), -1, batch(t, -1, 0, 0, 7, "x"))
	e.produce(tp("t", 1), -1, batch(t, -1, 0, 0, 3, "x"))
	e.restart()
	hws, err := e.lm.ReadHighWatermarks()
	if err != nil || hws[tp("t", 0)] != 7 || hws[tp("t", 1)] != 3 {
		t.Fatalf("checkpoint %v %v", hws, err)
	}
	if _, ok := e.rm.HighWatermark(tp("t", 0)); ok {
		t.Fatal("HW known before the partition is hosted")
	}
	e.rm.BecomeLeaderOrFollower(leaderAndIsr(1, "t", 2, 2, 1, []int32{2}, []int32{1, 2}))
	if hw, ok := e.rm.HighWatermark(tp("t", 0)); !ok || hw != 7 {
		t.Fatalf("follower HW %d %v", hw, ok)
	}
}
