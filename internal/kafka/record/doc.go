// Package record is Kafka's record batch format (magic 2): the batch header
// read in place, the records inside, the four codecs, the checks Kafka's
// append path makes, and a writer.
//
// A Batch is a view over the bytes of one batch exactly as a producer sent it
// and as the log stores it: nothing is copied or re-encoded on the append
// path. The broker rewrites only the base offset and the partition leader
// epoch, which lie outside the CRC; when the max timestamp or the timestamp
// type changes (LogAppendTime, or a producer whose header max timestamp was
// wrong) it also recomputes the CRC, as Kafka does.
//
// The pieces:
//   - batch.go: the header layout, Parse, Iterate, ValidateHeader, setters.
//   - record.go: Record, a view of one record whose key, value and headers
//     alias the walked buffer, and RecordIter, which walks a batch's records
//     without allocating (DefaultRecord.readFrom's rules, Java's varints).
//   - compress.go, snappy.go, lz4.go: Compress and Decompress, framed as
//     Kafka's Java client frames them (gzip; snappy-java's xerial stream, and
//     raw snappy blocks on input; Kafka's LZ4 frame; zstd) and read with the
//     leniencies of Kafka's readers.
//   - validate.go: Validate (UnifiedLog.analyzeAndValidateRecords plus
//     LogValidator for v2), its Summary and Summary.Assign, timestamp
//     checks, RecordError and ValidationError.
//   - builder.go, control.go: Builder (MemoryRecordsBuilder), EmptyFrom,
//     Rebuild, control records and transaction markers.
//
// What Validate walks. Kafka iterates every record of a v2 batch a client
// sends, decompressing it if needed; so does Validate by default, into a
// pooled buffer. Replication (and recovery) check the header only, as
// Kafka's follower append does. A client batch that is compressed may skip
// decompression only when the caller opts in (SkipCompressedRecords) and no
// record rule can fail under the topic's configuration; the CRC then vouches
// for the bytes but not for the producer's encoding of them.
//
// Invariants:
//   - Nothing here panics on input or reads past the slice it is given.
//   - No allocation is sized by a length field that has not been checked
//     against the bytes present or a caller's limit; decompression never
//     produces more than its limit (ErrTooLarge), whatever the input claims.
//   - A Batch that passed Validate has a correct CRC-32C (Castagnoli) over
//     bytes [21, size), magic 2, a known codec, a size that covers the
//     header, and (unless it came by replication) a record count consistent
//     with its last offset delta and records that decode exactly.
//   - Validate does not modify the batch; Summary.Assign and the setters do.
//   - For no compression, Builder's output is byte for byte what Kafka's
//     MemoryRecordsBuilder writes for the same input.
//
// The package imports no server code.
package record
