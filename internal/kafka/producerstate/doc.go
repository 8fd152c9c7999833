// Package producerstate is Kafka's producer state for idempotent producers
// (ProducerStateManager, ProducerAppendInfo, ProducerStateEntry,
// BatchMetadata): per producer id and partition, the producer's epoch and
// its last five batches, checked before each append and updated after it,
// snapshotted in Kafka's .snapshot format (one entry per retained batch,
// which Kafka reads as its own one entry per producer) and rebuilt from
// the log when a partition is opened. Transactions are tracked only as far
// as the snapshot format and the markers need (open transaction's first
// offset, coordinator epoch); nothing here computes a last stable offset
// yet.
//
// # API at a glance
//
//	m, err := producerstate.Load(opts, producerstate.FromLog(l), logStart, logEnd, cleanShutdown, now)
//	err = m.WriteSnapshots(l.RecoveryPoint())        // snapshots taken while loading, once durable
//	dup, isDup, err := m.CheckAppend(batches, producerstate.OriginClient) // before the append
//	m.ApplyAppend(batches, info.LastOffset+1)                            // after it, with real offsets
//	m.TakeSnapshot()                                  // at a segment roll, at shutdown
//	m.RemoveExpiredProducers(now)                     // every producer.id.expiration.check.interval.ms
//	err = m.Rebuild(src, logStart, newEnd, now)       // after a follower truncation
//
// # What a client sees (Kafka 2.8 and 3.9 alike)
//
//   - A retried batch whose epoch and sequence range equal one of the
//     producer's five retained batches is not appended again, however
//     often the broker restarted since (Kafka, which snapshots only the
//     newest batch, forgets the others at a restart): the produce
//     response carries the original batch's base offset, no error (and,
//     as Kafka does, its max timestamp as log_append_time).
//   - A gap or a repeat that is not an exact retained batch is
//     OUT_OF_ORDER_SEQUENCE_NUMBER; so is a new epoch whose first sequence
//     is not 0. Sequences wrap from Int32.MaxValue to 0.
//   - An epoch lower than the producer's is INVALID_PRODUCER_EPOCH (2.7+;
//     not PRODUCER_FENCED).
//   - A producer id with no state (new, expired, or whose batches all left
//     the log) is accepted at any sequence (KIP-360, as Kafka 2.5+ and
//     Redpanda do): UNKNOWN_PRODUCER_ID is never answered.
//   - A producer idle for producer.id.expiration.ms (default one day, by
//     its batches' max timestamps) with no open transaction is forgotten.
//
// # Invariants
//
//   - An entry holds at most NumBatchesToRetain batches, oldest first, all
//     of its current epoch.
//   - CheckAppend changes nothing; only ApplyAppend, the loaders and the
//     truncation/expiry methods change the state.
//   - The map end offset is the log offset the state covers up to; a
//     snapshot file named N holds the state of exactly the batches below N.
//   - A snapshot holds each producer's retained batches as consecutive
//     entries, oldest first; its last entry is the one Kafka would write,
//     so Kafka, keeping the last entry per producer id, reads the same
//     state it would have written.
//   - A snapshot file is only written for an offset the caller vouches is
//     durable in the log (WriteSnapshots), and atomically, so after any
//     crash every snapshot file describes batches still in the log or
//     removed by a truncation the rebuild then accounts for.
//
// Every file goes through internal/vfs. A Manager is owned by one
// partition and used under its lock; it is not safe for concurrent use.
// Time is passed in (milliseconds); nothing here reads a clock.
package producerstate
