package records

import (
	"encoding/binary"
	"reflect"
	"testing"
)

func TestNewOffsetCommitVersions(t *testing.T) {
	base := OffsetAndMetadata{Offset: 10, LeaderEpoch: 3, Metadata: "x", CommitTimestamp: 99, ExpireTimestamp: NoExpireTimestamp}
	if v := NewOffsetCommit("g", "t", 0, base).Value.ValueVersion(); v != 3 {
		t.Errorf("without expire timestamp: v%d, want v3", v)
	}
	withExpire := base
	withExpire.ExpireTimestamp = 1000
	r := NewOffsetCommit("g", "t", 0, withExpire)
	if v := r.Value.ValueVersion(); v != 1 {
		t.Errorf("with expire timestamp: v%d, want v1", v)
	}
	if k := r.Key.(OffsetCommitKey); k.Type() != TypeOffsetCommit {
		t.Errorf("key type %d, want 1 (what Kafka 3.9 writes)", k.Type())
	}
	// v1 has no leader epoch: it reads back as none.
	key, value := mustEncode(t, r)
	got, err := Decode(key, value)
	if err != nil {
		t.Fatal(err)
	}
	if v := got.Value.(OffsetCommitValue); v.LeaderEpoch != NoLeaderEpoch || v.ExpireTimestamp != 1000 || v.Offset != 10 {
		t.Errorf("read back %+v", v)
	}
}

func TestConstructorsSortAndDoNotModifyTheirInput(t *testing.T) {
	names := []string{"c", "a", "b"}
	r := NewMemberSubscription("g", "m", ConsumerGroupMemberMetadataValue{SubscribedTopicNames: names})
	if got := r.Value.(ConsumerGroupMemberMetadataValue).SubscribedTopicNames; !reflect.DeepEqual(got, []string{"a", "b", "c"}) {
		t.Errorf("topic names %v", got)
	}
	if !reflect.DeepEqual(names, []string{"c", "a", "b"}) {
		t.Errorf("input modified: %v", names)
	}

	topics := []TopicMetadata{
		{TopicName: "z", PartitionMetadata: []PartitionMetadata{{Partition: 2, Racks: []string{"r2", "r1"}}, {Partition: 1}}},
		{TopicName: "a"},
	}
	v := NewGroupSubscriptionMetadata("g", topics).Value.(ConsumerGroupPartitionMetadataValue)
	if v.Topics[0].TopicName != "a" || v.Topics[1].TopicName != "z" {
		t.Errorf("topics not sorted: %+v", v.Topics)
	}
	if ps := v.Topics[1].PartitionMetadata; ps[0].Partition != 1 || !reflect.DeepEqual(ps[1].Racks, []string{"r1", "r2"}) {
		t.Errorf("partitions or racks not sorted: %+v", ps)
	}
	if topics[0].TopicName != "z" || topics[0].PartitionMetadata[0].Partition != 2 || topics[0].PartitionMetadata[0].Racks[0] != "r2" {
		t.Errorf("input modified: %+v", topics)
	}

	tps := TopicPartitionsOf(map[[16]byte][]int32{topicB: {5, 1}, topicA: {3}})
	want := []TopicPartitions{{TopicID: topicA, Partitions: []int32{3}}, {TopicID: topicB, Partitions: []int32{1, 5}}}
	if !reflect.DeepEqual(tps, want) {
		t.Errorf("TopicPartitionsOf: %+v", tps)
	}
	if TopicPartitionsOf(nil) != nil {
		t.Error("empty assignment is not nil")
	}
}

func TestTombstoneConstructors(t *testing.T) {
	for _, r := range []Record{
		NewOffsetCommitTombstone("g", "t", 1), NewGroupMetadataTombstone("g"), NewGroupEpochTombstone("g"),
		NewGroupSubscriptionMetadataTombstone("g"), NewMemberSubscriptionTombstone("g", "m"),
		NewTargetAssignmentTombstone("g", "m"), NewTargetAssignmentEpochTombstone("g"), NewCurrentAssignmentTombstone("g", "m"),
	} {
		key, value := mustEncode(t, r)
		if value != nil {
			t.Errorf("%T: value %x", r.Key, value)
		}
		got, err := Decode(key, nil)
		if err != nil || !got.IsTombstone() || got.Key != r.Key {
			t.Errorf("%T: %+v %v", r.Key, got, err)
		}
	}
}

// burrowOffset reads an offset commit the way the lag monitor Burrow does
// (core/internal/consumer/kafka_client.go): key types 0 and 1, then value
// versions 0 and 1 as offset/metadata/timestamp and 3 with a leader epoch
// after the offset; any other version is dropped with a warning.
func burrowOffset(key, value []byte) (group, topic string, partition int32, offset, timestamp int64, ok bool) {
	str := func(b []byte) (string, []byte, bool) {
		if len(b) < 2 {
			return "", nil, false
		}
		n := int(int16(binary.BigEndian.Uint16(b)))
		if n < 0 || len(b) < 2+n {
			return "", nil, false
		}
		return string(b[2 : 2+n]), b[2+n:], true
	}
	if len(key) < 2 || len(value) < 2 {
		return
	}
	if kv := int16(binary.BigEndian.Uint16(key)); kv != 0 && kv != 1 {
		return
	}
	rest := key[2:]
	var okG, okT bool
	if group, rest, okG = str(rest); !okG {
		return
	}
	if topic, rest, okT = str(rest); !okT || len(rest) < 4 {
		return
	}
	partition = int32(binary.BigEndian.Uint32(rest))
	vv := int16(binary.BigEndian.Uint16(value))
	v := value[2:]
	if vv != 0 && vv != 1 && vv != 3 {
		return
	}
	if len(v) < 8 {
		return
	}
	offset = int64(binary.BigEndian.Uint64(v))
	v = v[8:]
	if vv == 3 {
		if len(v) < 4 {
			return
		}
		v = v[4:]
	}
	var okM bool
	if _, v, okM = str(v); !okM || len(v) < 8 {
		return
	}
	timestamp = int64(binary.BigEndian.Uint64(v))
	return group, topic, partition, offset, timestamp, true
}

// What Wharf writes by default must stay readable by Burrow: offset
// commits at v3 (or v1), never v2 (which Burrow drops) or v4 (which it
// reads only from 1.9.5 on).
func TestDefaultOffsetCommitsAreReadableByBurrow(t *testing.T) {
	for _, expire := range []int64{NoExpireTimestamp, 5000} {
		r := NewOffsetCommit("grp", "orders", 7, OffsetAndMetadata{Offset: 12345, LeaderEpoch: 2, Metadata: "m", CommitTimestamp: 4000, ExpireTimestamp: expire})
		key, value := mustEncode(t, r)
		g, topic, p, off, ts, ok := burrowOffset(key, value)
		if !ok || g != "grp" || topic != "orders" || p != 7 || off != 12345 || ts != 4000 {
			t.Errorf("expire %d: Burrow would read %q %q %d %d %d %v", expire, g, topic, p, off, ts, ok)
		}
	}
	for _, v := range []int16{2, 4} {
		key, value := mustEncode(t, Record{OffsetCommitKey{Group: "g", Topic: "t"}, offsetCommitValue(v)})
		if _, _, _, _, _, ok := burrowOffset(key, value); ok {
			t.Errorf("v%d: the Burrow model should drop it", v)
		}
	}
	// Group metadata: Burrow 1.3+ reads value versions 0-3; the default is 3.
	if v := NewEmptyGroupMetadata("g", 0).Value.ValueVersion(); v > 3 {
		t.Errorf("group metadata written at v%d", v)
	}
}
