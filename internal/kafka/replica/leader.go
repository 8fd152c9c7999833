package replica

import (
	"fmt"
	"slices"
)

// MakeLeader makes this broker the leader (Partition.makeLeader): the
// assignment and ISR from the decision, the new epoch starting at the
// local log end offset (the owner assigns it in the log's epoch cache
// too, KIP-279), every follower's catch-up clock restarted, and their
// fetch state forgotten if leadership is new. It reports whether this
// broker was not the leader before.
func (s *State) MakeLeader(ls LeaderAndIsr, local LocalLog, now int64) (isNewLeader bool, eff Effects) {
	s.controllerEpoch = ls.ControllerEpoch
	s.setAssignment(ls, ls.ISR)
	s.local = local
	s.hw = s.clampHW(s.hw)
	s.leaderEpoch = ls.LeaderEpoch
	s.epochStartOffset = local.LogEndOffset
	s.zkVersion = ls.ZkVersion
	for _, f := range s.followers {
		caughtUp := int64(0)
		if slices.Contains(s.isr, f.ID) {
			caughtUp = now
		}
		f.lastFetchLeaderLEO, f.lastFetchTimeMs, f.LastCaughtUpTimeMs = s.epochStartOffset, now, caughtUp
	}
	isNewLeader = s.role != RoleLeader
	if isNewLeader {
		s.role, s.leader = RoleLeader, s.cfg.BrokerID
		for _, f := range s.followers {
			f.updateFetchState(UnknownOffset, UnknownOffset, UnknownOffset, 0, UnknownOffset)
		}
	}
	eff.HighWatermarkAdvanced = s.maybeIncrementHW(now)
	return isNewLeader, eff
}

// MakeFollower makes this broker a follower of ls.Leader
// (Partition.makeFollower): no ISR is kept here. It reports whether
// anything changed that the fetcher must act on (a new leader or epoch).
func (s *State) MakeFollower(ls LeaderAndIsr, local LocalLog) bool {
	oldEpoch := s.leaderEpoch
	s.controllerEpoch = ls.ControllerEpoch
	s.setAssignment(ls, nil)
	s.local = local
	s.hw = s.clampHW(s.hw)
	s.leaderEpoch = ls.LeaderEpoch
	s.epochStartOffset = UnknownOffset
	s.zkVersion = ls.ZkVersion
	wasFollowing := s.role == RoleFollower && s.leader == ls.Leader
	s.role, s.leader = RoleFollower, ls.Leader
	return !(wasFollowing && s.leaderEpoch == oldEpoch)
}

// Stop forgets the role (StopReplica, or the partition going offline).
func (s *State) Stop() {
	s.role, s.leader, s.epochStartOffset, s.pending = RoleNone, -1, UnknownOffset, nil
	s.isr = nil
	clear(s.followers)
}

// LocalLogUpdated reports the local log after an append, a flush, a
// truncation or a log start offset change. On the leader the high
// watermark may advance; on a follower it is capped at the log end.
func (s *State) LocalLogUpdated(local LocalLog, now int64) Effects {
	s.local = local
	if s.role != RoleLeader {
		if s.hw > local.LogEndOffset {
			s.hw = local.LogEndOffset
		}
		s.hw = max(s.hw, local.LogStartOffset)
		return Effects{}
	}
	if s.hw < local.LogStartOffset {
		s.hw = local.LogStartOffset
	}
	return Effects{HighWatermarkAdvanced: s.maybeIncrementHW(now)}
}

// FollowerFetch is what a follower's fetch tells the leader.
type FollowerFetch struct {
	FetchOffset    int64 // the follower's log end offset
	DurableOffset  int64 // below it the follower's log is fsynced (FetchOffset if it cannot tell)
	LogStartOffset int64
	// LeaderEndOffset is the leader's log end offset when the fetch was
	// served.
	LeaderEndOffset int64
}

