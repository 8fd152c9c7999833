package records

import (
	"bytes"
	"reflect"
	"testing"
)

// Bytes worked out by hand from the JSON schemas of Kafka 3.9's
// group-coordinator (resources/common/message) and the framing of
// CoordinatorRecordSerde, one record of each kind. Non-flexible: strings are
// an int16 length and the bytes, bytes an int32 length. Flexible: compact
// strings/bytes/arrays are a uvarint of length+1 (0 = null); each struct
// ends with a uvarint count of tagged fields, then tag, size, body.
var goldens = []struct {
	name       string
	r          Record
	key, value string
}{
	{
		name: "offset commit v3 (Kafka 3.9's default)",
		r:    NewOffsetCommit("g", "t", 2, OffsetAndMetadata{Offset: 100, LeaderEpoch: 5, Metadata: "m", CommitTimestamp: 1000, ExpireTimestamp: -1}),
		key: "0001" + // record type 1: OffsetCommitKey
			"0001 67" + // group "g"
			"0001 74" + // topic "t"
			"00000002", // partition 2
		value: "0003" + // value version 3
			"0000000000000064" + // offset 100
			"00000005" + // leaderEpoch 5 (v3+)
			"0001 6d" + // metadata "m"
			"00000000000003e8", // commitTimestamp 1000
	},
	{
		name: "offset commit v1 (an expire timestamp)",
		r:    NewOffsetCommit("g", "t", 2, OffsetAndMetadata{Offset: 100, LeaderEpoch: -1, Metadata: "m", CommitTimestamp: 1000, ExpireTimestamp: 2000}),
		key:  "0001 0001 67 0001 74 00000002",
		value: "0001" + // value version 1
			"0000000000000064" + // offset 100
			"0001 6d" + // metadata "m" (no leader epoch before v3)
			"00000000000003e8" + // commitTimestamp 1000
			"00000000000007d0", // expireTimestamp 2000 (v1 only)
	},
	{
		name: "offset commit v4 (flexible)",
		r: Record{OffsetCommitKey{Group: "g", Topic: "t", Partition: 2}, OffsetCommitValue{
			Version: 4, Offset: 100, LeaderEpoch: 5, Metadata: "m", CommitTimestamp: 1000, ExpireTimestamp: -1}},
		key: "0001 0001 67 0001 74 00000002",
		value: "0004" + // value version 4
			"0000000000000064" + // offset 100
			"00000005" + // leaderEpoch 5
			"02 6d" + // metadata "m", compact: uvarint 1+1
			"00000000000003e8" + // commitTimestamp 1000
			"00", // no tagged fields
	},
	{
		name: "offset commit tombstone",
		r:    NewOffsetCommitTombstone("g", "t", 2),
		key:  "0001 0001 67 0001 74 00000002",
	},
	{
		name: "group metadata v3 (Kafka 3.9's default)",
		r: NewGroupMetadata("grp", GroupMetadataValue{
			ProtocolType: "consumer", Generation: 1, Protocol: ptr("range"), Leader: ptr("m1"), CurrentStateTimestamp: 1000,
			Members: []GroupMember{{MemberID: "m1", ClientID: "c", ClientHost: "/h", RebalanceTimeoutMillis: 300000,
				SessionTimeoutMillis: 45000, Subscription: []byte{0xaa}, Assignment: []byte{0xbb}}},
		}),
		key: "0002" + // record type 2: GroupMetadataKey
			"0003 677270", // group "grp"
		value: "0003" + // value version 3
			"0008 636f6e73756d6572" + // protocolType "consumer"
			"00000001" + // generation 1
			"0005 72616e6765" + // protocol "range" (nullable)
			"0002 6d31" + // leader "m1" (nullable)
			"00000000000003e8" + // currentStateTimestamp 1000 (v2+)
			"00000001" + // members: 1
			"0002 6d31" + // memberId "m1"
			"ffff" + // groupInstanceId null (v3+)
			"0001 63" + // clientId "c"
			"0002 2f68" + // clientHost "/h"
			"000493e0" + // rebalanceTimeout 300000 (v1+)
			"0000afc8" + // sessionTimeout 45000
			"00000001 aa" + // subscription
			"00000001 bb", // assignment
	},
	{
		name: "group metadata v4 (flexible)",
		r: Record{GroupMetadataKey{"grp"}, GroupMetadataValue{
			Version: 4, ProtocolType: "consumer", Generation: 1, Protocol: ptr("range"), Leader: ptr("m1"), CurrentStateTimestamp: 1000,
			Members: []GroupMember{{MemberID: "m1", ClientID: "c", ClientHost: "/h", RebalanceTimeoutMillis: 300000,
				SessionTimeoutMillis: 45000, Subscription: []byte{0xaa}, Assignment: []byte{0xbb}}},
		}},
		key: "0002 0003 677270",
		value: "0004" + // value version 4
			"09 636f6e73756d6572" + // protocolType "consumer", compact
			"00000001" + // generation 1
			"06 72616e6765" + // protocol "range"
			"03 6d31" + // leader "m1"
			"00000000000003e8" + // currentStateTimestamp 1000
			"02" + // members: compact array of 1
			"03 6d31" + // memberId "m1"
			"00" + // groupInstanceId null
			"02 63" + // clientId "c"
			"03 2f68" + // clientHost "/h"
			"000493e0" + // rebalanceTimeout 300000
			"0000afc8" + // sessionTimeout 45000
			"02 aa" + // subscription, compact bytes
			"02 bb" + // assignment
			"00" + // member: no tagged fields
			"00", // value: no tagged fields
	},
	{
		name: "empty group metadata",
		r:    NewEmptyGroupMetadata("grp", 1000),
		key:  "0002 0003 677270",
		value: "0003" +
			"0000" + // protocolType ""
			"00000000" + // generation 0
			"ffff" + // protocol null
			"ffff" + // leader null
			"00000000000003e8" + // currentStateTimestamp 1000
			"00000000", // no members
	},
	{
		name: "consumer group epoch",
		r:    NewGroupEpoch("grp", 5),
		key: "0003" + // record type 3: ConsumerGroupMetadataKey
			"0003 677270", // GroupId "grp"
		value: "0000" + // value version 0
			"00000005" + // Epoch 5
			"00", // no tagged fields
	},
	{
		name: "consumer group partition metadata",
		r: NewGroupSubscriptionMetadata("grp", []TopicMetadata{{TopicID: topicA, TopicName: "t", NumPartitions: 2,
			PartitionMetadata: []PartitionMetadata{{Partition: 0, Racks: []string{"r1"}}}}}),
		key: "0004 0003 677270", // record type 4, GroupId "grp"
		value: "0000" + // value version 0
			"02" + // Topics: compact array of 1
			"0102030405060708090a0b0c0d0e0f10" + // TopicId
			"02 74" + // TopicName "t"
			"00000002" + // NumPartitions 2
			"02" + // PartitionMetadata: 1
			"00000000" + // Partition 0
			"02 03 7231" + // Racks ["r1"]
			"00" + // PartitionMetadata tags
			"00" + // TopicMetadata tags
			"00", // value tags
	},
	{
		name: "consumer group member metadata",
		r: NewMemberSubscription("grp", "m", ConsumerGroupMemberMetadataValue{
			RackID: ptr("r"), ClientID: "c", ClientHost: "/h", SubscribedTopicNames: []string{"b", "a"},
			RebalanceTimeoutMs: 300000, ServerAssignor: ptr("uniform")}),
		key: "0005" + // record type 5
			"0003 677270" + // GroupId "grp"
			"0001 6d", // MemberId "m"
		value: "0000" + // value version 0
			"00" + // InstanceId null
			"02 72" + // RackId "r"
			"02 63" + // ClientId "c"
			"03 2f68" + // ClientHost "/h"
			"03 02 61 02 62" + // SubscribedTopicNames ["a", "b"], sorted as Kafka writes them
			"00" + // SubscribedTopicRegex null
			"000493e0" + // RebalanceTimeoutMs 300000
			"08 756e69666f726d" + // ServerAssignor "uniform"
			"00", // no tagged fields: ClassicMemberMetadata null is left out
	},
	{
		name: "consumer group member metadata of a classic member",
		r: NewMemberSubscription("grp", "m", ConsumerGroupMemberMetadataValue{
			ClientID: "c", ClientHost: "/h", RebalanceTimeoutMs: -1,
			ClassicMemberMetadata: &ClassicMemberMetadata{SessionTimeoutMs: 45000,
				SupportedProtocols: []ClassicProtocol{{Name: "range", Metadata: []byte{0x01}}}}}),
		key: "0005 0003 677270 0001 6d",
		value: "0000" +
			"00 00" + // InstanceId, RackId null
			"02 63 03 2f68" + // ClientId "c", ClientHost "/h"
			"01" + // SubscribedTopicNames []
			"00" + // SubscribedTopicRegex null
			"ffffffff" + // RebalanceTimeoutMs -1
			"00" + // ServerAssignor null
			"01" + // one tagged field
			"00" + // tag 0: ClassicMemberMetadata
			"10" + // size 16: the struct's 15 bytes and the not-null marker
			"01" + // marker: not null
			"0000afc8" + // SessionTimeoutMs 45000
			"02" + // SupportedProtocols: 1
			"06 72616e6765" + // Name "range"
			"02 01" + // Metadata [0x01]
			"00" + // ClassicProtocol tags
			"00", // ClassicMemberMetadata tags
	},
	{
		name: "consumer group target assignment epoch",
		r:    NewTargetAssignmentEpoch("grp", 3),
		key:  "0006 0003 677270", // record type 6, GroupId "grp"
		value: "0000" +
			"00000003" + // AssignmentEpoch 3
			"00",
	},
	{
		name: "consumer group target assignment member",
		r:    NewTargetAssignment("grp", "m", map[[16]byte][]int32{topicA: {1, 0}}),
		key:  "0007 0003 677270 0001 6d", // record type 7, GroupId "grp", MemberId "m"
		value: "0000" +
			"02" + // TopicPartitions: 1
			"0102030405060708090a0b0c0d0e0f10" + // TopicId
			"03 00000000 00000001" + // Partitions [0, 1]
			"00" + // TopicPartition tags
			"00", // value tags
	},
	{
		name: "consumer group current member assignment",
		r: NewCurrentAssignment("grp", "m", ConsumerGroupCurrentMemberAssignmentValue{
			MemberEpoch: 5, PreviousMemberEpoch: 4, State: MemberUnrevokedPartitions,
			AssignedPartitions: TopicPartitionsOf(map[[16]byte][]int32{topicA: {0}})}),
		key: "0008 0003 677270 0001 6d", // record type 8
		value: "0000" +
			"00000005" + // MemberEpoch 5
			"00000004" + // PreviousMemberEpoch 4
			"01" + // State UNREVOKED_PARTITIONS
			"02 0102030405060708090a0b0c0d0e0f10 02 00000000 00" + // AssignedPartitions [{A, [0]}]
			"01" + // PartitionsPendingRevocation []
			"00",
	},
	{
		name: "consumer group current member assignment tombstone",
		r:    NewCurrentAssignmentTombstone("grp", "m"),
		key:  "0008 0003 677270 0001 6d",
	},
}

func TestGoldenBytes(t *testing.T) {
	for _, g := range goldens {
		t.Run(g.name, func(t *testing.T) {
			wantKey := unhex(t, g.key)
			var wantValue []byte
			if g.value != "" {
				wantValue = unhex(t, g.value)
			}
			key, value := mustEncode(t, g.r)
			if !bytes.Equal(key, wantKey) {
				t.Errorf("key\n got %x\nwant %x", key, wantKey)
			}
			if !bytes.Equal(value, wantValue) || (value == nil) != (wantValue == nil) {
				t.Errorf("value\n got %x\nwant %x", value, wantValue)
			}
			got, err := Decode(wantKey, wantValue)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, g.r) {
				t.Errorf("decoded\n got %#v\nwant %#v", got, g.r)
			}
		})
	}
}
