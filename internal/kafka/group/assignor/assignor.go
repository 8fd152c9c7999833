package assignor

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
)

// Names of the assignors, as a client names them in
// ConsumerGroupHeartbeat's ServerAssignor and as group.consumer.assignors
// lists them.
const (
	UniformName = "uniform"
	RangeName   = "range"
	// DefaultName is the assignor a group uses when its members name none
	// (the first of Kafka 3.9's default group.consumer.assignors).
	DefaultName = UniformName
)

// MaxPartitions bounds the number of partitions one assignment covers. The
// describer is trusted for partition counts; this keeps a corrupt count
// from becoming a huge allocation.
const MaxPartitions = 1 << 24

// Sentinel errors: Kafka's PartitionAssignorException cases. The
// coordinator answers a failed assignment by keeping the previous target
// assignment, as Kafka does.
var (
	// ErrUnknownTopic: a member is subscribed to a topic id the describer
	// does not know.
	ErrUnknownTopic = errors.New("assignor: member subscribed to a topic missing from the topic metadata")
	// ErrInvalidPartitionCount: the describer reported a negative count.
	ErrInvalidPartitionCount = errors.New("assignor: invalid partition count")
	// ErrTooManyPartitions: the subscribed topics hold more than
	// MaxPartitions partitions.
	ErrTooManyPartitions = errors.New("assignor: too many partitions")
	// ErrInternal: an invariant of an algorithm did not hold (Kafka's
	// "partitions were left unassigned"); a bug, reported rather than
	// answered with a wrong assignment.
	ErrInternal = errors.New("assignor: internal error")
)

// TopicID is a topic's UUID, as kmsg carries it.
type TopicID = [16]byte

// SubscriptionType says whether every member of a group subscribes to the
// same topics.
type SubscriptionType int8

const (
	// Homogeneous: every member subscribes to the same set of topics.
	Homogeneous SubscriptionType = iota
	// Heterogeneous: at least two members subscribe to different sets.
	Heterogeneous
)

func (t SubscriptionType) String() string {
	switch t {
	case Homogeneous:
		return "Homogeneous"
	case Heterogeneous:
		return "Heterogeneous"
	}
	return fmt.Sprintf("SubscriptionType(%d)", int8(t))
}

// Assignment is one member's partitions: topic id → partition numbers,
// ascending. An assignor's output never holds a topic with no partitions.
type Assignment map[TopicID][]int32

// GroupAssignment is the target assignment of a group: member id → its
// Assignment. Every member of the spec has an entry (an empty Assignment
// when it gets nothing).
type GroupAssignment map[string]Assignment

// MemberSpec is what an assignor knows of one member (Kafka's
// MemberSubscription and the member's current MemberAssignment).
type MemberSpec struct {
	// InstanceID is group.instance.id; "" for a dynamic member.
	InstanceID string
	// RackID is client.rack; "" when unset. Kafka 3.9's assignors do not
	// use it.
	RackID string
	// Topics are the subscribed topic ids, in any order; duplicates are
	// ignored.
	Topics []TopicID
	// Assignment is the member's current target assignment, the starting
	// point for stickiness. Partitions of topics the member no longer
	// subscribes to, out of range, or already claimed by a member with a
	// smaller id are ignored.
	Assignment Assignment
}

// GroupSpec is the input of an assignment (Kafka's GroupSpec).
type GroupSpec struct {
	// Members by member id.
	Members map[string]MemberSpec
	// SubscriptionType as the group computed it. A spec declared
	// Homogeneous whose members' subscriptions differ is assigned as
	// Heterogeneous (Kafka would trust the declaration and assign topics
	// to members not subscribed to them).
	SubscriptionType SubscriptionType
}

// TopicDescriber answers for the subscribed topics (Kafka's
// SubscribedTopicDescriber).
type TopicDescriber interface {
	// NumPartitions is the topic's partition count; ok is false for a
	// topic the metadata does not hold.
	NumPartitions(topic TopicID) (n int32, ok bool)
	// RacksForPartition is the set of racks of the partition's replicas
	// (nil when unknown). Kafka 3.9's assignors do not use it.
	RacksForPartition(topic TopicID, partition int32) []string
}

// Assignor computes a group's target assignment (Kafka's
// ConsumerGroupPartitionAssignor). Assign is a pure function of its
// arguments: the same spec and metadata give the same assignment.
type Assignor interface {
	Name() string
	Assign(GroupSpec, TopicDescriber) (GroupAssignment, error)
}

var (
	_ Assignor       = Uniform{}
	_ Assignor       = Range{}
	_ TopicDescriber = Topics{}
)

// ByName returns the assignor with this name.
func ByName(name string) (Assignor, bool) {
	switch name {
	case UniformName:
		return Uniform{}, true
	case RangeName:
		return Range{}, true
	}
	return nil, false
}

// Names lists the assignors, the default first.
func Names() []string { return []string{UniformName, RangeName} }

// TopicMeta describes one topic for Topics.
type TopicMeta struct {
	Partitions int32
	// Racks of each partition's replicas, by partition; may be nil.
	Racks map[int32][]string
}

