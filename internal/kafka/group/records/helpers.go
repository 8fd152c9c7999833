package records

import (
	"bytes"
	"slices"
	"sort"
)

// The constructors below build the records Kafka 3.9 writes for each change
// of group state, with the versions it writes them at
// (CoordinatorRecordHelpers, for a metadata version of 2.3 or later).

// Value versions Kafka 3.9 writes. Both are the highest non-flexible
// versions: Kafka keeps to them "until a tagged field is introduced", and
// they are what Burrow reads (see doc.go).
const (
	OffsetCommitValueVersion       int16 = 3 // v1 when the commit has an expire timestamp
	OffsetCommitValueVersionExpire int16 = 1
	GroupMetadataValueVersion      int16 = 3
	NoLeaderEpoch                  int32 = -1 // RecordBatch.NO_PARTITION_LEADER_EPOCH
	NoExpireTimestamp              int64 = -1 // OffsetCommitRequest.DEFAULT_TIMESTAMP
	DefaultRebalanceTimeoutMs      int32 = -1 // ConsumerGroupMemberMetadataValue's default
)

// OffsetAndMetadata is one committed offset as NewOffsetCommit takes it
// (Kafka's OffsetAndMetadata).
type OffsetAndMetadata struct {
	Offset          int64
	LeaderEpoch     int32 // NoLeaderEpoch when the commit has none
	Metadata        string
	CommitTimestamp int64
	// ExpireTimestamp is NoExpireTimestamp unless an OffsetCommit v1
	// request set a retention: then the record is written at v1, the only
	// version with the field.
	ExpireTimestamp int64
}

// NewOffsetCommit is the record of a committed offset.
func NewOffsetCommit(group, topic string, partition int32, o OffsetAndMetadata) Record {
	version := OffsetCommitValueVersion
	if o.ExpireTimestamp != NoExpireTimestamp {
		version = OffsetCommitValueVersionExpire
	}
	return Record{
		Key: OffsetCommitKey{Group: group, Topic: topic, Partition: partition},
		Value: OffsetCommitValue{
			Version:         version,
			Offset:          o.Offset,
			LeaderEpoch:     o.LeaderEpoch,
			Metadata:        o.Metadata,
			CommitTimestamp: o.CommitTimestamp,
			ExpireTimestamp: o.ExpireTimestamp,
		},
	}
}

// NewOffsetCommitTombstone deletes a committed offset.
func NewOffsetCommitTombstone(group, topic string, partition int32) Record {
	return Record{Key: OffsetCommitKey{Group: group, Topic: topic, Partition: partition}}
}

// NewGroupMetadata is the record of a classic group's state after a
// rebalance (or a static member's replacement): v with its Version set to
// GroupMetadataValueVersion. Kafka requires every member to carry the
// chosen protocol's subscription and an assignment; the caller supplies
// them.
func NewGroupMetadata(group string, v GroupMetadataValue) Record {
	v.Version = GroupMetadataValueVersion
	return Record{Key: GroupMetadataKey{Group: group}, Value: v}
}

// NewEmptyGroupMetadata is the record of a classic group that has no
// members left: no protocol type, generation 0, no protocol or leader.
func NewEmptyGroupMetadata(group string, currentStateTimestamp int64) Record {
	return Record{Key: GroupMetadataKey{Group: group}, Value: GroupMetadataValue{
		Version:               GroupMetadataValueVersion,
		ProtocolType:          "",
		CurrentStateTimestamp: currentStateTimestamp,
	}}
}

// NewGroupMetadataTombstone deletes a classic group.
func NewGroupMetadataTombstone(group string) Record {
	return Record{Key: GroupMetadataKey{Group: group}}
}

// NewGroupEpoch is the record of a consumer group's epoch.
func NewGroupEpoch(groupID string, epoch int32) Record {
	return Record{Key: ConsumerGroupMetadataKey{groupID}, Value: ConsumerGroupMetadataValue{Epoch: epoch}}
}

// NewGroupEpochTombstone deletes a consumer group's epoch (the group).
func NewGroupEpochTombstone(groupID string) Record {
	return Record{Key: ConsumerGroupMetadataKey{groupID}}
}

