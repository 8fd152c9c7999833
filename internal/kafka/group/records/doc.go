// Package records is the codec of the records of __consumer_offsets, byte
// for byte as Kafka 3.9's group coordinator writes and reads them
// (CoordinatorRecordSerde and the JSON schemas of group-coordinator's
// resources/common/message), and the constructors of the records each
// change of group state writes (CoordinatorRecordHelpers).
//
// # Framing
//
//	key   = type:int16 key_message            the key's version names the record type
//	value = version:int16 value_message       or a null value: a tombstone, which
//	                                          compaction uses to delete the key
//
// Keys are non-flexible (int16-length strings). Values of versions marked
// flexible below use compact strings, bytes and arrays (a uvarint of
// length+1, 0 for null) and end each struct with a tagged-fields section
// (a uvarint count, then tag, size and body, each tag a uvarint).
//
// # Record types (Kafka 3.9)
//
//	type key                                      value                                       versions flex from Kafka 3.9 writes
//	0    OffsetCommitKey (Kafka 0.8.2)            OffsetCommitValue                           0-4      4         -
//	1    OffsetCommitKey                          OffsetCommitValue                           0-4      4         3 (1 with an expire timestamp)
//	2    GroupMetadataKey                         GroupMetadataValue                          0-4      4         3
//	3    ConsumerGroupMetadataKey                 ConsumerGroupMetadataValue                  0        0         0
//	4    ConsumerGroupPartitionMetadataKey        ConsumerGroupPartitionMetadataValue         0        0         0
//	5    ConsumerGroupMemberMetadataKey           ConsumerGroupMemberMetadataValue            0        0         0
//	6    ConsumerGroupTargetAssignmentMetadataKey ConsumerGroupTargetAssignmentMetadataValue  0        0         0
//	7    ConsumerGroupTargetAssignmentMemberKey   ConsumerGroupTargetAssignmentMemberValue    0        0         0
//	8    ConsumerGroupCurrentMemberAssignmentKey  ConsumerGroupCurrentMemberAssignmentValue   0        0         0
//	9-11 share groups (KIP-932): Kafka 3.9 ships their schemas (keys
//	     ShareGroupPartitionMetadataKey 9, ShareGroupMemberMetadataKey 10,
//	     ShareGroupMetadataKey 11) but its serde does not read them; nor
//	     does this package: they give ErrUnknownKeyVersion and are skipped
//
// Each key schema's "validVersions" is its type number, and the serde's
// switch maps the same numbers (CoordinatorRecordSerde, 3.9.0-rc3).
//
// The classic types (0-2) are kmsg's OffsetCommitKey/Value and
// GroupMetadataKey/Value (franz-go's kmsg v1.15.0, whose field layouts and
// version conditions match the 3.9 schemas; its OffsetCommitValue also
// names v4's tag 0, TopicID, which Kafka 4.1 added). They are written by
// kmsg's AppendTo; the KIP-848 types (3-8) are coded here by hand. Reading
// is this package's own for all types: see classic.go for why not kmsg's.
//
// # Burrow
//
// The defaults (OffsetCommitValue v3, v1 with an expire timestamp;
// GroupMetadataValue v3) are what Kafka has written since 2.3, and what the
// lag monitor Burrow reads: it decodes key types 0-2, OffsetCommitValue 0,
// 1, 3 (never 2, which Kafka wrote only under inter.broker.protocol 2.1-IV0;
// nothing here writes it by default) and, since Burrow 1.3,
// GroupMetadataValue 0-3. Debian's Burrow 1.2.1 reads GroupMetadataValue
// 0-1 only: it skips the v3 group records (used only for partition owners),
// exactly as it does against Apache Kafka, and computes lag from the offset
// commits. Burrow treats an empty or null value as a tombstone. Nothing
// here writes the flexible v4 by default: Burrow reads OffsetCommitValue v4
// only from 1.9.5 on, and GroupMetadataValue v4 in no release.
//
// # Invariants
//
//   - Decode never panics and never reads outside its input; every count
//     is checked against the bytes that remain before anything is
//     allocated for it, and a loop over a count stops as soon as the data
//     runs out.
//   - Decode accepts what Kafka's generated readers accept and refuses what
//     they refuse (a null in a non-nullable field, a string over 32767
//     bytes, a length past the data), with two differences: a declared
//     tagged field's body must be consumed exactly (this includes
//     OffsetCommitValue's tag 0, TopicID, which only Kafka 4.1 declares:
//     Kafka 3.9 would keep a tag 0 of any size as an unknown tag), and
//     strings are kept as bytes (Java would replace invalid UTF-8). Bytes
//     after a complete message are ignored, as Java ignores them.
//   - A decoded record encodes again without error, and that encoding
//     decodes to the same record (a fixed point after one round); for
//     canonical bytes (those Encode produces) Encode(Decode(b)) == b.
//   - Decoded records share no memory with the caller's key and value.
//   - Fields a version lacks decode as Kafka's defaults (-1 for leader
//     epoch, expire and state timestamps, rebalance timeout); empty arrays
//     decode as nil, empty non-nullable bytes as an empty non-nil slice.
//   - Unknown tagged fields are kept and written back in ascending order.
//
// The package is pure: no I/O, no clock, no server code.
package records