// FollowerFetched records a follower's fetch (updateFollowerFetchState):
// its position and catch-up time, then the ISR expansion it may earn and
// the high watermark it may advance. ok is false for a replica that is not
// assigned (its fetch gets no data).
func (s *State) FollowerFetched(id int32, ff FollowerFetch, now int64) (eff Effects, ok bool) {
	f := s.followers[id]
	if f == nil || s.role != RoleLeader {
		return Effects{}, false
	}
	prevDurable := f.DurableOffset
	f.updateFetchState(ff.FetchOffset, min(ff.DurableOffset, ff.FetchOffset), ff.LogStartOffset, now, ff.LeaderEndOffset)
	if s.canAddToISR(id) && f.LogEndOffset >= s.hw && f.LogEndOffset >= s.epochStartOffset {
		eff.IsrChange = s.propose(append(slices.Clone(s.isr), id), true)
	}
	if prevDurable != f.DurableOffset || eff.IsrChange != nil {
		eff.HighWatermarkAdvanced = s.maybeIncrementHW(now)
	}
	return eff, true
}

// updateFetchState is Replica.updateFetchState.
func (f *Follower) updateFetchState(fetchOffset, durable, logStart, now, leaderLEO int64) {
	switch {
	case fetchOffset >= leaderLEO:
		f.LastCaughtUpTimeMs = max(f.LastCaughtUpTimeMs, now)
	case fetchOffset >= f.lastFetchLeaderLEO:
		f.LastCaughtUpTimeMs = max(f.LastCaughtUpTimeMs, f.lastFetchTimeMs)
	}
	f.LogStartOffset, f.LogEndOffset, f.DurableOffset = logStart, fetchOffset, durable
	f.lastFetchLeaderLEO, f.lastFetchTimeMs = leaderLEO, now
}

func (s *State) canAddToISR(id int32) bool {
	return s.pending == nil && !slices.Contains(s.isr, id)
}

func (s *State) propose(isr []int32, expand bool) *IsrChange {
	slices.Sort(isr)
	s.pending = &IsrChange{Leader: s.cfg.BrokerID, LeaderEpoch: s.leaderEpoch, ISR: isr, ZkVersion: s.zkVersion,
		ControllerEpoch: s.controllerEpoch, Expand: expand}
	c := *s.pending
	c.ISR = slices.Clone(isr)
	return &c
}

// Tick removes from the ISR the followers that have not caught up within
// replica.lag.time.max.ms (maybeShrinkIsr; the broker calls it every half
// of that). A follower at the leader's log end offset is never out of sync.
func (s *State) Tick(now int64) Effects {
	if s.role != RoleLeader || s.pending != nil {
		return Effects{}
	}
	var out []int32
	for _, id := range s.isr {
		f := s.followers[id]
		if id == s.cfg.BrokerID || f == nil {
			continue
		}
		if f.LogEndOffset != s.local.LogEndOffset && now-f.LastCaughtUpTimeMs > s.cfg.ReplicaLagTimeMaxMs {
			out = append(out, id)
		}
	}
	if len(out) == 0 {
		return Effects{}
	}
	isr := slices.DeleteFunc(slices.Clone(s.isr), func(id int32) bool { return slices.Contains(out, id) })
	return Effects{IsrChange: s.propose(isr, false), HighWatermarkAdvanced: s.maybeIncrementHW(now)}
}

// IsrOutcome is how an ISR write ended.
type IsrOutcome int8

const (
	// IsrCommitted: written; Committed holds the partition state now.
	IsrCommitted IsrOutcome = iota
	// IsrRetry: a transient failure; the same change is proposed again.
	IsrRetry
	// IsrGaveUp: refused for good (stale epoch or version, unknown
	// partition); the change stays in flight until the next LeaderAndIsr.
	IsrGaveUp
)

