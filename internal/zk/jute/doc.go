// Package jute is ZooKeeper's wire and disk serialization ("jute"), byte for byte.
//
// Jute primitives are big-endian: int = 4 bytes, long = 8 bytes, boolean = 1 byte,
// buffer and ustring = int length (-1 = null) followed by the bytes, vector = int
// count (-1 = null) followed by the elements. Records are the concatenation of
// their fields in declaration order (zookeeper.jute in apache/zookeeper).
//
// Invariants:
//   - A Decoder never allocates more than the bytes it was given: every length
//     and count is checked against the bytes remaining before anything is made.
//   - A Decoder latches its first error; later reads return zero values, so a
//     record's Decode method can read all fields and check Err once.
//   - Buffers returned by a Decoder are copies: they never alias the input.
//
// The package imports no server code.
package jute
