package assignor

// Uniform is Kafka's "uniform" server-side assignor (UniformAssignor):
// balanced (member sizes differ by at most one where subscriptions allow)
// and sticky (a member keeps its current partitions unless balance needs
// them elsewhere).
type Uniform struct{}

// Name implements Assignor.
func (Uniform) Name() string { return UniformName }

// Assign implements Assignor.
func (Uniform) Assign(g GroupSpec, d TopicDescriber) (GroupAssignment, error) {
	s, err := newSpec(g, d)
	if err != nil {
		return nil, err
	}
	if len(s.topics) == 0 {
		return s.emptyResult(), nil
	}
	if g.SubscriptionType == Homogeneous && s.homogeneous {
		return s.result(assignHomogeneous(s)), nil
	}
	owner, err := assignHeterogeneous(s)
	if err != nil {
		return nil, err
	}
	return s.result(owner), nil
}

// assignHomogeneous is Kafka's UniformHomogeneousAssignmentBuilder: every
// member subscribes to the same P partitions, so each gets a quota of
// P/M, and P%M of them one more. A member keeps its current partitions up
// to its quota (the lowest ones), the rest are revoked, and the revoked
// and never-assigned partitions fill the members below quota in member
// order. O(P+M).
//
// Unlike Kafka 3.9, which hands the extra partitions to the first members
// in iteration order, the extras go first to members already holding more
// than P/M: that makes the number of moved partitions the least balance
// allows (a member joining a stable group takes exactly its quota, each
// from a member that had one too many).
func assignHomogeneous(s *spec) []int32 {
	owner := s.claim()
	nm := len(s.members)
	held := make([]int, nm)
	for _, o := range owner {
		if o >= 0 {
			held[o]++
		}
	}
	minQuota, extra := s.total()/nm, s.total()%nm
	quota := make([]int, nm)
	for m := range quota {
		quota[m] = minQuota
		if extra > 0 && held[m] > minQuota {
			quota[m]++
			extra--
		}
	}
	for m := 0; extra > 0; m++ {
		if quota[m] == minQuota {
			quota[m]++
			extra--
		}
	}

	kept := make([]int, nm)
	for f, o := range owner {
		if o < 0 {
			continue
		}
		if kept[o] < quota[o] {
			kept[o]++
		} else {
			owner[f] = -1
		}
	}

	next := 0 // cursor over owner: every flat index below it is owned
	for m := range quota {
		for ; kept[m] < quota[m]; kept[m]++ {
			for owner[next] >= 0 {
				next++
			}
			owner[next] = int32(m)
		}
	}
	return owner
}