// IsrChangeDone feeds back the outcome of the ISR write proposed as
// change (handleAlterIsrResponse). An outcome for a change no longer in
// flight is ignored.
func (s *State) IsrChangeDone(change *IsrChange, outcome IsrOutcome, committed LeaderAndIsr, now int64) Effects {
	if s.pending == nil || change == nil || !sameChange(s.pending, change) {
		return Effects{}
	}
	switch outcome {
	case IsrRetry:
		c := *s.pending
		c.ISR = slices.Clone(c.ISR)
		return Effects{IsrChange: &c}
	case IsrGaveUp:
		return Effects{}
	}
	if committed.LeaderEpoch != s.leaderEpoch || committed.ZkVersion < s.zkVersion {
		return Effects{}
	}
	s.isr = slices.Clone(committed.ISR)
	s.zkVersion = committed.ZkVersion
	s.pending = nil
	return Effects{HighWatermarkAdvanced: s.maybeIncrementHW(now)}
}

func sameChange(a, b *IsrChange) bool {
	return a.LeaderEpoch == b.LeaderEpoch && a.ZkVersion == b.ZkVersion && a.Expand == b.Expand && slices.Equal(a.ISR, b.ISR)
}

// maybeIncrementHW is maybeIncrementLeaderHW: the smallest durable offset
// among the local log and the followers that are in the maximal ISR or
// caught up within replica.lag.time.max.ms (so a follower about to join
// the ISR is not left behind). The high watermark only moves up.
func (s *State) maybeIncrementHW(now int64) bool {
	if s.role != RoleLeader {
		return false
	}
	hw := s.local.DurableOffset
	for _, f := range s.followers {
		if f.DurableOffset < hw && (now-f.LastCaughtUpTimeMs <= s.cfg.ReplicaLagTimeMaxMs || s.inMaximalISR(f.ID)) {
			hw = f.DurableOffset
		}
	}
	if hw > s.hw {
		s.hw = hw
		return true
	}
	return false
}

// CheckAppend is the leader's check before an append
// (appendRecordsToLeader): an acks=all append needs an ISR of at least
// minISR (min.insync.replicas).
func (s *State) CheckAppend(acks int16, minISR int) error {
	if s.role != RoleLeader {
		return ErrNotLeader
	}
	if acks == -1 && len(s.isr) < minISR {
		return fmt.Errorf("%w: the size of the current ISR %v is insufficient to satisfy the min.isr requirement of %d",
			ErrNotEnoughReplicas, s.isr, minISR)
	}
	return nil
}

// AckStatus is where an acks=all append stands.
type AckStatus int8

const (
	AckPending              AckStatus = iota // the high watermark has not reached it yet
	AckDone                                  // replicated (and fsynced) by the whole ISR
	AckNotEnoughAfterAppend                  // reached, but the ISR shrank below min.insync.replicas meanwhile
	AckNotLeader                             // leadership moved: NOT_LEADER_OR_FOLLOWER
)

// CheckEnoughReplicasReachOffset is where an acks=all append ending at
// requiredOffset (its last offset + 1) stands (checkEnoughReplicasReachOffset).
func (s *State) CheckEnoughReplicasReachOffset(requiredOffset int64, minISR int) AckStatus {
	switch {
	case s.role != RoleLeader:
		return AckNotLeader
	case s.hw < requiredOffset:
		return AckPending
	case len(s.MaximalISR()) < minISR:
		return AckNotEnoughAfterAppend
	}
	return AckDone
}

// LowWatermark is the smallest log start offset among the local log and
// the followers alive reports live (lowWatermarkIfLeader): DeleteRecords
// completes when it reaches the requested offset.
func (s *State) LowWatermark(alive func(id int32) bool) int64 {
	lw := s.local.LogStartOffset
	for _, f := range s.followers {
		if (alive == nil || alive(f.ID)) && f.LogStartOffset < lw {
			lw = f.LogStartOffset
		}
	}
	return lw
}
