package replica

import (
	"errors"
	"math/rand/v2"
	"slices"
	"testing"
)

const lag = DefaultReplicaLagTimeMaxMs

func decision(epoch int32, leader int32, isr []int32, replicas ...int32) LeaderAndIsr {
	return LeaderAndIsr{ControllerEpoch: 1, Leader: leader, LeaderEpoch: epoch, ISR: isr, ZkVersion: epoch, Replicas: replicas}
}

func local(leo, durable int64) LocalLog {
	return LocalLog{LogEndOffset: leo, DurableOffset: durable}
}

func wantHW(t *testing.T, s *State, hw int64) {
	t.Helper()
	if s.HighWatermark() != hw {
		t.Fatalf("high watermark %d, want %d", s.HighWatermark(), hw)
	}
}

func fetch(offset, durable, leaderLEO int64) FollowerFetch {
	return FollowerFetch{FetchOffset: offset, DurableOffset: durable, LeaderEndOffset: leaderLEO}
}

// A single-node leader in durable mode: appends do not move the HW, the
// fsync that covers them does; acks=all completes then.
func TestSingleNodeHighWatermarkFollowsFsync(t *testing.T) {
	s := New(Config{BrokerID: 1}, local(0, 0), 0)
	isNew, eff := s.MakeLeader(decision(0, 1, []int32{1}, 1), local(0, 0), 0)
	if !isNew || eff.HighWatermarkAdvanced || s.EpochStartOffset() != 0 {
		t.Fatalf("new %v eff %+v start %d", isNew, eff, s.EpochStartOffset())
	}
	if eff := s.LocalLogUpdated(local(10, 0), 1); eff.HighWatermarkAdvanced {
		t.Fatal("an unflushed append advanced the HW")
	}
	wantHW(t, s, 0)
	if st := s.CheckEnoughReplicasReachOffset(10, 1); st != AckPending {
		t.Fatalf("status %v before the fsync", st)
	}
	if eff := s.LocalLogUpdated(local(12, 10), 2); !eff.HighWatermarkAdvanced {
		t.Fatal("the fsync did not advance the HW")
	}
	wantHW(t, s, 10)
	if st := s.CheckEnoughReplicasReachOffset(10, 1); st != AckDone {
		t.Fatalf("status %v", st)
	}
	if st := s.CheckEnoughReplicasReachOffset(11, 1); st != AckPending {
		t.Fatalf("status %v", st)
	}
	// Kafka's mode: the log end counts at once.
	s.LocalLogUpdated(local(12, 12), 3)
	wantHW(t, s, 12)
}

func TestHighWatermarkIsMinDurableOverISR(t *testing.T) {
	s := New(Config{BrokerID: 1}, local(0, 0), 0)
	s.MakeLeader(decision(1, 1, []int32{1, 2, 3}, 1, 2, 3), local(0, 0), 0)
	s.LocalLogUpdated(local(20, 20), 10)
	wantHW(t, s, 0)
	s.FollowerFetched(2, fetch(20, 20, 20), 20)
	wantHW(t, s, 0) // 3 has nothing yet
	eff, ok := s.FollowerFetched(3, fetch(20, 12, 20), 30)
	if !ok || !eff.HighWatermarkAdvanced {
		t.Fatalf("fetch %v %+v", ok, eff)
	}
	// follower 3 has 20 records but only 12 fsynced
	wantHW(t, s, 12)
	s.FollowerFetched(3, fetch(20, 20, 20), 40)
	wantHW(t, s, 20)
	if _, ok := s.FollowerFetched(9, fetch(20, 20, 20), 40); ok {
		t.Fatal("a fetch from an unassigned replica was recorded")
	}
}

