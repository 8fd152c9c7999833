package records

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Errors. Decode's errors wrap ErrUnknownKeyVersion, ErrUnknownValueVersion
// or ErrMalformed; Encode's wrap ErrInvalid.
var (
	// ErrUnknownKeyVersion: the key's version names no record type this
	// package knows (share groups' 9-11, or a newer Kafka's). Kafka's loader
	// logs such a record and skips it; so should ours.
	ErrUnknownKeyVersion = errors.New("records: unknown record type")
	// ErrUnknownValueVersion: a known record type whose value version lies
	// outside the schema's valid versions. Kafka's generated reader throws
	// (UnsupportedVersionException) and the partition's load fails.
	ErrUnknownValueVersion = errors.New("records: unsupported value version")
	// ErrMalformed: bytes that do not decode under the schema (truncated,
	// a null where the schema has none, a length past the data, ...).
	ErrMalformed = errors.New("records: malformed record")
	// ErrInvalid: a Record that cannot be encoded (no key, a value of
	// another kind than its key, a version the schema lacks, a string longer
	// than 32767 bytes, tagged fields in a non-flexible version, ...).
	ErrInvalid = errors.New("records: invalid record")
)

// Type is a record's type: the int16 version that starts its key, which
// names both the key and the value schema (CoordinatorRecordSerde's
// "record_type").
type Type int16

// The record types of Kafka 3.9's __consumer_offsets that this package
// codes. Types 9 to 11 (share groups, KIP-932, not yet read by Kafka 3.9's
// serde) give ErrUnknownKeyVersion.
const (
	TypeOffsetCommitV0                        Type = 0 // OffsetCommitKey, written by Kafka 0.8.2
	TypeOffsetCommit                          Type = 1 // OffsetCommitKey
	TypeGroupMetadata                         Type = 2 // GroupMetadataKey (classic groups)
	TypeConsumerGroupMetadata                 Type = 3 // KIP-848 group epoch
	TypeConsumerGroupPartitionMetadata        Type = 4 // KIP-848 subscribed topics' metadata
	TypeConsumerGroupMemberMetadata           Type = 5 // KIP-848 member subscription
	TypeConsumerGroupTargetAssignmentMetadata Type = 6 // KIP-848 target assignment epoch
	TypeConsumerGroupTargetAssignmentMember   Type = 7 // KIP-848 member's target assignment
	TypeConsumerGroupCurrentMemberAssignment  Type = 8 // KIP-848 member's current assignment
)

// String is the key schema's name ("OffsetCommitKey", ...).
func (t Type) String() string {
	if s := specFor(t); s != nil {
		return s.keyName
	}
	return fmt.Sprintf("Type(%d)", int16(t))
}

// Key is one record key: one of OffsetCommitKey, GroupMetadataKey,
// ConsumerGroupMetadataKey, ConsumerGroupPartitionMetadataKey,
// ConsumerGroupMemberMetadataKey, ConsumerGroupTargetAssignmentMetadataKey,
// ConsumerGroupTargetAssignmentMemberKey,
// ConsumerGroupCurrentMemberAssignmentKey (values, not pointers).
type Key interface {
	// Type is the record type the key is written with.
	Type() Type
	appendKey(dst []byte) ([]byte, error)
}

// Value is one record value, of the kind its key names: OffsetCommitValue,
// GroupMetadataValue or one of the ConsumerGroup*Value types (values, not
// pointers).
type Value interface {
	// ValueVersion is the version the value is written with.
	ValueVersion() int16
	// kind is the record type whose key this value belongs under
	// (TypeOffsetCommit for both offset commit key versions).
	kind() Type
	appendValue(dst []byte) ([]byte, error)
}

// Record is one __consumer_offsets record. A nil Value is a tombstone: the
// record's value is null and compaction deletes the key.
type Record struct {
	Key   Key
	Value Value
}

// IsTombstone reports whether the record deletes its key.
func (r Record) IsTombstone() bool { return r.Value == nil }

// ValueMatchesKey reports whether the record's value, if it has one, is of
// the kind its key names (Encode refuses a record whose value is not).
func (r Record) ValueMatchesKey() bool {
	return r.Value == nil || r.Key != nil && kindOf(r.Key.Type()) == r.Value.kind()
}

// kindOf folds the two offset commit key versions into one kind.
func kindOf(t Type) Type {
	if t == TypeOffsetCommitV0 {
		return TypeOffsetCommit
	}
	return t
}

