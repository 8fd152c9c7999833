// Package dumplog is Kafka's kafka.tools.DumpLogSegments (kafka-dump-log.sh)
// of Kafka 3.9: it prints log segments, offset and time indexes,
// transaction indexes and producer snapshots exactly as the original does,
// including the texts it prints when a file is corrupt and the first line
// of the exception the JVM would die with.
//
// The behaviour is read from the Scala and Java sources: DumpLogSegments,
// FileRecords/FileLogInputStream (how batches are found and a torn tail
// ends the iteration), DefaultRecordBatch/DefaultRecord (fields, validity,
// record decoding and its exception texts), the legacy v0/v1 formats,
// OffsetIndex/TimeIndex/TransactionIndex, ProducerStateManager's snapshot,
// CoordinatorRecordSerde and TransactionLog for the decoders, and
// jopt-simple 5.0.4 for option parsing and the help table.
//
// Invariants:
//   - Run never panics on file contents: every malformed input ends in the
//     text Kafka prints for it (a report line, or `Exception in thread
//     "main" <class>: <message>` on stderr with exit status 1).
//   - Nothing is allocated in proportion to a length read from a file
//     before that length is checked against the bytes actually there.
//   - Output goes to stdout, reports and usage texts to stderr, in the
//     order the original prints them.
//
// The package reads files with os and imports no server code; the record
// package provides the codecs.
package dumplog
