package assignor

import (
	"cmp"
	"slices"
)

// Range is Kafka's "range" server-side assignor (RangeAssignor): per
// topic, the subscribed members in a fixed order each take a contiguous
// range of partitions, the first n%k members one more than n/k. When every
// member subscribes to the same topics and they have equal partition
// counts, member i gets the same partition numbers of every topic
// (co-partitioning, for joins).
//
// Its stickiness is Kafka 3.9's: none from the current assignment, but
// the order is static members first by group.instance.id, then dynamic
// members by member id, so a static member that rejoins under a new
// member id gets its old ranges back while the group and the topics are
// unchanged.
type Range struct{}

// Name implements Assignor.
func (Range) Name() string { return RangeName }

// Assign implements Assignor. The homogeneous and heterogeneous cases are
// one loop: with identical subscriptions every topic's subscriber list is
// the whole ordered group, which is Kafka's homogeneous path.
func (Range) Assign(g GroupSpec, d TopicDescriber) (GroupAssignment, error) {
	s, err := newSpec(g, d)
	if err != nil {
		return nil, err
	}
	out := s.emptyResult()
	rank := rangeOrder(s)
	for t, id := range s.topics {
		subs := slices.Clone(s.subscribers[t])
		slices.SortFunc(subs, func(a, b int32) int { return cmp.Compare(rank[a], rank[b]) })
		n, k := s.parts[t], int32(len(subs))
		quota, extra := n/k, n%k
		start := int32(0)
		for i, m := range subs {
			end := start + quota
			if int32(i) < extra {
				end++
			}
			if end > start {
				ps := make([]int32, 0, end-start)
				for p := start; p < end; p++ {
					ps = append(ps, p)
				}
				out[s.ids[m]][id] = ps
			}
			start = end
		}
	}
	return out, nil
}

// rangeOrder ranks the members: static members by instance id, then
// dynamic members by member id (member id also breaks a tie between two
// members claiming one instance id).
func rangeOrder(s *spec) []int {
	order := make([]int32, len(s.members))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(a, b int32) int {
		ia, ib := s.members[a].InstanceID, s.members[b].InstanceID
		switch {
		case ia != "" && ib != "":
			if c := cmp.Compare(ia, ib); c != 0 {
				return c
			}
		case ia != "":
			return -1
		case ib != "":
			return 1
		}
		return cmp.Compare(a, b) // member indexes follow member ids
	})
	rank := make([]int, len(order))
	for r, m := range order {
		rank[m] = r
	}
	return rank
}
