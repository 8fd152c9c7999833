// Package record is Kafka's record batch format (magic 2), read in place.
//
// A Batch is a view over the bytes of one batch exactly as a producer sent it
// and as the log stores it: nothing is copied or re-encoded on the append
// path. The broker rewrites only the base offset and the partition leader
// epoch, which lie outside the CRC; for LogAppendTime it also sets the
// timestamp type and max timestamp and recomputes the CRC.
//
// Invariants:
//   - Parse and Validate never read past the slice they are given and never
//     allocate in proportion to a length field they have not checked.
//   - A Batch that passed Validate has a correct CRC-32C (Castagnoli) over
//     bytes [21, size), magic 2, a size that covers the header, and a record
//     count consistent with its last offset delta.
//
// The package imports no server code.
package record
