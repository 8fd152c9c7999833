package records

import (
	"fmt"

	"github.com/twmb/franz-go/pkg/kmsg"
)

func ptr(s string) *string { return &s }

var (
	topicA = [16]byte{0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10}
	topicB = [16]byte{0xf0, 0xe1, 0xd2, 0xc3, 0xb4, 0xa5, 0x96, 0x87, 0x78, 0x69, 0x5a, 0x4b, 0x3c, 0x2d, 0x1e, 0x0f}
)

// unknownTags builds a tagged-field set: tag, body, tag, body...
func unknownTags(kv ...any) kmsg.Tags {
	var t kmsg.Tags
	for i := 0; i+1 < len(kv); i += 2 {
		t.Set(uint32(kv[i].(int)), []byte(kv[i+1].(string)))
	}
	return t
}

// offsetCommitValue is a commit with every field set that version v has,
// and Kafka's defaults in the others (what Decode returns).
func offsetCommitValue(v int16) OffsetCommitValue {
	o := OffsetCommitValue{
		Version:         v,
		Offset:          1 << 40,
		LeaderEpoch:     7,
		Metadata:        "meta",
		CommitTimestamp: 1_700_000_000_000,
		ExpireTimestamp: 1_700_086_400_000,
	}
	if v < 3 {
		o.LeaderEpoch = -1
	}
	if v != 1 {
		o.ExpireTimestamp = -1
	}
	if v >= 4 {
		o.TopicID = topicA
		o.UnknownTags = unknownTags(3, "x", 9, "")
	}
	return o
}

// groupMetadataValue is a classic group of two members with every field
// version v has set, and Kafka's defaults in the others.
func groupMetadataValue(v int16) GroupMetadataValue {
	g := GroupMetadataValue{
		Version:               v,
		ProtocolType:          "consumer",
		Generation:            12,
		Protocol:              ptr("cooperative-sticky"),
		Leader:                ptr("m-1"),
		CurrentStateTimestamp: 1_700_000_000_123,
		Members: []GroupMember{
			{MemberID: "m-1", InstanceID: ptr("static-1"), ClientID: "c1", ClientHost: "/127.0.0.1",
				RebalanceTimeoutMillis: 300000, SessionTimeoutMillis: 45000,
				Subscription: []byte{0, 3, 0xaa}, Assignment: []byte{0, 3, 0xbb, 0xcc}},
			{MemberID: "m-2", ClientID: "c2", ClientHost: "/127.0.0.2",
				RebalanceTimeoutMillis: 60000, SessionTimeoutMillis: 10000,
				Subscription: []byte{}, Assignment: []byte{}},
		},
	}
	if v < 2 {
		g.CurrentStateTimestamp = -1
	}
	for i := range g.Members {
		m := &g.Members[i]
		if v < 3 {
			m.InstanceID = nil
		}
		if v < 1 {
			m.RebalanceTimeoutMillis = -1
		}
		if v >= 4 {
			m.UnknownTags = unknownTags(i+1, fmt.Sprint("member", i))
		}
	}
	if v >= 4 {
		g.UnknownTags = unknownTags(0, "top")
	}
	return g
}

// emptyGroupMetadataValue is what a group with no members writes, at v.
func emptyGroupMetadataValue(v int16) GroupMetadataValue {
	g := GroupMetadataValue{Version: v, CurrentStateTimestamp: -1}
	if v >= 2 {
		g.CurrentStateTimestamp = 5
	}
	return g
}

