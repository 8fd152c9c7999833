package records

import (
	"github.com/twmb/franz-go/pkg/kmsg"
)

// The KIP-848 consumer group records (types 3 to 8). kmsg has no types for
// them; they are coded here from the JSON schemas of Kafka 3.9's
// group-coordinator. Every key is non-flexible (int16 type, int16-length
// strings); every value has the single version 0, which is flexible:
// compact strings, arrays and bytes (uvarint length+1, 0 = null) and a
// tagged-fields section after each struct.

// ConsumerGroupMetadataKey is the key of a consumer group's epoch (type 3).
type ConsumerGroupMetadataKey struct{ GroupID string }

// ConsumerGroupPartitionMetadataKey is the key of the metadata of the
// topics a consumer group subscribes to (type 4).
type ConsumerGroupPartitionMetadataKey struct{ GroupID string }

// ConsumerGroupMemberMetadataKey is the key of a member's subscription
// (type 5).
type ConsumerGroupMemberMetadataKey struct{ GroupID, MemberID string }

// ConsumerGroupTargetAssignmentMetadataKey is the key of a consumer group's
// target assignment epoch (type 6).
type ConsumerGroupTargetAssignmentMetadataKey struct{ GroupID string }

// ConsumerGroupTargetAssignmentMemberKey is the key of a member's target
// assignment (type 7).
type ConsumerGroupTargetAssignmentMemberKey struct{ GroupID, MemberID string }

// ConsumerGroupCurrentMemberAssignmentKey is the key of a member's current
// assignment and epochs (type 8).
type ConsumerGroupCurrentMemberAssignmentKey struct{ GroupID, MemberID string }

// Type is TypeConsumerGroupMetadata.
func (ConsumerGroupMetadataKey) Type() Type { return TypeConsumerGroupMetadata }

// Type is TypeConsumerGroupPartitionMetadata.
func (ConsumerGroupPartitionMetadataKey) Type() Type { return TypeConsumerGroupPartitionMetadata }

// Type is TypeConsumerGroupMemberMetadata.
func (ConsumerGroupMemberMetadataKey) Type() Type { return TypeConsumerGroupMemberMetadata }

// Type is TypeConsumerGroupTargetAssignmentMetadata.
func (ConsumerGroupTargetAssignmentMetadataKey) Type() Type {
	return TypeConsumerGroupTargetAssignmentMetadata
}

// Type is TypeConsumerGroupTargetAssignmentMember.
func (ConsumerGroupTargetAssignmentMemberKey) Type() Type {
	return TypeConsumerGroupTargetAssignmentMember
}

// Type is TypeConsumerGroupCurrentMemberAssignment.
func (ConsumerGroupCurrentMemberAssignmentKey) Type() Type {
	return TypeConsumerGroupCurrentMemberAssignment
}

func (k ConsumerGroupMetadataKey) appendKey(dst []byte) ([]byte, error) {
	return appendKeyStrings(dst, k.Type(), k.GroupID)
}

func (k ConsumerGroupPartitionMetadataKey) appendKey(dst []byte) ([]byte, error) {
	return appendKeyStrings(dst, k.Type(), k.GroupID)
}

func (k ConsumerGroupMemberMetadataKey) appendKey(dst []byte) ([]byte, error) {
	return appendKeyStrings(dst, k.Type(), k.GroupID, k.MemberID)
}

func (k ConsumerGroupTargetAssignmentMetadataKey) appendKey(dst []byte) ([]byte, error) {
	return appendKeyStrings(dst, k.Type(), k.GroupID)
}

func (k ConsumerGroupTargetAssignmentMemberKey) appendKey(dst []byte) ([]byte, error) {
	return appendKeyStrings(dst, k.Type(), k.GroupID, k.MemberID)
}

func (k ConsumerGroupCurrentMemberAssignmentKey) appendKey(dst []byte) ([]byte, error) {
	return appendKeyStrings(dst, k.Type(), k.GroupID, k.MemberID)
}

