// Package checkpoint reads and writes the small files Kafka keeps beside its
// partition logs, byte for byte in Kafka's formats, so that a Wharf log
// directory and an Apache Kafka one are interchangeable:
//
//	<log.dir>/
//	  meta.properties                    metaprops.go: cluster.id, broker.id (a Java .properties file)
//	  recovery-point-offset-checkpoint   offsets.go: "<topic> <partition> <offset>" per partition
//	  log-start-offset-checkpoint        offsets.go
//	  replication-offset-checkpoint      offsets.go: high watermarks
//	  cleaner-offset-checkpoint          offsets.go
//	  .kafka_cleanshutdown               cleanshutdown.go: clean shutdown marker
//	  <topic>-<partition>/
//	    leader-epoch-checkpoint          epoch.go: "<epoch> <start offset>" per epoch
//	    partition.metadata               partitionmeta.go: the topic ID (a Uuid, uuid.go)
//
// Each format is drawn in the file that writes it; checkpoint.go holds the
// generic "version, count, entries" checkpoint the others build on, and
// ensemble.go checks meta.properties across log directories.
//
// Invariants:
//   - Every write replaces its file crash-safely through vfs.WriteFileAtomic
//     (<name>.tmp, sync, rename, directory sync): after a crash at any point
//     the file holds its old content or its new content, never a mix, a
//     torn tail or an empty file where there was content. Removals that
//     matter (the clean shutdown marker) are synced too.
//   - Readers accept exactly what Kafka 3.9's readers accept, rejecting the
//     rest with a typed error (ErrMalformed, ErrVersion, ErrEntryCount, ...)
//     whose message is Kafka's; they never panic, and never allocate in
//     proportion to a count they read. testdata/oracle holds the proof: a
//     corpus read by the JDK itself, which the Go readers must agree with.
//     The known differences are corners nothing writes: Java's parseInt
//     also takes non-ASCII digits; Java reads meta.properties as ISO-8859-1
//     where a valid UTF-8 file is read as UTF-8 here; where Kafka dies of an
//     unchecked exception (a missing line, a non-numeric partition) this
//     package returns ErrMalformed.
//   - Writers produce what Kafka writes for the same content, except where
//     Kafka's output is not deterministic (hash-map order, which Wharf
//     replaces by a sorted order) and except that they refuse entries that
//     would make the file unreadable (ErrInvalidEntry).
//
// All file I/O goes through vfs.FS. The package imports no server code;
// internal/kafka/log uses it.
package checkpoint