// sampleRecords is one record of every type at every value version, with
// full and empty values, and a tombstone of every type.
func sampleRecords() map[string]Record {
	out := map[string]Record{}
	for v := int16(0); v <= 4; v++ {
		out[fmt.Sprint("offset commit v", v)] = Record{OffsetCommitKey{Group: "g", Topic: "t", Partition: 3}, offsetCommitValue(v)}
		out[fmt.Sprint("group metadata v", v)] = Record{GroupMetadataKey{Group: "g"}, groupMetadataValue(v)}
		out[fmt.Sprint("empty group metadata v", v)] = Record{GroupMetadataKey{Group: ""}, emptyGroupMetadataValue(v)}
	}
	out["offset commit, key type 0"] = Record{OffsetCommitKey{Group: "old", Topic: "t", Partition: 0, V0: true}, offsetCommitValue(0)}
	out["group epoch"] = Record{ConsumerGroupMetadataKey{"cg"}, ConsumerGroupMetadataValue{Epoch: 42}}
	out["group epoch, tags"] = Record{ConsumerGroupMetadataKey{"cg"}, ConsumerGroupMetadataValue{Epoch: -1, UnknownTags: unknownTags(0, "a", 300, "b")}}
	out["partition metadata"] = Record{ConsumerGroupPartitionMetadataKey{"cg"}, ConsumerGroupPartitionMetadataValue{
		Topics: []TopicMetadata{
			{TopicID: topicA, TopicName: "orders", NumPartitions: 3, PartitionMetadata: []PartitionMetadata{
				{Partition: 0, Racks: []string{"r1", "r2"}},
				{Partition: 1, Racks: nil, UnknownTags: unknownTags(1, "p")},
			}},
			{TopicID: topicB, TopicName: "payments", NumPartitions: 1, UnknownTags: unknownTags(2, "t")},
		},
	}}
	out["partition metadata, empty"] = Record{ConsumerGroupPartitionMetadataKey{"cg"}, ConsumerGroupPartitionMetadataValue{}}
	out["member metadata"] = Record{ConsumerGroupMemberMetadataKey{"cg", "member-1"}, ConsumerGroupMemberMetadataValue{
		InstanceID: ptr("i-1"), RackID: ptr("rack-a"), ClientID: "client", ClientHost: "/10.0.0.1",
		SubscribedTopicNames: []string{"orders", "payments"}, SubscribedTopicRegex: ptr("pay.*"),
		RebalanceTimeoutMs: 300000, ServerAssignor: ptr("uniform"),
	}}
	out["member metadata, classic member"] = Record{ConsumerGroupMemberMetadataKey{"cg", "member-2"}, ConsumerGroupMemberMetadataValue{
		ClientID: "client", ClientHost: "/10.0.0.2", SubscribedTopicNames: []string{"orders"},
		RebalanceTimeoutMs: -1,
		ClassicMemberMetadata: &ClassicMemberMetadata{SessionTimeoutMs: 45000, SupportedProtocols: []ClassicProtocol{
			{Name: "range", Metadata: []byte{0, 3, 1, 2}},
			{Name: "cooperative-sticky", Metadata: []byte{}, UnknownTags: unknownTags(4, "cp")},
		}, UnknownTags: unknownTags(1, "c")},
		UnknownTags: unknownTags(1, "after classic", 7, "z"),
	}}
	out["member metadata, defaults"] = Record{ConsumerGroupMemberMetadataKey{"", ""}, ConsumerGroupMemberMetadataValue{RebalanceTimeoutMs: -1}}
	out["target assignment epoch"] = Record{ConsumerGroupTargetAssignmentMetadataKey{"cg"}, ConsumerGroupTargetAssignmentMetadataValue{AssignmentEpoch: 42}}
	out["target assignment"] = Record{ConsumerGroupTargetAssignmentMemberKey{"cg", "member-1"}, ConsumerGroupTargetAssignmentMemberValue{
		TopicPartitions: []TopicPartitions{{TopicID: topicA, Partitions: []int32{0, 2}}, {TopicID: topicB, Partitions: nil, UnknownTags: unknownTags(5, "q")}},
	}}
	out["target assignment, empty"] = Record{ConsumerGroupTargetAssignmentMemberKey{"cg", "member-1"}, ConsumerGroupTargetAssignmentMemberValue{}}
	out["current assignment"] = Record{ConsumerGroupCurrentMemberAssignmentKey{"cg", "member-1"}, ConsumerGroupCurrentMemberAssignmentValue{
		MemberEpoch: 43, PreviousMemberEpoch: 42, State: MemberUnrevokedPartitions,
		AssignedPartitions:          []TopicPartitions{{TopicID: topicA, Partitions: []int32{0}}},
		PartitionsPendingRevocation: []TopicPartitions{{TopicID: topicA, Partitions: []int32{1, 2}}},
	}}
	out["current assignment, unknown state"] = Record{ConsumerGroupCurrentMemberAssignmentKey{"cg", "m"}, ConsumerGroupCurrentMemberAssignmentValue{
		MemberEpoch: 1, State: MemberUnknown,
	}}
	for _, k := range []Key{
		OffsetCommitKey{Group: "g", Topic: "t", Partition: 1}, OffsetCommitKey{Group: "g", V0: true}, GroupMetadataKey{"g"},
		ConsumerGroupMetadataKey{"cg"}, ConsumerGroupPartitionMetadataKey{"cg"}, ConsumerGroupMemberMetadataKey{"cg", "m"},
		ConsumerGroupTargetAssignmentMetadataKey{"cg"}, ConsumerGroupTargetAssignmentMemberKey{"cg", "m"},
		ConsumerGroupCurrentMemberAssignmentKey{"cg", "m"},
	} {
		out[fmt.Sprintf("tombstone %s %v", k.Type(), k)] = Record{Key: k}
	}
	return out
}
