// Package assignor holds the server-side partition assignors of KIP-848
// consumer groups, as Kafka 3.9's group coordinator runs them when a
// member's ConsumerGroupHeartbeat changes the group: "uniform" (the
// default) and "range". Given the group spec (each member's id, optional
// instance id and rack, subscribed topic ids and current target
// assignment) and a TopicDescriber (partition counts), an assignor returns
// the new target assignment: member id → topic id → partitions.
//
// # API at a glance
//
//	a, ok := assignor.ByName(name)        // "uniform" or "range"
//	target, err := a.Assign(assignor.GroupSpec{
//		Members:          map[string]assignor.MemberSpec{...},
//		SubscriptionType: assignor.Homogeneous,
//	}, assignor.Topics{topicID: {Partitions: 6}})
//
// # The algorithms
//
// Uniform, all members subscribed to the same P partitions (homogeneous):
// quotas P/M, P%M members one more (those already holding more than P/M
// first); each member keeps its current partitions up to its quota; the
// revoked and never-assigned partitions fill the members below quota in
// member-id order. O(P+M).
//
// Uniform, different subscriptions (heterogeneous): members keep all
// their current partitions still subscribed; unassigned partitions go one
// by one to the least-loaded subscriber (topics with most partitions per
// subscriber first); then, while a member could take a partition from an
// owner holding two more than it, the least-loaded such member takes one
// from the most-loaded such owner.
//
// Range: per topic, the subscribers ordered static members first (by
// instance id), then by member id, each take a contiguous range, the first
// n%s of the s subscribers one partition more; equal subscriptions and
// partition counts give co-partitioned assignments.
//
// # Invariants
//
//   - Pure and deterministic: no I/O, no clock, no randomness; maps are
//     walked in sorted order, so the same input gives the same output.
//   - Every partition of every subscribed topic is assigned to exactly one
//     member, and only to a member subscribed to its topic.
//   - Every member of the spec has an entry in the result; partitions are
//     ascending; a topic with no partitions for a member is absent.
//   - Uniform, homogeneous: member sizes differ by at most one, and a
//     member keeps min(current, quota) of its partitions. Uniform,
//     heterogeneous: no member can take a partition of its topics from an
//     owner holding two or more partitions more than it.
//   - Range: of a topic's n partitions and s ordered subscribers, the
//     k-th subscriber (from 0) gets [k·q + min(k, r), (k+1)·q + min(k+1, r))
//     where q = n/s and r = n%s.
//   - Impossible input (a topic the describer does not know, a negative
//     partition count) is an ErrX sentinel, never a panic. Current
//     assignments are sanitised, not trusted: out-of-range partitions,
//     topics no longer subscribed and partitions claimed twice are
//     dropped (the smaller member id keeps a doubly claimed partition).
//   - Uniform is sticky to a fixed point: a target assignment fed back as
//     the members' current assignments comes back unchanged.
//
// # Differences from Kafka 3.9
//
// Kafka walks hash sets, so where order decides (which topic's partitions
// a member gets first) its outputs differ from these, with the same sizes.
// Two deliberate changes make uniform move fewer partitions: the
// homogeneous extras go to members already holding more, and the
// heterogeneous balance step moves from the most-loaded owner to the
// least-loaded member instead of Kafka's pass over the partitions (whose
// movement bookkeeping also throws when a partition moves twice). Racks
// are accepted but unused, as in Kafka 3.9.
package assignor
