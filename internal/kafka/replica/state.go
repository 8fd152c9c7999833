package replica

import (
	"errors"
	"fmt"
	"slices"
)

// Errors, each the Kafka error a request gets.
var (
	// ErrNotLeader is NOT_LEADER_OR_FOLLOWER: the operation needs the leader.
	ErrNotLeader = errors.New("replica: not the leader")
	// ErrNotEnoughReplicas is NOT_ENOUGH_REPLICAS: an acks=all append while
	// the ISR is smaller than min.insync.replicas; nothing is appended.
	ErrNotEnoughReplicas = errors.New("replica: not enough in-sync replicas")
	// ErrFencedLeaderEpoch is FENCED_LEADER_EPOCH: the request names an
	// older leader epoch than ours.
	ErrFencedLeaderEpoch = errors.New("replica: fenced leader epoch")
	// ErrUnknownLeaderEpoch is UNKNOWN_LEADER_EPOCH: the request names a
	// newer leader epoch than ours.
	ErrUnknownLeaderEpoch = errors.New("replica: unknown leader epoch")
)

// DefaultReplicaLagTimeMaxMs is replica.lag.time.max.ms's default.
const DefaultReplicaLagTimeMaxMs = 30000

// UnknownOffset is an offset not known yet (Log.UnknownOffset).
const UnknownOffset = int64(-1)

// NoEpoch is a request without a leader epoch (RecordBatch.NO_PARTITION_LEADER_EPOCH).
const NoEpoch = int32(-1)

// Role is what this broker is for the partition.
type Role int8

const (
	RoleNone Role = iota
	RoleLeader
	RoleFollower
)

func (r Role) String() string {
	switch r {
	case RoleLeader:
		return "leader"
	case RoleFollower:
		return "follower"
	}
	return "none"
}

// Config is the replica state's share of the broker config.
type Config struct {
	BrokerID int32
	// ReplicaLagTimeMaxMs is replica.lag.time.max.ms: a follower that has
	// not caught up with the leader's log end for this long leaves the ISR.
	ReplicaLagTimeMaxMs int64
}

// LeaderAndIsr is the controller's decision for the partition, as a
// LeaderAndIsr request carries it (LeaderAndIsrPartitionState).
type LeaderAndIsr struct {
	ControllerEpoch  int32
	Leader           int32
	LeaderEpoch      int32
	ISR              []int32
	ZkVersion        int32 // the partition state znode's version (partition epoch)
	Replicas         []int32
	AddingReplicas   []int32
	RemovingReplicas []int32
}

// LocalLog is what the state needs to know of the local log.
type LocalLog struct {
	LogStartOffset int64
	LogEndOffset   int64
	// DurableOffset is the offset below which the local log counts toward
	// the high watermark: its recovery point (everything below it
	// fsynced) when acks=all waits for fsync, else the log end offset.
	DurableOffset int64
}

// Follower is the leader's view of one other replica (Replica.scala).
type Follower struct {
	ID int32
	// LogEndOffset is the fetch offset of its last fetch (UnknownOffset
	// until it fetches under this leader); ISR membership goes by it.
	LogEndOffset int64
	// DurableOffset is the offset below which it reported its log
	// fsynced; this, not LogEndOffset, counts toward the high watermark.
	// A follower that cannot tell reports its fetch offset.
	DurableOffset  int64
	LogStartOffset int64
	// LastCaughtUpTimeMs is the last time its fetch reached the leader's
	// log end offset as of that fetch or the one before.
	LastCaughtUpTimeMs int64

	lastFetchLeaderLEO int64
	lastFetchTimeMs    int64
}

// IsrChange is an ISR the leader proposes, to be written through the
// controller or ZooKeeper (AlterIsr, or the partition state znode under
// its version); its outcome comes back through IsrChangeDone.
type IsrChange struct {
	Leader          int32
	LeaderEpoch     int32
	ISR             []int32
	ZkVersion       int32 // the version the write is conditional on
	ControllerEpoch int32
	Expand          bool // adding a follower (else removing)
}

// Effects are what an event asks of the owner.
type Effects struct {
	// HighWatermarkAdvanced: complete the delayed produces, fetches and
	// record deletions waiting on the partition.
	HighWatermarkAdvanced bool
	// IsrChange, when set, must be written (and the result fed back).
	IsrChange *IsrChange
}

func (e *Effects) merge(o Effects) {
	e.HighWatermarkAdvanced = e.HighWatermarkAdvanced || o.HighWatermarkAdvanced
	if o.IsrChange != nil {
		e.IsrChange = o.IsrChange
	}
}

// State is one partition's replication state on this broker: the role,
// leader epoch, ISR, high watermark and, on the leader, every follower's
// progress. It is a pure state machine: every method takes the time it
// needs and does no I/O; it is not safe for concurrent use (its owner, the
// partition, holds a lock).
type State struct {
	cfg              Config
	role             Role
	leader           int32
	leaderEpoch      int32
	epochStartOffset int64 // on the leader: the log end offset when its epoch began
	zkVersion        int32
	controllerEpoch  int32
	replicas         []int32
	adding, removing []int32
	isr              []int32    // committed
	pending          *IsrChange // an ISR change in flight
	followers        map[int32]*Follower
	hw               int64
	local            LocalLog
}