func TestISRShrinkAndMinInsync(t *testing.T) {
	s := New(Config{BrokerID: 1}, local(0, 0), 0)
	s.MakeLeader(decision(1, 1, []int32{1, 2, 3}, 1, 2, 3), local(0, 0), 0)
	s.LocalLogUpdated(local(5, 5), 0)
	s.FollowerFetched(2, fetch(5, 5, 5), 100)
	s.FollowerFetched(3, fetch(5, 5, 5), 100)
	wantHW(t, s, 5)
	if err := s.CheckAppend(-1, 2); err != nil {
		t.Fatal(err)
	}
	// an acks=all append to 15; follower 2 keeps up, 3 stops fetching
	s.LocalLogUpdated(local(15, 15), 200)
	for now := int64(1000); now <= lag+1000; now += 1000 {
		s.FollowerFetched(2, fetch(15, 15, 15), now)
	}
	wantHW(t, s, 5)
	if eff := s.Tick(lag + 50); eff.IsrChange != nil {
		t.Fatal("shrunk before replica.lag.time.max.ms")
	}
	eff := s.Tick(lag + 101)
	if eff.IsrChange == nil || eff.IsrChange.Expand || !slices.Equal(eff.IsrChange.ISR, []int32{1, 2}) || eff.IsrChange.ZkVersion != 1 {
		t.Fatalf("shrink %+v", eff.IsrChange)
	}
	// in flight: the HW still waits for 3, nothing else is proposed
	wantHW(t, s, 5)
	if eff := s.Tick(lag + 5000); eff.IsrChange != nil {
		t.Fatal("a second change while one is in flight")
	}
	eff = s.IsrChangeDone(eff.IsrChange, IsrCommitted, LeaderAndIsr{LeaderEpoch: 1, ISR: []int32{1, 2}, ZkVersion: 2}, lag+6000)
	if !eff.HighWatermarkAdvanced || !slices.Equal(s.ISR(), []int32{1, 2}) || s.ZkVersion() != 2 {
		t.Fatalf("after commit: %+v isr %v version %d", eff, s.ISR(), s.ZkVersion())
	}
	wantHW(t, s, 15)
	if st := s.CheckEnoughReplicasReachOffset(15, 2); st != AckDone {
		t.Fatalf("status %v", st)
	}
	// 2 falls behind too: ISR {1}, below min.insync.replicas=2
	s.LocalLogUpdated(local(25, 25), lag+7000)
	ch := s.Tick(2*lag + 7000).IsrChange
	s.IsrChangeDone(ch, IsrCommitted, LeaderAndIsr{LeaderEpoch: 1, ISR: []int32{1}, ZkVersion: 3}, 2*lag+7000)
	if st := s.CheckEnoughReplicasReachOffset(25, 2); st != AckNotEnoughAfterAppend {
		t.Fatalf("status %v, want not enough after append", st)
	}
	if err := s.CheckAppend(-1, 2); !errors.Is(err, ErrNotEnoughReplicas) {
		t.Fatalf("acks=all append: %v", err)
	}
	if err := s.CheckAppend(1, 2); err != nil {
		t.Fatalf("acks=1 append: %v", err)
	}
}