// Encode returns the record's key and value bytes as Kafka's
// CoordinatorRecordSerde writes them: the key's int16 type and the key
// message; the value's int16 version and the value message, or nil for a
// tombstone.
func Encode(r Record) (key, value []byte, err error) {
	if r.Key == nil {
		return nil, nil, fmt.Errorf("%w: no key", ErrInvalid)
	}
	if key, err = r.Key.appendKey(nil); err != nil {
		return nil, nil, err
	}
	if r.Value == nil {
		return key, nil, nil
	}
	if !r.ValueMatchesKey() {
		return nil, nil, fmt.Errorf("%w: a %s value under a %s", ErrInvalid, specFor(r.Value.kind()).valueName, r.Key.Type())
	}
	spec := specFor(r.Value.kind())
	if v := r.Value.ValueVersion(); v < 0 || v > spec.maxValue {
		return nil, nil, fmt.Errorf("%w: %s has no version %d", ErrInvalid, spec.valueName, v)
	}
	if value, err = r.Value.appendValue(nil); err != nil {
		return nil, nil, err
	}
	return key, value, nil
}

// Decode reads one record from its key and value; value nil (a null
// value, not an empty one) is a tombstone. Bytes after a complete message
// are ignored, as Kafka's generated readers ignore them. The record never
// aliases key or value: the caller may reuse both buffers.
func Decode(key, value []byte) (Record, error) {
	if len(key) < 2 {
		return Record{}, fmt.Errorf("%w: key of %d bytes has no type", ErrMalformed, len(key))
	}
	t := Type(int16(binary.BigEndian.Uint16(key)))
	spec := specFor(t)
	if spec == nil {
		return Record{}, fmt.Errorf("%w %d", ErrUnknownKeyVersion, int16(t))
	}
	d := newDec(key[2:])
	k := spec.decodeKey(t, d)
	if err := d.finish(spec.keyName); err != nil {
		return Record{}, err
	}
	if value == nil {
		return Record{Key: k}, nil
	}
	if len(value) < 2 {
		return Record{}, fmt.Errorf("%w: %s of %d bytes has no version", ErrMalformed, spec.valueName, len(value))
	}
	version := int16(binary.BigEndian.Uint16(value))
	if version < 0 || version > spec.maxValue {
		return Record{}, fmt.Errorf("%w: %s version %d (valid 0-%d)", ErrUnknownValueVersion, spec.valueName, version, spec.maxValue)
	}
	// Byte fields (subscriptions, assignments, unknown tags) point into
	// this private copy, never into the caller's buffer.
	d = newDec(append([]byte(nil), value[2:]...))
	v := spec.decodeValue(version, d)
	if err := d.finish(spec.valueName); err != nil {
		return Record{}, err
	}
	return Record{Key: k, Value: v}, nil
}

// spec is what the codec knows of one record type.
type spec struct {
	keyName, valueName string
	maxValue           int16 // valid value versions are 0..maxValue
	decodeKey          func(t Type, d *dec) Key
	decodeValue        func(version int16, d *dec) Value
}

var specs = [...]*spec{
	TypeOffsetCommitV0:                        offsetCommitSpec,
	TypeOffsetCommit:                          offsetCommitSpec,
	TypeGroupMetadata:                         {"GroupMetadataKey", "GroupMetadataValue", 4, decodeGroupMetadataKey, decodeGroupMetadataValue},
	TypeConsumerGroupMetadata:                 {"ConsumerGroupMetadataKey", "ConsumerGroupMetadataValue", 0, decodeGroupIDKey, decodeConsumerGroupMetadataValue},
	TypeConsumerGroupPartitionMetadata:        {"ConsumerGroupPartitionMetadataKey", "ConsumerGroupPartitionMetadataValue", 0, decodeGroupIDKey, decodeConsumerGroupPartitionMetadataValue},
	TypeConsumerGroupMemberMetadata:           {"ConsumerGroupMemberMetadataKey", "ConsumerGroupMemberMetadataValue", 0, decodeMemberKey, decodeConsumerGroupMemberMetadataValue},
	TypeConsumerGroupTargetAssignmentMetadata: {"ConsumerGroupTargetAssignmentMetadataKey", "ConsumerGroupTargetAssignmentMetadataValue", 0, decodeGroupIDKey, decodeConsumerGroupTargetAssignmentMetadataValue},
	TypeConsumerGroupTargetAssignmentMember:   {"ConsumerGroupTargetAssignmentMemberKey", "ConsumerGroupTargetAssignmentMemberValue", 0, decodeMemberKey, decodeConsumerGroupTargetAssignmentMemberValue},
	TypeConsumerGroupCurrentMemberAssignment:  {"ConsumerGroupCurrentMemberAssignmentKey", "ConsumerGroupCurrentMemberAssignmentValue", 0, decodeMemberKey, decodeConsumerGroupCurrentMemberAssignmentValue},
}

var offsetCommitSpec = &spec{"OffsetCommitKey", "OffsetCommitValue", 4, decodeOffsetCommitKey, decodeOffsetCommitValue}

func specFor(t Type) *spec {
	if t < 0 || int(t) >= len(specs) {
		return nil
	}
	return specs[t]
}
