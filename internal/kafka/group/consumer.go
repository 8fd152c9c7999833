package group

import (
	"iter"
	"maps"
	"slices"

	"github.com/wharf-project/wharf/internal/kafka/group/assignor"
	"github.com/wharf-project/wharf/internal/kafka/group/records"
)

// consumerState is a KIP-848 consumer group's state (Kafka's
// ConsumerGroupState). It is derived, never set: after every change the
// group recomputes it from its members and epochs.
//
//	Empty       no members
//	Assigning   the group epoch is ahead of the target assignment epoch
//	Reconciling some member is not yet Stable at the target epoch
//	Stable      every member owns its target assignment at the target epoch
//	Dead        (never held: a deleted group leaves the shard)
type consumerState int8

const (
	consumerEmpty consumerState = iota
	consumerAssigning
	consumerReconciling
	consumerStable
	consumerDead
)

var consumerStateNames = [...]string{"Empty", "Assigning", "Reconciling", "Stable", "Dead"}

func (st consumerState) String() string { return consumerStateNames[st] }

// Special member epochs of ConsumerGroupHeartbeat.
const (
	leaveEpoch       = -1 // the member leaves the group
	staticLeaveEpoch = -2 // a static member leaves and will come back
)

// partitionSet is an assignment: topic id to partitions, ascending, with no
// topic holding an empty list. Values are never modified in place: every
// change builds a new map, so members may share them.
type partitionSet = assignor.Assignment

// consumerMember is a member of a consumer group (Kafka's
// ConsumerGroupMember): its subscription (the member metadata record) and
// its epochs, state and current assignment (the current assignment record).
type consumerMember struct {
	id                   string
	instanceID, rackID   *string
	clientID, clientHost string
	topicNames           []string // sorted; nil when never given
	regex                *string
	rebalanceTimeoutMs   int32
	assignor             *string
	// classic is kept from a record another coordinator wrote for a member
	// using the classic protocol; this shard writes none.
	classic *records.ClassicMemberMetadata

	epoch, prevEpoch int32
	state            records.MemberState
	assigned         partitionSet
	revoking         partitionSet // partitions pending revocation
}

func newConsumerMember(id string) *consumerMember {
	return &consumerMember{id: id, rebalanceTimeoutMs: -1, state: records.MemberStable}
}

func (m *consumerMember) clone() *consumerMember {
	c := *m
	return &c
}

// isReconciledTo reports whether the member owns its target assignment of
// the given epoch.
func (m *consumerMember) isReconciledTo(epoch int32) bool {
	return m.state == records.MemberStable && m.epoch == epoch
}

// sameSubscription reports whether the fields of the member metadata
// record are equal.
func (m *consumerMember) sameSubscription(o *consumerMember) bool {
	return eqPtr(m.instanceID, o.instanceID) && eqPtr(m.rackID, o.rackID) &&
		m.clientID == o.clientID && m.clientHost == o.clientHost &&
		slices.Equal(m.topicNames, o.topicNames) && eqPtr(m.regex, o.regex) &&
		m.rebalanceTimeoutMs == o.rebalanceTimeoutMs && eqPtr(m.assignor, o.assignor) &&
		(m.classic == nil) == (o.classic == nil)
}

// sameAssignment reports whether the fields of the current assignment
// record are equal.
func (m *consumerMember) sameAssignment(o *consumerMember) bool {
	return m.epoch == o.epoch && m.prevEpoch == o.prevEpoch && m.state == o.state &&
		equalSets(m.assigned, o.assigned) && equalSets(m.revoking, o.revoking)
}

func eqPtr[T comparable](a, b *T) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

func equalSets(a, b partitionSet) bool {
	if len(a) != len(b) {
		return false
	}
	for t, ps := range a {
		if !slices.Equal(ps, b[t]) {
			return false
		}
	}
	return true
}

// holder is the member holding a partition, at its member epoch.
type holder struct {
	member string
	epoch  int32
}

// topicMeta is one topic of a group's subscription metadata.
type topicMeta struct {
	id         [16]byte
	partitions int32
}

// consumerGroup is a KIP-848 consumer group (Kafka's ConsumerGroup).
type consumerGroup struct {
	id              string
	state           consumerState
	epoch           int32 // the group epoch
	assignmentEpoch int32 // the target assignment epoch; -1 once tombstoned
	members         map[string]*consumerMember
	static          map[string]string // instance id -> member id
	target          map[string]partitionSet
	// owners maps each partition a member holds (assigned or pending
	// revocation) to its holder: a partition is free for its next owner
	// only once it is absent here.
	owners map[[16]byte]map[int32]holder
	// metadata is the subscription metadata: the subscribed topics that
	// exist, by name, as last persisted.
	metadata map[string]topicMeta
	// refreshDeadline and refreshEpoch say when the subscription metadata
	// must be recomputed: at the deadline, or when the group epoch is below
	// refreshEpoch (never persisted: a loaded group refreshes at once).
	refreshDeadline int64
	refreshEpoch    int32
}

func newConsumerGroup(id string) *consumerGroup {
	return &consumerGroup{
		id:       id,
		members:  map[string]*consumerMember{},
		static:   map[string]string{},
		target:   map[string]partitionSet{},
		owners:   map[[16]byte]map[int32]holder{},
		metadata: map[string]topicMeta{},
	}
}

func (g *consumerGroup) ID() string        { return g.id }
func (g *consumerGroup) Type() GroupType   { return TypeConsumer }
func (g *consumerGroup) StateName() string { return g.state.String() }
func (g *consumerGroup) IsEmpty() bool     { return g.state == consumerEmpty }

func (g *consumerGroup) memberIDs() []string { return slices.Sorted(maps.Keys(g.members)) }