// NewGroupSubscriptionMetadata is the record of the metadata of the topics
// a consumer group subscribes to. Kafka writes them in its map's order;
// this writes them sorted by name, partitions by number and racks by name,
// so that the same state always gives the same bytes. topics is not
// modified.
func NewGroupSubscriptionMetadata(groupID string, topics []TopicMetadata) Record {
	ts := slices.Clone(topics)
	sort.Slice(ts, func(i, j int) bool { return ts[i].TopicName < ts[j].TopicName })
	for i := range ts {
		ps := slices.Clone(ts[i].PartitionMetadata)
		sort.Slice(ps, func(a, b int) bool { return ps[a].Partition < ps[b].Partition })
		for j := range ps {
			ps[j].Racks = sortedCopy(ps[j].Racks)
		}
		ts[i].PartitionMetadata = ps
	}
	return Record{Key: ConsumerGroupPartitionMetadataKey{groupID}, Value: ConsumerGroupPartitionMetadataValue{Topics: ts}}
}

// NewGroupSubscriptionMetadataTombstone deletes a consumer group's
// subscription metadata.
func NewGroupSubscriptionMetadataTombstone(groupID string) Record {
	return Record{Key: ConsumerGroupPartitionMetadataKey{groupID}}
}

// NewMemberSubscription is the record of a consumer group member's
// subscription; the topic names are written sorted, as Kafka writes them.
// v is not modified.
func NewMemberSubscription(groupID, memberID string, v ConsumerGroupMemberMetadataValue) Record {
	v.SubscribedTopicNames = sortedCopy(v.SubscribedTopicNames)
	return Record{Key: ConsumerGroupMemberMetadataKey{groupID, memberID}, Value: v}
}

// NewMemberSubscriptionTombstone deletes a member's subscription.
func NewMemberSubscriptionTombstone(groupID, memberID string) Record {
	return Record{Key: ConsumerGroupMemberMetadataKey{groupID, memberID}}
}

// NewTargetAssignment is the record of a member's target assignment
// (topic id to partitions).
func NewTargetAssignment(groupID, memberID string, partitions map[[16]byte][]int32) Record {
	return Record{
		Key:   ConsumerGroupTargetAssignmentMemberKey{groupID, memberID},
		Value: ConsumerGroupTargetAssignmentMemberValue{TopicPartitions: TopicPartitionsOf(partitions)},
	}
}

// NewTargetAssignmentTombstone deletes a member's target assignment.
func NewTargetAssignmentTombstone(groupID, memberID string) Record {
	return Record{Key: ConsumerGroupTargetAssignmentMemberKey{groupID, memberID}}
}

// NewTargetAssignmentEpoch is the record of a consumer group's target
// assignment epoch.
func NewTargetAssignmentEpoch(groupID string, epoch int32) Record {
	return Record{
		Key:   ConsumerGroupTargetAssignmentMetadataKey{groupID},
		Value: ConsumerGroupTargetAssignmentMetadataValue{AssignmentEpoch: epoch},
	}
}

// NewTargetAssignmentEpochTombstone deletes a consumer group's target
// assignment epoch.
func NewTargetAssignmentEpochTombstone(groupID string) Record {
	return Record{Key: ConsumerGroupTargetAssignmentMetadataKey{groupID}}
}

// NewCurrentAssignment is the record of a member's epochs, state and
// current assignment (build the partition lists with TopicPartitionsOf).
func NewCurrentAssignment(groupID, memberID string, v ConsumerGroupCurrentMemberAssignmentValue) Record {
	return Record{Key: ConsumerGroupCurrentMemberAssignmentKey{groupID, memberID}, Value: v}
}

// NewCurrentAssignmentTombstone deletes a member's current assignment.
func NewCurrentAssignmentTombstone(groupID, memberID string) Record {
	return Record{Key: ConsumerGroupCurrentMemberAssignmentKey{groupID, memberID}}
}

// TopicPartitionsOf lists an assignment (topic id to partitions) in a
// stable order: topics by id, partitions ascending. Kafka iterates a hash
// map; any order reads back the same. Empty maps give nil.
func TopicPartitionsOf(m map[[16]byte][]int32) []TopicPartitions {
	if len(m) == 0 {
		return nil
	}
	out := make([]TopicPartitions, 0, len(m))
	for id, ps := range m {
		out = append(out, TopicPartitions{TopicID: id, Partitions: sortedCopy(ps)})
	}
	sort.Slice(out, func(i, j int) bool { return bytes.Compare(out[i].TopicID[:], out[j].TopicID[:]) < 0 })
	return out
}

// sortedCopy returns s sorted, without modifying it; nil stays nil.
func sortedCopy[T int32 | string](s []T) []T {
	if len(s) == 0 {
		return nil
	}
	c := slices.Clone(s)
	slices.Sort(c)
	return c
}
