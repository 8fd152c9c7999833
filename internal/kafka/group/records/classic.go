package records

import (
	"fmt"
	"math"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// The classic records (offset commits and classic group metadata) are
// written by kmsg's AppendTo, whose OffsetCommitKey/Value and
// GroupMetadataKey/Value follow Kafka's schemas field for field, once this
// package has checked what kmsg does not (lengths, versions, tags). They
// are read by this package's own reader (dec), not kmsg's ReadFrom: kmsg
// v1.15.0 reads a tagged-fields section by looping over the count the data
// declares even after the data has run out, so a flexible GroupMetadataValue
// claiming 2^32-1 tags would spin for about a minute; and kmsg accepts a
// null subscription or member list, which Kafka refuses.

// OffsetCommitKey is the key of a committed offset (record types 0 and 1,
// OffsetCommitKey.json).
type OffsetCommitKey struct {
	Group     string
	Topic     string
	Partition int32
	// V0 marks a key of record type 0 (written by Kafka 0.8.2):
	// the same fields, written back as type 0. Kafka 3.9 writes type 1.
	V0 bool
}

// Type is TypeOffsetCommit, or TypeOffsetCommitV0 for a V0 key.
func (k OffsetCommitKey) Type() Type {
	if k.V0 {
		return TypeOffsetCommitV0
	}
	return TypeOffsetCommit
}

func (k OffsetCommitKey) appendKey(dst []byte) ([]byte, error) {
	if err := checkStrings("OffsetCommitKey", "group", k.Group, "topic", k.Topic); err != nil {
		return nil, err
	}
	m := kmsg.OffsetCommitKey{Version: int16(k.Type()), Group: k.Group, Topic: k.Topic, Partition: k.Partition}
	return m.AppendTo(dst), nil
}

func decodeOffsetCommitKey(t Type, d *dec) Key {
	return OffsetCommitKey{
		Group:     d.string("group", false),
		Topic:     d.string("topic", false),
		Partition: d.int32(),
		V0:        t == TypeOffsetCommitV0,
	}
}

// GroupMetadataKey is the key of a classic group's metadata (record type
// 2, GroupMetadataKey.json).
type GroupMetadataKey struct {
	Group string
}

// Type is TypeGroupMetadata.
func (GroupMetadataKey) Type() Type { return TypeGroupMetadata }

func (k GroupMetadataKey) appendKey(dst []byte) ([]byte, error) {
	if err := checkStrings("GroupMetadataKey", "group", k.Group); err != nil {
		return nil, err
	}
	m := kmsg.GroupMetadataKey{Version: int16(TypeGroupMetadata), Group: k.Group}
	return m.AppendTo(dst), nil
}

func decodeGroupMetadataKey(_ Type, d *dec) Key {
	return GroupMetadataKey{Group: d.string("group", false)}
}

// OffsetCommitValue is a committed offset (OffsetCommitValue.json,
// versions 0-4, flexible from 4):
//
//	v0: offset metadata commitTimestamp
//	v1: offset metadata commitTimestamp expireTimestamp
//	v2: offset metadata commitTimestamp
//	v3: offset leaderEpoch metadata commitTimestamp
//	v4: v3 with compact strings and tagged fields
//
// Fields a version lacks decode as Kafka's defaults: LeaderEpoch and
// ExpireTimestamp -1. TopicID is kmsg's name for tag 0 of v4, which Kafka
// 4.1 added; Kafka 3.9 keeps such a tag as an unknown one, and so does the
// round trip here. Kafka 3.9 writes v3, or v1 when the commit carries an
// expire timestamp (NewOffsetCommit).
type OffsetCommitValue kmsg.OffsetCommitValue

// ValueVersion is v.Version.
func (v OffsetCommitValue) ValueVersion() int16 { return v.Version }

func (OffsetCommitValue) kind() Type { return TypeOffsetCommit }

func (v OffsetCommitValue) appendValue(dst []byte) ([]byte, error) {
	if err := checkStrings("OffsetCommitValue", "metadata", v.Metadata); err != nil {
		return nil, err
	}
	if v.Version < 4 && (v.TopicID != [16]byte{} || v.UnknownTags.Len() > 0) {
		return nil, fmt.Errorf("%w: OffsetCommitValue v%d has no tagged fields", ErrInvalid, v.Version)
	}
	if err := checkUnknownTags(v.UnknownTags, 0); err != nil {
		return nil, err
	}
	m := kmsg.OffsetCommitValue(v)
	return m.AppendTo(dst), nil
}

func decodeOffsetCommitValue(version int16, d *dec) Value {
	flexible := version >= 4
	v := OffsetCommitValue{Version: version, LeaderEpoch: -1, ExpireTimestamp: -1}
	v.Offset = d.int64()
	if version >= 3 {
		v.LeaderEpoch = d.int32()
	}
	v.Metadata = d.string("metadata", flexible)
	v.CommitTimestamp = d.int64()
	if version == 1 {
		v.ExpireTimestamp = d.int64()
	}
	if flexible {
		v.UnknownTags = d.tags(func(tag uint32, body *dec) bool {
			if tag != 0 {
				return false
			}
			v.TopicID = body.uuid()
			return true
		})
	}
	return v
}

// GroupMember is one member of a classic group's metadata.
type GroupMember = kmsg.GroupMetadataValueMember

// GroupMetadataValue is a classic group's metadata (GroupMetadataValue.json,
// versions 0-4, flexible from 4): protocolType generation protocol leader
// [currentStateTimestamp v2+] members; each member memberId
// [groupInstanceId v3+] clientId clientHost [rebalanceTimeout v1+]
// sessionTimeout subscription assignment. Fields a version lacks decode as
// Kafka's defaults: CurrentStateTimestamp and RebalanceTimeoutMillis -1,
// InstanceID nil. Kafka 3.9 writes v3 (NewGroupMetadata).
type GroupMetadataValue kmsg.GroupMetadataValue

// ValueVersion is v.Version.
func (v GroupMetadataValue) ValueVersion() int16 { return v.Version }

func (GroupMetadataValue) kind() Type { return TypeGroupMetadata }

func (v GroupMetadataValue) appendValue(dst []byte) ([]byte, error) {
	const what = "GroupMetadataValue"
	flexible := v.Version >= 4
	if err := checkStrings(what, "protocolType", v.ProtocolType, "protocol", deref(v.Protocol), "leader", deref(v.Leader)); err != nil {
		return nil, err
	}
	if !flexible && v.UnknownTags.Len() > 0 {
		return nil, fmt.Errorf("%w: %s v%d has no tagged fields", ErrInvalid, what, v.Version)
	}
	for i := range v.Members {
		m := &v.Members[i]
		if err := checkStrings(what, "memberId", m.MemberID, "groupInstanceId", deref(m.InstanceID),
			"clientId", m.ClientID, "clientHost", m.ClientHost); err != nil {
			return nil, err
		}
		if tooLong(m.Subscription) || tooLong(m.Assignment) {
			return nil, fmt.Errorf("%w: %s member %q: bytes over 2 GiB", ErrInvalid, what, m.MemberID)
		}
		if !flexible && m.UnknownTags.Len() > 0 {
			return nil, fmt.Errorf("%w: %s v%d member has no tagged fields", ErrInvalid, what, v.Version)
		}
	}
	m := kmsg.GroupMetadataValue(v)
	return m.AppendTo(dst), nil
}

// minMemberSize is at most the fewest bytes one classic member takes in any
// version (v4: 7 one-byte lengths and tag count, two int32s; v0: 3 int16
// and 2 int32 lengths, one int32): it bounds the member count that the
// remaining bytes can hold, so no allocation is sized by a bare count.
const minMemberSize = 15

func decodeGroupMetadataValue(version int16, d *dec) Value {
	flexible := version >= 4
	v := GroupMetadataValue{Version: version, CurrentStateTimestamp: -1}
	v.ProtocolType = d.string("protocolType", flexible)
	v.Generation = d.int32()
	v.Protocol = d.nullableString("protocol", flexible)
	v.Leader = d.nullableString("leader", flexible)
	if version >= 2 {
		v.CurrentStateTimestamp = d.int64()
	}
	v.Members = makeN[GroupMember](d.arrayLen("members", flexible, minMemberSize))
	for i := 0; i < len(v.Members) && d.ok(); i++ {
		m := &v.Members[i]
		m.RebalanceTimeoutMillis = -1
		m.MemberID = d.string("memberId", flexible)
		if version >= 3 {
			m.InstanceID = d.nullableString("groupInstanceId", flexible)
		}
		m.ClientID = d.string("clientId", flexible)
		m.ClientHost = d.string("clientHost", flexible)
		if version >= 1 {
			m.RebalanceTimeoutMillis = d.int32()
		}
		m.SessionTimeoutMillis = d.int32()
		m.Subscription = d.bytes("subscription", flexible)
		m.Assignment = d.bytes("assignment", flexible)
		if flexible {
			m.UnknownTags = d.tags(nil)
		}
	}
	if flexible {
		v.UnknownTags = d.tags(nil)
	}
	return v
}

// checkStrings checks (field, value) pairs against Kafka's string limit.
func checkStrings(what string, fieldsAndValues ...string) error {
	for i := 0; i+1 < len(fieldsAndValues); i += 2 {
		if n := len(fieldsAndValues[i+1]); n > maxString {
			return fmt.Errorf("%w: %s.%s: string of %d bytes (at most %d)", ErrInvalid, what, fieldsAndValues[i], n, maxString)
		}
	}
	return nil
}

// tooLong reports whether b overflows an int32 length.
func tooLong(b []byte) bool { return int64(len(b)) > math.MaxInt32 }

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