// membersReplacing yields the group's members, in no particular order, as
// they are once old is replaced by updated (either may be nil).
func (g *consumerGroup) membersReplacing(old, updated *consumerMember) iter.Seq[*consumerMember] {
	return func(yield func(*consumerMember) bool) {
		for _, m := range g.members {
			if old != nil && m.id == old.id {
				continue
			}
			if !yield(m) {
				return
			}
		}
		if updated != nil {
			yield(updated)
		}
	}
}

// staticMember returns the member holding the instance id, or nil.
func (g *consumerGroup) staticMember(instanceID *string) *consumerMember {
	if instanceID == nil {
		return nil
	}
	if id, ok := g.static[*instanceID]; ok {
		return g.members[id]
	}
	return nil
}

// targetOf is the member's target assignment; a static member that
// replaces another gets the target of the instance's current member.
func (g *consumerGroup) targetOf(memberID string, instanceID *string) partitionSet {
	if instanceID == nil {
		return g.target[memberID]
	}
	if prev, ok := g.static[*instanceID]; ok {
		return g.target[prev]
	}
	return nil
}

// partitionEpoch is the epoch of the member holding the partition, or -1
// when nobody holds it.
func (g *consumerGroup) partitionEpoch(topic [16]byte, p int32) int32 {
	if h, ok := g.owners[topic][p]; ok {
		return h.epoch
	}
	return -1
}

// putMember adds or replaces a member and keeps the derived state (static
// ids, partition owners, group state) in step.
func (g *consumerGroup) putMember(m *consumerMember) {
	if old := g.members[m.id]; old != nil {
		g.dropOwnership(old)
	}
	g.members[m.id] = m
	g.addOwnership(m)
	if m.instanceID != nil {
		g.static[*m.instanceID] = m.id
	}
	g.updateState()
}

func (g *consumerGroup) removeMember(id string) {
	m := g.members[id]
	if m == nil {
		return
	}
	delete(g.members, id)
	g.dropOwnership(m)
	if m.instanceID != nil && g.static[*m.instanceID] == id {
		delete(g.static, *m.instanceID)
	}
	g.updateState()
}

func (g *consumerGroup) addOwnership(m *consumerMember) {
	for _, set := range []partitionSet{m.assigned, m.revoking} {
		for t, ps := range set {
			owned := g.owners[t]
			if owned == nil {
				owned = map[int32]holder{}
				g.owners[t] = owned
			}
			for _, p := range ps {
				owned[p] = holder{m.id, m.epoch}
			}
		}
	}
}

// dropOwnership releases the member's partitions, those still recorded as
// its own. Kafka asserts that they all are; in a log compaction has thinned
// out, a member may seem to hold a partition another took since (the
// record releasing it is gone), so another holder's entry is left alone:
// once every record is replayed, each partition's entry is its final
// holder's.
func (g *consumerGroup) dropOwnership(m *consumerMember) {
	for _, set := range []partitionSet{m.assigned, m.revoking} {
		for t, ps := range set {
			owned := g.owners[t]
			for _, p := range ps {
				if h, ok := owned[p]; ok && h.member == m.id {
					delete(owned, p)
				}
			}
			if len(owned) == 0 {
				delete(g.owners, t)
			}
		}
	}
}

func (g *consumerGroup) setTarget(memberID string, a partitionSet) {
	if a == nil {
		a = partitionSet{}
	}
	g.target[memberID] = a
}

func (g *consumerGroup) setEpoch(e int32) {
	g.epoch = e
	g.updateState()
}

func (g *consumerGroup) setAssignmentEpoch(e int32) {
	g.assignmentEpoch = e
	g.updateState()
}

func (g *consumerGroup) updateState() {
	switch {
	case len(g.members) == 0:
		g.state = consumerEmpty
	case g.epoch > g.assignmentEpoch:
		g.state = consumerAssigning
	default:
		g.state = consumerStable
		for _, m := range g.members {
			if !m.isReconciledTo(g.assignmentEpoch) {
				g.state = consumerReconciling
				break
			}
		}
	}
}

// metadataExpired reports whether the subscription metadata must be
// recomputed before the group is served.
func (g *consumerGroup) metadataExpired(now int64) bool {
	return now >= g.refreshDeadline || g.epoch < g.refreshEpoch
}

// requestRefresh has the next heartbeat recompute the metadata.
func (g *consumerGroup) requestRefresh() { g.refreshDeadline, g.refreshEpoch = 0, 0 }

// preferredAssignor is the server assignor most members name once old is
// replaced by updated (either may be nil); ties go to the smaller name.
// "" when no member names one.
func (g *consumerGroup) preferredAssignor(old, updated *consumerMember) string {
	counts := map[string]int{}
	for m := range g.membersReplacing(old, updated) {
		if m.assignor != nil {
			counts[*m.assignor]++
		}
	}
	best, n := "", 0
	for _, name := range slices.Sorted(maps.Keys(counts)) {
		if counts[name] > n {
			best, n = name, counts[name]
		}
	}
	return best
}

// isSubscribedToTopic reports whether a member subscribes to the topic by
// name or, through its regex, among the topics the metadata holds.
func (g *consumerGroup) isSubscribedToTopic(topic string) bool {
	for _, m := range g.members {
		if _, ok := slices.BinarySearch(m.topicNames, topic); ok {
			return true
		}
		if m.regex != nil {
			if re := compileRegex(*m.regex); re != nil && re.MatchString(topic) {
				return true
			}
		}
	}
	return false
}

// consumer returns the consumer group with the given id, or nil.
func (s *Shard) consumer(id string) *consumerGroup {
	g, _ := s.groups[id].(*consumerGroup)
	return g
}