func TestISRExpansion(t *testing.T) {
	const T = 1_700_000_000_000 // lastCaughtUpTime 0 must be long ago
	s := New(Config{BrokerID: 1}, local(100, 100), 100)
	s.MakeLeader(decision(4, 1, []int32{1}, 1, 2), local(100, 100), T)
	if s.EpochStartOffset() != 100 {
		t.Fatalf("epoch start %d", s.EpochStartOffset())
	}
	s.LocalLogUpdated(local(120, 120), T+1)
	wantHW(t, s, 120)
	// not caught up to the HW: no expansion, and the HW does not wait
	eff, _ := s.FollowerFetched(2, fetch(90, 90, 120), T+2)
	if eff.IsrChange != nil {
		t.Fatalf("expanded at %+v", eff.IsrChange)
	}
	// caught up to the leader's end: joins; acks=all now waits for its fsync
	eff, _ = s.FollowerFetched(2, fetch(120, 110, 120), T+3)
	if eff.IsrChange == nil || !eff.IsrChange.Expand || !slices.Equal(eff.IsrChange.ISR, []int32{1, 2}) {
		t.Fatalf("expansion %+v", eff.IsrChange)
	}
	if !slices.Equal(s.MaximalISR(), []int32{1, 2}) || !slices.Equal(s.ISR(), []int32{1}) {
		t.Fatalf("maximal %v committed %v", s.MaximalISR(), s.ISR())
	}
	s.LocalLogUpdated(local(130, 130), T+4)
	wantHW(t, s, 120) // never down to 110: HW does not decrease
	s.FollowerFetched(2, fetch(130, 125, 130), T+5)
	wantHW(t, s, 125)
	// stale or unknown outcomes are ignored; retry proposes it again
	other := &IsrChange{LeaderEpoch: 4, ISR: []int32{1, 3}, ZkVersion: 4, Expand: true}
	if eff := s.IsrChangeDone(other, IsrCommitted, LeaderAndIsr{LeaderEpoch: 4, ISR: []int32{1, 3}, ZkVersion: 5}, T+6); eff != (Effects{}) || !slices.Equal(s.ISR(), []int32{1}) {
		t.Fatal("an outcome for another change was applied")
	}
	if eff := s.IsrChangeDone(s.PendingIsrChange(), IsrRetry, LeaderAndIsr{}, T+6); eff.IsrChange == nil || !eff.IsrChange.Expand {
		t.Fatalf("retry %+v", eff)
	}
	// a committed state from an older version is ignored
	s.IsrChangeDone(s.PendingIsrChange(), IsrCommitted, LeaderAndIsr{LeaderEpoch: 4, ISR: []int32{1, 2}, ZkVersion: 3}, T+7)
	if s.PendingIsrChange() == nil {
		t.Fatal("stale version committed")
	}
	s.IsrChangeDone(s.PendingIsrChange(), IsrCommitted, LeaderAndIsr{LeaderEpoch: 4, ISR: []int32{1, 2}, ZkVersion: 5}, T+8)
	if !slices.Equal(s.ISR(), []int32{1, 2}) || s.PendingIsrChange() != nil {
		t.Fatalf("isr %v", s.ISR())
	}
}

func TestGivingUpKeepsTheChangeInFlight(t *testing.T) {
	s := New(Config{BrokerID: 1}, local(0, 0), 0)
	s.MakeLeader(decision(1, 1, []int32{1, 2}, 1, 2), local(10, 10), 0)
	ch := s.Tick(lag + 1).IsrChange
	if ch == nil {
		t.Fatal("no shrink")
	}
	s.IsrChangeDone(ch, IsrGaveUp, LeaderAndIsr{}, lag+2)
	if s.PendingIsrChange() == nil || s.Tick(3*lag).IsrChange != nil {
		t.Fatal("gave up but proposed again")
	}
	// the next decision clears it
	s.MakeLeader(decision(2, 1, []int32{1}, 1, 2), local(10, 10), 3*lag)
	if s.PendingIsrChange() != nil || !slices.Equal(s.ISR(), []int32{1}) {
		t.Fatal("LeaderAndIsr did not reset the ISR state")
	}
}

// A follower fetching at the leader's end is never out of sync, however
// long ago it last fetched; one that fetches steadily but stays behind by
// less than one fetch round stays in (lastCaughtUpTime rules).
func TestCaughtUpRules(t *testing.T) {
	s := New(Config{BrokerID: 1}, local(0, 0), 0)
	s.MakeLeader(decision(1, 1, []int32{1, 2}, 1, 2), local(0, 0), 0)
	s.FollowerFetched(2, fetch(0, 0, 0), 0)
	if s.Tick(10*lag).IsrChange != nil {
		t.Fatal("an idle follower at the log end was removed")
	}
	// the leader appends between every two fetches; each fetch reaches
	// the end the previous fetch saw
	leo := int64(0)
	for now := int64(1000); now < 3*lag; now += 1000 {
		prev := leo
		leo += 5
		s.LocalLogUpdated(local(leo, leo), now)
		s.FollowerFetched(2, fetch(prev, prev, leo), now)
		if ch := s.Tick(now).IsrChange; ch != nil {
			t.Fatalf("steady follower removed at %d", now)
		}
	}
}

