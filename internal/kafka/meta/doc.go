// Package meta is the broker's metadata cache (Kafka 2.8's ZkMetadataCache):
// the live brokers with their listeners and racks, the active controller,
// and every topic with its id and partitions (leader, leader epoch,
// replicas, ISR, offline replicas). It is fed only by the controller's
// UpdateMetadata requests (kmsg.UpdateMetadataRequest, any version), so
// one path serves a single broker and a cluster alike.
//
// Invariants:
//   - A Snapshot never changes once published; UpdateMetadata builds the
//     next one (sharing untouched topics) and swaps it in atomically, so
//     lookups take no lock and one request sees one consistent state.
//   - Partitions of a topic are kept sorted by id; topic names sorted.
//   - A partition state whose leader is -2 (LeaderDuringDelete) removes the
//     partition; a topic without partitions is gone.
//
// Topic configs are not kept here: kconfig.Manager owns them.
package meta
