package records

import (
	"bytes"
	"encoding/hex"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

func mustEncode(t *testing.T, r Record) (key, value []byte) {
	t.Helper()
	key, value, err := Encode(r)
	if err != nil {
		t.Fatalf("Encode(%+v): %v", r, err)
	}
	return key, value
}

func TestRoundTripEveryTypeAndVersion(t *testing.T) {
	for name, r := range sampleRecords() {
		t.Run(name, func(t *testing.T) {
			key, value := mustEncode(t, r)
			if (value == nil) != r.IsTombstone() {
				t.Fatalf("tombstone %v, value %x", r.IsTombstone(), value)
			}
			got, err := Decode(key, value)
			if err != nil {
				t.Fatalf("Decode: %v\nkey   %x\nvalue %x", err, key, value)
			}
			if !reflect.DeepEqual(got, r) {
				t.Fatalf("round trip changed the record:\n got %#v\nwant %#v", got, r)
			}
			key2, value2 := mustEncode(t, got)
			if !bytes.Equal(key, key2) || !bytes.Equal(value, value2) {
				t.Fatalf("re-encoding differs:\n%x %x\n%x %x", key, value, key2, value2)
			}
		})
	}
}

// Every strict prefix of a valid key or value is missing bytes the schema
// needs, so it must be refused as malformed, never read as something else
// and never panic.
func TestEveryTruncationIsMalformed(t *testing.T) {
	for name, r := range sampleRecords() {
		key, value := mustEncode(t, r)
		for n := 0; n < len(key); n++ {
			if _, err := Decode(key[:n], value); !errors.Is(err, ErrMalformed) {
				t.Errorf("%s: key cut to %d of %d bytes: %v", name, n, len(key), err)
			}
		}
		for n := 0; value != nil && n < len(value); n++ {
			if _, err := Decode(key, value[:n]); !errors.Is(err, ErrMalformed) {
				t.Errorf("%s: value cut to %d of %d bytes: %v", name, n, len(value), err)
			}
		}
	}
}

// Kafka's generated readers stop at the end of the message; so does Decode.
func TestTrailingBytesAreIgnored(t *testing.T) {
	for name, r := range sampleRecords() {
		key, value := mustEncode(t, r)
		key = append(key, 0xde, 0xad)
		if value != nil {
			value = append(value, 0xbe, 0xef)
		}
		got, err := Decode(key, value)
		if err != nil || !reflect.DeepEqual(got, r) {
			t.Errorf("%s: %v\n got %#v\nwant %#v", name, err, got, r)
		}
	}
}

func TestDecodedRecordOwnsItsMemory(t *testing.T) {
	r := Record{GroupMetadataKey{"g"}, groupMetadataValue(4)}
	key, value := mustEncode(t, r)
	got, err := Decode(key, value)
	if err != nil {
		t.Fatal(err)
	}
	for i := range key {
		key[i] = 0xff
	}
	for i := range value {
		value[i] = 0xff
	}
	if !reflect.DeepEqual(got, r) {
		t.Fatalf("scribbling on the input changed the record:\n%#v", got)
	}
}

func TestEmptyValueIsNotATombstone(t *testing.T) {
	key, _ := mustEncode(t, NewGroupEpochTombstone("cg"))
	if _, err := Decode(key, []byte{}); !errors.Is(err, ErrMalformed) {
		t.Fatalf("empty (not null) value: %v", err)
	}
}

func unhex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDecodeRefuses(t *testing.T) {
	const (
		ocKey  = "0001 0001 67 0001 74 00000000"                 // offset commit g/t/0
		gmKey  = "0002 0001 67"                                  // group metadata g
		cgKey  = "0003 0001 67"                                  // consumer group epoch g
		memKey = "0005 0001 67 0001 6d"                          // member metadata g/m
		tamKey = "0007 0001 67 0001 6d"                          // target assignment g/m
		gmV3   = "0003 0000 00000000 ffff ffff ffffffffffffffff" // GroupMetadataValue v3 up to members
	)
	cases := []struct {
		name       string
		key, value string
		null       bool
		want       error
	}{
		{"no key", "", "", true, ErrMalformed},
		{"one-byte key", "00", "", true, ErrMalformed},
		{"share group type 9", "0009 0001 67", "0000 00", false, ErrUnknownKeyVersion},
		{"share group type 11 tombstone", "000b 0001 67", "", true, ErrUnknownKeyVersion},
		{"negative type", "ffff 0001 67", "", true, ErrUnknownKeyVersion},
		{"type 32767", "7fff", "", true, ErrUnknownKeyVersion},
		{"null group in key", "0002 ffff", "", true, ErrMalformed},
		{"negative string length in key", "0002 fffe", "", true, ErrMalformed},
		{"key string past the data", "0002 0005 6767", "", true, ErrMalformed},
		{"key missing partition", "0001 0001 67 0001 74 0000", "", true, ErrMalformed},
		{"one-byte value", ocKey, "00", false, ErrMalformed},
		{"offset commit value v5", ocKey, "0005 0000000000000001 0000 0000000000000000 00", false, ErrUnknownValueVersion},
		{"negative value version", ocKey, "ffff", false, ErrUnknownValueVersion},
		{"consumer group value v1", cgKey, "0001 00000001 00", false, ErrUnknownValueVersion},
		{"null metadata", ocKey, "0003 0000000000000001 00000000 ffff 0000000000000000", false, ErrMalformed},
		{"null compact metadata", ocKey, "0004 0000000000000001 00000000 00 0000000000000000 00", false, ErrMalformed},
		{"compact string over 32767 bytes", ocKey, "0004 0000000000000001 00000000 818002", false, ErrMalformed},
		{"topic id tag of 15 bytes", ocKey, "0004 0000000000000001 00000000 01 0000000000000000 01 00 0f 000102030405060708090a0b0c0d0e", false, ErrMalformed},
		{"topic id tag of 17 bytes", ocKey, "0004 0000000000000001 00000000 01 0000000000000000 01 00 11 000102030405060708090a0b0c0d0e0f10", false, ErrMalformed},
		{"null members", gmKey, gmV3 + "ffffffff", false, ErrMalformed},
		{"negative members", gmKey, gmV3 + "fffffffe", false, ErrMalformed},
		{"members the data cannot hold", gmKey, gmV3 + "000f4240 0000", false, ErrMalformed},
		{"null subscription", gmKey, gmV3 + "00000001 0001 6d ffff 0001 63 0001 68 00000001 00000001 ffffffff 00000000", false, ErrMalformed},
		{"subscription past the data", gmKey, gmV3 + "00000001 0001 6d ffff 0001 63 0001 68 00000001 00000001 00000010 00", false, ErrMalformed},
		// kmsg v1.15.0 would loop 2^32-1 times over this tag count.
		{"tag count 2^32-1", gmKey, "0004 01 00000000 00 00 ffffffffffffffff 01 ffffffff0f", false, ErrMalformed},
		{"tag size past the data", cgKey, "0000 00000001 01 05 10 00", false, ErrMalformed},
		{"uvarint of six bytes", cgKey, "0000 00000001 8080808080 01", false, ErrMalformed},
		{"null client id", memKey, "0000 00 00 00", false, ErrMalformed},
		{"null topic names", memKey, "0000 00 00 01 01 00", false, ErrMalformed},
		{"classic metadata with a byte left over", memKey,
			"0000 00 00 01 01 01 00 ffffffff 00 01 00 08 01 00000001 01 00 00", false, ErrMalformed},
		{"classic metadata cut short", memKey,
			"0000 00 00 01 01 01 00 ffffffff 00 01 00 04 01 000000", false, ErrMalformed},
		{"null partitions", tamKey, "0000 02 0102030405060708090a0b0c0d0e0f10 00 00 00", false, ErrMalformed},
		{"partitions the data cannot hold", tamKey, "0000 02 0102030405060708090a0b0c0d0e0f10 05 00000001 00 00", false, ErrMalformed},
		{"topics the data cannot hold", tamKey, "0000 ffffffff0f", false, ErrMalformed},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var value []byte
			if !c.null {
				value = unhex(t, c.value)
			}
			start := time.Now()
			r, err := Decode(unhex(t, c.key), value)
			if !errors.Is(err, c.want) {
				t.Fatalf("got %+v, %v; want %v", r, err, c.want)
			}
			if !strings.HasPrefix(err.Error(), "records: ") && !strings.Contains(err.Error(), ": records: ") {
				t.Errorf("error %q does not name the package", err)
			}
			if d := time.Since(start); d > time.Second {
				t.Errorf("took %v", d)
			}
		})
	}
}