// New returns the state of a partition this broker neither leads nor
// follows yet, over a local log and its high watermark (read from
// replication-offset-checkpoint; clamped into the log).
func New(cfg Config, local LocalLog, highWatermark int64) *State {
	if cfg.ReplicaLagTimeMaxMs <= 0 {
		cfg.ReplicaLagTimeMaxMs = DefaultReplicaLagTimeMaxMs
	}
	s := &State{cfg: cfg, leader: -1, leaderEpoch: -1, epochStartOffset: UnknownOffset, zkVersion: -1,
		followers: map[int32]*Follower{}, local: local}
	s.hw = s.clampHW(highWatermark)
	return s
}

func (s *State) clampHW(hw int64) int64 {
	return max(s.local.LogStartOffset, min(hw, s.local.LogEndOffset))
}

// Role is this broker's role.
func (s *State) Role() Role { return s.role }

// IsLeader reports whether this broker leads the partition.
func (s *State) IsLeader() bool { return s.role == RoleLeader }

// Leader is the leader's broker id (-1 if unknown).
func (s *State) Leader() int32 { return s.leader }

// LeaderEpoch is the current leader epoch (-1 before the first decision).
func (s *State) LeaderEpoch() int32 { return s.leaderEpoch }

// EpochStartOffset is, on the leader, where its epoch began.
func (s *State) EpochStartOffset() int64 { return s.epochStartOffset }

// ZkVersion is the partition state version this broker last saw.
func (s *State) ZkVersion() int32 { return s.zkVersion }

// ControllerEpoch is the epoch of the controller of the last decision.
func (s *State) ControllerEpoch() int32 { return s.controllerEpoch }

// HighWatermark is the high watermark.
func (s *State) HighWatermark() int64 { return s.hw }

// Local is the local log as last reported.
func (s *State) Local() LocalLog { return s.local }

// ISR is the committed ISR (empty on a follower).
func (s *State) ISR() []int32 { return slices.Clone(s.isr) }

// MaximalISR is the committed ISR plus a follower being added: what the
// high watermark and acks=all must wait for (KIP-497).
func (s *State) MaximalISR() []int32 {
	if s.pending != nil && s.pending.Expand {
		return slices.Clone(s.pending.ISR)
	}
	return slices.Clone(s.isr)
}

func (s *State) inMaximalISR(id int32) bool {
	if s.pending != nil && s.pending.Expand {
		return slices.Contains(s.pending.ISR, id)
	}
	return slices.Contains(s.isr, id)
}

// PendingIsrChange is the ISR change in flight, if any.
func (s *State) PendingIsrChange() *IsrChange { return s.pending }

// Replicas is the assignment.
func (s *State) Replicas() []int32 { return slices.Clone(s.replicas) }

// Follower returns the leader's view of a follower.
func (s *State) Follower(id int32) (Follower, bool) {
	f, ok := s.followers[id]
	if !ok {
		return Follower{}, false
	}
	return *f, true
}

// CheckLeaderEpoch compares a request's current leader epoch with ours
// (Partition.checkCurrentLeaderEpoch); NoEpoch passes.
func (s *State) CheckLeaderEpoch(requested int32) error {
	switch {
	case requested == NoEpoch || requested == s.leaderEpoch:
		return nil
	case requested < s.leaderEpoch:
		return fmt.Errorf("%w: request epoch %d, current %d", ErrFencedLeaderEpoch, requested, s.leaderEpoch)
	}
	return fmt.Errorf("%w: request epoch %d, current %d", ErrUnknownLeaderEpoch, requested, s.leaderEpoch)
}

// setAssignment is updateAssignmentAndIsr: followers for the new
// replicas are created, those of removed replicas dropped.
func (s *State) setAssignment(ls LeaderAndIsr, isr []int32) {
	s.replicas = slices.Clone(ls.Replicas)
	s.adding, s.removing = slices.Clone(ls.AddingReplicas), slices.Clone(ls.RemovingReplicas)
	keep := map[int32]bool{}
	for _, id := range ls.Replicas {
		if id == s.cfg.BrokerID {
			continue
		}
		keep[id] = true
		if s.followers[id] == nil {
			s.followers[id] = &Follower{ID: id, LogEndOffset: UnknownOffset, DurableOffset: UnknownOffset,
				LogStartOffset: UnknownOffset, lastFetchLeaderLEO: UnknownOffset}
		}
	}
	for id := range s.followers {
		if !keep[id] {
			delete(s.followers, id)
		}
	}
	s.isr = slices.Clone(isr)
	s.pending = nil
}

// IsUnderReplicated: the leader's ISR is smaller than the assignment.
func (s *State) IsUnderReplicated() bool {
	return s.IsLeader() && len(s.isr) < len(s.replicas)
}