func TestMakeLeaderResetsFollowers(t *testing.T) {
	s := New(Config{BrokerID: 1}, local(50, 50), 40)
	if !s.MakeFollower(decision(3, 2, []int32{2, 1}, 1, 2), local(50, 50)) {
		t.Fatal("becoming a follower reported no change")
	}
	if s.Role() != RoleFollower || s.Leader() != 2 || len(s.ISR()) != 0 {
		t.Fatalf("role %v leader %d isr %v", s.Role(), s.Leader(), s.ISR())
	}
	if s.MakeFollower(decision(3, 2, []int32{2, 1}, 1, 2), local(50, 50)) {
		t.Fatal("the same leader and epoch reported as a change")
	}
	if !s.MakeFollower(decision(4, 2, []int32{2, 1}, 1, 2), local(50, 50)) {
		t.Fatal("a new epoch not reported")
	}
	s.FollowerHighWatermark(70) // capped at the log end
	wantHW(t, s, 50)
	s.LocalLogUpdated(local(45, 45), 0) // truncation
	wantHW(t, s, 45)

	isNew, _ := s.MakeLeader(decision(5, 1, []int32{1, 2}, 1, 2), local(45, 45), 100)
	if !isNew || s.EpochStartOffset() != 45 || s.LeaderEpoch() != 5 {
		t.Fatalf("new %v start %d epoch %d", isNew, s.EpochStartOffset(), s.LeaderEpoch())
	}
	f, _ := s.Follower(2)
	if f.LogEndOffset != UnknownOffset || f.LastCaughtUpTimeMs != 100 {
		t.Fatalf("follower %+v", f)
	}
	// the HW waits for the ISR member whose position is unknown
	s.LocalLogUpdated(local(60, 60), 101)
	wantHW(t, s, 45)
	// a follower that has not reached the epoch start cannot join
	s2 := New(Config{BrokerID: 1}, local(45, 45), 45)
	s2.MakeLeader(decision(6, 1, []int32{1}, 1, 2), local(45, 45), 0)
	if eff, _ := s2.FollowerFetched(2, fetch(45, 45, 45), 1); eff.IsrChange == nil {
		t.Fatal("a follower at the epoch start did not join")
	}
	isNew, _ = s2.MakeLeader(decision(7, 1, []int32{1}, 1, 2), local(60, 60), 2)
	if isNew {
		t.Fatal("re-election reported as a new leadership")
	}
	if eff, _ := s2.FollowerFetched(2, fetch(50, 50, 60), 3); eff.IsrChange != nil {
		t.Fatal("a follower below the epoch start joined")
	}
}

func TestCheckLeaderEpochAndRoles(t *testing.T) {
	s := New(Config{BrokerID: 1}, local(0, 0), 0)
	if err := s.CheckAppend(1, 1); !errors.Is(err, ErrNotLeader) {
		t.Fatalf("append without a role: %v", err)
	}
	if st := s.CheckEnoughReplicasReachOffset(0, 1); st != AckNotLeader {
		t.Fatalf("status %v", st)
	}
	s.MakeLeader(decision(5, 1, []int32{1}, 1), local(0, 0), 0)
	for _, tc := range []struct {
		epoch int32
		want  error
	}{{NoEpoch, nil}, {5, nil}, {4, ErrFencedLeaderEpoch}, {6, ErrUnknownLeaderEpoch}} {
		if err := s.CheckLeaderEpoch(tc.epoch); !errors.Is(err, tc.want) || (tc.want == nil && err != nil) {
			t.Errorf("epoch %d: %v, want %v", tc.epoch, err, tc.want)
		}
	}
	s.Stop()
	if s.IsLeader() || s.Leader() != -1 {
		t.Fatal("still leader after Stop")
	}
}

