package groupcoord

import "unicode/utf16"

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
	return javaAbs(javaStringHash(groupID)) % partitions
}

// javaStringHash is String.hashCode: s[0]*31^(n-1) + … + s[n-1] over the
// UTF-16 code units, in int32 arithmetic that wraps.
func javaStringHash(s string) int32 {
	var h int32
	for _, r := range s {
		if r < 0x10000 {
			h = 31*h + int32(r)
			continue
		}
		hi, lo := utf16.EncodeRune(r)
		h = 31*h + hi
		h = 31*h + lo
	}
	return h
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