// appendKeyStrings writes a KIP-848 key: its type, then GroupId and, for
// member keys, MemberId, as int16-length strings.
func appendKeyStrings(dst []byte, t Type, groupAndMember ...string) ([]byte, error) {
	e := enc{b: dst}
	e.int16(int16(t))
	for i, s := range groupAndMember {
		e.string([...]string{"GroupId", "MemberId"}[i], s, false)
	}
	return e.b, e.err
}

func decodeGroupIDKey(t Type, d *dec) Key {
	g := d.string("GroupId", false)
	switch t {
	case TypeConsumerGroupMetadata:
		return ConsumerGroupMetadataKey{g}
	case TypeConsumerGroupPartitionMetadata:
		return ConsumerGroupPartitionMetadataKey{g}
	default:
		return ConsumerGroupTargetAssignmentMetadataKey{g}
	}
}

func decodeMemberKey(t Type, d *dec) Key {
	g := d.string("GroupId", false)
	m := d.string("MemberId", false)
	switch t {
	case TypeConsumerGroupMemberMetadata:
		return ConsumerGroupMemberMetadataKey{g, m}
	case TypeConsumerGroupTargetAssignmentMember:
		return ConsumerGroupTargetAssignmentMemberKey{g, m}
	default:
		return ConsumerGroupCurrentMemberAssignmentKey{g, m}
	}
}

// ConsumerGroupMetadataValue is a consumer group's epoch.
type ConsumerGroupMetadataValue struct {
	Epoch       int32
	UnknownTags kmsg.Tags
}

// ConsumerGroupPartitionMetadataValue is the metadata of the topics the
// group subscribes to, as the coordinator last saw it.
type ConsumerGroupPartitionMetadataValue struct {
	Topics      []TopicMetadata
	UnknownTags kmsg.Tags
}

// TopicMetadata is one subscribed topic.
type TopicMetadata struct {
	TopicID       [16]byte
	TopicName     string
	NumPartitions int32
	// PartitionMetadata maps partitions to the racks of their replicas;
	// Kafka stores an empty list when no partition has rack information.
	PartitionMetadata []PartitionMetadata
	UnknownTags       kmsg.Tags
}

// PartitionMetadata is one partition's racks.
type PartitionMetadata struct {
	Partition   int32
	Racks       []string
	UnknownTags kmsg.Tags
}

// ConsumerGroupMemberMetadataValue is a member's subscription.
type ConsumerGroupMemberMetadataValue struct {
	InstanceID           *string
	RackID               *string
	ClientID             string
	ClientHost           string
	SubscribedTopicNames []string
	SubscribedTopicRegex *string
	RebalanceTimeoutMs   int32 // schema default -1
	ServerAssignor       *string
	// ClassicMemberMetadata is tagged field 0: set for a member that speaks
	// the classic protocol inside a consumer group, nil (and absent from
	// the bytes) otherwise.
	ClassicMemberMetadata *ClassicMemberMetadata
	UnknownTags           kmsg.Tags
}

// ClassicMemberMetadata is what a classic-protocol member of a consumer
// group joined with.
type ClassicMemberMetadata struct {
	SessionTimeoutMs   int32
	SupportedProtocols []ClassicProtocol
	UnknownTags        kmsg.Tags
}

// ClassicProtocol is one protocol a classic member supports.
type ClassicProtocol struct {
	Name        string
	Metadata    []byte
	UnknownTags kmsg.Tags
}

// ConsumerGroupTargetAssignmentMetadataValue is the epoch of a consumer
// group's target assignment.
type ConsumerGroupTargetAssignmentMetadataValue struct {
	AssignmentEpoch int32
	UnknownTags     kmsg.Tags
}

// ConsumerGroupTargetAssignmentMemberValue is a member's target assignment.
type ConsumerGroupTargetAssignmentMemberValue struct {
	TopicPartitions []TopicPartitions
	UnknownTags     kmsg.Tags
}