func TestLowWatermark(t *testing.T) {
	s := New(Config{BrokerID: 1}, LocalLog{LogStartOffset: 30, LogEndOffset: 100, DurableOffset: 100}, 100)
	s.MakeLeader(decision(1, 1, []int32{1, 2, 3}, 1, 2, 3), LocalLog{LogStartOffset: 30, LogEndOffset: 100, DurableOffset: 100}, 0)
	s.FollowerFetched(2, FollowerFetch{FetchOffset: 100, DurableOffset: 100, LogStartOffset: 20, LeaderEndOffset: 100}, 1)
	s.FollowerFetched(3, FollowerFetch{FetchOffset: 100, DurableOffset: 100, LogStartOffset: 10, LeaderEndOffset: 100}, 1)
	if lw := s.LowWatermark(nil); lw != 10 {
		t.Fatalf("low watermark %d", lw)
	}
	if lw := s.LowWatermark(func(id int32) bool { return id != 3 }); lw != 20 {
		t.Fatalf("low watermark without 3: %d", lw)
	}
}

// epochs is a follower's or leader's epoch cache for FollowerTruncation.
type epochs []EpochEndOffset // (epoch, start offset), ascending

func (e epochs) endFor(leo int64) func(int32) (EpochEndOffset, bool) {
	return func(req int32) (EpochEndOffset, bool) {
		for i := len(e) - 1; i >= 0; i-- {
			if e[i].LeaderEpoch <= req {
				end := leo
				if i+1 < len(e) {
					end = e[i+1].EndOffset
				}
				return EpochEndOffset{e[i].LeaderEpoch, end}, true
			}
		}
		return EpochEndOffset{}, false
	}
}

func TestFollowerTruncation(t *testing.T) {
	for _, tc := range []struct {
		name        string
		leader      EpochEndOffset
		own         epochs
		leo, fetch  int64
		want        Truncation
		notHWTarget int64
	}{
		{
			// KIP-101 scenario 1: the follower has m2 (offset 1) in epoch 0
			// with HW 1 (stale); the leader's epoch 0 ends at 2. Truncating
			// to the HW would lose m2; by epoch nothing is lost.
			name: "no loss of a committed record", leader: EpochEndOffset{0, 2},
			own: epochs{{0, 0}}, leo: 2, fetch: 2, want: Truncation{2, true},
		},
		{
			// KIP-101 scenario 2: the follower's epoch 0 ran to 2, the new
			// leader's epoch 0 ended at 1: the logs diverge at 1.
			name: "diverging logs", leader: EpochEndOffset{0, 1},
			own: epochs{{0, 0}}, leo: 2, fetch: 2, want: Truncation{1, true},
		},
		{
			// KIP-279: the follower wrote in epoch 2, which the leader never
			// saw; the leader answers for epoch 1 (its largest <= 2), ending
			// at 5; the follower's epoch 1 ended at 4 -> truncate to 4.
			name: "leader's answer below our epoch", leader: EpochEndOffset{1, 5},
			own: epochs{{0, 0}, {1, 3}, {2, 4}}, leo: 8, fetch: 8, want: Truncation{4, true},
		},
		{
			// KIP-279: the leader answers with an epoch the follower does not
			// have: truncate to the end of our largest epoch below it and ask again.
			name: "epoch unknown to the follower", leader: EpochEndOffset{3, 10},
			own: epochs{{0, 0}, {2, 6}}, leo: 9, fetch: 9, want: Truncation{9, false},
		},
		{
			name: "unknown epoch, follower ahead", leader: EpochEndOffset{3, 10},
			own: epochs{{0, 0}, {2, 6}, {4, 12}}, leo: 14, fetch: 14, want: Truncation{12, false},
		},
		{
			name: "leader knows nothing: keep the fetch offset", leader: EpochEndOffset{UndefinedEpoch, UndefinedEpochOffset},
			own: epochs{{0, 0}}, leo: 7, fetch: 7, want: Truncation{7, true},
		},
		{
			name: "follower has no epoch at or below", leader: EpochEndOffset{1, 3},
			own: epochs{{5, 0}}, leo: 7, fetch: 7, want: Truncation{3, true},
		},
		{
			name: "pre-epoch answer", leader: EpochEndOffset{UndefinedEpoch, 4},
			own: epochs{{0, 0}}, leo: 7, fetch: 7, want: Truncation{4, true},
		},
	} {
		got := FollowerTruncation(tc.leader, tc.own.endFor(tc.leo), tc.leo, tc.fetch)
		if got != tc.want {
			t.Errorf("%s: %+v, want %+v", tc.name, got, tc.want)
		}
	}
}