// Topics is a TopicDescriber over a map, for callers that hold the
// subscribed topics' metadata as values (and for tests).
type Topics map[TopicID]TopicMeta

// NumPartitions implements TopicDescriber.
func (t Topics) NumPartitions(id TopicID) (int32, bool) {
	m, ok := t[id]
	return m.Partitions, ok
}

// RacksForPartition implements TopicDescriber.
func (t Topics) RacksForPartition(id TopicID, p int32) []string {
	return t[id].Racks[p]
}

// formatTopicID prints a topic id as Kafka does (base64url, no padding).
func formatTopicID(id TopicID) string { return base64.RawURLEncoding.EncodeToString(id[:]) }

// spec is a GroupSpec indexed for the algorithms: members and topics
// become dense indexes in sorted order (so every loop is deterministic),
// and every subscribed partition gets a flat index base[t]+p.
type spec struct {
	ids     []string     // member ids, ascending
	members []MemberSpec // by member index
	subs    [][]int32    // per member: subscribed topic indexes, ascending, distinct

	topics      []TopicID // every subscribed topic, ascending by bytes
	parts       []int32   // partition count per topic
	base        []int     // flat index of partition 0 per topic; base[len(topics)] = total
	subscribers [][]int32 // per topic: subscribed member indexes, ascending

	homogeneous bool // every member's subs are equal
}

func newSpec(g GroupSpec, d TopicDescriber) (*spec, error) {
	s := &spec{ids: make([]string, 0, len(g.Members))}
	for id := range g.Members {
		s.ids = append(s.ids, id)
	}
	slices.Sort(s.ids)
	s.members = make([]MemberSpec, len(s.ids))
	seen := make(map[TopicID]struct{})
	for i, id := range s.ids {
		m := g.Members[id]
		s.members[i] = m
		for _, t := range m.Topics {
			seen[t] = struct{}{}
		}
	}
	s.topics = make([]TopicID, 0, len(seen))
	for t := range seen {
		s.topics = append(s.topics, t)
	}
	slices.SortFunc(s.topics, func(a, b TopicID) int { return bytes.Compare(a[:], b[:]) })

	index := make(map[TopicID]int32, len(s.topics))
	s.parts = make([]int32, len(s.topics))
	s.base = make([]int, len(s.topics)+1)
	for i, t := range s.topics {
		n, ok := d.NumPartitions(t)
		if !ok {
			return nil, fmt.Errorf("%w: %s", ErrUnknownTopic, formatTopicID(t))
		}
		if n < 0 {
			return nil, fmt.Errorf("%w: topic %s has %d", ErrInvalidPartitionCount, formatTopicID(t), n)
		}
		index[t] = int32(i)
		s.parts[i] = n
		s.base[i+1] = s.base[i] + int(n)
		if s.base[i+1] > MaxPartitions {
			return nil, fmt.Errorf("%w: more than %d", ErrTooManyPartitions, MaxPartitions)
		}
	}

	s.subs = make([][]int32, len(s.members))
	s.subscribers = make([][]int32, len(s.topics))
	s.homogeneous = true
	for i, m := range s.members {
		sub := make([]int32, 0, len(m.Topics))
		for _, t := range m.Topics {
			sub = append(sub, index[t])
		}
		slices.Sort(sub)
		sub = slices.Compact(sub)
		s.subs[i] = sub
		for _, t := range sub {
			s.subscribers[t] = append(s.subscribers[t], int32(i))
		}
		if i > 0 && !slices.Equal(sub, s.subs[0]) {
			s.homogeneous = false
		}
	}
	return s, nil
}

func (s *spec) total() int { return s.base[len(s.topics)] }

// claim returns the owner of every flat partition in the members' current
// assignments (-1 for none), keeping only what a member may still own: a
// partition in range of a topic it subscribes to, not claimed by a member
// earlier in id order.
func (s *spec) claim() []int32 {
	owner := make([]int32, s.total())
	for i := range owner {
		owner[i] = -1
	}
	for m, mem := range s.members {
		if len(mem.Assignment) == 0 {
			continue
		}
		for _, t := range s.subs[m] {
			for _, p := range mem.Assignment[s.topics[t]] {
				if p < 0 || p >= s.parts[t] {
					continue
				}
				if f := s.base[t] + int(p); owner[f] < 0 {
					owner[f] = int32(m)
				}
			}
		}
	}
	return owner
}

// result turns a complete owner table into a GroupAssignment: an entry for
// every member, partitions ascending.
func (s *spec) result(owner []int32) GroupAssignment {
	out := make(GroupAssignment, len(s.ids))
	as := make([]Assignment, len(s.ids))
	for i, id := range s.ids {
		as[i] = Assignment{}
		out[id] = as[i]
	}
	for t, id := range s.topics {
		for p := range s.parts[t] {
			if o := owner[s.base[t]+int(p)]; o >= 0 {
				as[o][id] = append(as[o][id], p)
			}
		}
	}
	return out
}

// emptyResult is an entry with no partitions for every member.
func (s *spec) emptyResult() GroupAssignment {
	out := make(GroupAssignment, len(s.ids))
	for _, id := range s.ids {
		out[id] = Assignment{}
	}
	return out
}
