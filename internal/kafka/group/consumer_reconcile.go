package group

import (
	"slices"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/wharf-project/wharf/internal/kafka/group/records"
)

// reconcile moves a member's current assignment one step towards its
// target (Kafka's CurrentAssignmentBuilder). It returns the member
// unchanged or a changed copy.
//
//   - Partitions the member holds but the target no longer gives it are
//     revoked first: while the member still reports owning any of them
//     (owned nil: it did not say), it stays at its epoch in
//     UNREVOKED_PARTITIONS and is told to keep only the rest.
//   - Only then does it move to the target epoch and get the new
//     partitions, those no other member still holds (partitionEpoch -1);
//     the others wait, the member in UNRELEASED_PARTITIONS, until their
//     owners revoke them.
func reconcile(m *consumerMember, targetEpoch int32, target partitionSet,
	partitionEpoch func([16]byte, int32) int32, owned []kmsg.ConsumerGroupHeartbeatRequestTopic,
) (*consumerMember, *kerr.Error) {
	switch m.state {
	case records.MemberStable:
		if m.epoch == targetEpoch {
			return m, nil
		}
		return nextAssignment(m, m.epoch, targetEpoch, target, partitionEpoch, owned), nil
	case records.MemberUnrevokedPartitions:
		if ownsAny(owned, m.revoking) {
			return m, nil
		}
		return nextAssignment(m, m.epoch+1, targetEpoch, target, partitionEpoch, owned), nil
	case records.MemberUnreleasedPartitions:
		return nextAssignment(m, m.epoch, targetEpoch, target, partitionEpoch, owned), nil
	default:
		// A state a newer coordinator wrote: start again from nothing.
		if owned == nil || len(owned) != 0 {
			return nil, kerr.FencedMemberEpoch
		}
		return nextAssignment(m, targetEpoch, targetEpoch, target, partitionEpoch, owned), nil
	}
}

// ownsAny reports whether the member's owned partitions include one of
// set; a member that did not report them (nil) is assumed to.
func ownsAny(owned []kmsg.ConsumerGroupHeartbeatRequestTopic, set partitionSet) bool {
	if owned == nil {
		return true
	}
	for _, t := range owned {
		ps := set[t.TopicID]
		for _, p := range t.Partitions {
			if _, ok := slices.BinarySearch(ps, p); ok {
				return true
			}
		}
	}
	return false
}

func nextAssignment(m *consumerMember, epoch, targetEpoch int32, target partitionSet,
	partitionEpoch func([16]byte, int32) int32, owned []kmsg.ConsumerGroupHeartbeatRequestTopic,
) *consumerMember {
	assigned, revoking, adding := partitionSet{}, partitionSet{}, partitionSet{}
	unreleased := false
	topics := map[[16]byte]bool{}
	for t := range target {
		topics[t] = true
	}
	for t := range m.assigned {
		topics[t] = true
	}
	for t := range topics {
		want, have := target[t], m.assigned[t]
		var keep, drop, add []int32
		for _, p := range have {
			if contains(want, p) {
				keep = append(keep, p)
			} else {
				drop = append(drop, p)
			}
		}
		for _, p := range want {
			if contains(keep, p) {
				continue
			}
			if partitionEpoch(t, p) != -1 {
				unreleased = true
				continue
			}
			add = append(add, p)
		}
		putNonEmpty(assigned, t, keep)
		putNonEmpty(revoking, t, drop)
		putNonEmpty(adding, t, add)
	}
	next := m.clone()
	switch {
	case len(revoking) > 0 && ownsAny(owned, revoking):
		next.state = records.MemberUnrevokedPartitions
		next.prevEpoch, next.epoch = m.epoch, epoch
		next.assigned, next.revoking = assigned, revoking
		return next
	case len(adding) > 0:
		for t, ps := range adding {
			merged := append(slices.Clone(assigned[t]), ps...)
			slices.Sort(merged)
			assigned[t] = merged
		}
	}
	next.state = records.MemberStable
	if unreleased {
		next.state = records.MemberUnreleasedPartitions
	}
	next.prevEpoch, next.epoch = m.epoch, targetEpoch
	next.assigned, next.revoking = assigned, partitionSet{}
	return next
}

func contains(sorted []int32, p int32) bool {
	_, ok := slices.BinarySearch(sorted, p)
	return ok
}

func putNonEmpty(set partitionSet, t [16]byte, ps []int32) {
	if len(ps) > 0 {
		set[t] = ps
	}
}