func TestDiverging(t *testing.T) {
	if Diverging(3, 10, EpochEndOffset{3, 12}) {
		t.Fatal("same epoch, end beyond the fetch offset")
	}
	if !Diverging(3, 10, EpochEndOffset{2, 12}) || !Diverging(3, 10, EpochEndOffset{3, 8}) {
		t.Fatal("divergence not detected")
	}
}

// TestRandomizedInvariants drives a leader through random appends,
// fsyncs, follower fetches, ticks and ISR outcomes and checks, after
// every event, that the HW never decreases, never exceeds the durable
// offset of a maximal-ISR member, and that a completed acks=all offset
// is durable on every member of the maximal ISR.
func TestRandomizedInvariants(t *testing.T) {
	for seed := uint64(1); seed <= 20; seed++ {
		rng := rand.New(rand.NewPCG(seed, seed))
		s := New(Config{BrokerID: 1, ReplicaLagTimeMaxMs: 100}, local(0, 0), 0)
		s.MakeLeader(decision(1, 1, []int32{1, 2, 3}, 1, 2, 3), local(0, 0), 0)
		leo, durable, now := int64(0), int64(0), int64(0)
		fol := map[int32][2]int64{2: {0, 0}, 3: {0, 0}} // fetch, durable
		var pending *IsrChange
		lastHW := s.HighWatermark()
		for step := 0; step < 2000; step++ {
			now += int64(rng.IntN(20))
			switch rng.IntN(6) {
			case 0:
				leo += int64(rng.IntN(5))
				s.LocalLogUpdated(local(leo, durable), now)
			case 1:
				durable = leo
				s.LocalLogUpdated(local(leo, durable), now)
			case 2:
				id := int32(2 + rng.IntN(2))
				f := fol[id]
				nf := min(leo, f[0]+int64(rng.IntN(8)))
				nd := f[1] + int64(rng.IntN(int(nf-f[1])+1))
				fol[id] = [2]int64{nf, nd}
				if eff, _ := s.FollowerFetched(id, fetch(nf, nd, leo), now); eff.IsrChange != nil {
					pending = eff.IsrChange
				}
			case 3:
				if eff := s.Tick(now); eff.IsrChange != nil {
					pending = eff.IsrChange
				}
			case 4:
				if pending != nil {
					c := pending
					pending = nil
					s.IsrChangeDone(c, IsrCommitted, LeaderAndIsr{LeaderEpoch: 1, ISR: c.ISR, ZkVersion: s.ZkVersion() + 1}, now)
				}
			}
			hw := s.HighWatermark()
			if hw < lastHW {
				t.Fatalf("seed %d step %d: HW went from %d to %d", seed, step, lastHW, hw)
			}
			if hw > durable {
				t.Fatalf("seed %d step %d: HW %d above the leader's durable %d", seed, step, hw, durable)
			}
			if hw > lastHW {
				// an advance covers every member of the maximal ISR
				for _, id := range s.MaximalISR() {
					if id != 1 && hw > fol[id][1] {
						t.Fatalf("seed %d step %d: HW advanced to %d past follower %d's durable %d", seed, step, hw, id, fol[id][1])
					}
				}
			}
			lastHW = hw
		}
		if s.Role() != RoleLeader || lastHW == 0 {
			t.Fatalf("seed %d: role %v, HW %d", seed, s.Role(), lastHW)
		}
	}
}
