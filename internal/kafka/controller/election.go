package controller

import "slices"

// Leader election algorithms (kafka.controller.PartitionLeaderElectionAlgorithms
// and Election). They are pure: the caller passes the assignment, the ISR
// and which replicas are online.

// OfflineLeader picks the leader of a partition without a live leader: the
// first assigned replica that is live and in the ISR; failing that, with
// unclean election allowed, the first live assigned replica. ok is false
// when there is none. unclean reports an unclean choice.
func OfflineLeader(assignment, isr []int32, live func(int32) bool, allowUnclean bool) (leader int32, unclean, ok bool) {
	for _, r := range assignment {
		if live(r) && slices.Contains(isr, r) {
			return r, false, true
		}
	}
	if allowUnclean {
		for _, r := range assignment {
			if live(r) {
				return r, true, true
			}
		}
	}
	return -1, false, false
}

// ElectOffline is Election.leaderForOffline: the new leader and ISR of a
// partition (the ISR shrinks to its live members, or to the new leader
// alone after an unclean election), with the next leader epoch.
func ElectOffline(assignment []int32, cur LeaderAndIsr, live func(int32) bool, allowUnclean bool) (LeaderAndIsr, bool) {
	leader, _, ok := OfflineLeader(assignment, cur.ISR, live, allowUnclean)
	if !ok {
		return LeaderAndIsr{}, false
	}
	var isr []int32
	if slices.Contains(cur.ISR, leader) {
		for _, r := range cur.ISR {
			if live(r) {
				isr = append(isr, r)
			}
		}
	} else {
		isr = []int32{leader}
	}
	return cur.NewLeaderAndIsr(leader, isr), true
}

// PreferredLeader is preferredReplicaPartitionLeaderElection: the first
// assigned replica, if it is live and in the ISR.
func PreferredLeader(assignment, isr []int32, live func(int32) bool) (int32, bool) {
	if len(assignment) == 0 {
		return -1, false
	}
	r := assignment[0]
	if live(r) && slices.Contains(isr, r) {
		return r, true
	}
	return -1, false
}

// ControlledShutdownLeader is controlledShutdownPartitionLeaderElection: the
// first assigned replica that is live, in the ISR and not shutting down.
func ControlledShutdownLeader(assignment, isr []int32, live func(int32) bool, shuttingDown func(int32) bool) (int32, bool) {
	for _, r := range assignment {
		if live(r) && slices.Contains(isr, r) && !shuttingDown(r) {
			return r, true
		}
	}
	return -1, false
}

// RemoveReplicaFromISR is what the OfflineReplica transition writes for a
// replica that went away: it loses the leadership (leader -1) if it had it,
// and leaves the ISR unless it is its last member (Kafka keeps the last one
// so that a clean election can bring it back).
func RemoveReplicaFromISR(cur LeaderAndIsr, replica int32) (LeaderAndIsr, bool) {
	if !slices.Contains(cur.ISR, replica) {
		return cur, false
	}
	leader := cur.Leader
	if leader == replica {
		leader = noLeader
	}
	isr := cur.ISR
	if len(isr) > 1 {
		isr = slices.DeleteFunc(slices.Clone(isr), func(r int32) bool { return r == replica })
	}
	return cur.NewLeaderAndIsr(leader, isr), true
}