// The null marker of the tagged ClassicMemberMetadata (Java reads a marker
// of 0 as null) decodes as nil, and the record re-encodes without the tag.
func TestNullClassicMemberMetadataMarker(t *testing.T) {
	key := unhex(t, "0005 0001 67 0001 6d")
	value := unhex(t, "0000 00 00 01 01 01 00 ffffffff 00 01 00 01 00")
	r, err := Decode(key, value)
	if err != nil {
		t.Fatal(err)
	}
	v := r.Value.(ConsumerGroupMemberMetadataValue)
	if v.ClassicMemberMetadata != nil || v.UnknownTags.Len() != 0 {
		t.Fatalf("got %#v", v)
	}
	_, value2 := mustEncode(t, r)
	if want := unhex(t, "0000 00 00 01 01 01 00 ffffffff 00 00"); !bytes.Equal(value2, want) {
		t.Fatalf("re-encoded %x, want %x", value2, want)
	}
}

func TestEncodeRefuses(t *testing.T) {
	long := strings.Repeat("x", 32768)
	okLong := strings.Repeat("x", 32767)
	if _, _, err := Encode(Record{Key: GroupMetadataKey{okLong}}); err != nil {
		t.Fatalf("a 32767-byte group id: %v", err)
	}
	cases := []struct {
		name string
		r    Record
	}{
		{"no key", Record{Value: ConsumerGroupMetadataValue{}}},
		{"value of another kind", Record{GroupMetadataKey{"g"}, ConsumerGroupMetadataValue{}}},
		{"offset commit value under a group key", Record{GroupMetadataKey{"g"}, offsetCommitValue(3)}},
		{"consumer value under an offset key", Record{OffsetCommitKey{}, ConsumerGroupTargetAssignmentMetadataValue{}}},
		{"offset commit value v5", Record{OffsetCommitKey{}, OffsetCommitValue{Version: 5}}},
		{"negative version", Record{GroupMetadataKey{"g"}, GroupMetadataValue{Version: -1}}},
		{"long group", Record{Key: OffsetCommitKey{Group: long}}},
		{"long topic", Record{Key: OffsetCommitKey{Topic: long}}},
		{"long member id in key", Record{Key: ConsumerGroupMemberMetadataKey{"g", long}}},
		{"long metadata", Record{OffsetCommitKey{}, OffsetCommitValue{Version: 3, Metadata: long}}},
		{"long compact metadata", Record{OffsetCommitKey{}, OffsetCommitValue{Version: 4, Metadata: long}}},
		{"long leader", Record{GroupMetadataKey{"g"}, GroupMetadataValue{Version: 3, Leader: &long}}},
		{"long instance id", Record{GroupMetadataKey{"g"}, GroupMetadataValue{Version: 3, Members: []GroupMember{{InstanceID: &long}}}}},
		{"tags at v3", Record{OffsetCommitKey{}, OffsetCommitValue{Version: 3, UnknownTags: unknownTags(1, "x")}}},
		{"topic id at v3", Record{OffsetCommitKey{}, OffsetCommitValue{Version: 3, TopicID: topicA}}},
		{"unknown tag 0 beside topic id", Record{OffsetCommitKey{}, OffsetCommitValue{Version: 4, UnknownTags: unknownTags(0, "x")}}},
		{"group tags at v3", Record{GroupMetadataKey{"g"}, GroupMetadataValue{Version: 3, UnknownTags: unknownTags(1, "x")}}},
		{"member tags at v3", Record{GroupMetadataKey{"g"}, GroupMetadataValue{Version: 3, Members: []GroupMember{{UnknownTags: unknownTags(1, "x")}}}}},
		{"unknown tag 0 beside classic metadata", Record{ConsumerGroupMemberMetadataKey{}, ConsumerGroupMemberMetadataValue{UnknownTags: unknownTags(0, "x")}}},
		{"long regex", Record{ConsumerGroupMemberMetadataKey{}, ConsumerGroupMemberMetadataValue{SubscribedTopicRegex: &long}}},
		{"long topic name", Record{ConsumerGroupMemberMetadataKey{}, ConsumerGroupMemberMetadataValue{SubscribedTopicNames: []string{"a", long}}}},
		{"long protocol name", Record{ConsumerGroupMemberMetadataKey{}, ConsumerGroupMemberMetadataValue{
			ClassicMemberMetadata: &ClassicMemberMetadata{SupportedProtocols: []ClassicProtocol{{Name: long}}}}}},
		{"long rack", Record{ConsumerGroupPartitionMetadataKey{}, ConsumerGroupPartitionMetadataValue{
			Topics: []TopicMetadata{{PartitionMetadata: []PartitionMetadata{{Racks: []string{long}}}}}}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			k, v, err := Encode(c.r)
			if !errors.Is(err, ErrInvalid) || k != nil || v != nil {
				t.Fatalf("got %x %x %v, want ErrInvalid", k, v, err)
			}
		})
	}
}

func TestTypeNames(t *testing.T) {
	for typ, want := range map[Type]string{
		TypeOffsetCommitV0: "OffsetCommitKey", TypeOffsetCommit: "OffsetCommitKey", TypeGroupMetadata: "GroupMetadataKey",
		TypeConsumerGroupCurrentMemberAssignment: "ConsumerGroupCurrentMemberAssignmentKey", 9: "Type(9)", -1: "Type(-1)",
	} {
		if got := typ.String(); got != want {
			t.Errorf("%d: %q, want %q", typ, got, want)
		}
	}
}
