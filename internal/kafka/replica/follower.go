package replica

// UndefinedEpoch and UndefinedEpochOffset are an OffsetsForLeaderEpoch
// answer that knows nothing (UNDEFINED_EPOCH, UNDEFINED_EPOCH_OFFSET).
const (
	UndefinedEpoch       = int32(-1)
	UndefinedEpochOffset = int64(-1)
)

// EpochEndOffset is an OffsetsForLeaderEpoch answer: the largest epoch at
// or below the one asked that the replica knows, and where it ended (the
// start of the next epoch, or the log end offset for the latest).
type EpochEndOffset struct {
	LeaderEpoch int32
	EndOffset   int64
}

// FollowerHighWatermark is the follower's high watermark after a fetch
// response carrying the leader's: capped at the local log end, and applied
// only after any truncation the response asked for (KAFKA-14704).
func (s *State) FollowerHighWatermark(leaderHW int64) {
	if s.role == RoleFollower {
		s.hw = s.clampHW(leaderHW)
	}
}

// Truncation is where a follower truncates to, and whether it is done or
// must ask the leader again (OffsetTruncationState).
type Truncation struct {
	Offset    int64
	Completed bool
}

// FollowerTruncation computes a follower's truncation from the leader's
// answer for the follower's latest epoch (AbstractFetcherThread.
// getOffsetTruncationState, KIP-101 and KIP-279). localEnd answers the
// same question from the follower's own epoch cache; localLEO is its log
// end offset and fetchOffset its initial fetch offset (the log end offset
// when the log has epochs, the high watermark only when it has none:
// never the high watermark otherwise, the bug KIP-101 fixed).
//
//   - The leader knows nothing (undefined offset): keep fetchOffset.
//   - The follower knows the leader's epoch: truncate to the smaller of
//     both ends of it.
//   - It does not: truncate to the end of its largest epoch below the
//     leader's and ask again (KIP-279's fast failovers).
//   - It has no epoch at or below it: the leader's end offset.
func FollowerTruncation(leader EpochEndOffset, localEnd func(epoch int32) (EpochEndOffset, bool), localLEO, fetchOffset int64) Truncation {
	switch {
	case leader.EndOffset == UndefinedEpochOffset:
		return Truncation{Offset: fetchOffset, Completed: true}
	case leader.LeaderEpoch == UndefinedEpoch:
		return Truncation{Offset: min(leader.EndOffset, localLEO), Completed: true}
	}
	own, ok := localEnd(leader.LeaderEpoch)
	switch {
	case !ok:
		return Truncation{Offset: min(leader.EndOffset, localLEO), Completed: true}
	case own.LeaderEpoch != leader.LeaderEpoch:
		return Truncation{Offset: min(own.EndOffset, localLEO), Completed: false}
	}
	return Truncation{Offset: min(own.EndOffset, leader.EndOffset, localLEO), Completed: true}
}

// Diverging reports whether a follower fetching at fetchOffset after
// lastFetchedEpoch diverges from the leader, whose answer for that epoch
// is end (Partition.readRecords, KIP-595's truncation on fetch): the
// leader then returns end instead of records and the follower truncates.
func Diverging(lastFetchedEpoch int32, fetchOffset int64, end EpochEndOffset) bool {
	return end.LeaderEpoch < lastFetchedEpoch || end.EndOffset < fetchOffset
}