// TopicPartitions is a topic's id and some of its partitions (the schemas'
// TopicPartition and TopicPartitions structs, which are the same).
type TopicPartitions struct {
	TopicID     [16]byte
	Partitions  []int32
	UnknownTags kmsg.Tags
}

// MemberState is a KIP-848 member's reconciliation state
// (ConsumerGroupCurrentMemberAssignmentValue.State; modern/MemberState.java).
type MemberState int8

// Member states.
const (
	MemberStable               MemberState = 0   // the member owns its target assignment
	MemberUnrevokedPartitions  MemberState = 1   // it must first revoke partitions
	MemberUnreleasedPartitions MemberState = 2   // it waits for partitions others still own
	MemberUnknown              MemberState = 127 // a value Kafka does not know
)

// ConsumerGroupCurrentMemberAssignmentValue is a member's current epochs,
// state and assignment.
type ConsumerGroupCurrentMemberAssignmentValue struct {
	MemberEpoch                 int32
	PreviousMemberEpoch         int32
	State                       MemberState
	AssignedPartitions          []TopicPartitions
	PartitionsPendingRevocation []TopicPartitions
	UnknownTags                 kmsg.Tags
}

// ValueVersion is 0, the only version of the KIP-848 values.
func (ConsumerGroupMetadataValue) ValueVersion() int16 { return 0 }

// ValueVersion is 0, the only version of the KIP-848 values.
func (ConsumerGroupPartitionMetadataValue) ValueVersion() int16 { return 0 }

// ValueVersion is 0, the only version of the KIP-848 values.
func (ConsumerGroupMemberMetadataValue) ValueVersion() int16 { return 0 }

// ValueVersion is 0, the only version of the KIP-848 values.
func (ConsumerGroupTargetAssignmentMetadataValue) ValueVersion() int16 { return 0 }

// ValueVersion is 0, the only version of the KIP-848 values.
func (ConsumerGroupTargetAssignmentMemberValue) ValueVersion() int16 { return 0 }

// ValueVersion is 0, the only version of the KIP-848 values.
func (ConsumerGroupCurrentMemberAssignmentValue) ValueVersion() int16 { return 0 }

func (ConsumerGroupMetadataValue) kind() Type          { return TypeConsumerGroupMetadata }
func (ConsumerGroupPartitionMetadataValue) kind() Type { return TypeConsumerGroupPartitionMetadata }
func (ConsumerGroupMemberMetadataValue) kind() Type    { return TypeConsumerGroupMemberMetadata }
func (ConsumerGroupTargetAssignmentMetadataValue) kind() Type {
	return TypeConsumerGroupTargetAssignmentMetadata
}
func (ConsumerGroupTargetAssignmentMemberValue) kind() Type {
	return TypeConsumerGroupTargetAssignmentMember
}
func (ConsumerGroupCurrentMemberAssignmentValue) kind() Type {
	return TypeConsumerGroupCurrentMemberAssignment
}

// Each value is written as its int16 version (0) and its fields.

func (v ConsumerGroupMetadataValue) appendValue(dst []byte) ([]byte, error) {
	return appendEpochValue(dst, v.Epoch, v.UnknownTags)
}

func (v ConsumerGroupTargetAssignmentMetadataValue) appendValue(dst []byte) ([]byte, error) {
	return appendEpochValue(dst, v.AssignmentEpoch, v.UnknownTags)
}

func appendEpochValue(dst []byte, epoch int32, tags kmsg.Tags) ([]byte, error) {
	e := enc{b: dst}
	e.int16(0)
	e.int32(epoch)
	e.tags(nil, tags)
	return e.b, e.err
}

func (v ConsumerGroupPartitionMetadataValue) appendValue(dst []byte) ([]byte, error) {
	e := enc{b: dst}
	e.int16(0)
	e.arrayLen(len(v.Topics))
	for i := range v.Topics {
		t := &v.Topics[i]
		e.uuid(t.TopicID)
		e.string("TopicName", t.TopicName, true)
		e.int32(t.NumPartitions)
		e.arrayLen(len(t.PartitionMetadata))
		for j := range t.PartitionMetadata {
			p := &t.PartitionMetadata[j]
			e.int32(p.Partition)
			e.strings("Racks", p.Racks)
			e.tags(nil, p.UnknownTags)
		}
		e.tags(nil, t.UnknownTags)
	}
	e.tags(nil, v.UnknownTags)
	return e.b, e.err
}

