package records

import (
	"bytes"
	"fmt"
	"reflect"
	"testing"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// The classic records are written by kmsg; these tests hold this package's
// own reader and its wrappers to kmsg's encoding and decoding, version by
// version.

func TestClassicEncodingIsKmsgs(t *testing.T) {
	for v := int16(0); v <= 4; v++ {
		oc := offsetCommitValue(v)
		km := kmsg.OffsetCommitValue(oc)
		_, got := mustEncode(t, Record{OffsetCommitKey{}, oc})
		if want := km.AppendTo(nil); !bytes.Equal(got, want) {
			t.Errorf("OffsetCommitValue v%d\n got %x\nwant %x", v, got, want)
		}
		gm := groupMetadataValue(v)
		kg := kmsg.GroupMetadataValue(gm)
		_, got = mustEncode(t, Record{GroupMetadataKey{"g"}, gm})
		if want := kg.AppendTo(nil); !bytes.Equal(got, want) {
			t.Errorf("GroupMetadataValue v%d\n got %x\nwant %x", v, got, want)
		}
	}
	for _, k := range []OffsetCommitKey{{Group: "g", Topic: "t", Partition: 9}, {Group: "g", Topic: "t", Partition: 9, V0: true}} {
		got, _ := mustEncode(t, Record{Key: k})
		want := (&kmsg.OffsetCommitKey{Version: int16(k.Type()), Group: "g", Topic: "t", Partition: 9}).AppendTo(nil)
		if !bytes.Equal(got, want) {
			t.Errorf("%+v\n got %x\nwant %x", k, got, want)
		}
	}
	// A KIP-848 group key has GroupMetadataKey's layout under another type.
	for _, k := range []Key{ConsumerGroupMetadataKey{"cg"}, ConsumerGroupPartitionMetadataKey{"cg"}, ConsumerGroupTargetAssignmentMetadataKey{"cg"}} {
		got, _ := mustEncode(t, Record{Key: k})
		want := (&kmsg.GroupMetadataKey{Version: int16(k.Type()), Group: "cg"}).AppendTo(nil)
		if !bytes.Equal(got, want) {
			t.Errorf("%T\n got %x\nwant %x", k, got, want)
		}
	}
}

// Decode reads what kmsg writes as kmsg reads it, but with Kafka's
// defaults (-1) where kmsg leaves a field a version lacks at zero.
func TestClassicDecodingAgreesWithKmsg(t *testing.T) {
	for v := int16(0); v <= 4; v++ {
		for i, gm := range []GroupMetadataValue{groupMetadataValue(v), emptyGroupMetadataValue(v)} {
			name := fmt.Sprintf("GroupMetadataValue v%d #%d", v, i)
			src := kmsg.GroupMetadataValue(gm)
			raw := src.AppendTo(nil)
			var want kmsg.GroupMetadataValue
			if err := want.ReadFrom(raw); err != nil {
				t.Fatalf("%s: kmsg: %v", name, err)
			}
			got, err := Decode(unhex(t, "0002 0001 67"), raw)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if !reflect.DeepEqual(got.Value, GroupMetadataValue(want)) {
				t.Errorf("%s\n got %#v\nwant %#v", name, got.Value, want)
			}
		}

		src := kmsg.OffsetCommitValue(offsetCommitValue(v))
		raw := src.AppendTo(nil)
		var want kmsg.OffsetCommitValue
		if err := want.ReadFrom(raw); err != nil {
			t.Fatalf("OffsetCommitValue v%d: kmsg: %v", v, err)
		}
		if v < 3 {
			want.LeaderEpoch = -1
		}
		if v != 1 {
			want.ExpireTimestamp = -1
		}
		got, err := Decode(unhex(t, "0001 0001 67 0001 74 00000000"), raw)
		if err != nil {
			t.Fatalf("OffsetCommitValue v%d: %v", v, err)
		}
		if !reflect.DeepEqual(got.Value, OffsetCommitValue(want)) {
			t.Errorf("OffsetCommitValue v%d\n got %#v\nwant %#v", v, got.Value, want)
		}
	}
}
