package groupcoord

import "github.com/wharf-project/wharf/internal/javafmt"

// OffsetsTopic is the internal topic holding committed offsets and group
// metadata.
const OffsetsTopic = "__consumer_offsets"

// PartitionFor is the __consumer_offsets partition that holds a group,
// and whose leader is the group's coordinator: Kafka's
// Utils.abs(groupId.hashCode()) % partitions, with Java's String.hashCode
// over the id's UTF-16 code units (a group id that is not valid UTF-8
// reads as Java would have decoded it: each bad byte one U+FFFD).
// partitions must be positive.
func PartitionFor(groupID string, partitions int32) int32 {
	return javaAbs(javafmt.StringHash(groupID)) % partitions
}

// javaAbs is Kafka's Utils.abs: |n|, with MinInt32 mapped to 0 (Math.abs
// would leave it negative).
func javaAbs(n int32) int32 {
	if n == -1<<31 {
		return 0
	}
	if n < 0 {
		return -n
	}
	return n
}