func (v ConsumerGroupMemberMetadataValue) appendValue(dst []byte) ([]byte, error) {
	e := enc{b: dst}
	e.int16(0)
	e.nullableString("InstanceId", v.InstanceID)
	e.nullableString("RackId", v.RackID)
	e.string("ClientId", v.ClientID, true)
	e.string("ClientHost", v.ClientHost, true)
	e.strings("SubscribedTopicNames", v.SubscribedTopicNames)
	e.nullableString("SubscribedTopicRegex", v.SubscribedTopicRegex)
	e.int32(v.RebalanceTimeoutMs)
	e.nullableString("ServerAssignor", v.ServerAssignor)
	var declared []taggedField
	if c := v.ClassicMemberMetadata; c != nil {
		// A tagged nullable struct: a uvarint 1 (not null), then the struct.
		s := enc{b: []byte{1}}
		s.int32(c.SessionTimeoutMs)
		s.arrayLen(len(c.SupportedProtocols))
		for i := range c.SupportedProtocols {
			p := &c.SupportedProtocols[i]
			s.string("SupportedProtocols.Name", p.Name, true)
			s.bytes("SupportedProtocols.Metadata", p.Metadata)
			s.tags(nil, p.UnknownTags)
		}
		s.tags(nil, c.UnknownTags)
		if s.err != nil {
			return nil, s.err
		}
		declared = append(declared, taggedField{0, s.b})
	}
	e.tags(declared, v.UnknownTags, 0)
	return e.b, e.err
}

func (v ConsumerGroupTargetAssignmentMemberValue) appendValue(dst []byte) ([]byte, error) {
	e := enc{b: dst}
	e.int16(0)
	e.topicPartitions(v.TopicPartitions)
	e.tags(nil, v.UnknownTags)
	return e.b, e.err
}

func (v ConsumerGroupCurrentMemberAssignmentValue) appendValue(dst []byte) ([]byte, error) {
	e := enc{b: dst}
	e.int16(0)
	e.int32(v.MemberEpoch)
	e.int32(v.PreviousMemberEpoch)
	e.int8(int8(v.State))
	e.topicPartitions(v.AssignedPartitions)
	e.topicPartitions(v.PartitionsPendingRevocation)
	e.tags(nil, v.UnknownTags)
	return e.b, e.err
}

func (e *enc) topicPartitions(tps []TopicPartitions) {
	e.arrayLen(len(tps))
	for i := range tps {
		e.uuid(tps[i].TopicID)
		e.int32s(tps[i].Partitions)
		e.tags(nil, tps[i].UnknownTags)
	}
}

// Smallest encodings of the array elements, bounding the counts read.
const (
	minTopicPartitions   = 16 + 1 + 1         // id, empty partitions, no tags
	minTopicMetadata     = 16 + 1 + 4 + 1 + 1 // id, "", count, no partitions, no tags
	minPartitionMetadata = 4 + 1 + 1          // partition, no racks, no tags
	minClassicProtocol   = 1 + 1 + 1          // "", empty bytes, no tags
)

func decodeConsumerGroupMetadataValue(_ int16, d *dec) Value {
	v := ConsumerGroupMetadataValue{Epoch: d.int32()}
	v.UnknownTags = d.tags(nil)
	return v
}

func decodeConsumerGroupTargetAssignmentMetadataValue(_ int16, d *dec) Value {
	v := ConsumerGroupTargetAssignmentMetadataValue{AssignmentEpoch: d.int32()}
	v.UnknownTags = d.tags(nil)
	return v
}

func decodeConsumerGroupPartitionMetadataValue(_ int16, d *dec) Value {
	var v ConsumerGroupPartitionMetadataValue
	v.Topics = makeN[TopicMetadata](d.arrayLen("Topics", true, minTopicMetadata))
	for i := 0; i < len(v.Topics) && d.ok(); i++ {
		t := &v.Topics[i]
		t.TopicID = d.uuid()
		t.TopicName = d.string("TopicName", true)
		t.NumPartitions = d.int32()
		t.PartitionMetadata = makeN[PartitionMetadata](d.arrayLen("PartitionMetadata", true, minPartitionMetadata))
		for j := 0; j < len(t.PartitionMetadata) && d.ok(); j++ {
			p := &t.PartitionMetadata[j]
			p.Partition = d.int32()
			p.Racks = d.strings("Racks")
			p.UnknownTags = d.tags(nil)
		}
		t.UnknownTags = d.tags(nil)
	}
	v.UnknownTags = d.tags(nil)
	return v
}

func decodeConsumerGroupMemberMetadataValue(_ int16, d *dec) Value {
	var v ConsumerGroupMemberMetadataValue
	v.InstanceID = d.nullableString("InstanceId", true)
	v.RackID = d.nullableString("RackId", true)
	v.ClientID = d.string("ClientId", true)
	v.ClientHost = d.string("ClientHost", true)
	v.SubscribedTopicNames = d.strings("SubscribedTopicNames")
	v.SubscribedTopicRegex = d.nullableString("SubscribedTopicRegex", true)
	v.RebalanceTimeoutMs = d.int32()
	v.ServerAssignor = d.nullableString("ServerAssignor", true)
	v.UnknownTags = d.tags(func(tag uint32, body *dec) bool {
		if tag != 0 {
			return false
		}
		v.ClassicMemberMetadata = decodeClassicMemberMetadata(body)
		return true
	})
	return v
}

// decodeClassicMemberMetadata reads tag 0's body: a uvarint null marker
// (0 = null, as Java reads it), then the struct.
func decodeClassicMemberMetadata(d *dec) *ClassicMemberMetadata {
	if d.uvarint() == 0 {
		return nil
	}
	c := &ClassicMemberMetadata{SessionTimeoutMs: d.int32()}
	c.SupportedProtocols = makeN[ClassicProtocol](d.arrayLen("SupportedProtocols", true, minClassicProtocol))
	for i := 0; i < len(c.SupportedProtocols) && d.ok(); i++ {
		p := &c.SupportedProtocols[i]
		p.Name = d.string("SupportedProtocols.Name", true)
		p.Metadata = d.bytes("SupportedProtocols.Metadata", true)
		p.UnknownTags = d.tags(nil)
	}
	c.UnknownTags = d.tags(nil)
	return c
}

func decodeConsumerGroupTargetAssignmentMemberValue(_ int16, d *dec) Value {
	var v ConsumerGroupTargetAssignmentMemberValue
	v.TopicPartitions = d.topicPartitions("TopicPartitions")
	v.UnknownTags = d.tags(nil)
	return v
}

func decodeConsumerGroupCurrentMemberAssignmentValue(_ int16, d *dec) Value {
	var v ConsumerGroupCurrentMemberAssignmentValue
	v.MemberEpoch = d.int32()
	v.PreviousMemberEpoch = d.int32()
	v.State = MemberState(d.int8())
	v.AssignedPartitions = d.topicPartitions("AssignedPartitions")
	v.PartitionsPendingRevocation = d.topicPartitions("PartitionsPendingRevocation")
	v.UnknownTags = d.tags(nil)
	return v
}

func (d *dec) topicPartitions(field string) []TopicPartitions {
	out := makeN[TopicPartitions](d.arrayLen(field, true, minTopicPartitions))
	for i := 0; i < len(out) && d.ok(); i++ {
		out[i].TopicID = d.uuid()
		out[i].Partitions = d.int32s(field + ".Partitions")
		out[i].UnknownTags = d.tags(nil)
	}
	return out
}
